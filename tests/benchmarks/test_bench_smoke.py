"""`python -m chilecite.bench` at 2x, as CI runs it: it runs, and prints a row for every operation.

A smoke test only: nothing here judges a time or a ratio (they are for a quiet machine and a real
scale, `python -m chilecite.bench --scale 100`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROWS = (
    "chilecite --version", "chilecite --help", "chilecite export --help",
    "chilecite stats (bundled, first run: empty cache)", "chilecite notes (bundled, first run: empty cache)",
    "chilecite show 32 (bundled, first run: empty cache)", "chilecite search history (bundled, first run: empty cache)",
    "chilecite export csl-json (bundled, first run: empty cache)", "chilecite quote allende-history-is-ours (bundled, first run: empty cache)",
    "chilecite cite 32 (bundled, first run: empty cache)", "chilecite edition -o DIR (bundled, first run: empty cache)",
    "chilecite validate (bundled, warm cache)", "chilecite quote ID (bundled, --no-cache)",
    "validate 2x, cold (--no-cache)", "validate 2x, first run (empty cache)", "validate 2x, warm (unchanged tree)",
    "validate 2x, after a one-byte edit", "validate 2x, after a one-byte edit, against a cold run",
    "BibTeX export step 2x (timed inside: export_bibtex of the loaded corpus)", "export bibtex 2x, warm",
    "export bibtex 2x, cold (--no-cache)",
)


def test_the_benchmark_runs_and_prints_every_row(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "chilecite.bench", "--scale", "2", "--runs", "1", "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=600, env={**os.environ, "CHILECITE_CACHE": str(tmp_path / "unused")})
    assert result.returncode == 0, result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ") and not line.startswith(("| operation", "| ---"))]
    assert [line.split(" | ")[0].removeprefix("| ") for line in table] == list(ROWS), result.stdout
    for line in table:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert float(cells[1]) > 0 and float(cells[3]) > 0 and float(cells[4]) > 0, line


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chilecite.bench", "--scale", "1", "--runs", "1", "--workdir", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "CHILECITE_CACHE": str(tmp_path / "unused")})


def test_only_measures_the_rows_whose_name_contains_the_words(tmp_path: Path) -> None:
    result = _bench(tmp_path, "--only", "VERSION", "--only", "bibtex export step")
    assert result.returncode == 0, result.stderr[-3000:]
    names = [line.split(" | ")[0].removeprefix("| ") for line in result.stdout.splitlines() if line.startswith("| ") and not line.startswith(("| operation", "| ---"))]
    assert names == ["chilecite --version", "BibTeX export step 1x (timed inside: export_bibtex of the loaded corpus)"]


def test_only_with_words_no_row_has_is_a_usage_error(tmp_path: Path) -> None:
    result = _bench(tmp_path, "--only", "no such operation")
    assert result.returncode == 2 and "no row's name contains 'no such operation'" in result.stderr
