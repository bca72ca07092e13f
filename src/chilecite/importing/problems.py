"""How the importer's stages report: one list of problems per import, and the refusal of one entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chilecite.importing.limits import MAX_WARNINGS
from chilecite.problems import Problem, Rule, Severity
from chilecite.rules import importing as I


class Refused(Exception):
    """An entry (or one field of it) that is not imported at all: a limit broken (CC074 by default), a
    record that would not validate (CC075), a value that cannot be read (CC071)."""

    def __init__(self, reason: str, rule: Rule = I.LIMIT, bibfield: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.rule, self.field = reason, rule, bibfield


@dataclass
class Reporter:
    """The problems of one import, each pointing into the source file (when it has a name).

    Errors are always listed; warnings up to MAX_WARNINGS, and the rest counted (`close` adds one
    problem saying how many were not listed), so that a hostile file cannot make millions of them."""

    source: str | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: int = 0

    def problem(self, rule: Rule, message: str, line: int | None, entry: str | None = None, bibfield: str | None = None) -> None:
        if rule.severity is Severity.warning:
            self.warnings += 1
            if self.warnings > MAX_WARNINGS:
                return
        self.problems.append(rule.problem(message, file=self.source, line=line, record=entry, field=bibfield))

    def close(self) -> list[Problem]:
        """The problems, with a last one counting the warnings not listed."""
        if self.warnings > MAX_WARNINGS:
            self.problems.append(I.UNMAPPED.problem(f"{self.warnings - MAX_WARNINGS:,} more warnings like the ones above were not listed "
                                                    f"(at most {MAX_WARNINGS:,} are)", file=self.source))
        return self.problems


def short(value: Any, limit: int = 60) -> str:
    """A value shortened for a message."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
