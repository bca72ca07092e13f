"""BibTeX fields -> a work's data: one table for the plain fields, one named helper for each special case.

`FIELDS` is the table: (target, source fields, converter). The first source present gives the
target; a later one with a different value, or a value the converter refuses, is reported (CC070).
The cases a table row cannot say are the helpers, each reading only its own fields: `entry_type`
(entry type, `entrysubtype`, `type`, and `eventtitle` for a talk), `names`, `title` (+ `subtitle`; a
title that is one bracketed phrase is a devised title), `howpublished` (journal or URL; free text in
chilecite's own BibTeX export), `comment` (`note`, `annote`, `annotation` joined), `edtf_dates` and
`year_month_day` (dates; a season, BibLaTeX's `issue = {Winter}` or BibTeX's `month = {Winter}`,
is the season of the date), `keywords` (without chilecite's export markers) and `parent_refs`
(`crossref`, `xref`, `booktitle`). `map_entry` runs them in order.

chilecite's own exports are read as what they are (`chilecite.export.bibtex` writes them): the file's
header comment (`% BibTeX export of chilecite`, `% BibLaTeX export of chilecite`) says which, and an
entry of a file without the header is taken for one of the BibTeX export when its keywords hold
chilecite's markers (`chilecite-stated`, ...) and it has none of the fields only the BibLaTeX export
writes (`BIBLATEX_ONLY`). Only `howpublished` is read differently (see `howpublished`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chilecite.importing.agents import (
    NAME_FIELDS,
    AgentBook,
    agent_from_name,
    split_names,
)
from chilecite.importing.fields import EntryFields
from chilecite.importing.problems import short
from chilecite.models import WorkType
from chilecite.rules import importing as I
from chilecite.values import MONTH_MACROS, MONTHS, SEASON_CODES, DateSpan, PageSpan
from chilecite.vocabulary import LANGIDS, fold

_W = WorkType
ENTRY_TYPES: dict[str, WorkType] = {
    "article": _W.article_journal,
    **dict.fromkeys(("book", "mvbook", "collection", "mvcollection", "proceedings", "mvproceedings", "reference", "mvreference"), _W.book),
    **dict.fromkeys(("incollection", "inbook", "inproceedings", "bookinbook", "inreference", "suppbook", "suppcollection"), _W.chapter),
    "booklet": _W.pamphlet,
    "periodical": _W.periodical,
    "legislation": _W.legislation,
    "misc": _W.document,
    "unpublished": _W.manuscript,
    "report": _W.report,
    "techreport": _W.report,
    "letter": _W.letter,
    **dict.fromkeys(("online", "www", "electronic"), _W.webpage),
    **dict.fromkeys(("thesis", "phdthesis", "mastersthesis"), _W.thesis),
}
BOOK_TYPES = frozenset(k for k, v in ENTRY_TYPES.items() if v is _W.book)
ENTRY_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "master's thesis"}
# BibLaTeX's localisation keys for `type`.
TYPE_WORDS = {"phdthesis": "PhD thesis", "mathesis": "MA thesis", "candthesis": "candidate thesis", "techreport": "technical report",
              "resreport": "research report", "software": "software", "datacd": "CD-ROM", "audiocd": "audio CD"}
SUBTYPES = {"newspaper": _W.article_newspaper, "magazine": _W.article_magazine}
# What a @misc is when its `type` (or BibLaTeX `entrysubtype`) says so, folded; chilecite's BibLaTeX
# export writes these words, Better BibTeX `entrysubtype = interview` or `broadcast`. Any other `type`
# is the genre; a `type` with the word `letter` in it (`circular letter`) makes a letter too.
MISC_KINDS = {"interview": _W.interview, "letter": _W.letter, "open letter": _W.letter, "broadcast": _W.broadcast,
              "radio broadcast": _W.broadcast}
_LETTER_RE = re.compile(r"\bletter\b", re.IGNORECASE)
# Where chilecite's own BibTeX export puts what it writes in `howpublished` (chilecite.export.bibtex):
# a @booklet's publisher; in a @misc a composition of genre, occasion, container, publisher and place,
# which is free text, so the comment.
CHILECITE_HOWPUBLISHED = {"booklet": "publisher"}
# Free text that goes to the comment, in this order (see `comment`).
COMMENT_SOURCES = ("note", "annote", "annotation")
_MARKER_RE = re.compile(r"(?:^|[,;])\s*chilecite-")
# Fields chilecite's BibLaTeX export may write and its BibTeX export never does: an entry with one of
# them is not of the BibTeX export (both write the provenance in `annote`).
BIBLATEX_ONLY = ("annotation", "date", "origdate", "eventdate", "langid", "origlanguage", "journaltitle", "location", "eventtitle", "entrysubtype")
_CLOSING = "\"'”’)]"  # after a sentence's full stop
MONTH_NAMES = tuple(name.lower() for name in MONTHS)
LANGUAGES = {
    **{name: code for code, name in LANGIDS.items()},
    **dict.fromkeys(("american", "british", "usenglish", "ukenglish", "canadian", "australian", "newzealand"), "en"),
    "castilian": "es", "espanol": "es", "ngerman": "de", "austrian": "de", "naustrian": "de", "swissgerman": "de", "nswissgerman": "de",
    "francais": "fr", "acadian": "fr", "brazil": "pt", "brazilian": "pt", "portuges": "pt", "catalan": "ca", "dutch": "nl",
    "polish": "pl", "latin": "la", "greek": "el", "swedish": "sv", "danish": "da", "norsk": "nb", "nynorsk": "nn", "czech": "cs",
    "hungarian": "hu", "magyar": "hu", "turkish": "tr", "ukrainian": "uk", "basque": "eu", "galician": "gl", "romanian": "ro",
    "finnish": "fi", "chinese": "zh", "japanese": "ja", "arabic": "ar", "hebrew": "he", "serbian": "sr", "croatian": "hr",
}
SHORT_VALUE = 64  # a page range, a date, a year or a language is never longer: longer is not one
_BCP47_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_YEAR_RE = re.compile(r"[0-9]{4}")
_YEARS_RE = re.compile(r"([0-9]{4})\s*(?:--|–|—|-|/)\s*([0-9]{4})")
_SMALL_NUMBER_RE = re.compile(r"[0-9]{1,4}")
_URL_RE = re.compile(r"^<?(https?://\S+?)>?$")
_URL_COMMAND_RE = re.compile(r"^\\url\{(.*)\}$")
_DOI_PREFIX_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


# --------------------------------------------------------------------------- converters


def language(value: str) -> str:
    """A BibLaTeX language name (`spanish`) or a BCP 47 tag (`es`, `en-GB`) as a BCP 47 tag."""
    value = value.strip()
    if value.lower() in LANGUAGES:
        return LANGUAGES[value.lower()]
    head, _, rest = value.partition("-")
    tag = head.lower() + ("-" + rest if rest else "")
    if len(value) <= SHORT_VALUE and _BCP47_RE.match(tag):
        return tag
    raise ValueError("is not a language chilecite knows (write a BCP 47 tag such as es)")


def pages(value: str) -> PageSpan:
    if len(value) <= SHORT_VALUE:
        try:
            return PageSpan.parse(value)
        except ValueError:
            pass
    raise ValueError("is not a page or page range")


def url(value: str) -> str:
    return _URL_COMMAND_RE.sub(r"\1", value)


def doi(value: str) -> str:
    return _DOI_PREFIX_RE.sub("", value)


def small_number(value: str) -> int | None:
    """An ASCII number of at most four digits (a year, a month, a day), or None."""
    return int(value) if _SMALL_NUMBER_RE.fullmatch(value.strip()) else None


def month(value: str) -> int | None:
    lowered = value.strip().lower().rstrip(".")
    if (number := small_number(lowered)) is not None:
        return number if 1 <= number <= 12 else None
    if lowered in MONTH_NAMES:
        return MONTH_NAMES.index(lowered) + 1
    if lowered[:3] in MONTH_MACROS and len(lowered) in (3, 4):  # `aug`, `sept`
        return MONTH_MACROS.index(lowered[:3]) + 1
    return None


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class FieldRule:
    """One row of the mapping: the first of `sources` present goes to `target` through `convert`
    (which raises ValueError saying why a value does not fit). `verbatim` sources are not LaTeX decoded."""

    target: str
    sources: tuple[str, ...]
    convert: Callable[[str], Any] = str
    verbatim: bool = False


FIELDS: tuple[FieldRule, ...] = (
    FieldRule("container_title", ("journaltitle", "journal")),
    FieldRule("volume", ("volume",)),
    FieldRule("issue", ("number",)),
    FieldRule("edition", ("edition",)),
    FieldRule("series", ("series",)),
    FieldRule("publisher", ("publisher", "institution", "school", "organization")),
    FieldRule("place", ("location", "address")),
    FieldRule("event", ("eventtitle",)),
    FieldRule("isbn", ("isbn",)),
    FieldRule("url", ("url",), url, verbatim=True),
    FieldRule("doi", ("doi",), doi, verbatim=True),
    FieldRule("pages", ("pages",), pages),
    FieldRule("language", ("langid", "language"), language),
    FieldRule("original_language", ("origlanguage",), language),
)
SPECIAL = ("entrysubtype", "type", "title", "subtitle", "howpublished", *COMMENT_SOURCES, "date", "origdate", "eventdate", "year", "month", "day", "issue",
           "keywords",
           "crossref", "xref", "booktitle", *(bibfield for bibfield, _ in NAME_FIELDS))
MAPPED: frozenset[str] = frozenset({name for rule in FIELDS for name in rule.sources} | set(SPECIAL))
"""Every field the mapping may read: these are checked against the limits; the others only reported."""


@dataclass
class Mapped:
    """An entry mapped to a work's data, but for its key and parent, with where each value came from."""

    fields: EntryFields
    data: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # model field -> BibTeX field
    crossref: tuple[str, str] | None = None  # (key, BibTeX field): crossref or xref
    booktitle: str | None = None  # a chapter's book title, to find its parent by
    export: str | None = None  # "bibtex" or "biblatex" when the file's header says it is chilecite's export
    comments: list[tuple[str, str]] = field(default_factory=list)  # (BibTeX field, text) for the comment, in order

    def set(self, target: str, value: Any, source: str) -> None:
        self.data[target], self.origin[target] = value, source

    def set_first(self, target: str, value: Any, source: str) -> None:
        """Set `target` unless a field read before set it; a different second value is reported."""
        if target not in self.data:
            self.set(target, value, source)
        elif self.data[target] != value:
            self.fields.unmapped(source, f"'{short(value)}' is a second value for {target} ({self.origin[target]} is already used)")


