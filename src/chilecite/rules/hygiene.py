"""Codes for the text of records: composed Unicode, no invisible characters, no stray spaces, curly quotes.

The three string checks (CC050-052) share one walk over every string of every record (the walk of
`rules.base.walk_strings`, with the checks inlined), made once for whichever of them run; it keeps
only the strings that fail, so a large corpus is not copied.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from pydantic import BaseModel

from chilecite.characters import UNSAFE_RE as CONTROL_RE  # the one definition: what no record may hold, what output escapes
from chilecite.problems import Problem, Rule
from chilecite.rules.base import ERROR, Context, FieldPath, field_names

_SELECTOR_CONTEXT = (("prefix",), ("suffix",))  # verbatim text around a quotation may start or end with a space
_NOT_NFC, _CONTROL, _WHITESPACE = "CC050", "CC051", "CC052"

Finding = tuple[str, str, FieldPath, str]  # kind, record id, field path, the string


def _findings(ctx: Context) -> dict[str, list[Finding]]:
    """The strings each of the three checks reports, in record and field order: one walk for all three."""
    if "hygiene" not in ctx._cache:
        walk = _HygieneWalk()
        for kind, rid, record in ctx.corpus.records():
            walk.record(kind, rid, record)
        ctx._cache["hygiene"] = walk.found
    found: dict[str, list[Finding]] = ctx._cache["hygiene"]
    return found


def _plain(value: str) -> bool:
    # Most strings are printable ASCII with no space at either end: none of the three checks can
    # fail on them (every character CONTROL_RE names is unprintable), so they are passed at once.
    return value.isascii() and value.isprintable() and value[:1] != " " and value[-1:] != " "


class _HygieneWalk:
    """Every string of the records, tested once for the three checks; only failures are kept."""

    def __init__(self) -> None:
        self.found: dict[str, list[Finding]] = {_NOT_NFC: [], _CONTROL: [], _WHITESPACE: []}
        self.kind = self.rid = ""

    def record(self, kind: str, rid: str, record: BaseModel) -> None:
        self.kind, self.rid = kind, rid
        self.walk(record, ())

    def check(self, value: str, path: FieldPath) -> None:
        at = (self.kind, self.rid, path, value)
        if not value.isascii() and not unicodedata.is_normalized("NFC", value):
            self.found[_NOT_NFC].append(at)
        if not value.isprintable() and CONTROL_RE.search(value) is not None:
            self.found[_CONTROL].append(at)
        if value and (value[0].isspace() or value[-1].isspace()) and path[-1:] not in _SELECTOR_CONTEXT:
            self.found[_WHITESPACE].append(at)

    def walk(self, value: object, path: FieldPath) -> None:
        if isinstance(value, str):
            if not _plain(value):
                self.check(value, path)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if item is not None and not isinstance(item, (int, float)):
                    self.walk(item, (*path, i))
        elif isinstance(value, BaseModel):
            fields = value.__dict__
            for name in field_names(type(value)):
                item = fields[name]
                if type(item) is str:
                    if not _plain(item):
                        self.check(item, (*path, name))
                elif item is not None and not isinstance(item, (int, float)):  # bool is an int
                    self.walk(item, (*path, name))


def unicode_nfc(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for kind, rid, path, _ in _findings(ctx)[_NOT_NFC]:
        yield ctx.at(rule, "text is not in Unicode NFC form", kind, rid, path)


def no_control_characters(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for kind, rid, path, value in _findings(ctx)[_CONTROL]:
        found = CONTROL_RE.search(value)
        assert found is not None
        yield ctx.at(rule, f"control or direction-override character U+{ord(found.group()):04X} in text", kind, rid, path)


def no_outer_whitespace(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for kind, rid, path, _ in _findings(ctx)[_WHITESPACE]:
        yield ctx.at(rule, "text has leading or trailing white space", kind, rid, path)


def quotes_as_printed(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for qid, q in ctx.corpus.quotations.items():
        if "'" in q.text or '"' in q.text:
            yield ctx.at(rule, "quotation text has straight quotes; the essay prints curly ones", "quotations", qid, ("anchor", "quote", "exact"))


RULES = (
    Rule("CC050", ERROR, "Text not in Unicode NFC", "Re-save with composed accents (é, not e + combining accent).",
         "Decomposed accents look the same but compare differently, so searches and duplicate checks would miss them.", unicode_nfc, per_record=True),
    Rule("CC051", ERROR, "Control character in text", "Delete the invisible character.",
         "C0/C1 control characters (tab and newline aside) and bidirectional overrides can hide or reorder text in a terminal or page.",
         no_control_characters, per_record=True),
    Rule("CC052", ERROR, "Leading or trailing white space", "Trim the value.", "", no_outer_whitespace, per_record=True),
    Rule("CC053", ERROR, "Straight quotes in a quotation", "Keep the curly quotes as the essay prints them.", "", quotes_as_printed, per_record=True),
)
