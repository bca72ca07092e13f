"""The data model: the essay, its notes, the works they cite, the agents quoted, the quotations.

These Pydantic models are the single definition of the data. The JSON Schema in `schemas/`,
the YAML record files and every export derive from them. A record's id is its file name
(`records/works/miliband1973coup.yaml` is the work `miliband1973coup`), never a repeated field.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chilecite.values import Date, FileName, Language, PageRange, Url


class Record(BaseModel):
    """Base of every record: unknown keys are errors, so a misspelt field is never silently dropped."""

    # A contributor writing `volume: 3` means the string "3".
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


# --------------------------------------------------------------------------- agents


class Person(Record):
    """A person quoted or cited in the essay, with the name in its correct spelling."""

    kind: Literal["person"] = Field(description="Always `person`.", examples=["person"])
    family: str = Field(description="Family name as it should be cited, accents included (`Tohá`, `Corvalán`).", examples=["Corvalán"])
    given: str | None = Field(None, description="Given names, accents included (`José`, `Luis`).", examples=["Luis"])
    particle: str | None = Field(
        None, description="A particle kept with the family name when sorting (`de`, `de la`, `van`); CSL's non-dropping-particle.", examples=["de la"]
    )
    suffix: str | None = Field(None, description="A suffix such as `Jr.`.", examples=["Jr."])
    printed: list[str] = Field(
        default_factory=list,
        description="Every spelling of this name printed in the essay that differs from the correct one, exactly as printed (`Jose Hoha`, `Altimirano`).",
        examples=[["Jose Hoha"]],
    )
    description: str | None = Field(None, description="One line saying who this is, for readers and reviewers (`Socialist Party general secretary`).", examples=["Socialist Party general secretary"])

    @property
    def display_name(self) -> str:
        """Given, particle, family, suffix: `Luis Corvalán`."""
        parts = [self.given, self.particle, self.family, self.suffix]
        return " ".join(p for p in parts if p)


class Organisation(Record):
    """A body quoted or cited: a party, a newspaper's editors, a ministry, a committee. Never split into given/family."""

    kind: Literal["organisation"] = Field(description="Always `organisation`.", examples=["organisation"])
    name: str = Field(description="The organisation's full name in its correct form (`Partido Socialista de Chile`).", examples=["Partido Socialista de Chile"])
    short_name: str | None = Field(None, description="An abbreviation used in the essay (`MIR`, `CUT`).", examples=["MIR"])
    printed: list[str] = Field(default_factory=list, description="Spellings printed in the essay that differ from `name`, exactly as printed.", examples=[["Coordinating Committee of the Cordones"]])
    description: str | None = Field(None, description="One line saying what this body is.", examples=["The Santiago co-ordinating body of the industrial cordons in 1973."])

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

    type: WorkType = Field(description="CSL item type (`book`, `chapter`, `article-journal`, `article-newspaper`, `speech`, ...).", examples=["article-journal"])
    title: str | None = Field(
        None,
        description="Title in its original language and capitalisation as published. Empty for an untitled item such as an unidentified newspaper report.",
        examples=["The Coup in Chile"],
    )
    devised_title: str | None = Field(
        None,
        description="For a work with no title of its own: a short description made by the cataloguer, in square brackets "
        "(RDA 2.3.2.11, AACR2 1.1B7), saying what the work is and what it is about (its nature and subject), built only from "
        "what the record says: its type or genre and its subject `keywords` (`[Report on arms searches by the armed forces]`). "
        "It never repeats the author, container, genre or event, which every citation prints beside it. Exports print it as the title.",
    )
    title_printed: str | None = Field(None, description="The title as the essay prints it, where that differs from `title`.")
    authors: list[str] = Field(default_factory=list, description="Agent ids (files in `records/agents/`) of the authors, in order.", examples=[["miliband-ralph"]])
    editors: list[str] = Field(default_factory=list, description="Agent ids of the editors.", examples=[["garces-joan"]])
    translators: list[str] = Field(default_factory=list, description="Agent ids of the translators.", examples=[["garces-joan"]])
    container_title: str | None = Field(
        None, description="The journal, newspaper or magazine the item appeared in (`Financial Times`). For a chapter use `parent` instead.", examples=["The Socialist Register"]
    )
    parent: str | None = Field(None, description="Citation key of the work this one is part of: the book a chapter is in, the collection a speech is printed in.", examples=["allende1973chiles"])
    series: str | None = Field(None, description="Series of the container, e.g. `second series` for International Socialism from 1978.", examples=["second series"])
    volume: str | None = Field(None, description="Volume number, as printed.", examples=["1973"])
    issue: str | None = Field(None, description="Issue number, as printed.", examples=["22"])
    edition: str | None = Field(None, description="Edition, where it matters for the locator.", examples=["2"])
    publisher: str | None = Field(None, description="Publisher, only when known from the work itself or a catalogue.", examples=["Penguin Books"])
    place: str | None = Field(None, description="Place of publication, only when known.", examples=["London"])
    issued: Date | None = Field(None, description="Date issued: `1973`, `1973-08`, `1973-08-09`, `1973-24` (winter), `1973~` (circa), `1973?` (uncertain), `1970/1973` (range).", examples=["1973-08-09"])
    original_date: Date | None = Field(
        None,
        description="Date of first publication or delivery, where the cited edition is later. A work with no `issued` date (its edition "
        "unknown) is cited by this date.",
        examples=["1918"],
    )
    pages: PageRange | None = Field(None, description="Page range of the item within its container (`45–86`).", examples=["451–474"])
    language: Language | None = Field(None, description="BCP 47 language of the cited text (`en`, `es`, `de`, `ru`).", examples=["en"])
    original_language: Language | None = Field(
        None, description="BCP 47 language the work was first written in (`es`), when the cited text is a translation.", examples=["es"]
    )
    url: Url | None = Field(None, description="Absolute http(s) URL of a faithful public copy.")
    isbn: str | None = Field(None, description="ISBN-10 or ISBN-13 of the cited edition.")
    doi: str | None = Field(None, description="DOI, without the `https://doi.org/` prefix.")
    genre: str | None = Field(None, description="A finer kind, e.g. `radio broadcast`, `party programme`.", examples=["radio broadcast"])
    event: str | None = Field(None, description="For a speech: the occasion (`UNCTAD III, Santiago`), without its date (see `event_date`).",
                              examples=["UNCTAD III, Santiago"])
    event_date: Date | None = Field(
        None,
        description="When the event took place, where that is not the work's own date: a congress's days (`1967-11-24/1967-11-26`). "
        "CSL `event-date`, BibLaTeX `eventdate`.",
        examples=["1967-11-24/1967-11-26"],
    )
    keywords: list[str] = Field(
        default_factory=list,
        description="What the work is about, in a few subject terms (`arms searches`, `Punta Arenas`); exported as keywords (Zotero's tags). "
        "A devised title draws its subject from them.",
        examples=[["arms searches", "armed forces"]],
    )
    comment: str | None = Field(None, description="Free commentary for readers and reviewers; not exported as bibliographic data.", examples=["Title, volume and pages from the header of the marxists.org transcription."])

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
        "page", description="CSL locator label.", examples=["page"]
    )
    value: str = Field(description="The locator: `269`, `12–14`, `III`. Page ranges take an en dash; `--` and `-` are normalised.", examples=["269"])


