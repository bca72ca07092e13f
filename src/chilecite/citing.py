"""Citing the essay's quotations in other work.

A quotation printed in the essay is, for a reader of the essay, a *secondary* quotation: the
reader saw the words in Gonzalez 1984, not in the original. So every citation made here says
so: "<original or speaker>, quoted in <the essay>, <section>, para. N". The locator is the
essay's section and the paragraph counted within it (Chicago 14.160 / APA 8.28 practice for a
text without page numbers): the online transcription has no page breaks.

CSL 1.0 cannot express "quoted in", so the two halves are rendered separately by citeproc-py
(the original work, then the essay) and joined here: full note forms with ", quoted in " in
note styles; the in-text forms inside one pair of parentheses in author-date styles
("(Allende, 1973, as cited in Gonzalez, 1984, ...)"). An original identified only at level
`attributed` always carries ATTRIBUTED_MARK, in every style and format.

Every citation comes with the reference-list entries the style gives its works (`ReferenceList`:
the original and the essay, under the heading the style's guide uses), and with the same citation
in pandoc's Markdown syntax (`[@orig; quoted in @essay, {para. 12} in “Heading”]`), which pandoc's
citeproc renders in the writer's own style from `chilecite export csl-json`.

citeproc-py is imported lazily; the CLI's `--help` never loads it.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from chilecite.characters import safe_json, visible
from chilecite.corpus import Corpus
from chilecite.errors import NotFound, StyleError, UsageError
from chilecite.models import Citation, Level, Person, Quotation
from chilecite.processor import Rendered, Style, punctuation_in_quote, render_item, resolve_style, work_item
from chilecite.styles import DEFAULT_STYLE, StyleFile, styles_dir
from chilecite.vocabulary import closest, fold, is_web_url

if TYPE_CHECKING:
    from chilecite.text import ReferenceText

FORMATS = ("text", "markdown", "html", "latex", "pandoc", "json")
ATTRIBUTED_MARK = "[attributed source, not checked]"


@dataclass(frozen=True)
class EssayPlace:
    """Where a quotation stands in the essay: section heading (None: the opening) and paragraph."""

    heading: str | None
    section_number: int | None  # 1-based, in essay order; the untitled opening is 1
    paragraph: int  # the essay-wide paragraph number (n-th non-empty line, headings count)
    section_paragraph: int  # counted within the section, the heading not counted

    def locator(self) -> str:
        where = "opening section" if self.heading is None else f"“{self.heading}”"
        return f"{where}, para. {self.section_paragraph}"

    def latex(self) -> str:
        where = "opening section" if self.heading is None else f"\\enquote{{{_tex(self.heading)}}}"
        return f"{where}, para.~{self.section_paragraph}"

    def pandoc(self) -> str:
        """The locator as a pandoc citation suffix: the paragraph as a CSL `paragraph` locator (in
        braces, so pandoc reads exactly it; each style prints its own label, MLA "par."), the
        section after it (a CSL locator has one label, so the heading cannot be part of it)."""
        where = "the opening section" if self.heading is None else f"“{_pandoc_escape(self.heading, in_citation=True)}”"
        return f", {{para. {self.section_paragraph}}} in {where}"


@dataclass(frozen=True)
class Reference:
    """One reference-list entry: the work's key and its bibliography entry in the style."""

    key: str
    text: str
    html: str  # citeproc-py's HTML, with only its formatting tags (see `_html_clean`)
    attributed: bool = False  # cited only at level `attributed`: every layout adds ATTRIBUTED_MARK

    @property
    def marked(self) -> str:
        """The entry as plain text, with ATTRIBUTED_MARK where it applies."""
        return f"{self.text} {ATTRIBUTED_MARK}" if self.attributed else self.text


@dataclass(frozen=True)
class ReferenceList:
    """The entries a citation needs in the reference list, under the heading the style's guide uses.

    Sorted as the styles sort (by their first words, accents and case ignored). A work the style
    leaves out of its bibliography (Chicago notes-bibliography cites an unpublished speech in notes
    only) has no entry; `entries` may then be empty."""

    heading: str
    entries: tuple[Reference, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "entries": [{"key": e.key, "text": e.text, "html": e.html, "attributed": e.attributed} for e in self.entries]}


# What each style's guide heads its reference list with, by the style's CSL id (or, for a dependent
# style, its independent parent's), so a renamed copy of a style keeps its heading: APA's
# "References", MLA's "Works Cited", Cite Them Right's "Reference list", Chicago's "References"
# (author-date) and "Bibliography" (notes). Any other style takes its class's heading.
# The heading of a style's reference list, by what the style is (the name in its CSL `<id>`, for a
# dependent style its parent's: see `Style.style_id`); other styles take their class's.
REFERENCE_HEADINGS = {
    "apa": "References",
    "modern-language-association": "Works Cited",
    "harvard-cite-them-right": "Reference list",
    "chicago-author-date": "References",
    "chicago-notes-bibliography": "Bibliography",
    "chicago-note-bibliography": "Bibliography",
}
DEFAULT_REFERENCE_HEADING = {"note": "Bibliography", "in-text": "References"}


