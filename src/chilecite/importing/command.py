"""What `chilecite import bibtex FILE` does with a file: read it safely, import it, write the records all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chilecite.corpus import Corpus
from chilecite.errors import UsageError
from chilecite.files import TooLarge, create_all, read_regular
from chilecite.importing.importer import ImportResult, import_bibtex
from chilecite.importing.limits import MAX_FILE_CHARS
from chilecite.problems import Problem
from chilecite.report import Report, render_text, report_payload
from chilecite.rules import importing as I

MAX_INPUT_BYTES = MAX_FILE_CHARS


@dataclass
class ImportOutcome:
    """What `import_file` did: the records it made, the ones written, and the report."""

    result: ImportResult
    root: Path
    written: list[Path]
    report: Report

    def payload(self) -> dict[str, Any]:
        """The outcome as plain data, for `--format json`."""
        written = {str(p) for p in self.written}
        return {
            **report_payload(self.report),
            "imported": [{"path": str(self.root / r.relative_path), "entry": r.entry, "written": str(self.root / r.relative_path) in written,
                          "text": r.text} for r in self.result.records],
        }


def import_file(path: Path, corpus: Corpus, root: Path, *, write: bool) -> ImportOutcome:
    """Import a .bib file against `corpus` and, with `write`, write the records into `root`, all or nothing.

    A file over the size limit, or not UTF-8, is a problem of the import (nothing imported); a path
    that cannot be read at all (missing, a directory, a pipe) is a usage error."""
    try:
        data = read_regular(path, MAX_INPUT_BYTES)
    except TooLarge as exc:
        return _nothing(path, root, I.LIMIT.problem(f"{exc.strerror}; nothing imported", file=str(path), line=1))
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return _nothing(path, root, I.UNPARSEABLE.problem(f"byte {exc.start:,} (0x{data[exc.start]:02x}) is not UTF-8; export the library "
                                                          "as UTF-8; nothing imported", file=str(path), line=line))
    result = import_bibtex(text, corpus, source=str(path))
    problems = list(result.problems)
    written: list[Path] = []
    if write:
        refusals, written = write_records(result, root)
        problems += refusals
    return ImportOutcome(result, root, written, Report(problems=problems, checked_files=1))


def _nothing(path: Path, root: Path, problem: Problem) -> ImportOutcome:
    return ImportOutcome(ImportResult(problems=[problem]), root, [], Report(problems=[problem], checked_files=1))


def render_import(outcome: ImportOutcome, *, dry_run: bool) -> str:
    """The text report of an import: the records (on a dry run) or the files written, then the problems."""
    lines = []
    if dry_run:
        lines += [f"# {outcome.root / r.relative_path}\n{r.text}---\n" for r in outcome.result.records]
    lines += [f"wrote {p}\n" for p in outcome.written]
    return "".join(lines) + render_text(outcome.report)


def write_records(result: ImportResult, out: Path) -> tuple[list[Problem], list[Path]]:
    """Write the imported records (works and agents, in one `create_all`) under `out`, all or nothing.

    Each file is created exclusively, with the mode the umask gives a new file: when any target
    exists, or appears while writing (a concurrent import of the same key), an error for it and
    nothing written; a record is never overwritten."""
    refusals = [
        I.TARGET_EXISTS.problem(f"{out / r.relative_path} already exists; nothing was written", file=str(out / r.relative_path), record=r.id)
        for r in result.records
        if (out / r.relative_path).exists() or (out / r.relative_path).is_symlink()
    ]
    if refusals or not result.records:
        return refusals, []
    try:
        written = create_all({out / r.relative_path: r.text for r in result.records})
    except FileExistsError as exc:  # created by someone else since the check
        return [I.TARGET_EXISTS.problem(f"{exc.filename} appeared while importing; nothing was written", file=str(exc.filename))], []
    return [], written
