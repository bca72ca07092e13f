"""The user's cache: record files already parsed, validation reports and rendered citations, so an
unchanged records tree loads without parsing YAML and a repeated citation without citeproc-py.

What is kept, each under a key that holds everything the entry depends on:

- `trees/`: one snapshot per records tree: for every file, its path in the tree, the SHA-256 of
  its bytes and what loading it gave (the plain data of the record, or its problems). A file is
  reused only when its bytes hash the same; every file is read and hashed on every run, and file
  times are never trusted, so an edit that keeps the size and modification time is still seen.
- `reports/`: the validator's report, keyed by the hashes of every record file, the reference
  text's SHA-256 and path, and the rule selection.
- `citations/`: citeproc-py's renderings, keyed by the style file's hash and the item's CSL-JSON.
- `outputs/`: what a command that reads the records printed (`chilecite stats`, `quote ID`, …),
  keyed by the hashes of every record file, the reference text's path and bytes, the style file's
  bytes, the command's arguments and the tree's place; kept only for a tree the validator passed.

Every key also holds `fingerprint()`: chilecite's version, a hash of its own source files, and
which PyYAML, pydantic and citeproc-py are installed. Entries are never expired by age; the
oldest are removed when a folder holds more than its limit.

Where: `$CHILECITE_CACHE`, else the user's cache directory (platformdirs), created with mode 0700
(on POSIX systems; elsewhere nothing is cached). `chilecite --no-cache` neither reads nor writes
it; deleting it is always safe. The library uses it only when asked (`load_corpus(cache=...)`),
but for citeproc-py's renderings (`configure(enabled=False)` turns that off too).

Threat model. The cache is an aid to speed, never a source of truth.

- It is used only in a directory that its owner alone can enter: owned by the user, mode 0700,
  not a symbolic link. Otherwise nothing is read from it or written to it.
- Entries are JSON parsed with `json`: nothing in them is executed or unpickled. A record rebuilt
  from an entry goes through the same pydantic validation as one read from YAML, so an entry can
  never make a record the models would refuse.
- Every entry carries an HMAC-SHA256 over its key and its contents, keyed by a per-user secret
  (`key`: 32 random bytes, mode 0600, made on first use). A truncated, corrupted or edited entry,
  or one copied from another user or machine, fails the check and is ignored, then rebuilt; so
  does one written by another version of chilecite (its key differs).
- Out of scope: someone who can write files as you (they can change chilecite itself), and
  secrecy (an entry says only what your records already say).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

FORMAT = 1
ENV = "CHILECITE_CACHE"
HEADER = b"chilecite-cache %d\n" % FORMAT
_MAC_LINE = len(b"mac ") + 64 + 1
_SECRET = "key"
LIMITS = {"trees": 32, "reports": 512, "citations": 4096, "outputs": 1024}
_DEPENDENCIES = ("yaml", "_yaml", "pydantic", "pydantic_core", "citeproc", "lxml")


def default_dir() -> Path:
    """`$CHILECITE_CACHE`, or the user's cache directory for chilecite."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    return _user_cache_dir()


