"""The shared vocabulary: how names are folded, what a key or an id looks like, language ids.

Every module that compares names, checks a citation key or maps a language uses these, so the
validator, the importer, search and the exporters agree on them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Citation keys: familyyearword, lower-case ASCII (`miliband1973coup`, `financialtimes1973aug09`).
KEY_RE = re.compile(r"^[a-z][a-z0-9]*(\d{4}|nd)[a-z0-9]+\Z")
# Record ids of agents and quotations (and the file names of works): lower-case ASCII and hyphens.
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
# BibLaTeX language names (`langid`) of the BCP 47 languages the records use.
LANGIDS = {"en": "english", "es": "spanish", "de": "german", "fr": "french", "ru": "russian", "it": "italian", "pt": "portuguese"}
# URLs and file names: what the typed values `chilecite.values.Url` and `FileName` accept (kept here,
# free of pydantic, for the code that must check one without loading the models).
# White space, C0 and C1 controls, zero-width and direction-formatting characters, the BOM: none is
# ever part of an address, and each can hide what a link really says.
_NOT_IN_URL = r"\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
URL_PATTERN = rf"^[Hh][Tt][Tt][Pp][Ss]?://[^{_NOT_IN_URL}/?#]+[^{_NOT_IN_URL}]*$"  # for JSON Schema
_URL_RE = re.compile(rf"[Hh][Tt][Tt][Pp][Ss]?://[^{_NOT_IN_URL}/?#]+[^{_NOT_IN_URL}]*")
NOT_IN_URL_RE = re.compile(rf"[{_NOT_IN_URL}]")


def is_web_url(value: object) -> bool:
    """Whether `value` is an absolute http(s) URL (the scheme in any case) with a host, and no white
    space, control or invisible formatting character: the only kind of address chilecite links to."""
    if not isinstance(value, str) or not _URL_RE.fullmatch(value):
        return False
    from urllib.parse import urlsplit

    try:
        return bool(urlsplit(value).hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


_FILE_NAME_RE = re.compile(r"[^./\\\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]*")
FILE_NAME_PATTERN = r"^[^./\\\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]*$"  # for JSON Schema (`..` is refused by the model)
MAX_FILE_NAME_BYTES = 255  # the longest name a file system gives a file


def is_plain_file_name(value: object) -> bool:
    """Whether `value` names a file and nothing else: no folder (`/`, `\\`), no `..`, no leading `.`
    (no hidden or parent name), no NUL or control character, at most 255 bytes in UTF-8."""
    return (isinstance(value, str) and bool(_FILE_NAME_RE.fullmatch(value)) and ".." not in value
            and len(value.encode("utf-8", "surrogatepass")) <= MAX_FILE_NAME_BYTES)


LEVEL_MEANINGS = {
    "stated": "named by the essay",
    "verified": "checked against the work",
    "attributed": "inferred, not checked",
    "unidentified": "no source established",
}


def selection(codes: str | Iterable[str]) -> frozenset[str]:
    """Rule codes or prefixes as `--select`/`--ignore` give them (comma-separated, any case), upper-
    cased, not yet checked against the catalogue (`chilecite.rules.selectors` does that)."""
    items = codes.split(",") if isinstance(codes, str) else list(codes)
    return frozenset(item.strip().upper() for item in items if item.strip())


def fold(text: str) -> str:
    """Accent- and case-folded, punctuation-free form for duplicate detection and search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", stripped).strip()


def closest(wanted: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The valid choices nearest to a mistyped one (`allende-history-is-our` -> `allende-history-is-ours`)."""
    import difflib  # only a mistake needs it

    pool = list(dict.fromkeys(str(c) for c in choices))
    exact = [c for c in pool if c.casefold() == wanted.casefold()]
    near = difflib.get_close_matches(wanted.casefold(), [c.casefold() for c in pool], n=n, cutoff=0.6)
    by_fold = {c.casefold(): c for c in pool}
    found = exact + [by_fold[c] for c in near if by_fold[c] not in exact]
    if not found:  # a prefix or a fragment: `allende-history` -> every quotation starting so
        found = [c for c in pool if wanted and wanted.casefold() in c.casefold()][:n]
    return found[:n]
