"""The edition's two indexes: the works cited, and the people and organisations quoted or cited,
each entry with a link to every note and quotation that cites or quotes it."""

from __future__ import annotations

from dataclasses import dataclass

from chilecite.citing import agent_name
from chilecite.corpus import Corpus
from chilecite.edition.metadata import coins
from chilecite.edition.view import LEVEL_MEANING, human_date, quotation_label, work_title
from chilecite.models import Person, Quotation


@dataclass(frozen=True)
class Place:
    """A link to one note or quotation, with how it relates to the entry."""

    href: str
    label: str
    relation: str  # "cites", "quotes", "original", "via", …
    level: str | None = None

    @property
    def meaning(self) -> str | None:
        return LEVEL_MEANING.get(self.level) if self.level else None


@dataclass(frozen=True)
class WorkEntry:
    key: str
    title: str
    kind: str
    year: str | None
    creators: str
    container: str | None
    parent: str | None
    url: str | None
    is_essay: bool
    places: tuple[Place, ...]
    parts: tuple[str, ...]  # keys of works contained in this one
    coins: str = ""  # the work's OpenURL ContextObject, for its COinS span (reference managers read it)


@dataclass(frozen=True)
class AgentEntry:
    id: str
    name: str
    sort_key: str
    kind: str
    short_name: str | None
    printed: tuple[str, ...]
    description: str | None
    places: tuple[Place, ...]
    works: tuple[tuple[str, str], ...]  # (work key, title) they wrote or edited


def _note_label(number: int) -> str:
    return f"note {number}"


def works_index(corpus: Corpus) -> list[WorkEntry]:
    """Every work in the records, by citation key."""
    places: dict[str, list[Place]] = {key: [] for key in corpus.works}
    for number, note in sorted(corpus.notes.items()):
        for citation in note.citations:
            places.setdefault(citation.work, []).append(Place(f"#n{number}", _note_label(number), "cited by", citation.level.value))
    for qid, record in sorted(corpus.quotations.items(), key=lambda kv: kv[1].anchor.position.start):
        label = f"quotation: {quotation_label(corpus, record)}"
        if record.source:
            places.setdefault(record.source.work, []).append(Place(f"#q-{qid}", label, "original of", record.source.level.value))
        if record.via:
            places.setdefault(record.via.work, []).append(Place(f"#q-{qid}", label, "printed in", record.via.level.value))
    parts: dict[str, list[str]] = {}
    for key, work in corpus.works.items():
        if work.parent:
            parts.setdefault(work.parent, []).append(key)
    essay_key = corpus.essay.key if corpus.essay else None
    entries = []
    for key in sorted(corpus.works):
        work = corpus.works[key]
        creators = ", ".join(agent_name(corpus, a) for a in work.authors)
        if not creators and work.editors:
            creators = ", ".join(agent_name(corpus, a) for a in work.editors) + (" (ed.)" if len(work.editors) == 1 else " (eds.)")
        entries.append(WorkEntry(
            key=key,
            title=work_title(corpus, key),
            kind=work.type.value.replace("-", " ").replace("_", " "),
            year=human_date(work.issued) if work.issued else None,
            creators=creators,
            container=work.container_title if work.display_title else None,
            parent=work.parent if work.parent in corpus.works else None,
            url=work.url,
            is_essay=key == essay_key,
            places=tuple(places.get(key, [])),
            parts=tuple(sorted(parts.get(key, []))),
            coins=coins(corpus, key),
        ))
    return entries


def agents_index(corpus: Corpus) -> list[AgentEntry]:
    """Every person and organisation, by name: the quotations of them, the notes that quote them,
    and the notes and quotations citing what they wrote."""
    quoted, authored, citing = _quoted_places(corpus), _authored(corpus), _citing_places(corpus)
    entries = []
    for agent_id, agent in corpus.agents.items():
        places = list(quoted.get(agent_id, []))
        seen = {p.href for p in places}
        for key in authored.get(agent_id, []):
            for place in citing.get(key, []):
                if place.href not in seen:
                    places.append(place)
                    seen.add(place.href)
        if isinstance(agent, Person):
            sort_key = " ".join(p for p in (agent.family, agent.given) if p).casefold()
            kind, short = "person", None
        else:
            sort_key, kind, short = agent.name.casefold(), "organisation", agent.short_name
        entries.append(AgentEntry(
            id=agent_id, name=agent.display_name, sort_key=sort_key, kind=kind, short_name=short, printed=tuple(agent.printed),
            description=agent.description, places=tuple(places),
            works=tuple((key, work_title(corpus, key)) for key in authored.get(agent_id, [])),
        ))
    return sorted(entries, key=lambda e: (e.sort_key, e.id))


def _in_order(corpus: Corpus) -> list[tuple[str, Quotation]]:
    return sorted(corpus.quotations.items(), key=lambda kv: kv[1].anchor.position.start)


def _quoted_places(corpus: Corpus) -> dict[str, list[Place]]:
    """Agent id -> the quotations of them and the notes that quote them."""
    quoted: dict[str, list[Place]] = {a: [] for a in corpus.agents}
    for qid, record in _in_order(corpus):
        for agent in record.speakers:
            quoted.setdefault(agent, []).append(Place(f"#q-{qid}", f"quotation in {_paragraph_label(record.anchor.paragraph)}", "quoted"))
    for number, note in sorted(corpus.notes.items()):
        for agent in note.quoted:
            quoted.setdefault(agent, []).append(Place(f"#n{number}", _note_label(number), "quoted at"))
    return quoted


def _authored(corpus: Corpus) -> dict[str, list[str]]:
    """Agent id -> the keys of the works they wrote or edited."""
    authored: dict[str, list[str]] = {}
    for key, work in sorted(corpus.works.items()):
        for agent in [*work.authors, *work.editors]:
            authored.setdefault(agent, []).append(key)
    return authored


def _citing_places(corpus: Corpus) -> dict[str, list[Place]]:
    """Work key -> the notes and quotations citing it, with the level."""
    citing: dict[str, list[Place]] = {}
    for number, note in sorted(corpus.notes.items()):
        for citation in note.citations:
            citing.setdefault(citation.work, []).append(Place(f"#n{number}", _note_label(number), "cited at", citation.level.value))
    for qid, record in _in_order(corpus):
        for source in (record.source, record.via):
            if source:
                label = f"quotation in {_paragraph_label(record.anchor.paragraph)}"
                citing.setdefault(source.work, []).append(Place(f"#q-{qid}", label, "cited at", source.level.value))
    return citing


def _paragraph_label(paragraph: int) -> str:
    return f"¶{paragraph}"
