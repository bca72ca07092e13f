"""The edition's embedded search index: every paragraph, quotation and note, folded as
`chilecite.rules.fold` folds (NFKD, combining marks dropped, case-folded, anything but a–z and
0–9 a space), so that the page's script, which folds the query the same way, matches as
`chilecite search` does: `corvalan` finds Corvalán.

The index is JSON inside `<script type="application/json">`, so it loads from `file://` where a
fetch of a local file is refused. `<`, `>` and `&` are written as \\u escapes, so no record text
can close the script element.
"""

from __future__ import annotations

import json
import re

from markupsafe import Markup

from chilecite.citing import agent_name
from chilecite.corpus import Corpus
from chilecite.edition.view import SectionView
from chilecite.vocabulary import fold

_MARKER = re.compile(r"\[\d{1,2}\]")


def _names(corpus: Corpus, agent_id: str) -> str:
    agent = corpus.agents.get(agent_id)
    printed = " ".join(agent.printed) if agent is not None else ""
    return f"{agent_name(corpus, agent_id)} {printed}"


def _words(text: str) -> str:
    """The folded words of a text, each once, in order of first appearance (the search matches words,
    not phrases, so repeats add nothing but weight)."""
    return " ".join(dict.fromkeys(fold(text).split()))


def search_entries(corpus: Corpus, sections: list[SectionView], paragraph_text: dict[int, str]) -> list[list[str]]:
    """[kind, anchor, label, folded words] for each paragraph (p), quotation (q) and note (n), in essay order."""
    entries: list[list[str]] = []
    for section in sections:
        for paragraph in section.paragraphs:
            text = _MARKER.sub(" ", paragraph_text[paragraph.number])
            label = section.title if paragraph.heading else f"{section.title}, para. {paragraph.section_paragraph}"
            entries.append(["p", f"p{paragraph.number}", label, _words(text)])
        for card in section.quotations:
            record = corpus.quotations[card.id]
            words = " ".join([record.text, *(_names(corpus, a) for a in record.speakers), record.speaker_description or "",
                              record.occasion or "", card.id.replace("-", " ")])
            entries.append(["q", f"q-{card.id}", f"Quotation: {card.label}", _words(words)])
        for note in section.notes:
            note_record = corpus.notes.get(note.number)
            if note_record is None:
                continue
            words = " ".join([note_record.commentary or "", note_record.anchor.before, *(_names(corpus, a) for a in note_record.quoted),
                              *(s.title for s in note.sources)])
            entries.append(["n", f"n{note.number}", f"Note {note.number} ({note.level})", _words(words)])
    return entries


def script_json(data: object) -> Markup:
    """JSON safe to place inside a <script> element: no `<`, `>` or `&` survives unescaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)
