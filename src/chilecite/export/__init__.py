"""Exporters: pure functions from a loaded corpus and options to the text of a file."""

from __future__ import annotations

from collections.abc import Callable

from chilecite.corpus import Corpus
from chilecite.errors import NothingToDo, UsageError
from chilecite.export.bibtex import export_biblatex, export_bibtex
from chilecite.export.common import ExportOptions, parse_note_ranges, select_items
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
    empty = nothing_to_export(corpus, options)
    if empty is not None:
        raise NothingToDo(empty)
    return EXPORTERS[fmt](corpus, options)


def nothing_to_export(corpus: Corpus, options: ExportOptions) -> str | None:
    """Why the export would be empty ("note 50 is unidentified: nothing to export"), or None. The
    essay's own entry alone is nothing when notes are chosen: it is not what they ask for."""
    items = select_items(corpus, options)
    if options.notes is None:
        return None if items else f"no note cites a work at --min-level {options.min_level.value} or stronger: nothing to export"
    if any(not item.is_essay for item in items):
        return None
    chosen = sorted(options.notes)
    unidentified = [n for n in chosen if not corpus.notes[n].citations]
    if len(unidentified) == len(chosen):
        return f"{_notes(unidentified)} {'is' if len(chosen) == 1 else 'are'} unidentified: nothing to export"
    weaker = [n for n in chosen if n not in unidentified]
    return (f"{_notes(weaker)} {'cites its' if len(weaker) == 1 else 'cite their'} sources more weakly than --min-level "
            f"{options.min_level.value}" + (f", and {_notes(unidentified)} {'is' if len(unidentified) == 1 else 'are'} unidentified"
                                             if unidentified else "") + ": nothing to export")


def _notes(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"note {numbers[0]}"
    return "notes " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


__all__ = ["EXPORTERS", "ExportOptions", "export", "export_biblatex", "export_bibtex", "export_csl_items", "export_csl_json", "export_ris", "nothing_to_export", "parse_note_ranges"]
