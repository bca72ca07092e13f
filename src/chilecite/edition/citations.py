"""The edition's citations: every note and quotation cited once, in one style, as safe HTML.

citeproc-py takes about 50 ms to render one work in one form, and the edition needs some forty
distinct renderings (each work with each locator; `chilecite.citing` caches them per item), which
was most of the build time. Half of it is citeproc-py searching the style's XML tree again for
each rendering (and walking it to see which elements call a variable); `processor.memoised_style_lookups` answers those searches from a cache while the edition
is cited, which brings the citations from about 2 s to about 0.5 s. (Sharing the work between
forked processes was tried and gained nothing on two cores.)

citeproc-py's HTML is not reliably escaped (a title containing `<img …>` comes through as a
tag), so `chilecite.citing.safe_citation_html` keeps only the few inline tags the processor itself
produces and escapes everything else.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from chilecite.citing import CitedNote, CitedQuotation, cite_note, cite_quotation
from chilecite.corpus import Corpus
from chilecite.processor import memoised_style_lookups
from chilecite.styles import StyleFile


@dataclass(frozen=True)
class Citations:
    """Every note and quotation of a corpus cited in one style."""

    style: str  # the style's name as resolved
    style_class: str  # note or in-text
    notes: dict[int, CitedNote]
    quotations: dict[str, CitedQuotation]


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
