"""`chilecite import bibtex`: Zotero (Better BibTeX) and JabRef exports to work and agent records.

The fixtures are in tests/import/; the records each must give are in tests/import/expected/<fixture>/
(works/ and agents/, byte for byte). They are test data, not bibliographic claims.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings

from chilecite.cli import cli
from tests.support import RECORDS, copy_records
from chilecite.export import ExportOptions, export_biblatex
from chilecite.importing import ImportResult, import_bibtex, write_records
from chilecite.corpus import Corpus
from chilecite.loading import load_corpus
from chilecite.models import Organisation, Person, Work
from chilecite.problems import Severity
from chilecite.rules import validate
from chilecite.vocabulary import fold
from tests import strategies as s
from tests.test_export import _single_work_corpus

FIXTURES = Path(__file__).parent / "import"
EXPECTED = FIXTURES / "expected"
NAMES = ["zotero-bbt", "jabref", "broken"]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


def _import(name: str, corpus: Corpus) -> ImportResult:
    return import_bibtex((FIXTURES / f"{name}.bib").read_text(encoding="utf-8"), corpus, source=f"{name}.bib")


def _problems(result: ImportResult, code: str) -> set[tuple]:
    return {(p.record, p.field, p.line) for p in result.problems if p.code == code}


@pytest.mark.parametrize("name", NAMES)
def test_records_are_exactly_the_expected_files(name: str, corpus: Corpus) -> None:
    result = _import(name, corpus)
    produced = {r.relative_path: r.text for r in result.records}
    expected = {str(p.relative_to(EXPECTED / name)): p.read_text(encoding="utf-8") for p in sorted((EXPECTED / name).rglob("*.yaml"))}
    assert sorted(produced) == sorted(expected)
    for path, text in expected.items():
        assert produced[path] == text, path


@pytest.mark.parametrize("name", NAMES)
def test_records_load_and_validate_in_the_corpus(name: str, corpus: Corpus, tmp_path: Path) -> None:
    paths = []
    for record in _import(name, corpus).records:
        path = tmp_path / record.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(record.text, encoding="utf-8")
        paths.append(path)
    loaded = load_corpus(extra=paths)
    assert not loaded.problems and not loaded.duplicates
    report = validate(loaded, None)
    assert not report.errors, [p.message for p in report.errors]


def test_zotero_biblatex(corpus: Corpus) -> None:
    result = _import("zotero-bbt", corpus)
    works, agents = result.works, result.agents
    # A particle name keeps its particle apart; an organisation in braces stays one name and is the corpus agent.
    assert agents["de-la-fuente-juan"] == Person(kind="person", family="Fuente", given="Juan", particle="de la")
    assert works["fuente1972cordones"].authors == ["de-la-fuente-juan", "coordinadora-provincial-de-cordones-industriales"]
    assert works["partido1971programa"].authors == ["partido-socialista-de-chile"] and "partido-socialista-de-chile" not in agents
    assert str(works["partido1971programa"].issued) == "1971~"
    assert works["fuente1972cordones"].url == "https://example.org/punto-final/170?page=12&view=100%"  # verbatim: % is no comment
    # The chapter finds its book in the corpus by title; the book's editor and publisher stay with the book.
    chapter = works["garces1973introduction"]
    assert chapter.parent == "allende1973chiles" and not chapter.editors and chapter.publisher is None
    assert works["elmercurio1973sep12"].type.value == "article-newspaper"
    assert result.keys["partidoSocialistaProgramaPartido1971"] == "partido1971programa"
    assert _problems(result, "CC072") == {("partidoSocialistaProgramaPartido1971", None, 27), ("miliband1973coup", None, 52)}
    assert result.keys["miliband1973coup"] == "miliband1973coupb"
    assert _problems(result, "CC070") == {
        ("fuente1972cordones", "urldate", 12), ("fuente1972cordones", "file", 13),
        ("partidoSocialistaProgramaPartido1971", "shorttitle", 33), ("mir1973declaracion", "urldate", 48),
    }


def test_jabref_bibtex_latex_is_decoded(corpus: Corpus) -> None:
    result = _import("jabref", corpus)
    works, agents = result.works, result.agents
    article = works["vuskovic1973unidad"]
    assert article.title == "La Unidad Popular y la economía: 1970–1973"  # braces gone, {\'\i} and -- decoded
    assert str(article.issued) == "1973-08" and str(article.pages) == "3–25"  # month macro, en dash
    assert article.doi == "10.1234/crn.1973.18.2" and article.comment == "Special issue on the economy & the state"
    assert agents["nunez-tomas"].family == "Ñuñez" and agents["nunez-tomas"].given == "Tomás"
    assert agents["van-der-berg-jan-jr"] == Person(kind="person", family="Berg", given="Jan", particle="van der", suffix="Jr.")
    assert article.authors[0] == "vuskovic-pedro"  # Vuskovi{\'c} is the corpus agent
    assert agents["comision-economica-para-america-latina"] == Organisation(kind="organisation", name="Comisión Económica para América Latina")
    assert works["garces1976allende"].authors == ["garces-joan"] and works["garces1976allende"].language == "es"
    assert str(works["comision1972estudio"].issued) == "1972-09-04"
    assert works["corvalan1971poder"].parent == "corvalan1971camino"  # crossref to an entry renamed in the same import
    for record in result.records:
        assert "\\" not in record.text and "{" not in record.text, record.relative_path
        assert unicodedata.is_normalized("NFC", record.text)
    assert _problems(result, "CC070") == {("Garces1976", "owner", 12), ("Garces1976", "timestamp", 13), ("Vuskovic1973", "abstract", 45)}


def test_broken_entry_is_an_error_and_the_others_import(corpus: Corpus) -> None:
    result = _import("broken", corpus)
    assert {p.code for p in result.problems if p.severity is Severity.error} == {"CC071"}
    assert _problems(result, "CC071") == {("broken1970", None, 10)}
    assert set(result.works) == {"smith1972first", "jones1973second", "anon1980program"}
    assert _problems(result, "CC070") == {
        ("smith1972first", "foo", 7), ("jones1973second", "pages", 19), ("jones1973second", "sillyfield", 20), ("tool1980", None, 23),
    }
    assert all(p.file == "broken.bib" for p in result.problems)
    assert all(p.severity is Severity.warning for p in result.problems if p.code in ("CC070", "CC072"))


def test_every_field_is_imported_or_reported(corpus: Corpus) -> None:
    """No field of a fixture is silently dropped: each one is in a record or in a CC070 problem."""
    import bibtexparser

    mapped_fields = {"title", "author", "editor", "journaltitle", "journal", "volume", "number", "pages", "date", "year", "month",
                     "day", "langid", "language", "keywords", "url", "doi", "isbn", "note", "location", "address", "publisher",
                     "institution", "booktitle", "crossref", "entrysubtype"}
    for name in NAMES:
        result = _import(name, corpus)
        reported = {(p.record, p.field) for p in result.problems if p.code == "CC070"}
        for entry in bibtexparser.parse_string((FIXTURES / f"{name}.bib").read_text(encoding="utf-8")).entries:
            for f in entry.fields:
                assert f.key in mapped_fields or (entry.key, f.key) in reported, (name, entry.key, f.key)


def test_keys_avoid_collisions_with_a_letter(corpus: Corpus) -> None:
    bib = "@book{X1, author = {Miliband, Ralph}, title = {The Coup in Chile}, year = 1973}\n" \
          "@book{X2, author = {Miliband, Ralph}, title = {The coup, again}, year = 1973}\n"
    result = import_bibtex(bib, corpus)
    assert list(result.works) == ["miliband1973coupb", "miliband1973coupc"]
    assert result.works["miliband1973coupb"].authors == ["miliband-ralph"] and not result.agents


def test_unparseable_values_are_reported_not_guessed(corpus: Corpus) -> None:
    bib = "@article{abc1970x, title = {T}, year = {c. 1970}, month = {Brumaire}, langid = {klingon}, booktitle = {B}}\n" \
          "@incollection{abc1971y, title = {T}, booktitle = {No Such Book}, date = {1971/}}\n"
    result = import_bibtex(bib, corpus)
    assert result.works["abc1970x"].issued is None and result.works["abc1970x"].language is None
    assert {(p.record, p.field) for p in result.problems if p.code == "CC070"} == {
        ("abc1970x", "year"), ("abc1970x", "month"), ("abc1970x", "langid"), ("abc1970x", "booktitle"),
        ("abc1971y", "booktitle"), ("abc1971y", "date"),
    }


# --------------------------------------------------------------------------- round trip through the exporter


def _name(agent) -> str:
    # BibTeX collapses white space inside names; records are NFC.
    return " ".join(unicodedata.normalize("NFC", agent.display_name).split())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(work=s.works, person=s.persons, org=s.organisations)
def test_biblatex_export_imports_back(work: Work, person: Person, org: Organisation) -> None:
    assume(fold(person.display_name) != fold(org.display_name))  # else they are one agent, by design
    source = _single_work_corpus(work, {"a-person": person, "an-org": org})
    result = import_bibtex(export_biblatex(source, ExportOptions(include_essay=False)), Corpus())
    errors = {p.code for p in result.problems if p.severity is Severity.error}
    if errors:  # only a record that does not validate (a date range backwards) is refused, and only as such
        assert errors == {"CC075"} and validate(source, None).errors and not result.works
        return
    (back,) = result.works.values()
    original = source.works["key1973work"]
    if original.title:
        assert back.title == unicodedata.normalize("NFC", original.title)
    assert back.issued == original.issued
    assert back.pages == original.pages
    assert [_name(result.agents[a]) for a in back.authors] == [_name(person), _name(org)]


# --------------------------------------------------------------------------- the command


def _run(records: Path, *args: str):
    return CliRunner().invoke(cli, ["import", "bibtex", "--records", str(records), *args], catch_exceptions=False)


def _new_files(records: Path) -> list[str]:
    return sorted(str(p.relative_to(records)) for p in records.rglob("*.yaml") if not (RECORDS / p.relative_to(records)).is_file())


def test_cli_writes_the_records_into_the_tree_in_use(tmp_path: Path) -> None:
    records = copy_records(tmp_path)
    result = _run(records, str(FIXTURES / "jabref.bib"))
    assert result.exit_code == 0, result.output
    written = _new_files(records)
    assert written == sorted(str(p.relative_to(EXPECTED / "jabref")) for p in (EXPECTED / "jabref").rglob("*.yaml"))
    assert "CC072" in result.stdout and "wrote" in result.stdout
    for path in written:
        assert (records / path).read_text(encoding="utf-8") == (EXPECTED / "jabref" / path).read_text(encoding="utf-8")


def test_cli_broken_entry_exits_1_but_writes_the_others(tmp_path: Path) -> None:
    records = copy_records(tmp_path)
    result = _run(records, str(FIXTURES / "broken.bib"), "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["summary"]["by_code"] == {"CC070": 4, "CC071": 1, "CC072": 1}
    assert all(r["written"] for r in payload["imported"])
    assert (records / "works" / "smith1972first.yaml").is_file()


def test_cli_dry_run_writes_nothing(tmp_path: Path) -> None:
    records = copy_records(tmp_path)
    result = _run(records, str(FIXTURES / "zotero-bbt.bib"), "--dry-run")
    assert result.exit_code == 0
    assert _new_files(records) == []
    assert (EXPECTED / "zotero-bbt" / "works" / "fuente1972cordones.yaml").read_text(encoding="utf-8") in result.stdout


def test_writing_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, corpus: Corpus) -> None:
    """A target that exists when writing (made by someone else since the import looked) is never overwritten."""
    result = import_bibtex((FIXTURES / "zotero-bbt.bib").read_text(encoding="utf-8"), corpus)
    existing = tmp_path / "works" / "fuente1972cordones.yaml"
    existing.parent.mkdir()
    existing.write_text("type: book\ntitle: Existing\n", encoding="utf-8")
    refusals, written = write_records(result, tmp_path)
    assert [p.code for p in refusals] == ["CC073"] and written == []
    assert existing.read_text(encoding="utf-8") == "type: book\ntitle: Existing\n"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["fuente1972cordones.yaml"]  # all or nothing
