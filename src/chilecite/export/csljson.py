"""CSL-JSON export: valid against the official CSL 1.0.2 input schema; `id` is the citation key."""

from __future__ import annotations

import json

from chilecite.export.common import ExportItem, ExportOptions, is_published_letter, person_parts, select_items
from chilecite.corpus import Corpus
from chilecite.values import DateSpan

SEASON_NUMBERS = {"spring": 1, "summer": 2, "autumn": 3, "winter": 4}


def csl_date(span: DateSpan) -> dict:
    """`{"date-parts": [[1973, 8, 9]]}`, with `season` and `circa` where they apply."""
    date: dict = {"date-parts": [span.start.date_parts()] + ([span.end.date_parts()] if span.end else [])}
    if span.start.season:
        date["season"] = SEASON_NUMBERS[span.start.season]
    if span.start.approximate:
        date["circa"] = True
    if span.start.uncertain or span.start.season or span.start.approximate:
        date["raw"] = str(span)  # the EDTF form, for processors that read it
    return date


def csl_item(item: ExportItem) -> dict:
    work = item.work
    parent = item.parent.work if item.parent else None
    # CSL 1.0.2 has no `letter` type: a private letter is a personal communication; an open or
    # printed letter is a `document`, so that styles do not drop it from the bibliography.
    csl_type = work.type.value
    if csl_type == "letter":
        csl_type = "document" if is_published_letter(work) else "personal_communication"
    data: dict = {"id": item.key, "citation-key": item.key, "type": csl_type}
    for role, agents in (("author", item.authors), ("editor", item.editors), ("translator", item.translators)):
        if agents:
            data[role] = [person_parts(a) for a in agents]
    container = work.container_title or (parent.title if parent else None)
    values = {
        "title": work.title,
        "container-title": container,
        "collection-title": work.series if work.type.value not in ("article-journal", "article-newspaper", "article-magazine") else None,
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
        "genre": work.genre or ("letter" if work.type.value == "letter" else None),
        "event-title": work.event,
        "event": work.event,  # the CSL 1.0.1 name, which citeproc-js 1.4 and many styles still read
        "note": item.provenance(),
    }
    data.update({k: v for k, v in values.items() if v})
    issued = item.issued
    if issued:
        data["issued"] = csl_date(issued)
    if work.original_date:
        data["original-date"] = csl_date(work.original_date)
    data["custom"] = {
        "chilecite": {
            "notes": [{"note": c.note, "level": c.level.value, **({"quotation": c.quotation} if c.quotation else {})} for c in item.citing],
            "best_level": item.best_level.value if item.best_level else None,
            "original_language": work.original_language,
            "is_essay": item.is_essay,
            "date_edtf": str(issued) if issued else None,
        }
    }
    return data


def export_csl_items(corpus: Corpus, options: ExportOptions = ExportOptions()) -> list[dict]:
    return [csl_item(item) for item in select_items(corpus, options)]


def export_csl_json(corpus: Corpus, options: ExportOptions = ExportOptions()) -> str:
    """The selected works as a CSL-JSON array (UTF-8, sorted by citation key)."""
    return json.dumps(export_csl_items(corpus, options), ensure_ascii=False, indent=2) + "\n"
