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
