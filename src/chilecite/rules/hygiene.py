"""Codes for the text of records: composed Unicode, no invisible characters, no stray spaces, curly quotes.

The three string checks share one walk over every string (`Context.strings`), made once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from chilecite.problems import Problem, Rule
from chilecite.rules.base import ERROR, Context

CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SELECTOR_CONTEXT = (("prefix",), ("suffix",))  # verbatim text around a quotation may start or end with a space


def unicode_nfc(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for kind, rid, path, value in ctx.strings:
        if not value.isascii() and not unicodedata.is_normalized("NFC", value):
            yield ctx.at(rule, "text is not in Unicode NFC form", kind, rid, path)


def no_control_characters(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for kind, rid, path, value in ctx.strings:
        if (found := CONTROL_RE.search(value)) is not None:
            yield ctx.at(rule, f"control or direction-override character U+{ord(found.group()):04X} in text", kind, rid, path)


def no_outer_whitespace(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for kind, rid, path, value in ctx.strings:
        if value and (value[0].isspace() or value[-1].isspace()) and path[-1:] not in _SELECTOR_CONTEXT:
            yield ctx.at(rule, "text has leading or trailing white space", kind, rid, path)


def quotes_as_printed(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for qid, q in ctx.corpus.quotations.items():
        if "'" in q.text or '"' in q.text:
            yield ctx.at(rule, "quotation text has straight quotes; the essay prints curly ones", "quotations", qid, ("anchor", "quote", "exact"))


RULES = (
    Rule("CC050", ERROR, "Text not in Unicode NFC", "Re-save with composed accents (é, not e + combining accent).",
         "Decomposed accents look the same but compare differently, so searches and duplicate checks would miss them.", unicode_nfc),
    Rule("CC051", ERROR, "Control character in text", "Delete the invisible character.",
         "C0/C1 control characters (tab and newline aside) and bidirectional overrides can hide or reorder text in a terminal or page.",
         no_control_characters),
    Rule("CC052", ERROR, "Leading or trailing white space", "Trim the value.", "", no_outer_whitespace),
    Rule("CC053", ERROR, "Straight quotes in a quotation", "Keep the curly quotes as the essay prints them.", "", quotes_as_printed),
)
