"""`chilecite essay`: where the reference text is expected, whether the copy found is right, and importing one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from chilecite.cli.context import CommandFailed, Group, Session, location_options, out, pass_session, safe_json

if TYPE_CHECKING:
    from chilecite.corpus import Corpus
    from chilecite.models import Essay

HOW_TO_GET = (
    "To get it: open the essay's transcription on the Encyclopaedia of Trotskyism On-Line (marxists.org) in a browser,\n"
    "save it (File > Save Page As, 'Web Page, HTML only'), then run: chilecite essay import SAVED.html\n"
    "(a plain-text copy works too). The copy is checked paragraph by paragraph and stored where every command finds it.\n"
)


def _essay(session: Session) -> tuple[Corpus, Essay]:
    """The corpus and its essay record (which must load)."""
    corpus = session.corpus()
    if corpus.essay is None:
        raise CommandFailed(f"{session.tree.path}/essay.yaml did not load; run `chilecite validate`")
    return corpus, corpus.essay


@click.group(cls=Group, invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
@location_options
@pass_session
@click.pass_context
def essay(ctx: click.Context, session: Session, fmt: str) -> None:
    """Where the essay's reference text is looked for, and whether the copy found is the right one."""
    if ctx.invoked_subcommand is not None:
        return
    from chilecite.obtaining import text_status

    corpus, record = _essay(session)
    status = text_status(record, session.text_search(corpus))
    if fmt == "json":
        out(safe_json({"records": session.tree.as_dict(), "text": status.as_dict()}))
    else:
        session.announce(fmt)
        lines = [f"reference text: {status.text_file}", f"expected SHA-256: {status.expected_sha256}", "looked for, in order:"]
        lines += [f"  {how}: {path}" for how, path in status.search.tried]
        if status.problem:
            lines.append(f"found: {status.search.found} — cannot be read: {status.problem}")
        elif status.search.found is None:
            lines.append("found: nowhere")
        else:
            verdict = "matches" if status.matches else f"does NOT match (its SHA-256 is {status.found_sha256})"
            lines.append(f"found: {status.search.found} ({status.search.how}); {verdict}")
        out("\n".join(lines) + "\n" + ("" if status.matches else HOW_TO_GET))
    if not status.matches:
        ctx.exit(1)


@essay.command("import")
@click.argument("copy", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@location_options
@pass_session
def import_(session: Session, copy: Path) -> None:
    """Check a saved copy of the essay (ETOL HTML page or plain text) and store it as the reference text."""
    from chilecite.obtaining import import_text, store_text

    _, record = _essay(session)
    path = store_text(import_text(copy, record), record)
    out(f"stored the reference text at {path}; every command now finds it\n")


@essay.command("fingerprints")
@location_options
@pass_session
def fingerprints(session: Session) -> None:
    """Print the `paragraph_fingerprints` block of essay.yaml, computed from the reference text (for maintainers)."""
    from chilecite.obtaining import fingerprints_yaml

    corpus, _ = _essay(session)
    text = session.text(corpus, required=True)
    assert text is not None  # required: a missing text is a usage error
    out(fingerprints_yaml([p.text for p in text.paragraphs]))
