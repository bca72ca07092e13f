"""`chilecite new`, `import bibtex` and `schema`: making records, bringing them in, and their JSON Schema."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from chilecite.characters import safe_json
from chilecite.cli.context import Command, Group, Options, location_options, out, pass_options


@click.command(cls=Command)
@click.argument("kind", type=click.Choice(["work", "quotation", "agent"], case_sensitive=False))
@click.option("--exact", help="quotation: the words exactly as printed in the essay.")
@click.option("--paragraph", type=int, help="quotation: the paragraph the words are in (needed when they occur more than once).")
@click.option("--block", is_flag=True, help="quotation: a block quotation.")
@click.option("--type", "subtype", default=None, help="work: CSL type (book, chapter, article-newspaper, …); agent: person or organisation.")
@location_options
@pass_options
def new(options: Options, kind: str, exact: str | None, paragraph: int | None, block: bool, subtype: str | None) -> None:
    """Print a skeleton record: what to fill in marked, nothing guessed (a quotation is anchored from --exact)."""
    from chilecite import skeletons

    if kind == "work":
        out(skeletons.new_work(subtype))
    elif kind == "agent":
        out(skeletons.new_agent(subtype or "person"))
    else:
        out(options.workspace().new_quotation(exact or "", paragraph, "block" if block else "inline"))


@click.group("import", cls=Group)
def import_() -> None:
    """Bring work records in from reference managers."""


@import_.command("bibtex")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the records instead of writing them.")
@click.option("--update", is_flag=True, help="Bring the changed fields of entries already in the records into them, each change shown first.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
@location_options
@pass_options
def bibtex(options: Options, file: Path, dry_run: bool, update: bool, fmt: str) -> None:
    """Import BibTeX/BibLaTeX entries (Zotero, Better BibTeX, JabRef) as work and agent records.

    They are written into the records tree in use (--records, or the checkout you are in), all or
    nothing, after being checked against it; every field with no place in a record is reported.
    An entry already in the records is not imported again."""
    from chilecite.importing import render_import

    workspace = options.workspace(fmt)
    outcome = workspace.import_bibtex(file, write=not dry_run, update=update, show=out if fmt == "text" else None)
    out(safe_json({"records": workspace.tree.as_dict(), **outcome.payload()}) if fmt == "json" else render_import(outcome, dry_run=dry_run))
    sys.exit(outcome.report.exit_code())


@click.command(cls=Command)
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the schemas into (default: the checkout's schemas/).")
@click.option("--show", metavar="KIND[.FIELD]", help="Print what a field is (description, type, example) instead: work.title, note.citations.locator.")
@location_options
@pass_options
def schema(options: Options, folder: Path | None, show: str | None) -> None:
    """Regenerate the JSON Schema files from the models, or show one field (--show work.title)."""
    from chilecite.schema import field_help

    if show is not None:
        out(field_help(show))
        return
    for path in options.workspace().write_schemas(folder):
        click.echo(str(path))