def reference_heading(style: Style) -> str:
    """The heading of the style's reference list ("References", "Works Cited", "Bibliography")."""
    return REFERENCE_HEADINGS.get(style.style_name, DEFAULT_REFERENCE_HEADING.get(style.style_class, "References"))


def _reference_list(style: Style, rendered: list[tuple[str, Rendered, bool]]) -> ReferenceList:
    """The bibliography entries of these works (each once, marked when every citation of it is
    `attributed`), sorted as a reference list is."""
    fix = punctuation_in_quote if style.punctuation_in_quote else (lambda t: t)
    entries: dict[str, Reference] = {}
    for key, r, attributed in rendered:
        if key in entries:
            entries[key] = Reference(key, entries[key].text, entries[key].html, entries[key].attributed and attributed)
        elif r.reference:
            entries[key] = Reference(key, fix(r.reference), fix(r.reference_html), attributed)
    ordered = sorted(entries.values(), key=lambda e: (fold(e.text), e.text, e.key))
    return ReferenceList(reference_heading(style), tuple(ordered))


def essay_place(corpus: Corpus, paragraph: int) -> EssayPlace:
    sections = corpus.essay.sections if corpus.essay else []
    for number, section in enumerate(sections, start=1):
        if section.first_paragraph <= paragraph <= section.last_paragraph:
            offset = 1 if section.heading is None else 0  # a headed section's first line is its heading
            return EssayPlace(section.heading, number, paragraph, paragraph - section.first_paragraph + offset)
    return EssayPlace(None, None, paragraph, paragraph)


# --------------------------------------------------------------------------- citing a quotation


def agent_name(corpus: Corpus, agent_id: str, *, short: bool = False) -> str:
    agent = corpus.agents.get(agent_id)
    if agent is None:
        return agent_id
    if isinstance(agent, Person) and short:
        return " ".join(p for p in (agent.particle, agent.family) if p)
    return agent.display_name


def _join_names(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def _strip_parens(text: str) -> str:
    if text.startswith("(") and text.endswith(")"):
        return text[1:-1]
    return text


@dataclass(frozen=True)
class CitedQuotation:
    """A quotation with its secondary citation in one style, ready to render in one format."""

    id: str
    text: str
    display: str  # block or inline
    speaker_ids: tuple[str, ...]
    speakers: tuple[str, ...]  # display names
    note: int | None
    source_work: str | None
    source_level: str | None  # stated, verified, attributed, or None when known only through the essay
    via_work: str | None  # a secondary work the essay's wording was found in, quoting the original
    via_level: str | None
    style: str
    style_class: str
    fmt: str
    citation: str  # plain text, e.g. "(Allende, 1973, as cited in Gonzalez, 1984, “…,” para. 13)"
    citation_html: str
    citation_latex: str  # \cite-based, keys = BibTeX keys
    citation_pandoc: str  # pandoc Markdown, keys = CSL-JSON ids: "[@orig; quoted in @essay, {para. 12} in “…”]"
    original_citation: str | None  # the original alone, in the style's citation form
    essay_citation: str  # the essay alone, in the style's citation form
    bibliography: ReferenceList  # the reference-list entries of the original (if any) and the essay
    place: EssayPlace
    essay_key: str
    essay_url: str | None = None
    original_language: str | None = None

    @property
    def references(self) -> tuple[str, ...]:
        """The reference-list entries as plain text, in reference-list order."""
        return tuple(e.text for e in self.bibliography.entries)

    def render(self, fmt: str | None = None) -> str:
        fmt = fmt or self.fmt
        _check_format(fmt)
        return _RENDERERS[fmt](self)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "display": self.display,
            "speakers": [{"id": i, "name": n} for i, n in zip(self.speaker_ids, self.speakers, strict=False)],
            "note": self.note,
            "source": {"work": self.source_work, "level": self.source_level} if self.source_work else None,
            "source_level": self.source_level,
            "via": {"work": self.via_work, "level": self.via_level} if self.via_work else None,
            "style": self.style,
            "style_class": self.style_class,
            "citation": self.citation,
            "citation_html": self.citation_html,
            "citation_latex": self.citation_latex,
            "citation_pandoc": self.citation_pandoc,
            "original_citation": self.original_citation,
            "essay_citation": self.essay_citation,
            "references": list(self.references),
            "bibliography": self.bibliography.as_dict(),
            "essay": {
                "key": self.essay_key,
                "section": self.place.heading,
                "section_number": self.place.section_number,
                "paragraph": self.place.paragraph,
                "section_paragraph": self.place.section_paragraph,
                "locator": self.place.locator(),
                "url": self.essay_url,
            },
            "original_language": self.original_language,
        }


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}'", choices=closest(fmt, FORMATS), hint=f"formats: {', '.join(FORMATS)}")