@lru_cache(maxsize=1)
def _user_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("chilecite", appauthor=False))


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What every cached result also depends on: the cache format, chilecite's version and source
    files, and the installed versions of the libraries that parse, validate and render.

    chilecite's own files are hashed by content (an editable install changes without a new
    version); a dependency by the size and time of its files, which change with each install.
    """
    from chilecite import __version__

    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode())
    package = Path(__file__).resolve().parent
    for directory, subdirs, names in os.walk(package):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".py", ".csl")):
                path = os.path.join(directory, name)
                with open(path, "rb") as handle:
                    digest.update(os.path.relpath(path, package).encode() + b"\0" + hashlib.sha256(handle.read()).digest())
    from importlib.util import find_spec

    for module in _DEPENDENCIES:
        try:
            spec = find_spec(module)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        if origin and os.path.exists(origin):
            info = os.stat(origin)
            digest.update(f"{module}\0{origin}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
        else:
            digest.update(f"{module}\0absent\0".encode())
    return digest.hexdigest()


def sha256_file(path: Path | str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class Cache:
    """A private cache directory with its secret; entries are read and written authenticated."""

    def __init__(self, root: Path, secret: bytes) -> None:
        self.root = root
        self._secret = secret

    @classmethod
    def open(cls, path: Path | str | None = None) -> Cache | None:
        """The cache at `path` (default `default_dir()`), made if missing; None when it cannot be
        used safely (not a directory of this user's with mode 0700, or not writable)."""
        root = Path(path) if path is not None else default_dir()
        if os.name != "posix":
            return None  # the checks below (owner, mode) are POSIX ones: elsewhere there is no cache
        try:
            root.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                os.mkdir(root, 0o700)
            info = os.lstat(root)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                return None
            if stat.S_IMODE(info.st_mode) & 0o077:
                os.chmod(root, 0o700)  # ours: close it to others before trusting anything in it
            return cls(root, _secret(root))
        except OSError:
            return None

    # ------------------------------------------------------------------ small entries

    def get(self, namespace: str, key: str) -> bytes | None:
        """The payload stored under `key`, or None when absent or not authentic."""
        try:
            with _open_entry(self._path(namespace, key)) as handle:
                data = handle.read()
        except OSError:
            return None
        if not data.startswith(HEADER) or len(data) < len(HEADER) + _MAC_LINE:
            return None
        payload, mac_line = data[len(HEADER):-_MAC_LINE], data[-_MAC_LINE:]
        mac = self._mac(namespace, key)
        mac.update(payload)
        return payload if _mac_matches(mac, mac_line) else None

    def put(self, namespace: str, key: str, payload: bytes) -> None:
        """Store `payload` under `key` (atomically; a failure to write is ignored)."""
        with contextlib.suppress(OSError):
            writer = self.writer(namespace, key)
            writer.write(payload)
            writer.commit()

    def get_json(self, namespace: str, key: str) -> Any:
        payload = self.get(namespace, key)
        if payload is None:
            return None
        try:
            return json.loads(payload)
        except ValueError:
            return None

    def put_json(self, namespace: str, key: str, value: Any) -> None:
        self.put(namespace, key, json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii"))

    # ------------------------------------------------------------------ streamed entries

    def reader(self, namespace: str, key: str) -> EntryReader | None:
        """The lines of a large entry, read as they are used; `verified()` says at the end whether
        they were authentic. None when there is no entry."""
        try:
            handle = _open_entry(self._path(namespace, key))
        except OSError:
            return None
        return EntryReader(handle, self._mac(namespace, key))

    def writer(self, namespace: str, key: str) -> EntryWriter:
        """A new entry, written line by line into a temporary file and renamed into place by `commit()`."""
        directory = self.root / namespace
        directory.mkdir(mode=0o700, exist_ok=True)
        return EntryWriter(self._path(namespace, key), self._mac(namespace, key), LIMITS.get(namespace))

    # ------------------------------------------------------------------ internals

    def _path(self, namespace: str, key: str) -> Path:
        return self.root / namespace / (hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40] + ".cache")

    def _mac(self, namespace: str, key: str) -> hmac.HMAC:
        mac = hmac.new(self._secret, digestmod=hashlib.sha256)
        mac.update(f"{FORMAT}\0{namespace}\0{key}\0".encode("utf-8", "surrogatepass"))
        return mac


class EntryReader:
    """Lines of an entry, each ending in a newline; the last line of the file is its MAC."""

    def __init__(self, handle: BinaryIO, mac: hmac.HMAC) -> None:
        self._handle = handle
        self._mac = mac
        self._ok: bool | None = None
        self.offset = 0  # bytes of payload consumed so far (the header not counted)

    def lines(self) -> Iterator[bytes]:
        """Each line of the payload, in order; the MAC is checked once the last has been read."""
        handle, mac = self._handle, self._mac
        try:
            if handle.read(len(HEADER)) != HEADER:
                return
            previous = handle.readline()
            for line in handle:
                if not previous.endswith(b"\n"):
                    return
                mac.update(previous)
                self.offset += len(previous)
                yield previous
                previous = line
            self._ok = len(previous) == _MAC_LINE and _mac_matches(mac, previous)
        except (OSError, ValueError):  # unreadable, or closed early
            self._ok = False

    def prefix(self, size: int) -> bytes:
        """The first `size` bytes of the payload, read again from the same file (its position untouched)."""
        return os.pread(self._handle.fileno(), size, len(HEADER))

    def verified(self) -> bool:
        """Whether every line was read and the entry is authentic (False before the end)."""
        return bool(self._ok)

    def close(self) -> None:
        self._handle.close()


class EntryWriter:
    """A new entry being written; nothing is visible under its key until `commit()`."""

    def __init__(self, path: Path, mac: hmac.HMAC, limit: int | None) -> None:
        self.path = path
        self._mac = mac
        self._limit = limit
        import tempfile  # only writing needs it

        fd, self._tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        self._handle = os.fdopen(fd, "wb", buffering=1 << 20)
        self._handle.write(HEADER)

    def write(self, data: bytes) -> None:
        if not data.endswith(b"\n"):
            data += b"\n"
        self._mac.update(data)
        self._handle.write(data)

    def write_raw(self, data: bytes) -> None:
        """Bytes already made of whole lines (copied from another entry)."""
        self._mac.update(data)
        self._handle.write(data)

    def commit(self) -> None:
        """Write the MAC and rename the entry into place (no fsync: a torn entry fails its MAC)."""
        try:
            self._handle.write(b"mac " + self._mac.hexdigest().encode("ascii") + b"\n")
            self._handle.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise
        if self._limit is not None:
            _prune(self.path.parent, self._limit)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()
        with contextlib.suppress(OSError):
            os.unlink(self._tmp)


def _open_entry(path: Path) -> BinaryIO:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        return os.fdopen(fd, "rb", buffering=1 << 20)
    except BaseException:
        os.close(fd)
        raise


def _mac_matches(mac: hmac.HMAC, line: bytes) -> bool:
    expected = b"mac " + mac.hexdigest().encode("ascii") + b"\n"
    return hmac.compare_digest(expected, line)


def _secret(root: Path) -> bytes:
    """The per-user secret that authenticates entries: made once, readable by its owner only."""
    path = root / _SECRET
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return _new_secret(path)
    try:
        info = os.fstat(fd)
        secret = os.read(fd, 64)
    finally:
        os.close(fd)
    if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and not stat.S_IMODE(info.st_mode) & 0o077 and len(secret) == 32:
        return secret
    return _new_secret(path, replace=True)  # unusable (another owner, readable by others, damaged): every entry is rebuilt


def _new_secret(path: Path, *, replace: bool = False) -> bytes:
    secret = os.urandom(32)
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=".key.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(secret)
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if another process made one meanwhile: use theirs
            except FileExistsError:
                return _secret(path.parent)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return secret


def _prune(directory: Path, limit: int) -> None:
    """Keep a folder within `limit` entries, the most recently written ones.

    Counting names costs no `stat`; only when the folder is over its limit are the entries dated,
    and then it is cut to an eighth below the limit, so a full cache is dated once per limit/8
    writes rather than at every write (4,096 `stat` calls per citation made a full cache slower
    than none)."""
    with contextlib.suppress(OSError):
        with os.scandir(directory) as entries:
            names = [entry.path for entry in entries if entry.name.endswith(".cache")]
        if len(names) <= limit:
            return
        dated = []
        for path in names:
            with contextlib.suppress(OSError):
                dated.append((os.stat(path).st_mtime_ns, path))
        dated.sort()
        keep = limit - limit // 8
        for _, path in dated[: max(0, len(dated) - keep)]:
            with contextlib.suppress(OSError):
                os.unlink(path)


# --------------------------------------------------------------------------- tree snapshots


class TreeSnapshot:
    """What loading each file of one records tree gave last time, read as the tree is loaded again.

    The caller asks for its files in the tree's order (`order` gives each path's place) with the
    hash of each file's bytes: `lookup` gives back the stored entry when that file had those bytes.
    A new snapshot is written only when something differs, streamed as the tree loads: what was
    reused before the first difference is copied from the old snapshot, the rest is written as it
    comes. `finish()` says whether the old snapshot was authentic; when it was not, whatever was
    taken from it must be thrown away (the caller loads the tree again, without it).
    """

    def __init__(self, cache: Cache, key: str, order: Any, *, fresh: bool = False) -> None:
        self._cache, self._key, self._order = cache, key, order
        self._reader = None if fresh else cache.reader("trees", key)
        self._lines = self._reader.lines() if self._reader is not None else iter(())
        self._pending: tuple[Any, str, str, Any, bytes] | None = None
        self._ended = False
        self._writer: EntryWriter | None = None
        self._kept = 0  # payload bytes reused from the old snapshot before the first difference
        self.changed = False
        self.reused = 0

    def lookup(self, rel: str, digest: str | None) -> Any:
        """The entry stored for `rel` when its bytes hashed to `digest` (None: not stored, or changed)."""
        want = self._order(rel)
        while not self._ended:
            if self._pending is None:
                self._advance()
                continue
            place, stored_rel, stored_digest, entry, raw = self._pending
            if place < want:  # a file that is gone
                self._pending = None
                self._diverge()
                continue
            if place == want and stored_rel == rel:
                self._pending = None
                if digest is not None and stored_digest == digest:
                    if self._writer is not None:
                        self._writer.write(raw)
                    else:
                        self._kept += len(raw)
                    self.reused += 1
                    return entry
            break
        self._diverge()
        return None

    def store(self, rel: str, digest: str, entry: Any) -> None:
        """Record what loading `rel` gave (after a `lookup` that found nothing)."""
        self._diverge()
        assert self._writer is not None
        self._writer.write(json.dumps([rel, digest, entry], ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n")

    def finish(self) -> bool:
        """Write the new snapshot if anything changed; False when the old one proved not authentic."""
        if self._pending is not None:
            self._pending = None
            self._diverge()
        for _ in self._lines:  # files that are gone; reading to the end checks the MAC
            self._diverge()
        self._ended = True
        authentic = self._reader is None or self._reader.verified()
        if self._reader is not None:
            self._reader.close()
        if self._writer is not None:
            if authentic:
                with contextlib.suppress(OSError):
                    self._writer.commit()
            else:
                self._writer.abort()
        return authentic

    def abort(self) -> None:
        """Give up (an error while loading, or an old snapshot that failed its check): nothing is written."""
        if self._reader is not None:
            self._reader.close()
        if self._writer is not None:
            self._writer.abort()
            self._writer = None

    def _advance(self) -> None:
        line = next(self._lines, None)
        if line is None:
            self._ended = True
            return
        try:
            rel, digest, entry = json.loads(line)
            self._pending = (self._order(rel), rel, digest, entry, line)
        except (ValueError, TypeError):
            self._pending = None  # damaged: its MAC fails too, and the tree is loaded again without it

    def _diverge(self) -> None:
        if self._writer is not None:
            return
        self.changed = True
        try:
            self._writer = self._cache.writer("trees", self._key)
            if self._kept and self._reader is not None:
                self._writer.write_raw(self._reader.prefix(self._kept))
        except OSError:
            self._writer = _NullWriter()  # type: ignore[assignment]


class _NullWriter:
    """Stands in for a writer when the cache cannot be written (a full disk): loading goes on."""

    def write(self, data: bytes) -> None:
        pass

    write_raw = write

    def commit(self) -> None:
        pass

    def abort(self) -> None:
        pass


# --------------------------------------------------------------------------- the process's cache


_opened: dict[Path, Cache | None] = {}
_enabled = [True]


def configure(*, enabled: bool) -> None:
    """Turn the cache on or off for what this process does next (the command line's `--no-cache`:
    the session sets it for each command, the citations rendered on the way included)."""
    _enabled[0] = enabled


def shared() -> Cache | None:
    """The cache at `default_dir()`, opened once per directory; None when turned off or unusable."""
    if not _enabled[0]:
        return None
    path = default_dir()
    if path not in _opened:
        _opened[path] = Cache.open(path)
    return _opened[path]
