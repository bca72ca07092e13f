"""The pre-commit hooks of `.pre-commit-hooks.yaml`, run the way a contributor's repository runs them.

`pre-commit try-repo CHECKOUT HOOK` clones this checkout, installs it into a virtualenv of its own
(`language: python`: `pip install .`) and runs the hook in a contributor's repository: here a fresh
git repository holding a copy of the records, clean or with an error planted. The install is made
offline: pip reads no index (PIP_NO_INDEX) and builds without isolation, the dependencies coming
from this test environment (PYTHONPATH); a contributor's pre-commit fetches them from PyPI instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.support import RECORDS, ROOT

pytestmark = pytest.mark.install

GIT = ["git", "-c", "user.email=contributor@example.org", "-c", "user.name=Contributor", "-c", "commit.gpgsign=false"]


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("pre-commit try-repo needs git and this checkout to be a git repository")
    return tmp_path_factory.mktemp("pre-commit-home")  # one hook environment for every run here


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A contributor's repository: the records, committed."""
    repo = tmp_path / "contribution"
    shutil.copytree(RECORDS, repo / "records")
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "records"], cwd=repo, check=True)
    return repo


def try_repo(repo: Path, home: Path, hook: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHILECITE_", "PIP_", "PRE_COMMIT"))} | {
        "PRE_COMMIT_HOME": str(home), "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",
        "PYTHONPATH": sysconfig.get_paths()["purelib"], "CHILECITE_DATA": str(repo.parent / "data"),
    }
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def _plant(repo: Path) -> str:
    note = repo / "records" / "notes" / "062.yaml"
    note.write_text(note.read_text(encoding="utf-8").replace("status: identified", "status: identifed"), encoding="utf-8")
    return "records/notes/062.yaml"


@pytest.mark.parametrize(("hook", "args"), [
    pytest.param("chilecite-validate", ["--files", "records/notes/062.yaml", "records/works/nettl1966rosa.yaml"], id="changed-files"),
    pytest.param("chilecite-validate", ["--all-files"], id="changed-files-all"),
    pytest.param("chilecite-validate-all", ["--all-files"], id="whole-corpus-strict"),
])
def test_a_clean_repository_passes(repository: Path, pre_commit_home: Path, hook: str, args: list[str]) -> None:
    result = try_repo(repository, pre_commit_home, hook, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


@pytest.mark.parametrize(("hook", "args"), [
    pytest.param("chilecite-validate", ["--files", "records/notes/062.yaml"], id="changed-files"),
    pytest.param("chilecite-validate", ["--all-files"], id="changed-files-all"),
    pytest.param("chilecite-validate-all", ["--all-files"], id="whole-corpus-strict"),
])
def test_a_planted_error_fails_the_hook_naming_it(repository: Path, pre_commit_home: Path, hook: str, args: list[str]) -> None:
    planted = _plant(repository)
    result = try_repo(repository, pre_commit_home, hook, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout and f"{planted}:10:1: CC005 error: status:" in result.stdout
    assert "did you mean 'identified'" in result.stdout
