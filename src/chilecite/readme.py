"""The parts of README.md made from the code, so that they stay true: each sits between
`<!-- generated: NAME -->` and `<!-- end: NAME -->` and is rewritten by

    python -m chilecite.readme README.md

(tests/test_readme.py fails while the README differs from what this makes).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]


def rules_needing_the_text() -> str:
    """How many of the validator's rules need the essay's text, and which (from the catalogue)."""
    from chilecite.rules import CATALOGUE

    needing = [rule for rule in CATALOGUE if rule.needs_text]
    count = _NUMBERS[len(needing)] if len(needing) < len(_NUMBERS) else str(len(needing))
    listed = ", ".join(rule.code for rule in needing)
    return (f"{count.capitalize()} of the validator's {len(CATALOGUE)} rules need it ({listed}: the anchors, the sections, "
            "the fingerprints, the `stated` bases and the printed spellings), and so do `chilecite new quotation`, `chilecite "
            "export annotations` and the reader edition; everything else works without it (`validate` names the rules it skipped).")


def ris_types() -> str:
    """The RIS reference types (`TY`) the RIS export writes, with the names rispy gives them."""
    from rispy.config import TYPE_OF_REFERENCE_MAPPING

    from chilecite.export.common import TYPES

    codes = list(dict.fromkeys(row.ris for row in TYPES.values()))
    return "reference types from `TY`: " + ", ".join(f"`{code}` ({TYPE_OF_REFERENCE_MAPPING.get(code, code).lower()})" for code in codes)


SECTIONS: dict[str, Callable[[], str]] = {"rules-needing-the-text": rules_needing_the_text, "ris-types": ris_types}
_SECTION_RE = re.compile(r"(?P<indent>[ \t]*)(?P<start><!-- generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(?P<end>\n[ \t]*<!-- end: (?P=name) -->)", re.S)


def regenerate(text: str) -> str:
    """The README text with every generated section made anew (a section whose name is unknown is an error)."""

    def made(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in SECTIONS:
            raise KeyError(f"README.md has a generated section '{name}' that chilecite.readme does not make")
        indent = match["indent"]  # a section inside a list item keeps the item's indentation
        return indent + match["start"] + indent + SECTIONS[name]() + match["end"]

    return _SECTION_RE.sub(made, text)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "README.md")
    text = path.read_text(encoding="utf-8")
    new = regenerate(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
