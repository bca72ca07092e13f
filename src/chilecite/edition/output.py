"""Writing an edition into a directory without ever leaving a half-written one.

The files go into a fresh temporary directory beside the target, which is then renamed into place;
a previous edition there is moved aside first and removed after. A directory that is not empty is
replaced only if it holds the edition marker file: `chilecite edition -o ~/Documents` can never
delete someone's documents.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from chilecite.edition.build import MARKER_FILE, EditionError


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts):
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


def write_edition(files: dict[str, bytes], out_dir: Path) -> Path:
    """Write the edition's files into `out_dir` (created, or replacing a previous edition) and return it.

    Raises EditionError for a target that is a file, a symbolic link, or a non-empty directory that
    is not an edition, and for a file name that would escape the directory.
    """
    out_dir = Path(out_dir).absolute()
    if MARKER_FILE not in files:
        raise EditionError(f"the files to write have no {MARKER_FILE}")
    names = {name: _safe_relative(name) for name in files}
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    old: Path | None = None
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; a site is meant to be read
        for name, content in files.items():
            path = staging.joinpath(*names[name].parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        _check_target(out_dir)  # again: it may have changed while the files were written
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
            os.rmdir(old)
            os.rename(out_dir, old)
        os.rename(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and old.exists() and not out_dir.exists():
            os.rename(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return out_dir
