"""Devised titles for untitled entries, built only from what the entry holds.

The validator requires a title or a devised title (CC064), in square brackets (CC065), every word of
which the record itself says (CC066, `chilecite.rules.coverage.devised_titles_supported`). So the
phrase is made of the entry's own words: its genre or the noun of its type, then `by` its first
author, `in` its journal (or its parent's title), `at` its event — `[Article in El Mercurio]`,
`[Speech by Salvador Allende at UNCTAD III]`. An entry that holds nothing but its type gets none:
`[Document]` would describe nothing, and the importer refuses the entry instead.
"""

from __future__ import annotations

from typing import Any

from chilecite.models import Agent, WorkType

TYPE_NOUNS = {
    WorkType.article_journal: "Article", WorkType.article_newspaper: "Article", WorkType.article_magazine: "Article",
    WorkType.personal_communication: "Personal communication",
}


def _plain(text: str) -> str:
    """Without square brackets: the devised title is one bracketed phrase."""
    return " ".join(text.replace("[", " ").replace("]", " ").split())


def devised_title(data: dict[str, Any], first_author: Agent | None, parent_title: str | None) -> str | None:
    """`[Noun by Author in Container at Event]` from the work's data, or None when only the type could be said."""
    kind: WorkType = data["type"]
    noun = _plain(data.get("genre") or "") or TYPE_NOUNS.get(kind, kind.value.capitalize())
    noun = noun[:1].upper() + noun[1:]
    qualifiers = []
    if first_author is not None and (name := _plain(first_author.display_name)):
        qualifiers.append(f"by {name}")
    if where := _plain(data.get("container_title") or parent_title or ""):
        qualifiers.append(f"in {where}")
    if event := _plain(data.get("event") or ""):
        qualifiers.append(f"at {event}")
    if not qualifiers and not data.get("genre"):
        return None
    return "[" + " ".join([noun, *qualifiers]) + "]"
