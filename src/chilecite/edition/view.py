"""What the edition's page shows, as plain data for the templates: the essay in sections and
paragraphs, each paragraph a list of tokens (text, note markers, quotation highlights), and a card
for every note and quotation.

The templates escape every value (Jinja2 autoescape); the only pre-built HTML is the citations,
passed through `chilecite.citing.safe_citation_html`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from chilecite.citing import CitedNote, CitedQuotation, agent_name, essay_place, safe_citation_html
from chilecite.corpus import Corpus
from chilecite.edition.citations import Citations
from chilecite.edition.leads import leads
from chilecite.listing import note_level
from chilecite.models import Citation, Note, Quotation
from chilecite.text import Paragraph, ReferenceText
from chilecite.values import MONTHS, DateSpan, PartialDate
from chilecite.vocabulary import LEVEL_MEANINGS

LEVELS = tuple(LEVEL_MEANINGS)
LEVEL_MEANING = LEVEL_MEANINGS
SUPPORT_WORDS = {"quotation": "a quotation", "statistic": "a statistic", "claim": "a claim", "event": "an event"}
LANGUAGES = {"es": "Spanish", "en": "English", "de": "German", "ru": "Russian", "it": "Italian", "fr": "French", "pt": "Portuguese"}
EXCERPT = 180


# --------------------------------------------------------------------------- paragraphs


@dataclass(frozen=True)
class Token:
    """One piece of a paragraph. kind: `text`, `marker` (ref = note number), `open`/`close` (ref = quotation id;
    `first` on the first opening of a quotation, `last` on its final closing, so that a quotation split
    around another carries its id and its record link once)."""

    kind: str
    text: str = ""
    ref: str = ""
    level: str = ""
    label: str = ""
    first: bool = True
    last: bool = True
    inner: bool = False


@dataclass(frozen=True)
class ParagraphView:
    number: int
    section_paragraph: int | None  # counted within its section, the heading not counted (the citations' locator)
    heading: bool
    block: bool
    tokens: tuple[Token, ...]


def _segments(paragraph: Paragraph, quotations: list[tuple[str, Quotation]], markers: dict[int, tuple[int, int]],
              levels: dict[int, str], labels: dict[str, str]) -> tuple[Token, ...]:
    """Tokens of one paragraph: its text cut at note markers and at quotation starts and ends.

    Quotations nest (Altamirano quoting Lenin); one that only overlaps another is closed and
    reopened around it, so the HTML stays well formed.
    """
    base = paragraph.start
    text = paragraph.text
    spans = sorted(((q.anchor.position.start - base, q.anchor.position.end - base, qid) for qid, q in quotations),
                   key=lambda s: (s[0], -s[1], s[2]))
    marker_at = {start - base: (end - base, number) for number, (start, end) in markers.items()}
    points = sorted({0, len(text), *[s for s, _, _ in spans], *[e for _, e, _ in spans], *marker_at, *[e for e, _ in marker_at.values()]})
    tokens: list[Token] = []
    open_stack: list[tuple[int, int, str]] = []
    opened: set[str] = set()
    for point, following in zip(points, points[1:] + [None], strict=False):
        # close every quotation ending here, reopening any that was opened inside one that ends
        ending = [s for s in open_stack if s[1] == point]
        if ending:
            deepest = min(open_stack.index(s) for s in ending)
            reopen = [s for s in open_stack[deepest:] if s[1] != point]
            for span in reversed(open_stack[deepest:]):
                finished = span[1] == point
                tokens.append(Token("close", ref=span[2], label=labels.get(span[2], ""), last=finished))
            del open_stack[deepest:]
            for span in reopen:
                tokens.append(Token("open", ref=span[2], first=False, inner=bool(open_stack)))
                open_stack.append(span)
        for span in (s for s in spans if s[0] == point):
            tokens.append(Token("open", ref=span[2], first=span[2] not in opened, inner=bool(open_stack)))
            opened.add(span[2])
            open_stack.append(span)
        if following is None:
            break
        if point in marker_at:
            end, number = marker_at[point]
            tokens.append(Token("marker", text=text[point:end], ref=str(number), level=levels.get(number, "unidentified")))
            if end == following:
                continue
            tokens.append(Token("text", text=text[end:following]))
        else:
            tokens.append(Token("text", text=text[point:following]))
    for span in reversed(open_stack):  # a quotation running past the paragraph's end
        tokens.append(Token("close", ref=span[2], label=labels.get(span[2], "")))
    return tuple(t for t in tokens if t.kind != "text" or t.text)


# --------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class SourceView:
    """One identified source of a note or quotation."""

    work: str
    title: str
    level: str
    meaning: str
    locator: str | None
    basis: str
    citation: Markup | None = None  # the formatted citation, where the style renders one


@dataclass(frozen=True)
class NoteCard:
    number: int
    level: str
    meaning: str
    paragraph: int
    place: str
    before: str
    supports: tuple[str, ...]
    quoted: tuple[tuple[str, str], ...]
    status: str
    sources: tuple[SourceView, ...]
    commentary: str | None
    leads: tuple[str, ...]
    quotations: tuple[tuple[str, str], ...]  # (id, short label)
    search_words: tuple[tuple[str, str], ...]  # (quotation id, opening words) for unidentified notes
    has_record: bool = True


@dataclass(frozen=True)
class QuoteCard:
    id: str
    display: str
    label: str
    speakers: tuple[tuple[str, str], ...]
    speaker_description: str | None
    excerpt: str
    paragraph: int
    place: str
    note: int | None
    note_reason: str | None
    source: SourceView | None
    via: SourceView | None
    original_language: str | None
    occasion: str | None
    date: str | None
    citation: Markup
    citation_text: str




def _human_partial(date: PartialDate) -> str:
    if date.season:
        text = f"{date.season} {date.year}"
    elif date.month and date.day:
        text = f"{date.day} {MONTHS[date.month - 1]} {date.year}"
    elif date.month:
        text = f"{MONTHS[date.month - 1]} {date.year}"
    else:
        text = str(date.year)
    if date.approximate:
        text = "c. " + text
    return text + ("?" if date.uncertain else "")


def human_date(span: DateSpan) -> str:
    """An EDTF date as a reader writes it: `11 September 1973`, `winter 1984`, `c. 1973`, `1970–1973`."""
    if span.end is not None:
        return f"{_human_partial(span.start)}–{_human_partial(span.end)}"
    return _human_partial(span.start)


def work_title(corpus: Corpus, key: str) -> str:
    """A work's title or devised title: the one its citations print, so that the edition names
    each work one way. Failing both, its container's, or a bracketed description."""
    work = corpus.works.get(key)
    if work is None:
        return key
    if title := work.display_title or work.container_title:
        return title
    if work.parent in corpus.works and (title := corpus.works[work.parent].title):
        return title
    kind = work.genre or work.type.value.replace("-", " ").replace("_", " ")
    return f"[{kind}: {work.event}]" if work.event else f"[{kind}]"


