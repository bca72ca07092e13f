"""Importing BibTeX and BibLaTeX entries (Zotero with Better BibTeX, JabRef) as work and agent records.

`import_bibtex` is pure: it parses the text, maps each entry to a `Work` and the agents it needs,
and returns the records' YAML with every problem met. Nothing is dropped silently: a field with no
place in a chilecite work is reported (CC070), an entry that cannot be parsed is reported with its
line (CC071) while the others still import, and an entry whose key is taken or not in the agreed
form is imported under a new key and reported (CC072).

Mapping (entry types are case-insensitive; `@x` is an entry type, `x` a field):

- `@article` -> article-journal; with `entrysubtype = newspaper` -> article-newspaper, `magazine` ->
  article-magazine. A journal's name is never used to guess that it is a newspaper.
- `@book`, `@mvbook`, `@collection`, `@mvcollection`, `@proceedings`, `@reference` -> book;
  `@booklet` -> pamphlet; `@periodical` -> periodical; `@legislation` -> legislation.
- `@incollection`, `@inbook`, `@inproceedings`, `@bookinbook`, `@inreference` -> chapter. Its `parent`
  is set only when the book exists as an entry: `crossref`/`xref` naming an entry of the file or a
  corpus work, or a `booktitle` equal (accents and case aside) to the title of exactly one book entry
  of the file or book work of the corpus. Otherwise `booktitle` is reported. Editors, publisher and
  place equal to the parent's are left to the parent.
- `@misc` -> document (letter when its `type` says letter); `@unpublished` -> manuscript;
  `@report`, `@techreport` -> report; `@letter` -> letter; `@online`, `@www`, `@electronic` -> webpage;
  `@thesis`, `@phdthesis`, `@mastersthesis` -> thesis (genre `PhD thesis`, `master's thesis`).
  Any other entry type -> document, reported.
- `title` (+ `subtitle` after a colon) -> title, LaTeX decoded, case-protection braces removed;
  `journaltitle`/`journal` -> container_title (`howpublished` too, when there is none; a bare URL
  there -> url); `volume`; `number` (or `issue`) -> issue; `edition`; `series`; `publisher` (or
  `institution`, `school`, `organization`); `location`/`address` -> place; `pages` -> pages (`--` and
  `-` become an en dash); `date` (EDTF: `1973-08-09`, `1973~`, `1970/1973`, `1984-24`) or
  `year`/`month` (number, name or macro)/`day` -> issued; `origdate` -> original_date;
  `langid`/`language` -> language and `origlanguage` -> original_language as BCP 47 (`spanish` -> `es`);
  `url`, `doi` (a `https://doi.org/` prefix removed), `isbn`; `keywords` (split at commas and
  semicolons) -> keywords; `note` -> comment; `eventtitle` -> event; `type` -> genre.
- `author`, `editor`, `translator` -> agents. A name in its own brace group (`{Partido Socialista de
  Chile}`, `author = {{...}}` in the file) is an Organisation; any other name is a Person split the
  BibTeX way: family (last), given (first), particle (von: `de la Fuente, Juan`), suffix (jr). An agent
  whose folded name (or organisation short name) matches a corpus agent is that agent; a new one gets
  the id `family-given` (`de-la-fuente-juan`), an organisation a slug of its name.
- The entry's key is kept when it matches `chilecite.vocabulary.KEY_RE` and is free; otherwise a key is
  proposed in the agreed Better BibTeX style: the first author's family name (an organisation's first
  word; else the first editor; else the container title), the year (`nd` when unknown), the first
  significant title word (an untitled dated item: month and day, `aug09`), lower-case ASCII, with
  `b`, `c`, ... added on a collision.

Everything else (`abstract`, `file`, `urldate`, `shorttitle`, JabRef's `owner` and `timestamp`, a
value that does not parse, a second value for a field already set, chilecite's own export markers
among the keywords, `@preamble`) is reported as CC070. `url`, `doi`, `eprint`, `file` and the
date fields are verbatim: they are not LaTeX decoded (`%` and `~` stay as written).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexDecodingMiddleware
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts
from bibtexparser.model import Block, DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, Preamble
from pydantic import ValidationError

from chilecite.corpus import Corpus
from chilecite.export.latex import decode_latex, latex_decoder
from chilecite.models import Agent, Organisation, Person, Work, WorkType
from chilecite.errors import UsageError
from chilecite.problems import Problem, Rule
from chilecite.report import Report, render_text, report_payload
from chilecite.rules import importing as I
from chilecite.vocabulary import KEY_RE, LANGIDS, fold
from chilecite.values import DateSpan, PageSpan
from chilecite.writing import dump_record

# bibtexparser logs every failed block; those are reported here as CC071 instead.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

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
BOOK_TYPES = {k for k, v in ENTRY_TYPES.items() if v is _W.book}
ENTRY_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "master's thesis"}
# BibLaTeX's localisation keys for `type`.
TYPE_WORDS = {"phdthesis": "PhD thesis", "mathesis": "MA thesis", "candthesis": "candidate thesis", "techreport": "technical report",
              "resreport": "research report", "software": "software", "datacd": "CD-ROM", "audiocd": "audio CD"}
SUBTYPES = {"newspaper": _W.article_newspaper, "magazine": _W.article_magazine}

NAME_FIELDS = (("author", "authors"), ("editor", "editors"), ("translator", "translators"))
VERBATIM = frozenset({"url", "doi", "eprint", "file", "date", "origdate", "eventdate", "urldate", "crossref", "xref", "ids"})
# Name lists are split and decoded name by name, so that a brace group (an organisation) is seen.
UNDECODED = VERBATIM | {bibfield for bibfield, _ in NAME_FIELDS}
_AND_RE = re.compile(r"[ \t\r\n]+and[ \t\r\n]+", re.IGNORECASE)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
STOPWORDS = frozenset({"a", "an", "the", "on", "of", "el", "la", "los", "las", "de", "del", "y"})
LANGUAGES = {
    **{name: code for code, name in LANGIDS.items()},
    **dict.fromkeys(("american", "british", "usenglish", "ukenglish", "canadian", "australian", "newzealand"), "en"),
    "castilian": "es", "espanol": "es", "ngerman": "de", "austrian": "de", "naustrian": "de", "swissgerman": "de", "nswissgerman": "de",
    "francais": "fr", "acadian": "fr", "brazil": "pt", "brazilian": "pt", "portuges": "pt", "catalan": "ca", "dutch": "nl",
    "polish": "pl", "latin": "la", "greek": "el", "swedish": "sv", "danish": "da", "norsk": "nb", "nynorsk": "nn", "czech": "cs",
    "hungarian": "hu", "magyar": "hu", "turkish": "tr", "ukrainian": "uk", "basque": "eu", "galician": "gl", "romanian": "ro",
    "finnish": "fi", "chinese": "zh", "japanese": "ja", "arabic": "ar", "hebrew": "he", "serbian": "sr", "croatian": "hr",
}
_BCP47_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_YEAR_RE = re.compile(r"^(\d{4})$")
_YEARS_RE = re.compile(r"^(\d{4})\s*(?:--|–|—|-|/)\s*(\d{4})$")
_URL_RE = re.compile(r"^<?(https?://\S+?)>?$")
_DOI_PREFIX_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_BAD_KEY_RE = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s]+)\s*,")


@dataclass(frozen=True)
class ImportedRecord:
    """One record to write: `works/<key>.yaml` or `agents/<id>.yaml`."""

    kind: Literal["works", "agents"]
    id: str
    text: str
    record: Work | Person | Organisation
    entry: str | None = None  # the BibTeX key a work came from

    @property
    def relative_path(self) -> str:
        return f"{self.kind}/{self.id}.yaml"


@dataclass
class ImportResult:
    """The records an import would write, and every problem met."""

    records: list[ImportedRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # BibTeX key -> citation key

    @property
    def works(self) -> dict[str, Work]:
        return {r.id: r.record for r in self.records if r.kind == "works"}

    @property
    def agents(self) -> dict[str, Agent]:
        return {r.id: r.record for r in self.records if r.kind == "agents"}


class _Decode(LatexDecodingMiddleware):
    """LaTeX decoding for every field but the verbatim ones (URLs, DOIs, EDTF dates, keys) and the names."""

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        held = {}
        for f in entry.fields:
            if f.key.lower() in UNDECODED and isinstance(f.value, str):
                held[f.key] = f.value
                f.value = _Held(f.value)  # not a str: the decoder passes it by
        block = super().transform_entry(entry, library)
        for f in entry.fields:
            if f.key in held:
                f.value = held[f.key]
        return block


@dataclass(frozen=True)
class _Held:
    value: str


def import_bibtex(text: str, corpus: Corpus, *, source: str | None = None) -> ImportResult:
    """Map the BibTeX/BibLaTeX `text` to work and agent records in the context of `corpus`.

    `source` is the file name problems point to (with the entry's or field's line)."""
    library = bibtexparser.parse_string(text, append_middleware=[_Decode(decoder=latex_decoder())])
    return _Importer(corpus, source).run(library)


def _clean(value: str) -> str:
    """NFC, one space for any run of white space that holds a line break or tab, trimmed."""
    value = unicodedata.normalize("NFC", value)
    return re.sub(r"[ \t]*[\r\n\t][ \t\r\n]*", " ", value).strip()


def _whole_group(name: str) -> bool:
    """Whether the name is one brace group, `{...}`, from its first character to its last."""
    if not (name.startswith("{") and name.endswith("}")):
        return False
    depth, i = 0, 0
    while i < len(name):
        char = name[i]
        if char == "\\":
            i += 2  # an escaped character, `\{` included, opens or closes nothing
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and i < len(name) - 1:
            return False
        i += 1
    return depth == 0


def _ascii_words(text: str) -> list[str]:
    return fold(re.sub(r"['’ʼ]", "", text)).split()


def _slug(text: str) -> str:
    return "-".join(_ascii_words(text))


def _language(value: str) -> str | None:
    """A BibLaTeX language name (`spanish`) or a BCP 47 tag (`es`, `en-GB`) as a BCP 47 tag."""
    value = value.strip()
    if value.lower() in LANGUAGES:
        return LANGUAGES[value.lower()]
    head, _, rest = value.partition("-")
    if _BCP47_RE.match(head.lower() + ("-" + rest if rest else "")):
        return head.lower() + ("-" + rest if rest else "")
    return None


def _month(value: str) -> int | None:
    lowered = value.strip().lower().rstrip(".")
    if lowered.isdigit() and 1 <= int(lowered) <= 12:
        return int(lowered)
    if lowered in MONTH_NAMES:
        return MONTH_NAMES.index(lowered) + 1
    if lowered[:3] in MONTHS and len(lowered) in (3, 4):  # `aug`, `sept`
        return MONTHS.index(lowered[:3]) + 1
    return None


@dataclass
class _Pending:
    """An entry mapped but for its parent, with where each field came from."""

    entry: Entry
    key: str
    data: dict[str, Any]
    origin: dict[str, str] = field(default_factory=dict)  # model field -> BibTeX field
    crossref: tuple[str, str] | None = None  # (key, BibTeX field): crossref or xref
    booktitle: str | None = None  # a chapter's book title, to find its parent by


class _Importer:
    def __init__(self, corpus: Corpus, source: str | None) -> None:
        self.corpus = corpus
        self.source = source
        self.result = ImportResult()
        self.taken: set[str] = set(corpus.works)
        self.agent_ids: dict[str, str] = {}  # folded name -> agent id (corpus and new)
        for aid, agent in sorted(corpus.agents.items()):
            self.agent_ids.setdefault(fold(agent.display_name), aid)
            if isinstance(agent, Organisation) and agent.short_name:
                self.agent_ids.setdefault(fold(agent.short_name), aid)
        self.new_agents: dict[str, Agent] = {}
        self.pending: list[_Pending] = []

    # ------------------------------------------------------------------ problems

    def problem(self, rule: Rule, message: str, line: int | None, entry: str | None = None, bibfield: str | None = None) -> None:
        self.result.problems.append(rule.problem(message, file=self.source, line=line, record=entry, field=bibfield))

    def unmapped(self, entry: Entry, bibfield: str, why: str) -> None:
        line = next((f.start_line + 1 for f in entry.fields if f.key.lower() == bibfield and f.start_line is not None), _line(entry))
        self.problem(I.UNMAPPED, f"{bibfield}: {why}; not imported", line, entry.key, bibfield)

    # ------------------------------------------------------------------ the run

    def run(self, library: Library) -> ImportResult:
        for block in library.blocks:
            if isinstance(block, ParsingFailedBlock):
                self._failed(block)
            elif isinstance(block, Preamble):
                self.problem(I.UNMAPPED, "@preamble has no place in the records; not imported", _line(block))
        entries = library.entries
        reserved = {e.key for e in entries if KEY_RE.match(e.key) and e.key not in self.taken}
        self.reserved = reserved
        for entry in entries:
            self._map(entry)
        for item in self.pending:
            self._resolve_parent(item)
        for item in self.pending:
            self._inherit(item)
            work = self._build(item)
            self.result.records.append(ImportedRecord("works", item.key, dump_record(work, "work"), work, item.entry.key))
        for aid, agent in self.new_agents.items():
            self.result.records.append(ImportedRecord("agents", aid, dump_record(agent, "agent"), agent))
        return self.result

    def _failed(self, block: ParsingFailedBlock) -> None:
        if isinstance(block, DuplicateBlockKeyBlock):
            message = f"a second entry with the key '{block.key}'; only the first is imported"
            key = block.key
        else:
            match = _BAD_KEY_RE.search(block.raw or "")
            key = match.group(1) if match else None
            error = (getattr(block.error, "abort_reason", None) or str(block.error)).strip() or type(block.error).__name__
            message = f"entry{f' {key!r}' if key else ''} could not be parsed: {error}; not imported"
        self.problem(I.UNPARSEABLE, message, _line(block), key)

    # ------------------------------------------------------------------ one entry

    def _map(self, entry: Entry) -> None:
        fields = {}
        for f in entry.fields:
            name = f.key.lower()
            if name in fields:
                self.unmapped(entry, name, "given twice; the second value")
                continue
            fields[name] = f
        used: set[str] = set()
        data: dict[str, Any] = {}
        origin: dict[str, str] = {}

        def take(name: str) -> str | None:
            if name not in fields or not isinstance(fields[name].value, str):
                return None
            used.add(name)
            return _clean(fields[name].value) or None

        def put(target: str, names: tuple[str, ...], value_of=lambda v: v) -> None:
            """The first of `names` present goes to `target`; the others are reported."""
            for name in names:
                value = take(name)
                if value is None:
                    continue
                if target in data:
                    self.unmapped(entry, name, f"a second value for {target} ({origin[target]} is already used)")
                    continue
                data[target], origin[target] = value_of(value), name

        etype = entry.entry_type.lower()
        wtype = ENTRY_TYPES.get(etype)
        if wtype is None:
            wtype = _W.document
            self.problem(I.UNMAPPED, f"entry type @{etype} has no chilecite type; imported as document", _line(entry), entry.key)
        if etype == "article" and (subtype := take("entrysubtype")):
            if subtype.lower() in SUBTYPES:
                wtype = SUBTYPES[subtype.lower()]
            else:
                self.unmapped(entry, "entrysubtype", f"'{subtype}' is not newspaper or magazine")
        kind = take("type")
        if kind and etype == "misc" and re.search(r"\bletter\b", kind, re.IGNORECASE):
            wtype = _W.letter
        genre = TYPE_WORDS.get(kind.lower(), kind) if kind else ENTRY_GENRES.get(etype)
        if genre and fold(genre) not in (fold(wtype.value), fold(etype)):
            data["genre"], origin["genre"] = genre, "type"
        data["type"] = wtype

        for bibfield, role in NAME_FIELDS:
            if bibfield in fields:
                used.add(bibfield)
                ids = [aid for raw in split_names(fields[bibfield].value) if (aid := self._agent(entry, bibfield, raw))]
                if ids:
                    data[role], origin[role] = ids, bibfield

        title = take("title")
        subtitle = take("subtitle")
        if title or subtitle:
            data["title"] = ": ".join(t for t in (title, subtitle) if t)
            origin["title"] = "title"
        put("container_title", ("journaltitle", "journal"))
        if (how := take("howpublished")) is not None:
            if (url := _URL_RE.match(how)) and "url" not in fields:
                data["url"], origin["url"] = url.group(1), "howpublished"
            elif "container_title" not in data:
                data["container_title"], origin["container_title"] = how, "howpublished"
            else:
                self.unmapped(entry, "howpublished", f"'{_short(how)}' has no place beside the journal")
        put("volume", ("volume",))
        put("issue", ("number", "issue"))
        put("edition", ("edition",))
        put("series", ("series",))
        put("publisher", ("publisher", "institution", "school", "organization"))
        put("place", ("location", "address"))
        put("event", ("eventtitle",))
        put("comment", ("note",))
        put("isbn", ("isbn",))
        put("url", ("url",), lambda v: re.sub(r"^\\url\{(.*)\}$", r"\1", v))
        put("doi", ("doi",), lambda v: _DOI_PREFIX_RE.sub("", v))
        if (pages := take("pages")) is not None:
            try:
                data["pages"], origin["pages"] = PageSpan.parse(pages), "pages"
            except ValueError:
                self.unmapped(entry, "pages", f"'{_short(pages)}' is not a page or page range")
        self._dates(entry, take, data, origin)
        for target, names in (("language", ("langid", "language")), ("original_language", ("origlanguage",))):
            for name in names:
                value = take(name)
                if value is None:
                    continue
                code = _language(value)
                if code is None:
                    self.unmapped(entry, name, f"'{_short(value)}' is not a language chilecite knows (write a BCP 47 tag such as es)")
                elif target not in data:
                    data[target], origin[target] = code, name
                elif data[target] != code:
                    self.unmapped(entry, name, f"'{value}' disagrees with {origin[target]} ({data[target]})")
        if (words := take("keywords")) is not None:
            keywords = [w.strip() for w in re.split(r"[,;]", words) if w.strip()]
            markers = [w for w in keywords if w.startswith("chilecite-")]
            if markers:
                self.unmapped(entry, "keywords", f"{', '.join(markers)} are chilecite's export markers, not subjects")
            if rest := [w for w in keywords if w not in markers]:
                data["keywords"], origin["keywords"] = rest, "keywords"

        crossref = None
        for name in ("crossref", "xref"):
            if (ref := take(name)) is not None:
                if crossref is None:
                    crossref = (ref, name)
                else:
                    self.unmapped(entry, name, f"a second parent reference ('{ref}')")
        booktitle = take("booktitle") if wtype is _W.chapter else None

        for name in fields:
            if name not in used:
                value = fields[name].value
                shown = f" ('{_short(value)}')" if isinstance(value, str) and value else ""
                self.unmapped(entry, name, f"no chilecite field for it{shown}")

        key = self._key(entry, data)
        self.result.keys[entry.key] = key
        self.pending.append(_Pending(entry, key, data, origin, crossref, booktitle))

    def _dates(self, entry: Entry, take, data: dict[str, Any], origin: dict[str, str]) -> None:
        for target, name in (("issued", "date"), ("original_date", "origdate")):
            if (value := take(name)) is not None:
                try:
                    if value.startswith("/") or value.endswith("/"):
                        raise ValueError("an open-ended range has no end to record")
                    data[target], origin[target] = DateSpan.parse(value), name
                except ValueError as exc:
                    self.unmapped(entry, name, f"'{_short(value)}' is not a date chilecite can record ({exc})")
        year, month, day = take("year"), take("month"), take("day")
        if "issued" in data:  # `date` wins; year, month and day must agree with it
            start = data["issued"].start
            for name, value, known in (("year", year, start.year), ("month", month, start.month), ("day", day, start.day)):
                if value is not None and _int_or_month(name, value) != known:
                    self.unmapped(entry, name, f"'{value}' disagrees with date {data['issued']}")
            return
        if year is None:
            for name, value in (("month", month), ("day", day)):
                if value is not None:
                    self.unmapped(entry, name, f"'{value}' without a year")
            return
        if match := _YEARS_RE.match(year):
            data["issued"], origin["issued"] = DateSpan.parse(f"{match.group(1)}/{match.group(2)}"), "year"
            for name, value in (("month", month), ("day", day)):
                if value is not None:
                    self.unmapped(entry, name, f"'{value}' cannot go with the year range {year}")
            return
        if not _YEAR_RE.match(year):
            self.unmapped(entry, "year", f"'{_short(year)}' is not a year")
            for name, value in (("month", month), ("day", day)):
                if value is not None:
                    self.unmapped(entry, name, f"'{value}' without a usable year")
            return
        text = year
        if month is not None:
            number = _month(month)
            if number is None:
                self.unmapped(entry, "month", f"'{month}' is not a month")
            else:
                text += f"-{number:02d}"
                if day is not None:
                    if day.isdigit() and _valid(f"{text}-{int(day):02d}"):
                        text += f"-{int(day):02d}"
                    else:
                        self.unmapped(entry, "day", f"'{day}' is not a day of {text}")
                day = None
        if day is not None:
            self.unmapped(entry, "day", f"'{day}' without a month")
        data["issued"], origin["issued"] = DateSpan.parse(text), "year"

    # ------------------------------------------------------------------ agents

    def _agent(self, entry: Entry, bibfield: str, raw: str) -> str | None:
        raw = raw.strip()
        line = next((f.start_line + 1 for f in entry.fields if f.key.lower() == bibfield), _line(entry))
        agent: Agent
        if _whole_group(raw):
            name = _clean(decode_latex(raw))
            if not name:
                self.unmapped(entry, bibfield, "an empty name")
                return None
            agent = Organisation(kind="organisation", name=name)
        else:
            try:
                parts = parse_single_name_into_parts(raw)
            except InvalidNameError as exc:
                self.problem(I.UNMAPPED, f"{bibfield}: name '{_short(raw)}' is malformed ({exc.reason}); imported as best it could be split", line, entry.key, bibfield)
                parts = parse_single_name_into_parts(raw, strict=False)

            def joined(words: list[str]) -> str | None:
                return _clean(decode_latex(" ".join(words))) or None

            family = joined(parts.last)
            if family is None:
                self.unmapped(entry, bibfield, f"name '{_short(raw)}' has no family name")
                return None
            agent = Person(kind="person", family=family, given=joined(parts.first), particle=joined(parts.von), suffix=joined(parts.jr))
        folded = fold(agent.display_name)
        if folded in self.agent_ids:
            return self.agent_ids[folded]
        if isinstance(agent, Person):
            base = _slug(" ".join(p for p in (agent.particle, agent.family, agent.given, agent.suffix) if p))
        else:
            base = _slug(agent.name)
        base = base or "agent"
        aid, n = base, 1
        while aid in self.corpus.agents or aid in self.new_agents:
            n += 1
            aid = f"{base}-{n}"
        self.agent_ids[folded] = aid
        self.new_agents[aid] = agent
        return aid

    def _agent_named(self, aid: str) -> Agent | None:
        return self.new_agents.get(aid) or self.corpus.agents.get(aid)

    # ------------------------------------------------------------------ keys

    def _key(self, entry: Entry, data: dict[str, Any]) -> str:
        if entry.key in self.reserved and entry.key not in self.taken:
            self.taken.add(entry.key)
            return entry.key
        key = self._propose(data)
        reason = "is already a work in the corpus" if entry.key in self.corpus.works else "is not in the agreed form (familyyearword)" \
            if not KEY_RE.match(entry.key) else "is used by an earlier entry"
        self.problem(I.KEY_RENAMED, f"key '{entry.key}' {reason}; imported as '{key}'", _line(entry), entry.key)
        return key

    def _propose(self, data: dict[str, Any]) -> str:
        name = ""
        for role in ("authors", "editors"):
            agents = [self._agent_named(a) for a in data.get(role, [])]
            if agents and agents[0] is not None:
                first = agents[0]
                words = _ascii_words(first.family) if isinstance(first, Person) else _ascii_words(first.name)[:1]
                name = "".join(words)
                break
        if not name and data.get("container_title"):
            name = "".join(_ascii_words(data["container_title"]))
        name = re.sub(r"^[0-9]+", "", name) or "anon"
        issued: DateSpan | None = data.get("issued")
        year = f"{issued.start.year:04d}" if issued else "nd"
        word = next((w for w in _ascii_words(data.get("title") or "") if w not in STOPWORDS), "")
        if not word and issued and issued.start.month:
            word = MONTHS[issued.start.month - 1] + (f"{issued.start.day:02d}" if issued.start.day else "")
        base = f"{name}{year}{word or 'untitled'}"
        key, letter = base, ord("a")
        while key in self.taken or key in self.reserved:
            letter += 1
            key = base + _letters(letter - ord("a"))
        self.taken.add(key)
        return key

    # ------------------------------------------------------------------ parents

    def _resolve_parent(self, item: _Pending) -> None:
        entry = item.entry
        if item.crossref:
            value, bibfield = item.crossref
            parent = self.result.keys.get(value) or (value if value in self.corpus.works else None)
            if parent is None:
                self.unmapped(entry, bibfield, f"'{value}' is neither an entry of this file nor a work in the corpus")
            else:
                item.data["parent"], item.origin["parent"] = parent, bibfield
        if item.booktitle is None:
            return
        if "parent" in item.data:
            title = self._parent_data(item.data["parent"]).get("title")
            if title is None or fold(title) != fold(item.booktitle):
                self.unmapped(entry, "booktitle", f"'{_short(item.booktitle)}' is not the title of the parent {item.data['parent']}")
            return
        wanted = fold(item.booktitle)
        in_file = [p.key for p in self.pending if p.entry.entry_type.lower() in BOOK_TYPES and fold(p.data.get("title") or "") == wanted]
        in_corpus = [k for k, w in sorted(self.corpus.works.items()) if w.type is _W.book and w.title and fold(w.title) == wanted]
        matches = in_file or in_corpus
        if len(matches) == 1:
            item.data["parent"], item.origin["parent"] = matches[0], "booktitle"
        elif matches:
            self.unmapped(entry, "booktitle", f"'{_short(item.booktitle)}' matches several books ({', '.join(matches)}); set `parent` by hand")
        else:
            self.unmapped(entry, "booktitle", f"'{_short(item.booktitle)}' is no book entry of this file or work of the corpus; import the book too, or set `parent` by hand")

    def _parent_data(self, key: str) -> dict[str, Any]:
        for other in self.pending:
            if other.key == key:
                return other.data
        work = self.corpus.works.get(key)
        return dict(work) if work else {}

    def _inherit(self, item: _Pending) -> None:
        """Editors, publisher and place of a chapter that are its book's are left to the book."""
        if "parent" not in item.data:
            return
        parent = self._parent_data(item.data["parent"])
        for name in ("editors", "publisher", "place"):
            if name in item.data and item.data[name] == parent.get(name):
                del item.data[name]

    def _build(self, item: _Pending) -> Work:
        data = dict(item.data)
        while True:
            try:
                return Work.model_validate(data)
            except ValidationError as exc:
                for error in exc.errors():
                    name = str(error["loc"][0]) if error["loc"] else None
                    if name in data and name != "type":
                        self.unmapped(item.entry, item.origin.get(name, name), f"'{_short(str(data.pop(name)))}' is not valid: {error['msg']}")
                    else:
                        raise


