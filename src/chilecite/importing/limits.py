"""The bounds an import keeps, and the linear checks that enforce them before anything is decoded.

A .bib file is untrusted input: every limit here exists so that time and memory stay linear in
the size of the file, whatever it holds. Each check makes one pass over its text and returns the
reason a value is refused (or None); the importer reports the reason as CC074 and imports nothing
of the entry.
"""

from __future__ import annotations

import re
import unicodedata

from chilecite.characters import UNSAFE_RE

MAX_FILE_CHARS = 20_000_000
"""A .bib file of more characters is not read at all (`import_file` checks the bytes first)."""
MAX_ENTRIES = 5_000
"""Blocks (`@type{...}`) in one file: an essay's sources are a few hundred at most."""
MAX_FIELDS = 100
"""Fields in one entry (BibLaTeX defines about 80; a reference manager writes 10 to 30)."""
MAX_WARNINGS = 10_000
"""Warnings listed one by one; beyond them, one more problem says how many were not listed."""
MAX_FIELD_CHARS = 65_536
"""Characters in one imported field, as written and after @string expansion."""
MAX_BRACE_DEPTH = 32
"""Brace groups nested in one field value (case protection needs two or three)."""
MAX_ACCENT_CHAIN = 4
"""Accent commands stacked on one letter (`\\'{\\c{c}}` is two)."""
MAX_COMBINING_RUN = 30
"""Combining marks in a row (Unicode's stream-safe limit, UAX #15): longer runs make normalisation quadratic."""
MAX_MACRO_DEPTH = 32
"""@string macros defined through other macros, this many deep; deeper (or circular) is refused."""
MACRO_BUDGET_FACTOR = 4
"""All @string expansions of a file together produce at most this many times the file's characters (plus one field's worth)."""
MAX_PARENT_DEPTH = 8
"""Works reached by following `crossref`/`xref` parents from one entry (a chapter's book is one)."""

# C0/C1 controls (tab and line breaks aside: they are white space), DEL, direction marks and
# overrides, line and paragraph separators, lone surrogates: `validate` refuses them in a record
# (CC051), and a terminal or a page can be driven or reordered by them.

_ACCENT = r"\\(?:['`^\"~=.]|[cvuHkrdb](?![A-Za-z]))"
# One token of LaTeX for the depth and accent scan: an accent command, any other command, a brace,
# a run of white space, a run of anything else. Every alternative consumes what it matches, so the
# scan is one pass.
_SCAN_RE = re.compile(rf"(?P<accent>{_ACCENT})|\\(?:[A-Za-z]+|.?)|(?P<open>\{{)|(?P<close>\}})|(?P<space>\s+)|[^\\{{}}\s]+", re.DOTALL)


def raw_value_problem(value: str) -> str | None:
    """Why a field value as written (macros expanded, not yet decoded) is refused, or None.

    Size first (so nothing longer is scanned), then brace depth, accent commands stacked on one
    letter, and runs of combining marks."""
    if len(value) > MAX_FIELD_CHARS:
        return f"{len(value):,} characters, over the {MAX_FIELD_CHARS:,}-character limit for a field"
    depth = chain = 0
    for match in _SCAN_RE.finditer(value):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            if depth > MAX_BRACE_DEPTH:
                return f"braces nested more than {MAX_BRACE_DEPTH} deep"
        elif kind == "accent":
            chain += 1
            if chain > MAX_ACCENT_CHAIN:
                return f"more than {MAX_ACCENT_CHAIN} accent commands stacked on one letter"
        elif kind != "space":
            chain = 0  # a letter, another command or a closing brace ends the stack of accents
            if kind == "close":
                depth = max(0, depth - 1)  # a stray `}` closes nothing
    return text_problem(value)


def text_problem(value: str) -> str | None:
    """Why a text (as written, or as decoded) is refused: a run of combining marks over the limit."""
    if value.isascii():
        return None
    run = 0
    for char in value:
        if unicodedata.combining(char):
            run += 1
            if run > MAX_COMBINING_RUN:
                return f"more than {MAX_COMBINING_RUN} combining marks in a row"
        else:
            run = 0
    return None


def control_character(value: str) -> str | None:
    """`U+001B` for the first character no record may hold (`chilecite.characters.UNSAFE`) in a raw
    field value, or None. A carriage return is a line end there (a file saved with CRLF or CR line
    ends), white space like a line feed, which the value's cleaning makes a space."""
    found = UNSAFE_RE.search(value.replace("\r", "\n"))
    return f"U+{ord(found.group()):04X}" if found else None
