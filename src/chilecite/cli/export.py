"""`chilecite export FORMAT`: the cited works as BibTeX, BibLaTeX, CSL-JSON or RIS, to standard output or a file."""

from __future__ import annotations

import click

from chilecite.cli.context import Command, Options, location_options, pass_options
from chilecite.outputs import Annotations, Export

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
@pass_options
def export(options: Options, fmt: str, output: str, note: tuple[int, ...], note_ranges: str | None, min_level: str,
           no_essay: bool, ascii_: bool) -> None:
    """Export the cited works as BibTeX, BibLaTeX, CSL-JSON or RIS, or the quotations and note anchors as W3C Web Annotations."""
    from chilecite.files import check_output_path, write_output

    check_output_path(output)  # a bad path is a usage error before any work
    fmt = fmt.lower()
    request = Annotations() if fmt == "annotations" else Export(fmt, frozenset(note), note_ranges, min_level.lower(), not no_essay, ascii_)
    workspace = options.workspace()
    write_output(output, workspace.render(workspace.answer(request)))
