"""`chilecite export FORMAT`: the cited works as BibTeX, BibLaTeX, CSL-JSON or RIS, to standard output or a file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from chilecite.cli.context import Command, CommandFailed, Session, location_options, pass_session
from chilecite.errors import NothingToDo

if TYPE_CHECKING:
    from chilecite.corpus import Corpus

EXPORT_FORMATS = ["bibtex", "biblatex", "csl-json", "ris", "annotations"]


@click.command(cls=Command)
@click.argument("fmt", metavar="FORMAT", type=click.Choice(EXPORT_FORMATS, case_sensitive=False))
@click.option("-o", "--output", default="-", metavar="FILE", help="Write to FILE (atomically; `-` is standard output).")
@click.option("--note", "note", type=int, multiple=True, help="Only works cited by this note (repeatable).")
@click.option("--notes", "note_ranges", default=None, metavar="RANGES", help="Only works cited by these notes, e.g. 1-20,45.")
@click.option("--min-level", type=click.Choice(["stated", "verified", "attributed"], case_sensitive=False), default="attributed",
              show_default=True, help="Weakest identification level to export.")
@click.option("--no-essay", is_flag=True, help="Leave out the essay's own entry.")
@click.option("--ascii", "ascii_", is_flag=True, help="BibTeX: LaTeX-encode accents for old toolchains.")
@location_options
@pass_session
def export(session: Session, fmt: str, output: str, note: tuple[int, ...], note_ranges: str | None, min_level: str,
           no_essay: bool, ascii_: bool) -> None:
    """Export the cited works as BibTeX, BibLaTeX, CSL-JSON or RIS, or the quotations and note anchors as W3C Web Annotations."""
    from chilecite.files import check_output_path, write_output

    check_output_path(output)  # a bad path is a usage error before any work

    def produce(corpus: Corpus) -> str:
        from chilecite.export import ExportOptions, parse_note_ranges
        from chilecite.export import export as run
        from chilecite.models import Level

        notes = set(note)
        if note_ranges:
            try:
                notes |= parse_note_ranges(note_ranges, corpus.note_count)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--notes") from None
        if fmt.lower() == "annotations":  # the quotations and note anchors, over the essay's text
            from chilecite.annotations import export_annotations

            text = session.text(corpus, required=True)
            assert text is not None  # required: a missing text is a usage error
            return export_annotations(corpus, text)
        options = ExportOptions(notes=frozenset(notes) or None, min_level=Level(min_level.lower()), include_essay=not no_essay, ascii=ascii_)
        return run(corpus, fmt.lower(), options)

    args = ["export", fmt.lower(), sorted(note), note_ranges, min_level.lower(), no_essay, ascii_]
    try:
        text = session.output("text", args, produce)
    except NothingToDo as exc:
        raise CommandFailed(str(exc)) from None  # said, exit 1, and no file written
    write_output(output, text)
