"""`chilecite validate` and `chilecite rules`: check the records; list the problem codes."""

from __future__ import annotations

from pathlib import Path

import click

from chilecite.characters import safe_json
from chilecite.cli.context import Command, Options, emit, location_options, out, pass_options

FORMATS = click.Choice(["text", "json"], case_sensitive=False)


@click.command(cls=Command)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--select", default="", metavar="CODES", help="Comma-separated rule codes or prefixes to run (e.g. CC02,CC030).")
@click.option("--ignore", default="", metavar="CODES", help="Comma-separated rule codes or prefixes to skip.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@location_options
@pass_options
def validate(options: Options, paths: tuple[Path, ...], fmt: str, select: str, ignore: str, strict: bool) -> None:
    """Check the records (or the named files, in the context of the corpus)."""
    workspace = options.workspace(fmt)
    emit(workspace, workspace.validation(select=select, ignore=ignore, fmt=fmt.lower(), paths=paths), strict=strict)


@click.command(cls=Command)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"], case_sensitive=False), default="text", show_default=True)
def rules(fmt: str) -> None:
    """List the problem codes: what each checks, its severity and hint."""
    from chilecite.rules import CATALOGUE, rules_markdown

    if fmt == "markdown":
        out(rules_markdown())
    elif fmt == "json":
        out(safe_json([{"code": r.code, "severity": r.severity.value, "title": r.title, "hint": r.hint, "docs": r.docs,
                        "reported_by": r.reported_by, "needs_text": r.needs_text, "split_from": r.split_from} for r in CATALOGUE]))
    else:
        out("".join(f"{r.code}  {r.severity.value:<7}  {r.title}\n" for r in CATALOGUE))
