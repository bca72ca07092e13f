"""The safe-file layer: reading only regular files, writing outputs once, atomically, with the user's umask.

- `read_regular` opens without blocking, checks it has a regular file and its size *before*
  reading, so a pipe cannot hang a command and `/dev/zero` cannot fill the memory.
- `write_output` writes a regular file by building it complete in a file of its own beside it and
  putting that in place with one rename (a reader never sees half a file); `-` is standard output;
  an existing special file (`/dev/null`, a FIFO, a terminal) is written to in place, never replaced;
  a symbolic link is followed, and its target replaced.
- `create_all` writes new records all or nothing, each created exclusively: an existing file is
  never overwritten, even by a concurrent run.

The file being built has no name while it is written, where Linux allows (`O_TMPFILE`, then linked
into place through /proc/self/fd or with linkat(AT_EMPTY_PATH)): a process killed at any moment,
even by SIGKILL, leaves nothing behind (a replaced output has a hidden name only between the two
system calls that link and rename it). Elsewhere it is a hidden `.NAME.*.chilecite-tmp` file,
removed on every exit Python sees: an exception, Ctrl-C, and SIGTERM or SIGHUP, which the command
line's entry point turns into an exit (the library installs no signal handler).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import sys
from pathlib import Path
from typing import Any

from chilecite.errors import UsageError


class OutputError(UsageError):
    """An output path that cannot be written: a missing folder, a directory, an empty name."""


class NotRegular(OSError):
    """A path that is not a regular file (a directory, pipe, device or socket)."""


class TooLarge(OSError):
    """A file over the size limit of what it should be."""


@functools.cache
def _umask_lock() -> Any:
    import threading  # only writing needs it: reading stays light for the command line's fast path

    return threading.Lock()


def _umask() -> int:
    with _umask_lock():
        mask = os.umask(0)
        os.umask(mask)
    return mask




def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Raises NotRegular, TooLarge, or the
    OSError of opening (missing, unreadable, a symlink loop).

    A special file is refused before it is opened (opening some devices does something), and again
    after (it may have been swapped in between); the open never blocks (a FIFO) and never makes a
    terminal the controlling one."""
    kind = os.stat(path).st_mode
    if not stat.S_ISREG(kind):
        raise NotRegular(0, f"not a regular file ({_file_kind(kind)})", str(path))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
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


def read_head(path: Path | str, limit: int) -> bytes:
    """At most the first `limit` bytes of a regular file, however large it is (NotRegular for any
    other kind of file: the open never blocks). Only what is kept is read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(0, f"not a regular file ({_file_kind(info.st_mode)})", str(path))
        chunks, total = [], 0
        while total < limit and (chunk := os.read(fd, min(1 << 16, limit - total))):
            chunks.append(chunk)
            total += len(chunk)
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
    if not text:
        raise OutputError("the output path is empty; give a file name, or - for standard output")
    if "\0" in text:
        raise OutputError("the output path contains a NUL character, which no file name can hold")
    path = Path(text)
    if path.is_dir():
        raise OutputError(f"{path} is a directory; give a file name inside it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: the folder {parent} does not exist; create it first")
    return path


_REFUSED = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.ENXIO}


def write_output(output: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `output`: `-` is standard output; a special file is written in place;
    a regular file is replaced atomically with the mode a new file would get from the umask (an
    existing file keeps its mode). A path that cannot be written at all is an OutputError."""
    try:
        _write_output(output, text)
    except OSError as exc:
        if exc.errno in _REFUSED:
            raise OutputError(f"{output}: cannot write there: {exc.strerror}") from None
        if exc.filename is None:  # a failed write names no file: name the output
            exc.filename = "standard output" if str(output) == "-" else str(output)
        raise


def _write_output(output: str | Path, text: str) -> None:
    path = check_output_path(output)
    data = text.encode("utf-8", errors="backslashreplace")  # a lone surrogate is written as the escape \udc80
    if path is None:
        sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    if path.is_symlink() and (info is None or stat.S_ISREG(info.st_mode)):  # replace the file the link names, not the link
        path = Path(os.path.realpath(path))
        check_output_path(path)
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(path, "wb") as handle:  # /dev/null, a FIFO, /dev/stdout: write to it, never replace it
            handle.write(data)
        return
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
    owner = (info.st_uid, info.st_gid) if info is not None and os.geteuid() == 0 else None  # root keeps a user's file theirs
    _put_in_place(path, data, mode, replace=True, owner=owner)


