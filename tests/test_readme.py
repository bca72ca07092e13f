"""Every example in the README runs as written, and `.ci/run` runs exactly the README's test command.

Each ```sh block is run with bash (`set -e`) in a fresh folder inside a copy of the checkout's
records tree, with the test environment's `chilecite` first on PATH; each ```python block with this
Python. The two ```sh setup blocks install system packages: the test command is what `.ci/run` runs
(checked here line for line) and the main job's steps are the ones the export tests cover; the
```sh bench block is run at a small scale by tests/benchmarks/test_bench_smoke.py.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, copy_records

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK_RE = re.compile(r"^```(sh|python)( \w+)?\n(.*?)^```$", re.M | re.S)
BLOCKS = [(m.group(1), (m.group(2) or "").strip(), m.group(3)) for m in BLOCK_RE.finditer(README)]
RUNNABLE = [(lang, body) for lang, tag, body in BLOCKS if not tag]


def test_the_readme_has_its_examples() -> None:
    assert len(RUNNABLE) >= 6 and sum(1 for _, tag, _ in BLOCKS if tag == "setup") == 2


def test_ci_runs_exactly_the_readme_test_command() -> None:
    setup = [body.strip() for _, tag, body in BLOCKS if tag == "setup"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == setup[1]
    assert "python3 -m venv .venv" in setup[0] and "python3 -m venv .venv" in setup[1]
    assert "nodejs npm" in setup[1] and "chromium-driver" in setup[1]


def test_the_bench_examples_are_command_lines_the_benches_accept() -> None:
    """Not run here (they take minutes; the smoke test runs the bench at 2x): each line's arguments parsed by its program's own parser."""
    from chilecite.bench import __main__ as bench
    from chilecite.bench import layers

    parsers = {"chilecite.bench": bench.make_parser, "chilecite.bench.layers": layers.make_parser}
    lines = [shlex.split(line, comments=True) for line in next(body for _, tag, body in BLOCKS if tag == "bench").splitlines()]
    assert [words[2] for words in lines if words] == ["chilecite.bench", "chilecite.bench.layers"]
    for words in filter(None, lines):
        assert words[:2] == ["python", "-m"]
        args = parsers[words[2]]().parse_args(words[3:])
        assert all(scale >= 1 for scale in (args.scale if isinstance(args.scale, list) else [args.scale])) and args.runs >= 1


@pytest.fixture
def checkout(tmp_path: Path, essay_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding a copy of the records (found from the working directory), with the essay's text."""
    copy_records(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("CHILECITE_ESSAY", str(essay_path))
    monkeypatch.setenv("CHILECITE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return work


@pytest.mark.parametrize(("lang", "body"), RUNNABLE, ids=[f"{lang}-{body.split()[0:2]}" for lang, body in RUNNABLE])
def test_every_example_runs(lang: str, body: str, checkout: Path) -> None:
    if "pandoc" in body and shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed (the README's test command installs it)")
    command = ["bash", "-ec", body] if lang == "sh" else [sys.executable, "-c", body]
    result = subprocess.run(command, cwd=checkout, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    if "pandoc" in body:
        assert (checkout / "paper.docx").stat().st_size > 0


def test_the_generated_sections_are_what_the_code_says() -> None:
    """The rules that need the text and the RIS types come from the catalogue and the type table."""
    from chilecite.readme import SECTIONS, regenerate

    assert all(f"<!-- generated: {name} -->" in README for name in SECTIONS)
    assert regenerate(README) == README, "README.md is out of date: run `python -m chilecite.readme README.md`"
    assert "`SLIDE` (slide)" in README  # the exporter writes SLIDE for a speech


def test_the_setup_writes_the_exports_into_a_folder_of_their_own() -> None:
    setup = next(body for _, tag, body in BLOCKS if tag == "setup")
    assert "mkdir -p exports" in setup and setup.count(" -o exports/") == 4 and " -o gonzalez" not in setup
    assert "/exports/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_the_readme_says_how_long_the_tests_take_and_names_no_internal_brief() -> None:
    assert re.search(r"The test run takes about \d+ minutes on a machine of 2 CPUs", README)
    assert not (ROOT / "docs" / "research-brief.md").exists()
    for path in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").rglob("*.md")]:
        assert "research-brief" not in path.read_text(encoding="utf-8"), path


def test_the_biblatex_recipe_builds_a_bibliography(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run where biblatex is installed (Debian: texlive-latex-base, texlive-latex-recommended, texlive-bibtex-extra, biber)."""
    found = subprocess.run(["kpsewhich", "biblatex.sty"], capture_output=True, text=True, check=False) if shutil.which("kpsewhich") else None
    if found is None or found.returncode != 0 or shutil.which("pdflatex") is None or shutil.which("biber") is None:
        pytest.skip("biblatex.sty, pdflatex or biber is not installed (Debian: texlive-latex-base texlive-latex-recommended texlive-bibtex-extra biber)")
    recipe = next(body for _, tag, body in BLOCKS if tag == "biblatex")
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CHILECITE_CACHE", str(tmp_path / "cache"))
    result = subprocess.run(["bash", "-ec", recipe], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "\\entry{financialtimes1973aug09}" in (tmp_path / "paper.bbl").read_text(encoding="utf-8")
    assert (tmp_path / "paper.pdf").stat().st_size > 0
