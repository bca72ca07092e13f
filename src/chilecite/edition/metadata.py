"""What the edition's page says about the essay and the works it cites, in the forms reference
managers read from a web page — all from the records, nothing from the templates.

- `essay_facts`: the essay's title, authors, periodical, date, pages and note count, for the
  masthead, the page title and the About section (a second essay's edition names that essay).
- `meta_tags`: Highwire Press `citation_*` tags for the essay, which Zotero's "Embedded Metadata"
  translator (zotero/translators) and Google Scholar read: "Save to Zotero" on the page creates the
  essay's journal article.
- `coins`: an OpenURL ContextObject (Z39.88-2004, KEV) for one work, put in a COinS span
  (`<span class="Z3988" title="…">`) beside each work in the index, which Zotero's "COinS" translator
  reads with `parseContextObject` (zotero/utilities `openurl.js`): every work can be saved.

The KEV format follows what that parser reads: journal articles as `mtx:journal`; books, chapters,
reports and documents as `mtx:book` with `rft.genre` (book, bookitem, report, document); theses as
`mtx:dissertation`; every other type as `mtx:dc` with `rft.type` naming the Zotero item type (as
Zotero's own COinS export writes it), which the parser takes as the item type. Persons are
`rft.au` "Family, Given", organisations `rft.aucorp` (kept whole); editors and translators
`rft.contributor` (KEV has no editor key: a contributor, not an author). Values are
percent-encoded as `encodeURIComponent` would (the parser splits on `&` and `=` and reads `+` as a
space); the templates escape the attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from chilecite.citing import agent_name
from chilecite.corpus import Corpus
from chilecite.export.common import ExportItem, export_item
from chilecite.models import Agent, Organisation
from chilecite.values import DateSpan


@dataclass(frozen=True)
class EssayFacts:
    """The essay as its records describe it (None or empty where they are silent)."""

    title: str | None
    authors: tuple[str, ...]  # display names
    container: str | None  # the periodical or book it appeared in
    series: str | None
    volume: str | None
    issue: str | None
    date: str | None  # as a reader writes it: "winter 1984", "9 August 1973"
    year: int | None
    pages: str | None
    notes: int  # how many notes the essay has (its record says), whether or not each has a record
    url: str | None

    @property
    def author(self) -> str:
        return ", ".join(self.authors)


def essay_facts(corpus: Corpus) -> EssayFacts:
    from chilecite.edition.view import human_date

    essay = corpus.essay
    work = corpus.works.get(essay.key) if essay else None
    if essay is None or work is None:
        return EssayFacts(None, (), None, None, None, None, None, None, None, essay.notes if essay else len(corpus.notes), None)
    return EssayFacts(
        title=work.title or work.devised_title,
        authors=tuple(agent_name(corpus, a) for a in work.authors),
        container=work.container_title or (corpus.works[work.parent].title if work.parent in corpus.works else None),
        series=work.series,
        volume=work.volume,
        issue=work.issue,
        date=human_date(work.issued) if work.issued else None,
        year=work.issued.start.year if work.issued else None,
        pages=str(work.pages) if work.pages else None,
        notes=essay.notes,
        url=work.url or essay.transcription.url,
    )


# --------------------------------------------------------------------------- Highwire Press tags


def _inverted(agent: Agent) -> str:
    """"Family, Given" (the Highwire and KEV convention); an organisation's name whole."""
    if isinstance(agent, Organisation):
        return agent.name
    family = " ".join(p for p in (agent.particle, agent.family) if p)
    return ", ".join(p for p in (family, agent.given, agent.suffix) if p)


def _date(span: DateSpan, separator: str) -> str:
    """The date a single-date field can hold: the date itself, or what both ends of a range share
    (1967-11-24/1967-11-26 is November 1967; 1970/1973 is given by its first year). A season is
    its year (KEV and Highwire dates have no seasons; a journal's ContextObject adds `rft.ssn`)."""
    start, end = span.start, span.end
    year, month, day = start.year, start.month, start.day
    if end is not None:
        month = month if end.year == year and end.month == month else None
        day = day if month and end.day == day else None
    parts = [f"{year:04d}"] + [f"{p:02d}" for p in (month, day if month else None) if p]
    return separator.join(parts)


