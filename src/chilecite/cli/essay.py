"""`chilecite essay`: where the reference text is expected, whether the copy found is right, and importing one."""

from __future__ import annotations

from pathlib import Path

import click

from chilecite.characters import safe_json
from chilecite.cli.context import Group, Options, location_options, out, pass_options


@click.group(cls=Group, invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
@location_options
@pass_options
@click.pass_context
def essay(ctx: click.Context, options: Options, fmt: str) -> None:
    """Where the essay's reference text is looked for, and whether the copy found is the right one."""
    if ctx.invoked_subcommand is not None:
        return
    from chilecite.obtaining import render_status

    workspace = options.workspace(fmt)
    status = workspace.text_status()
    out(safe_json({"records": workspace.tree.as_dict(), "text": status.as_dict()}) if fmt == "json" else render_status(status))
    if not status.matches:
        ctx.exit(1)


@essay.command("import")
@click.argument("copy", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@location_options
@pass_options
def import_(options: Options, copy: Path) -> None:
    """Check a saved copy of the essay (ETOL HTML page or plain text) and store it as the reference text."""
    path = options.workspace().store_text(copy)
    out(f"stored the reference text at {path}; every command now finds it\n")


@essay.command("fingerprints")
@location_options
@pass_options
def fingerprints(options: Options) -> None:
    """Print the `paragraph_fingerprints` block of essay.yaml, computed from the reference text (for maintainers)."""
    out(options.workspace().fingerprints())