def map_entry(fields: EntryFields, agents: AgentBook, export: str | None = None) -> Mapped:
    """Map one checked entry (of chilecite's `export`, "bibtex" or "biblatex", when the file's header
    says so). Every field is either in the result or reported."""
    mapped = Mapped(fields, export=export)
    entry_type(mapped)
    names(mapped, agents)
    title(mapped)
    apply_table(mapped)
    howpublished(mapped)
    comment(mapped)
    edtf_dates(mapped)
    year_month_day(mapped)
    season_issue(mapped)
    keywords(mapped)
    parent_refs(mapped)
    fields.report_unused()
    return mapped


def apply_table(mapped: Mapped) -> None:
    fields = mapped.fields
    for rule in FIELDS:
        for name in rule.sources:
            value = fields.verbatim(name) if rule.verbatim else fields.text(name)
            if value is None:
                continue
            try:
                converted = rule.convert(value)
            except ValueError as exc:
                fields.unmapped(name, f"'{short(value)}' {exc}")
                continue
            mapped.set_first(rule.target, converted, name)


# --------------------------------------------------------------------------- the special cases


def entry_type(mapped: Mapped) -> None:
    """The work type from the entry type, refined by BibLaTeX's `entrysubtype` (articles, @misc), `type`
    (@misc: `MISC_KINDS`; otherwise the genre) and `eventtitle` (an @unpublished talk is a speech)."""
    fields = mapped.fields
    etype = fields.entry.type
    wtype = ENTRY_TYPES.get(etype)
    if wtype is None:
        wtype = _W.document
        fields.report.problem(I.UNMAPPED, f"entry type @{etype} has no chilecite type; imported as document",
                              fields.entry.line, fields.key)
    kind = fields.text("type")
    if etype == "article":
        wtype = _article_kind(fields, wtype)
    elif etype == "misc":
        wtype = _misc_kind(fields, kind)
    elif etype == "unpublished" and fields.filled("eventtitle"):
        wtype = _W.speech  # biblatex's talk, and Better BibTeX's presentation: `@unpublished` with `eventtitle`
    genre = TYPE_WORDS.get(kind.lower(), kind) if kind else ENTRY_GENRES.get(etype)
    if genre and fold(genre) not in (fold(wtype.value), fold(etype)):
        mapped.set("genre", genre, "type")
    mapped.data["type"] = wtype


