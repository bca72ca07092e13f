"""One entry's fields as the mapping reads them: checked before anything is decoded, decoded once, each marked used.

`EntryFields.check` is the gate: every field the mapping may read is expanded (@string macros) and
checked against the limits, and for control characters, before any is decoded; a field that breaks
one refuses the whole entry. The mapping then asks for a field's text (`text`: LaTeX decoded),
as written (`verbatim`: URLs, DOIs, dates, keys) or raw (`raw`: names, split before decoding), and
whatever it never asked for is reported by name and size, undecoded (`report_unused`).
"""

from __future__ import annotations

import re
import unicodedata

from chilecite.importing.decoding import decode
from chilecite.importing.limits import (
    MAX_FIELD_CHARS,
    control_character,
    raw_value_problem,
)
from chilecite.importing.problems import Refused, Reporter
from chilecite.importing.reading import Macros, Malformed, RawEntry, Undefined
from chilecite.rules import importing as I

_WHITE_RE = re.compile(r"[ \t\r\n]+")


def clean(value: str) -> str:
    """NFC, one space for any run of white space that holds a line break or tab, trimmed. Linear."""
    value = unicodedata.normalize("NFC", value)
    return _WHITE_RE.sub(lambda m: m.group() if m.group().strip(" ") == "" else " ", value).strip()


class EntryFields:
    """The fields of one entry, for the mapping: checked, expanded, decoded on demand, and tracked."""

    def __init__(self, entry: RawEntry, macros: Macros, report: Reporter) -> None:
        self.entry, self.macros, self.report = entry, macros, report
        self.key = entry.key
        self.used: set[str] = set()
        self.expanded: dict[str, str] = {}

    def check(self, mapped: frozenset[str]) -> None:
        """Expand and check every field in `mapped` before any is decoded. Raises Refused."""
        for name, raw in self.entry.fields.items():
            if name not in mapped:
                continue
            if len(raw.value) > MAX_FIELD_CHARS:
                raise Refused(f"{name}: {len(raw.value):,} characters, over the {MAX_FIELD_CHARS:,}-character limit for a field", bibfield=name)
            try:
                value = self.macros.expand(raw.value)
            except Undefined as exc:
                used_by = f" (used by @string {exc.within})" if exc.within else ""
                self.unmapped(name, f"@string {exc.name}{used_by} is not defined; the value is not imported", imported=True)
                continue
            except Malformed as exc:
                raise Refused(f"{name}: the value is not BibTeX: {exc}", I.UNPARSEABLE, name) from None
            except Refused as exc:
                raise Refused(f"{name}: {exc.reason}", I.LIMIT, name) from None
            if why := raw_value_problem(value):
                raise Refused(f"{name}: {why}", I.LIMIT, name)
            if char := control_character(value):
                raise Refused(f"{name}: holds the control character {char}, which no record may hold (CC051)", I.INVALID_RECORD, name)
            self.expanded[name] = value

    # ------------------------------------------------------------------ reading

    def has(self, name: str) -> bool:
        return name in self.expanded

    def filled(self, name: str) -> bool:
        """Whether the field is present and not empty (without reading it: it stays to be mapped or reported)."""
        return bool(self.expanded.get(name, "").strip())

    def raw(self, name: str) -> str | None:
        """The value as written (macros expanded), not decoded, or None when absent or empty."""
        if name not in self.expanded:
            return None
        self.used.add(name)
        return self.expanded[name].strip() or None

    def verbatim(self, name: str) -> str | None:
        """The value as written, white space cleaned, never decoded: URLs, DOIs, EDTF dates, keys."""
        value = self.raw(name)
        return clean(value) or None if value is not None else None

    def text(self, name: str) -> str | None:
        """The value LaTeX decoded and cleaned, or None when absent or empty."""
        value = self.raw(name)
        return clean(self.decoded(value, name)) or None if value is not None else None

    def decoded(self, value: str, name: str) -> str:
        """LaTeX decoded; a command the decoder does not know is kept as written and reported."""
        result = decode(value)
        for command in dict.fromkeys(result.unknown):
            self.unmapped(name, f"LaTeX command {command} is not known; kept as written", imported=True)
        return result.text

    # ------------------------------------------------------------------ reporting

    def line(self, name: str) -> int | None:
        raw = self.entry.fields.get(name)
        return raw.line if raw else self.entry.line

    def unmapped(self, name: str, why: str, *, imported: bool = False) -> None:
        """CC070 for field `name`: `why`, followed by "not imported" unless the message says otherwise (`imported`)."""
        self.used.add(name)
        self.report.problem(I.UNMAPPED, f"{name}: {why}{'' if imported else '; not imported'}", self.line(name), self.key, name)

    def report_unused(self) -> None:
        """Every field the mapping did not read: by name and size only, never decoded."""
        for name, raw in self.entry.fields.items():
            if name not in self.used:
                size = len(raw.value.strip())
                self.unmapped(name, f"no chilecite field for it ({size:,} character{'s' if size != 1 else ''} as written)")