class Citation(Record):
    """One identified source behind a note or quotation, with how sure we are and why."""

    work: str = Field(description="Citation key of the work (a file in `records/works/`).", examples=["miliband1973coup"])
    locator: Locator | None = Field(None, description="Where in the work. Never at level `attributed`.", examples=[{"label": "page", "value": "269"}])
    level: Level = Field(
        description="`stated`: the essay names the source; `verified`: the words were found in the work or a faithful copy; "
        "`attributed`: a strong attribution that could not be checked.", examples=["verified"]
    )
    basis: str = Field(
        description="Why: for `stated`, the essay's own words, verbatim, from the note's paragraph or the one before; "
        "for `verified`, where the words were checked; for `attributed`, the reasoning.", examples=["On August 9th, the Financial Times reported:"]
    )


class Support(str, Enum):
    """What a note supports."""

    quotation = "quotation"
    statistic = "statistic"
    claim = "claim"
    event = "event"


class NoteAnchor(Record):
    """Where the note marker stands in the reference text."""

    paragraph: int = Field(ge=1, description="Paragraph number: the n-th non-empty line of the reference text (headings count).", examples=[43])
    before: str = Field(description="The words just before the marker in that paragraph, verbatim (at least a few words).", examples=["the military’s attention has been focussed exclusively on the left."])


class Note(Record):
    """One of the essay's footnotes. The note's own text is lost; this records what we know of it."""

    number: int = Field(ge=1, strict=True, description="The note number, as in the marker `[n]`, from 1 to the essay's `notes`; must match the file name (`032.yaml`).", examples=[32])
    anchor: NoteAnchor = Field(description="Where the marker stands.", examples=[{"paragraph": 43, "before": "focussed exclusively on the left."}])
    supports: list[Support] = Field(min_length=1, description="What the note supports: `quotation`, `statistic`, `claim`, `event`.", examples=[["quotation"]])
    quoted: list[str] = Field(default_factory=list, description="Agent ids of the people or bodies whose words the note's passage quotes.", examples=[["financial-times"]])
    status: Literal["identified", "unidentified"] = Field(description="`unidentified` when no source can be established; then `citations` is empty.", examples=["identified"])
    citations: list[Citation] = Field(default_factory=list, description="The sources identified for the note, each with its level and basis.", examples=[[{"work": "financialtimes1973aug09", "level": "stated", "basis": "On August 9th, the Financial Times reported:"}]])
    commentary: str | None = Field(None, description="What the passage says, what was searched, and why the identification is what it is.", examples=["The block quotation of paragraph 43 is introduced at the end of paragraph 42."])