def _article_kind(fields: EntryFields, wtype: WorkType) -> WorkType:
    """`entrysubtype = newspaper` or `magazine`; a journal's name is never used to guess."""
    subtype = fields.text("entrysubtype")
    if subtype is None:
        return wtype
    if subtype.lower() in SUBTYPES:
        return SUBTYPES[subtype.lower()]
    fields.unmapped("entrysubtype", f"'{short(subtype)}' is not newspaper or magazine")
    return wtype


def _misc_kind(fields: EntryFields, kind: str | None) -> WorkType:
    """A @misc is an interview, a letter or a broadcast when its `entrysubtype` or `type` says so (the
    first that does); otherwise a document. An `entrysubtype` that says none of these is reported."""
    subtype = fields.text("entrysubtype")
    if subtype is not None and fold(subtype) not in MISC_KINDS:
        fields.unmapped("entrysubtype", f"'{short(subtype)}' is not one of {', '.join(MISC_KINDS)}")
    for word in (subtype, kind):
        if word is not None and fold(word) in MISC_KINDS:
            return MISC_KINDS[fold(word)]
    if kind and _LETTER_RE.search(kind):
        return _W.letter
    return _W.document


def names(mapped: Mapped, agents: AgentBook) -> None:
    """`author`, `editor`, `translator` -> agent ids (agents new to the corpus are added to `agents`)."""
    for bibfield, role in NAME_FIELDS:
        value = mapped.fields.raw(bibfield)
        if value is not None and (ids := _agent_ids(mapped.fields, bibfield, value, agents)):
            mapped.set(role, ids, bibfield)


