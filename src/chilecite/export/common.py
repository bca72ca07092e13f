"""What every exporter shares: which works to export, what each work is, and what the essay says of it.

Exporters are pure functions of a loaded corpus and `ExportOptions`; they assume the corpus
validated (every reference resolves) and never re-check it. The entry type of a work in every
format comes from one table, `TYPES`, keyed by what the work *is* (`kind_of`), never by which of
its fields happen to be known: an edited book whose publisher is unknown is still a book.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chilecite.corpus import Corpus
from chilecite.models import LEVEL_ORDER, Agent, Level, Organisation, Work, WorkType
from chilecite.values import MONTHS, DateSpan, PartialDate

# Parents that make a work a part of a book: a chapter, or a speech, letter or document printed in a
# collection. Such a work is cited as printed there: the book's date is its date of publication, and
# its own date (of delivery, of writing) is its original date.
BOOK_TYPES = frozenset({WorkType.book, WorkType.pamphlet, WorkType.report})


@dataclass(frozen=True)
class TypeRow:
    """How one kind of work is typed in every format, and what a reference manager makes of it."""

    kind: str  # the key: `kind_of` gives it for a work
    record: str  # the records' description of the kind, for docs/exports.md
    bibtex: str  # classic BibTeX entry type (plain.bst's set)
    biblatex: str  # BibLaTeX entry type
    biblatex_subtype: str | None  # BibLaTeX `entrysubtype`, where it says more than the type
    csl: str  # CSL 1.0.2 item type
    zotero: str  # the Zotero item type Zotero's CSL-JSON import gives for `csl`
    ris: str  # RIS `TY`
    zotero_ris: str  # the Zotero item type Zotero's RIS import gives for `ris` (its RIS.js translator)
    why: str = ""  # one line for the docs where the choice needs a reason


TYPES: dict[str, TypeRow] = {row.kind: row for row in (
    TypeRow("book", "`book` with an author", "book", "book", None, "book", "book", "BOOK", "book"),
    TypeRow("edited-book", "`book` with editors and no author", "book", "collection", None, "book", "book", "BOOK", "book",
            "BibLaTeX's `@collection` is its type for a book edited, not written, by its editors; RIS BOOK with the "
            "editors in A3, where Zotero and citation-js read a book's editors (EDBOOK would make them authors)"),
    TypeRow("chapter", "`chapter` (with a `parent` book)", "incollection", "incollection", None, "chapter", "bookSection", "CHAP", "bookSection"),
    TypeRow("in-book", "`speech`, `letter`, `document`, `interview` with a `parent` book", "incollection", "incollection", None,
            "chapter", "bookSection", "CHAP", "bookSection",
            "cited as printed in the book: the book's date is the date, the work's own date the original date"),
    TypeRow("article-journal", "`article-journal`", "article", "article", None, "article-journal", "journalArticle", "JOUR", "journalArticle"),
    TypeRow("article-magazine", "`article-magazine`", "article", "article", "magazine", "article-magazine", "magazineArticle", "MGZN", "magazineArticle"),
    TypeRow("article-newspaper", "`article-newspaper`", "article", "article", "newspaper", "article-newspaper", "newspaperArticle", "NEWS", "newspaperArticle"),
    TypeRow("speech", "`speech`", "misc", "unpublished", None, "speech", "presentation", "SLIDE", "presentation",
            "BibLaTeX has no speech type: `@unpublished` with `eventtitle` is what biblatex's docs and pandoc read as a talk; "
            "RIS has none either: SLIDE is what Zotero writes and reads for a presentation (pandoc reads SLIDE as a graphic and "
            "citation-js as a motion picture; no RIS type is a talk to all of them, and Zotero is the one most users import into)"),
    TypeRow("broadcast", "`broadcast`", "misc", "misc", None, "broadcast", "radioBroadcast", "SOUND", "audioRecording",
            "Zotero makes a CSL broadcast a radioBroadcast when its genre is `radio broadcast`, otherwise a tvBroadcast; RIS SOUND is "
            "Zotero's own choice for a radio broadcast, read back as an audio recording"),
    TypeRow("interview", "`interview`", "misc", "misc", None, "interview", "interview", "PCOMM", "letter",
            "RIS has no interview type; PCOMM is Zotero's and EndNote's choice"),
    TypeRow("letter", "`letter`, private", "misc", "misc", None, "personal_communication", "letter", "PCOMM", "letter",
            "CSL 1.0.2 has no letter type, Zotero reads personal_communication as a letter; biblatex's @letter is "
            "an unsupported type with no fields in its data model, so @misc with `type`"),
    TypeRow("open-letter", "`letter`, open (genre says so) or printed somewhere", "misc", "misc", None, "document", "document", "PCOMM", "letter",
            "CSL styles (CMOS 14.111) leave personal communications out of bibliographies; an open letter is a public document"),
    TypeRow("personal-communication", "`personal_communication`", "misc", "misc", None, "personal_communication", "letter", "PCOMM", "letter"),
    TypeRow("document", "`document`", "misc", "misc", None, "document", "document", "RPRT", "report",
            "RIS has no document type, and Zotero reads GEN as a journal article, pandoc as an `entry`: RPRT, a document issued by "
            "a body, is a report to Zotero, EndNote, pandoc and citation-js alike, with the genre in M3 (Zotero's Report Type)"),
    TypeRow("manuscript", "`manuscript`", "unpublished", "unpublished", None, "manuscript", "manuscript", "MANSCPT", "manuscript"),
    TypeRow("pamphlet", "`pamphlet`", "booklet", "booklet", None, "pamphlet", "document", "PAMP", "manuscript",
            "Zotero has no pamphlet type; its CSL import files unknown types as documents"),
    TypeRow("report", "`report`", "techreport", "report", None, "report", "report", "RPRT", "report"),
    TypeRow("thesis", "`thesis`", "phdthesis", "thesis", None, "thesis", "thesis", "THES", "thesis",
            "plain.bst prints the `type` field in place of \"PhD thesis\", so an unknown degree is not claimed"),
    TypeRow("legislation", "`legislation`", "misc", "misc", None, "legislation", "statute", "STAT", "statute",
            "biblatex's @legislation is an unsupported type with no fields in its data model"),
    TypeRow("periodical", "`periodical`", "misc", "periodical", None, "periodical", "document", "SER", "book"),
    TypeRow("webpage", "`webpage`", "misc", "online", None, "webpage", "webpage", "ELEC", "webpage"),
)}


@dataclass(frozen=True)
class ExportOptions:
    """Which works to export and how."""

    notes: frozenset[int] | None = None  # None: every note
    min_level: Level = Level.attributed  # weakest level still exported
    include_essay: bool = True
    ascii: bool = False  # BibTeX only: LaTeX-encode non-ASCII characters


@dataclass(frozen=True)
class Citing:
    """One note (or a quotation with no note of its own) citing a work, at a level."""

    note: int | None
    level: Level
    quotation: str | None = None

    def describe(self) -> str:
        if self.quotation is None:
            return f"note {self.note} ({self.level.value})"
        under = f" under note {self.note}" if self.note is not None else ""
        return f"the quotation '{self.quotation}'{under} ({self.level.value})"


@dataclass(frozen=True)
class ExportItem:
    """A work ready to export: the record, its agents and parent resolved, and the notes citing it.

    What a work inherits from its parent (a chapter from its book) is resolved here, once:
    `editors`, `publisher`, `place` and `issued` are the work's own or else its parent's.
    """

    key: str
    work: Work
    authors: tuple[Agent, ...]
    editors: tuple[Agent, ...]
    translators: tuple[Agent, ...]
    parent: ExportItem | None = None
    citing: tuple[Citing, ...] = field(default_factory=tuple)
    is_essay: bool = False
    publisher: str | None = None
    place: str | None = None
    issued: DateSpan | None = None
    essay_label: str = "the essay"
    essay_notes: int = 0
    original_date: DateSpan | None = None  # first publication or delivery, when the cited printing is later
    dated_by_original: bool = False  # no edition date known: `issued` is the first publication or delivery

    @property
    def best_level(self) -> Level | None:
        return min((c.level for c in self.citing), key=LEVEL_ORDER.__getitem__, default=None)

    @property
    def title(self) -> str | None:
        """The title to print: the work's own, or its devised title in square brackets."""
        return self.work.display_title

    @property
    def devised(self) -> bool:
        return not self.work.title and bool(self.work.devised_title)

    @property
    def kind(self) -> str:
        return kind_of(self.work, self.parent.work if self.parent else None)

    @property
    def types(self) -> TypeRow:
        return TYPES[self.kind]

    @property
    def in_book(self) -> bool:
        """Part of a book: a chapter, or a speech or document printed in a collection."""
        return self.kind in ("chapter", "in-book")

    @property
    def event(self) -> str | None:
        """The occasion (a congress, a conference), whose own dates are `event_date`."""
        return self.work.event

    @property
    def event_date(self) -> DateSpan | None:
        return self.work.event_date

    def provenance(self) -> str:
        """The sentence every export carries: which notes cite the work, and how surely."""
        if self.is_essay:
            return f"The host essay; chilecite records its {self.essay_notes} notes and quotations."
        if not self.citing:
            return "Contains a work cited by the essay."
        parts = [c.describe() for c in self.citing]
        return f"Cited in {self.essay_label}, " + ", ".join(parts) + ". Identification levels: stated = named by the essay; verified = checked against the work; attributed = inferred, not checked."


