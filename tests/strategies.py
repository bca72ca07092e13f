"""Hypothesis strategies for every record model, for round-trip and export property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from chilecite.models import (
    Citation,
    Essay,
    Level,
    Locator,
    Note,
    NoteAnchor,
    Organisation,
    Person,
    Quotation,
    QuotationAnchor,
    Section,
    Support,
    TextPositionSelector,
    TextQuoteSelector,
    Transcription,
    Work,
    WorkType,
)
from chilecite.values import DateSpan, PageSpan, PartialDate

# Text a contributor could write: any printable Unicode, including LaTeX specials and accents,
# trimmed (leading/trailing white space is a validation error, not a model error).
LATEX_HOSTILE = st.sampled_from(list("{}\\%$#_&~^") + ["é", "ñ", "Ü", "’", "“", "–", "Ł", "ß", "{\\'e}", "\\textbf{x}", "100%", "C&A"])
text = st.lists(st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12), LATEX_HOSTILE), min_size=1, max_size=6).map(" ".join).map(str.strip).filter(bool)
ident = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)


@st.composite
def partial_dates(draw) -> PartialDate:
    year = draw(st.integers(1800, 1984))
    shape = draw(st.sampled_from(["y", "ym", "ymd", "season"]))
    month = draw(st.integers(1, 12)) if shape in ("ym", "ymd") else None
    day = draw(st.integers(1, 28)) if shape == "ymd" else None
    season = draw(st.sampled_from(["spring", "summer", "autumn", "winter"])) if shape == "season" else None
    return PartialDate(year=year, month=month, day=day, season=season, uncertain=draw(st.booleans()), approximate=draw(st.booleans()))


# Every kind of address the Url type takes: http or https in any case, a host, a path, a query, non-ASCII.
web_urls = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https", "HTTP", "Https"]),
    st.sampled_from(["example.org", "www.marxists.org", "EXAMPLE.ORG:8080", "xn--bcher-kva.example", "例え.jp", "[2001:db8::1]"]),
    st.sampled_from(["", "/", "/a?b=c&d=%20", "/ñ/é#frag", "/path;params", "/~user/(x)"]),
)
# Plain file names the FileName type takes (no folder, no `..`, no leading dot).
file_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._ñé-]{0,40}", fullmatch=True).filter(lambda name: ".." not in name)


date_spans = st.builds(DateSpan, start=partial_dates(), end=st.none() | partial_dates())
page_spans = st.builds(lambda a, n: PageSpan(first=str(a), last=str(a + n) if n else None), st.integers(1, 999), st.integers(0, 50))
persons = st.builds(Person, kind=st.just("person"), family=text, given=st.none() | text, particle=st.none() | st.sampled_from(["de", "de la", "van", "von"]), suffix=st.none() | st.just("Jr."), printed=st.lists(text, max_size=2), description=st.none() | text)
organisations = st.builds(Organisation, kind=st.just("organisation"), name=text, short_name=st.none() | text, printed=st.lists(text, max_size=2))
agents = st.one_of(persons, organisations)
works = st.builds(
    Work,
    type=st.sampled_from(list(WorkType)),
    title=st.none() | text,
    title_printed=st.none() | text,
    authors=st.lists(ident, max_size=3),
    editors=st.lists(ident, max_size=2),
    container_title=st.none() | text,
    volume=st.none() | st.from_regex(r"[0-9]{1,3}", fullmatch=True),
    issue=st.none() | st.from_regex(r"[0-9]{1,3}", fullmatch=True),
    publisher=st.none() | text,
    place=st.none() | text,
    issued=st.none() | date_spans,
    original_date=st.none() | date_spans,
    event=st.none() | text,
    event_date=st.none() | date_spans,
    keywords=st.lists(text, max_size=3),
    pages=st.none() | page_spans,
    language=st.none() | st.sampled_from(["en", "es", "de", "ru"]),
    url=st.none() | web_urls,
    comment=st.none() | text,
)
citations = st.builds(Citation, work=ident, locator=st.none() | st.builds(Locator, value=st.from_regex(r"[0-9]{1,3}", fullmatch=True)), level=st.sampled_from(list(Level)), basis=text)
notes = st.builds(
    Note,
    number=st.integers(1, 86),
    anchor=st.builds(NoteAnchor, paragraph=st.integers(1, 163), before=text),
    supports=st.lists(st.sampled_from(list(Support)), min_size=1, max_size=3),
    quoted=st.lists(ident, max_size=3),
    status=st.sampled_from(["identified", "unidentified"]),
    citations=st.lists(citations, max_size=3),
    commentary=st.none() | text,
)

# Selector context is verbatim text: it may begin or end with a space, so it is not trimmed.
context = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=32)
quotations = st.builds(
    Quotation,
    display=st.sampled_from(["block", "inline"]),
    speakers=st.lists(ident, max_size=2),
    speaker_description=st.none() | text,
    note=st.none() | st.integers(1, 86),
    note_reason=st.none() | text,
    source=st.none() | citations,
    via=st.none() | citations,
    original_language=st.none() | st.sampled_from(["es", "en", "it"]),
    occasion=st.none() | text,
    date=st.none() | date_spans,
    anchor=st.builds(
        QuotationAnchor,
        paragraph=st.integers(1, 163),
        quote=st.builds(TextQuoteSelector, exact=text, prefix=context, suffix=context),
        position=st.builds(TextPositionSelector, start=st.integers(0, 10**6), end=st.integers(0, 10**6)),
    ),
)
essays = st.builds(
    Essay,
    key=ident,
    transcription=st.builds(Transcription, title=text, url=st.none() | web_urls, transcribed_by=st.none() | text),
    text_sha256=st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    text_bytes=st.none() | st.integers(1, 10**8),
    text_file=file_names,
    sections=st.lists(st.builds(Section, heading=st.none() | text, first_paragraph=st.integers(1, 200), last_paragraph=st.integers(1, 200)), min_size=1, max_size=4),
)
