"""What contributors may do with chilecite, and how to cite it: LICENSE (the code, MIT), records/LICENSE (the
records, CC0-1.0, shipped with the package), and CITATION.cff checked by cffconvert itself.

cffconvert 2.0 pins jsonschema < 4, which the rest of the suite cannot use (it needs 4.18 or newer, for JSON
Schema 2020-12 and `referencing`), so it is not in the [test] extra: it is installed here with its own pins into
a folder of its own, from the package index the rest of the install uses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import chilecite
from tests.support import ROOT

pytestmark = pytest.mark.install

CFFCONVERT = "cffconvert==2.0.0"


def test_the_code_is_mit_licensed() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "Permission is hereby granted, free of charge" in text
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_the_records_are_cc0_and_shipped_with_them() -> None:
    text = (ROOT / "records" / "LICENSE").read_text(encoding="utf-8")
    assert "CC0 1.0 Universal (SPDX: CC0-1.0)" in text and "Statement of Purpose" in text  # the dedication, then the legal code
    assert "records/LICENSE" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_the_readme_says_so() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "MIT" in readme and "CC0-1.0" in readme and "CITATION.cff" in readme


@pytest.fixture(scope="module")
def cffconvert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("cffconvert")
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", str(target), CFFCONVERT],
                            capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        if any(word in result.stderr for word in ("Could not find a version", "NewConnectionError", "Temporary failure in name resolution")):
            pytest.skip(f"{CFFCONVERT} could not be installed from the package index: {result.stderr.strip().splitlines()[-1]}")
        pytest.fail(f"pip install {CFFCONVERT} failed:\n{result.stderr}")
    return target


def _cffconvert(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(target)}  # its own pins (jsonschema 3.2) first
    return subprocess.run([sys.executable, "-c", "from cffconvert.cli.cli import cli; cli()", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_citation_cff_is_valid(cffconvert: Path) -> None:
    result = _cffconvert(cffconvert, "--validate", "-i", "CITATION.cff")
    assert result.returncode == 0 and "valid according to schema version 1.2.0" in result.stdout, result.stdout + result.stderr


def test_cffconvert_refuses_a_broken_citation_cff(cffconvert: Path, tmp_path: Path) -> None:
    """The check can fail: the same file with its title removed is refused."""
    data = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    del data["title"]
    broken = tmp_path / "CITATION.cff"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = _cffconvert(cffconvert, "--validate", "-i", str(broken))
    assert result.returncode != 0 and "title" in result.stdout + result.stderr


def test_citation_cff_names_this_version_and_licence() -> None:
    data = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert data["title"] == "chilecite" and data["version"] == chilecite.__version__ and data["license"] == "MIT"
    assert data["type"] == "software" and data["authors"]
