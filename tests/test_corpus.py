"""The bundled corpus: properties every record must have, checked against the real essay text."""

from __future__ import annotations

import re
import unicodedata

import pytest

from chilecite.loading import load_corpus
from chilecite.models import Level
from chilecite.rules import validate
from chilecite.text import ReferenceText
from tests.support import RECORDS, require_essay


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def text() -> ReferenceText:
    return ReferenceText.from_file(require_essay())


def test_the_reference_text_is_the_one_the_records_anchor_to(text: ReferenceText, corpus) -> None:
    assert text.sha256 == corpus.essay.text_sha256 == "c0e948c02ede92f0f47769324e4ca7e413250610c616e8c32b41fa7f2ee0b5ab"


def test_bundled_corpus_validates_without_errors(corpus, text) -> None:
    report = validate(corpus, text)
    assert report.errors == [], "\n".join(f"{p.file}:{p.line} {p.code} {p.message}" for p in report.errors)
    assert report.skipped == []


def test_every_note_exists_exactly_once(corpus, text) -> None:
    assert sorted(corpus.notes) == list(range(1, 87))
    assert sorted(m.number for m in text.markers) == list(range(1, 87))


def test_every_note_anchor_stands_just_before_its_marker(corpus, text) -> None:
    for number, note in corpus.notes.items():
        paragraph = text.paragraph(note.anchor.paragraph).text
        assert paragraph.split(f"[{number}]")[0].rstrip().endswith(note.anchor.before), number


def test_every_stated_basis_is_the_essays_own_words(corpus, text) -> None:
    for number, note in corpus.notes.items():
        for citation in note.citations:
            if citation.level is Level.stated:
                window = text.paragraph(note.anchor.paragraph - 1).text + text.paragraph(note.anchor.paragraph).text
                assert citation.basis in window, number


def test_every_quotation_is_found_at_its_offsets(corpus, text) -> None:
    for qid, q in corpus.quotations.items():
        start, end = q.anchor.position.start, q.anchor.position.end
        assert text.text[start:end] == q.text, qid
        assert text.paragraph_at(start).number == q.anchor.paragraph, qid


def test_every_block_quotation_paragraph_has_a_record(corpus, text) -> None:
    blocks = {q.anchor.paragraph for q in corpus.quotations.values() if q.display == "block"}
    assert {p.number for p in text.block_quotation_paragraphs} <= blocks


def test_attributed_citations_never_carry_a_page(corpus) -> None:
    citations = [c for n in corpus.notes.values() for c in n.citations] + [q.source for q in corpus.quotations.values() if q.source]
    assert all(c.locator is None for c in citations if c.level is Level.attributed)


def test_unidentified_notes_say_why(corpus) -> None:
    for number, note in corpus.notes.items():
        if note.status == "unidentified":
            assert not note.citations and note.commentary, number


def test_agent_names_are_nfc_and_printed_spellings_occur(corpus, text) -> None:
    for aid, agent in corpus.agents.items():
        assert unicodedata.normalize("NFC", agent.display_name) == agent.display_name, aid
        for spelling in agent.printed:
            assert spelling in text.text and spelling != agent.display_name, aid


@pytest.mark.parametrize(("printed", "correct"), [
    pytest.param("Radimiro Tomic", "Radomiro Tomic", id="tomic"),
    pytest.param("Altimirano", "Carlos Altamirano", id="altamirano"),
])
def test_known_misprints_are_kept_beside_the_correct_name(corpus, text, printed: str, correct: str) -> None:
    if printed not in text.text:
        pytest.skip(f"{printed!r} is not in this text")
    matches = [a for a in corpus.agents.values() if printed in " ".join(a.printed)]
    assert [a.display_name for a in matches] == [correct]


# Words that name the research tooling or its numbered passes rather than a source a reader can check.
TOOLING = re.compile(r"search tool|find_string|read_file|find_files|pages corpus|code corpus|docs corpus|\bcorpora\b"
                     r"|\b(first|second|third|fourth|fifth|sixth|earlier|later|research) pass(es)?\b", re.IGNORECASE)


def test_no_record_names_a_search_tool_or_a_research_pass() -> None:
    named = [f"{path.relative_to(RECORDS.parent)}: {m.group()}" for path in sorted(RECORDS.rglob("*.yaml"))
             for m in TOOLING.finditer(path.read_text(encoding="utf-8"))]
    assert not named, named


def test_every_verified_basis_says_where_the_words_were_found(corpus) -> None:
    """A URL, a repository and its file, or an edition and page: something a reader can go and check."""
    where = re.compile(r"https?://|repository|file |archive/|\bp\.\s*\d|page \d|edition|printed in|transcription|copy", re.IGNORECASE)
    vague = [f"{kind} {rid}" for kind, rid, _, c in _citations(corpus) if c.level.value == "verified" and not where.search(c.basis)]
    assert not vague, vague


def _citations(corpus):
    for number, note in corpus.notes.items():
        for i, citation in enumerate(note.citations):
            yield "note", number, i, citation
    for qid, q in corpus.quotations.items():
        for citation in (q.source, q.via):
            if citation is not None:
                yield "quotation", qid, 0, citation
