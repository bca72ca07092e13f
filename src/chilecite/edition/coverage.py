"""The coverage figure: the essay's notes in order, one cell each, by identification level.

Laid out here (positions in SVG user units), drawn by `templates/_coverage.svg.j2`. Each level
has its own colour *and* shape, so the figure reads in greyscale and for colour-blind readers:
stated, a filled square; verified, a filled circle; attributed, a hatched square; unidentified,
a dashed outline. Each cell is a link to its note.
"""

from __future__ import annotations

from dataclasses import dataclass

from chilecite.edition.view import LEVEL_MEANING, LEVELS, NoteCard, SectionView

WIDTH = 640
CELL = 26
GAP = 4
PER_ROW = (WIDTH + GAP) // (CELL + GAP)
LABEL_HEIGHT = 20
ROW_GAP = 14
BAR_HEIGHT = 26
BAR_TOP = 8


@dataclass(frozen=True)
class Cell:
    number: int
    level: str
    meaning: str
    x: int
    y: int

    @property
    def cx(self) -> float:
        return self.x + CELL / 2

    @property
    def cy(self) -> float:
        return self.y + CELL / 2


@dataclass(frozen=True)
class Row:
    title: str
    anchor: str
    y: int
    count: int
    empty: bool


@dataclass(frozen=True)
class BarPart:
    level: str
    meaning: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class Coverage:
    width: int
    height: int
    cell: int
    cells: tuple[Cell, ...]
    rows: tuple[Row, ...]
    bar: tuple[BarPart, ...]
    bar_top: int
    bar_height: int
    counts: dict[str, int]
    total: int
    by_section: tuple[tuple[str, str, dict[str, tuple[int, ...]]], ...]  # (title, anchor, level -> note numbers)

    def summary(self) -> str:
        parts = [f"{self.counts[level]} {level}" for level in LEVELS]
        return f"Of the essay’s {self.total} notes, " + ", ".join(parts[:-1]) + f" and {parts[-1]}."


def coverage(sections: list[SectionView]) -> Coverage:
    notes: list[tuple[SectionView, NoteCard]] = [(s, n) for s in sections for n in s.notes]
    counts = {level: sum(1 for _, n in notes if n.level == level) for level in LEVELS}
    total = len(notes)
    bar, x = [], 0.0
    for level in LEVELS:
        width = WIDTH * counts[level] / total if total else 0
        bar.append(BarPart(level, LEVEL_MEANING[level], counts[level], x, width))
        x += width
    y = BAR_TOP + BAR_HEIGHT + 30
    cells, rows, by_section = [], [], []
    for section in sections:
        rows.append(Row(section.title, section.anchor, y, len(section.notes), not section.notes))
        y += LABEL_HEIGHT
        for i, note in enumerate(section.notes):
            row, col = divmod(i, PER_ROW)
            cells.append(Cell(note.number, note.level, note.meaning, col * (CELL + GAP), y + row * (CELL + GAP)))
        lines = max(1, -(-len(section.notes) // PER_ROW)) if section.notes else 0
        y += lines * (CELL + GAP) + (ROW_GAP if section.notes else 4)
        by_section.append((section.title, section.anchor,
                           {level: tuple(n.number for n in section.notes if n.level == level) for level in LEVELS}))
    return Coverage(WIDTH, y, CELL, tuple(cells), tuple(rows), tuple(bar), BAR_TOP, BAR_HEIGHT, counts, total, tuple(by_section))