# --------------------------------------------------------------------------- quotations


class TextQuoteSelector(Record):
    """W3C Web Annotation TextQuoteSelector: the quoted text with a little context either side."""

    type: Literal["TextQuoteSelector"] = "TextQuoteSelector"
    exact: str = Field(description="The quotation exactly as printed, elisions (` ... `) and curly quotes included.", examples=["History is ours and it is made by the people ..."])
    prefix: str = Field(description="Up to 32 characters of the reference text just before `exact`.", examples=[" accepted the CP notion of the ‘"])
    suffix: str = Field(description="Up to 32 characters of the reference text just after `exact`.", examples=["’, which was explained in this c"])


class TextPositionSelector(Record):
    """W3C Web Annotation TextPositionSelector: character offsets in the reference text."""

    type: Literal["TextPositionSelector"] = "TextPositionSelector"
    start: int = Field(ge=0, description="Offset of the first character (Unicode code points, from 0).", examples=[84137])
    end: int = Field(ge=0, description="Offset just after the last character.", examples=[84303])


class QuotationAnchor(Record):
    """Where the quotation stands in the reference text."""

    paragraph: int = Field(ge=1, description="Paragraph number (n-th non-empty line).", examples=[124])
    quote: TextQuoteSelector
    position: TextPositionSelector


class Quotation(Record):
    """A quotation printed in the essay: a block quotation (a whole paragraph) or an inline one attributed to someone."""

    display: Literal["block", "inline"] = Field(description="`block` for a whole quoted paragraph, `inline` for quoted words within a sentence.", examples=["block"])
    speakers: list[str] = Field(default_factory=list, description="Agent ids of who is quoted. Empty only when the essay does not say and it cannot be established.", examples=[["allende-salvador"]])
    speaker_description: str | None = Field(
        None, description="Who is quoted, in words, when no agent record can name them (`an unnamed worker at the Vicuña Mackenna cordon`); used in citations.", examples=["an unnamed worker at the Vicuña Mackenna cordon"]
    )
    note: int | None = Field(None, ge=1, description="The note the quotation is tied to, or empty.", examples=[73])
    note_reason: str | None = Field(
        None, description="Why the quotation is tied to this note, or to none, when that is not simply the marker at its end.", examples=["The marker [73] at the end of the second block (paragraph 125) covers both."]
    )
    source: Citation | None = Field(None, description="The original work where the words were first printed or spoken, where identified.", examples=[{"work": "allende1973sep11", "level": "verified", "basis": "The Spanish text of Allende's last broadcast of 11 September 1973 matches."}])
    via: Citation | None = Field(
        None,
        description="A secondary work in which the essay's wording was found, itself quoting the original (the essay's likely source); "
        "the original, where known, goes in `source`.",
        examples=[{"work": "birchall1973chile", "level": "verified", "basis": "Found in the marxists.org transcription of Birchall and Harman."}],
    )
    original_language: Language | None = Field(
        None, description="BCP 47 language the words were first spoken or written in (`es`); the essay prints a translation.", examples=["es"]
    )
    occasion: str | None = Field(None, description="Where or when the words were said or written, where known.", examples=["Last radio broadcast from La Moneda during the coup."])
    date: Date | None = Field(None, description="When the words were said or written, where known.", examples=["1973-09-11"])
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
    url: Url | None = Field(None, description="Absolute http(s) URL of the transcription, when known.")
    transcribed_by: str | None = Field(None, description="Who transcribed it.")
    marked_up_by: str | None = Field(None, description="Who marked it up.")


class Essay(Record):
    """The host work (the essay itself) and the reference text that every anchor points into."""

    key: str = Field(description="Citation key of the essay's own work record in `records/works/` (author, title, journal, issue, pages).")
    transcription: Transcription
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the UTF-8 reference text all anchors refer to.")
    text_bytes: int | None = Field(
        None, ge=1, strict=True,
        description="Size in bytes of the UTF-8 reference text: `chilecite essay import` reads a saved copy of at most 8 times it.",
    )
    text_file: FileName = Field(description="File name of the reference text: a plain name, looked for in `shared/essay/` and the data folder, never a path.")
    notes: int = Field(ge=1, description="How many note markers the essay has: [1] to [notes]. Every note record's number is in that range.")
    paragraph_fingerprints: list[str] = Field(
        default_factory=list,
        description="For each paragraph of the reference text, in order, the first 16 hex digits of the SHA-256 of the paragraph "
        "in Unicode NFC with runs of white space made one space and the ends trimmed: `chilecite essay import` checks a copy of "
        "the essay against them paragraph by paragraph.",
    )
    sections: list[Section] = Field(min_length=1, description="The sections in order, with paragraph ranges.")
