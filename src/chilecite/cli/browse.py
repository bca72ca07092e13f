"""`chilecite notes`, `show N` and `stats`: the notes and the counts, as text or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from chilecite.cli.context import Command, Session, location_options, out, pass_session, safe_json

if TYPE_CHECKING:
    from chilecite.corpus import Corpus

FORMATS = click.Choice(["text", "json"], case_sensitive=False)


@click.command(cls=Command)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@location_options
@pass_session
def notes(session: Session, fmt: str) -> None:
    """List the notes with their identification level."""

    def produce(corpus: Corpus) -> str:
        from chilecite.listing import notes_data, render_notes

        data = notes_data(corpus)
        return safe_json({"records": session.tree.as_dict(), "notes": data}) if fmt == "json" else render_notes(data)

    out(session.output(fmt, ["notes"], produce))


@click.command(cls=Command)
@click.argument("number", type=int)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@location_options
@pass_session
def show(session: Session, number: int, fmt: str) -> None:
    """Show note NUMBER: where it is, what it supports, what it cites and why."""

    def produce(corpus: Corpus) -> str:
        from chilecite.listing import note_data, render_note

        if fmt == "json":
            return safe_json({"records": session.tree.as_dict(), "note": note_data(corpus, number)})
        return render_note(corpus, number)

    out(session.output(fmt, ["show", number], produce))


@click.command(cls=Command)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@location_options
@pass_session
def stats(session: Session, fmt: str) -> None:
    """Counts: notes by identification level, quotations, works by type, agents."""

    def produce(corpus: Corpus) -> str:
        from chilecite.listing import render_stats
        from chilecite.listing import stats as compute

        data = compute(corpus)
        return safe_json({"records": session.tree.as_dict(), "stats": data}) if fmt == "json" else render_stats(data)

    out(session.output(fmt, ["stats"], produce))
