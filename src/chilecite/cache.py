"""The cache: answers already given and record files already read, so that an unchanged records
tree answers without loading and a changed one parses and checks only the files that changed.

One SQLite database, `cache.sqlite3`, in a folder chilecite makes for itself, with two tables:

- `records`: for one record file, what loading it gave (its plain data, or its problems) and the
  problems of the checks that look at one record alone (`Rule.per_record`);
- `answers`: what a command printed, the validator's report among them.

Every key is made by `cache_key` (or `cache_keys`, for many entries at once) from typed values — the bytes' digests of every input (each record
file, the reference text, the style), the request and its typed options, and `environment()`:
chilecite's version and code, Python's version, and every installed distribution with its version.
Two requests that could be answered differently never share a key: `None` and `"None"`, a style
by its name and the same file by its path (whose labels differ) are different values.

Where: `<base>/chilecite-cache/`, `<base>` being `$CHILECITE_CACHE` or the user's cache directory. The
folder is used only when chilecite made it (mode 0700, with a CACHEDIR.TAG of chilecite's) and it
is still this user's and private; an existing folder chilecite did not make is never re-moded or
written into. A cache that cannot be used — not ours, unreadable, read-only, full, locked, damaged,
a FIFO or a folder where its file belongs — never fails or hangs a command: the command answers
uncached and says why once (`notice`). Deleting the folder is always safe.

What it trusts: nothing it could not check. Entries are JSON; a record rebuilt from one goes
through the models' validation like one read from YAML. The folder is private to its owner, so
only someone who can already act as that user could change an entry.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

FORMAT = 2
ENV = "CHILECITE_CACHE"
FOLDER = "chilecite-cache"  # not "chilecite": chilecite 0.2 made that one, with entries of another form
DATABASE = "cache.sqlite3"
TAG = "CACHEDIR.TAG"
TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by chilecite; the folder can be deleted at any time.\n")
LIMITS = {"records": 600_000, "answers": 4_096}  # rows; the oldest written are dropped beyond them
_SIDE_FILES = ("", "-journal", "-wal", "-shm")

Notice = Callable[[str], None]


# --------------------------------------------------------------------------- keys


def canonical(value: Any) -> Any:
    """A typed value as JSON-able data that keeps its type: `None`, booleans, numbers and strings
    as JSON has them (so `None` and `"None"`, `1` and `True` stay apart), sequences as lists, sets
    sorted, enums and dataclasses tagged with their class. Anything else (a path, an object) is a
    TypeError: a key is never made from `str()` of a value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, enum.Enum):
        return {"enum": type(value).__name__, "value": canonical(value.value)}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"set": sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: canonical(v) for k, v in sorted(value.items())}}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__, "fields": {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"no canonical form for {type(value).__name__} in a cache key")


def cache_key(purpose: str, **parts: Any) -> str:
    """The key of one entry: the purpose, the typed parts and the environment, hashed."""
    return cache_keys(purpose, [{}], **parts)[0]


