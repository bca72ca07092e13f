"""The `chilecite` command: each command parses its arguments, calls one library function, renders the result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from chilecite import __version__

FORMATS = click.Choice(["text", "json"])


class Env:
    """Shared options: where the records and the reference text are."""

    def __init__(self, records: Path | None, essay: Path | None) -> None:
        self.records = records
        self.essay = essay

    def corpus(self, extra: tuple[Path, ...] = ()):
        from chilecite.loading import load_corpus

        return load_corpus(self.records, extra=extra)

    def text(self):
        from chilecite.text import ReferenceText, default_text_path

        path = self.essay or default_text_path(self.records)
        if path is None or not path.is_file():
            return None
        return ReferenceText.from_file(path)


pass_env = click.make_pass_decorator(Env)


def emit(payload: object) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chilecite")
@click.option("--records", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Records tree to use instead of the bundled one.")
@click.option("--essay", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Reference text (default: $CHILECITE_ESSAY or ../shared/essay/).")
@click.pass_context
def cli(ctx: click.Context, records: Path | None, essay: Path | None) -> None:
    """Citations, sources and quotations of Mike Gonzalez, 'The left and the coup in Chile' (1984)."""
    ctx.obj = Env(records, essay)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--select", default="", help="Comma-separated rule codes or prefixes to run (e.g. CC02,CC030).")
@click.option("--ignore", default="", help="Comma-separated rule codes or prefixes to skip.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@pass_env
def validate(env: Env, paths: tuple[Path, ...], fmt: str, select: str, ignore: str, strict: bool) -> None:
    """Check the records (or the named files, in the context of the corpus)."""
    from chilecite.report import render_json, render_text
    from chilecite.rules import validate as run

    report = run(env.corpus(paths), env.text(), select=_codes(select), ignore=_codes(ignore))
    click.echo(render_json(report) if fmt == "json" else render_text(report), nl=False)
    sys.exit(report.exit_code(strict=strict))


def _codes(value: str) -> frozenset[str]:
    return frozenset(c.strip().upper() for c in value.split(",") if c.strip())


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def rules(fmt: str) -> None:
    """List the validation rules and their codes."""
    from chilecite.rules import RULES, rules_markdown

    if fmt == "markdown":
        click.echo(rules_markdown(), nl=False)
    elif fmt == "json":
        emit([{"code": r.code, "severity": r.severity.value, "title": r.title, "hint": r.hint, "needs_text": r.needs_text} for r in RULES])
    else:
        for r in RULES:
            click.echo(f"{r.code}  {r.severity.value:<7}  {r.title}")


@cli.command()
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_env
def notes(env: Env, fmt: str) -> None:
    """List the 86 notes with their identification level."""
    from chilecite.listing import notes_data

    data = notes_data(_valid_corpus(env))
    if fmt == "json":
        emit(data)
        return
    for note in data:
        cited = ", ".join(c["work"] for c in note.get("citations", [])) or "—"
        click.echo(f"{note['number']:>3}  {note['level']:<12}  {cited}")


@cli.command()
@click.argument("number", type=click.IntRange(1, 86))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_env
def show(env: Env, number: int, fmt: str) -> None:
    """Show one note: where it is, what it supports, what it cites and why."""
    from chilecite.listing import notes_data, render_note

    corpus = _valid_corpus(env)
    if number not in corpus.notes:
        raise click.ClickException(f"note {number} has no record")
    if fmt == "json":
        emit(next(n for n in notes_data(corpus) if n["number"] == number))
    else:
        click.echo(render_note(corpus, number), nl=False)


@cli.command()
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_env
def stats(env: Env, fmt: str) -> None:
    """Counts: notes by identification level, quotations, works by type, agents."""
    from chilecite.listing import render_stats, stats as compute

    data = compute(_valid_corpus(env))
    emit(data) if fmt == "json" else click.echo(render_stats(data), nl=False)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"), show_default=True)
def schema(out: Path) -> None:
    """Regenerate the JSON Schema files from the models."""
    from chilecite.schema import write_schemas

    for path in write_schemas(out):
        click.echo(str(path))


@cli.command()
@click.argument("kind", type=click.Choice(["work", "quotation", "agent"]))
@click.option("--exact", help="quotation: the words exactly as printed in the essay.")
@click.option("--paragraph", type=int, help="quotation: the paragraph the words are in.")
@click.option("--block", is_flag=True, help="quotation: a block quotation.")
@click.option("--type", "subtype", default=None, help="work: CSL type; agent: person or organisation.")
@pass_env
def new(env: Env, kind: str, exact: str | None, paragraph: int | None, block: bool, subtype: str | None) -> None:
    """Print a valid skeleton record to fill in (quotations are anchored from --exact)."""
    from chilecite import skeletons

    if kind == "work":
        click.echo(skeletons.new_work(subtype or "book"), nl=False)
    elif kind == "agent":
        click.echo(skeletons.new_agent(subtype or "person"), nl=False)
    else:
        text = env.text()
        if text is None or not exact:
            raise click.UsageError("a quotation needs --exact WORDS and the reference text (--essay FILE)")
        try:
            click.echo(skeletons.new_quotation(text, exact, paragraph, "block" if block else "inline"), nl=False)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None


@cli.command()
@click.argument("fmt", metavar="FORMAT", type=click.Choice(["bibtex", "biblatex", "csl-json", "annotations"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (atomically) instead of standard output.")
@click.option("--note", "note", type=click.IntRange(1, 86), multiple=True, help="Only works cited by this note (repeatable).")
@click.option("--notes", "note_ranges", default=None, help="Only works cited by these notes, e.g. 1-20,45.")
@click.option("--min-level", type=click.Choice(["stated", "verified", "attributed"]), default="attributed", show_default=True, help="Weakest identification level to export.")
@click.option("--no-essay", is_flag=True, help="Leave out the essay's own entry.")
@click.option("--ascii", "ascii_", is_flag=True, help="BibTeX: LaTeX-encode accents for old toolchains.")
@pass_env
def export(env: Env, fmt: str, output: Path | None, note: tuple[int, ...], note_ranges: str | None, min_level: str, no_essay: bool, ascii_: bool) -> None:
    """Export the cited works as BibTeX, BibLaTeX or CSL-JSON, or the quotations and note anchors as W3C Web Annotations."""
    if fmt == "annotations":
        from chilecite.cli_edition import write_annotations

        return write_annotations(env, output)
    from chilecite.export import EXPORTERS, ExportOptions, parse_note_ranges
    from chilecite.models import Level

    notes = set(note)
    if note_ranges:
        try:
            notes |= parse_note_ranges(note_ranges)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--notes") from None
    corpus = _valid_corpus(env)
    options = ExportOptions(notes=frozenset(notes) or None, min_level=Level(min_level), include_essay=not no_essay, ascii=ascii_)
    _output(EXPORTERS[fmt](corpus, options), output)


def _valid_corpus(env: Env):
    """The corpus, or exit 1 with its load errors: nothing is exported from records that did not load."""
    corpus = env.corpus()
    if corpus.problems or corpus.duplicates:
        from chilecite.report import Report, render_text

        click.echo(render_text(Report(problems=corpus.problems, checked_files=corpus.files)), err=True, nl=False)
        raise SystemExit(1)
    return corpus


def _output(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from chilecite.files import write_atomic

    try:
        write_atomic(output, text)
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write: {exc.strerror}") from None


def main() -> None:
    cli(prog_name="chilecite")


# Commands defined beside their stage, registered here explicitly.
from chilecite.cli_import import import_  # noqa: E402
from chilecite.cli_edition import edition  # noqa: E402
from chilecite.cli_quotes import cite, quote, quotes, search  # noqa: E402

for _command in (quote, quotes, search, cite, import_, edition):
    cli.add_command(_command)
