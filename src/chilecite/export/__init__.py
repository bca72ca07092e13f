"""Exporters: pure functions from a loaded corpus and options to the text of a file."""

from __future__ import annotations

from collections.abc import Callable

from chilecite.corpus import Corpus
from chilecite.errors import UsageError
from chilecite.export.bibtex import export_biblatex, export_bibtex
from chilecite.export.common import ExportOptions, parse_note_ranges
from chilecite.export.csljson import export_csl_items, export_csl_json
from chilecite.export.ris import export_ris
from chilecite.vocabulary import closest

EXPORTERS: dict[str, Callable[[Corpus, ExportOptions], str]] = {
    "bibtex": export_bibtex,
    "biblatex": export_biblatex,
    "csl-json": export_csl_json,
    "ris": export_ris,
}


def export(corpus: Corpus, fmt: str, options: ExportOptions = ExportOptions()) -> str:
    """The text of an export in `fmt`; an unknown format or a note the essay has not is a usage error."""
    if fmt not in EXPORTERS:
        raise UsageError(f"no export format '{fmt}'", choices=closest(fmt, EXPORTERS), hint=f"formats: {', '.join(EXPORTERS)}")
    corpus.check_note_numbers(sorted(options.notes or ()))
    return EXPORTERS[fmt](corpus, options)


__all__ = ["EXPORTERS", "ExportOptions", "export", "export_biblatex", "export_bibtex", "export_csl_items", "export_csl_json", "export_ris", "parse_note_ranges"]
