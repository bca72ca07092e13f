"""What can be asked of a workspace: one frozen dataclass per output, its options typed.

Each request is a value: its fields are exactly what its answer depends on besides the records,
the reference text and the style, so the cache keys it by those fields (`chilecite.cache.canonical`
keeps `None` apart from `"None"`). `produce` makes the answer from records that passed the gate;
labels of the run (which records tree) are added when it is printed, never kept in the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chilecite.errors import UsageError

if TYPE_CHECKING:
    from chilecite.corpus import Corpus
    from chilecite.styles import StyleFile
    from chilecite.text import ReferenceText


@dataclass(frozen=True)
class Answer:
    """What a command prints: text, or a JSON payload (printed with the run's labels), and for a
    report, its counts of errors and warnings (the exit code)."""

    text: str | None = None
    data: dict[str, Any] | None = None
    errors: int = 0
    warnings: int = 0

    def exit_code(self, *, strict: bool = False) -> int:
        return 1 if self.errors or (strict and self.warnings) else 0

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "data": self.data, "errors": self.errors, "warnings": self.warnings}

    @classmethod
    def from_json(cls, value: Any) -> Answer | None:
        """An answer kept in the cache; None when the entry is not one."""
        if not isinstance(value, dict) or set(value) != {"text", "data", "errors", "warnings"}:
            return None
        if not isinstance(value["text"], str | None) or not isinstance(value["data"], dict | None):
            return None
        if not (isinstance(value["errors"], int) and isinstance(value["warnings"], int)):
            return None
        return cls(value["text"], value["data"], value["errors"], value["warnings"])


@dataclass(frozen=True)
class Inputs:
    """What a request is produced from: records that passed the gate, the text, the style."""

    corpus: Corpus
    text: ReferenceText | None = None
    style: StyleFile | None = None


@dataclass(frozen=True)
class Request:
    """A request's class says what it needs besides the records."""

    needs_text = False  # the reference text, or a usage error
    has_style = False  # a `style` field, located before the cache is asked

    def produce(self, inputs: Inputs) -> Answer:
        raise NotImplementedError


def _answer(fmt: str, payload: dict[str, Any], text: Any) -> Answer:
    return Answer(data=payload) if fmt == "json" else Answer(text=text())


@dataclass(frozen=True)
class Notes(Request):
    fmt: str = "text"

    def produce(self, inputs: Inputs) -> Answer:
        from chilecite.listing import notes_data, render_notes

        data = notes_data(inputs.corpus)
        return _answer(self.fmt, {"notes": data}, lambda: render_notes(data))


@dataclass(frozen=True)
class Show(Request):
    number: int
    fmt: str = "text"

    def produce(self, inputs: Inputs) -> Answer:
        from chilecite.listing import note_data, render_note

        if self.fmt == "json":
            return Answer(data={"note": note_data(inputs.corpus, self.number)})
        return Answer(text=render_note(inputs.corpus, self.number))


@dataclass(frozen=True)
class Stats(Request):
    fmt: str = "text"

    def produce(self, inputs: Inputs) -> Answer:
        from chilecite.listing import render_stats, stats

        data = stats(inputs.corpus)
        return _answer(self.fmt, {"stats": data}, lambda: render_stats(data))


@dataclass(frozen=True)
class Quotes(Request):
    by: str | None = None
    section: str | None = None
    note: int | None = None
    fmt: str = "text"

    def produce(self, inputs: Inputs) -> Answer:
        from chilecite.search import quotation_record, render_quotations, select_quotations

        corpus = inputs.corpus
        selected = select_quotations(corpus, by=self.by, section=self.section, note=self.note)
        if self.fmt == "json":
            return Answer(data={"quotations": [quotation_record(corpus, qid, q) for qid, q in selected]})
        return Answer(text=render_quotations(selected))


@dataclass(frozen=True)
class Search(Request):
    words: tuple[str, ...]
    limit: int = 10
    fmt: str = "text"

    def produce(self, inputs: Inputs) -> Answer:
        from chilecite.search import render_hits, search

        hits = search(inputs.corpus, list(self.words))[: self.limit]
        return _answer(self.fmt, {"hits": [h.as_dict() for h in hits]}, lambda: render_hits(hits, self.words))


@dataclass(frozen=True)
class Quote(Request):
    quotation: str
    style: str
    fmt: str = "text"
    has_style = True

    def produce(self, inputs: Inputs) -> Answer:
        from chilecite.citing import cite_quotation

        assert inputs.style is not None
        cited = cite_quotation(inputs.corpus, self.quotation, inputs.style, self.fmt)
        return Answer(data=cited.as_dict()) if self.fmt == "json" else Answer(text=cited.render())


@dataclass(frozen=True)
class Cite(Request):
    number: int
    style: str
    fmt: str = "text"
    has_style = True

    def produce(self, inputs: Inputs) -> Answer:
        from chilecite.citing import cite_note

        assert inputs.style is not None
        cited = cite_note(inputs.corpus, self.number, inputs.style, self.fmt)
        return Answer(data=cited.as_dict()) if self.fmt == "json" else Answer(text=cited.render())


@dataclass(frozen=True)
class Export(Request):
    """An export of the cited works (`bibtex`, `biblatex`, `csl-json`, `ris`)."""

    fmt: str
    notes: frozenset[int] = field(default_factory=frozenset)
    note_ranges: str | None = None  # as `--notes` takes them: "1-20,45"
    min_level: str = "attributed"
    include_essay: bool = True
    ascii: bool = False

    def produce(self, inputs: Inputs) -> Answer:
        from chilecite.export import ExportOptions, export, parse_note_ranges
        from chilecite.models import Level

        corpus = inputs.corpus
        notes = set(self.notes)
        if self.note_ranges:
            try:
                notes |= parse_note_ranges(self.note_ranges, corpus.note_count)
            except ValueError as exc:
                raise UsageError(f"--notes {self.note_ranges}: {exc}") from None
        options = ExportOptions(notes=frozenset(notes) or None, min_level=Level(self.min_level), include_essay=self.include_essay, ascii=self.ascii)
        return Answer(text=export(corpus, self.fmt, options))


@dataclass(frozen=True)
class Annotations(Request):
    """The quotations and note anchors as a W3C Web Annotation collection."""

    needs_text = True

    def produce(self, inputs: Inputs) -> Answer:
        from chilecite.export.annotations import export_annotations

        assert inputs.text is not None
        return Answer(text=export_annotations(inputs.corpus, inputs.text))
