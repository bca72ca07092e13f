r"""BibTeX and BibLaTeX export, built through bibtexparser v2's model and writer.

The entry type says what the work is (`common.TYPES`), whatever fields are known: an edited book
with no known publisher is a `@book`, and bibtex's "empty publisher" warning is the honest result.
BibTeX targets the classic styles (plain.bst, apalike.bst); BibLaTeX uses its native types and
fields, UTF-8, ISO 8601/EDTF dates and `langid`. Provenance (which notes cite the work, and how
surely) goes where no style prints it and every importer reads it: `annote` in both (biber maps it
to biblatex's `annotation`; Zotero's BibTeX import reads `annote` and ignores `annotation`). Free
text carries no LaTeX markup (Zotero's import would show `\emph{X}` as `\emphX`): only titles hold
braces, which every reader removes. Titles brace only the words that must keep their capitals
(`casing`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from bibtexparser.library import Library
from bibtexparser.middlewares.parsestack import default_unparse_stack
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat, write

from chilecite.corpus import Corpus
from chilecite.export.casing import ProperNouns, protected_words
from chilecite.export.common import ExportItem, ExportOptions, human_date, select_items
from chilecite.export.latex import escape, organisation, protect_title
from chilecite.models import Agent, Organisation, Person
from chilecite.values import MONTH_MACROS, DateSpan
from chilecite.vocabulary import LANGIDS

Dialect = Literal["bibtex", "biblatex"]


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


def _title(text: str | None, language: str | None, nouns: ProperNouns, *, devised: bool = False, ascii: bool = False) -> str | None:
    if not text:
        return None
    return protect_title(text, protected_words(text, language, nouns, devised=devised), ascii=ascii)


def _item_title(item: ExportItem, nouns: ProperNouns, ascii: bool = False) -> str | None:
    return _title(item.title, item.work.language, nouns, devised=item.devised, ascii=ascii)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _occasion(item: ExportItem) -> str | None:
    """The event in words, with its own dates where the record gives them: `Congreso General,
    Chillán, 24–26 November 1967`."""
    if not item.event:
        return None
    return f"{item.event}, {human_date(item.event_date)}" if item.event_date else item.event


def _howpublished(item: ExportItem, ascii: bool) -> str | None:
    r"""Where a @misc work appeared or was given, in words: its genre, the occasion, the container,
    publisher and place — only what the record holds, as plain text (no `\emph`: importers show
    LaTeX markup in free text as it stands)."""
    work = item.work
    bits = []
    if work.genre:
        bits.append(_capitalise(escape(work.genre, ascii=ascii)))
    if occasion := _occasion(item):
        bits.append(escape(occasion, ascii=ascii) if bits else _capitalise(escape(occasion, ascii=ascii)))
    if work.container_title:
        bits.append(escape(work.container_title, ascii=ascii))
    if item.publisher:
        bits.append(escape(item.publisher, ascii=ascii))
    if item.place:
        bits.append(escape(item.place, ascii=ascii))
    return ", ".join(bits) or None


def _bibtex_fields(item: ExportItem, options: ExportOptions, nouns: ProperNouns) -> tuple[str, dict[str, str | None]]:
    work, ascii = item.work, options.ascii
    parent = item.parent
    bibtype = item.types.bibtex
    f: dict[str, str | None] = {
        "author": _names(item.authors, ascii),
        "editor": _names(item.editors, ascii),
        "title": _item_title(item, nouns, ascii),
        "year": str(item.issued.start.year) if item.issued else None,
        "month": _month(item),
        "isbn": work.isbn,
        "doi": work.doi,
        "url": work.url,
        "pages": work.pages.with_dash("--") if work.pages else None,  # every type: styles that have no use for it ignore it
    }
    if bibtype == "article":
        f["journal"] = escape(work.container_title, ascii=ascii) if work.container_title else None
        f["volume"] = escape(work.volume, ascii=ascii) if work.volume else None
        f["number"] = escape(work.issue, ascii=ascii) if work.issue else None
        if f["number"] and not f["volume"]:
            f["volume"] = f.pop("number")  # a journal numbered by issue only: plain.bst wants a volume
    elif bibtype == "incollection":
        f["booktitle"] = _title(parent.title, parent.work.language, nouns, devised=parent.devised, ascii=ascii) if parent else None
        f["publisher"] = escape(item.publisher, ascii=ascii) if item.publisher else None
        f["address"] = escape(item.place, ascii=ascii) if item.place else None
        f["series"] = escape(parent.work.series, ascii=ascii) if parent and parent.work.series else None
    elif bibtype in ("book", "booklet", "techreport", "phdthesis"):
        f["publisher"] = escape(item.publisher, ascii=ascii) if item.publisher else None
        f["address"] = escape(item.place, ascii=ascii) if item.place else None
        f["edition"] = escape(work.edition, ascii=ascii) if work.edition else None
        f["volume"] = escape(work.volume, ascii=ascii) if work.volume else None
        f["series"] = escape(work.series, ascii=ascii) if work.series else None
        if bibtype == "techreport":
            f["institution"] = f.pop("publisher")
            f["number"] = escape(work.issue, ascii=ascii) if work.issue else None
        elif bibtype == "phdthesis":
            f["school"] = f.pop("publisher")
            f["type"] = _capitalise(escape(work.genre, ascii=ascii)) if work.genre else "Thesis"  # not "PhD thesis" unless known
        elif bibtype == "booklet":
            f["howpublished"] = f.pop("publisher")
    elif bibtype == "misc":
        f["howpublished"] = _howpublished(item, ascii)
    # unpublished: author, title, note, year
    f["note"] = _bibtex_note(item, ascii)
    if f.get("author") and f.get("editor") and bibtype != "incollection":
        # plain.bst takes an author or an editor, not both: the editors are kept in words in the note.
        f["note"] = " ".join(filter(None, [f"Edited by {escape(_plain_names(item.editors), ascii=ascii)}.", f["note"]]))
        f.pop("editor")
    if not f.get("author"):  # plain.bst sorts an entry with no author by `key`, never by editor
        first_editor = item.editors[:1]
        label = first_editor[0].family if first_editor and isinstance(first_editor[0], Person) else None
        f["key"] = escape(label or work.container_title or item.title or item.key, ascii=ascii)
    if f.get("month") and not f.get("year"):
        f.pop("month")
    f["annote"] = escape(item.provenance(), ascii=ascii)
    return bibtype, f


def _month(item: ExportItem) -> str | None:
    """BibTeX `month`: the month macro (`aug`), or a season in words (`Winter`), which plain.bst
    prints before the year as it prints a month ("Winter 1984") and Zotero reads into the date."""
    issued = item.issued
    if issued is None or issued.end:
        return None
    if issued.start.season:
        return issued.start.season.capitalize()
    return MONTH_MACROS[issued.start.month - 1] if issued.start.month else None


def _plain_names(agents: tuple[Agent, ...]) -> str:
    return " and ".join(a.display_name for a in agents)


def _bibtex_note(item: ExportItem, ascii: bool) -> str | None:
    """What a classic style cannot say otherwise and a reader needs: a date finer or vaguer than
    month and year, a first delivery or publication, the language of a non-English text."""
    work = item.work
    extra = []
    issued = item.issued
    if issued and (issued.start.approximate or issued.start.uncertain or issued.end or issued.start.day):
        extra.append(f"Date: {human_date(issued)}.")
    if item.original_date:  # BibTeX has no origdate field: say it in words rather than drop it
        first = "First given" if work.type.value in ("speech", "broadcast") else "First published"
        extra.append(f"{first} {human_date(item.original_date)}.")
    if work.language and work.language != "en":
        extra.append(f"In {LANGIDS.get(work.language, work.language).capitalize()}.")
    return escape(" ".join(extra), ascii=ascii) if extra else None


# The fields biblatex's data model (blx-dm.def, as biber 2.18 ships it) allows for each entry type
# chilecite writes, besides those every type takes (date, origdate, langid, keywords, annote,
# entrysubtype, url, doi, ...). A value with no field in its type is said in `note` instead, so that
# biber reports no invalid field and nothing is dropped. tests/interop checks this table against
# biber's own data model.
# `annote` is biblatex's alias of `annotation`, which biber maps to it (its default source map).
COMMON = frozenset({"date", "origdate", "langid", "keywords", "annote", "entrysubtype", "url", "doi"})
# Kept as fields even where the type has none: readers (Zotero, JabRef, `chilecite import bibtex`)
# take pages and authors from these fields only. No bundled record has either in such a type.
KEPT = frozenset({"pages", "author"})
VALID: dict[str, frozenset[str]] = {
    "article": frozenset("author editor translator title journaltitle series volume number issue pages note origlanguage issn".split()),
    "book": frozenset("author editor translator title edition location publisher series volume number pages note origlanguage isbn".split()),
    "collection": frozenset("editor translator title edition location publisher series volume number pages note origlanguage isbn".split()),
    "incollection": frozenset("author editor translator title booktitle edition location publisher series volume number pages note origlanguage isbn".split()),
    "booklet": frozenset("author editor title howpublished location note pages type".split()),
    "misc": frozenset("author editor title howpublished location note organization type".split()),
    "online": frozenset("author editor title note organization".split()),
    "periodical": frozenset("editor title issue number series volume note issn".split()),
    "report": frozenset("author title institution location number pages type note".split()),
    "thesis": frozenset("author title institution location pages type note".split()),
    "unpublished": frozenset("author title eventtitle eventdate venue howpublished location type note".split()),
}


def _biblatex_fields(item: ExportItem, options: ExportOptions, nouns: ProperNouns) -> tuple[str, dict[str, str | None]]:
    work, parent = item.work, item.parent
    types = item.types
    bibtype = types.biblatex
    allowed = VALID.get(bibtype, frozenset()) | COMMON
    date, season = _date_and_season(item.issued, "issue" in allowed)
    f: dict[str, str | None] = {
        "author": _names(item.authors, False),
        "editor": _names(item.editors, False),
        "translator": _names(item.translators, False),
        "title": _item_title(item, nouns),
        "date": date,
        "origdate": str(item.original_date) if item.original_date else None,
        "langid": LANGIDS.get(work.language or ""),
        "origlanguage": LANGIDS.get(work.original_language or ""),
        "isbn": work.isbn,
        "doi": work.doi,
        "url": work.url,
        # plain words, capitalised: biblatex and pandoc print `type` as it stands, often to open a sentence
        "type": _capitalise(escape(work.genre)) if work.genre else None,
        "eventtitle": escape(item.event) if item.event else None,
        "eventdate": str(item.event_date) if item.event_date else None,
        "publisher": escape(item.publisher) if item.publisher else None,
        "location": escape(item.place) if item.place else None,
        "edition": escape(work.edition) if work.edition else None,
        "series": _biblatex_series(work.series) if work.series else None,
        "volume": escape(work.volume) if work.volume else None,
        "number": escape(work.issue) if work.issue else None,
        "issue": season,  # a season issue, biblatex's field for it: `date = {1984}`, `issue = {Winter}`
        "pages": work.pages.with_dash("--") if work.pages else None,
        "keywords": escape(", ".join(_keywords(item))) or None,
        "annote": escape(item.provenance()),
    }
    if item.event_date and "eventdate" not in allowed:  # said in words with the occasion, in `note`
        f["eventtitle"], f["eventdate"] = escape(_occasion(item) or ""), None
    if bibtype == "article":
        f["entrysubtype"] = types.biblatex_subtype
        f["journaltitle"] = escape(work.container_title) if work.container_title else None
    elif bibtype == "incollection":
        f["booktitle"] = _title(parent.title, parent.work.language, nouns, devised=parent.devised) if parent else None
        f["series"] = escape(parent.work.series) if parent and parent.work.series else None
    elif work.container_title:
        f["howpublished"] = escape(work.container_title)
    if bibtype in ("report", "thesis"):
        f["institution"] = f.pop("publisher")
        f["type"] = f["type"] or bibtype  # biblatex requires it; the record type says this much
    elif bibtype in ("misc", "unpublished") and not f["type"] and types.kind in ("letter", "open-letter", "personal-communication", "interview", "broadcast", "legislation"):
        f["type"] = _capitalise(types.kind.replace("-", " "))  # what the record type says, where the entry type cannot
    return bibtype, _fit(bibtype, f)


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def _biblatex_series(series: str) -> str:
    """biblatex's `series`: a journal's numbered series as the number biblatex prints as an ordinal
    ("second series" -> `2`, printed "2nd ser."), a new or old series as its localisation key; any other
    series as written, capitalised, since biblatex prints it after a full stop."""
    words = series.lower().split()
    if len(words) == 2 and words[1] == "series":
        if words[0] in _ORDINALS:
            return str(_ORDINALS.index(words[0]) + 1)
        if words[0] in ("new", "old"):
            return f"{words[0]}series"
    return _capitalise(escape(series))


def _date_and_season(span: DateSpan | None, issue_field: bool) -> tuple[str | None, str | None]:
    """BibLaTeX `date`, and a season for `issue` where the entry type has that field: `1984-24` is
    `date = {1984}` with `issue = {Winter}`, which every reader takes (Typst's reader prints the
    EDTF season as "n.d."). Elsewhere the EDTF season stays in `date`, which biber reads."""
    if span is None:
        return None, None
    start = span.start
    if not issue_field or not start.season or span.end:
        return str(span), None
    year_only = start.model_copy(update={"season": None})
    return str(year_only), start.season.capitalize()


def _fit(bibtype: str, f: dict[str, str | None]) -> dict[str, str | None]:
    """The fields the data model allows for `bibtype`; any other value is said in words in `note`
    (or, for a publisher, in `howpublished`), so nothing is dropped and biber reports no invalid field."""
    allowed = VALID.get(bibtype, frozenset()) | COMMON
    said: list[str] = []
    out: dict[str, str | None] = {}
    for name, value in f.items():
        if not value or name in allowed or name in KEPT:
            out[name] = value
        elif name == "publisher" and "howpublished" in allowed:
            out["howpublished"] = ", ".join(filter(None, [f.get("howpublished"), value]))
        else:
            said.append(_IN_WORDS[name](value) if name in _IN_WORDS else f"{name.capitalize()}: {value}.")
    if said:
        out["note"] = " ".join(filter(None, [out.get("note"), *said]))
    return out


_IN_WORDS: dict[str, Callable[[str], str]] = {
    "type": lambda v: _capitalise(v) + ".",
    "eventtitle": lambda v: _capitalise(v) + ".",
    "origlanguage": lambda v: f"Translated from {v.capitalize()}.",
    "translator": lambda v: f"Translated by {v}.",
    "edition": lambda v: f"Edition: {v}.",
    "series": lambda v: f"Series: {v}.",
    "volume": lambda v: f"Vol. {v}.",
    "number": lambda v: f"No. {v}.",
    "isbn": lambda v: f"ISBN {v}.",
    "location": lambda v: f"{v}.",
    "howpublished": lambda v: f"{v}.",
}


def _keywords(item: ExportItem) -> list[str]:
    words = list(item.work.keywords)
    if item.best_level:
        words.append(f"chilecite-{item.best_level.value}")
    if item.is_essay:
        words.append("chilecite-essay")
    return words


Builder = Callable[[ExportItem, ExportOptions, ProperNouns], tuple[str, dict[str, str | None]]]


def export_entries(corpus: Corpus, options: ExportOptions, dialect: Dialect) -> list[Entry]:
    build: Builder = _bibtex_fields if dialect == "bibtex" else _biblatex_fields
    nouns = ProperNouns.from_corpus(corpus)
    entries = []
    for item in select_items(corpus, options):
        bibtype, values = build(item, options, nouns)
        if dialect == "bibtex" and (words := _keywords(item)):
            values["keywords"] = escape(", ".join(words), ascii=options.ascii)
        fields = []
        for key, value in values.items():
            if not value:
                continue
            field = Field(key, value)
            if key == "month" and value in MONTH_MACROS:
                field.enclosing = "no-enclosing"  # BibTeX month macros: aug, not {aug}
            fields.append(field)
        entries.append(Entry(bibtype, item.key, fields))
    return entries


# The entries are built here and written once, so the writer may enclose their values in place:
# bibtexparser's default stack deep-copies every block first (about twice as slow).
_UNPARSE_STACK = default_unparse_stack(allow_inplace_modification=True)


def _write(entries: list[Entry], header: str) -> str:
    # bibtexparser annotates `blocks` as `list[Block]`, which `list[Entry]` is not (list is invariant);
    # every Entry is a Block and the library only reads the list.
    library = Library(entries)  # type: ignore[arg-type]
    for middleware in _UNPARSE_STACK:
        library = middleware.transform(library=library)
    fmt = BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    fmt.trailing_comma = True
    return header + write(library, bibtex_format=fmt).strip() + "\n"


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
