"""The validator's report as GitHub Actions workflow commands: one `::error` or `::warning` line per
problem, which GitHub shows as an annotation on the file and line in a pull request.

    chilecite validate --format json > report.json; status=$?
    python -m chilecite.workflow report.json
    exit $status

(`docs/ci/github-actions.yml` is a whole workflow for a contributor's fork.) Values are escaped as
the runner expects: `%`, CR and LF in every value, and `:` and `,` too in the properties, so no
message or file name can end a command early or forge another.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(problem: Mapping[str, Any]) -> str:
    """One problem of a `chilecite validate --format json` report as a workflow command."""
    command = "error" if problem.get("severity") == "error" else "warning"
    properties = []
    if problem.get("file"):
        properties.append(f"file={_property(str(problem['file']))}")
        for name, key in (("line", "line"), ("col", "column")):
            if isinstance(problem.get(key), int):
                properties.append(f"{name}={problem[key]}")
    properties.append(f"title={_property(str(problem.get('code', 'chilecite')))}")
    message = str(problem.get("message", ""))
    if problem.get("hint"):
        message += f"\n{problem['hint']}"
    return f"::{command} {','.join(properties)}::{_data(message)}"


def workflow_commands(problems: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every problem of a report, as workflow commands."""
    return [annotation(p) for p in problems]


def main(argv: list[str] | None = None) -> int:
    """Print the annotations of a report (a file named, or standard input); 1 when it has an error."""
    args = sys.argv[1:] if argv is None else argv
    text = Path(args[0]).read_text(encoding="utf-8") if args and args[0] != "-" else sys.stdin.read()
    try:
        problems = json.loads(text)["problems"]
    except (ValueError, KeyError, TypeError):
        sys.stderr.write("chilecite.workflow: not a `chilecite validate --format json` report\n")
        return 2
    sys.stdout.write("".join(line + "\n" for line in workflow_commands(problems)))
    return 1 if any(p.get("severity") == "error" for p in problems) else 0


if __name__ == "__main__":
    sys.exit(main())
