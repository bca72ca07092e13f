"""Reading a .bib file: blocks and fields as written, @string macros expanded on demand, losses detected.

bibtexparser's splitter cuts the text into blocks and fields and nothing more (no middleware): the
values stay as written (`{...}`, `"..."`, `jan`, `{A} # " " # b`) so that this module evaluates
them itself, with bounds: macros are expanded lazily and memoised, at most `MAX_MACRO_DEPTH` deep,
a circular definition is refused, and all expansions of a file together are held to a budget in
proportion to its size. A field after an extra `}` (which the splitter would leave in a comment) is
found by looking at the text after each entry, and the entry is refused rather than cut short.
The header comment chilecite's exports open with (`% BibTeX export of chilecite: ...`) is recognised
(`chilecite_export`), so that the mapping reads such a file as what the exporter wrote.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser.exceptions import ParserStateException
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ImplicitComment,
    ParsingFailedBlock,
    Preamble,
    String,
)

from chilecite.importing.limits import (
    MACRO_BUDGET_FACTOR,
    MAX_ENTRIES,
    MAX_FIELD_CHARS,
    MAX_FIELDS,
    MAX_MACRO_DEPTH,
)
from chilecite.importing.problems import Refused, Reporter
from chilecite.rules import importing as I
from chilecite.values import MONTHS

# bibtexparser logs every failed block; they are reported as CC071 instead.

MONTH_MACROS = {name[:3].lower(): name for name in MONTHS}
_BLOCK_START_RE = re.compile(r"@\w*[ \t]*[{(]")  # what the splitter takes for the start of a block
_BAD_KEY_RE = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s]+)\s*,")
_LOST_START_RE = re.compile(r"\s*[,}]")
_LOST_FIELD_RE = re.compile(r"[,}]\s*([A-Za-z][\w:.+-]*)\s*=")
_BRACE_OR_QUOTE_RE = re.compile(r'(?<!\\)[{}"]')
_NUMBER_RE = re.compile(r"\d+")
_NAME_RE = re.compile(r"[^\s\"#%'(),={}]+")
_SPACE_RE = re.compile(r"\s*")
_CHILECITE_HEADER_RE = re.compile(r"[\ufeff \t\r\n]*% (BibTeX|BibLaTeX) export of chilecite\b")


@dataclass
class RawField:
    """One field as written: its lower-cased name, its value with the enclosing braces or quotes, its line."""

    name: str
    value: str
    line: int | None


@dataclass
class RawEntry:
    """One entry: key, lower-cased type, line, and its fields in order (a name given twice: the first)."""

    key: str
    type: str
    line: int | None
    fields: dict[str, RawField] = field(default_factory=dict)


class Undefined(Exception):
    """A macro used but never defined."""

    def __init__(self, name: str, within: str | None = None) -> None:
        super().__init__(name)
        self.name, self.within = name, within


class Malformed(Exception):
    """A value that is not BibTeX: text after a closing brace, a brace or quote that never closes."""


@dataclass
class Library:
    """The entries of a file and its macros, ready to be mapped."""

    entries: list[RawEntry]
    macros: Macros
    refused: set[str] = field(default_factory=set)  # keys of entries not imported (unparseable, cut short, too many fields)
    export: str | None = None  # "bibtex" or "biblatex": the file is chilecite's own export, as its header says


def chilecite_export(text: str) -> str | None:
    """"bibtex" or "biblatex" when the file opens with the header comment of chilecite's export of that
    kind (`chilecite.export.bibtex`), after white space or a byte-order mark; None otherwise."""
    match = _CHILECITE_HEADER_RE.match(text)
    return match.group(1).lower() if match else None


@contextlib.contextmanager
def _quiet_bibtexparser() -> Iterator[None]:
    """bibtexparser logs what it finds odd as warnings, which Python would print on standard error
    where no logging is set up; the importer reports each of those itself. Its logger is kept from
    passing them on while this parse runs, and left as it was after."""
    logger = logging.getLogger("bibtexparser")
    propagate = logger.propagate
    logger.propagate = False
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def read_bibtex(text: str, report: Reporter) -> Library:
    """Split `text` into entries and macros, reporting what cannot be read; never raises on bad input."""
    blocks_started = sum(1 for _ in _BLOCK_START_RE.finditer(text))
    if blocks_started > MAX_ENTRIES:
        report.problem(I.LIMIT, f"the file starts {blocks_started:,} blocks, over the limit of {MAX_ENTRIES:,}; "
                       "split it (an essay's sources are a few hundred); nothing imported", 1)
        return Library([], Macros({}, 0))
    try:
        with _quiet_bibtexparser():
            blocks = bibtexparser.parse_string(text, parse_stack=[]).blocks
    except ParserStateException as exc:  # bibtexparser's own bug, which it asks to be reported
        report.problem(I.UNPARSEABLE, f"the file could not be split into entries (bibtexparser: {exc.message}); nothing imported", 1)
        return Library([], Macros({}, 0))
    library = Library([], Macros({}, MACRO_BUDGET_FACTOR * len(text) + MAX_FIELD_CHARS), export=chilecite_export(text))
    for index, block in enumerate(blocks):
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(block.ignore_error_block, String):
            report.problem(I.UNMAPPED, f"@string {block.key} is defined twice; the first definition is used", _line(block))
        elif isinstance(block, DuplicateFieldKeyBlock) and isinstance(block.ignore_error_block, Entry):  # bibtexparser always wraps the Entry here; typed Block | None
            _add_entry(block.ignore_error_block, library, report)
        elif isinstance(block, ParsingFailedBlock):
            _failed(block, library, report)
        elif isinstance(block, Preamble):
            report.problem(I.UNMAPPED, "@preamble has no place in the records; not imported", _line(block))
        elif isinstance(block, String):
            _define(block, library.macros.definitions, report)
        elif isinstance(block, Entry) and (lost := _lost_fields(blocks[index + 1] if index + 1 < len(blocks) else None)):
            report.problem(I.UNPARSEABLE, f"entry '{block.key}' ends early at an extra `}}`: the fields after it "
                           f"({', '.join(lost[:10])}) would be lost; not imported", _line(block), block.key)
            library.refused.add(block.key)
        elif isinstance(block, Entry):
            _add_entry(block, library, report)
    return library


def _add_entry(block: Entry, library: Library, report: Reporter) -> None:
    if len(block.fields) > MAX_FIELDS:
        report.problem(I.LIMIT, f"entry '{block.key}' refused: {len(block.fields):,} fields, over the limit of {MAX_FIELDS}; "
                       "nothing of it imported", _line(block), block.key)
        library.refused.add(block.key)
    else:
        library.entries.append(_entry(block, report))


def _entry(block: Entry, report: Reporter) -> RawEntry:
    entry = RawEntry(block.key, block.entry_type.lower(), _line(block))
    for f in block.fields:
        name = f.key.lower()
        line = f.start_line + 1 if f.start_line is not None else entry.line
        if name in entry.fields:
            report.problem(I.UNMAPPED, f"{name}: given twice; the second value not imported", line, entry.key, name)
            continue
        entry.fields[name] = RawField(name, f.value if isinstance(f.value, str) else str(f.value), line)
    return entry


def _define(block: String, definitions: dict[str, str], report: Reporter) -> None:
    name = block.key.strip().lower()
    if name in definitions:
        report.problem(I.UNMAPPED, f"@string {block.key} is defined twice; the first definition is used", _line(block))
    else:
        definitions[name] = block.value


def _failed(block: ParsingFailedBlock, library: Library, report: Reporter) -> None:
    key: str | None
    if isinstance(block, DuplicateBlockKeyBlock):
        message, key = f"a second entry with the key '{block.key}'; only the first is imported", block.key
    else:
        match = _BAD_KEY_RE.search(block.raw or "")
        key = match.group(1) if match else None
        error = (getattr(block.error, "abort_reason", None) or str(block.error)).strip() or type(block.error).__name__
        message = f"entry{f' {key!r}' if key else ''} could not be parsed: {error}; not imported"
    report.problem(I.UNPARSEABLE, message, _line(block), key)
    if key and not isinstance(block, DuplicateBlockKeyBlock):  # the first entry of that key is imported
        library.refused.add(key)


def _lost_fields(following: Block | None) -> list[str]:
    """The field names in the text right after an entry, when an extra `}` ended the entry before them."""
    if not isinstance(following, ImplicitComment):
        return []
    text = following.comment
    if not _LOST_START_RE.match(text):
        return []
    return list(dict.fromkeys(m.group(1).lower() for m in _LOST_FIELD_RE.finditer(text)))


def _line(block: Block) -> int | None:
    return block.start_line + 1 if block.start_line is not None else None


# --------------------------------------------------------------------------- values and macros


def value_parts(value: str) -> Iterator[tuple[bool, str]]:
    """The parts of a value joined by `#`: (is_macro, text). Raises Malformed."""
    i = _SPACE_RE.match(value, 0).end()  # type: ignore[union-attr]
    while i < len(value):
        char = value[i]
        if char in '{"':
            end = _closing(value, i)
            yield False, value[i + 1:end]
            i = end + 1
        elif number := _NUMBER_RE.match(value, i):
            yield False, number.group()
            i = number.end()
        elif name := _NAME_RE.match(value, i):
            yield True, name.group()
            i = name.end()
        else:
            raise Malformed(f"unexpected `{char}`")
        i = _SPACE_RE.match(value, i).end()  # type: ignore[union-attr]
        if i == len(value):
            return
        if value[i] != "#":
            raise Malformed("text after the value ends (an extra `}`, or a missing `#`)")
        i = _SPACE_RE.match(value, i + 1).end()  # type: ignore[union-attr]
        if i == len(value):
            raise Malformed("nothing after `#`")


def _closing(value: str, start: int) -> int:
    """Index of the `}` or `"` that closes the group or string opened at `start` (escaped braces do not count)."""
    quoted = value[start] == '"'
    depth = 0 if quoted else 1
    for match in _BRACE_OR_QUOTE_RE.finditer(value, start + 1):
        char = match.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1) if quoted else depth - 1
            if depth == 0 and not quoted:
                return match.start()
        elif quoted and depth == 0:
            return match.start()
    raise Malformed("a brace or quote that never closes")


class _TooDeep(Refused):
    """Macros nested beyond the limit on this path of expansion."""


class Macros:
    """The @string definitions of a file, expanded on demand, memoised, bounded."""

    def __init__(self, definitions: dict[str, str], budget: int) -> None:
        self.definitions = definitions  # lower-cased name -> value as written
        self.values: dict[str, str | Exception] = {}
        self.active: set[str] = set()
        self.budget = budget

    def expand(self, value: str) -> str:
        """The value with its parts joined and macros expanded. Raises Undefined, Malformed or Refused."""
        return self._evaluate(value, 0, None)

    def _evaluate(self, value: str, depth: int, within: str | None) -> str:
        pieces, total = [], 0
        for is_macro, text in value_parts(value):
            if is_macro:
                text = self._macro(text, depth + 1, within)
            total += len(text)
            if total > MAX_FIELD_CHARS:
                raise Refused(f"expands to more than {MAX_FIELD_CHARS:,} characters")
            pieces.append(text)
        return "".join(pieces)

    def _macro(self, name: str, depth: int, within: str | None) -> str:
        key = name.lower()
        known = self.values.get(key)
        if known is None:
            known = self._define(key, name, depth, within)
        if isinstance(known, Exception):
            raise known.with_traceback(None)
        self.budget -= len(known)
        if self.budget < 0:
            raise Refused("the file's @string expansions together exceed their budget "
                          f"({MACRO_BUDGET_FACTOR} times the file's size plus {MAX_FIELD_CHARS:,} characters)")
        return known

    def _define(self, key: str, name: str, depth: int, within: str | None) -> str | Exception:
        if key in self.active:
            raise Refused(f"@string {name} is defined through itself")
        if depth > MAX_MACRO_DEPTH:
            raise _TooDeep(f"@string macros nested more than {MAX_MACRO_DEPTH} deep")
        if key not in self.definitions:
            if key in MONTH_MACROS:
                return MONTH_MACROS[key]
            self.values[key] = Undefined(name, within)
            return self.values[key]
        self.active.add(key)
        try:
            self.values[key] = self._evaluate(self.definitions[key], depth, name)
        except _TooDeep:
            raise  # not memoised: how deep a macro is met depends on the path to it
        except (Undefined, Malformed, Refused) as exc:
            self.values[key] = exc
        finally:
            self.active.discard(key)
        return self.values[key]