def export_item(corpus: Corpus, key: str, citing: tuple[Citing, ...] = (), *, is_essay: bool | None = None) -> ExportItem:
    """One work ready to export, with its agents and parent resolved and its dates in the fields that
    say what they are: the cited printing's date (`issued`), the first publication or delivery
    (`original_date`), the event's days (`event_date`)."""
    work = corpus.works[key]
    if is_essay is None:
        is_essay = corpus.essay is not None and corpus.essay.key == key

    def agents(ids: list[str]) -> tuple[Agent, ...]:
        return tuple(corpus.agents[a] for a in ids if a in corpus.agents)

    parent = export_item(corpus, work.parent) if work.parent and work.parent in corpus.works else None
    issued, original = work.issued, work.original_date
    in_book = parent is not None and kind_of(work, parent.work) in ("chapter", "in-book")
    if in_book and parent is not None and parent.issued:
        # Cited as printed in the book: the book's date; the work's own date (a speech's delivery)
        # becomes its original date, unless the record gives one.
        if work.issued and work.issued != parent.issued and original is None:
            original = work.issued
        issued = parent.issued
    dated_by_original = issued is None and original is not None
    if dated_by_original:
        # The edition is unknown (no `issued`): the work is cited by the date it was first published
        # or given, which is known, rather than as undated ("n.d."); no edition date is made up.
        issued, original = original, None
    return ExportItem(
        key, work, agents(work.authors), agents(work.editors) or (parent.editors if parent else ()), agents(work.translators), parent, citing, is_essay,
        publisher=work.publisher or (parent.publisher if parent else None),
        place=work.place or (parent.place if parent else None),
        issued=issued,
        essay_label=corpus.essay_label(),
        essay_notes=corpus.note_count,
        original_date=original,
        dated_by_original=dated_by_original,
    )


