"""Building the reader's edition: the records and the reference text in, the site's files out.

`build_edition` is pure: it returns {relative path: bytes} and writes nothing. The page is one
`index.html` (the essay, its note and quotation cards, the coverage figure, the indexes, the
embedded search index) beside `edition.css` and `edition.js`; nothing is loaded from elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from chilecite import __version__
from chilecite.citing import NotAnchored, check_anchored, essay_place
from chilecite.corpus import Corpus
from chilecite.edition.citations import cite_everything
from chilecite.edition.coverage import coverage
from chilecite.edition.indexes import agents_index, works_index
from chilecite.edition.metadata import essay_facts, meta_tags
from chilecite.edition.search_index import script_json, search_entries
from chilecite.edition.view import LEVEL_MEANING, LEVELS, SectionView, essay_sections
from chilecite.errors import UsageError
from chilecite.styles import DEFAULT_STYLE, StyleFile
from chilecite.text import ReferenceText
from chilecite.vocabulary import is_web_url

STYLE_NAMES = {
    "chicago-notes-bibliography": "Chicago (notes and bibliography)",
    "chicago-author-date": "Chicago (author-date)",
    "apa": "APA",
    "modern-language-association": "MLA",
    "harvard-cite-them-right": "Harvard (Cite Them Right)",
}
STATIC_FILES = ("edition.css", "edition.js")
MARKER_FILE = ".chilecite-edition"


class EditionError(UsageError):
    """The edition cannot be written where it was asked to be; the message says why, in one line."""


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("chilecite.edition", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(LEVELS=LEVELS, LEVEL_MEANING=LEVEL_MEANING)
    env.filters["web_url"] = web_url
    return env


def web_url(value: object) -> str | None:
    """The value when it is an absolute http(s) URL, else None: the only addresses the edition links
    to, whatever a record holds (the models refuse others; this holds without them too)."""
    return value if isinstance(value, str) and is_web_url(value) else None


def build_edition(corpus: Corpus, text: ReferenceText, *, style: str | Path | StyleFile = DEFAULT_STYLE) -> dict[str, bytes]:
    """The edition's files, {relative path: content}, built from the records and the reference text.

    Raises EditionError when the records do not load cleanly, were anchored in another text, or the
    style is unknown.
    """
    try:
        check_anchored(corpus, text)
    except NotAnchored as exc:
        raise EditionError(str(exc)) from None
    try:
        citations = cite_everything(corpus, style)
    except LookupError as exc:  # the processor's StyleNotFound / NotFound
        raise EditionError(str(exc)) from None
    sections = essay_sections(corpus, text, citations)
    figure = coverage(sections)
    paragraph_text = {p.number: p.text for p in text.paragraphs}
    context = {
        "version": __version__,
        "essay": corpus.essay,
        "facts": essay_facts(corpus),
        "meta_tags": meta_tags(corpus),
        "examples": _examples(corpus, sections),
        "sections": sections,
        "coverage": figure,
        "works": works_index(corpus),
        "agents": agents_index(corpus),
        "style_name": STYLE_NAMES.get(citations.style, citations.style),
        "style_class": citations.style_class,
        "search_index": script_json({"version": 1, "entries": search_entries(corpus, sections, paragraph_text)}),
        "counts": {"notes": len(corpus.notes), "quotations": len(corpus.quotations), "works": len(corpus.works), "agents": len(corpus.agents)},
        "text_sha256": text.sha256,
    }
    page = _compact(_environment().get_template("index.html.j2").render(context))
    files = {"index.html": page.encode("utf-8")}
    static = resources.files("chilecite.edition") / "static"
    for name in STATIC_FILES:
        files[name] = (static / name).read_bytes()
    files[MARKER_FILE] = f"chilecite {__version__} reader's edition; style {citations.style}\n".encode()
    return files


def _compact(page: str) -> str:
    """The page without the templates' indentation and blank lines (a line break is still white
    space where one was; the page has no <pre> or <textarea>)."""
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)*", "\n", page)


@dataclass(frozen=True)
class Examples:
    """Addresses the About section and the empty panel show as examples, taken from this essay's
    records (a note with a source, the first quotation), so no other essay's facts are printed."""

    paragraph: int
    section_paragraph: int
    note: int | None
    note_level: str
    quotation: str | None


def _examples(corpus: Corpus, sections: list[SectionView]) -> Examples:
    cards = [n for s in sections for n in s.notes if n.has_record]
    note = next((n for n in cards if n.sources), cards[0] if cards else None)
    quotations = [q for s in sections for q in s.quotations]
    # one in a headed section shows the margin's number (within the section) beside the line's
    quotation = next((q for q in quotations if essay_place(corpus, q.paragraph).heading), quotations[0] if quotations else None)
    paragraph = quotation.paragraph if quotation else note.paragraph if note else 1
    return Examples(paragraph, essay_place(corpus, paragraph).section_paragraph, note.number if note else None,
                    note.level if note else "unidentified", quotation.id if quotation else None)