def meta_tags(corpus: Corpus) -> list[tuple[str, str]]:
    """The essay's `citation_*` tags, (name, content), in the order Google Scholar documents them."""
    if corpus.essay is None or corpus.essay.key not in corpus.works:
        return []
    item = export_item(corpus, corpus.essay.key)
    work = item.work
    tags: list[tuple[str, str | None]] = [("citation_title", item.title)]
    tags += [("citation_author", _inverted(a)) for a in item.authors]
    if item.issued:
        date = _date(item.issued, "/")
        tags += [("citation_publication_date", date), ("citation_date", date)]
    container = work.container_title
    if item.in_book and item.parent is not None:
        tags.append(("citation_book_title", item.parent.title))
    elif container and work.type.value.startswith("article"):
        tags.append(("citation_journal_title", container))
    tags += [("citation_series_title", work.series), ("citation_volume", work.volume), ("citation_issue", work.issue),
             ("citation_firstpage", work.pages.first if work.pages else None), ("citation_lastpage", work.pages.last if work.pages else None),
             ("citation_publisher", item.publisher),
             ("citation_isbn", work.isbn), ("citation_doi", work.doi), ("citation_language", work.language),
             ("citation_public_url", work.url or corpus.essay.transcription.url)]
    return [(name, value) for name, value in tags if value]


# --------------------------------------------------------------------------- COinS


_BOOK_GENRES = {"book": "book", "bookSection": "bookitem", "report": "report", "document": "document"}


def _kev(value: str) -> str:
    """Percent-encoded as `encodeURIComponent` does (`quote` keeps fewer characters; both decode alike)."""
    return quote(value, safe="-_.!~*'()", errors="replace")


def coins(corpus: Corpus, key: str) -> str:
    """The OpenURL ContextObject (KEV) of one work, for a COinS span."""
    return "&".join(f"{name}={_kev(value)}" for name, value in coins_fields(export_item(corpus, key)))


def coins_fields(item: ExportItem) -> list[tuple[str, str]]:
    """The ContextObject's keys and values, in order, before encoding."""
    work = item.work
    zotero = item.types.zotero
    title = item.title or ""
    book_title = item.parent.title if item.in_book and item.parent is not None else None
    fields: list[tuple[str, str | None]] = [("ctx_ver", "Z39.88-2004")]
    if work.doi:
        fields.append(("rft_id", f"info:doi/{work.doi}"))
    if work.url:
        fields.append(("rft_id", work.url))
    if zotero == "journalArticle":
        fields += [("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"), ("rft.genre", "article"), ("rft.atitle", title),
                   ("rft.jtitle", work.container_title), ("rft.volume", work.volume), ("rft.issue", work.issue)]
        if item.issued and item.issued.start.season and item.issued.end is None:
            fields.append(("rft.ssn", item.issued.start.season))
    elif zotero in _BOOK_GENRES:
        fields += [("rft_val_fmt", "info:ofi/fmt:kev:mtx:book"), ("rft.genre", _BOOK_GENRES[zotero])]
        if zotero == "bookSection":
            fields += [("rft.atitle", title), ("rft.btitle", book_title or work.container_title)]
        elif zotero == "document":
            fields.append(("rft.title", title))  # the parser reads btitle only for books and reports
        else:
            fields.append(("rft.btitle", title))
        series = (item.parent.work.series if item.parent is not None else None) if zotero == "bookSection" else work.series
        fields += [("rft.place", item.place), ("rft.pub", item.publisher), ("rft.edition", work.edition), ("rft.series", series)]
    elif zotero == "thesis":
        fields += [("rft_val_fmt", "info:ofi/fmt:kev:mtx:dissertation"), ("rft.title", title), ("rft.inst", item.publisher)]
    else:
        fields += [("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"), ("rft.type", zotero), ("rft.title", title),
                   ("rft.source", work.container_title or book_title), ("rft.publisher", item.publisher)]
    for agent in item.authors:
        fields.append(("rft.aucorp", agent.name) if isinstance(agent, Organisation) else ("rft.au", _inverted(agent)))
    fields += [("rft.contributor", _inverted(a)) for a in (*item.editors, *item.translators)]
    if item.issued:
        fields.append(("rft.date", _date(item.issued, "-")))
    if work.pages:
        fields += [("rft.pages", work.pages.with_dash("-")), ("rft.spage", work.pages.first), ("rft.epage", work.pages.last)]
    fields += [("rft.isbn", work.isbn), ("rft.language", work.language)]
    return [(name, value) for name, value in fields if value]
