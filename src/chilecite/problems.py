"""Problems as values, and the kind of entry the catalogue of problem codes is made of.

A `Rule` is one entry of the catalogue (`chilecite.rules.CATALOGUE`): a stable code with its
severity, title, hint and documentation, and, for the codes a cross-record check reports, the
check itself. A `Problem` is one occurrence: the rule's code, severity and hint, a message, and
where it is (file, line, column, record, field). The loader, the importer and the checks all make
problems through `Rule.problem`, so a code's severity and hint are written once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chilecite.characters import one_line

if TYPE_CHECKING:
    from chilecite.rules.base import Context


class Severity(str, Enum):
    error = "error"
    warning = "warning"


class Problem(BaseModel):
    """One thing wrong with the records, with where it is and what to do about it."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Stable rule code, e.g. `CC012`.")
    severity: Severity
    message: str
    hint: str = ""
    file: str | None = None
    line: int | None = Field(None, description="1-based line in `file`.")
    column: int | None = Field(None, description="1-based column in `file`.")
    kind: str | None = Field(None, description="Record kind: essay, notes, works, agents or quotations.")
    record: str | None = Field(None, description="Record id: a note number, citation key, agent or quotation id.")
    field: str | None = Field(None, description="Dotted path of the field within the record.")

    @field_validator("message", "hint", "file", "record", "field")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        # A problem is one line of a report, whatever text it quotes (a file name may hold an ESC or a newline).
        return None if value is None else one_line(value)

    def sort_key(self) -> tuple[str, int, int, str, str, str, str, str]:
        """A total order (reports list problems in it, so the order never depends on how they were found)."""
        return (self.file or "", self.line or 0, self.column or 0, self.code, self.message, self.kind or "", self.record or "", self.field or "")


Check = Callable[["Context", "Rule"], Iterator[Problem]]


@dataclass(frozen=True)
class Rule:
    """One code of the catalogue. `check` is None for codes the loader or the importer reports."""

    code: str
    severity: Severity
    title: str
    hint: str
    docs: str = ""
    check: Check | None = None
    needs_text: bool = False
    per_record: bool = False  # the check's problems for a record depend on that record (and the text) alone: kept per file
    split_from: str | None = None  # the older, broader code this one was split from: `--ignore OLD` still covers it
    reported_by: str = "validate"  # validate | loader | import

    def problem(self, message: str, *, hint: str | None = None, **where: Any) -> Problem:
        """A problem of this code at `where` (file, line, column, kind, record, field); `hint`, when
        given, says more precisely than the code's own hint what to do about this one."""
        return Problem(code=self.code, severity=self.severity, message=message, hint=self.hint if hint is None else hint, **where)

    def answers_to(self, selector: str) -> bool:
        """Whether `--select/--ignore SELECTOR` (a code or a prefix such as CC02) names this rule."""
        return self.code.startswith(selector) or (self.split_from is not None and self.split_from.startswith(selector))
