"""Shared fixtures for the chilecite tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import essay_text_path

# The suite caches into a folder of its own, made empty for each run: what it renders (hostile
# records among them) never enters the user's cache, and every run starts cold, as CI does.
# Tests of the cache itself point $CHILECITE_CACHE at their own folders.
_SUITE_CACHE = tempfile.mkdtemp(prefix="chilecite-test-cache-")
os.environ["CHILECITE_CACHE"] = _SUITE_CACHE


@pytest.fixture(scope="session", autouse=True)
def _remove_suite_cache() -> Iterator[None]:
    yield
    shutil.rmtree(_SUITE_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def essay_path() -> Path:
    """The essay's reference text ($CHILECITE_ESSAY, ../shared/essay/, or the stored copy); tests that need it skip, saying which."""
    path, tried = essay_text_path()
    if path is None:
        pytest.skip(f"the essay's reference text was not found (looked for {tried}); `chilecite essay` says how to get it")
    return path


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$CHILECITE_CACHE for one test: the base folder; chilecite's own folder is made inside it."""
    base = tmp_path / "cache-base"
    monkeypatch.setenv("CHILECITE_CACHE", str(base))
    return base
