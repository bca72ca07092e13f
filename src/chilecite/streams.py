"""The standard streams as every command writes to them, set up once by `chilecite.cli.main`.

- A character the locale cannot show (a Latin-1 or ASCII terminal, `PYTHONIOENCODING=latin-1`) is
  written as `\\uXXXX` (a pair of them beyond U+FFFF), never an error: the same escape JSON uses, so
  `--format json` stays valid JSON, and the form `visible` gives control characters.
- Standard output closed when chilecite starts (`>&-`) is a stream whose every write fails with
  "standard output is closed", which a command reports as its failure (exit 1); a command that
  writes only to a file (`-o FILE`) still works.

Kept small and free of click: `chilecite --version` uses it before anything else is imported.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import sys

ESCAPE = "chilecite-escape"


class OutputClosed(OSError):
    """Standard output was closed when chilecite started: nothing written there can arrive."""

    def __init__(self) -> None:
        # filename "" (not None): a file writer names no file of its own on top of this message
        super().__init__(errno.EBADF, "standard output is closed", "")


class _ClosedOutput(io.TextIOBase):
    """What `sys.stdout` is when file descriptor 1 was closed: every write fails, nothing is lost silently."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: object) -> int:
        raise OutputClosed

    @property
    def buffer(self) -> io.BufferedIOBase:
        raise OutputClosed

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        pass


def _escape(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escaped = []
    for char in error.object[error.start:error.end]:
        code = ord(char)
        if code > 0xFFFF:  # as JSON writes it: a surrogate pair
            code -= 0x10000
            escaped.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            escaped.append(f"\\u{code:04x}")
    return "".join(escaped), error.end


def prepare() -> None:
    """Set up `sys.stdout` and `sys.stderr` for a command: unshowable characters escaped, a closed
    standard output made to fail loudly. Called once, at the start of `main()`."""
    codecs.register_error(ESCAPE, _escape)
    if sys.stdout is None:
        sys.stdout = _ClosedOutput()
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a stream that cannot change now: left as it is
                reconfigure(errors=ESCAPE)


def report_closed_output() -> None:
    """Say, on standard error when there is one, that standard output is closed."""
    if sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write("Error: standard output is closed\n")
            sys.stderr.flush()
