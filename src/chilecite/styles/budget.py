"""A bound on the processor time one rendering may take, whatever the style.

The style check (`chilecite.styles.check`) refuses a style whose rendering would cost too much, by
an estimate made without rendering. This is the backstop for what an estimate can miss: a
rendering that takes more than RENDER_SECONDS of processor time is stopped, and the style refused
with a StyleError naming its file. The timer is the process's profiling timer (ITIMER_PROF, which
counts processor time and costs nothing while it runs); once it fires, it fires again every 50 ms
until the rendering has stopped, so a handler in citeproc-py that swallows every exception (it has
one) cannot keep it going. Signals reach only the main thread, and only where `setitimer` exists
(not on Windows): elsewhere the rendering runs with the check's bound alone. The library uses the
timer only when the program asks (`enable`): the `chilecite` command does.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from chilecite.errors import StyleError

RENDER_SECONDS = 5.0  # of processor time for one rendering; a bundled style takes at most 0.1 s
_REPEAT = 0.05
_ENABLED = [False]


def enable() -> None:
    """Put renderings under the time budget from now on. The `chilecite` program does this; a
    program using the library decides for itself, since the budget takes the profiling timer and
    its signal (SIGPROF) for the time of each rendering."""
    _ENABLED[0] = True


class RenderTooCostly(StyleError):
    """A rendering stopped for taking longer than its budget of processor time."""


@contextlib.contextmanager
def render_budget(style: str | Path, seconds: float | None = None) -> Iterator[None]:
    """Run the block with at most `seconds` (RENDER_SECONDS) of processor time; RenderTooCostly past it."""
    limit = RENDER_SECONDS if seconds is None else seconds
    timer = getattr(signal, "ITIMER_PROF", None)
    if (not _ENABLED[0] or timer is None or threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGPROF) not in (signal.SIG_DFL, signal.SIG_IGN, None)):
        yield  # no timer here (another thread, another system, or a profiler using SIGPROF)
        return
    running = True

    def stop(signum: int, frame: object) -> None:
        if running:
            raise RenderTooCostly(f"style file {style}: rendering took more than {limit:g} s of processor time and was "
                                  "stopped; the style does too much work for one citation")

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(timer, limit, _REPEAT)
    try:
        yield
    finally:
        running = False
        signal.setitimer(timer, 0)
        signal.signal(signal.SIGPROF, previous)
