"""What every exporter shares: which works to export, and what the essay says of each.

Exporters are pure functions of a loaded corpus and `ExportOptions`; they assume the corpus
validated (every reference resolves) and never re-check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chilecite.corpus import Corpus
from chilecite.models import LEVEL_ORDER, Agent, Level, Organisation, Work, WorkType
from chilecite.values import DateSpan

# Types whose date, when the record has none, is its container's (a chapter appeared with its book);
# a speech printed in a collection keeps its own date or none.
DATED_BY_PARENT = frozenset({WorkType.chapter})


@dataclass(frozen=True)
class ExportOptions:
    """Which works to export and how."""

    notes: frozenset[int] | None = None  # None: every note
    min_level: Level = Level.attributed  # weakest level still exported
    include_essay: bool = True
    ascii: bool = False  # BibTeX only: LaTeX-encode non-ASCII characters


@dataclass(frozen=True)
class Citing:
    """One note (or a quotation with no note of its own) citing a work, at a level."""

    note: int | None
    level: Level
    quotation: str | None = None

    def describe(self) -> str:
        if self.quotation is None:
            return f"note {self.note} ({self.level.value})"
        under = f" under note {self.note}" if self.note is not None else ""
        return f"the quotation '{self.quotation}'{under} ({self.level.value})"


@dataclass(frozen=True)
class ExportItem:
    """A work ready to export: the record, its agents and parent resolved, and the notes citing it.

    What a work inherits from its parent (a chapter from its book) is resolved here, once:
    `editors`, `publisher`, `place` and `issued` are the work's own or else its parent's.
    """

    key: str
    work: Work
    authors: tuple[Agent, ...]
    editors: tuple[Agent, ...]
    translators: tuple[Agent, ...]
    parent: ExportItem | None = None
    citing: tuple[Citing, ...] = field(default_factory=tuple)
    is_essay: bool = False
    publisher: str | None = None
    place: str | None = None
    issued: DateSpan | None = None
    essay_label: str = "the essay"
    essay_notes: int = 0

    @property
    def best_level(self) -> Level | None:
        return min((c.level for c in self.citing), key=LEVEL_ORDER.__getitem__, default=None)

    def provenance(self) -> str:
        """The sentence every export carries: which notes cite the work, and how surely."""
        if self.is_essay:
            return f"The host essay; chilecite records its {self.essay_notes} notes and quotations."
        if not self.citing:
            return "Contains a work cited by the essay."
        parts = [c.describe() for c in self.citing]
        return f"Cited in {self.essay_label}, " + ", ".join(parts) + ". Identification levels: stated = named by the essay; verified = checked against the work; attributed = inferred, not checked."


def export_item(corpus: Corpus, key: str, citing: tuple[Citing, ...] = (), *, is_essay: bool | None = None) -> ExportItem:
    """One work ready to export, with its agents and parent resolved."""
    work = corpus.works[key]
    if is_essay is None:
        is_essay = corpus.essay is not None and corpus.essay.key == key

    def agents(ids: list[str]) -> tuple[Agent, ...]:
        return tuple(corpus.agents[a] for a in ids if a in corpus.agents)

    parent = export_item(corpus, work.parent) if work.parent and work.parent in corpus.works else None
    return ExportItem(
        key, work, agents(work.authors), agents(work.editors) or (parent.editors if parent else ()), agents(work.translators), parent, citing, is_essay,
        publisher=work.publisher or (parent.publisher if parent else None),
        place=work.place or (parent.place if parent else None),
        issued=work.issued or (parent.issued if parent and work.type in DATED_BY_PARENT else None),
        essay_label=corpus.essay_label(),
        essay_notes=corpus.note_count,
    )


def select_items(corpus: Corpus, options: ExportOptions) -> list[ExportItem]:
    """The works to export, in citation-key order (deterministic output)."""
    citing: dict[str, list[Citing]] = {}
    for number in sorted(corpus.notes):
        if options.notes is not None and number not in options.notes:
            continue
        for citation in corpus.notes[number].citations:
            if LEVEL_ORDER[citation.level] <= LEVEL_ORDER[options.min_level] and citation.work in corpus.works:
                citing.setdefault(citation.work, []).append(Citing(number, citation.level))
    # A quotation's original and the secondary work its wording was found in go too, so that
    # every key `chilecite quote` cites is in the export. Notes already citing a work say so.
    for qid, quotation in sorted(corpus.quotations.items()):
        if options.notes is not None and quotation.note not in options.notes:
            continue
        for citation in (quotation.source, quotation.via):
            if citation is None or citation.work not in corpus.works or LEVEL_ORDER[citation.level] > LEVEL_ORDER[options.min_level]:
                continue
            entries = citing.setdefault(citation.work, [])
            if not any(c.quotation is None and c.note == quotation.note for c in entries):  # the note itself cites it
                entries.append(Citing(quotation.note, citation.level, qid))
    citing = {key: _unique(entries) for key, entries in citing.items()}
    keys = set(citing)
    for key in list(keys):  # a chapter's book and a speech's collection go with it
        parent = corpus.works[key].parent
        while parent and parent in corpus.works and parent not in keys:
            keys.add(parent)
            parent = corpus.works[parent].parent
    essay_key = corpus.essay.key if corpus.essay else None
    if options.include_essay and essay_key in corpus.works:
        keys.add(essay_key)
    elif essay_key in keys and not citing.get(essay_key):
        keys.discard(essay_key)
    return [export_item(corpus, key, tuple(citing.get(key, ())), is_essay=key == essay_key) for key in sorted(keys)]


def _unique(entries: list[Citing]) -> list[Citing]:
    seen, out = set(), []
    for entry in sorted(entries, key=lambda c: (c.note is None, c.note or 0, c.quotation or "", LEVEL_ORDER[c.level])):
        if (entry.note, entry.quotation) not in seen:
            seen.add((entry.note, entry.quotation))
            out.append(entry)
    return out


def parse_note_ranges(text: str, count: int) -> frozenset[int]:
    """`1-20,45` -> {1, ..., 20, 45} for an essay of `count` notes; raises ValueError on anything else."""
    numbers: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not match:
            raise ValueError(f"'{part}' is not a note number or range such as 1-20")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if not (1 <= first <= last <= count):
            raise ValueError(f"'{part}' is not within notes 1-{count} in order")
        numbers.update(range(first, last + 1))
    return frozenset(numbers)


def person_parts(agent: Agent) -> dict[str, str]:
    """A CSL name: `literal` for an organisation (never split), family/given/particle/suffix for a person."""
    if isinstance(agent, Organisation):
        return {"literal": agent.name}
    parts = {"family": agent.family}
    for name, value in (("given", agent.given), ("non-dropping-particle", agent.particle), ("suffix", agent.suffix)):
        if value:
            parts[name] = value
    return parts


def is_published_letter(work: Work) -> bool:
    """An open letter, or one printed somewhere: a document anyone can read, not a private
    communication (which Chicago author-date and others leave out of the bibliography)."""
    return work.type.value == "letter" and bool(
        (work.genre and "open" in work.genre.lower()) or work.container_title or work.parent
    )
