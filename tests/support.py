"""Shared test helpers: where the reference text is, and a records tree to break."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "records"
TEXT_NAME = "gonzalez-1984-the-left-and-the-coup-in-chile.txt"
SHARED = ROOT.parent / "shared"
CSL_SCHEMA = SHARED / "csl" / "csl-data.json"


def essay_text_path() -> tuple[Path | None, str]:
    """The reference text, found as the README says tests find it: $CHILECITE_ESSAY, then
    ../shared/essay/ beside the checkout, then the copy `chilecite essay import` stored."""
    from chilecite.text import stored_text_dir

    candidates = []
    if os.environ.get("CHILECITE_ESSAY"):
        candidates.append(Path(os.environ["CHILECITE_ESSAY"]))
    candidates += [SHARED / "essay" / TEXT_NAME, stored_text_dir() / TEXT_NAME]
    for path in candidates:
        if path.is_file():
            return path, ", ".join(map(str, candidates))
    return None, ", ".join(map(str, candidates))


def require_essay() -> Path:
    """The reference text, or skip the test naming where it was looked for."""
    path, tried = essay_text_path()
    if path is None:
        pytest.skip(f"the essay's reference text was not found (looked for {tried})")
    return path


# The smallest records tree that loads — the essay, its work and author, note 32 with its work and
# agent — pinned in tests/fixtures/records so that research on the bundled records cannot move it.
MINIMAL_ROOT = ROOT / "tests" / "fixtures" / "records"
MINIMAL_RECORDS = (
    "essay.yaml",
    "notes/032.yaml",
    "quotations/financial-times-arms-control-raids.yaml",
    "works/financialtimes1973aug09.yaml",
    "works/gonzalez1984left.yaml",
    "agents/financial-times.yaml",
    "agents/gonzalez-mike.yaml",
)


def require(path: Path) -> Path:
    """The path, or skip the test saying which shared file is missing."""
    if not path.is_file():
        pytest.skip(f"{path} is absent (it lives in ../shared beside a checkout; CI has it)")
    return path


def copy_records(tmp_path: Path) -> Path:
    """A private copy of the bundled records tree, for tests that break it."""
    target = tmp_path / "records"
    shutil.copytree(RECORDS, target)
    return target


def invoke(*args: str) -> object:
    """`chilecite ARGS` in-process, exceptions raised (never turned into an exit code)."""
    from click.testing import CliRunner

    from chilecite.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)
