"""BibTeX and BibLaTeX export, built through bibtexparser v2's model and writer.

BibTeX targets the classic styles (plain.bst and friends): an entry type is used only when
its required fields are all known, otherwise the work becomes `@misc` with `howpublished`,
so that `bibtex` runs without a warning and nothing is invented to fill a required field.
BibLaTeX uses its native types and fields, UTF-8, ISO 8601/EDTF dates and `langid`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

import bibtexparser
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat

from chilecite.export.common import ExportItem, ExportOptions, is_published_letter, select_items
from chilecite.export.latex import escape, organisation, protect_title
from chilecite.corpus import Corpus
from chilecite.vocabulary import LANGIDS
from chilecite.models import Agent, Organisation, Person, WorkType
from chilecite.values import DateSpan

Dialect = Literal["bibtex", "biblatex"]
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# plain.bst's required fields per entry type (author-or-editor written as "author|editor").
REQUIRED = {
    "article": ("author", "title", "journal", "year"),
    "book": ("author|editor", "title", "publisher", "year"),
    "incollection": ("author", "title", "booktitle", "publisher", "year"),
    "techreport": ("author", "title", "institution", "year"),
    "unpublished": ("author", "title", "note"),
}


def _names(agents: tuple[Agent, ...], ascii: bool) -> str | None:
    """`Family, Given and {Organisation}`: particles before the family name, suffix after it."""
    names = []
    for agent in agents:
        if isinstance(agent, Organisation):
            names.append(organisation(agent.name, ascii=ascii))
            continue
        family = _name_part(agent.family, ascii, group=" " in agent.family)  # two surnames are one unit
        if agent.particle:
            family = f"{_name_part(agent.particle, ascii)} {family}"
        given = _name_part(agent.given, ascii) if agent.given else ""
        if agent.suffix:  # "von Last, Jr, First": an absent First is an empty group, never a trailing comma
            names.append(f"{family}, {_name_part(agent.suffix, ascii)}, {given or '{}'}")
        else:
            names.append(f"{family}, {given}" if given else family)
    return " and ".join(names) or None


_SEPARATOR_RE = re.compile(r",|\band\b", re.IGNORECASE)


def _name_part(text: str, ascii: bool, *, group: bool = False) -> str:
    """One part of a BibTeX name, braced when it holds a comma or the word "and", which BibTeX
    would otherwise read as name separators."""
    escaped = escape(text, ascii=ascii)
    return "{" + escaped + "}" if group or _SEPARATOR_RE.search(text) else escaped


def _howpublished(item: ExportItem, ascii: bool) -> str | None:
    work = item.work
    bits = []
    if work.container_title:
        bits.append(r"\emph{" + escape(work.container_title, ascii=ascii) + "}")
    elif item.parent and item.parent.work.title:
        bits.append("In " + r"\emph{" + protect_title(item.parent.work.title, ascii=ascii) + "}")
    if work.genre:
        bits.append(escape(work.genre, ascii=ascii))
    if work.event:
        bits.append(escape(work.event, ascii=ascii))
    if item.publisher:
        bits.append(escape(item.publisher, ascii=ascii))
    if item.place:
        bits.append(escape(item.place, ascii=ascii))
    return ", ".join(bits) or None


def _bibtex_fields(item: ExportItem, options: ExportOptions) -> tuple[str, dict[str, str]]:
    work, ascii = item.work, options.ascii
    parent = item.parent.work if item.parent else None
    f: dict[str, str | None] = {
        "author": _names(item.authors, ascii),
        "editor": _names(item.editors, ascii),
        "title": protect_title(work.title, ascii=ascii) if work.title else None,
        "year": str(item.issued.start.year) if item.issued else None,
        "month": MONTHS[item.issued.start.month - 1] if item.issued and item.issued.start.month and not item.issued.end else None,
        "volume": escape(work.volume, ascii=ascii) if work.volume else None,
        "number": escape(work.issue, ascii=ascii) if work.issue else None,
        "pages": work.pages.with_dash("--") if work.pages else None,
        "publisher": escape(item.publisher, ascii=ascii) if item.publisher else None,
        "address": escape(item.place, ascii=ascii) if item.place else None,
        "edition": escape(work.edition, ascii=ascii) if work.edition else None,
        "series": escape(work.series, ascii=ascii) if work.series else None,
        "isbn": work.isbn,
        "doi": work.doi,
        "url": work.url,
    }
    bibtype = {
        WorkType.book: "book",
        WorkType.chapter: "incollection",
        WorkType.article_journal: "article",
        WorkType.article_magazine: "article",
        WorkType.report: "techreport",
        WorkType.manuscript: "unpublished",
    }.get(work.type, "misc")
    if bibtype == "article":
        f["journal"] = escape(work.container_title, ascii=ascii) if work.container_title else None
    if bibtype == "incollection":
        f["booktitle"] = protect_title(parent.title, ascii=ascii) if parent and parent.title else None
    if bibtype == "techreport":
        f["institution"] = f.pop("publisher")
    f["note"] = _bibtex_note(item)
    if bibtype in REQUIRED and not all(any(f.get(k) for k in need.split("|")) for need in REQUIRED[bibtype]):
        bibtype = "misc"
    if bibtype == "misc":
        f["howpublished"] = _howpublished(item, ascii)
        for unused in ("journal", "booktitle", "publisher", "address", "volume", "number", "institution"):
            f.pop(unused, None)
    if f.get("author") and f.get("editor"):
        # plain.bst takes one or the other; the editors are kept in words in the note.
        f["note"] = f"Edited by {_plain_names(item.editors)}. " + f["note"]
        f.pop("editor")
    if bibtype == "article" and f.get("number") and not f.get("volume"):
        f["volume"] = f.pop("number")  # a journal numbered by issue only: plain.bst wants a volume
    if not f.get("author"):  # plain.bst sorts @misc by author or key, never by editor
        first_editor = item.editors[:1]
        label = first_editor[0].family if first_editor and isinstance(first_editor[0], Person) else None
        f["key"] = escape(label or work.container_title or work.title or item.key, ascii=ascii)
    if f.get("month") and not f.get("year"):
        f.pop("month")
    f["note"] = escape(f["note"], ascii=ascii)
    return bibtype, {k: v for k, v in f.items() if v}


def _plain_names(agents: tuple[Agent, ...]) -> str:
    return " and ".join(a.display_name for a in agents)


def _bibtex_note(item: ExportItem) -> str:
    work = item.work
    extra = []
    issued = item.issued
    if issued and (issued.start.approximate or issued.start.uncertain or issued.start.season or issued.end or issued.start.day):
        extra.append(f"Date: {_human_date(issued)}.")
    if work.original_date:  # BibTeX has no origdate field: say it in words rather than drop it
        extra.append(f"First published {_human_date(work.original_date)}.")
    if work.language and work.language != "en":
        extra.append(f"In {LANGIDS.get(work.language, work.language).capitalize()}.")
    return " ".join([*extra, item.provenance()])


def _human_date(span: DateSpan) -> str:
    def one(d) -> str:
        month_names = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
        text = str(d.year)
        if d.season:
            text = f"{d.season.capitalize()} {d.year}"
        elif d.month:
            text = f"{month_names[d.month - 1]} {d.year}" if not d.day else f"{d.day} {month_names[d.month - 1]} {d.year}"
        if d.approximate:
            text = "circa " + text
        if d.uncertain:
            text += " (uncertain)"
        return text

    return one(span.start) + (f" to {one(span.end)}" if span.end else "")


def _biblatex_fields(item: ExportItem, options: ExportOptions) -> tuple[str, dict[str, str]]:
    work = item.work
    parent = item.parent.work if item.parent else None
    f: dict[str, str | None] = {
        "author": _names(item.authors, False),
        "editor": _names(item.editors, False),
        "translator": _names(item.translators, False),
        "title": protect_title(work.title) if work.title else None,
        "date": str(item.issued) if item.issued else None,
        "origdate": str(work.original_date) if work.original_date else None,
        "volume": escape(work.volume) if work.volume else None,
        "number": escape(work.issue) if work.issue else None,
        "series": protect_title(work.series) if work.series else None,
        "pages": work.pages.with_dash("--") if work.pages else None,
        "publisher": escape(item.publisher) if item.publisher else None,
        "location": escape(item.place) if item.place else None,
        "edition": escape(work.edition) if work.edition else None,
        "langid": LANGIDS.get(work.language or ""),
        "origlanguage": LANGIDS.get(work.original_language or ""),
        "isbn": work.isbn,
        "doi": work.doi,
        "url": work.url,
        "eventtitle": protect_title(work.event) if work.event else None,
        "type": protect_title(work.genre) if work.genre else None,
        "keywords": ", ".join(_keywords(item)),
        "note": escape(item.provenance()),
    }
    t = work.type
    if t in (WorkType.article_journal, WorkType.article_newspaper, WorkType.article_magazine):
        bibtype = "article"
        f["journaltitle"] = escape(work.container_title) if work.container_title else None
        if t is not WorkType.article_journal:
            f["entrysubtype"] = "newspaper" if t is WorkType.article_newspaper else "magazine"
    elif t is WorkType.chapter:
        bibtype = "incollection"
        if parent:
            f["booktitle"] = protect_title(parent.title) if parent.title else None

    else:
        bibtype = {
            WorkType.book: "book", WorkType.pamphlet: "booklet", WorkType.report: "report", WorkType.letter: "letter",
            WorkType.manuscript: "unpublished", WorkType.thesis: "thesis", WorkType.webpage: "online", WorkType.periodical: "periodical",
            WorkType.speech: "unpublished", WorkType.legislation: "legislation",
        }.get(t, "misc")
        if is_published_letter(work):
            bibtype = "misc"  # pandoc and Zotero read @letter as a private communication
            f["type"] = f["type"] or "letter"
        if parent and parent.title:  # a speech printed in a collection
            f["howpublished"] = "In " + r"\emph{" + protect_title(parent.title) + "}"
        elif work.container_title:
            f["howpublished"] = escape(work.container_title)
        if bibtype == "report" and f["publisher"]:
            f["institution"] = f.pop("publisher")
            f["type"] = f["type"] or "report"
        if bibtype == "report" and not f.get("type"):
            f["type"] = "report"
        if bibtype == "thesis" and not f.get("type"):
            f["type"] = "thesis"
    return bibtype, {k: v for k, v in f.items() if v}


def _keywords(item: ExportItem) -> list[str]:
    words = list(item.work.keywords)
    if item.best_level:
        words.append(f"chilecite-{item.best_level.value}")
    if item.is_essay:
        words.append("chilecite-essay")
    return words


def export_entries(corpus: Corpus, options: ExportOptions, dialect: Dialect) -> list[Entry]:
    build: Callable[[ExportItem, ExportOptions], tuple[str, dict[str, str]]] = _bibtex_fields if dialect == "bibtex" else _biblatex_fields
    entries = []
    for item in select_items(corpus, options):
        bibtype, values = build(item, options)
        if dialect == "bibtex" and (words := _keywords(item)):
            values["keywords"] = escape(", ".join(words), ascii=options.ascii)
        fields = []
        for key, value in values.items():
            field = Field(key, value)
            if key == "month":
                field.enclosing = "no-enclosing"  # BibTeX month macros: aug, not {aug}
            fields.append(field)
        entries.append(Entry(bibtype, item.key, fields))
    return entries


def _write(entries: list[Entry], header: str) -> str:
    library = bibtexparser.Library(entries)
    fmt = BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    fmt.trailing_comma = True
    body = bibtexparser.write_string(library, bibtex_format=fmt)
    return header + body.strip() + "\n"


def export_bibtex(corpus: Corpus, options: ExportOptions = ExportOptions()) -> str:
    """The selected works as BibTeX for the classic styles (UTF-8, or ASCII with `options.ascii`)."""
    return _write(export_entries(corpus, options, "bibtex"), _header("BibTeX", corpus, options))


def export_biblatex(corpus: Corpus, options: ExportOptions = ExportOptions()) -> str:
    """The selected works as BibLaTeX (UTF-8, native types, EDTF dates, langid)."""
    return _write(export_entries(corpus, options, "biblatex"), _header("BibLaTeX", corpus, options))


def _header(kind: str, corpus: Corpus, options: ExportOptions) -> str:
    encoding = "ASCII (LaTeX-encoded)" if options.ascii and kind == "BibTeX" else "UTF-8"
    title = corpus.essay_work.title if corpus.essay_work and corpus.essay_work.title else "the essay"
    # One line of words only: BibTeX reads an `@` anywhere outside entries as the start of one, and a
    # line break would end the comment.
    about = " ".join(re.sub(r"[^\w .,:;'’()-]", " ", f"sources of {corpus.essay_label()}, '{title}'").split())
    return f"% {kind} export of chilecite: {about}. Encoding: {encoding}.\n\n"
