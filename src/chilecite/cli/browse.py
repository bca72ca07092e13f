"""`chilecite notes`, `show N` and `stats`: the notes and the counts, as text or JSON."""

from __future__ import annotations

import click

from chilecite.cli.context import Command, Options, emit, location_options, pass_options
from chilecite.outputs import Notes, Show, Stats

FORMATS = click.Choice(["text", "json"], case_sensitive=False)


@click.command(cls=Command)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@location_options
@pass_options
def notes(options: Options, fmt: str) -> None:
    """List the notes with their identification level."""
    workspace = options.workspace(fmt)
    emit(workspace, workspace.answer(Notes(fmt)))


@click.command(cls=Command)
@click.argument("number", type=int)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@location_options
@pass_options
def show(options: Options, number: int, fmt: str) -> None:
    """Show note NUMBER: where it is, what it supports, what it cites and why."""
    workspace = options.workspace(fmt)
    emit(workspace, workspace.answer(Show(number, fmt)))


@click.command(cls=Command)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@location_options
@pass_options
def stats(options: Options, fmt: str) -> None:
    """Counts: notes by identification level, quotations, works by type, agents."""
    workspace = options.workspace(fmt)
    emit(workspace, workspace.answer(Stats(fmt)))
