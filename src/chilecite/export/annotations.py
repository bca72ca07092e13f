"""The quotations and note anchors as W3C Web Annotations: one JSON-LD AnnotationCollection.

Annotation tools (Hypothesis and others) can lay these over a copy of the essay: each annotation
targets the essay's text with a TextQuoteSelector (the words, with a little context either side)
and a TextPositionSelector (character offsets in the reference text).

- One annotation per quotation, targeting its words (the selectors already in the record), and
  one per note, targeting its marker `[n]` with the words before it as prefix.
- The target's `source` is the transcription's URL when the records give one; otherwise the
  reference text itself, named by its SHA-256 digest as an RFC 6920 `ni:` URI
  (`ni:///sha-256;<base64url digest>`), which is the exact text the offsets count in.
- Identifiers are `urn:uuid:` UUIDs derived (version 5, namespace URL) from a readable name, so
  they never change while the record ids do not: `chilecite:<essay key>:quotation:<id>`,
  `chilecite:<essay key>:note:<n>`, `chilecite:<essay key>:annotations` for the collection and
  `…:annotations:page:1` for its one page. `annotation_id` computes them.
- Bodies are TextualBody: a `describing` one in plain English (who is quoted, what the note
  supports, the identification level and its basis) and an `identifying` one per citation, in
  the chosen CSL style, as HTML and as plain text.
- Motivation: `identifying` when a source is identified, else `describing`.

The output is deterministic (no creation time); it validates against the W3C annotation-model
JSON Schemas of the web-platform-tests (see tests/edition/test_annotations.py).
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

from chilecite import __version__
from chilecite.citing import agent_name, check_anchored, cite_note, cite_quotation, essay_place, safe_citation_html
from chilecite.corpus import Corpus
from chilecite.listing import note_level
from chilecite.processor import memoised_style_lookups
from chilecite.styles import StyleFile
from chilecite.text import ReferenceText
from chilecite.vocabulary import LEVEL_MEANINGS, is_web_url

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_CHARS = 32


def annotation_id(essay_key: str, kind: str, name: str | int | None = None) -> str:
    """The stable IRI of an annotation (`kind` quotation or note), the collection (`annotations`) or its page."""
    label = f"chilecite:{essay_key}:{kind}" + (f":{name}" if name is not None else "")
    return uuid.uuid5(uuid.NAMESPACE_URL, label).urn


def text_iri(text: ReferenceText) -> str:
    """The reference text named by its SHA-256 digest (RFC 6920)."""
    digest = base64.urlsafe_b64encode(bytes.fromhex(text.sha256)).decode("ascii").rstrip("=")
    return f"ni:///sha-256;{digest}"


def _target(source: str, exact: str, prefix: str, suffix: str, start: int, end: int) -> dict[str, Any]:
    return {
        "type": "SpecificResource",
        "source": source,
        "selector": [
            {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix},
            {"type": "TextPositionSelector", "start": start, "end": end},
        ],
    }


def _text_body(value: str, purpose: str, fmt: str = "text/plain") -> dict[str, Any]:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": fmt, "language": "en"}


def _quotation_annotation(corpus: Corpus, qid: str, source: str, style: str | Path | StyleFile) -> dict[str, Any]:
    record = corpus.quotations[qid]
    cited = cite_quotation(corpus, qid, style, "html")
    speakers = ", ".join(agent_name(corpus, a) for a in record.speakers) or record.speaker_description or "a speaker the essay does not name"
    place = essay_place(corpus, record.anchor.paragraph).locator()
    described = [f"Quotation {qid}: the words of {speakers}, {'a block quotation' if record.display == 'block' else 'quoted inline'} at {place}."]
    if record.occasion:
        described.append(f"Occasion: {record.occasion}.")
    if record.source:
        described.append(f"Original: {record.source.work} ({record.source.level.value}: {LEVEL_MEANINGS[record.source.level.value]}). Basis: {record.source.basis}")
    else:
        described.append("Original: not identified; known only as quoted in the essay.")
    if record.via:
        described.append(f"Printed in: {record.via.work} ({record.via.level.value}). Basis: {record.via.basis}")
    if record.note is not None:
        described.append(f"Note: {record.note}.")
    quote = record.anchor.quote
    position = record.anchor.position
    assert corpus.essay is not None  # annotation_collection, the only caller, has checked it
    return {
        "id": annotation_id(corpus.essay.key, "quotation", qid),
        "type": "Annotation",
        "motivation": "identifying" if record.source else "describing",
        "body": [
            _text_body(" ".join(described), "describing"),
            _text_body(cited.citation, "identifying"),
            _text_body(str(safe_citation_html(cited.citation_html)), "identifying", "text/html"),
        ],
        "target": _target(source, quote.exact, quote.prefix, quote.suffix, position.start, position.end),
    }


def _note_annotation(corpus: Corpus, number: int, text: ReferenceText, source: str, style: str | Path | StyleFile) -> dict[str, Any] | None:
    marker = next((m for m in text.markers if m.number == number), None)
    note = corpus.notes.get(number)
    if marker is None or note is None:
        return None
    paragraph = text.paragraph(marker.paragraph)
    assert paragraph is not None  # the text's markers are found in its own paragraphs
    prefix = text.text[max(paragraph.start, marker.start - CONTEXT_CHARS):marker.start]
    suffix = text.text[marker.end:min(paragraph.end, marker.end + CONTEXT_CHARS)]
    level = note_level(note)
    supports = ", ".join(s.value for s in note.supports)
    described = [f"Note {number} ({level}: {LEVEL_MEANINGS[level]}), at {essay_place(corpus, note.anchor.paragraph).locator()}; it supports: {supports}."]
    if note.quoted:
        described.append("Quotes " + ", ".join(agent_name(corpus, a) for a in note.quoted) + ".")
    for citation in note.citations:
        described.append(f"Cites {citation.work} ({citation.level.value}). Basis: {citation.basis}")
    if note.commentary:
        described.append(f"Commentary: {note.commentary}")
    bodies = [_text_body(" ".join(described), "describing")]
    cited = cite_note(corpus, number, style, "html")
    for s in cited.sources:
        bodies.append(_text_body(f"[{s.level}] {s.citation}", "identifying"))
        bodies.append(_text_body(str(safe_citation_html(s.citation_html)), "identifying", "text/html"))
    assert corpus.essay is not None  # annotation_collection, the only caller, has checked it
    return {
        "id": annotation_id(corpus.essay.key, "note", number),
        "type": "Annotation",
        "motivation": "identifying" if note.citations else "describing",
        "body": bodies,
        "target": _target(source, text.text[marker.start:marker.end], prefix, suffix, marker.start, marker.end),
    }


def annotation_collection(corpus: Corpus, text: ReferenceText, *, style: str | Path | StyleFile = "chicago-notes-bibliography") -> dict[str, Any]:
    """The AnnotationCollection as data: quotations in text order, then notes by number.

    Raises chilecite.citing.NotAnchored when the records do not load cleanly or were anchored
    in another text, and the processor's LookupError for an unknown style.
    """
    check_anchored(corpus, text)
    assert corpus.essay is not None
    essay_work = corpus.works.get(corpus.essay.key)
    # The target's source is a web address only when it is one (whatever a record holds), else the text's own IRI.
    addresses = (corpus.essay.transcription.url, essay_work.url if essay_work else None)
    source = next((url for url in addresses if is_web_url(url)), None) or text_iri(text)
    with memoised_style_lookups():
        items = [_quotation_annotation(corpus, qid, source, style)
                 for qid, _ in sorted(corpus.quotations.items(), key=lambda kv: (kv[1].anchor.position.start, kv[0]))]
        items += [a for n in sorted(corpus.notes) if (a := _note_annotation(corpus, n, text, source, style)) is not None]
    collection_id = annotation_id(corpus.essay.key, "annotations")
    title = essay_work.title if essay_work and essay_work.title else corpus.essay.key
    return {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"Quotations and note anchors of “{title}” (chilecite {__version__})",
        "total": len(items),
        "first": {
            "id": annotation_id(corpus.essay.key, "annotations", "page:1"),
            "type": "AnnotationPage",
            "partOf": collection_id,
            "startIndex": 0,
            "items": items,
        },
    }


def export_annotations(corpus: Corpus, text: ReferenceText, *, style: str | Path | StyleFile = "chicago-notes-bibliography") -> str:
    """The AnnotationCollection as JSON-LD text (UTF-8, two-space indent, trailing newline)."""
    return json.dumps(annotation_collection(corpus, text, style=style), ensure_ascii=False, indent=2) + "\n"
