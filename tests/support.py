"""Shared test helpers: where the reference text is, and a records tree to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "records"
ESSAY = ROOT.parent / "shared" / "essay" / "gonzalez-1984-the-left-and-the-coup-in-chile.txt"
CSL_SCHEMA = ROOT.parent / "shared" / "csl" / "csl-data.json"


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