def _agent_ids(fields: EntryFields, bibfield: str, value: str, agents: AgentBook) -> list[str]:
    def decode(text: str) -> str:
        return fields.decoded(text, bibfield)

    def complain(message: str) -> None:
        fields.unmapped(bibfield, message, imported=True)

    found = (agent_from_name(raw, decode, complain) for raw in split_names(value))
    return [agents.add(agent) for agent in found if agent is not None]


def title(mapped: Mapped) -> None:
    """`title`, then `subtitle` after a colon. A title that is, once decoded, one phrase in square
    brackets (`[{Radio} broadcast from {La Moneda}]`) is a devised title, as chilecite's exports write
    one (RDA 2.3.2.11); the importer checks that the record supports it (CC066) and, if it does not,
    reports it and devises one from the entry's own fields instead."""
    parts = [t for t in (mapped.fields.text("title"), mapped.fields.text("subtitle")) if t]
    if not parts:
        return
    text = ": ".join(parts)
    mapped.set("devised_title" if devised(text) else "title", text, "title")


def devised(text: str) -> bool:
    """Whether a title is one phrase in square brackets, as the validator wants a devised title (CC065)."""
    return text.startswith("[") and text.endswith("]") and text.count("[") == text.count("]") == 1 and bool(text[1:-1].strip())


def sentence(text: str) -> str:
    """The text ended with a full stop, unless it ends with one already (or with ! ? …, before closing quotes or brackets)."""
    return text if text.rstrip(_CLOSING)[-1:] in (".", "!", "?", "…") else text + "."


