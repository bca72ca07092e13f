"""Devised titles for untitled entries, from what the entry says the work is and what it is about.

The validator requires a title or a devised title (CC064), in square brackets (CC065), every word of
which the record itself says (CC066), and warns when it repeats the author, container, genre or
event that every citation prints beside it (CC067; `chilecite.rules.coverage`). RDA 2.3.2.11 devises
a title from the resource's nature, its subject, or both; so the phrase is the noun of the entry's
type (its nature: `Newspaper article`, `Speech`) and, where the entry has keywords, `on` its subjects:
`[Newspaper article on land reform]`. The genre, authors, journal and event are not repeated: a
citation prints them anyway. An entry that holds nothing but its type gets none: `[Document]` would
describe nothing, and the importer refuses the entry instead.
"""

from __future__ import annotations

from typing import Any

from chilecite.models import WorkType

TYPE_NOUNS = {
    WorkType.article_journal: "Article", WorkType.article_newspaper: "Newspaper article", WorkType.article_magazine: "Magazine article",
    WorkType.personal_communication: "Personal communication",
}
MAX_SUBJECTS = 3  # a devised title is a short phrase, not the keyword list


def _plain(text: str) -> str:
    """Without square brackets: the devised title is one bracketed phrase."""
    return " ".join(text.replace("[", " ").replace("]", " ").split())


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def devised_title(data: dict[str, Any]) -> str | None:
    """`[Noun on subjects]` from the work's type and keywords, or None when the entry holds nothing but its type."""
    kind: WorkType = data["type"]
    noun = TYPE_NOUNS.get(kind, kind.value.replace("_", " ").capitalize())
    subjects = [s for s in (_plain(k) for k in data.get("keywords") or []) if s][:MAX_SUBJECTS]
    if subjects:
        return f"[{noun} on {_listed(subjects)}]"
    described = any(data.get(name) for name in ("genre", "authors", "editors", "container_title", "event", "parent"))
    return f"[{noun}]" if described else None
