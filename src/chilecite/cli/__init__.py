"""The `chilecite` command: one module per command group, each command a thin renderer over the library.

Commands are registered here explicitly. Heavy modules (pydantic models, citeproc-py) are imported
inside the commands, so `--help` and `--version` start fast.
"""

from __future__ import annotations

import click

from chilecite import __version__
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


for _command in (
    validate.validate, validate.rules,
    browse.notes, browse.show, browse.stats,
    export.export,
    quotes.quote, quotes.quotes, quotes.search, quotes.cite,
    records.new, records.import_, records.schema,
    essay.essay, edition.edition,
):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="chilecite")
