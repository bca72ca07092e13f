"""Names in `author`, `editor` and `translator` -> agent records and their ids.

A name list is split at ` and ` outside braces, and each name is split into parts before it is
decoded, so that a name in its own brace group (`{Partido Socialista de Chile}`) is seen as an
organisation. The scans are linear and iterative; the importer has already bounded the brace depth,
so bibtexparser's name splitter never sees an attacker's nesting.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
)

from chilecite.corpus import Corpus
from chilecite.importing.fields import clean
from chilecite.importing.problems import short
from chilecite.models import Agent, Organisation, Person
from chilecite.vocabulary import fold

NAME_FIELDS = (("author", "authors"), ("editor", "editors"), ("translator", "translators"))
_NAME_TOKEN_RE = re.compile(r"\\.|[{}]|[ \t\r\n]+", re.DOTALL)
_WHITE = " \t\r\n"


def split_names(value: str) -> list[str]:
    """A BibTeX name list split at ` and ` (any case) outside braces. (bibtexparser's `SeparateCoAuthors`
    loses a word ending in an escape before ` and `: `0, 0 \\% and {0}` gives `0, 0` and `{0}`.)"""
    names, start, depth = [], 0, 0
    for token in _NAME_TOKEN_RE.finditer(value):
        char = token.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif char[0] in _WHITE and depth == 0:
            end = token.end()
            if value[end:end + 3].lower() == "and" and value[end + 3:end + 4] in tuple(_WHITE):
                names.append(value[start:token.start()])
                start = end + 3
    names.append(value[start:])
    return [name.strip() for name in names if name.strip()]


def whole_group(name: str) -> bool:
    """Whether the name is one brace group, `{...}`, from its first character to its last."""
    if not (name.startswith("{") and name.endswith("}")):
        return False
    depth = 0
    for token in _NAME_TOKEN_RE.finditer(name):
        char = token.group()
        if char in "{}":
            depth += 1 if char == "{" else -1
            if depth == 0 and token.end() < len(name):
                return False
    return depth == 0


def ascii_words(text: str) -> list[str]:
    return fold(re.sub(r"['’ʼ]", "", text)).split()


MAX_ID_CHARS = 64  # an id is a file name


def slug(text: str) -> str:
    return "-".join(ascii_words(text))[:MAX_ID_CHARS].rstrip("-")


def name_key(name: str) -> str:
    """What two spellings of one name share: names that differ only in letter case, accents, white
    space or full stops (`Garcés, Joan E.`, `GARCES, Joan E`) are one name; any other difference
    (`allende-salvador`, `Allende Salvador`) makes another, however alike their ids would be."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.replace(".", " ").split()) or " ".join(letters.split())  # a name of full stops only is itself


class AgentBook:
    """The agents of the corpus and those an import adds, by `name_key`; an entry's new agents are
    tentative until the entry is mapped in full (a refused entry leaves none behind)."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.ids: dict[str, str] = {}  # name key -> agent id (corpus and new)
        for aid, agent in sorted(corpus.agents.items()):
            self.ids.setdefault(name_key(agent.display_name), aid)
            if isinstance(agent, Organisation) and agent.short_name:
                self.ids.setdefault(name_key(agent.short_name), aid)
        self.new: dict[str, Agent] = {}
        self.tentative: list[str] = []  # folded names added for the entry being mapped
        self.next_number: dict[str, int] = {}  # id base -> the next number to try after a collision

    def named(self, aid: str) -> Agent | None:
        return self.new.get(aid) or self.corpus.agents.get(aid)

    def add(self, agent: Agent) -> str:
        """The id of the agent: a corpus or earlier agent of the same name (`name_key`), or a new id
        (two names whose ids would be alike get `id` and `id-2`)."""
        folded = name_key(agent.display_name)
        if folded in self.ids:
            return self.ids[folded]
        if isinstance(agent, Person):
            base = slug(" ".join(p for p in (agent.particle, agent.family, agent.given, agent.suffix) if p))
        else:
            base = slug(agent.name)
        base = base or "agent"
        aid, number = base, self.next_number.get(base, 1)
        while aid in self.corpus.agents or aid in self.new:
            number += 1
            aid = f"{base}-{number}"
        self.next_number[base] = number
        self.ids[folded] = aid
        self.new[aid] = agent
        self.tentative.append(folded)
        return aid

    def commit(self) -> None:
        self.tentative = []

    def rollback(self) -> None:
        for folded in self.tentative:
            del self.new[self.ids.pop(folded)]
        self.tentative = []

    def drop(self, keep: set[str]) -> None:
        """Forget the new agents no kept work refers to."""
        for aid in [a for a in self.new if a not in keep]:
            del self.new[aid]


def agent_from_name(raw: str, decode: Callable[[str], str], complain: Callable[[str], None]) -> Agent | None:
    """The agent a BibTeX name stands for (a whole brace group is an organisation), or None (reported)."""
    if whole_group(raw):
        name = clean(decode(raw))
        if not name:
            complain("an empty name; not imported")
            return None
        return Organisation(kind="organisation", name=name)
    try:
        parts = parse_single_name_into_parts(raw)
    except InvalidNameError as exc:
        complain(f"name '{short(raw)}' is malformed ({exc.reason}); imported as best it could be split")
        parts = parse_single_name_into_parts(raw, strict=False)

    def joined(words: list[str]) -> str | None:
        return clean(decode(" ".join(words))) or None

    family = joined(parts.last)
    if family is None:
        complain(f"name '{short(raw)}' has no family name; not imported")
        return None
    return Person(kind="person", family=family, given=joined(parts.first), particle=joined(parts.von), suffix=joined(parts.jr))
