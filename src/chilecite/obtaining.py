"""Getting the essay's reference text: where it is looked for, and turning a saved copy into it.

`text_status` says where the text is expected and whether the copy found is the one the records
anchor to. `import_text` reads a copy of the essay — the ETOL page as saved by a browser (HTML) or
a plain-text copy — finds the essay's paragraphs in it, checks each against the fingerprints kept
in essay.yaml (NFC, white space made single spaces), and returns the reference text, exactly, when
every paragraph matches; `store_text` puts it where every command finds it.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from chilecite.errors import UsageError
from chilecite.models import Essay
from chilecite.text import MAX_TEXT_BYTES, TextSearch, fingerprint, stored_text_dir

_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "div", "td", "dd", "dt", "pre", "br", "hr", "tr"}
_SKIPPED = {"script", "style", "head", "title", "noscript"}


@dataclass(frozen=True)
class TextStatus:
    """Where the reference text was looked for and what was found there."""

    text_file: str
    expected_sha256: str
    search: TextSearch
    found_sha256: str | None
    problem: str | None = None

    @property
    def matches(self) -> bool:
        return self.found_sha256 == self.expected_sha256

    def as_dict(self) -> dict[str, object]:
        return {"text_file": self.text_file, "expected_sha256": self.expected_sha256,
                "looked_in": [{"how": how, "path": str(path)} for how, path in self.search.tried],
                "found": str(self.search.found) if self.search.found else None, "found_by": self.search.how,
                "found_sha256": self.found_sha256, "matches": self.matches, "problem": self.problem,
                "stored_copy": str(stored_text_dir() / self.text_file)}


HOW_TO_GET = (
    "To get it: open the essay's transcription on the Encyclopaedia of Trotskyism On-Line (marxists.org) in a browser,\n"
    "save it (File > Save Page As, 'Web Page, HTML only'), then run: chilecite essay import SAVED.html\n"
    "(a plain-text copy works too). The copy is checked paragraph by paragraph and stored where every command finds it.\n"
)


def render_status(status: TextStatus) -> str:
    """`chilecite essay`: where the text was looked for, what was found, and how to get it when it is not the right one."""
    lines = [f"reference text: {status.text_file}", f"expected SHA-256: {status.expected_sha256}", "looked for, in order:"]
    lines += [f"  {how}: {path}" for how, path in status.search.tried]
    if status.problem:
        lines.append(f"found: {status.search.found} — cannot be read: {status.problem}")
    elif status.search.found is None:
        lines.append("found: nowhere")
    else:
        verdict = "matches" if status.matches else f"does NOT match (its SHA-256 is {status.found_sha256})"
        lines.append(f"found: {status.search.found} ({status.search.how}); {verdict}")
    return "\n".join(lines) + "\n" + ("" if status.matches else HOW_TO_GET)


def text_status(essay: Essay, search: TextSearch) -> TextStatus:
    """The status of the reference text for `essay`, given where it was looked for."""
    found_sha, problem = None, None
    if search.found is not None:
        from chilecite.files import read_regular

        try:
            found_sha = hashlib.sha256(read_regular(search.found, MAX_TEXT_BYTES)).hexdigest()
        except OSError as exc:
            problem = f"{search.found}: {exc.strerror or exc}"
    return TextStatus(essay.text_file, essay.text_sha256, search, found_sha, problem)


# One token of an HTML page, found in time linear in the page whatever it holds (html.parser takes
# time quadratic in runs of unclosed tags such as `<a <a <a`): a comment, a declaration or
# processing instruction, a start or end tag (with its attributes, quoted values kept whole), or a
# run of text (a `<` that starts no tag is text, as browsers read it). An unclosed construct ends
# the page.
_TOKEN = re.compile(r"""
    <!--.*?(?:-->|\Z)
  | <[!?][^>]*(?:>|\Z)
  | <(?P<end>/)?(?P<tag>[A-Za-z][^\s/>]*+)(?P<attributes>(?:[^>"']++|"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z))*+)(?:>|\Z)
  | (?P<text>(?:[^<]|<(?![A-Za-z!?]|/[A-Za-z]))++)
