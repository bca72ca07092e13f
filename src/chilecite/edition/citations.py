"""The edition's citations: every note and quotation cited once, in one style, as safe HTML.

citeproc-py takes about 50 ms to render one work in one form, and the edition needs some forty
distinct renderings (each work with each locator; `chilecite.citing` caches them per item), which
was most of the build time. Half of it is citeproc-py searching the style's XML tree again for
each rendering (and walking it to see which elements call a variable); `memoised_style_lookups` answers those searches from a cache while the edition
is cited, which brings the citations from about 2 s to about 0.5 s. (Sharing the work between
forked processes was tried and gained nothing on two cores.)

citeproc-py's HTML is not reliably escaped (a title containing `<img …>` comes through as a
tag), so `safe_citation_html` keeps only the few inline tags the processor itself produces and
escapes everything else.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from chilecite.citing import CitedNote, CitedQuotation, cite_note, cite_quotation
from chilecite.corpus import Corpus
from chilecite.styles import StyleFile

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


@dataclass(frozen=True)
class Citations:
    """Every note and quotation of a corpus cited in one style."""

    style: str  # the style's name as resolved
    style_class: str  # note or in-text
    notes: dict[int, CitedNote]
    quotations: dict[str, CitedQuotation]


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


def cite_everything(corpus: Corpus, style: str | Path | StyleFile, *, memoise: bool = True) -> Citations:
    """Cite every note (that has a record) and every quotation in `style`, as HTML.

    Raises the processor's LookupError (unknown style, missing essay record) unchanged.
    """
    with memoised_style_lookups() if memoise else nullcontext():
        notes = {n: cite_note(corpus, n, style, "html") for n in sorted(corpus.notes)}
        quotations = {q: cite_quotation(corpus, q, style, "html") for q in sorted(corpus.quotations)}
    sample = next(iter(quotations.values()), None) or next(iter(notes.values()), None)
    return Citations(
        style=sample.style if sample else str(style),
        style_class=sample.style_class if sample else "note",
        notes=notes,
        quotations=quotations,
    )
