"""Problems as values, and the kind of entry the catalogue of problem codes is made of.

A `Rule` is one entry of the catalogue (`chilecite.rules.CATALOGUE`): a stable code with its
severity, title, hint and documentation, and, for the codes a cross-record check reports, the
check itself. A `Problem` is one occurrence: the rule's code, severity and hint, a message, and
where it is (file, line, column, record, field). The loader, the importer and the checks all make
problems through `Rule.problem`, so a code's severity and hint are written once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from chilecite.rules.base import Context


class Severity(str, Enum):
    error = "error"
    warning = "warning"


_SHOWN = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _visible(value: str) -> str:
    # A problem is one line of a report, whatever text it quotes: line breaks and other control
    # characters (an ESC in a record or a file name), direction marks and overrides (which reorder
    # what a terminal shows) and lone surrogates (a non-UTF-8 file name) are shown as escapes,
    # never passed to the terminal, so no file name can forge a report line.
    return _INVISIBLE.sub(lambda m: _SHOWN.get(m.group()) or (f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"), value)


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
        return None if value is None else _visible(value)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.code, self.message)


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
    split_from: str | None = None  # the older, broader code this one was split from: `--ignore OLD` still covers it
    reported_by: str = "validate"  # validate | loader | import

    def problem(self, message: str, *, hint: str | None = None, **where: Any) -> Problem:
        """A problem of this code at `where` (file, line, column, kind, record, field); `hint`, when
        given, says more precisely than the code's own hint what to do about this one."""
        return Problem(code=self.code, severity=self.severity, message=message, hint=self.hint if hint is None else hint, **where)

    def answers_to(self, selector: str) -> bool:
        """Whether `--select/--ignore SELECTOR` (a code or a prefix such as CC02) names this rule."""
        return self.code.startswith(selector) or (self.split_from is not None and self.split_from.startswith(selector))
