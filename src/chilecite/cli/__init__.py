"""The `chilecite` command: one module per command group, each command a thin renderer over the library.

Commands are registered here explicitly. Heavy modules (pydantic models, citeproc-py) are imported
inside the commands, so `--help` and `--version` start fast. Faster still: `chilecite --version`
and `chilecite --help` are answered by `main()` without importing click at all (`HELP` is what
click prints; a test keeps the two the same), and the click group `cli` is built on first use.
"""

from __future__ import annotations

import os
import sys

from chilecite import __version__

TYPE_CHECKING = False  # typing is not imported at run time: `chilecite --version` stays fast
if TYPE_CHECKING:
    from typing import Any

    import click

HELP = """\
Usage: chilecite [OPTIONS] COMMAND [ARGS]...

  Citations, sources and quotations of one essay, checked against its text.

  Exit codes: 0 done, 1 problems found or the command failed, 2 usage error, 3
  internal error.

Options:
  --version            Show the version and exit.
  --records DIRECTORY  Records tree to use (default: $CHILECITE_RECORDS, the
                       checkout you are in, or the installed records).
  --essay FILE         The essay's reference text (default: $CHILECITE_ESSAY,
                       ../shared/essay/, or the stored copy; see `chilecite
                       essay`).
  --no-cache           Neither read nor write the cache of parsed records,
                       reports and citations.
  -q, --quiet          No progress bar and no note of which records tree is
                       used.
  --debug              Show the traceback of an internal error (also
                       CHILECITE_DEBUG=1).
  -h, --help           Show this message and exit.

Commands:
  cite      Print the formatted citation(s) of note N, each with its...
  edition   Write the reader's edition: the essay with its reconstructed...
  essay     Where the essay's reference text is looked for, and whether...
  export    Export the cited works as BibTeX, BibLaTeX, CSL-JSON or RIS,...
  import    Bring work records in from reference managers.
  new       Print a skeleton record: what to fill in marked, nothing...
  notes     List the notes with their identification level.
  quote     Print quotation ID with its citation, as quoted in the essay.
  quotes    List the quotations in essay order (json: every field of...
  rules     List the problem codes: what each checks, its severity and hint.
  schema    Regenerate the JSON Schema files from the models, or show one...
  search    Find quotations and notes by WORDS (accents and case...
  show      Show note NUMBER: where it is, what it supports, what it...
  stats     Counts: notes by identification level, quotations, works by...
  validate  Check the records (or the named files, in the context of the...
"""
HELP_WIDTH = 80  # click wraps help to min(terminal columns, 80): HELP is its text at 80 columns or more


def build() -> click.Group:
    """The click group with every command registered."""
    import click

    from chilecite.cli import browse, edition, essay, export, quotes, records, validate
    from chilecite.cli.context import Group, Session, location_options

    @click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="chilecite")
    @location_options
    @click.option("--debug", is_flag=True, help="Show the traceback of an internal error (also CHILECITE_DEBUG=1).")
    @click.pass_context
    def cli(ctx: click.Context, debug: bool) -> None:
        """Citations, sources and quotations of one essay, checked against its text.

        Exit codes: 0 done, 1 problems found or the command failed, 2 usage error, 3 internal error.
        """
        session = ctx.ensure_object(Session)
        session.debug = session.debug or debug

    for command in (
        validate.validate, validate.rules,
        browse.notes, browse.show, browse.stats,
        export.export,
        quotes.quote, quotes.quotes, quotes.search, quotes.cite,
        records.new, records.import_, records.schema,
        essay.essay, edition.edition,
    ):
        cli.add_command(command)
    return cli


def __getattr__(name: str) -> Any:
    if name == "cli":
        group = globals()["cli"] = build()
        return group
    raise AttributeError(f"module 'chilecite.cli' has no attribute '{name}'")


def _columns() -> int:
    """The terminal's width as click sees it (`shutil.get_terminal_size`, without importing shutil)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns or 80


def main() -> None:
    args = sys.argv[1:]
    if args == ["--version"]:
        sys.stdout.write(f"chilecite, version {__version__}\n")
        return
    if args in (["--help"], ["-h"]) and _columns() >= HELP_WIDTH:
        sys.stdout.write(HELP)
        return
    __getattr__("cli")(prog_name="chilecite")