def cache_keys(purpose: str, items: list[dict[str, Any]], **common: Any) -> list[str]:
    """The keys of many entries that share `common` parts (every file of a tree): each is
    `cache_key(purpose, **common, **item)` in effect — the shared part is encoded once."""
    shared = hashlib.sha256(json.dumps([FORMAT, purpose, environment(), canonical(common)], sort_keys=True, separators=(",", ":"),
                                       ensure_ascii=True).encode("ascii"))
    keys = []
    for item in items:
        digest = shared.copy()
        digest.update(json.dumps(canonical(item), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii"))
        keys.append(digest.hexdigest())
    return keys


@lru_cache(maxsize=1)
def environment() -> str:
    """What every answer also depends on besides its inputs: chilecite's version and the bytes of
    its code and data files, Python's version, and every installed distribution with its version
    (any upgrade — bibtexparser's writer, citeproc-py's locales — gives new keys)."""
    from chilecite import __version__

    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0{sys.version}\0{sys.implementation.name}\0".encode())
    package = Path(__file__).resolve().parent
    for directory, subdirs, names in os.walk(package):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        for name in sorted(names):
            if not name.endswith((".pyc", ".pyo")):
                path = os.path.join(directory, name)
                with open(path, "rb") as handle:
                    digest.update(os.path.relpath(path, package).encode() + b"\0" + hashlib.sha256(handle.read()).digest())
    for distribution in installed_distributions():
        digest.update(distribution.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def installed_distributions() -> list[str]:
    """`name-version` of every distribution on sys.path (its `.dist-info` or `.egg-info` folder's
    name), the first of each name as importlib.metadata would find it; one listing per folder."""
    seen: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in sorted(names):
            if name.endswith((".dist-info", ".egg-info")):
                project = name.rsplit(".", 1)[0]
                seen.setdefault(project.split("-", 1)[0].lower().replace("_", "-"), project)
    return sorted(seen.values())


# --------------------------------------------------------------------------- the store


class Cache:
    """The SQLite database in chilecite's own cache folder. Every method answers as if the entry
    were absent when the database cannot be used, and says why once through `notice`."""

    def __init__(self, folder: Path, notice: Notice | None = None) -> None:
        self.folder = folder
        self._notice = notice
        self._db: Any = None
        self.broken: str | None = None

    @classmethod
    def open(cls, base: Path | str | None = None, *, notice: Notice | None = None) -> Cache | None:
        """The cache under `base` (default: $CHILECITE_CACHE, else the user's cache directory), or
        None, said through `notice`, when chilecite cannot have a folder of its own there."""
        if os.name != "posix":
            return None  # the checks that make the folder private are POSIX ones
        base = Path(base) if base is not None else default_base()
        folder = base / FOLDER
        why = _claim(folder)
        if why is not None:
            if notice is not None:
                notice(f"cache: {why}; answering without the cache")
            return None
        return cls(folder, notice)

    # ------------------------------------------------------------------ answers

    def get_answer(self, key: str) -> Any:
        rows = self._select("answers", [key])
        return rows.get(key)

    def put_answer(self, key: str, value: Any) -> None:
        self._insert("answers", {key: value})

    # ------------------------------------------------------------------ records

    def get_records(self, keys: list[str]) -> dict[str, Any]:
        return self._select("records", keys)

    def put_records(self, rows: dict[str, str]) -> None:
        """Keep rows given as JSON text already (the workspace encodes each as it loads the file)."""
        self._insert("records", rows, encoded=True)

    # ------------------------------------------------------------------ internals

    def _connect(self) -> Any:
        if self._db is None and self.broken is None:
            path = self.folder / DATABASE
            for suffix in _SIDE_FILES:  # a FIFO or a folder where a file belongs must not hang or fail a command
                try:
                    mode = os.lstat(f"{path}{suffix}").st_mode
                except FileNotFoundError:
                    continue
                if not stat.S_ISREG(mode):
                    raise OSError(f"{path}{suffix} is not a regular file")
            import sqlite3

            db = sqlite3.connect(str(path), timeout=0.5, isolation_level=None, check_same_thread=False)
            # No sync at each commit: a cache needs none. The rollback journal keeps the database whole
            # if the process is killed mid-write; a power cut may damage it, and a damaged database
            # is removed (see `_fail`) and made anew on the next run.
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
            self._db = db
        return self._db

    def _fail(self, exc: BaseException) -> None:
        import sqlite3

        damaged = isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)
        if self.broken is None:
            self.broken = str(exc) or type(exc).__name__
            if self._notice is not None:
                self._notice(f"cache: {self.folder / DATABASE} cannot be used ({self.broken}); answering without the cache"
                             + ("; it is removed and made anew next time" if damaged else ""))
        if damaged:  # "file is not a database", "disk image is malformed": ours to remove (regular files only)
            for suffix in _SIDE_FILES:
                path = f"{self.folder / DATABASE}{suffix}"
                with contextlib.suppress(OSError):
                    if stat.S_ISREG(os.lstat(path).st_mode):
                        os.unlink(path)
        if self._db is not None:
            with contextlib.suppress(Exception):  # already failing: the command goes on uncached
                self._db.close()
            self._db = None

    def _select(self, table: str, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.broken is not None or not keys:
            return found
        try:
            db = self._connect()
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in db.execute(f"SELECT key, value FROM {table} WHERE key IN ({marks})", chunk):
                    found[key] = json.loads(value)
        except Exception as exc:
            self._fail(exc)
            return {}
        return found

    def _insert(self, table: str, rows: dict[str, Any], *, encoded: bool = False) -> None:
        if self.broken is not None or not rows:
            return
        try:
            db = self._connect()
            pairs = ((key, (value if encoded else json.dumps(value, ensure_ascii=True, separators=(",", ":"))).encode("ascii"))
                     for key, value in rows.items())  # made one at a time as SQLite takes them
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(f"INSERT OR REPLACE INTO {table} (key, value) VALUES (?, ?)", pairs)
                high = db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
                limit = LIMITS[table]
                if high > limit:  # rowids grow with each write: cut to an eighth below the limit, oldest first
                    db.execute(f"DELETE FROM {table} WHERE rowid <= ?", (high - (limit - limit // 8),))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except Exception as exc:
            self._fail(exc)


def default_base() -> Path:
    """`$CHILECITE_CACHE`, or the user's cache directory (chilecite's own folder is made inside it)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir())


def _claim(folder: Path) -> str | None:
    """Make chilecite's cache folder, or check that the one there is chilecite's and private; the
    reason when it cannot be used. A folder chilecite did not make is never changed."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        else:
            fd = os.open(folder / TAG, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(TAG_TEXT)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode):
            return f"{folder} is not a folder"
        if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
            return f"{folder} is not private to this user (owner {info.st_uid}, mode {stat.S_IMODE(info.st_mode):o})"
        fd = os.open(folder / TAG, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            ok = stat.S_ISREG(os.fstat(fd).st_mode) and os.read(fd, 4096).decode("ascii", "replace") == TAG_TEXT
        finally:
            os.close(fd)
        return None if ok else f"{folder} was not made by chilecite (its {TAG} is not chilecite's)"
    except FileNotFoundError:
        return f"{folder} was not made by chilecite (it has no {TAG})"
    except OSError as exc:
        return f"{folder} cannot be used ({exc.strerror or exc})"

