"""Characters that must not reach a terminal, a report line or a record as themselves: one definition.

UNSAFE is every character that could drive a terminal, reorder what it shows or break a line
unseen: C0 controls but tab and line feed, DEL and the C1 controls, the bidirectional marks,
embeddings, overrides and isolates, the Unicode line and paragraph separators, and lone surrogates
(a file name that is not UTF-8). The validator refuses them in record text (CC051), the importer
in imported fields, and every output shows them as escapes.
"""

from __future__ import annotations

import json
import re

UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
UNSAFE_RE = re.compile(f"[{UNSAFE}]")
_SHOWN = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ONE_LINE_RE = re.compile(f"[\t\n{UNSAFE}]")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Text safe for a terminal: every UNSAFE character shown as an escape (`\\x1b`, `\\u202e`)."""
    return UNSAFE_RE.sub(lambda m: _escape(m.group()), text)


def one_line(text: str) -> str:
    """`visible`, with line breaks and tabs shown too (`\\n`, `\\r`, `\\t`): for a message that must stay one line."""
    return _ONE_LINE_RE.sub(lambda m: _SHOWN.get(m.group()) or _escape(m.group()), text)


def safe_json(payload: object) -> str:
    """JSON that is valid UTF-8 and inert in a terminal: UNSAFE characters escaped as \\uXXXX."""
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
