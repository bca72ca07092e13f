"""The corpus: every record of one essay, by kind and id, with where each came from.

`chilecite.loading` builds a `Corpus` from a records tree; everything above it (rules, exporters,
citing, search) reads one. A corpus knows the position of every field it holds, so a problem found
in a record can name its file, line and column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chilecite.errors import NotFound
from chilecite.models import Agent, Essay, Note, Quotation, Work
from chilecite.problems import Problem
from chilecite.values import DateSpan
from chilecite.vocabulary import closest, fold

WorkIdentity = tuple[str, str, int | None]
MAX_PARENTS = 8  # as far up a chain of parents as a work's date is looked for

FieldPath = tuple[str | int, ...]
# How to read a record file's field positions back: set by `chilecite.loading` when it is imported.
POSITION_READER: list[Callable[[str, bytes | None], dict[FieldPath, tuple[int, int]]] | None] = [None]


@dataclass(slots=True)
class Source:
    """Where a record came from: its file, the name reports give it, and the positions of its fields.

    The file is kept as the string it was opened by (`file` makes it a Path): a large corpus holds
    hundreds of thousands of them. `positions` may be left None: they are then read back from the file the first time a problem
    must be located (a valid record never needs them, so a large corpus does not hold them).
    `digest`, the SHA-256 of the bytes the record was loaded from, makes sure they are read from
    the same bytes: a file changed since gives no positions (problems then point at its start).
    """

    path: str
    display: str
    positions: dict[FieldPath, tuple[int, int]] | None = None
    digest: bytes | None = None

    @property
    def file(self) -> Path:
        return Path(self.path)

    def locate(self, path: Iterable[str | int] = ()) -> dict[str, Any]:
        """File, line and column of the deepest part of `path` present in the file."""
        positions = self.field_positions()
        path = tuple(path)
        while path and path not in positions:
            path = path[:-1]
        line, column = positions.get(path, (1, 1))
        return {"file": self.display, "line": line, "column": column}

    def field_positions(self) -> dict[FieldPath, tuple[int, int]]:
        if self.positions is not None:
            return self.positions
        # The loader, which left them out, says how to read them back (corpus sits below it); they
        # are not kept here: a large corpus with a problem in every record would hold them all.
        reader = POSITION_READER[0]
        return reader(self.path, self.digest) if reader else {}


@dataclass
class Duplicate:
    """A record id defined by two files: `second` was met after `first`."""

    kind: str
    id: str
    second: Source
    first: Source


@dataclass
class Corpus:
    """All records, by kind and id, with their sources and the problems met while loading.

    `focus` is set when a contributor validates some files in the context of the corpus: only
    problems of those records are theirs to fix.
    """

    essay: Essay | None = None
    works: dict[str, Work] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)
    notes: dict[int, Note] = field(default_factory=dict)
    quotations: dict[str, Quotation] = field(default_factory=dict)
    sources: dict[tuple[str, str], Source] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    files: int = 0
    focus: set[tuple[str, str]] | None = None
    # Records made without the parts their schema faults are in (they report only those faults),
    # and records whose file is there but of which no record could be made at all: both still
    # count as present, so that the records naming them do not report them missing.
    partial: set[tuple[str, str]] = field(default_factory=set)
    unloaded: set[tuple[str, str]] = field(default_factory=set)
    digest: str | None = None  # SHA-256 over every file's path and bytes, when every file could be read (a cache key)

    # ------------------------------------------------------------------ positions

    def where(self, kind: str, record_id: str | int, path: Iterable[str | int] = ()) -> dict[str, Any]:
        """Problem position fields (file, line, column, kind, record, field) for a record's field."""
        path = tuple(path)
        source = self.sources.get((kind, str(record_id)))
        located = source.locate(path) if source else {}
        return {**located, "kind": kind, "record": str(record_id), "field": ".".join(str(p) for p in path) or None}

    def in_focus(self, kind: str | None, record_id: str | None) -> bool:
        return self.focus is None or (kind, record_id) in self.focus

    def is_present(self, kind: str, record_id: str | int) -> bool:
        """Whether the tree has this record, loaded or not (a file whose faults stopped its record counts)."""
        return (kind, str(record_id)) in self.sources or (kind, str(record_id)) in self.unloaded

    # ------------------------------------------------------------------ records

    def add(self, kind: str, record_id: str, record: Any, source: Source) -> None:
        """Store a loaded record; a second record of the same kind and id is kept as a duplicate."""
        key = (kind, record_id)
        if key in self.sources:
            self.duplicates.append(Duplicate(kind, record_id, source, self.sources[key]))
            return
        self.sources[key] = source
        if kind == "essay":
            self.essay = record
        elif kind == "notes":
            self.notes[int(record_id)] = record
        else:
            getattr(self, kind)[record_id] = record

    def get(self, kind: str, record_id: str) -> Any:
        if kind == "essay":
            return self.essay
        if kind == "notes":
            return self.notes.get(int(record_id))
        return getattr(self, kind).get(record_id)

    def records(self) -> Iterator[tuple[str, str, Any]]:
        """Every record as (kind, id, record), in a stable order."""
        if self.essay:
            yield "essay", "essay", self.essay
        yield from (("notes", str(k), v) for k, v in sorted(self.notes.items()))
        yield from (("works", k, v) for k, v in self.works.items())
        yield from (("agents", k, v) for k, v in self.agents.items())
        yield from (("quotations", k, v) for k, v in self.quotations.items())

    def note(self, number: int) -> Note:
        """Note `number`; NotFound names the range of the essay's notes."""
        if isinstance(number, bool) or not isinstance(number, int):
            raise TypeError(f"a note number is an int, not {type(number).__name__} ({number!r})")
        if number not in self.notes:
            raise NotFound(f"no note {number}: the essay's notes are 1-{self.note_count}" if self.note_count else f"no note {number}")
        return self.notes[number]

    def quotation(self, quotation_id: str) -> Quotation:
        """The quotation with this id; NotFound offers the nearest ids."""
        if not isinstance(quotation_id, str):
            raise TypeError(f"a quotation id is a str, not {type(quotation_id).__name__}")
        if quotation_id not in self.quotations:
            raise NotFound(f"no quotation '{quotation_id}'", choices=closest(quotation_id, self.quotations),
                           hint="find its id with `chilecite search WORDS` or `chilecite quotes`")
        return self.quotations[quotation_id]

    def check_note_numbers(self, numbers: Iterable[int]) -> None:
        """Raise NotFound for the first number that is not one of the essay's notes."""
        for number in numbers:
            self.note(number)

    @property
    def is_sound(self) -> bool:
        """Whether every file loaded: no load problem and no id defined twice."""
        return not self.problems and not self.duplicates

    # ------------------------------------------------------------------ the essay, as data

    @property
    def essay_work(self) -> Work | None:
        """The essay's own work record (author, title, journal, date)."""
        return self.works.get(self.essay.key) if self.essay else None

    @property
    def note_count(self) -> int:
        """How many note markers the essay has ([1]..[N]); 0 without an essay record."""
        return self.essay.notes if self.essay else 0

    @property
    def essay_date(self) -> DateSpan | None:
        work = self.essay_work
        return work.issued if work else None

    def essay_label(self) -> str:
        """`Gonzalez 1984`: the essay's first author's family name and year, for provenance notes."""
        work = self.essay_work
        if work is None:
            return self.essay.key if self.essay else "the essay"
        author = self.agents.get(work.authors[0]) if work.authors else None
        name = getattr(author, "family", None) or getattr(author, "name", None) or (work.title or "")
        return f"{name} {work.issued.start.year}".strip() if work.issued else name


def work_identity(work: Work, works: dict[str, Work]) -> WorkIdentity | None:
    """What makes two records one work: the first author's id (or the folded container title), the
    folded title and the year, a chapter's year being its book's when it has none of its own (as a
    chapter added by hand usually has not). None for an untitled work."""
    if not work.title:
        return None
    first = work.authors[0] if work.authors else fold(work.container_title or "")
    issued, parent, seen = work.issued, work.parent, 0
    while issued is None and parent in works and seen < MAX_PARENTS:
        issued, parent, seen = works[parent].issued, works[parent].parent, seen + 1
    return first, fold(work.title), issued.start.year if issued else None