def _source(corpus: Corpus, citation: Citation, rendered: Markup | None = None) -> SourceView:
    locator = f"{citation.locator.label} {citation.locator.value}" if citation.locator else None
    return SourceView(citation.work, work_title(corpus, citation.work), citation.level.value, LEVEL_MEANING[citation.level.value],
                      locator, citation.basis, rendered)


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + " …"


def _opening_words(text: str, words: int = 12) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def quotation_label(corpus: Corpus, record: Quotation) -> str:
    """Who is quoted, in a few words: the speakers' names, or the record's description of them."""
    if record.speakers:
        return ", ".join(agent_name(corpus, a) for a in record.speakers)
    return record.speaker_description or "speaker not named"


def note_card(corpus: Corpus, number: int, note: Note | None, cited: CitedNote | None, by_note: dict[int, list[str]]) -> NoteCard:
    if note is None:
        return NoteCard(number, "unidentified", LEVEL_MEANING["unidentified"], 0, "", "", (), (), "unidentified", (), None, (), (), (), has_record=False)
    level = note_level(note)
    rendered = {s.work: safe_citation_html(s.citation_html) for s in cited.sources} if cited else {}
    sources = tuple(_source(corpus, c, rendered.get(c.work)) for c in note.citations)
    quotation_ids = by_note.get(number, [])
    quotations = tuple((qid, quotation_label(corpus, corpus.quotations[qid])) for qid in quotation_ids)
    unidentified = not note.citations
    return NoteCard(
        number=number,
        level=level,
        meaning=LEVEL_MEANING[level],
        paragraph=note.anchor.paragraph,
        place=essay_place(corpus, note.anchor.paragraph).locator(),
        before=note.anchor.before,
        supports=tuple(SUPPORT_WORDS.get(s.value, s.value) for s in note.supports),
        quoted=tuple((a, agent_name(corpus, a)) for a in note.quoted),
        status=note.status,
        sources=sources,
        commentary=note.commentary,
        leads=tuple(leads(note.commentary)) if unidentified else (),
        quotations=quotations,
        search_words=tuple((qid, _opening_words(corpus.quotations[qid].text)) for qid in quotation_ids) if unidentified else (),
    )


