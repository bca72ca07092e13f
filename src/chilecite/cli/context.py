"""What every command shares: its options, printing safely, and one exit path.

A command parses its arguments, asks a `chilecite.Workspace` (which finds the tree and the text,
gates and caches) and prints what it gives. Exit codes: 0 done (clean), 1 problems found or the
command failed, 2 usage error (an unknown option, id, number, style or code, an unusable path),
3 internal error (a bug: please report; `--debug` or CHILECITE_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from chilecite.characters import one_line, visible
from chilecite.errors import UsageError

if TYPE_CHECKING:
    from chilecite.outputs import Answer
    from chilecite.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


def out(text: str) -> None:
    """Print command output (text, markdown, HTML, LaTeX) with nothing that could drive the terminal."""
    click.echo(visible(text), nl=False)


def note(text: str) -> None:
    """One line of information on standard error."""
    click.echo(one_line(text), err=True)


class CommandFailed(click.ClickException):
    """The command could not do its work (a broken corpus, a failed write): exit 1, one line."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class Options:
    """The options every command accepts before or after its name: --records, --essay, --no-cache, --quiet, --debug."""

    PROGRESS_FROM = 2000  # files: a smaller tree loads before a bar would be seen

    def __init__(self) -> None:
        self.records: Path | None = None
        self.essay: Path | None = None
        self.no_cache = False
        self.quiet = False
        self.debug = bool(os.environ.get("CHILECITE_DEBUG"))

    def workspace(self, fmt: str = "text") -> Workspace:
        """The workspace these options name; says on standard error which records tree it uses
        (JSON output carries it as a field instead)."""
        from chilecite.workspace import Workspace

        workspace = Workspace(self.records, essay=self.essay, cache=not self.no_cache, notice=note, progress=self._progress())
        if fmt != "json" and not self.quiet:
            note(workspace.tree.describe())
        return workspace

    def _progress(self) -> Callable[[int, int], None] | None:
        """A `progress(done, total)` drawing a bar on standard error, only on a terminal, without
        --quiet, and for a tree large enough to take a while."""
        if self.quiet or not _is_terminal(sys.stderr):
            return None
        bar: Any = None
        shown = 0

        def update(done: int, total: int) -> None:
            nonlocal bar, shown
            if bar is None:
                if total < self.PROGRESS_FROM:
                    return
                bar = click.progressbar(length=total, label="Loading records", file=sys.stderr, show_pos=True)
                bar.__enter__()
                click.get_current_context().call_on_close(lambda: bar.__exit__(None, None, None))
            bar.update(done - shown)
            shown = done

        return update


def emit(workspace: Workspace, answer: Answer, *, strict: bool = False) -> None:
    """Print an answer as the workspace renders it; exit 1 when it reports problems."""
    out(workspace.render(answer))
    if answer.exit_code(strict=strict):
        sys.exit(answer.exit_code(strict=strict))


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


pass_options = click.make_pass_decorator(Options, ensure=True)


def _store(attribute: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None:
            setattr(ctx.ensure_object(Options), attribute, value)
        return value

    return callback


def _flag(attribute: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value:  # given before or after the subcommand, it stays given
            setattr(ctx.ensure_object(Options), attribute, True)
        return value

    return callback


def location_options(f: F) -> F:
    """`--records`, `--essay`, `--no-cache` and `--quiet`, accepted before or after the subcommand (and the
    first two from the environment)."""
    f = click.option("--quiet", "-q", is_flag=True, expose_value=False, callback=_flag("quiet"), is_eager=True,
                     help="No progress bar and no note of which records tree is used.")(f)
    f = click.option("--no-cache", is_flag=True, expose_value=False, callback=_flag("no_cache"), is_eager=True,
                     help="Neither read nor write the cache of records read and answers given.")(f)
    f = click.option("--essay", type=click.Path(dir_okay=False, readable=False, path_type=Path), expose_value=False, callback=_store("essay"),
                     is_eager=True, help="The essay's reference text (default: $CHILECITE_ESSAY, ../shared/essay/, or the stored copy; see `chilecite essay`).")(f)
    return click.option("--records", type=click.Path(file_okay=False, path_type=Path), expose_value=False, callback=_store("records"),
                        is_eager=True, help="Records tree to use (default: $CHILECITE_RECORDS, the checkout you are in, or the installed records).")(f)


def _answer(ctx: click.Context, invoke: Callable[[click.Context], Any]) -> Any:
    """Run a command; library errors become usage errors (exit 2) or one-line failures (exit 1), never tracebacks."""
    from chilecite.errors import NothingToDo
    from chilecite.workspace import RecordsInvalid

    try:
        return invoke(ctx)
    except UsageError as exc:
        raise click.UsageError(one_line(str(exc)), ctx) from None
    except NothingToDo as exc:  # understood, and nothing to give: said, exit 1, no file written
        raise CommandFailed(str(exc)) from None
    except RecordsInvalid as exc:
        from chilecite.report import render_text

        errors_only = exc.report.model_copy(update={"problems": exc.report.errors, "skipped": []})
        click.echo(visible(render_text(errors_only)), err=True, nl=False)
        raise CommandFailed(str(exc)) from None
    except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
        raise
    except OSError as exc:
        options = ctx.find_object(Options)
        if (options and options.debug) or exc.errno == errno.EPIPE:  # click ends a broken pipe quietly
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        raise CommandFailed(f"{where}{exc.strerror or exc}") from None
    except Exception as exc:
        options = ctx.find_object(Options)
        if options and options.debug:
            raise
        raise InternalError(exc) from None


class Command(click.Command):
    """A command whose library errors are usage errors (exit 2) or one-line failures (exit 1), never tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        return _answer(ctx, super().invoke)


class InternalError(click.ClickException):
    """A bug in chilecite: one line, exit 3, the traceback with --debug."""

    exit_code = 3

    def __init__(self, exc: Exception) -> None:
        super().__init__(one_line(f"internal error: {type(exc).__name__}: {exc} — please report it; "
                                  "rerun with --debug (or CHILECITE_DEBUG=1) for the traceback"))


class Group(click.Group):
    """A group whose commands are `Command`s and whose subgroups are `Group`s; whatever a command
    raises is answered here too, so a command made with plain `click.command` is covered."""

    command_class = Command

    def invoke(self, ctx: click.Context) -> Any:
        return _answer(ctx, super().invoke)


Group.group_class = Group
