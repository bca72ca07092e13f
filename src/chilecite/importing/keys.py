"""Citation keys for imported works: the entry's own key when it is in the agreed form and free, else one proposed.

A proposed key follows the agreed Better BibTeX style: the first author's family name (an
organisation's first word; else the first editor; else the container title), the year (`nd` when
unknown), the first significant title word (an untitled dated item: month and day, `aug09`),
lower-case ASCII, with `b`, `c`, ... added on a collision. The next letter to try is remembered for
each stem, so a file of many look-alike entries costs linear time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from chilecite.importing.agents import ascii_words
from chilecite.importing.mapping import MONTHS
from chilecite.models import Agent, Person
from chilecite.values import DateSpan
from chilecite.vocabulary import KEY_RE

STOPWORDS = frozenset({"a", "an", "the", "on", "of", "el", "la", "los", "las", "de", "del", "y"})
MAX_KEY_CHARS = 64  # a key is a file name: an entry's longer key is replaced, a proposal's parts are cut
_PART_CHARS = 24


class Keys:
    """The keys taken (by the corpus and by this import) and the entry keys reserved for their own entries."""

    def __init__(self, corpus_keys: Iterable[str]) -> None:
        self.corpus = frozenset(corpus_keys)
        self.taken: set[str] = set(self.corpus)
        self.reserved: set[str] = set()
        self.next_letter: dict[str, int] = {}

    def reserve(self, entry_keys: Iterable[str]) -> None:
        """Entry keys in the agreed form and free stay their entries' keys; proposals avoid them."""
        self.reserved = {k for k in entry_keys if len(k) <= MAX_KEY_CHARS and KEY_RE.match(k) and k not in self.taken}

    def key_for(self, entry_key: str, data: dict[str, Any], agent: Callable[[str], Agent | None]) -> tuple[str, str | None]:
        """The key for an entry, and why it is not the entry's own (None when it is)."""
        if entry_key in self.reserved and entry_key not in self.taken:
            self.taken.add(entry_key)
            return entry_key, None
        if entry_key in self.corpus:
            reason = "is already a work in the corpus"
        elif not KEY_RE.match(entry_key) or len(entry_key) > MAX_KEY_CHARS:
            reason = "is not in the agreed form (familyyearword)"
        else:
            reason = "is used by an earlier entry"
        return self._propose(data, agent), reason

    def _propose(self, data: dict[str, Any], agent: Callable[[str], Agent | None]) -> str:
        issued: DateSpan | None = data.get("issued")
        year = f"{issued.start.year:04d}" if issued else "nd"
        word = next((w for w in ascii_words(data.get("title") or "") if w not in STOPWORDS), "")
        if not word and issued and issued.start.month:
            word = MONTHS[issued.start.month - 1] + (f"{issued.start.day:02d}" if issued.start.day else "")
        base = f"{_name_part(data, agent)[:_PART_CHARS]}{year}{(word or 'untitled')[:_PART_CHARS]}"
        key, n = base, self.next_letter.get(base, 0)
        while key in self.taken or key in self.reserved:
            n += 1
            key = base + _letters(n)
        self.next_letter[base] = n
        self.taken.add(key)
        return key


def _name_part(data: dict[str, Any], agent: Callable[[str], Agent | None]) -> str:
    name = ""
    for role in ("authors", "editors"):
        first = agent(data[role][0]) if data.get(role) else None
        if first is not None:
            words = ascii_words(first.family) if isinstance(first, Person) else ascii_words(first.name)[:1]
            name = "".join(words)
            break
    if not name and data.get("container_title"):
        name = "".join(ascii_words(data["container_title"]))
    return re.sub(r"^[0-9]+", "", name) or "anon"


def _letters(n: int) -> str:
    """1 -> b, 2 -> c, ..., 25 -> z, 26 -> ba, ..."""
    out = ""
    while True:
        out = chr(ord("a") + n % 26) + out
        n //= 26
        if n == 0:
            return out
