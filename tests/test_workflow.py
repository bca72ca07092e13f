"""The example CI workflow for a contributor's fork, and its converter from the validator's JSON report to
GitHub Actions annotations (`chilecite.workflow`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from chilecite.cli import cli
from chilecite.workflow import annotation, main
from tests.support import ROOT, copy_records

WORKFLOW = ROOT / "docs" / "ci" / "github-actions.yml"


@pytest.mark.parametrize(("problem", "line"), [
    pytest.param({"code": "CC005", "severity": "error", "file": "records/notes/062.yaml", "line": 10, "column": 1, "message": "status: x", "hint": "h"},
                 "::error file=records/notes/062.yaml,line=10,col=1,title=CC005::status: x%0Ah", id="error-with-hint"),
    pytest.param({"code": "CC061", "severity": "warning", "file": "records/works/a.yaml", "line": 1, "column": 1, "message": "w"},
                 "::warning file=records/works/a.yaml,line=1,col=1,title=CC061::w", id="warning"),
    pytest.param({"code": "CC011", "severity": "error", "file": "records/notes", "line": None, "column": None, "message": "notes missing: 50"},
                 "::error file=records/notes,title=CC011::notes missing: 50", id="no-line"),
    pytest.param({"code": "CC098", "severity": "error", "file": None, "message": "m"}, "::error title=CC098::m", id="no-file"),
    pytest.param({"code": "CC005", "severity": "error", "file": "a,b:c%.yaml", "line": 2, "column": 3, "message": "100% wrong\r\n::error::forged"},
                 "::error file=a%2Cb%3Ac%25.yaml,line=2,col=3,title=CC005::100%25 wrong%0D%0A::error::forged", id="nothing-ends-a-command-early"),
])
def test_a_problem_is_one_workflow_command(problem: dict, line: str) -> None:
    assert annotation(problem) == line and "\n" not in annotation(problem)


def test_a_real_report_becomes_annotations_and_the_exit_says_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = copy_records(tmp_path)
    note = records / "notes" / "062.yaml"
    note.write_text(note.read_text(encoding="utf-8").replace("status: identified", "status: identifed"), encoding="utf-8")
    report = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["--no-cache", "--records", str(records), "validate", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 1
    report.write_text(result.stdout, encoding="utf-8")
    assert main([str(report)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("::error file=records/notes/062.yaml,line=10,col=1,title=CC005::status: expected one of identified, unidentified")


def test_a_clean_report_is_no_annotation_and_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"
    report.write_text(CliRunner().invoke(cli, ["--no-cache", "validate", "--format", "json"], catch_exceptions=False).stdout, encoding="utf-8")
    assert main([str(report)]) == 0 and capsys.readouterr().out == ""


def test_what_is_not_a_report_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.json").write_text("[1, 2]", encoding="utf-8")
    assert main([str(tmp_path / "x.json")]) == 2 and "not a `chilecite validate --format json` report" in capsys.readouterr().err


def test_the_example_workflow_is_outside_this_projects_ci_and_its_step_runs(tmp_path: Path) -> None:
    """The workflow is an example for a fork: not in .github/workflows here. Its validating step, run with bash in a
    checkout whose note 62 is broken, prints the annotation and fails; in a clean checkout it passes."""
    assert not (ROOT / ".github" / "workflows").exists()
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["validate"]["steps"]
    script = next(step["run"] for step in steps if "chilecite validate --format json" in step.get("run", ""))
    assert "python -m chilecite.workflow report.json" in script
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "CHILECITE_CACHE": str(tmp_path / "cache")}
    env.pop("CHILECITE_RECORDS", None)
    for broken in (False, True):
        checkout = tmp_path / f"checkout-{broken}"
        copy_records(checkout)
        if broken:
            note = checkout / "records" / "notes" / "062.yaml"
            note.write_text(note.read_text(encoding="utf-8").replace("status: identified", "status: identifed"), encoding="utf-8")
        result = subprocess.run(["bash", "-c", script.replace("python ", f"{sys.executable} ")], cwd=checkout, env=env,
                                capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == (1 if broken else 0), result.stdout + result.stderr
        assert ("::error file=records/notes/062.yaml,line=10,col=1,title=CC005::" in result.stdout) is broken
