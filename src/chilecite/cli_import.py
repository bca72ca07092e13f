"""`chilecite import bibtex FILE`: work and agent records from a Zotero or JabRef export.

The command parses its arguments, calls `chilecite.importing.import_bibtex` and renders the
result; writing is all or nothing: no file is written when any target already exists.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from chilecite.cli import FORMATS, Env, pass_env


@click.group("import")
def import_() -> None:
    """Bring work records in from reference managers."""


@import_.command("bibtex")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("records"), show_default=True,
              help="Records tree to write works/ and agents/ into.")
@click.option("--dry-run", is_flag=True, help="Print the records instead of writing them.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="Format of the report.")
@pass_env
def bibtex(env: Env, file: Path, out: Path, dry_run: bool, fmt: str) -> None:
    """Import BibTeX/BibLaTeX entries (Zotero, Better BibTeX, JabRef) as work and agent records.

    Keys and agents are checked against the corpus (--records, or the bundled one); every field
    that has no place in a record is reported, never silently dropped."""
    from chilecite.importing import import_bibtex, write_records
    from chilecite.report import Report, render_json, render_text

    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file}: byte {exc.start} is not UTF-8; export the library as UTF-8") from None
    result = import_bibtex(text, env.corpus(), source=str(file))
    problems = list(result.problems)
    written: list[str] = []
    if not dry_run:
        try:
            refused, written = write_records(result, out)
        except OSError as exc:
            raise click.ClickException(f"{exc.filename}: cannot write: {exc.strerror}") from None
        problems += refused
    report = Report(problems=problems, checked_files=1)
    if fmt == "json":
        payload = json.loads(render_json(report))
        payload["records"] = [{"path": str(out / r.relative_path), "entry": r.entry, "written": str(out / r.relative_path) in written,
                               **({"text": r.text} if dry_run else {})} for r in result.records]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for record in result.records:
            if dry_run:
                click.echo(f"# {out / record.relative_path}\n{record.text}---")
        for path in written:
            click.echo(f"wrote {path}")
        click.echo(render_text(report), nl=False)
    sys.exit(report.exit_code())
