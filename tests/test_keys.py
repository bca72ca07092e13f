"""Citation keys are stable: once published, a key never disappears or changes (the complaint
users of Better BibTeX and JabRef make most often)."""

from __future__ import annotations

from chilecite.loading import load_corpus
from chilecite.vocabulary import KEY_RE
from tests.support import ROOT

PUBLISHED = ROOT / "tests" / "data" / "published-keys.txt"


def _published() -> list[str]:
    return [line.strip() for line in PUBLISHED.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def test_no_published_key_has_disappeared() -> None:
    missing = sorted(set(_published()) - set(load_corpus().works))
    assert not missing, f"published citation keys no longer exist (keys never change once committed): {missing}"


def test_every_key_is_published_deliberately() -> None:
    unlisted = sorted(set(load_corpus().works) - set(_published()))
    assert not unlisted, f"new citation keys: add them to {PUBLISHED.relative_to(ROOT)} once reviewed: {unlisted}"


def test_keys_are_lower_case_ascii_and_unique_ignoring_case() -> None:
    keys = list(load_corpus().works)
    assert all(KEY_RE.match(k) and k.isascii() for k in keys)
    assert len({k.casefold() for k in keys}) == len(keys)