MAX_INPUT_BYTES = 20_000_000


@dataclass
class ImportOutcome:
    """What `import_file` did: the records it made, the ones written, and the report."""

    result: ImportResult
    root: Path
    written: list[Path]
    report: Report

    def payload(self) -> dict[str, Any]:
        """The outcome as plain data, for `--format json`."""
        written = {str(p) for p in self.written}
        return {
            **report_payload(self.report),
            "imported": [{"path": str(self.root / r.relative_path), "entry": r.entry, "written": str(self.root / r.relative_path) in written,
                          "text": r.text} for r in self.result.records],
        }


def import_file(path: Path, corpus: Corpus, root: Path, *, write: bool) -> ImportOutcome:
    """Import a .bib file against `corpus` and, with `write`, write the records into `root`, all or nothing."""
    from chilecite.files import read_regular

    try:
        text = read_regular(path, MAX_INPUT_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: byte {exc.start} is not UTF-8; export the library as UTF-8") from None
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from None
    result = import_bibtex(text, corpus, source=str(path))
    problems = list(result.problems)
    written: list[Path] = []
    if write:
        refusals, written = write_records(result, root)
        problems += refusals
    return ImportOutcome(result, root, written, Report(problems=problems, checked_files=1))


def render_import(outcome: ImportOutcome, *, dry_run: bool) -> str:
    """The text report of an import: the records (on a dry run) or the files written, then the problems."""
    lines = []
    if dry_run:
        lines += [f"# {outcome.root / r.relative_path}\n{r.text}---\n" for r in outcome.result.records]
    lines += [f"wrote {p}\n" for p in outcome.written]
    return "".join(lines) + render_text(outcome.report)


def write_records(result: ImportResult, out: Path) -> tuple[list[Problem], list[Path]]:
    """Write the imported records under `out`, all or nothing: each file is created exclusively, and
    when any target exists, an error for it and nothing written (a record is never overwritten)."""
    from chilecite.files import create_all

    refusals = [
        I.TARGET_EXISTS.problem(f"{out / r.relative_path} already exists; nothing was written", file=str(out / r.relative_path), record=r.id)
        for r in result.records
        if (out / r.relative_path).exists()
    ]
    if refusals or not result.records:
        return refusals, []
    try:
        written = create_all({out / r.relative_path: r.text for r in result.records})
    except FileExistsError as exc:  # created by someone else since the check
        return [I.TARGET_EXISTS.problem(f"{exc.filename} appeared while importing; nothing was written", file=str(exc.filename))], []
    return [], written


def split_names(value: str) -> list[str]:
    """A BibTeX name list split at ` and ` outside braces. (bibtexparser's `SeparateCoAuthors` loses
    a word ending in an escape before ` and `: `0, 0 \\% and {0}` gives `0, 0` and `{0}`.)"""
    names, start, depth, i = [], 0, 0, 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and (match := _AND_RE.match(value, i)):
            names.append(value[start:i])
            start = i = match.end()
            continue
        i += 1
    names.append(value[start:])
    return [name.strip() for name in names if name.strip()]


def _line(block: Block) -> int | None:
    return block.start_line + 1 if block.start_line is not None else None


def _short(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _int_or_month(name: str, value: str) -> int | None:
    if name == "month":
        return _month(value)
    return int(value) if value.strip().isdigit() else None


def _valid(text: str) -> bool:
    try:
        DateSpan.parse(text)
    except ValueError:
        return False
    return True


def _letters(n: int) -> str:
    """1 -> b, 2 -> c, ..., 25 -> z, 26 -> ba, ..."""
    out = ""
    while True:
        out = chr(ord("a") + n % 26) + out
        n //= 26
        if n == 0:
            return out