def cite_quotation(corpus: Corpus, quotation_id: str, style: str | Path | StyleFile = DEFAULT_STYLE, fmt: str = "text") -> CitedQuotation:
    """Cite one quotation as quoted in the essay, in a CSL style; `render()` gives the chosen format."""
    _check_format(fmt)
    record = corpus.quotation(quotation_id)
    return cite_record(corpus, quotation_id, record, style, fmt)


def cite_record(corpus: Corpus, quotation_id: str, record: Quotation, style: str | Path | StyleFile = DEFAULT_STYLE, fmt: str = "text") -> CitedQuotation:
    """Like `cite_quotation`, for a Quotation object that need not be in the corpus (e.g. a `model_copy`)."""
    _check_format(fmt)
    info = resolve_style(style)
    if corpus.essay is None or corpus.essay.key not in corpus.works:
        raise NotFound("the essay's own record (records/essay.yaml and its work) is missing")
    essay_key = corpus.essay.key
    place = essay_place(corpus, record.anchor.paragraph)
    essay_full = work_item(corpus, essay_key)
    # The section-and-paragraph locator takes the place of a page: the essay's page range
    # would otherwise print in Chicago's note ("no. 22 (Winter 1984): 45–86, “…”, para. 3").
    essay = _rendered(info, {k: v for k, v in essay_full.items() if k != "page"})
    essay_reference = _rendered(info, essay_full)
    source = record.source if record.source and record.source.work in corpus.works else None
    original: Rendered | None = None
    if source is not None:
        locator = (source.locator.label, source.locator.value) if source.locator and source.level != Level.attributed else None
        original = _rendered(info, work_item(corpus, source.work), locator)
    attributed = source is not None and source.level == Level.attributed
    # Words spoken by someone other than the original's author (Tomic in Zammit's collection)
    # name the speaker first: "Radomiro Tomic, in J. Ann Zammit, ed., …".
    speaker_elsewhere = source is not None and bool(record.speakers) and not set(record.speakers) & set(corpus.works[source.work].authors)
    names_full = [agent_name(corpus, a) for a in record.speakers]
    names_short = [agent_name(corpus, a, short=True) for a in record.speakers]
    connector = info.connector

    def compose(orig: str | None, essay_form: str, escape: Callable[[str], str]) -> str:
        loc = escape(place.locator())
        mark = " " + escape(ATTRIBUTED_MARK) if attributed else ""
        if info.is_note:
            essay_part = f"{essay_form.rstrip('.')}, {loc}."
            if orig is not None:
                lead = f"{escape(_join_names(names_full))}, in " if speaker_elsewhere else ""
                return f"{lead}{orig.rstrip('.')}{mark}, {connector} {essay_part}"
            if names_full:
                return f"{escape(_join_names(names_full))}, {connector} {essay_part}"
            return f"{connector[:1].upper()}{connector[1:]} {essay_part}"
        essay_part = f"{_strip_parens(essay_form)}, {loc}"
        if orig is not None:
            inner = _strip_parens(orig).strip(" ,")
            speakers = escape(_join_names(names_short))
            if names_short and not any(escape(n) in inner for n in names_short):
                # an untitled, authorless original (a newspaper report) renders as a bare year:
                # name who is quoted instead
                inner = f"{speakers}, {inner}" if inner else speakers
            return f"({inner}{mark}, {connector} {essay_part})"
        if names_short:
            return f"({escape(_join_names(names_short))}, {connector} {essay_part})"
        return f"({connector} {essay_part})"

    plain = compose(original.citation if original else None, essay.citation, lambda s: s)
    rich = compose(original.citation_html if original else None, essay.citation_html, _html_text)
    if info.punctuation_in_quote:
        plain, rich = punctuation_in_quote(plain), punctuation_in_quote(rich)
    latex = _latex_citation(record, source, attributed, names_full if info.is_note else names_short, essay_key, place, connector, speaker_elsewhere)
    # pandoc: the same parts as `compose`, as a prefix to the original (or, without one, to the essay)
    if info.is_note:
        lead = _join_names(names_full) + (", in" if original is not None else "") if (speaker_elsewhere or original is None) and names_full else ""
    else:
        unnamed = original is not None and not any(n in original.citation for n in names_short)
        lead = _join_names(names_short) + ("," if unnamed else "") if names_short and (original is None or unnamed) else ""
    pandoc = _pandoc_citation(essay_key, place, connector, lead, source.work if source else None,
                              _pandoc_locator(source) if source and not attributed else "", attributed, info.is_note)
    rendered = [(source.work, original, attributed)] if source is not None and original is not None else []
    bibliography = _reference_list(info, [*rendered, (essay_key, essay_reference, False)])
    return CitedQuotation(
        id=quotation_id,
        text=record.text,
        display=record.display,
        speaker_ids=tuple(record.speakers),
        speakers=tuple(names_full),
        note=record.note,
        source_work=source.work if source else None,
        source_level=source.level.value if source else None,
        via_work=record.via.work if record.via else None,
        via_level=record.via.level.value if record.via else None,
        style=info.name,
        style_class=info.style_class,
        fmt=fmt,
        citation=plain,
        citation_html=rich,
        citation_latex=latex,
        citation_pandoc=pandoc,
        original_citation=original.citation if original else None,
        essay_citation=essay.citation,
        bibliography=bibliography,
        place=place,
        essay_key=essay_key,
        essay_url=(corpus.essay.transcription.url or corpus.works[essay_key].url),
        original_language=record.original_language,
    )