def quote_card(corpus: Corpus, qid: str, record: Quotation, cited: CitedQuotation) -> QuoteCard:
    return QuoteCard(
        id=qid,
        display=record.display,
        label=quotation_label(corpus, record),
        speakers=tuple((a, agent_name(corpus, a)) for a in record.speakers),
        speaker_description=record.speaker_description,
        excerpt=_excerpt(record.text),
        paragraph=record.anchor.paragraph,
        place=essay_place(corpus, record.anchor.paragraph).locator(),
        note=record.note,
        note_reason=record.note_reason,
        source=_source(corpus, record.source) if record.source else None,
        via=_source(corpus, record.via) if record.via else None,
        original_language=LANGUAGES.get(record.original_language or "", record.original_language) if record.original_language not in (None, "en") else None,
        occasion=record.occasion.rstrip(". ") if record.occasion else None,
        date=human_date(record.date) if record.date else None,
        citation=safe_citation_html(cited.citation_html),
        citation_text=cited.citation,
    )


# --------------------------------------------------------------------------- sections


@dataclass
class SectionView:
    number: int
    heading: str | None
    anchor: str  # the heading's paragraph id, or the first paragraph's for the opening
    paragraphs: list[ParagraphView] = field(default_factory=list)
    notes: list[NoteCard] = field(default_factory=list)
    quotations: list[QuoteCard] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.heading or "Opening"

    @property
    def body(self) -> list[ParagraphView]:
        return [p for p in self.paragraphs if not p.heading]


def essay_sections(corpus: Corpus, text: ReferenceText, citations: Citations) -> list[SectionView]:
    """The essay in its sections: every paragraph tokenised, every note and quotation card in the
    section where its marker or words stand."""
    assert corpus.essay is not None
    by_paragraph: dict[int, list[tuple[str, Quotation]]] = {}
    for qid, record in corpus.quotations.items():
        by_paragraph.setdefault(record.anchor.paragraph, []).append((qid, record))
    by_note: dict[int, list[str]] = {}
    for qid, record in sorted(corpus.quotations.items(), key=lambda kv: kv[1].anchor.position.start):
        if record.note is not None:
            by_note.setdefault(record.note, []).append(qid)
    markers_by_paragraph: dict[int, dict[int, tuple[int, int]]] = {}
    for marker in text.markers:
        markers_by_paragraph.setdefault(marker.paragraph, {})[marker.number] = (marker.start, marker.end)
    levels = {n: note_level(note) for n, note in corpus.notes.items()}
    labels = {qid: quotation_label(corpus, record) for qid, record in corpus.quotations.items()}
    block_paragraphs = {p.number for p in text.block_quotation_paragraphs} | {
        q.anchor.paragraph for q in corpus.quotations.values() if q.display == "block"}
    heading_numbers = {s.first_paragraph for s in corpus.essay.sections if s.heading is not None}
    marker_paragraph = {m.number: m.paragraph for m in text.markers}

    sections = []
    for number, section in enumerate(corpus.essay.sections, start=1):
        view = SectionView(number, section.heading, f"p{section.first_paragraph}")
        for n in range(section.first_paragraph, section.last_paragraph + 1):
            paragraph = text.paragraph(n)
            if paragraph is None:
                continue
            heading = n in heading_numbers
            place = essay_place(corpus, n)
            inside = [(qid, q) for qid, q in by_paragraph.get(n, [])
                      if paragraph.start <= q.anchor.position.start <= q.anchor.position.end <= paragraph.end]
            tokens = _segments(paragraph, inside, markers_by_paragraph.get(n, {}), levels, labels)
            view.paragraphs.append(ParagraphView(n, None if heading else place.section_paragraph, heading, n in block_paragraphs, tokens))
            for marker_number in sorted(markers_by_paragraph.get(n, {})):
                view.notes.append(note_card(corpus, marker_number, corpus.notes.get(marker_number), citations.notes.get(marker_number), by_note))
            for qid, record in sorted(by_paragraph.get(n, []), key=lambda kv: kv[1].anchor.position.start):
                view.quotations.append(quote_card(corpus, qid, record, citations.quotations[qid]))
        sections.append(view)
    # A note whose marker is missing from the text still gets a card, in the section of its anchor.
    for number, note in sorted(corpus.notes.items()):
        if number not in marker_paragraph:
            for view, section in zip(sections, corpus.essay.sections, strict=False):
                if section.first_paragraph <= note.anchor.paragraph <= section.last_paragraph:
                    view.notes.append(note_card(corpus, number, note, citations.notes.get(number), by_note))
    return sections
