"""The files of a records tree: which they are, in what order they load, where the installed tree
is, and their bytes, each file read once.

Kept free of the models (and so of pydantic): `read_tree` gives every file's bytes and digest, and
the digest of the whole tree, so a cached answer can be found before anything is parsed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chilecite.errors import UsageError
from chilecite.files import NotRegular, TooLarge, read_regular

KINDS = ("essay", "notes", "works", "agents", "quotations")
MAX_FILE_BYTES = 1_000_000


class NotATree(UsageError):
    """A path given as a records tree that is not one (no essay.yaml)."""


def kind_of(path: Path) -> str | None:
    if path.name == "essay.yaml":
        return "essay"
    return path.parent.name if path.parent.name in KINDS else None


def record_id(kind: str, path: Path) -> str:
    """The id a file claims by its name; a note's id is its number, checked against the name after validation."""
    return id_from_stem(kind, path.stem)


def id_from_stem(kind: str, stem: str) -> str:
    if kind == "notes" and stem.isdigit():
        return str(int(stem))
    return "essay" if kind == "essay" else stem


def stem(name: str) -> str:
    """`Path(name).stem`, without making a Path."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def display_path(path: Path, base: Path | None) -> str:
    # Not resolved: the bundled tree may be reached through a link, and reports should
    # name files as `records/notes/032.yaml` however they were reached.
    if base is not None:
        try:
            return str(path.relative_to(base))
        except ValueError:
            pass
    return str(path)



def record_files(root: Path) -> Iterator[Path]:
    """Every `.yaml` entry of a records tree (files or not: the loader says what is wrong), in a stable order."""
    for _, _, path, _ in tree_files(root):
        yield Path(path)


class TreeFiles:
    """Every record file of a tree, in load order, listed folder by folder: iterating gives
    (path in the tree, kind, path, whether it is a symbolic link). Paths are strings, made as they
    are used: a Path, or a list of tuples, for each of a few hundred thousand files costs seconds
    and tens of megabytes."""

    def __init__(self, root: Path) -> None:
        self.folders: list[tuple[str, str, list[tuple[str, bool | None]]]] = []
        self.unreadable: list[tuple[str, str, str]] = []  # (kind, folder, why): a folder that could not be listed
        self.root_base = os.path.join(str(root), "")
        essay = root / "essay.yaml"
        if essay.exists() or essay.is_symlink():
            self.folders.append(("essay", self.root_base, [("essay.yaml", None)]))
        real_root: str | None = None
        for kind in KINDS[1:]:
            directory = root / kind
            if directory.is_symlink():
                # A kind folder that is a link is followed only to a folder inside the tree; any other is
                # listed as one entry, a link, which the loader refuses as such (CC096) without opening it.
                real_root = real_root or os.path.realpath(root)
                target = os.path.realpath(directory)
                if not (os.path.isdir(target) and os.path.commonpath([real_root, target]) == real_root and target != real_root):
                    self.folders.append((kind, self.root_base, [(kind, True)]))
                    continue
            if directory.is_dir():
                try:
                    with os.scandir(directory) as entries:
                        names: list[tuple[str, bool | None]] = sorted(
                            (e.name, e.is_symlink()) for e in entries if e.name.endswith((".yaml", ".yml")))
                except OSError as exc:
                    self.unreadable.append((kind, str(directory), exc.strerror or str(exc)))
                    continue
                self.folders.append((kind, os.path.join(str(directory), ""), names))

    def __len__(self) -> int:
        return sum(len(names) for _, _, names in self.folders)

    def __iter__(self) -> Iterator[tuple[str, str, str, bool | None]]:
        for kind, base, names in self.folders:
            prefix = "" if base == self.root_base else f"{kind}/"  # essay.yaml, or a kind folder listed as one link
            for name, link in names:
                yield prefix + name, kind, base + name, link


def tree_files(root: Path) -> TreeFiles:
    """Every record file of the tree at `root`, in load order."""
    return TreeFiles(root)


def bundled_records() -> Path:
    """The records tree shipped inside the package (a checkout's `records/` when run from source)."""
    packaged = Path(__file__).parent / "records"  # installed as files (the package is never imported from a zip)
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "records"


def is_records_tree(path: Path) -> bool:
    return (path / "essay.yaml").is_file()



def display_prefix(root: Path, entries: TreeFiles) -> str | None:
    """What reports put before a file's path in the tree (`records/`), or None to work it out file by file."""
    first = next(iter(entries), None)
    if first is None:
        return None
    rel, _, path, _ = first
    display = display_path(Path(path), root.parent)
    return display[: -len(rel)] if display.endswith(rel) else None


# Why a file could not be read; `chilecite.loading` gives each its problem code.
OUTSIDE, NOT_REGULAR, TOO_LARGE, UNREADABLE = "outside the tree", "not regular", "too large", "unreadable"


@dataclass(slots=True)
class FileRead:
    """One record file of a tree: its path in the tree, kind, path and name in reports; once read
    (`TreeRead.read`), either its bytes and their SHA-256 or why it could not be read (a reason and
    a message). The bytes are let go once the file is loaded; the digest stays."""

    rel: str
    kind: str
    path: str
    display: str
    is_link: bool | None = None
    data: bytes | None = None
    sha256: bytes | None = None
    refused: tuple[str, str] | None = None

    @property
    def read(self) -> bool:
        return self.sha256 is not None or self.refused is not None


@dataclass
class TreeRead:
    """Every record file of a tree, each read once (when first needed), and the folders that could not be listed."""

    root: Path
    files: list[FileRead]
    unreadable: list[tuple[str, str, str]]  # (kind, folder, why)
    prefix: str | None

    def read(self, f: FileRead) -> FileRead:
        """`f`, read if it was not yet: only regular files inside the tree, their size checked first."""
        if not f.read:
            raw = read_record_bytes(f.path, self.root, is_link=f.is_link)
            if isinstance(raw, tuple):
                f.refused = raw
            else:
                f.data, f.sha256 = raw, hashlib.sha256(raw).digest()
        return f

    def each(self) -> Iterator[FileRead]:
        """Every file, read as it comes (a load that needs no digest first holds one file's bytes at a time)."""
        for f in self.files:
            yield self.read(f)

    @property
    def digest(self) -> str | None:
        """SHA-256 over every file's name in reports and bytes (every file is read for it); None when
        a file or folder could not be read (an answer that depends on an unreadable file is never kept)."""
        for _ in self.each():
            pass
        if self.unreadable or any(f.sha256 is None for f in self.files):
            return None
        tree = hashlib.sha256(f"{self.prefix}\0".encode("utf-8", "surrogatepass"))
        for f in self.files:
            tree.update(f"{len(f.rel)}:{f.rel}".encode("utf-8", "surrogatepass") + f.sha256)  # type: ignore[operator]
        return tree.hexdigest()


def release(f: FileRead) -> None:
    """Let a loaded file's bytes go (its digest stays); essay.yaml's are kept, for what the workspace
    reads from it before (and whatever) is loaded."""
    if f.rel != "essay.yaml":
        f.data = None


def read_record_bytes(path: str, root: Path | None, *, is_link: bool | None = None) -> bytes | tuple[str, str]:
    """The bytes of a record file, or why it cannot be read (a reason above and a message): only
    regular files inside the tree are read, and their size is checked before reading. `is_link`
    (from a directory scan) spares asking the file system again whether the path is a link."""
    if os.path.islink(path) if is_link is None else is_link:
        try:
            target = Path(path).resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # dangling, or a loop
            return OUTSIDE, f"symbolic link cannot be followed ({getattr(exc, 'strerror', None) or exc})"
        if root is not None and not target.is_relative_to(root.resolve()):
            return OUTSIDE, f"symbolic link leads out of the records tree (to {target})"
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except NotRegular as exc:
        return NOT_REGULAR, str(exc.strerror)
    except TooLarge as exc:
        return TOO_LARGE, f"file is {exc.strerror}"
    except OSError as exc:
        return UNREADABLE, f"cannot read the file: {exc.strerror or exc}"


def read_tree(root: Path) -> TreeRead:
    """The record files of the tree at `root`, in load order, each to be read once, when first needed."""
    entries = tree_files(root)
    prefix = display_prefix(root, entries)
    files = [FileRead(rel, kind, path, prefix + rel if prefix is not None else display_path(Path(path), root.parent), is_link)
             for rel, kind, path, is_link in entries]
    return TreeRead(root, files, entries.unreadable, prefix)
