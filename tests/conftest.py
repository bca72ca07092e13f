"""Shared fixtures for the chilecite tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import essay_text_path


@pytest.fixture(scope="session")
def essay_path() -> Path:
    """The essay's reference text ($CHILECITE_ESSAY, ../shared/essay/, or the stored copy); tests that need it skip, saying which."""
    path, tried = essay_text_path()
    if path is None:
        pytest.skip(f"the essay's reference text was not found (looked for {tried}); `chilecite essay` says how to get it")
    return path
