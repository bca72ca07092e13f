"""The reference text of the essay: paragraphs, offsets and note markers.

The text is not shipped with the package (it is the essay itself); it is found through
`--essay FILE`, the `CHILECITE_ESSAY` variable, or `../shared/essay/` beside a checkout.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

TEXT_FILE = "gonzalez-1984-the-left-and-the-coup-in-chile.txt"
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
        paragraphs, offset = [], 0
        for line in self.text.split("\n"):
            if line.strip():
                paragraphs.append(Paragraph(len(paragraphs) + 1, offset, line))
            offset += len(line) + 1
        object.__setattr__(self, "paragraphs", tuple(paragraphs))

    @classmethod
    def from_file(cls, path: Path) -> ReferenceText:
        return cls(path.read_bytes().decode("utf-8"), path)

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

    def paragraph_at(self, offset: int) -> Paragraph | None:
        for paragraph in self.paragraphs:
            if paragraph.start <= offset < paragraph.end + 1:
                return paragraph
        return None

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
        for previous, paragraph in zip(self.paragraphs, self.paragraphs[1:]):
            if previous.number in heading_numbers or paragraph.number in heading_numbers:
                continue
            ending = MARKER_RE.sub("", previous.text).rstrip()
            if ending.endswith(":") or not ending.endswith((".", "?", "!", "’", "”", ";", ")")):
                blocks.append(paragraph)
        return tuple(blocks)


def default_text_path(records_dir: Path | None = None) -> Path | None:
    """Where the reference text is when no `--essay` is given: `CHILECITE_ESSAY`, then `../shared/essay/`
    next to the records' checkout or the working directory."""
    env = os.environ.get("CHILECITE_ESSAY")
    if env:
        return Path(env)
    roots = [Path.cwd()]
    if records_dir is not None:
        roots.insert(0, records_dir.resolve().parent)
    for root in roots:
        for base in (root, *root.parents):
            candidate = base.parent / "shared" / "essay" / TEXT_FILE
            if candidate.is_file():
                return candidate
    return None


def quote_anchor(text: ReferenceText, exact: str, paragraph: int | None = None, context: int = 32) -> dict:
    """The anchor of `exact` in the text (within `paragraph` when given): paragraph, TextQuoteSelector, TextPositionSelector.

    Raises ValueError when the words are not found, or are found more than once and no paragraph is given.
    """
    if paragraph is not None:
        para = text.paragraph(paragraph)
        if para is None:
            raise ValueError(f"no paragraph {paragraph}")
        found = para.text.find(exact)
        if found < 0:
            raise ValueError(f"the words are not in paragraph {paragraph}")
        start = para.start + found
    else:
        start = text.text.find(exact)
        if start < 0:
            raise ValueError("the words are not in the reference text")
        if text.text.find(exact, start + 1) >= 0:
            raise ValueError("the words occur more than once; give the paragraph")
    end = start + len(exact)
    para = text.paragraph_at(start)
    # Context stays within the paragraph, so records stay readable one-line strings.
    prefix = text.text[max(para.start, start - context):start]
    suffix = text.text[end:min(para.end, end + context)]
    return {
        "paragraph": para.number,
        "quote": {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix},
        "position": {"type": "TextPositionSelector", "start": start, "end": end},
    }