""", re.S | re.X)  # possessive repeats (*+, ++): the regular expression engine keeps no state per character
_RAW_TEXT = frozenset({"script", "style"})  # their content is not markup: it runs to their end tag


def _blocks(page: str) -> list[str]:
    """The text of each block element of an HTML page, entities decoded, in order; what is inside
    <script>, <style>, <head>, <title> and <noscript> left out. Time and memory linear in the page."""
    blocks: list[str] = []
    current: list[str] = []
    skipping = 0

    def flush() -> None:
        text = "".join(current)
        current.clear()
        if text.strip():
            blocks.append(text)

    position, size = 0, len(page)
    while position < size:
        token = _TOKEN.match(page, position)
        assert token is not None  # every character starts one of the alternatives
        position = token.end()
        if token["text"] is not None:
            if not skipping:
                current.append(html.unescape(token["text"]))
            continue
        tag = token["tag"]
        if tag is None:
            continue  # a comment or a declaration
        tag = tag.lower()
        closes_itself = token["attributes"].rstrip().endswith("/")
        if tag in _SKIPPED:
            skipping = max(0, skipping - 1) if token["end"] else skipping + (0 if closes_itself else 1)
            if not token["end"] and not closes_itself and tag in _RAW_TEXT:  # skip to its end tag
                close = re.compile(rf"</{tag}[\s/>]", re.I).search(page, position)
                position = close.start() if close else size
        elif tag in _BLOCKS:
            flush()
    flush()
    return blocks


_ASCII_SPACES = re.compile(r"[ \t\r\n\f\v]{2,}+|[\t\r\n\f\v]")  # runs to make one space: single spaces are left alone


def _paragraphs(raw: str, is_html: bool) -> list[str]:
    """Candidate paragraphs: HTML block elements, or the blank-line (else line) separated parts of plain text.
    Runs of ASCII white space become one space; other spaces (a no-break space) are kept as printed."""
    if is_html:
        parts = _blocks(raw)
    else:
        text = raw.replace("\r\n", "\n").replace("\r", "\n")
        parts = re.split(r"\n[ \t]*\n", text) if "\n\n" in text else text.split("\n")
    return [unicodedata.normalize("NFC", _ASCII_SPACES.sub(" ", p).strip(" ")) for p in parts if p.strip()]


def _looks_like_html(raw: str) -> bool:
    return bool(re.search(r"<\s*(html|body|p|h[1-6]|div)\b", raw[:20000], re.IGNORECASE))


def _body_start(paragraphs: list[str], prints: list[str], lookahead: int = 12) -> int | None:
    """Where the essay's paragraph 1 is (or would be) in the copy: the first place one of its first
    paragraphs matches, less its number, so a changed first paragraph is still located."""
    wanted = {p: i for i, p in reversed(list(enumerate(prints[:lookahead])))}
    for index, paragraph in enumerate(paragraphs):
        if (number := wanted.get(fingerprint(paragraph))) is not None:
            return index - number
    return None


PAGE_FACTOR = 8  # a saved page of the essay is its text and some markup: the transcription's is 1.1 times the text


def import_limit(essay: Essay) -> int:
    """The most bytes `import_text` reads of a copy: PAGE_FACTOR times the reference text's size
    (essay.yaml's `text_bytes`), or, where the records do not say it, the most a reference text may be."""
    return PAGE_FACTOR * essay.text_bytes if essay.text_bytes else MAX_TEXT_BYTES


def _limit_reason(essay: Essay) -> str:
    if essay.text_bytes:
        return f"{PAGE_FACTOR} times the {essay.text_bytes:,} bytes of the essay's text (essay.yaml's text_bytes)"
    return "the most a reference text may be"


def import_text(copy: Path, essay: Essay) -> str:
    """The reference text, rebuilt from a saved copy of the essay; UsageError naming the first paragraph that differs."""
    from chilecite.files import TooLarge, read_regular

    prints = essay.paragraph_fingerprints
    if not prints:
        raise UsageError("essay.yaml keeps no paragraph fingerprints to check a copy against")
    try:
        raw = read_regular(copy, import_limit(essay)).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{copy} is not UTF-8: save the page as UTF-8 (a browser's 'Web page, HTML only' does)") from None
    except TooLarge as exc:
        raise UsageError(f"{copy}: {exc.strerror}, {_limit_reason(essay)}; is this a copy of the essay?") from None
    except OSError as exc:
        raise UsageError(f"{copy}: {exc.strerror or exc}") from None
    paragraphs = _paragraphs(raw, _looks_like_html(raw))
    start = _body_start(paragraphs, prints)
    if start is None:
        raise UsageError(f"{copy}: none of the essay's first paragraphs was found; is this a copy of the essay?")
    body = paragraphs[max(start, 0):start + len(prints)]
    if start < 0:  # the copy lacks the essay's first paragraphs
        raise UsageError(f"{copy}: paragraph 1 is missing or differs from the essay's; nothing was stored")
    for number, (expected, paragraph) in enumerate(zip(prints, body, strict=False), start=1):
        if fingerprint(paragraph) != expected:
            raise UsageError(f"{copy}: paragraph {number} differs from the essay's ('{paragraph[:60]}…'); nothing was stored")
    if len(body) < len(prints):
        raise UsageError(f"{copy}: the copy ends after paragraph {len(body)} of {len(prints)}; nothing was stored")
    for candidate in (body, [" ".join(p.split()) for p in body]):
        text = "\n\n".join(candidate) + "\n\n\n"
        if hashlib.sha256(text.encode("utf-8")).hexdigest() == essay.text_sha256:
            return text
    raise UsageError(f"{copy}: every paragraph matches, but the copy differs from the reference text in its spaces or accents "
                     "(SHA-256); the anchors need the exact text, so nothing was stored")


def store_text(text: str, essay: Essay) -> Path:
    """Store the reference text in the user's data directory, where every command looks for it."""
    from chilecite.files import write_output
    from chilecite.vocabulary import is_plain_file_name

    directory = stored_text_dir()
    if not is_plain_file_name(essay.text_file):  # the model refuses such a name: this is for a caller that built one without it
        raise UsageError(f"refusing to store the text as {essay.text_file!r}: essay.yaml's text_file must be a plain file name")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / essay.text_file
    real = Path(os.path.realpath(path))
    if real.parent != Path(os.path.realpath(directory)):
        raise UsageError(f"refusing to store the text at {path}: it leads to {real}, outside the data folder {directory}")
    write_output(path, text)
    return path


def fingerprints_yaml(paragraphs: list[str]) -> str:
    """The `paragraph_fingerprints:` block of essay.yaml for a reference text's paragraphs."""
    return "paragraph_fingerprints:\n" + "".join(f"  - '{fingerprint(p)}'\n" for p in paragraphs)


__all__ = ["PAGE_FACTOR", "TextStatus", "fingerprints_yaml", "import_limit", "import_text", "render_status", "store_text", "text_status"]
