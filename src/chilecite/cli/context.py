"""What every command shares: the records tree and reference text, the corpus gate, safe output, one exit path.

Exit codes: 0 done (clean), 1 problems found or the command failed, 2 usage error (an unknown
option, id, number, style or code, an unusable path), 3 internal error (a bug: please report;
`--debug` or CHILECITE_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from chilecite.errors import UsageError

if TYPE_CHECKING:
    from chilecite.corpus import Corpus
    from chilecite.discovery import RecordsTree
    from chilecite.report import Report
    from chilecite.text import ReferenceText, TextSearch

F = TypeVar("F", bound=Callable[..., Any])
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def visible(text: str) -> str:
    """Text safe for a terminal: control, direction-override and lone-surrogate characters shown as escapes."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def one_line(text: str) -> str:
    """`visible`, with line breaks shown too: for a message that must stay one line (a file name may hold a newline)."""
    return visible(text).replace("\r", "\\r").replace("\n", "\\n")


def safe_json(payload: object) -> str:
    """JSON that is valid UTF-8 and inert in a terminal: the same characters escaped as \\uXXXX."""
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


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


class Session:
    """Shared state of one run: the options that say where the records and the text are, and what was found."""

    def __init__(self) -> None:
        self.records: Path | None = None
        self.essay: Path | None = None
        self.debug = bool(os.environ.get("CHILECITE_DEBUG"))
        self.announced = False

    @cached_property
    def tree(self) -> RecordsTree:
        from chilecite.discovery import find_records

        return find_records(self.records)

    def announce(self, fmt: str = "text") -> None:
        """Say once, on standard error, which records tree this run uses (JSON output carries it as a field)."""
        if fmt != "json" and not self.announced:
            note(self.tree.describe())
        self.announced = True

    def corpus(self, extra: Iterable[Path] = ()) -> Corpus:
        """The corpus as it loads, problems and all (for `validate`)."""
        from chilecite.loading import load_corpus

        return load_corpus(self.tree.path, extra=extra)

    def text_search(self, corpus: Corpus) -> TextSearch:
        from chilecite.text import find_text

        text_file = corpus.essay.text_file if corpus.essay else ""
        # shared/essay/ is looked for beside a checkout's tree, never beside the installed package
        beside = self.tree.path if self.tree.found_by != "installed" else None
        return find_text(text_file, beside, self.essay)

    def text(self, corpus: Corpus, *, required: bool = False) -> ReferenceText | None:
        """The reference text, or None when absent. Absent when `required`, or named by --essay or
        CHILECITE_ESSAY but not there, is a usage error; a file that is there but unusable is a
        problem (CC098) added to the corpus's load problems, so the validator reports it."""
        from chilecite.rules.files import ESSAY_TEXT
        from chilecite.text import ReferenceText, TextUnusable

        search = self.text_search(corpus)
        if search.found is None:
            if required or search.how in ("--essay", "CHILECITE_ESSAY"):
                raise UsageError(f"the essay's reference text was not found (looked for {search.describe()})",
                                 hint="`chilecite essay` says how to get it")
            return None
        try:
            return ReferenceText.from_file(search.found)
        except TextUnusable as exc:
            if required:
                raise
            corpus.problems.append(ESSAY_TEXT.problem(exc.message, file=str(search.found), line=1, column=1))
            return None

    def gate(self, fmt: str = "text") -> Corpus:
        """The corpus, once the validator finds no error in it; otherwise its report on standard error and exit 1.

        Nothing is exported, cited or listed from records that do not validate: a broken agent file
        would otherwise print an agent id where a name belongs.
        """
        from chilecite.report import render_text
        from chilecite.rules import validate

        self.announce(fmt)
        corpus = self.corpus()
        report = validate(corpus, self.text(corpus))
        if report.errors:
            errors_only = report.model_copy(update={"problems": report.errors, "skipped": []})
            click.echo(visible(render_text(errors_only)), err=True, nl=False)
            raise CommandFailed(f"the records in {self.tree.path} do not validate ({len(report.errors)} error(s)); "
                                "nothing was done. Fix them, or run `chilecite validate` for the full report")
        return corpus

    def report_json(self, report: Report) -> str:
        from chilecite.report import report_payload

        return safe_json({"records": self.tree.as_dict(), **report_payload(report)})


pass_session = click.make_pass_decorator(Session, ensure=True)


def _store(attribute: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None:
            setattr(ctx.ensure_object(Session), attribute, value)
        return value

    return callback


def location_options(f: F) -> F:
    """`--records` and `--essay`, accepted before or after the subcommand (and from the environment)."""
    f = click.option("--essay", type=click.Path(dir_okay=False, readable=False, path_type=Path), expose_value=False, callback=_store("essay"),
                     is_eager=True, help="The essay's reference text (default: $CHILECITE_ESSAY, ../shared/essay/, or the stored copy; see `chilecite essay`).")(f)
    return click.option("--records", type=click.Path(file_okay=False, path_type=Path), expose_value=False, callback=_store("records"),
                        is_eager=True, help="Records tree to use (default: $CHILECITE_RECORDS, the checkout you are in, or the installed records).")(f)


def _answer(ctx: click.Context, invoke: Callable[[click.Context], Any]) -> Any:
    """Run a command; library errors become usage errors (exit 2) or one-line failures (exit 1), never tracebacks."""
    try:
        return invoke(ctx)
    except UsageError as exc:
        raise click.UsageError(one_line(str(exc)), ctx) from None
    except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
        raise
    except OSError as exc:
        session = ctx.find_object(Session)
        if (session and session.debug) or exc.errno == errno.EPIPE:  # click ends a broken pipe quietly
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        raise CommandFailed(f"{where}{exc.strerror or exc}") from None
    except Exception as exc:
        session = ctx.find_object(Session)
        if session and session.debug:
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
