"""Problems as values, collected into a report and rendered for people or machines."""

from __future__ import annotations

import json
from collections import Counter
from itertools import groupby
from typing import Any

from pydantic import BaseModel, Field

from chilecite.problems import Problem, Severity


class Report(BaseModel):
    """The outcome of loading and validating: every problem, plus the rules that could not run."""

    problems: list[Problem] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list, description="Rule codes not run, with the reason, e.g. `CC040 (no reference text)`.")
    checked_files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.warning]

    def exit_code(self, *, strict: bool = False) -> int:
        return 1 if self.errors or (strict and self.warnings) else 0

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.checked_files,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "by_code": dict(sorted(Counter(p.code for p in self.problems).items())),
            "skipped": self.skipped,
        }

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=Problem.sort_key)


def render_text(report: Report) -> str:
    """Grouped by file: `file:line:col CODE message`, the hint indented below, then a summary line."""
    lines: list[str] = []
    for file, problems in groupby(report.sorted(), key=lambda p: p.file or "(records)"):
        for p in problems:
            place = ":".join(str(x) for x in (file, p.line, p.column) if x is not None)
            record = f" [{p.record}{'.' + p.field if p.field else ''}]" if p.record else ""
            lines.append(f"{place}: {p.code} {p.severity.value}: {p.message}{record}")
            if p.hint:
                lines.append(f"    hint: {p.hint}")
    for skipped in report.skipped:
        lines.append(f"skipped: {skipped}")
    s = report.summary()
    verdict = "clean" if not report.problems else f"{s['errors']} error(s), {s['warnings']} warning(s)"
    if report.skipped and not report.problems:
        verdict = f"clean, {len(report.skipped)} rule(s) not run"
    lines.append(f"{s['files']} file(s) checked: {verdict}")
    return "\n".join(lines) + "\n"


def report_payload(report: Report) -> dict[str, Any]:
    """The report as plain data: every problem in order, and the summary."""
    return {"problems": [p.model_dump(mode="json") for p in report.sorted()], "summary": report.summary()}


def render_json(report: Report) -> str:
    return json.dumps(report_payload(report), ensure_ascii=False, indent=2) + "\n"