def chilecite_bibtex(mapped: Mapped) -> bool:
    """Whether the entry comes from chilecite's BibTeX export: the file's header says so, or (a file
    without chilecite's header) its keywords hold chilecite's markers and it has none of `BIBLATEX_ONLY`."""
    if mapped.export is not None:
        return mapped.export == "bibtex"
    words = mapped.fields.raw("keywords")
    return bool(words and _MARKER_RE.search(words)) and not any(mapped.fields.has(name) for name in BIBLATEX_ONLY)


def howpublished(mapped: Mapped) -> None:
    """A bare URL is the url (unless there is one). In chilecite's own BibTeX export, a @booklet's
    `howpublished` is its publisher and a @misc's is the genre, occasion, container, publisher and place
    in words (`Radio broadcast, Last broadcast from La Moneda, Santiago, during the coup`): free text,
    which goes to the comment (`CHILECITE_HOWPUBLISHED`). Otherwise the text is the container, when
    there is none."""
    how = mapped.fields.text("howpublished")
    if how is None:
        return
    if (match := _URL_RE.match(how)) and "url" not in mapped.data and not mapped.fields.has("url"):
        mapped.set("url", match.group(1), "howpublished")
    elif chilecite_bibtex(mapped):
        target = CHILECITE_HOWPUBLISHED.get(mapped.fields.entry.type, "comment")
        if target == "comment":
            mapped.comments.append(("howpublished", how))
        else:
            mapped.set_first(target, how, "howpublished")
    elif "container_title" not in mapped.data:
        mapped.set("container_title", how, "howpublished")
    else:
        mapped.fields.unmapped("howpublished", f"'{short(how)}' has no place beside the journal")


def comment(mapped: Mapped) -> None:
    """The free text of the entry -> comment: chilecite's BibTeX `howpublished` (see `howpublished`),
    `note`, `annote` (BibTeX) and `annotation` (BibLaTeX), where chilecite's exports write which notes
    cite the work and how surely. One of them is the comment as it stands; several are joined in that
    order as sentences, each ended with a full stop when it has no closing punctuation, separated by a
    space (`Party programme. Date: 17 December 1969. Cited in ...`); a text equal to an earlier one is
    left out."""
    parts = list(mapped.comments)
    for name in COMMENT_SOURCES:
        if (text := mapped.fields.text(name)) is not None:
            parts.append((name, text))
    texts = list(dict.fromkeys(text for _, text in parts))
    if not texts:
        return
    joined = texts[0] if len(texts) == 1 else " ".join(sentence(t) for t in texts)
    mapped.set("comment", joined, parts[0][0])


def edtf_dates(mapped: Mapped) -> None:
    """`date` -> issued, `origdate` -> original_date and `eventdate` -> event_date, as EDTF (`1973-08-09`,
    `1973~`, `1970/1973`)."""
    for target, name in (("issued", "date"), ("original_date", "origdate"), ("event_date", "eventdate")):
        value = mapped.fields.verbatim(name)
        if value is None:
            continue
        try:
            if len(value) > SHORT_VALUE:
                raise ValueError("too long for a date")
            if value.startswith("/") or value.endswith("/"):
                raise ValueError("an open-ended range has no end to record")
            mapped.set(target, DateSpan.parse(value), name)
        except ValueError as exc:
            mapped.fields.unmapped(name, f"'{short(value)}' is not a date chilecite can record ({exc})")


def year_month_day(mapped: Mapped) -> None:
    """`year` (a year or a range), `month` (number, name or macro) and `day` -> issued, unless `date` gave it
    (then they must agree with it)."""
    fields = mapped.fields
    year, month_, day = (fields.verbatim(name) for name in ("year", "month", "day"))
    if "issued" in mapped.data:
        _agree_with_date(mapped, year, month_, day)
    elif year is None:
        _without_year(fields, month_, day, "without a year")
    elif match := _YEARS_RE.fullmatch(year):
        mapped.set("issued", DateSpan.parse(f"{match.group(1)}/{match.group(2)}"), "year")
        _without_year(fields, month_, day, f"cannot go with the year range {year}")
    elif not _YEAR_RE.fullmatch(year):
        fields.unmapped("year", f"'{short(year)}' is not a year")
        _without_year(fields, month_, day, "without a usable year")
    else:
        mapped.set("issued", DateSpan.parse(_year_month_day_text(fields, year, month_, day)), "year")


