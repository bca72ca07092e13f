"""The data model: the essay, its notes, the works they cite, the agents quoted, the quotations.

These Pydantic models are the single definition of the data. The JSON Schema in `schemas/`,
the YAML record files and every export derive from them. A record's id is its file name
(`records/works/miliband1973coup.yaml` is the work `miliband1973coup`), never a repeated field.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chilecite.values import Date, PageRange


class Record(BaseModel):
    """Base of every record: unknown keys are errors, so a misspelt field is never silently dropped."""

    # A contributor writing `volume: 3` means the string "3".
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


# --------------------------------------------------------------------------- agents


class Person(Record):
    """A person quoted or cited in the essay, with the name in its correct spelling."""

    kind: Literal["person"] = Field(description="Always `person`.")
    family: str = Field(description="Family name as it should be cited, accents included (`Tohá`, `Corvalán`).")
    given: str | None = Field(None, description="Given names, accents included (`José`, `Luis`).")
    particle: str | None = Field(
        None, description="A particle kept with the family name when sorting (`de`, `de la`, `van`); CSL's non-dropping-particle."
    )
    suffix: str | None = Field(None, description="A suffix such as `Jr.`.")
    printed: list[str] = Field(
        default_factory=list,
        description="Every spelling of this name printed in the essay that differs from the correct one, exactly as printed (`Jose Hoha`, `Altimirano`).",
    )
    description: str | None = Field(None, description="One line saying who this is, for readers and reviewers (`Socialist Party general secretary`).")

    @property
    def display_name(self) -> str:
        """Given, particle, family, suffix: `Luis Corvalán`."""
        parts = [self.given, self.particle, self.family, self.suffix]
        return " ".join(p for p in parts if p)


class Organisation(Record):
    """A body quoted or cited: a party, a newspaper's editors, a ministry, a committee. Never split into given/family."""

    kind: Literal["organisation"] = Field(description="Always `organisation`.")
    name: str = Field(description="The organisation's full name in its correct form (`Partido Socialista de Chile`).")
    short_name: str | None = Field(None, description="An abbreviation used in the essay (`MIR`, `CUT`).")
    printed: list[str] = Field(default_factory=list, description="Spellings printed in the essay that differ from `name`, exactly as printed.")
    description: str | None = Field(None, description="One line saying what this body is.")

    @property
    def display_name(self) -> str:
        return self.name


Agent = Annotated[Person | Organisation, Field(discriminator="kind")]


# --------------------------------------------------------------------------- works


class WorkType(str, Enum):
    """CSL 1.0.2 item types used for cited works."""

    book = "book"
    chapter = "chapter"
    article_journal = "article-journal"
    article_newspaper = "article-newspaper"
    article_magazine = "article-magazine"
    speech = "speech"
    broadcast = "broadcast"
    letter = "letter"
    personal_communication = "personal_communication"
    pamphlet = "pamphlet"
    report = "report"
    manuscript = "manuscript"
    interview = "interview"
    legislation = "legislation"
    document = "document"
    periodical = "periodical"
    webpage = "webpage"
    thesis = "thesis"


