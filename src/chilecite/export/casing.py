"""Which capitals in a title must survive a sentence-case style, decided from the records.

BibTeX styles such as apalike.bst, and pandoc reading a .bib file, lower-case every title letter
that is not inside braces. So the BibTeX and BibLaTeX exports brace exactly the words that must keep
their capitals, and leave every other word free (docs/exports.md, "Title casing"):

1. **Proper nouns the records know** (`ProperNouns.from_corpus`): every capitalised word of a
   person's names (family, given, printed spellings); the names of organisations (name, short name,
   printed spellings), places, publishers, containers and series, each as a whole (`Financial Times`
   is protected where the title has both words; "Socialism" alone is not a name because a journal is
   called *International Socialism*); and the capitalised words after the first of what the records
   write in sentence case: events, genres, quotation occasions, devised titles and the titles of
   non-English works. A word formed from a known noun by a suffix (`Chile` -> `Chilean`,
   `Chile's`; `Marx` -> `Marxist`) counts too.
2. **Acronyms and roman numerals**: a word with a capital after its first letter (`MIR`, `UNCTAD`,
   `III`, `McCarthy`).
3. **The title's own evidence**: a title the records give in sentence case (it has a lower-case
   word that is not a minor word such as "of" or "the"; devised titles always are) has capitals only
   where they are needed, so every capitalised word after the first is kept. A title of words that
   are all capitalised ("Rosa Luxemburg") shows no convention, and keeps them all.
4. **Non-English titles** (`language` is not `en`) keep every capital: they follow their own
   language's rules, which an English sentence-case style must not touch.

A title in English title case ("The Chilean Road to Socialism") is therefore protected only where
1 or 2 apply: `The {Chilean} Road to Socialism`, which apalike prints "The Chilean road to
socialism". Nothing here is specific to one essay: the vocabulary is built from whatever records
are loaded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from chilecite.corpus import Corpus
from chilecite.models import Organisation, Person

# Words a title in English title case leaves in lower case: their presence in lower case says
# nothing about the title's convention. Any other lower-case word means sentence case.
MINOR_WORDS = frozenset(
    "a an the and but or nor for so yet as at by in of off on per to up via vs from into onto over with than".split()
)
# Suffixes that make a word from a proper noun: Chile -> Chilean, Chile's; Marx -> Marxist, Marxism.
DERIVED_SUFFIXES = ("'s", "’s", "s", "n", "an", "ean", "ian", "ese", "ist", "ists", "ism", "ite", "ites")
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


def words(text: str) -> list[str]:
    """The words of a text, apostrophes and hyphens kept inside them."""
    return _WORD_RE.findall(text)


def is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def is_acronym(word: str) -> bool:
    """A capital after the first letter: `MIR`, `UNCTAD`, `III`, `McCarthy`, `PhD`."""
    core = word.rstrip("'’s") if word.endswith(("'s", "’s")) else word
    return len(core) > 1 and any(c.isupper() for c in core[1:])


def _capitalised_after_first(text: str) -> Iterable[str]:
    """The capitalised words of a text written in sentence case, its first word left out."""
    return (w for w in words(text)[1:] if is_capitalised(w))


@dataclass(frozen=True)
class ProperNouns:
    """The proper nouns of a records tree: single words, and names that are proper only as a whole."""

    words: frozenset[str] = frozenset()
    phrases: frozenset[tuple[str, ...]] = frozenset()

    @classmethod
    def from_corpus(cls, corpus: Corpus) -> ProperNouns:
        people, names, sentences = _texts(corpus)
        single = {w for text in people for w in words(text) if is_capitalised(w)}  # every capitalised word of a person's names
        single |= {w for text in sentences for w in _capitalised_after_first(text.lstrip("["))}  # sentence case: capitals after the first word
        whole: set[tuple[str, ...]] = set()
        for text in names:  # "International Socialism", "Penguin Books": proper as a whole
            tokens = tuple(words(text))
            if len(tokens) == 1:
                single.add(tokens[0])
            elif tokens:
                whole.add(tokens)
        return cls(frozenset(single), frozenset(whole))

    def knows(self, word: str) -> bool:
        """The word, or the noun it is formed from by a suffix, is a proper noun of the records."""
        if word in self.words:
            return True
        return any(word.endswith(s) and word[: -len(s)] in self.words and len(word) > len(s) + 2 for s in DERIVED_SUFFIXES)

    def in_names(self, tokens: list[str]) -> set[int]:
        """Indexes of the tokens that are part of a whole name of the records (`Financial Times`)."""
        found: set[int] = set()
        starting = self._by_first_word
        for start, token in enumerate(tokens):
            for phrase in starting.get(token, ()):
                size = len(phrase)
                if tuple(tokens[start:start + size]) == phrase:
                    found.update(range(start, start + size))
        return found

    @functools.cached_property
    def _by_first_word(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """The phrases by their first word: a title is matched against the few that can start at each word."""
        index: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.phrases:
            index.setdefault(phrase[0], []).append(phrase)
        return {word: tuple(phrases) for word, phrases in index.items()}


def is_sentence_case(title: str) -> bool:
    """The title has a lower-case word that title case would have capitalised."""
    return any(w[:1].islower() and w.lower() not in MINOR_WORDS for w in words(title))


def protected_words(title: str, language: str | None, nouns: ProperNouns, *, devised: bool = False) -> set[int]:
    """Indexes (into `words(title)`) of the words whose capitals must be kept.

    The title's first word and the first word after a colon are left free: styles capitalise them.
    """
    tokens = words(title)
    english = language in (None, "en") or devised  # a devised title is the cataloguer's English
    sentence = devised or is_sentence_case(title)
    no_evidence = not sentence and not any(w[:1].islower() for w in tokens)
    keep: set[int] = set()
    starts = _sentence_starts(title)
    named = nouns.in_names(tokens)
    for index, word in enumerate(tokens):
        if not is_capitalised(word):
            continue
        if is_acronym(word) or nouns.knows(word) or index in named:
            keep.add(index)
        elif index == 0 and not title[:1].isalpha():
            keep.add(index)  # BibTeX keeps only the title's first character: "[Radio…" would become "[radio…"
        elif index in starts:
            continue
        elif not english or sentence or no_evidence:
            keep.add(index)
    return keep


def _sentence_starts(title: str) -> set[int]:
    """Indexes of the words that open the title or a subtitle (after `:`, `?`, `!` or `.`)."""
    starts, index = {0}, 0
    for match in re.finditer(r"[^\W\d_][\w'’-]*|[:?!.]", title):
        if match.group() in ":?!.":
            starts.add(index)
        else:
            index += 1
    return starts


def _texts(corpus: Corpus) -> tuple[list[str], list[str], list[str]]:
    """The records' texts that name people, that are names as a whole, and that are in sentence case."""
    people: list[str | None] = []
    names: list[str | None] = []
    sentences: list[str | None] = []
    for agent in corpus.agents.values():
        if isinstance(agent, Person):
            people += [agent.family, agent.given, agent.particle, *agent.printed]
        elif isinstance(agent, Organisation):
            names += [agent.name, agent.short_name, *agent.printed]
    for work in corpus.works.values():
        names += [work.container_title, work.place, work.publisher, work.series]
        sentences += [work.event, work.genre, work.devised_title]
        if work.title and work.language and work.language != "en":
            sentences.append(work.title)
    sentences += [q.occasion for q in corpus.quotations.values()]
    return [t for t in people if t], [t for t in names if t], [t for t in sentences if t]
