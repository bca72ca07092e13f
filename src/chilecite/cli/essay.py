"""`chilecite essay`: where the reference text is expected, whether the copy found is right, and importing one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from chilecite.characters import safe_json
from chilecite.cli.context import CommandFailed, Group, Options, location_options, out, pass_options

if TYPE_CHECKING:
    from chilecite.models import Essay
    from chilecite.workspace import Workspace

HOW_TO_GET = (
    "To get it: open the essay's transcription on the Encyclopaedia of Trotskyism On-Line (marxists.org) in a browser,\n"
    "save it (File > Save Page As, 'Web Page, HTML only'), then run: chilecite essay import SAVED.html\n"
    "(a plain-text copy works too). The copy is checked paragraph by paragraph and stored where every command finds it.\n"
)


def _essay(workspace: Workspace) -> Essay:
    """The essay record (which must load)."""
    essay = workspace.corpus().essay
    if essay is None:
        raise CommandFailed(f"{workspace.tree.path}/essay.yaml did not load; run `chilecite validate`")
    return essay


@click.group(cls=Group, invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
@location_options
@pass_options
@click.pass_context
def essay(ctx: click.Context, options: Options, fmt: str) -> None:
    """Where the essay's reference text is looked for, and whether the copy found is the right one."""
    if ctx.invoked_subcommand is not None:
        return
    from chilecite.obtaining import text_status

    workspace = options.workspace(fmt)
    status = text_status(_essay(workspace), workspace.text_search)
    if fmt == "json":
        out(safe_json({"records": workspace.tree.as_dict(), "text": status.as_dict()}))
    else:
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
@pass_options
def import_(options: Options, copy: Path) -> None:
    """Check a saved copy of the essay (ETOL HTML page or plain text) and store it as the reference text."""
    from chilecite.obtaining import import_text, store_text

    record = _essay(options.workspace())
    path = store_text(import_text(copy, record), record)
    out(f"stored the reference text at {path}; every command now finds it\n")


@essay.command("fingerprints")
@location_options
@pass_options
def fingerprints(options: Options) -> None:
    """Print the `paragraph_fingerprints` block of essay.yaml, computed from the reference text (for maintainers)."""
    from chilecite.obtaining import fingerprints_yaml

    workspace = options.workspace()
    _essay(workspace)
    text = workspace.text(required=True)
    assert text is not None  # required: a missing text is a usage error
    out(fingerprints_yaml([p.text for p in text.paragraphs]))
