"""The safe-file layer: reading only regular files, writing outputs once, atomically, with the user's umask.

- `read_regular` opens without blocking, checks it has a regular file and its size *before*
  reading, so a pipe cannot hang a command and `/dev/zero` cannot fill the memory.
- `write_output` writes a regular file by building it in an anonymous temporary file beside it and
  renaming it into place (a reader never sees half a file, and a killed process leaves nothing
  behind); `-` is standard output; an existing special file (`/dev/null`, a FIFO, a terminal) is
  written to in place, never replaced.
- `create_all` writes new records all or nothing, each created exclusively: an existing file is
  never overwritten, even by a concurrent run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from chilecite.errors import UsageError


class OutputError(UsageError):
    """An output path that cannot be written: a missing folder, a directory, an empty name."""


class NotRegular(OSError):
    """A path that is not a regular file (a directory, pipe, device or socket)."""


class TooLarge(OSError):
    """A file over the size limit of what it should be."""


def _umask() -> int:
    with _UMASK_LOCK:
        mask = os.umask(0)
        os.umask(mask)
    return mask


_UMASK_LOCK = threading.Lock()


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Raises NotRegular, TooLarge, or the
    OSError of opening (missing, unreadable, a symlink loop)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(0, f"not a regular file ({_file_kind(info.st_mode)})", str(path))
        if info.st_size > limit:
            raise TooLarge(0, f"{info.st_size:,} bytes, over the {limit:,}-byte limit", str(path))
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # grew while being read
                raise TooLarge(0, f"over the {limit:,}-byte limit", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_output_path(output: str | Path) -> Path | None:
    """The output path, or None for standard output (`-`); an unusable path is an OutputError (a usage error)."""
    text = str(output)
    if text == "-":
        return None
    if not text or "\0" in text:
        raise OutputError("the output path is empty; give a file name, or - for standard output")
    path = Path(text)
    if path.is_dir():
        raise OutputError(f"{path} is a directory; give a file name inside it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: the folder {parent} does not exist; create it first")
    return path


_REFUSED = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG}


def write_output(output: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `output`: `-` is standard output; a special file is written in place;
    a regular file is replaced atomically with the mode a new file would get from the umask (an
    existing file keeps its mode). A path that cannot be written at all is an OutputError."""
    try:
        _write_output(output, text)
    except OSError as exc:
        if exc.errno in _REFUSED:
            raise OutputError(f"{output}: cannot write there: {exc.strerror}") from None
        raise


def _write_output(output: str | Path, text: str) -> None:
    path = check_output_path(output)
    data = text.encode("utf-8")
    if path is None:
        sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(path, "wb") as handle:  # /dev/null, a FIFO, /dev/stdout: write to it, never replace it
            handle.write(data)
        return
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
    with _temporary_beside(path, data, mode) as tmp:
        os.replace(tmp, path)


def create_all(files: dict[Path, str]) -> list[Path]:
    """Create every file, all or nothing: each is created exclusively (never overwriting), and when
    one cannot be, those already created by this call are removed again. Raises FileExistsError
    (with the path) or the OSError met."""
    mode = 0o666 & ~_umask()
    created: list[Path] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with _temporary_beside(path, text.encode("utf-8"), mode) as tmp:
                os.link(tmp, path)  # atomic, and fails if the path exists: no check-then-replace race
            created.append(path)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return created


@contextlib.contextmanager
def _temporary_beside(path: Path, data: bytes, mode: int) -> Iterator[str]:
    """A complete, synced temporary file in `path`'s folder, removed on leaving (whatever happens)."""
    directory = str(path.parent) or "."
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".chilecite-tmp", dir=directory)
    try:
        with _cleanup_on_signals(tmp):
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
            yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def _cleanup_on_signals(tmp: str) -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exit that runs the clean-up (SIGKILL cannot be caught: the
    window is the few milliseconds of one write)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, frame: object) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
