"""Shared fixtures for the chilecite tests."""

from __future__ import annotations

from pathlib import Path

import pytest

TEXT_NAME = "gonzalez-1984-the-left-and-the-coup-in-chile.txt"
# The reference text is not in the repository: it lives in ../shared/essay/ beside the checkout.
ESSAY_PATH = Path(__file__).resolve().parents[2] / "shared" / "essay" / TEXT_NAME


@pytest.fixture(scope="session")
def essay_path() -> Path:
    """The essay's reference text; tests that need it skip when it is absent."""
    if not ESSAY_PATH.is_file():
        pytest.skip(f"reference text not found at {ESSAY_PATH} (expected ../shared/essay/{TEXT_NAME} beside the checkout)")
    return ESSAY_PATH
