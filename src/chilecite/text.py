"""The reference text of the essay: paragraphs, offsets and note markers, and where to find it.

The text is not shipped with the package (it is the essay itself). `find_text` looks for it, in
order: `--essay FILE`, the `CHILECITE_ESSAY` variable, `shared/essay/<text_file>` beside the
records' checkout (or the working directory's), and the copy `chilecite essay import` stores in the
user's data directory.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from chilecite.errors import UsageError

MAX_TEXT_BYTES = 5_000_000
_WHITE_SPACE = re.compile(r"\s{2,}+|[^\S ]")  # white space to make one space: a single space is left alone
MARKER_RE = re.compile(r"\[(\d{1,2})\]")
# A short line ending in one of these introduces a block quotation; it is not a heading.
_LEAD_IN_WORDS = frozenset({"that", "of", "by", "as", "to", "and", "the"})


@dataclass(frozen=True)
class Paragraph:
    """One non-empty line of the reference text: a paragraph or a heading."""

    number: int
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Marker:
    """A note marker `[n]` in the text."""

    number: int
    paragraph: int
    start: int
    end: int


@dataclass(frozen=True)
class ReferenceText:
    """The essay's reference text, split into numbered paragraphs with character offsets."""

    text: str
    path: Path | None = None
    paragraphs: tuple[Paragraph, ...] = field(init=False)

    def __post_init__(self) -> None:
        paragraphs: list[Paragraph] = []
        offset = 0
        for line in self.text.split("\n"):
            if line.strip():
                paragraphs.append(Paragraph(len(paragraphs) + 1, offset, line))
            offset += len(line) + 1
        object.__setattr__(self, "paragraphs", tuple(paragraphs))

    @classmethod
    def from_file(cls, path: Path) -> ReferenceText:
        """Read a reference text; a file that is not a readable UTF-8 regular file is a `TextUnusable`."""
        from chilecite.files import read_regular

        try:
            raw = read_regular(Path(path), MAX_TEXT_BYTES)
            return cls(raw.decode("utf-8"), Path(path))
        except UnicodeDecodeError as exc:
            raise TextUnusable(f"{path}: byte {exc.start} is not UTF-8; the reference text is UTF-8") from None
        except OSError as exc:
            raise TextUnusable(f"{path}: {exc.strerror or exc}") from None

    @cached_property
    def size(self) -> int:
        """The text's size in bytes, in UTF-8."""
        return len(self.text.encode("utf-8"))

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def paragraph(self, number: int) -> Paragraph | None:
        return self.paragraphs[number - 1] if 1 <= number <= len(self.paragraphs) else None

    @cached_property
    def markers(self) -> tuple[Marker, ...]:
        return tuple(
            Marker(int(m.group(1)), p.number, p.start + m.start(), p.start + m.end())
            for p in self.paragraphs
            for m in MARKER_RE.finditer(p.text)
        )

    @cached_property
    def _starts(self) -> list[int]:
        return [p.start for p in self.paragraphs]

    def paragraph_at(self, offset: int) -> Paragraph | None:
        """The paragraph holding the character at `offset` (its line break counts as part of it)."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0:
            return None
        paragraph = self.paragraphs[index]
        return paragraph if offset < paragraph.end + 1 else None

    @cached_property
    def fingerprints(self) -> tuple[str, ...]:
        return tuple(fingerprint(p.text) for p in self.paragraphs)

    @cached_property
    def headings(self) -> tuple[Paragraph, ...]:
        """Lines that are section headings: short, no marker, no closing sentence punctuation except `?`."""
        return tuple(
            p
            for p in self.paragraphs
            if len(p.text) < 60
            and not MARKER_RE.search(p.text)
            and not p.text.rstrip().endswith((".", ":", ";", ",", "’", "”"))
            and p.text.split()[-1] not in _LEAD_IN_WORDS
        )

    @cached_property
    def block_quotation_paragraphs(self) -> tuple[Paragraph, ...]:
        """Paragraphs that are block quotations: those introduced by a paragraph ending in a colon
        or breaking off mid-sentence ("complained of", "argued that")."""
        heading_numbers = {h.number for h in self.headings}
        blocks = []
        for previous, paragraph in itertools.pairwise(self.paragraphs):
            if previous.number in heading_numbers or paragraph.number in heading_numbers:
                continue
            ending = MARKER_RE.sub("", previous.text).rstrip()
            if ending.endswith(":") or not ending.endswith((".", "?", "!", "’", "”", ";", ")")):
                blocks.append(paragraph)
        return tuple(blocks)


class TextUnusable(UsageError):
    """A reference text that exists but cannot be read as one (not a regular file, not UTF-8, too large)."""


def fingerprint(paragraph: str) -> str:
    """16 hex digits of the SHA-256 of a paragraph in NFC with its white space made single spaces:
    a harmless conversion difference (NBSP, CRLF, decomposed accents) is not a mismatch."""
    normal = _WHITE_SPACE.sub(" ", unicodedata.normalize("NFC", paragraph)).strip()  # `" ".join(s.split())`, without a list of words
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


def stored_text_dir() -> Path:
    """Where `chilecite essay import` keeps the reference text: the user's data directory."""
    from platformdirs import user_data_dir

    return Path(os.environ.get("CHILECITE_DATA") or user_data_dir("chilecite", appauthor=False)) / "essays"


