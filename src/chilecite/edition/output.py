"""Writing an edition into a directory: never a half-written site, never a moment with none, and
never a file of someone else's touched.

What is written where:

- A new directory (or an empty one) is built whole beside its place, in a hidden staging folder
  `.NAME.*.tmp`, and renamed into place.
- A directory that holds a previous edition and nothing else is rebuilt the same way, then swapped
  with the old one in one step (Linux's renameat2 with RENAME_EXCHANGE), so there is always a
  whole site at its name; the old one, now in the staging folder, is removed. Where the system
  cannot swap (another system, a file system without it) the old site is moved aside and the new
  one moved in, two renames with no site between them. The new directory gets the old one's mode
  (and owner, when run as root).
- A directory that also holds what the edition does not write (a gh-pages `.git`, `CNAME`,
  `robots.txt`) keeps all of it and its own mode: only the files the edition writes are replaced,
  each atomically (`chilecite.files`), and the files the previous edition wrote that this one does
  not are removed — those its marker lists, and only if they are files. The marker is written last.
- Anything else is refused: a file, a symbolic link, a directory that is not empty and holds no
  edition marker (`chilecite edition -o ~/Documents` can never touch someone's documents).

The marker file lists the files of the edition, one a line after its first. A staging folder is
locked (flock) while it is used; one left by a killed run, unlocked and holding an edition or
nothing, is removed by the next run into the same place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from chilecite.edition.build import MARKER_FILE, EditionError

MAX_MARKER_BYTES = 65_536


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts) or "\\" in name \
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise EditionError(f"refusing to write '{name}': not a plain relative path")
    return path


def _check_target(out_dir: Path) -> None:
    if out_dir.is_symlink():
        raise EditionError(f"{out_dir} is a symbolic link; give the real directory")
    if out_dir.exists() and not out_dir.is_dir():
        raise EditionError(f"{out_dir} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER_FILE).is_file():
        raise EditionError(f"{out_dir} is not empty and holds no chilecite edition ({MARKER_FILE}); give an empty or new directory")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def previous_files(out_dir: Path, current: set[str]) -> set[str]:
    """The files the edition in `out_dir` wrote, as its marker lists them (a marker of an older
    chilecite lists none: it wrote the files this one writes). Names that are not plain relative
    paths are ignored: the marker is in a folder anyone may have edited."""
    from chilecite.files import read_regular

    try:
        lines = read_regular(out_dir / MARKER_FILE, MAX_MARKER_BYTES).decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    listed = set()
    for line in lines[1:]:
        with contextlib.suppress(EditionError):
            listed.add(str(_safe_relative(line)))
    return listed or set(current)


def marker_text(header: bytes, names: set[str]) -> bytes:
    """The marker: its first line as the build made it, then every file of the edition, one a line."""
    first = header.decode("utf-8").splitlines()[0] if header.strip() else "chilecite reader's edition"
    return ("\n".join([first, *sorted(names)]) + "\n").encode("utf-8")


def write_edition(files: dict[str, bytes], out_dir: Path) -> Path:
    """Write the edition's files into `out_dir` (created, or replacing a previous edition) and return it.

    Raises EditionError for a target that is a file, a symbolic link, or a non-empty directory that
    is not an edition, and for a file name that would escape the directory.
    """
    out_dir = Path(out_dir).absolute()
    if MARKER_FILE not in files:
        raise EditionError(f"the files to write have no {MARKER_FILE}")
    names = {name: _safe_relative(name) for name in files}
    files = {**files, MARKER_FILE: marker_text(files[MARKER_FILE], set(files))}
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clear_stale_staging(out_dir)
    if out_dir.is_dir():
        previous = previous_files(out_dir, set(files))
        tops = {PurePosixPath(name).parts[0] for name in previous | {MARKER_FILE}}
        if any(entry.name not in tops for entry in out_dir.iterdir()):
            _write_in_place(files, names, out_dir, previous)
            return out_dir
    _write_and_swap(files, names, out_dir)
    return out_dir


# --------------------------------------------------------------------------- a whole new site, swapped in


def _write_and_swap(files: dict[str, bytes], names: dict[str, PurePosixPath], out_dir: Path) -> None:
    with _staging(out_dir) as staging:
        for name, content in sorted(files.items(), key=lambda item: item[0] != MARKER_FILE):  # the marker first: it names the folder
            path = staging.joinpath(*names[name].parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        _check_target(out_dir)  # again: it may have changed while the files were written
        if not out_dir.exists():
            os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; a site is meant to be read
            os.rename(staging, out_dir)
            return
        _take_mode(staging, out_dir)
        if exchange(staging, out_dir):
            return  # the old site is in `staging` now, and goes with it
        _two_renames(staging, out_dir)


def _take_mode(staging: Path, out_dir: Path) -> None:
    """Give the new site the old one's mode, and its owner when run as root."""
    info = os.stat(out_dir)
    os.chmod(staging, stat.S_IMODE(info.st_mode))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        with contextlib.suppress(OSError):
            os.chown(staging, info.st_uid, info.st_gid)


def _two_renames(staging: Path, out_dir: Path) -> None:
    """Where the system cannot swap: the old site aside, the new one in (no site between the two)."""
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    os.rmdir(old)
    os.rename(out_dir, old)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE, _AT_FDCWD = 2, -100


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where it cannot be done here."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28 and later
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


# --------------------------------------------------------------------------- the files of a site, in place


def _write_in_place(files: dict[str, bytes], names: dict[str, PurePosixPath], out_dir: Path, previous: set[str]) -> None:
    """Replace the edition's files among the user's, each atomically; the marker last."""
    from chilecite.files import replace_file

    for name, content in sorted(files.items(), key=lambda item: item[0] == MARKER_FILE):
        path = out_dir.joinpath(*names[name].parts)
        if path.is_dir() and not path.is_symlink():
            raise EditionError(f"{path} is a directory; the edition writes a file of that name. Nothing after it was written")
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, content)
    for name in sorted(previous - set(files)):
        path = out_dir.joinpath(*_safe_relative(name).parts)
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- staging folders


@contextlib.contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A new staging folder beside `out_dir`, locked while in use, removed on leaving."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    lock = _lock(staging, wait=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if lock is not None:
            os.close(lock)


def _lock(folder: Path, *, wait: bool) -> int | None:
    """An open descriptor of `folder` holding an exclusive lock on it (None where locks do not exist,
    or, not waiting, when another run holds it: OSError then)."""
    try:
        import fcntl
    except ImportError:
        return None
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        raise
    return fd


def clear_stale_staging(out_dir: Path) -> list[Path]:
    """Remove the staging folders a killed run left beside `out_dir` (and the `.NAME.*.old` folders
    of older chilecites): only folders no run holds locked that hold an edition marker or nothing."""
    removed: list[Path] = []
    prefix = f".{out_dir.name}."
    try:
        entries = list(os.scandir(out_dir.parent))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith((".tmp", ".old"))) or not entry.is_dir(follow_symlinks=False):
            continue
        folder = Path(entry.path)
        try:
            lock = _lock(folder, wait=False)
        except OSError:
            continue  # in use by another run, or not ours to open
        try:
            inside = os.listdir(folder)
            if not inside or MARKER_FILE in inside:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        finally:
            if lock is not None:
                os.close(lock)
    return removed
