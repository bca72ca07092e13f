"""RIS export — the format EndNote, Mendeley, Citavi, RefWorks and Zotero import — written by rispy.

One reference per work, `TY` from `common.TYPES`, `ID` the citation key. Names are written
`Family, Given[, Suffix]`; an organisation as its name and a comma (`Unidad Popular,`), as EndNote
writes one: a family name with no given name, which Zotero, pandoc and citation-js keep whole
(pandoc splits a bare `Unidad Popular` into given and family).
Editors go where both Zotero's RIS translator and the RIS specification put them: `A2` in a chapter,
`A3` in a book. The provenance is a note (`N1`), which reference managers keep as a note and
output styles do not print; the identification level is a keyword (`KW`).
"""

from __future__ import annotations

from typing import Any

import rispy

from chilecite.corpus import Corpus
from chilecite.export.common import ExportItem, ExportOptions, human_date, select_items
from chilecite.models import Agent, Organisation
from chilecite.values import DateSpan, PartialDate

# The types whose M3 ("type of work") Zotero's RIS import reads as the item's kind; for any other
# type it reads M3 as a DOI, so the genre goes into a note there.
M3_TYPES = frozenset({"SLIDE", "PCOMM", "THES", "RPRT", "MANSCPT", "ELEC", "MAP"})


class Writer(rispy.RisWriter):
    """rispy's RIS writer without its "1." counter lines, which are no part of RIS."""

    def set_header(self, count: int) -> str:
        return ""


def ris_name(agent: Agent) -> str:
    """`Allende, Salvador`; `de la Fuente, Juan`; `King, Martin Luther, Jr.`; `Unidad Popular,`."""
    if isinstance(agent, Organisation):
        return agent.name + ","
    family = " ".join(p for p in (agent.particle, agent.family) if p)
    parts = [family, agent.given or "", agent.suffix or ""]
    while parts and not parts[-1]:
        parts.pop()
    return ", ".join(parts)


def ris_date(span: DateSpan) -> str:
    """RIS `DA`: `YYYY/MM/DD/other`, the other part saying what the slashes cannot (a season,
    circa, uncertain, the end of a range)."""
    start: PartialDate = span.start
    other = []
    if start.season:
        other.append(start.season.capitalize())
    if start.approximate:
        other.append("circa")
    if start.uncertain:
        other.append("uncertain")
    if span.end:
        other.append(f"to {span.end}")
    month = f"{start.month:02d}" if start.month else ""
    day = f"{start.day:02d}" if start.day else ""
    return f"{start.year:04d}/{month}/{day}/{' '.join(other)}"


def ris_reference(item: ExportItem) -> dict[str, Any]:
    """One work as a rispy reference: names, titles, date, numbers, notes and keywords."""
    ty = item.types.ris
    ref: dict[str, Any] = {"type_of_reference": ty, "id": item.key}
    if item.title:
        ref["title"] = item.title
    ref |= _names(item, ty) | _titles(item, ty) | _dates(item) | _numbers(item)
    ref["notes"] = _notes(item, ty, ref)
    if ty in M3_TYPES and item.work.genre:
        ref["type_of_work"] = item.work.genre
    keywords = [*item.work.keywords, *([f"chilecite-{item.best_level.value}"] if item.best_level else []), *(["chilecite-essay"] if item.is_essay else [])]
    if keywords:
        ref["keywords"] = keywords
    return ref


def _names(item: ExportItem, ty: str) -> dict[str, Any]:
    ref: dict[str, Any] = {}
    if item.authors:
        ref["authors"] = [ris_name(a) for a in item.authors]
    if item.editors:
        ref["tertiary_authors" if ty == "BOOK" else "secondary_authors"] = [ris_name(a) for a in item.editors]
    if item.translators:
        ref["subsidiary_authors"] = [ris_name(a) for a in item.translators]
    return ref


def _titles(item: ExportItem, ty: str) -> dict[str, Any]:
    work, parent = item.work, item.parent
    ref: dict[str, Any] = {}
    container = work.container_title or (parent.title if item.in_book and parent else None)
    if container:
        ref["secondary_title"] = container
    elif item.event and ty == "SLIDE":
        ref["secondary_title"] = item.event  # a presentation's meeting (Zotero: meetingName)
    series = parent.work.series if item.in_book and parent else work.series
    if series and not work.type.value.startswith("article"):
        ref["tertiary_title"] = series
    return ref


def _dates(item: ExportItem) -> dict[str, Any]:
    if not item.issued:
        return {}
    start = item.issued.start
    ref = {"year": f"{start.year:04d}"}
    if start.month or start.season or item.issued.end or start.approximate or start.uncertain:
        ref["date"] = ris_date(item.issued)
    return ref


def _numbers(item: ExportItem) -> dict[str, Any]:
    work = item.work
    pairs = (("volume", work.volume), ("number", work.issue), ("edition", work.edition), ("publisher", item.publisher),
             ("place_published", item.place), ("language", work.language), ("doi", work.doi), ("issn", work.isbn))
    ref: dict[str, Any] = {key: value for key, value in pairs if value}
    if work.pages:
        ref["start_page"] = work.pages.first
        if work.pages.last:
            ref["end_page"] = work.pages.last
    if work.url:
        ref["urls"] = [work.url]
    return ref


def _notes(item: ExportItem, ty: str, ref: dict[str, Any]) -> list[str]:
    """What RIS has no tag for, in words (N1), ending with the provenance sentence."""
    notes = []
    if item.work.genre and ty not in M3_TYPES:
        notes.append(f"Type: {item.work.genre}.")
    if item.event and ref.get("secondary_title") != item.event:
        notes.append(f"Occasion: {item.event}.")
    if item.event_date:  # RIS has no event date
        notes.append(f"Held {human_date(item.event_date)}.")
    if item.original_date:
        notes.append(f"Original date: {human_date(item.original_date)}.")
    notes.append(item.provenance())
    return notes


def export_ris_references(corpus: Corpus, options: ExportOptions = ExportOptions()) -> list[dict]:
    return [ris_reference(item) for item in select_items(corpus, options)]


def export_ris(corpus: Corpus, options: ExportOptions = ExportOptions()) -> str:
    """The selected works as RIS (UTF-8, citation-key order), written by rispy."""
    return rispy.dumps(export_ris_references(corpus, options), implementation=Writer)