def kind_of(work: Work, parent: Work | None = None) -> str:
    """What the work is, as a key of `TYPES`: from its type, and for a book or letter from who made it
    and where it appeared — never from which of its fields are known."""
    t = work.type
    if t is WorkType.chapter:
        return "chapter"
    if parent is not None and parent.type in BOOK_TYPES and t in (WorkType.speech, WorkType.letter, WorkType.document, WorkType.interview, WorkType.broadcast):
        return "in-book"
    if t is WorkType.book:
        return "edited-book" if work.editors and not work.authors else "book"
    if t is WorkType.letter:
        return "open-letter" if is_published_letter(work) else "letter"
    if t is WorkType.personal_communication:
        return "personal-communication"
    return t.value


def select_items(corpus: Corpus, options: ExportOptions) -> list[ExportItem]:
    """The works to export, in citation-key order (deterministic output)."""
    citing: dict[str, list[Citing]] = {}
    for number in sorted(corpus.notes):
        if options.notes is not None and number not in options.notes:
            continue
        for citation in corpus.notes[number].citations:
            if LEVEL_ORDER[citation.level] <= LEVEL_ORDER[options.min_level] and citation.work in corpus.works:
                citing.setdefault(citation.work, []).append(Citing(number, citation.level))
    # A quotation's original and the secondary work its wording was found in go too, so that
    # every key `chilecite quote` cites is in the export. Notes already citing a work say so.
    for qid, quotation in sorted(corpus.quotations.items()):
        if options.notes is not None and quotation.note not in options.notes:
            continue
        for cited in (quotation.source, quotation.via):
            if cited is None or cited.work not in corpus.works or LEVEL_ORDER[cited.level] > LEVEL_ORDER[options.min_level]:
                continue
            entries = citing.setdefault(cited.work, [])
            if not any(c.quotation is None and c.note == quotation.note for c in entries):  # the note itself cites it
                entries.append(Citing(quotation.note, cited.level, qid))
    citing = {key: _unique(entries) for key, entries in citing.items()}
    keys = set(citing)
    for key in list(keys):  # a chapter's book and a speech's collection go with it
        parent = corpus.works[key].parent
        while parent and parent in corpus.works and parent not in keys:
            keys.add(parent)
            parent = corpus.works[parent].parent
    essay_key = corpus.essay.key if corpus.essay else None
    if options.include_essay and essay_key in corpus.works:
        keys.add(essay_key)
    elif essay_key in keys and not citing.get(essay_key):
        keys.discard(essay_key)
    return [export_item(corpus, key, tuple(citing.get(key, ())), is_essay=key == essay_key) for key in sorted(keys)]


