"""What every check is given: the corpus, the reference text, and the walks over the records they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from pydantic import BaseModel

from chilecite.corpus import Corpus
from chilecite.models import Citation
from chilecite.problems import Problem, Rule, Severity
from chilecite.text import ReferenceText

ERROR, WARNING = Severity.error, Severity.warning
FieldPath = tuple[str | int, ...]


@dataclass
class Context:
    """A corpus and (when found) its reference text; the walks are computed once and shared by the checks."""

    corpus: Corpus
    text: ReferenceText | None = None
    reference: bool | None = None  # whether `text` is the one the records anchor to; None: ask the corpus's essay record
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def at(self, rule: Rule, message: str, kind: str, record_id: str | int, path: FieldPath = ()) -> Problem:
        """A problem of `rule` at a record's field."""
        return rule.problem(message, **self.corpus.where(kind, record_id, path))

    @cached_property
    def text_is_reference(self) -> bool:
        """Whether the text found is the one the records anchor to (its SHA-256 is essay.yaml's). The
        caller may say so (`reference`): a check of one record alone must not depend on the essay
        record, which the workspace reads for it."""
        if self.reference is not None:
            return self.text is not None and self.reference
        essay = self.corpus.essay
        return self.text is not None and essay is not None and self.text.sha256 == essay.text_sha256

    def excerpt(self, words: str) -> str:
        """Words of the reference text, for a message: only from the text the records anchor to. Any
        other file (CC025 says so) may be anything at all, and a report can end up in a public log."""
        return words if self.text_is_reference else "[not shown: not the reference text (CC025)]"

    @cached_property
    def citations(self) -> list[tuple[str, str, FieldPath, Citation]]:
        """Every citation, with the kind, id and field path of the record it sits in."""
        out: list[tuple[str, str, FieldPath, Citation]] = []
        for number, note in self.corpus.notes.items():
            for i, citation in enumerate(note.citations):
                out.append(("notes", str(number), ("citations", i), citation))
        for qid, quotation in self.corpus.quotations.items():
            if quotation.source:
                out.append(("quotations", qid, ("source",), quotation.source))
            if quotation.via:
                out.append(("quotations", qid, ("via",), quotation.via))
        return out


@cache
def field_names(model: type[BaseModel]) -> tuple[str, ...]:
    """A model's field names, in order (looked up once per class)."""
    return tuple(model.model_fields)


def ranges(numbers: list[int]) -> str:
    """`1,2,3,7` -> `1-3,7`."""
    out: list[str] = []
    start: int | None = None
    for i, n in enumerate(numbers):
        start = n if start is None else start
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(str(start) if start == n else f"{start}-{n}")
            start = None
    return ",".join(out)