def _latex_citation(record: Quotation, source: Citation | None, attributed: bool, names: list[str], essay_key: str, place: EssayPlace, connector: str,
                    speaker_elsewhere: bool = False) -> str:
    essay_cite = f"\\cite[{{{place.latex()}}}]{{{_tex_key(essay_key)}}}"
    if source is not None:
        postnote = ""
        if source.locator and not attributed:
            value = _tex(source.locator.value)
            postnote = f"[{{{value if source.locator.label == 'page' else _tex(source.locator.label) + '~' + value}}}]"
        mark = " " + _tex(ATTRIBUTED_MARK) if attributed else ""
        lead = f"{_tex(_join_names(names))}, in " if speaker_elsewhere and names else ""
        return f"{lead}\\cite{postnote}{{{_tex_key(source.work)}}}{mark}, {connector} {essay_cite}"
    if names:
        return f"{_tex(_join_names(names))}, {connector} {essay_cite}"
    return f"{connector[:1].upper()}{connector[1:]} {essay_cite}"


# --------------------------------------------------------------------------- renderers


# Record text is data in every format: nothing in it may become markup, a TeX command, or a control
# character for the terminal or the page. Each renderer escapes every value it interpolates, and
# makes the characters below visible (as \x1b, \u202e) in text, Markdown and HTML, or escapes them
# in JSON; LaTeX escapes them through `_tex`. The class is `chilecite.characters.UNSAFE`.
def _inert(text: str) -> str:
    return visible(text)


def _json(payload: object) -> str:
    """JSON that encodes as UTF-8 and is inert in a terminal: the unsafe characters as \\uXXXX escapes."""
    return safe_json(payload)


# --- HTML. citeproc-py's HTML formatter escapes some variables and passes others through as they
# are (names, genre, event, the locator), so record text could become live markup. It is therefore
# rendered with `&`, `<` and `>` replaced by private-use stand-ins: the only tags in what comes back
# are the formatter's own (or the style's affixes), and `_html_clean` keeps just the formatter's
# fixed, balanced formatting tags, escapes every other character, and turns the stand-ins into the
# entities they stand for. A stand-in character already in the record is carried through as
# _LITERAL and a digit, so the record cannot forge one.
_STAND_IN = {"&": "\ue000", "<": "\ue001", ">": "\ue002"}
_LITERAL = "\ue003"
_TO_STAND_IN = re.compile("[&<>\ue000-\ue003]")
_FROM_STAND_IN = re.compile("\ue003([0-3])|[\ue000-\ue003]")
_ENTITY = {"\ue000": "&amp;", "\ue001": "&lt;", "\ue002": "&gt;"}
# citeproc-py's formatting tags (citeproc.formatter.html), and what each becomes; <l> ("light") is not HTML.
_OPENING = {"<i>": ("i", "<i>"), "<b>": ("b", "<b>"), "<u>": ("u", "<u>"), "<sup>": ("sup", "<sup>"), "<sub>": ("sub", "<sub>"),
            '<span style="font-variant:small-caps;">': ("span", '<span style="font-variant:small-caps;">'),
            "<l>": ("l", '<span style="font-weight:lighter;">')}
_CLOSING = {"</i>": ("i", "</i>"), "</b>": ("b", "</b>"), "</u>": ("u", "</u>"), "</sup>": ("sup", "</sup>"), "</sub>": ("sub", "</sub>"),
            "</span>": ("span", "</span>"), "</l>": ("l", "</span>")}
_TAG = re.compile(r"(<[^<>]*>)")