def _unique(entries: list[Citing]) -> list[Citing]:
    seen, out = set(), []
    for entry in sorted(entries, key=lambda c: (c.note is None, c.note or 0, c.quotation or "", LEVEL_ORDER[c.level])):
        if (entry.note, entry.quotation) not in seen:
            seen.add((entry.note, entry.quotation))
            out.append(entry)
    return out


def parse_note_ranges(text: str, count: int) -> frozenset[int]:
    """`1-20,45` -> {1, ..., 20, 45} for an essay of `count` notes; raises ValueError on anything else."""
    numbers: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not match:
            raise ValueError(f"'{part}' is not a note number or range such as 1-20")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if not (1 <= first <= last <= count):
            raise ValueError(f"'{part}' is not within notes 1-{count} in order")
        numbers.update(range(first, last + 1))
    return frozenset(numbers)


def person_parts(agent: Agent) -> dict[str, str]:
    """A CSL name: `literal` for an organisation (never split), family/given/particle/suffix for a person."""
    if isinstance(agent, Organisation):
        return {"literal": agent.name}
    parts = {"family": agent.family}
    for name, value in (("given", agent.given), ("non-dropping-particle", agent.particle), ("suffix", agent.suffix)):
        if value:
            parts[name] = value
    return parts


def is_published_letter(work: Work) -> bool:
    """An open letter, or one printed somewhere: a document anyone can read, not a private
    communication (which Chicago author-date and others leave out of the bibliography)."""
    return work.type.value == "letter" and bool(
        (work.genre and "open" in work.genre.lower()) or work.container_title or work.parent
    )


def human_date(span: DateSpan) -> str:
    """`21 May 1971`, `Winter 1984`, `circa 1973`, `24–26 November 1967`, `1890 to 1891`: a date in words, for fields that take text."""
    def one(d: PartialDate) -> str:
        text = str(d.year)
        if d.season:
            text = f"{d.season.capitalize()} {d.year}"
        elif d.month:
            text = f"{MONTHS[d.month - 1]} {d.year}" if not d.day else f"{d.day} {MONTHS[d.month - 1]} {d.year}"
        if d.approximate:
            text = "circa " + text
        if d.uncertain:
            text += " (uncertain)"
        return text

    start, end = span.start, span.end
    if end is not None and start.day and end.day and (start.year, start.month) == (end.year, end.month) and not start.season \
            and not (start.approximate or start.uncertain or end.approximate or end.uncertain):
        return f"{start.day}–{one(end)}"  # 24–26 November 1967
    return one(start) + (f" to {one(end)}" if end else "")


def type_table_markdown() -> str:
    """The type table of docs/exports.md, generated from `TYPES` (a test keeps the two equal)."""
    lines = [
        "| record | BibTeX | BibLaTeX | CSL | Zotero (from CSL-JSON) | RIS `TY` | Zotero (from RIS) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in TYPES.values():
        biblatex = f"`@{row.biblatex}`" + (f" + `entrysubtype = {row.biblatex_subtype}`" if row.biblatex_subtype else "")
        lines.append(f"| {row.record} | `@{row.bibtex}` | {biblatex} | `{row.csl}` | {row.zotero} | `{row.ris}` | {row.zotero_ris} |")
    lines.append("")
    lines.extend(f"- {row.record}: {row.why}." for row in TYPES.values() if row.why)
    return "\n".join(lines) + "\n"