@dataclass(frozen=True)
class TextSearch:
    """Where the reference text was looked for, in order, and where (if anywhere) it was found."""

    found: Path | None
    how: str | None  # option, environment, shared, stored
    tried: tuple[tuple[str, Path], ...]

    def describe(self) -> str:
        return "; ".join(f"{how}: {path}" for how, path in self.tried)


def find_text(text_file: str, records_root: Path | None = None, explicit: Path | None = None) -> TextSearch:
    """Look for the reference text named `text_file` (from essay.yaml) in the documented order.

    An explicit `--essay` path or `CHILECITE_ESSAY` is used as given: when it is not a file the
    search ends there (the caller reports it) rather than silently falling back to another copy.
    `text_file` comes from a record: only a plain file name is looked for, and a file found is used
    only if it really is in the folder it was looked for in (a link out of it is passed over).
    """
    tried: list[tuple[str, Path]] = []
    for how, value in (("--essay", explicit), ("CHILECITE_ESSAY", os.environ.get("CHILECITE_ESSAY") or None)):
        if value is not None:
            path = Path(value)
            tried.append((how, path))
            return TextSearch(path if path.exists() else None, how, tuple(tried))
    from chilecite.vocabulary import is_plain_file_name

    if not is_plain_file_name(text_file):  # the model refuses such a name; a caller without it gets no search at all
        return TextSearch(None, None, tuple(tried))
    roots = [Path.cwd()]
    if records_root is not None:
        roots.insert(0, Path(os.path.abspath(records_root)).parent)
    seen: set[Path] = set()
    for root in roots:
        for base in (root, *root.parents):
            candidate = base.parent / "shared" / "essay" / text_file
            if candidate in seen:
                continue
            seen.add(candidate)
            if _inside(candidate, candidate.parent):
                tried.append(("shared", candidate))
                return TextSearch(candidate, "shared", tuple(tried))
    tried.append(("shared", Path("../shared/essay") / text_file))
    stored = stored_text_dir() / text_file
    tried.append(("stored", stored))
    if _inside(stored, stored_text_dir()):
        return TextSearch(stored, "stored", tuple(tried))
    return TextSearch(None, None, tuple(tried))


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path` is a file whose real place (links followed) is in `folder` (links followed):
    a text is read only from where texts are looked for."""
    if not path.is_file():
        return False
    try:
        return Path(os.path.realpath(path)).parent == Path(os.path.realpath(folder))
    except (OSError, ValueError):
        return False


def quote_anchor(text: ReferenceText, exact: str, paragraph: int | None = None, context: int = 32) -> dict:
    """The anchor of `exact` in the text (within `paragraph` when given): paragraph, TextQuoteSelector, TextPositionSelector.

    Raises UsageError when the words are not found, or are found more than once and no paragraph is given.
    """
    if not exact:
        raise UsageError("give the quotation's words with --exact")
    if paragraph is not None:
        para = text.paragraph(paragraph)
        if para is None:
            raise UsageError(f"no paragraph {paragraph}: the text has paragraphs 1-{len(text.paragraphs)}")
        found = para.text.find(exact)
        if found < 0:
            where = sorted({p.number for p in text.paragraphs if exact in p.text})
            raise UsageError(f"the words are not in paragraph {paragraph}" + (f"; they are in {', '.join(map(str, where))}" if where else ""))
        start = para.start + found
    else:
        start = text.text.find(exact)
        if start < 0:
            raise UsageError("the words are not in the reference text (copy them exactly, curly quotes and all)")
        if text.text.find(exact, start + 1) >= 0:
            where = [p.number for p in text.paragraphs if exact in p.text]
            shown = ", ".join(map(str, where[:8])) + (", …" if len(where) > 8 else "")
            raise UsageError(f"the words occur more than once (paragraphs {shown}); choose one with --paragraph N")
    end = start + len(exact)
    para = text.paragraph_at(start)
    assert para is not None  # `start` is inside the text
    # Context stays within the paragraph, so records stay readable one-line strings.
    prefix = text.text[max(para.start, start - context):start]
    suffix = text.text[end:min(para.end, end + context)]
    return {
        "paragraph": para.number,
        "quote": {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix},
        "position": {"type": "TextPositionSelector", "start": start, "end": end},
    }