def replace_file(path: Path, data: bytes) -> None:
    """Make `path` a regular file holding `data`, atomically (never half-written, never missing): an
    existing file keeps its mode (and its owner when run as root); a symbolic link there is
    replaced by the file, never followed."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    kept = info is not None and stat.S_ISREG(info.st_mode)
    mode = stat.S_IMODE(info.st_mode) if kept and info is not None else 0o666 & ~_umask()
    owner = (info.st_uid, info.st_gid) if kept and info is not None and os.geteuid() == 0 else None
    _put_in_place(path, data, mode, replace=True, owner=owner)


def create_all(files: dict[Path, str]) -> list[Path]:
    """Create every file, all or nothing: each is created exclusively (never overwriting), and when
    one cannot be, those already created by this call are removed again. Raises FileExistsError
    (with the path) or the OSError met."""
    mode = 0o666 & ~_umask()
    created: list[Path] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                _put_in_place(path, text.encode("utf-8", errors="backslashreplace"), mode, replace=False)
            except FileExistsError:
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
            created.append(path)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return created


def _put_in_place(path: Path, data: bytes, mode: int, *, replace: bool, owner: tuple[int, int] | None = None) -> None:
    """Make `path` a complete, synced file holding `data` with `mode`: replacing what is there
    (`replace`), or only where nothing is (FileExistsError otherwise; an atomic link, so no
    check-then-write race)."""
    directory = str(path.parent) or "."
    fd = _unnamed_file(directory)
    if fd is not None:
        try:
            _fill(fd, data, mode, owner)
            if not replace:
                if _link_unnamed(fd, str(path)):  # fails if the path exists
                    return
            else:
                for _ in range(100):
                    import secrets

                    tmp = os.path.join(directory, f".{path.name}.{secrets.token_hex(6)}.chilecite-tmp")
                    linked = False
                    try:
                        linked = _link_unnamed(fd, tmp)  # named only from here to the rename
                        if linked:
                            os.replace(tmp, path)
                            return
                    except FileExistsError:
                        continue
                    finally:
                        if linked:  # removed on any way out (the command's entry point turns SIGTERM and SIGHUP into an exit)
                            with contextlib.suppress(FileNotFoundError):
                                os.unlink(tmp)
                    break
        finally:
            os.close(fd)
    _put_in_place_named(path, data, mode, replace=replace, owner=owner)


_UNNAMED = {"usable": True}  # set to False once this system refuses to link an unnamed file
_CANNOT_LINK = {errno.EXDEV, errno.ENOENT, errno.EPERM, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOSYS, errno.EACCES}
_AT_FDCWD, _AT_EMPTY_PATH = -100, 0x1000


def _unnamed_file(directory: str) -> int | None:
    """A file descriptor of a new file in `directory` that has no name (Linux O_TMPFILE), or None
    where that is not possible (another system, a file system without it)."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not _UNNAMED["usable"]:
        return None
    try:
        return os.open(directory, flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOSYS):
            return None
        raise


def _link_unnamed(fd: int, target: str) -> bool:
    """Give the unnamed file `fd` the name `target`: through /proc/self/fd (what open(2) documents),
    else with linkat(AT_EMPTY_PATH) (allowed to every user since Linux 6.10, to root before). False
    when neither works here; FileExistsError when `target` exists."""
    try:
        os.link(f"/proc/self/fd/{fd}", target)
        return True
    except OSError as exc:
        if exc.errno not in _CANNOT_LINK:
            raise
    linkat = _linkat()
    if linkat is not None:
        if linkat(fd, b"", _AT_FDCWD, os.fsencode(target), _AT_EMPTY_PATH) == 0:
            return True
        import ctypes

        code = ctypes.get_errno()
        if code not in _CANNOT_LINK:
            raise OSError(code, os.strerror(code), target)
    _UNNAMED["usable"] = False
    return False


@functools.cache
def _linkat() -> Any:
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).linkat
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int)
    function.restype = ctypes.c_int
    return function


def _fill(fd: int, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    if owner is not None:
        with contextlib.suppress(OSError):
            os.fchown(fd, *owner)
    os.fchmod(fd, mode)
    os.fsync(fd)


def _put_in_place_named(path: Path, data: bytes, mode: int, *, replace: bool, owner: tuple[int, int] | None) -> None:
    """The same with a hidden temporary file beside `path`, removed on leaving (whatever happens)."""
    directory = str(path.parent) or "."
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".chilecite-tmp", dir=directory)
    try:
        try:
            _fill(fd, data, mode, owner)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # atomic, and fails if the path exists
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
