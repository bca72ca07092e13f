"""CSL-JSON export: valid against the official CSL 1.0.2 input schema; `id` is the citation key.

Zotero's CSL-JSON import keeps only variables that have a Zotero field (zotero/utilities
`itemFromCSLJSON`, zotero-schema `csl.fields`): `custom` and `annote` are dropped, `note` becomes
Extra and `abstract` the Abstract. Styles print `note`, and the provenance is not an abstract, so
the provenance lives in `custom.chilecite`; a Zotero user who wants it imports the BibTeX or RIS
file, whose `annote` / `N1` Zotero keeps as a child note (docs/exports.md).
"""

from __future__ import annotations

import json

from chilecite.corpus import Corpus
from chilecite.export.common import ExportItem, ExportOptions, person_parts, select_items
from chilecite.values import SEASONS, DateSpan


def csl_date(span: DateSpan) -> dict:
    """`{"date-parts": [[1973, 8, 9]]}`, with `season` and `circa` where they apply."""
    date: dict = {"date-parts": [span.start.date_parts()] + ([span.end.date_parts()] if span.end else [])}
    if span.start.season:
        date["season"] = SEASONS.index(span.start.season) + 1  # CSL numbers them 1-4
    if span.start.approximate:
        date["circa"] = True
    if span.start.uncertain or span.start.season or span.start.approximate:
        date["raw"] = str(span)  # the EDTF form, for processors that read it
    return date


def csl_item(item: ExportItem) -> dict:
    """One work as a CSL-JSON item. The type comes from `common.TYPES`; a devised title is the title;
    the provenance goes in `custom`, which no processor prints (not in `note`, which styles may)."""
    work, parent = item.work, item.parent
    data: dict = {"id": item.key, "citation-key": item.key, "type": item.types.csl}
    for role, agents in (("author", item.authors), ("editor", item.editors), ("translator", item.translators)):
        if agents:
            data[role] = [person_parts(a) for a in agents]
    book = parent if item.in_book else None  # the book a chapter or an in-book item is part of
    values = {
        "title": item.title,
        "container-title": work.container_title or (book.title if book is not None else None),
        "collection-title": (book.work.series if book is not None else work.series) if not work.type.value.startswith("article") else None,
        "volume": work.volume,
        "issue": work.issue,
        "edition": work.edition,
        "page": work.pages.with_dash("-") if work.pages else None,
        "publisher": item.publisher,
        "publisher-place": item.place,
        "language": work.language,
        "URL": work.url,
        "ISBN": work.isbn,
        "DOI": work.doi,
        # In a chapter CSL's genre is the contribution's kind ("Foreword to …"): a speech printed in
        # a book would read "presidential message to Congress to Chile's Road to Socialism".
        "genre": None if book is not None else work.genre,
        "event-title": item.event,
        "event": item.event,  # the CSL 1.0.1 name, which citeproc-js 1.4 and many styles still read
        "keyword": ", ".join(_levels(item)) or None,
    }
    data.update({k: v for k, v in values.items() if v})
    if item.issued:
        data["issued"] = csl_date(item.issued)
    if item.original_date:
        data["original-date"] = csl_date(item.original_date)
    if item.event_date:
        data["event-date"] = csl_date(item.event_date)
    data["custom"] = {
        "chilecite": {
            "notes": [{"note": c.note, "level": c.level.value, **({"quotation": c.quotation} if c.quotation else {})} for c in item.citing],
            "best_level": item.best_level.value if item.best_level else None,
            "provenance": item.provenance(),
            "original_language": work.original_language,
            "is_essay": item.is_essay,
            "devised_title": item.devised,
            "date_edtf": str(item.issued) if item.issued else None,
            "date_is_first_publication": item.dated_by_original,
        }
    }
    return data


def _levels(item: ExportItem) -> list[str]:
    words = list(item.work.keywords)
    if item.best_level:
        words.append(f"chilecite-{item.best_level.value}")
    if item.is_essay:
        words.append("chilecite-essay")
    return words


def export_csl_items(corpus: Corpus, options: ExportOptions = ExportOptions()) -> list[dict]:
    return [csl_item(item) for item in select_items(corpus, options)]


def export_csl_json(corpus: Corpus, options: ExportOptions = ExportOptions()) -> str:
    """The selected works as a CSL-JSON array (UTF-8, sorted by citation key)."""
    return json.dumps(export_csl_items(corpus, options), ensure_ascii=False, indent=2) + "\n"
