"""What `chilecite import bibtex FILE` does with a file: read it safely, import it, write the records all or nothing.

All or nothing twice over: while any entry cannot be imported, no record is written (fix the
entry and import again); and the records are written as one transaction (`transaction`). An entry
already in the records is not imported again (CC076), so importing a file twice changes nothing;
`update` brings the changed fields of such entries into their records, each change shown as a
diff before it is made.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chilecite.corpus import Corpus
from chilecite.errors import UsageError
from chilecite.files import TooLarge, read_regular
from chilecite.importing.importer import ImportedRecord, ImportResult, import_bibtex
from chilecite.importing.limits import MAX_FILE_CHARS
from chilecite.importing.transaction import write_records
from chilecite.loading import YamlRefused, parse_yaml
from chilecite.models import Work
from chilecite.problems import Problem, Severity
from chilecite.report import Report, render_text, report_payload
from chilecite.rules import importing as I
from chilecite.writing import update_fields

MAX_INPUT_BYTES = MAX_FILE_CHARS


@dataclass
class ImportOutcome:
    """What `import_file` did: the records it made, the ones written, the changes to existing ones, and the report."""

    result: ImportResult
    root: Path
    written: list[Path]
    report: Report
    changes: dict[str, str] = field(default_factory=dict)  # path of an updated record -> its diff
    attempted: bool = False  # whether writing was asked for

    @property
    def held_back(self) -> bool:
        """Whether records were made but none written because some entry could not be imported."""
        return self.attempted and not self.result.complete and bool(self.result.records)

    def payload(self) -> dict[str, Any]:
        """The outcome as plain data, for `--format json`."""
        written = {str(p) for p in self.written}
        return {
            **report_payload(self.report),
            "complete": self.result.complete,
            "imported": [{"path": str(self.root / r.relative_path), "entry": r.entry, "written": str(self.root / r.relative_path) in written,
                          "update": r.replaces, "text": r.text} | ({"diff": self.changes[str(self.root / r.relative_path)]} if r.replaces else {})
                         for r in self.result.records],
            "present": [{"entry": p.entry, "work": p.key, "differs_in": list(p.changes)} for p in self.result.present],
        }


def import_file(path: Path, corpus: Corpus, root: Path, *, write: bool, update: bool = False,
                show: Callable[[str], None] | None = None) -> ImportOutcome:
    """Import a .bib file against `corpus` and, with `write`, write the records into `root`, all or nothing.

    With `update`, entries already in the records update them where they differ; `show`, when given,
    is called with the diff of every such change before anything is written. A file over the size
    limit, or not UTF-8, is a problem of the import (nothing imported); a path that cannot be read
    at all (missing, a directory, a pipe) is a usage error."""
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
    result = _as_edits(import_bibtex(text, corpus, source=str(path), update=update), root)
    changes = {str(root / r.relative_path): _diff(root, r) for r in result.records if r.replaces}
    if show is not None and changes:
        show("".join(changes.values()))
    problems = list(result.problems)
    written: list[Path] = []
    if write and result.complete:
        refusals, written = write_records(result, root)
        problems += refusals
    return ImportOutcome(result, root, written, Report(problems=problems, checked_files=1), changes, attempted=write)


def _as_edits(result: ImportResult, root: Path) -> ImportResult:
    """Each update written as an edit of the record's own file (`writing.update_fields`): the fields
    it changes rewritten, every other line as it was. The file's text must read back as the updated
    record; where it does not (an unusual layout), the record is written whole, as the import made it."""
    changed = {p.key: p.changes for p in result.present}
    records = []
    for record in result.records:
        if record.replaces:
            try:
                old = (root / record.relative_path).read_text(encoding="utf-8")
                text = update_fields(old, record.record, changed.get(record.id, ()))
                if Work.model_validate(parse_yaml(text).data) == record.record:
                    record = dataclasses.replace(record, text=text)
            except (OSError, UnicodeDecodeError, YamlRefused, ValueError):
                pass  # written whole
        records.append(record)
    return dataclasses.replace(result, records=records)


def _diff(root: Path, record: ImportedRecord) -> str:
    """The change an update makes to a record's file, as a unified diff."""
    target = root / record.relative_path
    try:
        old = target.read_text(encoding="utf-8")
    except OSError:
        old = ""
    name = f"{root.name}/{record.relative_path}"
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), record.text.splitlines(keepends=True), f"a/{name}", f"b/{name}"))


def _nothing(path: Path, root: Path, problem: Problem) -> ImportOutcome:
    return ImportOutcome(ImportResult(problems=[problem]), root, [], Report(problems=[problem], checked_files=1))


def render_import(outcome: ImportOutcome, *, dry_run: bool) -> str:
    """The text report of an import: the new records (on a dry run) or the files written, then the problems."""
    lines = []
    if dry_run:
        lines += [f"# {outcome.root / r.relative_path}\n{r.text}---\n" for r in outcome.result.records if not r.replaces]
    updated = {outcome.root / r.relative_path for r in outcome.result.records if r.replaces}
    lines += [f"{'updated' if p in updated else 'wrote'} {p}\n" for p in outcome.written]
    if outcome.held_back:
        failed = sum(1 for p in outcome.result.problems if p.severity is Severity.error)
        lines.append(f"nothing was written: {failed} problem(s) stop the import, which is all or nothing; fix the entries and import again\n")
    return "".join(lines) + render_text(outcome.report)
