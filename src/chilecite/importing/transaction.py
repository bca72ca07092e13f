"""Writing an import into a records tree as one transaction.

Every record is first written, complete and synced, into a staging folder of its own inside the
tree (`records/.chilecite-import-PID-RANDOM/`, which no command reads as records); only then is
each file moved into place, agents before the works that name them and a book before its chapters,
each new file linked exclusively (never over a file that appeared meanwhile) and each updated one
renamed over the old. Whatever stops the import — an error, a file that appeared, Ctrl-C, SIGTERM
(a cancelled CI job, `timeout`), SIGHUP (a closed terminal), which the `chilecite` program turns
into an exit (the library installs no handler) — removes what it made and puts back what it
replaced, so the tree is as it was.

SIGKILL cannot be caught. Killed while staging, the tree is as it was, but for the staging folder,
which the next import removes. Killed while moving, the files already moved are a prefix of that
order: agents, then works whose agents and parents are all there, so the tree still validates,
and importing the same file again (which finds those records already present) completes it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

from chilecite.files import _umask
from chilecite.importing.importer import ImportedRecord, ImportResult
from chilecite.problems import Problem
from chilecite.rules import importing as I

STAGING_PREFIX = ".chilecite-import-"


def write_records(result: ImportResult | Sequence[ImportedRecord], root: Path) -> tuple[list[Problem], list[Path]]:
    """Write the records of an import under `root` (see the module): the CC073 problems of the new
    records whose file exists (then nothing is written), and the paths written. Any exception (an
    exit the program makes of a signal included) passes through, once what was made is removed."""
    records = result.records if isinstance(result, ImportResult) else list(result)
    refusals = [
        I.TARGET_EXISTS.problem(f"{root / r.relative_path} already exists; nothing was written", file=str(root / r.relative_path), record=r.id)
        for r in records
        if not r.replaces and ((root / r.relative_path).exists() or (root / r.relative_path).is_symlink())
    ]
    if refusals or not records:
        return refusals, []
    remove_stale_staging(root)
    transaction = _Transaction(root)
    try:
        try:
            for record in in_order(records):
                transaction.stage(record)
            transaction.commit()
        except BaseException:
            transaction.undo()
            raise
        finally:
            transaction.close()
    except FileExistsError as exc:  # created by someone else since the check
        return [I.TARGET_EXISTS.problem(f"{exc.filename} appeared while importing; nothing was written", file=str(exc.filename))], []
    return [], transaction.written + [target for target, _ in transaction.replaced]


def in_order(records: Sequence[ImportedRecord]) -> list[ImportedRecord]:
    """Agents first, then works, each after the works of this import it names as its parent."""
    works = {r.id: r for r in records if r.kind == "works"}
    ordered = [r for r in records if r.kind == "agents"]
    placed: set[str] = set()

    def place(record: ImportedRecord, depth: int = 0) -> None:
        if record.id in placed:
            return
        placed.add(record.id)
        parent = getattr(record.record, "parent", None)
        if parent in works and depth < len(works):
            place(works[parent], depth + 1)
        ordered.append(record)

    for record in works.values():
        place(record)
    return ordered


def remove_stale_staging(root: Path) -> None:
    """Remove the staging folders of imports that were killed (their process is gone)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            if entry.name.startswith(STAGING_PREFIX) and entry.is_dir(follow_symlinks=False) and not _alive(entry.name):
                shutil.rmtree(entry.path, ignore_errors=True)


def _alive(name: str) -> bool:
    try:
        pid = int(name[len(STAGING_PREFIX):].split("-")[0])
    except ValueError:
        return False
    if pid == os.getpid():
        return True  # an import of this process (another thread's): it removes its own folder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


class _Transaction:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = root / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        root.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(mode=0o700)
        self.mode = 0o666 & ~_umask()
        self.staged: list[tuple[ImportedRecord, Path]] = []
        self.written: list[Path] = []  # new files linked into place
        self.replaced: list[tuple[Path, Path]] = []  # (target, its old file kept in the staging folder)
        self.folders: list[Path] = []  # kind folders this import made

    def stage(self, record: ImportedRecord) -> None:
        path = self.staging / record.kind / f"{record.id}.yaml"
        path.parent.mkdir(exist_ok=True)
        target = self.root / record.relative_path
        mode = stat.S_IMODE(os.stat(target).st_mode) if record.replaces else self.mode  # an updated record keeps its mode
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            data = memoryview(record.text.encode("utf-8"))
            while data:
                data = data[os.write(fd, data):]
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.staged.append((record, path))

    def commit(self) -> None:
        for record, path in self.staged:
            target = self.root / record.relative_path
            if not target.parent.is_dir():
                with contextlib.suppress(FileExistsError):  # another import may make it at the same moment
                    target.parent.mkdir()
                    self.folders.append(target.parent)
            if record.replaces:
                kept = self.staging / "replaced" / record.kind / f"{record.id}.yaml"
                kept.parent.mkdir(parents=True, exist_ok=True)
                os.link(target, kept)  # the old file, to put back if the import is undone
                os.replace(path, target)
                self.replaced.append((target, kept))
            else:
                try:
                    os.link(path, target)  # atomic, and never over a file that exists
                except FileExistsError:
                    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
                self.written.append(target)
        for folder in {self.root / record.kind for record, _ in self.staged}:
            _sync_folder(folder)

    def undo(self) -> None:
        for target in reversed(self.written):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
        for target, kept in reversed(self.replaced):
            os.replace(kept, target)
        for folder in reversed(self.folders):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self.written, self.replaced = [], []

    def close(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
