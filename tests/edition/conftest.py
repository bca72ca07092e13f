"""What the edition's tests share: the bundled records and the essay's reference text, loaded once per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from chilecite.corpus import Corpus
from chilecite.loading import load_corpus
from chilecite.text import ReferenceText


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def text(essay_path: Path) -> ReferenceText:
    return ReferenceText.from_file(essay_path)
