"""A contributor's check cannot pass falsely: the installed command, run inside a checkout, checks the checkout.

The package is installed non-editably (a built wheel, into a folder of its own) and run as a user
would run it, as a separate process, from a checkout whose note 86 is broken, from a folder inside
that checkout, and from outside any checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import RECORDS, ROOT

pytestmark = pytest.mark.install


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(ROOT)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"pip install failed:\n{result.stderr}")
    assert (target / "chilecite" / "records" / "notes" / "086.yaml").is_file(), "the records are installed with the package"
    return target


def chilecite(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHILECITE_")} | {"PYTHONPATH": str(site), "CHILECITE_DATA": str(cwd / ".no-data")}
    code = "import sys; from chilecite.cli import main; sys.argv[0] = 'chilecite'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120)


@pytest.fixture
def broken_checkout(tmp_path: Path) -> Path:
    checkout = tmp_path / "checkout"
    shutil.copytree(RECORDS, checkout / "records")
    note = checkout / "records" / "notes" / "086.yaml"
    note.write_text(note.read_text(encoding="utf-8") + "not_a_field: true\n", encoding="utf-8")
    return checkout


@pytest.mark.parametrize("where", [pytest.param(".", id="checkout"), pytest.param("records/notes", id="subdirectory")])
def test_validate_in_a_broken_checkout_fails_naming_the_file(installed: Path, broken_checkout: Path, where: str) -> None:
    result = chilecite(installed, broken_checkout / where, "validate")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "records/notes/086.yaml" in result.stdout and "CC005" in result.stdout
    assert result.stderr.startswith(f"records: {broken_checkout / 'records'} (found from the working directory)")


def test_outside_a_checkout_the_installed_records_are_used(installed: Path, tmp_path: Path) -> None:
    result = chilecite(installed, tmp_path, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.startswith(f"records: {installed / 'chilecite' / 'records'} (installed)")
