"""Leads for contributors, taken verbatim from a note's commentary.

An unidentified note's commentary says what the passage claims, what was searched, and sometimes
where a source might be ("Likely sources are NACLA's reports or the US Senate (Church Committee)
material of 1975"). The edition shows those sentences under "What a contributor could look for".
Nothing is composed here: a lead is a whole sentence of the commentary, chosen because it speaks
of a likely or candidate source; a commentary with no such sentence has no lead.
"""

from __future__ import annotations

import re

# A full stop after one of these does not end a sentence ("e.g. in", "no. 169", "J. Ann Zammit").
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|cf|no|nos|p|pp|vol|vols|ed|eds|trans|St|Mr|Dr|ca|viz|etc|al)|\b[A-Z])\.$")
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘“'(\"])")
# Words with which the commentaries speak of a source that might be the note's.
_LEAD = re.compile(
    r"\b(?:likely|likeliest|probably|presumably|possibly|perhaps|candidate|a lead|natural source"
    r"|may have (?:cited|used|relied|taken|referred)|could come from)\b",
    re.IGNORECASE,
)
# Sentences that open by restating the passage describe the claim, not where to look.
_DESCRIPTIVE_OPENING = re.compile(r"^(?:Supports|Block quotation|Inline quotation|Closes|Covers)\b")


def sentences(text: str) -> list[str]:
    """The sentences of a commentary, split at sentence ends but not after common abbreviations."""
    out, start = [], 0
    for boundary in _BOUNDARY.finditer(text):
        if _ABBREVIATION.search(text[start:boundary.start()]):
            continue
        out.append(text[start:boundary.start()].strip())
        start = boundary.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def leads(commentary: str | None) -> list[str]:
    """The commentary's sentences that name a likely or candidate source, verbatim and in order."""
    if not commentary:
        return []
    return [s for s in sentences(commentary) if _LEAD.search(s) and not _DESCRIPTIVE_OPENING.match(s)]
