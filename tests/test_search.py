"""Searching quotations and notes by words."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from chilecite.loading import load_corpus
from chilecite.search import search, select_quotations
from chilecite.vocabulary import fold


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def _distinctive(text: str) -> list[str]:
    words = [w for w in fold(text).split() if len(w) > 4]
    return words[:4] or fold(text).split()[:2]


def test_every_quotation_found_by_its_words(corpus):
    for qid, q in corpus.quotations.items():
        words = _distinctive(q.text)
        hits = search(corpus, words)
        ids = [h.id for h in hits if h.kind == "quotation"]
        assert qid in ids, (qid, words)
        best = max(len(h.matched) for h in hits)
        assert next(h for h in hits if h.id == qid).score == best


def test_accents_and_case_ignored(corpus):
    for qid, q in corpus.quotations.items():
        words = [w.strip(".,;:’‘“”()?!") for w in q.text.split()]
        accented = [w for w in words if w.isalpha() and not w.isascii()]
        for word in accented[:1]:
            plain = fold(word).upper()
            assert qid in [h.id for h in search(corpus, plain)], (qid, word)


def test_accented_speaker_names(corpus):
    for agent_id, agent in corpus.agents.items():
        name = agent.display_name
        if name.isascii():
            continue
        said = [qid for qid, q in corpus.quotations.items() if agent_id in q.speakers]
        ids = [h.id for h in search(corpus, fold(name).upper())]
        assert set(said) <= set(ids), (agent_id, name)


@pytest.mark.parametrize(("query", "first", "matched", "span"), [
    pytest.param("history is ours", "allende-history-is-ours", 3, 0, id="phrase-in-order"),
    pytest.param("workers of my country", "allende-workers-of-my-country", 4, 0, id="four-words-in-order"),
    pytest.param("ours history", "allende-history-is-ours", 2, 3, id="words-out-of-order-rank-lower-span"),
    pytest.param("corvalan army alien", "corvalan-army-not-alien", 3, 10, id="speaker-name-and-words"),
])
def test_ranking_puts_the_best_match_first(corpus, query, first, matched, span):
    hits = search(corpus, query)
    assert (hits[0].id, len(hits[0].matched), hits[0].span) == (first, matched, span)
    ties = [h for h in hits if (len(h.matched), h.span) == (matched, span)]
    assert [h.kind for h in ties] == sorted((h.kind for h in ties), reverse=True)  # quotations before notes


def test_highlighting_marks_each_matched_word(corpus):
    hit = search(corpus, "history is ours")[0]
    assert "[History] [is] [ours]" in hit.text and "**History** **is** **ours**" in hit.markdown
    assert hit.text.replace("[", "").replace("]", "") == hit.plain and "\x1b" not in hit.text


def test_notes_found_by_quoted_agent(corpus):
    for number, note in corpus.notes.items():
        for agent_id in note.quoted[:1]:
            agent = corpus.agents.get(agent_id)
            if agent is None:
                continue
            name = getattr(agent, "family", None) or agent.display_name
            assert str(number) in [h.id for h in search(corpus, name) if h.kind == "note"], (number, name)


def test_empty_and_unmatched(corpus):
    assert search(corpus, "") == []
    assert search(corpus, "zzzqqqxxx") == []


def test_select_quotations(corpus):
    everything = select_quotations(corpus)
    assert len(everything) == len(corpus.quotations)
    for qid, q in everything:
        for speaker in q.speakers[:1]:
            assert qid in [i for i, _ in select_quotations(corpus, by=speaker)]
        if q.note:
            assert qid in [i for i, _ in select_quotations(corpus, note=q.note)]
    for number, section in enumerate(corpus.essay.sections, 1):
        inside = {i for i, q in everything if section.first_paragraph <= q.anchor.paragraph <= section.last_paragraph}
        assert {i for i, _ in select_quotations(corpus, section=str(number))} == inside
        if section.heading:
            assert inside <= {i for i, _ in select_quotations(corpus, section=section.heading)}


def test_cli(corpus):
    from chilecite.cli import cli

    runner = CliRunner()
    qid, q = sorted(corpus.quotations.items())[0]
    result = runner.invoke(cli, ["search", *_distinctive(q.text), "--format", "json", "--limit", "50"], catch_exceptions=False)
    assert result.exit_code == 0 and qid in [h["id"] for h in json.loads(result.stdout)["hits"]]
    result = runner.invoke(cli, ["search", "zzzqqqxxx"], catch_exceptions=False)
    assert result.exit_code == 0
    result = runner.invoke(cli, ["quotes", "--format", "json"], catch_exceptions=False)
    data = json.loads(result.stdout)["quotations"]
    assert len(data) == len(corpus.quotations)
    assert all({"id", "display", "speakers", "anchor", "text"} <= set(d) for d in data)
    result = runner.invoke(cli, ["quotes", "--by", "nobody-at-all"], catch_exceptions=False)
    assert result.exit_code == 2 and "nobody-at-all" in result.stderr