def _stand_in(value: Any) -> Any:
    if isinstance(value, str):
        return _TO_STAND_IN.sub(lambda m: _STAND_IN.get(m.group()) or f"{_LITERAL}{ord(m.group()) - 0xE000}", value)
    if isinstance(value, dict):
        return {k: v if k == "id" else _stand_in(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stand_in(v) for v in value]
    return value


def _from_stand_ins(text: str) -> str:
    return _FROM_STAND_IN.sub(lambda m: chr(0xE000 + int(m.group(1))) if m.group(1) else _ENTITY.get(m.group(), "\ufffd"), text)


def _html_clean(fragment: str) -> str:
    """HTML from citeproc-py with only its formatting tags, each kept only where it is opened and
    closed in order, and everything else escaped (also well-formed XML). Idempotent."""
    tokens = _TAG.split(fragment)
    kept: dict[int, str] = {}
    opened: list[tuple[int, str]] = []
    for index, token in enumerate(tokens):
        if token in _OPENING:
            opened.append((index, _OPENING[token][0]))
        elif token in _CLOSING and opened and opened[-1][1] == _CLOSING[token][0]:
            start, _ = opened.pop()
            kept[start], kept[index] = _OPENING[tokens[start]][1], _CLOSING[token][1]
    return "".join(kept[i] if i in kept else html.escape(html.unescape(t), quote=False) for i, t in enumerate(tokens))


def _html_text(text: str) -> str:
    return html.escape(text, quote=False)


def _rendered(style: Style, item: dict[str, Any], locator: tuple[str, str] | None = None) -> Rendered:
    """`render_item`, with HTML that holds no markup from the record; a style citeproc-py fails on
    is a StyleError naming the file (a failure with a bundled style is a bug, and raised as it is)."""
    try:
        plain = render_item(style, item, locator)
        coded_item = _stand_in(item)
        coded_locator = (locator[0], _stand_in(locator[1])) if locator else None
        rich = plain if (coded_item, coded_locator) == (item, locator) else render_item(style, coded_item, coded_locator)
    except Exception as exc:
        if style.path.resolve().parent == styles_dir().resolve() or not (isinstance(exc, RecursionError) or _raised_in_citeproc(exc)):
            raise
        raise StyleError(f"style file {style.path}: citeproc-py cannot render with it ({type(exc).__name__}: {exc})") from None
    return Rendered(plain.citation, _from_stand_ins(_html_clean(rich.citation_html)),
                    plain.reference, _from_stand_ins(_html_clean(rich.reference_html)))


def _raised_in_citeproc(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and str(tb.tb_frame.f_globals.get("__name__", "")).split(".")[0] == "citeproc"


# --- Markdown: the characters of links, images, raw HTML, code and emphasis are backslash-escaped,
# and so is an `&` that would start an entity (`&#x202e;`); "Birchall & Harman" stays as it is.


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>]|&(?=#?[A-Za-z0-9]+;))", r"\\\1", text)


def _md_label(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


def _html_to_markdown(fragment: str) -> str:
    """Safe HTML from `_html_clean` (only <i>, <b>, <u>, <span>, <sup>, <sub> tags) as Markdown."""
    out = []
    for token in _TAG.split(_html_clean(fragment)):
        if token.startswith("<"):
            tag = token.strip("</>").split()[0] if token.strip("</>") else ""
            out.append({"i": "*", "b": "**"}.get(tag, ""))
        else:
            out.append(_md_escape(html.unescape(token)))
    return "".join(out)


# --- LaTeX: record text through `escape` (specials, control characters, `^^`), after the unsafe
# characters are made visible; citation keys as they are only when they are plain; comment lines
# kept to one line whatever the text holds (a CR or a line separator would end the comment).


def _tex(text: str) -> str:
    from chilecite.export.latex import escape

    return escape(_inert(text))


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_:.+/-]+")


def _tex_key(key: str) -> str:
    return key if _PLAIN_KEY.fullmatch(key) else _tex(key)


def _tex_comment(text: str) -> str:
    return "% " + _inert(text.replace("\n", " ").replace("\t", " "))


# --- pandoc Markdown: the quotation as text pandoc cannot read as anything but text, and the
# citation in pandoc's syntax. Every ASCII character that can open a pandoc construct anywhere in a
# line is backslash-escaped (`@` a citation, `[` a link, span or citation, `^[` a note, `$` maths,
# `\` raw TeX, `<` raw HTML, `` ` `` code, `*`/`_` emphasis, `~`/`^` sub- and superscript, `{` an
# attribute, `|` a line block, `&` an entity, `#` a heading); inside a citation's brackets `;` too,
# which would start another citation. White space (newlines included) becomes one space, so nothing
# can start a block; the characters that could at the start of the line (a list marker, `:`, `%`)
# are escaped there. pandoc's `smart` extension still curls straight quotation marks and makes `...`
# an ellipsis and `--` a dash, as it does in the writer's own text.
_PANDOC_SPECIAL = re.compile(r"[\\`*_\[\]{}<>#$^~@|&]")
_PANDOC_SPECIAL_IN_CITATION = re.compile(r"[\\`*_\[\]{}<>#$^~@|&;]")
_PANDOC_LINE_START = re.compile(r"^(?:[!-/:-@\[-`{-~]|(?:[0-9]+|[A-Za-z]|[ivxlcdmIVXLCDM]+)[.)])")
_PANDOC_PLAIN_KEY = re.compile(r"[A-Za-z0-9_]+")
_PANDOC_BRACED_KEY = re.compile(r"[^{}\s\\]+")


def _pandoc_escape(text: str, *, in_citation: bool = False, line_start: bool = False) -> str:
    text = re.sub(r"[ \t\n\r]+", " ", _inert(text)).strip(" ")
    escaped = (_PANDOC_SPECIAL_IN_CITATION if in_citation else _PANDOC_SPECIAL).sub(lambda m: "\\" + m.group(), text)
    if line_start:
        start = _PANDOC_LINE_START.match(escaped)
        if start and not escaped.startswith("\\"):
            cut = start.end() - 1
            escaped = escaped[:cut] + "\\" + escaped[cut:]
    return escaped


def _pandoc_key(key: str) -> str:
    """`@key`, or `@{key}` for a key with other characters; a key pandoc cannot hold is an error."""
    if _PANDOC_PLAIN_KEY.fullmatch(key):
        return f"@{key}"
    if _PANDOC_BRACED_KEY.fullmatch(key):
        return f"@{{{key}}}"
    raise UsageError(f"citation key '{_inert(key)}' cannot be written in pandoc's citation syntax")


def _pandoc_locator(citation: Citation) -> str:
    """A work's own locator as a pandoc citation suffix: `, {page 45}` (the CSL label, which
    pandoc's citeproc reads, then the value); a value pandoc could not keep in braces is plain text."""
    if citation.locator is None:
        return ""
    value = citation.locator.value
    if re.fullmatch(r"[^{}\\\[\];@]+", value):
        return f", {{{citation.locator.label} {_pandoc_escape(value, in_citation=True)}}}"
    return f", {_pandoc_escape(f'{citation.locator.label} {value}', in_citation=True)}"


def _pandoc_citation(essay_key: str, place: EssayPlace, connector: str, lead: str, original: str | None, locator: str,
                     attributed: bool, note_style: bool) -> str:
    """The quoted-in citation in pandoc's syntax: two citations, the original's and the essay's, the
    connector ("quoted in") the essay's prefix. pandoc joins them with the style's delimiter ("; ")."""
    essay_part = f"{_pandoc_key(essay_key)}{place.pandoc()}"
    said = _pandoc_escape(connector, in_citation=True)
    if original is not None:
        prefix = f"{_pandoc_escape(lead, in_citation=True)} " if lead else ""
        mark = f" {_pandoc_escape(ATTRIBUTED_MARK, in_citation=True)}" if attributed else ""
        return f"[{prefix}{_pandoc_key(original)}{locator}{mark}; {said} {essay_part}]"
    if lead:
        return f"[{_pandoc_escape(lead, in_citation=True)}, {said} {essay_part}]"
    return f"[{said[:1].upper() + said[1:] if note_style else said} {essay_part}]"


def _render_pandoc(c: CitedQuotation) -> str:
    """The quotation and its citation in pandoc's Markdown: a block quotation as `>`, an inline one
    in quotation marks; in a note style pandoc makes the citation a footnote itself."""
    if c.display == "block":
        return f"> {_pandoc_escape(c.text, line_start=True)} {c.citation_pandoc}\n"
    return f"“{_pandoc_escape(c.text)}” {c.citation_pandoc}\n"


# --- the reference list, laid out for each format


def _mark(entry: Reference, escape: Callable[[str], str]) -> str:
    return f" {escape(ATTRIBUTED_MARK)}" if entry.attributed else ""


def _references_text(refs: ReferenceList) -> str:
    return f"\n{refs.heading}\n" + "".join(f"{e.marked}\n" for e in refs.entries) if refs.entries else ""


def _references_markdown(refs: ReferenceList) -> str:
    if not refs.entries:
        return ""
    return f"\n**{_md_escape(refs.heading)}**\n\n" + "\n".join(f"{_html_to_markdown(e.html)}{_mark(e, _md_escape)}\n" for e in refs.entries)


def _references_html(refs: ReferenceList) -> str:
    """pandoc's and citeproc-js's classes (`csl-bib-body`, `csl-entry`), so a site's CSS for them applies."""
    if not refs.entries:
        return ""
    entries = "".join(f'    <div class="csl-entry" data-key="{html.escape(e.key)}">{_html_clean(e.html)}{_mark(e, _html_text)}</div>\n'
                      for e in refs.entries)
    return (f'<section class="chilecite-references">\n  <h3>{html.escape(refs.heading)}</h3>\n'
            f'  <div class="csl-bib-body">\n{entries}  </div>\n</section>\n')


def _references_latex(refs: ReferenceList, style: str) -> str:
    """Comment lines: in LaTeX biblatex or BibTeX prints the reference list from the keys cited."""
    if not refs.entries:
        return ""
    lines = [_tex_comment(f"{refs.heading} ({style}), printed by \\printbibliography or \\bibliography from the keys cited:")]
    lines += [_tex_comment(f"  {e.key}: {e.marked}") for e in refs.entries]
    return "".join(f"{line}\n" for line in lines)


def _render_text(c: CitedQuotation) -> str:
    if c.display == "block":
        body = "    " + c.text
        out = f"{body} {c.citation}\n" if c.style_class != "note" else f"{body}\n\nNote: {c.citation}\n"
    elif c.style_class != "note":
        out = f"“{c.text}” {c.citation}\n"
    else:
        out = f"“{c.text}”\n\nNote: {c.citation}\n"
    return _inert(out + _references_text(c.bibliography))


def _render_markdown(c: CitedQuotation) -> str:
    text = _md_escape(c.text)
    cite = _html_to_markdown(c.citation_html)
    quoted = f"> {text}" if c.display == "block" else f"“{text}”"
    if c.style_class != "note":
        return _inert(f"{quoted} {cite}\n" + _references_markdown(c.bibliography))
    label = _md_label(c.id)
    return _inert(f"{quoted}[^{label}]\n\n[^{label}]: {cite}\n" + _references_markdown(c.bibliography))


def _render_html(c: CitedQuotation) -> str:
    cite = _html_clean(c.citation_html)
    text = html.escape(c.text)
    attrs = f' data-quotation="{html.escape(c.id)}"'
    if c.display == "block":
        url = f' cite="{html.escape(c.essay_url)}"' if c.essay_url and is_web_url(c.essay_url) else ""
        out = f'<blockquote class="chilecite-quotation"{attrs}{url}>\n  <p>{text}</p>\n  <footer><cite>{cite}</cite></footer>\n</blockquote>\n'
    else:
        out = f'<span class="chilecite-quotation"{attrs}><q>{text}</q> <cite>{cite}</cite></span>\n'
    return _inert(out + _references_html(c.bibliography))


def _render_latex(c: CitedQuotation) -> str:
    text = _tex(c.text)
    comment = _tex_comment(f"{c.id} ({c.style}): {c.citation}")
    if c.display == "block":
        out = f"{comment}\n\\blockquote[{{{c.citation_latex}}}]{{{text}}}\n"
    elif c.style_class == "note":
        out = f"{comment}\n\\enquote{{{text}}}\\footnote{{{c.citation_latex}.}}\n"
    else:
        out = f"{comment}\n\\enquote{{{text}}} ({c.citation_latex})\n"
    return out + _references_latex(c.bibliography, c.style)


def _render_json(c: CitedQuotation) -> str:
    return _json(c.as_dict())


_RENDERERS = {"text": _render_text, "markdown": _render_markdown, "html": _render_html, "latex": _render_latex, "pandoc": _render_pandoc,
              "json": _render_json}


# --------------------------------------------------------------------------- citing a note


@dataclass(frozen=True)
class CitedSource:
    """One citation of a note, rendered."""

    work: str
    level: str
    locator: str | None
    citation: str
    citation_html: str
    reference: str
    reference_html: str
    pandoc: str = ""  # the citation item in pandoc's syntax: `@key, {page 45}`

    @property
    def marker(self) -> str:
        return ATTRIBUTED_MARK if self.level == Level.attributed.value else f"[{self.level}]"


@dataclass(frozen=True)
class CitedNote:
    """The formatted citation(s) of one of the essay's notes, and their reference-list entries."""

    number: int
    status: str
    style: str
    style_class: str
    fmt: str
    sources: tuple[CitedSource, ...]
    commentary: str | None = None
    bibliography: ReferenceList = field(default_factory=lambda: ReferenceList("References", ()))

    @property
    def citation_pandoc(self) -> str:
        """All the note's sources as one pandoc citation (`[@a; @b, {page 45}]`); empty without sources."""
        return f"[{'; '.join(s.pandoc for s in self.sources)}]" if self.sources else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "note": self.number, "status": self.status, "style": self.style, "style_class": self.style_class,
            "sources": [{"work": s.work, "level": s.level, "locator": s.locator, "citation": s.citation,
                         "citation_html": s.citation_html, "reference": s.reference} for s in self.sources],
            "citation_pandoc": self.citation_pandoc or None,
            "bibliography": self.bibliography.as_dict(),
            "commentary": self.commentary,
        }

    def render(self, fmt: str | None = None) -> str:
        fmt = fmt or self.fmt
        _check_format(fmt)
        head = f"Note {self.number} ({self.status}; {self.style})"
        if fmt == "json":
            return _json(self.as_dict())
        if fmt == "pandoc":
            # nothing but the citation, to paste where the note belongs; pandoc lists the works itself
            return f"{self.citation_pandoc}\n" if self.sources else f"<!-- note {self.number}: no source identified -->\n"
        if not self.sources:
            empty = f"No source identified; what was searched is in `chilecite show {self.number}`."
            if fmt == "html":
                return _inert(f'<section class="chilecite-note" data-note="{self.number}"><h3>{html.escape(head)}</h3><p>{html.escape(empty)}</p></section>\n')
            if fmt == "latex":
                return f"{_tex_comment(f'{head}: {empty}')}\n"
            return _inert(f"{head}\n{empty}\n")
        if fmt == "html":
            items = "".join(f"<li>{html.escape(s.marker)} <cite>{_html_clean(s.citation_html)}</cite></li>" for s in self.sources)
            return _inert(f'<section class="chilecite-note" data-note="{self.number}"><h3>{html.escape(head)}</h3><ol>{items}</ol></section>\n'
                          + _references_html(self.bibliography))
        if fmt == "markdown":
            lines = [f"**{_md_escape(head)}**", ""]
            lines += [f"{i}. {_md_escape(s.marker)} {_html_to_markdown(s.citation_html)}" for i, s in enumerate(self.sources, 1)]
            return _inert("\n".join(lines) + "\n" + _references_markdown(self.bibliography))
        if fmt == "latex":
            cites = []
            for s in self.sources:
                mark = " " + _tex(ATTRIBUTED_MARK) if s.level == Level.attributed.value else ""
                cites.append(f"\\cite{{{_tex_key(s.work)}}}{mark}")
            return f"{_tex_comment(head)}\n\\footnote{{{'; '.join(cites)}.}}\n" + _references_latex(self.bibliography, self.style)
        lines = [head] + [f"{i}. {s.marker} {s.citation}" for i, s in enumerate(self.sources, 1)]
        return _inert("\n".join(lines) + "\n" + _references_text(self.bibliography))


def cite_note(corpus: Corpus, number: int, style: str | Path | StyleFile = DEFAULT_STYLE, fmt: str = "text") -> CitedNote:
    """The citations of note N in a CSL style, each with its identification level, and their
    reference-list entries."""
    _check_format(fmt)
    note = corpus.note(number)
    info = resolve_style(style)
    fix = punctuation_in_quote if info.punctuation_in_quote else (lambda t: t)
    sources = []
    rendered: list[tuple[str, Rendered, bool]] = []
    for citation in note.citations:
        if citation.work not in corpus.works:
            continue
        checked = citation.level != Level.attributed
        locator = (citation.locator.label, citation.locator.value) if citation.locator and checked else None
        r = _rendered(info, work_item(corpus, citation.work), locator)
        rendered.append((citation.work, r, not checked))  # a locator changes the citation only, never the entry
        mark = "" if checked else f" {_pandoc_escape(ATTRIBUTED_MARK, in_citation=True)}"
        pandoc = f"{_pandoc_key(citation.work)}{_pandoc_locator(citation) if checked else ''}{mark}"
        sources.append(CitedSource(citation.work, citation.level.value, f"{locator[0]} {locator[1]}" if locator else None,
                                   fix(r.citation), fix(r.citation_html), fix(r.reference), fix(r.reference_html), pandoc))
    return CitedNote(number, note.status, info.name, info.style_class, fmt, tuple(sources), note.commentary, _reference_list(info, rendered))


# --------------------------------------------------------------------------- what the edition and the annotations share


class NotAnchored(UsageError):
    """Records that cannot be laid over this text: they did not load cleanly, or were anchored in another."""


def check_anchored(corpus: Corpus, text: ReferenceText) -> None:
    """Raise NotAnchored unless the records loaded cleanly and were anchored in this very text."""
    if corpus.problems or corpus.duplicates:
        raise NotAnchored(f"the records have {len(corpus.problems) + len(corpus.duplicates)} problem(s); run `chilecite validate` first")
    if corpus.essay is None:
        raise NotAnchored("the records have no essay record (records/essay.yaml)")
    if text.sha256 != corpus.essay.text_sha256:
        where = f" ({text.path})" if text.path else ""
        raise NotAnchored(f"the reference text{where} is not the one the records are anchored in: "
                           f"its SHA-256 is {text.sha256}, the records expect {corpus.essay.text_sha256}")
    for qid, record in sorted(corpus.quotations.items()):
        position = record.anchor.position
        if text.text[position.start:position.end] != record.text:
            raise NotAnchored(f"quotation '{qid}': its words are not at offsets {position.start}–{position.end} of the reference text")


# The inline formatting citeproc-py's HTML formatter emits; any other tag is text.
_ALLOWED_TAGS = {"i": "<i>", "b": "<b>", "u": "<u>", "sup": "<sup>", "sub": "<sub>"}
_SMALL_CAPS = re.compile(r'^<span style="font-variant:\s*small-caps;?">$')
_TAG = re.compile(r"(<[^<>]*>)")


def safe_citation_html(fragment: str) -> Markup:
    """citeproc-py HTML with only <i>, <b>, <u>, <sup>, <sub> and small-caps <span> kept, balanced;
    every other `<…>` and all text escaped."""
    out: list[str] = []
    stack: list[str] = []
    for token in _TAG.split(fragment):
        if not token:
            continue
        if token.startswith("<") and token.endswith(">"):
            name = token.strip("<>/ ").split(" ")[0].lower()
            if token.startswith("</") and stack and stack[-1] == name:
                out.append(f"</{stack.pop()}>")
                continue
            if not token.startswith("</"):
                if name in _ALLOWED_TAGS and token.lower() == f"<{name}>":
                    out.append(_ALLOWED_TAGS[name])
                    stack.append(name)
                    continue
                if name == "span" and _SMALL_CAPS.match(token):
                    out.append('<span class="small-caps">')
                    stack.append("span")
                    continue
        out.append(html.escape(html.unescape(token), quote=False))
    out.extend(f"</{name}>" for name in reversed(stack))
    return Markup("".join(out))
