"""Exporters on the bundled corpus and on arbitrary works: round trips, schema, escaping."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from chilecite.cli import cli
from chilecite.export import ExportOptions, export_biblatex, export_bibtex, export_csl_items, export_csl_json, parse_note_ranges
from chilecite.export.latex import latex_decoder
from chilecite.corpus import Corpus
from chilecite.loading import load_corpus
from chilecite.models import Level, Organisation, Person, Work
from tests import strategies as s
from tests.support import CSL_SCHEMA, require


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


def _parse(bib: str) -> dict[str, dict[str, str]]:
    library = bibtexparser.parse_string(bib, append_middleware=[LatexDecodingMiddleware(decoder=latex_decoder())])
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return {e.key: {f.key: f.value for f in e.fields} for e in library.entries}


def _plain(value: str) -> str:
    """What a reader sees: case-protection braces and \\emph{} gone."""
    return re.sub(r"\\emph\{(.*?)\}", r"\1", value)


@pytest.mark.parametrize("exporter", [export_bibtex, export_biblatex], ids=["bibtex", "biblatex"])
def test_bib_round_trip_gives_back_titles_names_dates_pages(corpus: Corpus, exporter) -> None:
    parsed = _parse(exporter(corpus, ExportOptions()))
    for key, fields in parsed.items():
        work = corpus.works[key]
        if work.title:
            assert _plain(fields["title"]) == work.title, key
        if work.pages:
            assert fields["pages"] == str(work.pages), key  # LaTeX "--" decodes to the en dash
        if work.issued:
            date = fields.get("date") or fields.get("year")
            assert date in (str(work.issued), str(work.issued.start.year)), key
        for agent_id, name in zip(work.authors, fields.get("author", "").split(" and ")):
            agent = corpus.agents[agent_id]
            expected = agent.name if isinstance(agent, Organisation) else agent.family
            assert expected in _plain(name), key


def test_default_selection_is_every_cited_work_plus_the_essay(corpus: Corpus) -> None:
    cited = {c.work for n in corpus.notes.values() for c in n.citations}
    cited |= {c.work for q in corpus.quotations.values() for c in (q.source, q.via) if c}  # so every key `quote` cites resolves
    parents = {corpus.works[k].parent for k in cited if corpus.works[k].parent}
    keys = {item["id"] for item in export_csl_items(corpus)}
    assert keys == cited | parents | {corpus.essay.key}


def test_selection_by_note_and_level(corpus: Corpus) -> None:
    only32 = {i["id"] for i in export_csl_items(corpus, ExportOptions(notes=frozenset({32}), include_essay=False))}
    tied = {c.work for q in corpus.quotations.values() if q.note == 32 for c in (q.source, q.via) if c}
    assert only32 == {c.work for c in corpus.notes[32].citations} | tied
    stated = export_csl_items(corpus, ExportOptions(min_level=Level.stated, include_essay=False))
    assert stated and all(i["custom"]["chilecite"]["best_level"] == "stated" for i in stated if i["custom"]["chilecite"]["notes"])


@pytest.mark.parametrize(("text", "numbers"), [
    pytest.param("1-3,45", {1, 2, 3, 45}, id="range-and-single"),
    pytest.param("86", {86}, id="last"),
])
def test_note_ranges(text: str, numbers: set[int]) -> None:
    assert parse_note_ranges(text, 86) == numbers


@pytest.mark.parametrize("text", ["0-3", "5-2", "x", "1-87"])
def test_bad_note_ranges_are_usage_errors(text: str) -> None:
    result = CliRunner().invoke(cli, ["export", "bibtex", "--notes", text], catch_exceptions=False)
    assert result.exit_code == 2 and "--notes" in result.output


def test_csl_json_passes_the_official_schema(corpus: Corpus) -> None:
    import jsonschema

    schema = json.loads(require(CSL_SCHEMA).read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(export_csl_json(corpus)), schema)


def test_citeproc_py_renders_every_item(corpus: Corpus) -> None:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    items = export_csl_items(corpus)
    for item in items:  # citeproc-py has no literal names: give organisations a family name only
        for role in ("author", "editor", "translator"):
            for name in item.get(role, []):
                if "literal" in name:
                    name["family"] = name.pop("literal")
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)  # ships with citeproc-py
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == len(items) and all(rendered)


def test_organisations_are_single_names_everywhere(corpus: Corpus) -> None:
    bib, csl = export_bibtex(corpus), export_csl_items(corpus)
    for key, work in corpus.works.items():
        for agent_id in work.authors:
            agent = corpus.agents[agent_id]
            if isinstance(agent, Organisation) and any(i["id"] == key for i in csl):
                assert {"literal": agent.name} in next(i for i in csl if i["id"] == key)["author"]
                assert "{" + agent.name + "}" in bib


def test_output_is_deterministic(corpus: Corpus) -> None:
    assert export_bibtex(corpus) == export_bibtex(load_corpus())
    assert export_csl_json(corpus) == export_csl_json(load_corpus())


def test_ascii_bibtex_has_no_non_ascii_and_decodes_back(corpus: Corpus) -> None:
    ascii_bib = export_bibtex(corpus, ExportOptions(ascii=True))
    assert ascii_bib.isascii()
    utf8 = _parse(export_bibtex(corpus))
    for key, fields in _parse(ascii_bib).items():
        if "title" in fields:
            assert _plain(fields["title"]).replace("``", "“").replace("''", "”") == _plain(utf8[key]["title"]).replace("``", "“").replace("''", "”"), key


def test_export_to_a_file_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out.bib"
    target.write_text("previous contents", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "bibtex", "-o", str(target)], catch_exceptions=False)
    assert result.exit_code == 0 and target.read_text(encoding="utf-8").startswith("% BibTeX export")
    assert [p.name for p in tmp_path.iterdir()] == ["out.bib"]  # no temporary file left behind


def test_export_from_broken_records_writes_nothing(tmp_path: Path) -> None:
    from tests.support import copy_records

    root = copy_records(tmp_path)
    (root / "works" / "financialtimes1973aug09.yaml").write_text("type: [broken\n", encoding="utf-8")
    target = tmp_path / "out.bib"
    result = CliRunner().invoke(cli, ["--records", str(root), "export", "bibtex", "-o", str(target)], catch_exceptions=False)
    assert result.exit_code == 1 and "CC001" in result.output and not target.exists()


# --------------------------------------------------------------------------- properties of arbitrary works


def _single_work_corpus(work: Work, agents: dict) -> Corpus:
    from chilecite.models import Citation, Note, NoteAnchor

    note = Note(number=1, anchor=NoteAnchor(paragraph=1, before="x"), supports=["claim"], status="identified",
                citations=[Citation(work="key1973work", level="attributed", basis="a property test")])
    return Corpus(works={"key1973work": work.model_copy(update={"parent": None, "authors": list(agents), "editors": [], "translators": []})}, agents=agents, notes={1: note})


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(work=s.works, person=s.persons, org=s.organisations)
def test_any_work_exports_to_balanced_bibtex_that_parses_back(work: Work, person: Person, org: Organisation) -> None:
    corpus = _single_work_corpus(work, {"a-person": person, "an-org": org})
    for exporter in (export_bibtex, export_biblatex):
        bib = exporter(corpus, ExportOptions(include_essay=False))
        assert _balanced(bib)
        fields = _parse(bib)["key1973work"]
        if work.title:
            assert _plain(fields["title"]) == _plain_expected(work.title)
        if work.pages:
            assert fields["pages"] == str(work.pages)


def _plain_expected(title: str) -> str:
    return title


@settings(max_examples=150, deadline=None)
@given(work=s.works, person=s.persons, org=s.organisations)
def test_any_work_exports_to_schema_valid_csl_json(work: Work, person: Person, org: Organisation) -> None:
    import jsonschema

    schema = json.loads(require(CSL_SCHEMA).read_text(encoding="utf-8"))
    jsonschema.validate(export_csl_items(_single_work_corpus(work, {"a-person": person, "an-org": org}), ExportOptions(include_essay=False)), schema)