class Work(Record):
    """A cited work. Its citation key is the file name; keys never change once committed."""

    type: WorkType = Field(description="CSL item type (`book`, `chapter`, `article-journal`, `article-newspaper`, `speech`, ...).")
    title: str | None = Field(
        None,
        description="Title in its original language and capitalisation as published. Empty for an untitled item such as an unidentified newspaper report.",
    )
    devised_title: str | None = Field(
        None,
        description="For a work with no title of its own: a short description made by the cataloguer, in square brackets "
        "(RDA 2.3.2.11, AACR2 1.1B7), saying what the work is and what it is about (its nature and subject), built only from "
        "what the record says: its type or genre and its subject `keywords` (`[Report on arms searches by the armed forces]`). "
        "It never repeats the author, container, genre or event, which every citation prints beside it. Exports print it as the title.",
    )
    title_printed: str | None = Field(None, description="The title as the essay prints it, where that differs from `title`.")
    authors: list[str] = Field(default_factory=list, description="Agent ids (files in `records/agents/`) of the authors, in order.")
    editors: list[str] = Field(default_factory=list, description="Agent ids of the editors.")
    translators: list[str] = Field(default_factory=list, description="Agent ids of the translators.")
    container_title: str | None = Field(
        None, description="The journal, newspaper or magazine the item appeared in (`Financial Times`). For a chapter use `parent` instead."
    )
    parent: str | None = Field(None, description="Citation key of the work this one is part of: the book a chapter is in, the collection a speech is printed in.")
    series: str | None = Field(None, description="Series of the container, e.g. `second series` for International Socialism from 1978.")
    volume: str | None = Field(None, description="Volume number, as printed.")
    issue: str | None = Field(None, description="Issue number, as printed.")
    edition: str | None = Field(None, description="Edition, where it matters for the locator.")
    publisher: str | None = Field(None, description="Publisher, only when known from the work itself or a catalogue.")
    place: str | None = Field(None, description="Place of publication, only when known.")
    issued: Date | None = Field(None, description="Date issued: `1973`, `1973-08`, `1973-08-09`, `1973-24` (winter), `1973~` (circa), `1973?` (uncertain), `1970/1973` (range).")
    original_date: Date | None = Field(
        None,
        description="Date of first publication or delivery, where the cited edition is later. A work with no `issued` date (its edition "
        "unknown) is cited by this date.",
    )
    pages: PageRange | None = Field(None, description="Page range of the item within its container (`45–86`).")
    language: str | None = Field(None, description="BCP 47 language of the cited text (`en`, `es`, `de`, `ru`).")
    original_language: str | None = Field(None, description="Language the work was first written in, when the cited text is a translation.")
    url: str | None = Field(None, description="Absolute URL of a faithful public copy.")
    isbn: str | None = Field(None, description="ISBN-10 or ISBN-13 of the cited edition.")
    doi: str | None = Field(None, description="DOI, without the `https://doi.org/` prefix.")
    genre: str | None = Field(None, description="A finer kind, e.g. `radio broadcast`, `party programme`.")
    event: str | None = Field(None, description="For a speech: the occasion (`UNCTAD III, Santiago`), without its date (see `event_date`).")
    event_date: Date | None = Field(
        None,
        description="When the event took place, where that is not the work's own date: a congress's days (`1967-11-24/1967-11-26`). "
        "CSL `event-date`, BibLaTeX `eventdate`.",
    )
    keywords: list[str] = Field(
        default_factory=list,
        description="What the work is about, in a few subject terms (`arms searches`, `Punta Arenas`); exported as keywords (Zotero's tags). "
        "A devised title draws its subject from them.",
    )
    comment: str | None = Field(None, description="Free commentary for readers and reviewers; not exported as bibliographic data.")

    @property
    def display_title(self) -> str | None:
        """The title to print: the work's own, or its devised title in square brackets."""
        return self.title or self.devised_title


# --------------------------------------------------------------------------- notes


class Level(str, Enum):
    """How an identification was reached, strongest first."""

    stated = "stated"
    verified = "verified"
    attributed = "attributed"


LEVEL_ORDER: dict[Level, int] = {Level.stated: 0, Level.verified: 1, Level.attributed: 2}


class Locator(Record):
    """A place within a cited work."""

    label: Literal["page", "chapter", "section", "paragraph", "part", "volume", "line", "column", "folio"] = Field(
        "page", description="CSL locator label."
    )
    value: str = Field(description="The locator: `269`, `12–14`, `III`. Page ranges take an en dash; `--` and `-` are normalised.")


class Citation(Record):
    """One identified source behind a note or quotation, with how sure we are and why."""

    work: str = Field(description="Citation key of the work (a file in `records/works/`).")
    locator: Locator | None = Field(None, description="Where in the work. Never at level `attributed`.")
    level: Level = Field(
        description="`stated`: the essay names the source; `verified`: the words were found in the work or a faithful copy; "
        "`attributed`: a strong attribution that could not be checked."
    )
    basis: str = Field(
        description="Why: for `stated`, the essay's own words, verbatim, from the note's paragraph or the one before; "
        "for `verified`, where the words were checked; for `attributed`, the reasoning."
    )


class Support(str, Enum):
    """What a note supports."""

    quotation = "quotation"
    statistic = "statistic"
    claim = "claim"
    event = "event"


class NoteAnchor(Record):
    """Where the note marker stands in the reference text."""

    paragraph: int = Field(ge=1, description="Paragraph number: the n-th non-empty line of the reference text (headings count).")
    before: str = Field(description="The words just before the marker in that paragraph, verbatim (at least a few words).")


class Note(Record):
    """One of the essay's footnotes. The note's own text is lost; this records what we know of it."""

    number: int = Field(ge=1, strict=True, description="The note number, as in the marker `[n]`, from 1 to the essay's `notes`; must match the file name (`032.yaml`).")
    anchor: NoteAnchor = Field(description="Where the marker stands.")
    supports: list[Support] = Field(min_length=1, description="What the note supports: `quotation`, `statistic`, `claim`, `event`.")
    quoted: list[str] = Field(default_factory=list, description="Agent ids of the people or bodies whose words the note's passage quotes.")
    status: Literal["identified", "unidentified"] = Field(description="`unidentified` when no source can be established; then `citations` is empty.")
    citations: list[Citation] = Field(default_factory=list, description="The sources identified for the note, each with its level and basis.")
    commentary: str | None = Field(None, description="What the passage says, what was searched, and why the identification is what it is.")


