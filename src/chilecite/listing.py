"""Listings and statistics of the records, as plain data for `--format json` and for text rendering."""

from __future__ import annotations

from collections import Counter
from typing import Any

from chilecite.corpus import Corpus
from chilecite.models import LEVEL_ORDER, Note, Quotation
from chilecite.writing import record_to_data


def note_level(note: Note) -> str:
    """A note's strongest identification level, or `unidentified`."""
    if not note.citations:
        return "unidentified"
    return min((c.level for c in note.citations), key=LEVEL_ORDER.__getitem__).value


def section_of(corpus: Corpus, paragraph: int) -> str:
    if corpus.essay:
        for section in corpus.essay.sections:
            if section.first_paragraph <= paragraph <= section.last_paragraph:
                return section.heading or "(opening)"
    return "?"


def note_data(corpus: Corpus, number: int) -> dict[str, Any]:
    """One note's fields, plus its strongest level and section (NotFound for a number the essay has not)."""
    note = corpus.note(number)
    return {**record_to_data(note), "level": note_level(note), "section": section_of(corpus, note.anchor.paragraph)}


def notes_data(corpus: Corpus) -> list[dict[str, Any]]:
    """Every note with its fields, plus its strongest level and section."""
    return [note_data(corpus, number) for number in sorted(corpus.notes)]


def render_notes(data: list[dict[str, Any]]) -> str:
    """One line per note: number, strongest level, the works cited."""
    lines = []
    for note in data:
        cited = ", ".join(c["work"] for c in note.get("citations", [])) or "—"
        lines.append(f"{note['number']:>3}  {note['level']:<12}  {cited}\n")
    return "".join(lines)


def stats(corpus: Corpus) -> dict:
    """Counts for `chilecite stats`: notes by level, quotations by attribution and section, works by type, agents."""
    quotations = corpus.quotations.values()

    def attribution(q: Quotation) -> str:
        if q.source is not None:
            return f"source {q.source.level.value}"
        if q.speakers:
            return "named speaker, quoted only in the essay"
        return "speaker described, not identified" if q.speaker_description else "speaker unknown"

    levels = Counter(note_level(n) for n in corpus.notes.values())
    return {
        "notes": {"total": len(corpus.notes), "by_level": {k: levels.get(k, 0) for k in ("stated", "verified", "attributed", "unidentified")}},
        "citations": {"by_level": dict(sorted(Counter(c.level.value for n in corpus.notes.values() for c in n.citations).items()))},
        "quotations": {
            "total": len(corpus.quotations),
            "by_display": dict(sorted(Counter(q.display for q in quotations).items())),
            "by_attribution": dict(sorted(Counter(attribution(q) for q in quotations).items())),
            "by_section": dict(Counter(section_of(corpus, q.anchor.paragraph) for q in sorted(quotations, key=lambda q: q.anchor.paragraph))),
        },
        "works": {"total": len(corpus.works), "by_type": dict(sorted(Counter(w.type.value for w in corpus.works.values()).items()))},
        "agents": {"total": len(corpus.agents), "by_kind": dict(sorted(Counter(a.kind for a in corpus.agents.values()).items()))},
    }


def render_stats(data: dict) -> str:
    lines = []
    for group, values in data.items():
        lines.append(f"{group}: {values.get('total', '')}".rstrip())
        for name, counts in values.items():
            if isinstance(counts, dict):
                lines.append(f"  {name.replace('_', ' ')}:")
                lines.extend(f"    {k}: {v}" for k, v in counts.items())
    return "\n".join(lines) + "\n"


def render_note(corpus: Corpus, number: int) -> str:
    note = corpus.note(number)
    lines = [f"Note {number} — paragraph {note.anchor.paragraph} ({section_of(corpus, note.anchor.paragraph)})",
             f"  before the marker: …{note.anchor.before}",
             f"  supports: {', '.join(s.value for s in note.supports)}",
             f"  status: {note.status} ({note_level(note)})"]
    for agent in note.quoted:
        lines.append(f"  quotes: {corpus.agents[agent].display_name if agent in corpus.agents else agent}")
    for c in note.citations:
        work = corpus.works.get(c.work)
        title = (work.title or work.container_title or c.work) if work else c.work
        locator = f", {c.locator.label} {c.locator.value}" if c.locator else ""
        lines.append(f"  cites: {c.work} — {title}{locator} [{c.level.value}]")
        lines.append(f"    basis: {c.basis}")
    if note.commentary:
        lines.append(f"  commentary: {note.commentary}")
    return "\n".join(lines) + "\n"
