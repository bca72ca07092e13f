"""Exporters: pure functions from a loaded corpus and options to the text of a file."""

from chilecite.export.bibtex import export_biblatex, export_bibtex
from chilecite.export.common import ExportOptions, parse_note_ranges
from chilecite.export.csljson import export_csl_items, export_csl_json

EXPORTERS = {"bibtex": export_bibtex, "biblatex": export_biblatex, "csl-json": export_csl_json}

__all__ = ["EXPORTERS", "ExportOptions", "export_biblatex", "export_bibtex", "export_csl_items", "export_csl_json", "parse_note_ranges"]