def _without_year(fields: EntryFields, month_: str | None, day: str | None, why: str) -> None:
    for name, value in (("month", month_), ("day", day)):
        if value is not None:
            fields.unmapped(name, f"'{short(value)}' {why}")


def _year_month_day_text(fields: EntryFields, year: str, month_: str | None, day: str | None) -> str:
    text = year
    if month_ is not None and (code := season(month_)) is not None and day is None:
        return f"{year}-{code}"  # `month = {Winter}`, as chilecite's BibTeX export writes a season
    number = month(month_) if month_ is not None else None
    if month_ is not None and number is None:
        fields.unmapped("month", f"'{short(month_)}' is not a month")
    if number is None:
        if day is not None:
            fields.unmapped("day", f"'{short(day)}' without a month")
        return text
    text += f"-{number:02d}"
    if day is not None:
        if (number := small_number(day)) is not None and _valid_date(f"{text}-{number:02d}"):
            return f"{text}-{number:02d}"
        fields.unmapped("day", f"'{short(day)}' is not a day of {text}")
    return text


def season(value: str) -> int | None:
    """The EDTF code of a season's name (`Winter` -> 24), or None."""
    lowered = value.strip().lower()
    return SEASON_CODES.get("autumn" if lowered == "fall" else lowered)


def season_issue(mapped: Mapped) -> None:
    """BibLaTeX `issue`: a season's name (`Winter`) is the season of a date known to the year
    (`date = {1984}` -> 1984-24); any other value is the issue, unless `number` gave one."""
    value = mapped.fields.text("issue")
    if value is None:
        return
    issued = mapped.data.get("issued")
    code = season(value)
    if code is not None and issued is not None and not issued.end and issued.start.month is None and issued.start.season is None:
        start = issued.start
        flag = {(True, True): "%", (True, False): "?", (False, True): "~"}.get((start.uncertain, start.approximate), "")
        mapped.set("issued", DateSpan.parse(f"{start.year:04d}-{code}{flag}"), "issue")
    else:
        mapped.set_first("issue", value, "issue")


def _agree_with_date(mapped: Mapped, year: str | None, month_: str | None, day: str | None) -> None:
    start = mapped.data["issued"].start
    for name, value, known in (("year", year, start.year), ("month", month_, start.month), ("day", day, start.day)):
        if value is not None and (month(value) if name == "month" else small_number(value)) != known:
            mapped.fields.unmapped(name, f"'{short(value)}' disagrees with date {mapped.data['issued']}")


def _valid_date(text: str) -> bool:
    try:
        DateSpan.parse(text)
    except ValueError:
        return False
    return True


def keywords(mapped: Mapped) -> None:
    """`keywords`, split at commas and semicolons; chilecite's own export markers (`chilecite-stated`) are not subjects."""
    words = mapped.fields.text("keywords")
    if words is None:
        return
    listed = list(dict.fromkeys(w.strip() for w in re.split(r"[,;]", words) if w.strip()))
    markers = [w for w in listed if w.startswith("chilecite-")]
    if markers:
        mapped.fields.unmapped("keywords", f"{short(', '.join(markers))} are chilecite's export markers, not subjects", imported=True)
    if rest := [w for w in listed if w not in markers]:
        mapped.set("keywords", rest, "keywords")


def parent_refs(mapped: Mapped) -> None:
    """`crossref` or `xref` (the first; a second is reported) and, for a chapter, `booktitle`: resolved later."""
    fields = mapped.fields
    for name in ("crossref", "xref"):
        ref = fields.verbatim(name)
        if ref is None:
            continue
        if mapped.crossref is None:
            mapped.crossref = (ref, name)
        else:
            fields.unmapped(name, f"a second parent reference ('{short(ref)}')")
    if mapped.data["type"] is _W.chapter:
        mapped.booktitle = fields.text("booktitle")