# --------------------------------------------------------------------------- quotations


class TextQuoteSelector(Record):
    """W3C Web Annotation TextQuoteSelector: the quoted text with a little context either side."""

    type: Literal["TextQuoteSelector"] = "TextQuoteSelector"
    exact: str = Field(description="The quotation exactly as printed, elisions (` ... `) and curly quotes included.")
    prefix: str = Field(description="Up to 32 characters of the reference text just before `exact`.")
    suffix: str = Field(description="Up to 32 characters of the reference text just after `exact`.")


class TextPositionSelector(Record):
    """W3C Web Annotation TextPositionSelector: character offsets in the reference text."""

    type: Literal["TextPositionSelector"] = "TextPositionSelector"
    start: int = Field(ge=0, description="Offset of the first character (Unicode code points, from 0).")
    end: int = Field(ge=0, description="Offset just after the last character.")


class QuotationAnchor(Record):
    """Where the quotation stands in the reference text."""

    paragraph: int = Field(ge=1, description="Paragraph number (n-th non-empty line).")
    quote: TextQuoteSelector
    position: TextPositionSelector


class Quotation(Record):
    """A quotation printed in the essay: a block quotation (a whole paragraph) or an inline one attributed to someone."""

    display: Literal["block", "inline"] = Field(description="`block` for a whole quoted paragraph, `inline` for quoted words within a sentence.")
    speakers: list[str] = Field(default_factory=list, description="Agent ids of who is quoted. Empty only when the essay does not say and it cannot be established.")
    speaker_description: str | None = Field(
        None, description="Who is quoted, in words, when no agent record can name them (`an unnamed worker at the Vicuña Mackenna cordon`); used in citations."
    )
    note: int | None = Field(None, ge=1, description="The note the quotation is tied to, or empty.")
    note_reason: str | None = Field(
        None, description="Why the quotation is tied to this note, or to none, when that is not simply the marker at its end."
    )
    source: Citation | None = Field(None, description="The original work where the words were first printed or spoken, where identified.")
    via: Citation | None = Field(
        None,
        description="A secondary work in which the essay's wording was found, itself quoting the original (the essay's likely source); "
        "the original, where known, goes in `source`.",
    )
    original_language: str | None = Field(None, description="BCP 47 language the words were first spoken or written in (`es`); the essay prints a translation.")
    occasion: str | None = Field(None, description="Where or when the words were said or written, where known.")
    date: Date | None = Field(None, description="When the words were said or written, where known.")
    anchor: QuotationAnchor

    @property
    def text(self) -> str:
        return self.anchor.quote.exact


# --------------------------------------------------------------------------- the essay


class Section(Record):
    """A section of the essay: the untitled opening or a headed section."""

    heading: str | None = Field(description="The heading as printed; empty for the untitled opening.")
    first_paragraph: int = Field(ge=1, description="First paragraph number of the section (the heading's own line for a headed section).")
    last_paragraph: int = Field(ge=1, description="Last paragraph number of the section.")


class Transcription(Record):
    """The online transcription the reference text comes from."""

    title: str = Field(description="Name of the online collection.")
    url: str | None = Field(None, description="Address of the transcription, when known.")
    transcribed_by: str | None = Field(None, description="Who transcribed it.")
    marked_up_by: str | None = Field(None, description="Who marked it up.")


class Essay(Record):
    """The host work (the essay itself) and the reference text that every anchor points into."""

    key: str = Field(description="Citation key of the essay's own work record in `records/works/` (author, title, journal, issue, pages).")
    transcription: Transcription
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the UTF-8 reference text all anchors refer to.")
    text_file: str = Field(description="File name of the reference text.")
    notes: int = Field(ge=1, description="How many note markers the essay has: [1] to [notes]. Every note record's number is in that range.")
    paragraph_fingerprints: list[str] = Field(
        default_factory=list,
        description="For each paragraph of the reference text, in order, the first 16 hex digits of the SHA-256 of the paragraph "
        "in Unicode NFC with runs of white space made one space and the ends trimmed: `chilecite essay import` checks a copy of "
        "the essay against them paragraph by paragraph.",
    )
    sections: list[Section] = Field(min_length=1, description="The sections in order, with paragraph ranges.")
