"""`chilecite import bibtex`: Zotero (Better BibTeX) and JabRef exports to work and agent records.

The fixtures are in tests/import/; the records each must give are in tests/import/expected/<fixture>/
(works/ and agents/, byte for byte). They are test data, not bibliographic claims. Hostile input
(limits, CC074; records that would not validate, CC075) through the command is in
tests/hostile/test_import_hostile.py; here are the pieces: the decoder, @string macros, limits,
devised titles, refusals, writing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chilecite.cli import cli
from chilecite.corpus import Corpus, Source
from chilecite.export import ExportOptions, export_biblatex, export_bibtex
from chilecite.export.common import ExportItem, export_item, select_items
from chilecite.export.latex import escape
from chilecite.importing import ImportResult, command, import_bibtex, import_file, limits, write_records
from chilecite.importing.decoding import decode
from chilecite.loading import load_corpus
from chilecite.models import Organisation, Person, Work, WorkType
from chilecite.problems import Severity
from chilecite.rules import BY_CODE, validate
from chilecite.vocabulary import fold
from tests import strategies as s
from tests.support import RECORDS, copy_records
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
    assert _problems(result, "CC072") == {("partidoSocialistaProgramaPartido1971", None, 27)}
    # The corpus work of the same key and title, entered as a book: already there, not imported again; the difference named.
    assert "miliband1973coup" not in result.keys and _problems(result, "CC076") == {("miliband1973coup", None, 52)}
    assert [(p.entry, p.key, p.changes) for p in result.present] == [("miliband1973coup", "miliband1973coup", ("type",))]
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
    bib = "@book{X1, author = {Miliband, Ralph}, title = {The Coup in Chile, revisited}, year = 1973}\n" \
          "@book{X2, author = {Miliband, Ralph}, title = {The coup, again}, year = 1973}\n"
    result = import_bibtex(bib, corpus)
    assert list(result.works) == ["miliband1973coupb", "miliband1973coupc"]
    assert result.works["miliband1973coupb"].authors == ["miliband-ralph"] and not result.agents


def test_a_key_taken_by_another_work_is_renamed_and_the_same_work_is_present(corpus: Corpus) -> None:
    """The corpus key with another title is another work: imported under a key of its own (CC072). With the
    corpus work's own title it is that work: present (CC076), not imported again."""
    other = import_bibtex("@book{miliband1973coup, author = {Miliband, Ralph}, title = {Parliamentary Socialism}, year = 1973}\n", corpus)
    assert list(other.works) == ["miliband1973parliamentary"] and not other.present
    assert _problems(other, "CC072") == {("miliband1973coup", None, 1)}
    same = import_bibtex("@article{miliband1973coup, author = {Miliband, Ralph}, title = {The Coup in {Chile}}, year = 1973}\n", corpus)
    assert not same.works and [(p.entry, p.key, p.changes) for p in same.present] == [("miliband1973coup", "miliband1973coup", ())]
    assert _problems(same, "CC076") == {("miliband1973coup", None, 1)} and not _problems(same, "CC072")


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
    assert back.issued == export_item(source, "key1973work").issued  # the date cited: a work with no edition date is cited by its original date
    assert back.pages == original.pages
    assert [_name(result.agents[a]) for a in back.authors] == [_name(person), _name(org)]


# --------------------------------------------------------------------------- what chilecite's exports write, read back


def _work(bib: str, corpus: Corpus | None = None) -> tuple[Work, ImportResult]:
    result = import_bibtex(bib, corpus if corpus is not None else Corpus())
    assert not [p for p in result.problems if p.severity is Severity.error], result.problems
    (work,) = [w for key, w in result.works.items() if key.startswith("k")]
    return work, result


def _unmapped(result: ImportResult) -> list[str | None]:
    return [p.field for p in result.problems if p.code == "CC070"]


@pytest.mark.parametrize("field", ["annote", "annotation"])
def test_annote_and_annotation_are_the_comment(field: str) -> None:
    work, result = _work(f"@book{{k1970x, title = {{T}}, {field} = {{Cited in Gonzalez 1984, note 16 (verified).}}}}\n")
    assert work.comment == "Cited in Gonzalez 1984, note 16 (verified)." and _unmapped(result) == []


def test_note_and_annotation_are_joined_as_sentences_in_order() -> None:
    work, result = _work("@book{k1970x, title = {T}, annotation = {Cited in X, note 2 (stated).}, note = {Translated from Spanish},"
                         " annote = {Cited in X, note 2 (stated).}}\n")
    assert work.comment == "Translated from Spanish. Cited in X, note 2 (stated)." and _unmapped(result) == []  # a repeat is left out
    work, _ = _work("@book{k1970x, title = {T}, note = {Special issue on the economy \\& the state}}\n")
    assert work.comment == "Special issue on the economy & the state"  # one text is the comment as it stands


def test_a_biblatex_note_is_free_text_in_the_comment() -> None:
    work, result = _work("@incollection{k1971x, title = {T}, note = {Presidential message to Congress. First annual message to Congress, "
                         "Santiago. Translated from Spanish.}}\n")
    assert work.comment == "Presidential message to Congress. First annual message to Congress, Santiago. Translated from Spanish."
    assert (work.genre, work.event, work.original_language) == (None, None, None) and _unmapped(result) == []


@pytest.mark.parametrize(("title", "devised"), [
    pytest.param("[{Radio} broadcast from {La Moneda}, {Santiago}]", "[Radio broadcast from La Moneda, Santiago]", id="case-protected"),
    pytest.param("{[Radio broadcast from La Moneda, Santiago]}", "[Radio broadcast from La Moneda, Santiago]", id="braced-whole"),
])
def test_a_bracketed_title_is_a_devised_title(title: str, devised: str) -> None:
    work, result = _work("@unpublished{k1973x, author = {Allende, Salvador}, title = {" + title + "}, type = {radio broadcast},"
                         " eventtitle = {Last broadcast from La Moneda, Santiago, during the coup}, date = {1973-09-11}}\n")
    assert (work.title, work.devised_title, work.type) == (None, devised, WorkType.speech) and _unmapped(result) == []


@pytest.mark.parametrize("title", ["[Radio] broadcast", "A [bracketed] word", "[One] [Two]", "[ ]", "Radio broadcast]"])
def test_a_title_that_is_not_one_bracketed_phrase_stays_a_title(title: str) -> None:
    work, _ = _work(f"@misc{{k1973x, author = {{Allende, Salvador}}, title = {{{title}}}}}\n")
    assert work.title == title and work.devised_title is None


def test_a_bracketed_title_the_record_does_not_support_is_reported_and_devised_anew(tmp_path: Path) -> None:
    work, result = _work("@misc{k1973x, author = {Allende, Salvador}, title = {[Radio broadcast from La Moneda]}, date = {1973-09-11}}\n")
    assert (work.title, work.devised_title) == (None, "[Document]")
    (problem,) = [p for p in result.problems if p.code == "CC070"]
    assert problem.field == "title" and "CC066" in problem.message and "radio, la, moneda" in problem.message
    _assert_valid(result, tmp_path)


def test_a_bracketed_title_with_nothing_to_devise_one_from_refuses_the_entry() -> None:
    result = import_bibtex("@misc{k1973x, title = {[Radio broadcast]}, date = {1973-09-11}}\n", Corpus())
    assert not result.records
    assert [(p.code, p.field) for p in result.problems] == [("CC070", "title"), ("CC075", None)]


def _assert_valid(result: ImportResult, tmp_path: Path) -> None:
    paths = []
    for record in result.records:
        path = tmp_path / record.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(record.text, encoding="utf-8")
        paths.append(path)
    assert not validate(load_corpus(extra=paths), None).errors


def test_a_collection_is_a_book_with_editors() -> None:
    work, _ = _work("@collection{k1973x, editor = {Zammit, J. Ann}, title = {The {Chilean} Road to Socialism}, date = {1973}}\n")
    assert work.type is WorkType.book and work.editors == ["zammit-j-ann"] and not work.authors


@pytest.mark.parametrize(("fields", "wtype", "genre"), [
    pytest.param("eventtitle = {UNCTAD III, Santiago}", WorkType.speech, None, id="talk"),
    pytest.param("eventtitle = {XIV Congreso}, type = {report to a party congress}", WorkType.speech, "report to a party congress", id="talk-genre"),
    pytest.param("eventtitle = {Conference}, venue = {Santiago}", WorkType.speech, None, id="bbt-presentation"),
    pytest.param("type = {typescript}", WorkType.manuscript, "typescript", id="manuscript"),
    pytest.param("eventtitle = {}", WorkType.manuscript, None, id="empty-eventtitle"),
])
def test_an_unpublished_entry_with_an_event_is_a_speech(fields: str, wtype: WorkType, genre: str | None) -> None:
    work, _ = _work(f"@unpublished{{k1972x, author = {{Allende, Salvador}}, title = {{T}}, {fields}}}\n")
    assert (work.type, work.genre) == (wtype, genre)


@pytest.mark.parametrize(("fields", "wtype", "genre"), [
    pytest.param("type = {interview}", WorkType.interview, None, id="interview"),
    pytest.param("type = {Interview}", WorkType.interview, None, id="interview-capitalised"),
    pytest.param("entrysubtype = {interview}", WorkType.interview, None, id="bbt-entrysubtype-interview"),
    pytest.param("type = {letter}", WorkType.letter, None, id="letter"),
    pytest.param("type = {open letter}", WorkType.letter, "open letter", id="open-letter"),
    pytest.param("type = {circular letter}", WorkType.letter, "circular letter", id="a-kind-of-letter"),
    pytest.param("type = {broadcast}", WorkType.broadcast, None, id="broadcast"),
    pytest.param("type = {radio broadcast}", WorkType.broadcast, "radio broadcast", id="radio-broadcast"),
    pytest.param("entrysubtype = {broadcast}, type = {radio broadcast}", WorkType.broadcast, "radio broadcast", id="bbt-broadcast"),
    pytest.param("type = {party programme}", WorkType.document, "party programme", id="other-type-is-the-genre"),
    pytest.param("type = {newsletter}", WorkType.document, "newsletter", id="newsletter-is-no-letter"),
])
def test_a_misc_entry_is_what_its_type_says(fields: str, wtype: WorkType, genre: str | None) -> None:
    work, result = _work(f"@misc{{k1971x, author = {{Corval{{\\'a}}n, Luis}}, title = {{T}}, {fields}}}\n")
    assert (work.type, work.genre) == (wtype, genre) and _unmapped(result) == []


def test_a_misc_entrysubtype_that_names_no_kind_is_reported() -> None:
    work, result = _work("@misc{k1971x, title = {T}, entrysubtype = {map}, type = {interview}}\n")
    assert work.type is WorkType.interview and work.genre is None
    assert [(p.field, "'map' is not one of interview" in p.message) for p in result.problems] == [("entrysubtype", True)]


_BOOK = "@book{book1973x, editor = {Garc{\\'e}s, Joan E.}, title = {Chile's Road to Socialism}, date = {1973}}\n"


@pytest.mark.parametrize(("fields", "issued", "original"), [
    pytest.param("date = {1973}, origdate = {1971-05-21}", None, "1971-05-21", id="book-date-and-own-date"),
    pytest.param("year = {1973}, origdate = {1971-05-21}", None, "1971-05-21", id="bibtex-year"),
    pytest.param("date = {1973}", None, None, id="book-date-only"),
    pytest.param("date = {1972}, origdate = {1971-05-21}", "1972", "1971-05-21", id="a-date-of-its-own"),
])
def test_a_chapter_dated_as_its_book_inherits_the_date(fields: str, issued: str | None, original: str | None) -> None:
    result = import_bibtex(_BOOK + f"@incollection{{k1971x, title = {{T}}, crossref = {{book1973x}}, {fields}}}\n", Corpus())
    chapter = result.works["k1971x"]
    assert chapter.parent == "book1973x" and not chapter.editors
    assert (str(chapter.issued) if chapter.issued else None, str(chapter.original_date) if chapter.original_date else None) == (issued, original)


def test_a_chapter_whose_book_is_unknown_keeps_the_date() -> None:
    work, result = _work("@incollection{k1971x, title = {T}, booktitle = {No such book}, date = {1973}, origdate = {1971-05-21}}\n")
    assert (str(work.issued), str(work.original_date)) == ("1973", "1971-05-21") and _unmapped(result) == ["booktitle"]


_HOW = "howpublished = {Radio broadcast, Last broadcast from La Moneda, Santiago, during the coup}"


@pytest.mark.parametrize(("bib", "container", "comment"), [
    pytest.param(f"% BibTeX export of chilecite: sources of X.\n\n@misc{{k1973x, title = {{T}}, {_HOW}, annote = {{Cited in X.}}}}\n",
                 None, "Radio broadcast, Last broadcast from La Moneda, Santiago, during the coup. Cited in X.", id="chilecite-bibtex-header"),
    pytest.param(f"@misc{{k1973x, title = {{T}}, {_HOW}, keywords = {{chilecite-verified}}, note = {{In Spanish.}}}}\n",
                 None, "Radio broadcast, Last broadcast from La Moneda, Santiago, during the coup. In Spanish.", id="chilecite-markers"),
    pytest.param(f"@misc{{k1973x, title = {{T}}, {_HOW}, keywords = {{chilecite-verified}}, annotation = {{Cited in X.}}}}\n",
                 "Radio broadcast, Last broadcast from La Moneda, Santiago, during the coup", "Cited in X.", id="chilecite-biblatex-entry"),
    pytest.param("% BibLaTeX export of chilecite: sources of X.\n\n@misc{k1971x, title = {T}, howpublished = {Drapeau Rouge}}\n",
                 "Drapeau Rouge", None, id="chilecite-biblatex-header"),
    pytest.param(f"% This file was created with JabRef 5.12.\n@misc{{k1973x, title = {{T}}, {_HOW}}}\n",
                 "Radio broadcast, Last broadcast from La Moneda, Santiago, during the coup", None, id="jabref"),
    pytest.param(f"@misc{{k1973x, title = {{T}}, {_HOW}}}\n% BibTeX export of chilecite\n",
                 "Radio broadcast, Last broadcast from La Moneda, Santiago, during the coup", None, id="header-not-at-the-top"),
])
def test_howpublished_in_chilecites_bibtex_export_is_free_text(bib: str, container: str | None, comment: str | None) -> None:
    work, result = _work(bib)
    assert (work.container_title, work.comment) == (container, comment)
    assert "howpublished" not in _unmapped(result)


def test_howpublished_of_a_booklet_in_chilecites_bibtex_export_is_its_publisher() -> None:
    work, _ = _work("% BibTeX export of chilecite: sources of X.\n@booklet{k1971x, title = {T}, howpublished = {Editorial Quimant{\\'u}}}\n")
    assert (work.type, work.publisher, work.container_title, work.comment) == (WorkType.pamphlet, "Editorial Quimantú", None, None)


# --------------------------------------------------------------------------- the bundled corpus, exported and imported back


def _corpus_of(result: ImportResult) -> Corpus:
    back = Corpus()
    for record in result.records:
        back.add(record.kind, record.id, record.record, Source(Path(record.relative_path), record.relative_path))
    return back


def _cited(item: ExportItem) -> dict[str, object]:
    """What a round trip must bring back of a work, as the exports cite it: a chapter's date, editors and
    container are its book's, and its own date is its original date (docs/exports.md, Dates)."""
    work = item.work
    return {
        "type": work.type,
        "title": work.title,
        "devised_title": work.devised_title,
        "authors": [_name(a) for a in item.authors],
        "editors": [_name(a) for a in item.editors],
        "issued": item.issued,
        "original_date": item.original_date,
        "event_date": item.event_date,
        "container": item.parent.title if item.parent else work.container_title,
    }


def _finer_than_a_month(item: ExportItem) -> bool:
    issued = item.issued
    return issued is not None and bool(issued.end or issued.start.day or issued.start.season or issued.start.approximate or issued.start.uncertain)


_IN_BOOK = ("type", lambda item: item.kind == "in-book",
            "a speech, letter or document printed in a book is an @incollection (docs/exports.md, the in-book row), which is a chapter "
            "read back; what it is, is only in `note` words")
# The values that cannot come back, by format: (field of `_cited`, the works it concerns, why).
LOSSES = {
    "bibtex": (
        _IN_BOOK,
        ("type", lambda item: item.types.bibtex == "misc" and item.work.type is not WorkType.document,
         "BibTeX has no type for a speech, broadcast, interview or letter: each is a @misc, and its kind is said only in `howpublished` "
         "words, which are free text (the comment)"),
        ("type", lambda item: item.types.biblatex_subtype is not None,
         "BibTeX's @article has no entrysubtype: a magazine or newspaper article reads back as a journal article"),
        ("container", lambda item: item.types.bibtex == "misc" and bool(item.work.container_title),
         "a @misc's container is written inside `howpublished` with the genre, occasion, publisher and place: free text, the comment"),
        ("issued", _finer_than_a_month,
         "BibTeX has a year and a month: a day, a season, a circa or a range is said in `note` words (`Date: 11 September 1973.`)"),
        ("original_date", lambda item: item.original_date is not None,
         "BibTeX has no origdate: the original date is said in `note` words (`First given 21 May 1971.`)"),
        ("event_date", lambda item: item.event_date is not None,
         "BibTeX has no eventdate: the event's dates are said with the occasion in `howpublished` words"),
        ("editors", lambda item: bool(item.authors and item.editors) and item.types.bibtex != "incollection",
         "plain.bst takes an author or an editor, not both: the editors of a book with an author are said in `note` words"),
    ),
    "biblatex": (
        _IN_BOOK,
        ("type", lambda item: item.kind == "speech" and not item.event,
         "a speech with no occasion is an @unpublished with no `eventtitle`, biblatex's manuscript: what it is, is only its `type` words "
         "(the genre)"),
        ("event_date", lambda item: item.event_date is not None and item.types.biblatex == "misc",
         "biblatex's @misc has no eventdate: the event's dates are said with the occasion in `note` words"),
    ),
}
EXPORTS = {"bibtex": export_bibtex, "biblatex": export_biblatex}


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_the_bundled_corpus_exported_imports_back(fmt: str, corpus: Corpus) -> None:
    """Each work of the corpus, exported and imported into an empty context (every work is then new), comes
    back with its type, title or devised title, authors and editors, dates, container and provenance
    sentence, but for the losses listed in LOSSES, each of which must happen."""
    items = {item.key: item for item in select_items(corpus, ExportOptions())}
    result = import_bibtex(EXPORTS[fmt](corpus), Corpus())
    assert not [p for p in result.problems if p.severity is Severity.error]
    assert {p.field for p in result.problems if p.code == "CC070"} <= {"keywords", "key", "title"}  # markers, a sort label, devised titles
    assert sorted(result.works) == sorted(items)
    back = _corpus_of(result)
    used = set()
    for key, item in items.items():
        assert item.provenance() in (result.works[key].comment or ""), key
        expected, got = _cited(item), _cited(export_item(back, key))
        for name, value in expected.items():
            if got[name] == value:
                continue
            excuse = next((loss for loss in LOSSES[fmt] if loss[0] == name and loss[1](item)), None)
            assert excuse is not None, (key, name, value, got[name])
            used.add(excuse[2])
    assert used == {why for _, _, why in LOSSES[fmt]}  # every loss listed happens


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


def test_cli_broken_entry_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    """An import is all or nothing: one entry that cannot be imported, and no record is written."""
    records = copy_records(tmp_path)
    before = _tree(records)
    result = _run(records, str(FIXTURES / "broken.bib"), "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["summary"]["by_code"] == {"CC070": 4, "CC071": 1, "CC072": 1} and payload["complete"] is False
    assert payload["imported"] and not any(r["written"] for r in payload["imported"])
    assert _tree(records) == before
    text = _run(records, str(FIXTURES / "broken.bib")).stdout
    assert "nothing was written: 1 problem(s) stop the import, which is all or nothing" in text and "wrote" not in text


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_fixed_file_imported_twice_is_written_once(tmp_path: Path) -> None:
    """The issue's path: an import refused for one broken entry, the brace fixed, imported, and imported again:
    the second import writes nothing, reports every entry as present, and exits 0."""
    records = copy_records(tmp_path)
    fixed = tmp_path / "fixed.bib"
    fixed.write_text((FIXTURES / "broken.bib").read_text(encoding="utf-8").replace("closes,\n", "closes},\n"), encoding="utf-8")
    assert _run(records, str(FIXTURES / "broken.bib")).exit_code == 1
    first = _run(records, str(fixed), "--format", "json")
    assert first.exit_code == 0 and all(r["written"] for r in json.loads(first.stdout)["imported"])
    after_first = _tree(records)
    second = _run(records, str(fixed), "--format", "json")
    payload = json.loads(second.stdout)
    assert second.exit_code == 0 and payload["imported"] == [] and _tree(records) == after_first
    assert sorted(p["entry"] for p in payload["present"]) == ["broken1970", "jones1973second", "smith1972first", "tool1980"]
    assert payload["summary"]["by_code"]["CC076"] == 4 and "CC072" not in payload["summary"]["by_code"]  # no key renamed for what is not imported


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_the_records_exported_and_imported_back_are_all_present(fmt: str, tmp_path: Path) -> None:
    """Importing chilecite's own export into the tree it came from adds nothing (no toha1973declaracionb, no nettl1966rosac)."""
    records = copy_records(tmp_path)
    before = _tree(records)
    exported = tmp_path / f"own.{fmt}.bib"
    exported.write_text(EXPORTS[fmt](load_corpus(records)), encoding="utf-8")
    result = _run(records, str(exported), "--format", "json")
    payload = json.loads(result.stdout)
    assert result.exit_code == 0 and payload["imported"] == [] and _tree(records) == before
    assert sorted(p["work"] for p in payload["present"]) == sorted(load_corpus(records).works)


HAND_CHAPTER = """# yaml-language-server: $schema=../../schemas/work.schema.json
type: chapter
title: The road to socialism, once more
authors:
- allende-salvador
parent: allende1973chiles
"""
REIMPORTED_CHAPTER = """@incollection{allende1973road,
  author = {Allende, Salvador},
  title = {The Road to Socialism, Once More},
  booktitle = {Chile's Road to Socialism},
  date = {1973},
  pages = {20--31},
}
"""


def test_a_hand_added_chapter_and_its_reimport_are_one_work(tmp_path: Path) -> None:
    """A chapter added by hand (no date: it has its book's) and the same chapter exported from a reference manager
    (the book's date as its own): the import finds it present, and the validator flags the two if both are kept."""
    records = copy_records(tmp_path)
    (records / "works" / "allende1973hand.yaml").write_text(HAND_CHAPTER, encoding="utf-8")
    bib = tmp_path / "chapter.bib"
    bib.write_text(REIMPORTED_CHAPTER, encoding="utf-8")
    payload = json.loads(_run(records, str(bib), "--format", "json").stdout)
    assert payload["imported"] == [] and [(p["entry"], p["work"], p["differs_in"]) for p in payload["present"]] == [
        ("allende1973road", "allende1973hand", ["title", "pages"])]
    (records / "works" / "allende1973road.yaml").write_text(HAND_CHAPTER.replace("The road", "The Road"), encoding="utf-8")
    report = validate(load_corpus(records), None)
    assert [(p.code, p.record) for p in report.problems if p.code == "CC016"] == [("CC016", "allende1973road")]


def test_update_shows_the_change_then_makes_it_and_nothing_else(tmp_path: Path) -> None:
    records = copy_records(tmp_path)
    path = records / "works" / "miliband1973coup.yaml"
    old = path.read_text(encoding="utf-8")
    bib = tmp_path / "one.bib"
    bib.write_text("@article{miliband1973coup, author = {Miliband, Ralph}, title = {The Coup in {Chile}}, date = {1973},\n"
                   "  journaltitle = {The Socialist Register}, pages = {451--475}, note = {A comment that is not taken}}\n", encoding="utf-8")
    plain = _run(records, str(bib))
    assert plain.exit_code == 0 and "the entry differs in pages (`--update --dry-run` shows the change, `--update` makes it)" in plain.stdout
    assert path.read_text(encoding="utf-8") == old
    dry = _run(records, str(bib), "--update", "--dry-run")
    assert dry.stdout.startswith("--- a/records/works/miliband1973coup.yaml\n+++ b/records/works/miliband1973coup.yaml\n")
    assert "-pages: 451–474\n+pages: 451–475\n" in dry.stdout and path.read_text(encoding="utf-8") == old
    done = _run(records, str(bib), "--update")
    assert done.exit_code == 0 and done.stdout.index("+pages: 451–475") < done.stdout.index(f"updated {path}")  # shown, then made
    assert path.read_text(encoding="utf-8") == old.replace("pages: 451–474", "pages: 451–475")  # one line changed; the comment kept
    again = json.loads(_run(records, str(bib), "--update", "--format", "json").stdout)
    assert again["imported"] == [] and again["present"][0]["differs_in"] == []  # nothing left to change


def test_an_update_that_would_not_validate_is_refused(tmp_path: Path) -> None:
    records = copy_records(tmp_path)
    before = _tree(records)
    bib = tmp_path / "late.bib"
    bib.write_text("@article{miliband1973coup, author = {Miliband, Ralph}, title = {The Coup in {Chile}}, date = {1990},\n"
                   "  journaltitle = {The Socialist Register}}\n", encoding="utf-8")
    result = _run(records, str(bib), "--update", "--format", "json")
    assert result.exit_code == 1 and _tree(records) == before
    (problem,) = [p for p in json.loads(result.stdout)["problems"] if p["severity"] == "error"]
    assert problem["code"] == "CC075" and "the record 'miliband1973coup' it would update would not validate: CC041" in problem["message"]


def test_an_update_is_not_made_when_another_entry_is_refused(tmp_path: Path) -> None:
    records = copy_records(tmp_path)
    before = _tree(records)
    bib = tmp_path / "late.bib"
    bib.write_text("@article{miliband1973coup, author = {Miliband, Ralph}, title = {The Coup in {Chile}}, date = {1973},\n"
                   "  journaltitle = {The Socialist Register}, pages = {451--475}}\n"
                   "@book{miliband1990new, author = {Miliband, Ralph}, title = {A New Book}, date = {1990}}\n", encoding="utf-8")
    result = _run(records, str(bib), "--update", "--format", "json")
    assert result.exit_code == 1 and _tree(records) == before
    assert {p["code"] for p in json.loads(result.stdout)["problems"] if p["severity"] == "error"} == {"CC075"}


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


def test_a_target_agent_that_exists_stops_the_works_too(tmp_path: Path, corpus: Corpus) -> None:
    """Agents and works are written in one all-or-nothing step."""
    result = import_bibtex((FIXTURES / "zotero-bbt.bib").read_text(encoding="utf-8"), corpus)
    agent = tmp_path / "agents" / "de-la-fuente-juan.yaml"
    agent.parent.mkdir()
    agent.write_text("kind: person\nfamily: Fuente\n", encoding="utf-8")
    refusals, written = write_records(result, tmp_path)
    assert [p.code for p in refusals] == ["CC073"] and written == []
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.yaml")) == ["agents/de-la-fuente-juan.yaml"]


# --------------------------------------------------------------------------- decoding LaTeX


@pytest.mark.parametrize(("latex", "text"), [
    pytest.param(r"\'e \'{e} {\'e} \`a \^o \"u \~n \=a \.z", "é é é à ô ü ñ ā ż", id="accent-forms"),
    pytest.param(r"\c{c} \c c \v{s} \u{g} \H{o} \k{a} \r{a}", "ç ç š ğ ő ą å", id="letter-accents"),
    pytest.param(r"{\'\i} \'{\i} {\^\i} {\'\c{c}} \"{\'{e}}", "í í î ḉ é̈", id="dotless-and-stacked"),
    pytest.param(r"{\i} {\ss} {\ae} {\AE} {\o} {\O} {\l} {\L} {\oe} {\aa} Stra\ss e", "ı ß æ Æ ø Ø ł Ł œ å Straße", id="letters"),
    pytest.param(r"1970--1973 a---b -{}- x~y", "1970–1973 a—b -- x\u00a0y", id="dashes-and-tie"),
    pytest.param(r"\& \% \$ \# \_ \{ \}", "& % $ # _ { }", id="escapes"),
    pytest.param(r"{\textbraceleft}{\textbraceright}{\textbackslash}{\textasciitilde}{\textasciicircum}", "{}\\~^", id="text-symbols"),
    pytest.param(r"\emph{a} \textit{b} \textbf{c} {\em d}", "a b c d", id="formatting-unwrapped"),
    pytest.param(r"\url{https://example.org/a%20b~c}", "https://example.org/a%20b~c", id="url-verbatim"),
    pytest.param(r"La {Unidad {Popular}}", "La Unidad Popular", id="case-protection-dropped"),
    pytest.param(r"``Cordones'' {?`}Qu\'e? {!`}S\'i!", "“Cordones” ¿Qué? ¡Sí!", id="quotes-and-inverted-marks"),
    pytest.param(r"\~{}user \'{}", "~user ´", id="accent-on-nothing"),
    pytest.param(r"\'\@", "´", id="accent-on-a-command-that-prints-nothing"),
    pytest.param(r"\'\@e", "é", id="accent-over-a-command-that-prints-nothing"),
    pytest.param(r"{{{a}", "a", id="unclosed-groups"),
])
def test_latex_is_decoded(latex: str, text: str) -> None:
    decoded = decode(latex)
    assert unicodedata.normalize("NFC", decoded.text) == text and decoded.unknown == []


def test_an_unknown_command_is_kept_as_written_and_reported(corpus: Corpus) -> None:
    assert decode(r"a \foo{b c} d").text == r"a \foo{b c} d"
    result = import_bibtex(r"@book{smith1970t, title = {Das \foo{Kapital}}, year = 1970}", corpus)
    assert result.works["smith1970t"].title == r"Das \foo{Kapital}"
    assert [(p.code, p.field) for p in result.problems if "\\foo" in p.message] == [("CC070", "title")]


_EXPORT_CHARACTERS = st.sampled_from(list("éèêëçčğőąåíìîïñóòôöõøúùûüýšžłŁßæÆœŒı–—…«»°£€§¿¡“”ḉĈ\u00a0") + list("{}\\%$#_&~^-'`"))


@settings(max_examples=500, deadline=None)
@given(text=st.lists(st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=6), _EXPORT_CHARACTERS),
                     max_size=10).map("".join))
def test_escaped_text_decodes_back_to_itself(text: str) -> None:
    """What `escape` writes reads back as it was: every character, `{`, `}`, `\\`, `~`, and the pairs
    TeX joins into ligatures (`--`, `''`, ``` `` ```) included."""
    assert unicodedata.normalize("NFC", decode(escape(text)).text) == unicodedata.normalize("NFC", text)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(_EXPORT_CHARACTERS | st.sampled_from(list("abcXYZ 019.,;:()/")), max_size=20).map("".join))
def test_ascii_escaped_text_decodes_back_to_itself(text: str) -> None:
    """The ASCII export's accents, letters and symbols (`{\\'e}`, `{\\'\\i}`, `{\\ss}`, `{?`}`) read back too.
    Dashes and quotation marks side by side stay apart (`––` is `--{}--`, not `----`, which LaTeX reads as `—-`)."""
    assert unicodedata.normalize("NFC", decode(escape(text, ascii=True)).text) == unicodedata.normalize("NFC", text)


# Run in a child process with a wall-clock timeout, so that a regression to super-linear time fails
# the test instead of hanging the suite. Median of seven runs at n and 8n, with the cyclic garbage
# collector paused while timing (its pauses fall on whichever run they fall on); a linear decoder
# grows about 8 times, a quadratic one 64 times: the bound (12) tells them apart with room for noise.
_LINEARITY = r'''
import gc, json, statistics, time
from chilecite.corpus import Corpus
from chilecite.importing import import_bibtex
from chilecite.importing.decoding import decode
from chilecite.importing.limits import raw_value_problem

def fit(pattern, n):
    return (pattern * (n // len(pattern) + 1))[:n]

def check(value):  # the checks are fast: time ten of them
    for _ in range(10):
        assert raw_value_problem(value) is None

SHAPES = {
    "decode: nested accents": (decode, lambda n: fit(r"\'{\"{\v{\c{c}}}}", n), 32768),
    "decode: accents stacked without braces": (decode, lambda n: "\\'\\c" * (n // 4) + "e", 32768),
    "decode: braces nested deep": (decode, lambda n: "{" * (n // 2) + "}" * (n // 2), 32768),
    "decode: brace soup": (decode, lambda n: fit("{a}{{b}}c{", n), 32768),
    "decode: long plain field": (decode, lambda n: fit("Unidad Popular -- y la econom\\'ia ", n), 32768),
    "decode: unknown commands": (decode, lambda n: fit(r"\foo{x}", n), 32768),
    "check: nested accents": (check, lambda n: fit(r"\'{\"{\v{\c{c}}}}", n), 8000),
    "check: brace soup": (check, lambda n: fit("{a}{{b}}c", n), 8000),
    "check: combining marks": (check, lambda n: fit("e\u0301\u0327", n), 8000),
    "import: entries": (lambda text: import_bibtex(text, Corpus()),
                        lambda n: "".join(f"@book{{k{i}, title={{Same}}, author={{Smith, Ann}}, year=1970}}\n" for i in range(n // 60)), 6000),
    "import: one long field": (lambda text: import_bibtex(text, Corpus()),
                               lambda n: "@book{k1970x, title = {" + fit("Unidad Popular ", n) + "}}", 7000),
}

def timed(function, text):
    gc.collect()
    gc.disable()
    start = time.perf_counter()
    function(text)
    elapsed = time.perf_counter() - start
    gc.enable()
    return elapsed

def ratio(function, small, large):
    runs = [(timed(function, small), timed(function, large)) for _ in range(7)]  # interleaved: both sizes see the same load
    return statistics.median(r[1] for r in runs) / max(statistics.median(r[0] for r in runs), 1e-4)

ratios = {}
for name, (function, make, n) in SHAPES.items():
    small, large = make(n), make(8 * n)
    function(small)  # warm up
    ratios[name] = ratio(function, small, large)
    for _ in range(2):  # a busy machine can make one measurement look bad; quadratic time looks bad every time
        if ratios[name] >= 12:
            ratios[name] = min(ratios[name], ratio(function, small, large))
print(json.dumps(ratios))
'''


def test_decoding_and_checking_time_is_linear_in_the_input() -> None:
    done = subprocess.run([sys.executable, "-c", _LINEARITY], capture_output=True, text=True, timeout=120, check=True)
    ratios = json.loads(done.stdout)
    assert {name: ratio for name, ratio in ratios.items() if ratio >= 12} == {}, ratios


# --------------------------------------------------------------------------- @string macros


def test_string_macros_expand_with_concatenation_and_month_macros(corpus: Corpus) -> None:
    bib = ('@string{pf = "Punto"}\n@string{PFS = pf # { Final}}\n'
           "@article{fuente1972cordones, title = {Los cordones}, journal = PFS, year = 1972, month = nov, note = pf # { } # 1972}\n")
    result = import_bibtex(bib, corpus)
    work = result.works["fuente1972cordones"]
    assert (work.container_title, str(work.issued), work.comment) == ("Punto Final", "1972-11", "Punto 1972")
    assert not result.problems


def test_an_undefined_macro_is_reported_and_its_field_left_out(corpus: Corpus) -> None:
    bib = ("@string{pfs = pf # { Final}}\n"
           "@article{fuente1972cordones, title = {Los cordones}, journal = nosuchjournal, publisher = pfs, year = 1972}\n")
    result = import_bibtex(bib, corpus)
    work = result.works["fuente1972cordones"]
    assert work.container_title is None and work.publisher is None and work.title == "Los cordones"
    messages = {p.field: p.message for p in result.problems if p.code == "CC070"}
    assert "nosuchjournal is not defined" in messages["journal"] and "pf (used by @string pfs) is not defined" in messages["publisher"]
    assert "nosuchjournal" not in result.records[0].text


@pytest.mark.parametrize(("strings", "value", "why"), [
    pytest.param("@string{a = b}\n@string{b = a # {x}}\n", "a", "defined through itself", id="circular"),
    pytest.param("@string{a = a}\n", "a", "defined through itself", id="itself"),
    pytest.param("@string{m0 = {x}}\n" + "".join(f"@string{{m{i} = m{i - 1}}}\n" for i in range(1, 40)), "m39", "nested more than 32 deep", id="too-deep"),
    pytest.param("@string{m0 = {xxxxxxxx}}\n" + "".join(f"@string{{m{i} = m{i - 1} # m{i - 1}}}\n" for i in range(1, 30)), "m29",
                 "expan", id="doubling"),
])
def test_macros_beyond_the_limits_refuse_the_entry(strings: str, value: str, why: str, corpus: Corpus) -> None:
    bib = strings + f"@book{{bad1970x, title = {value}, year = 1970}}\n@book{{good1970x, title = {{Fine}}, year = 1970}}\n"
    result = import_bibtex(bib, corpus)
    assert list(result.works) == ["good1970x"]
    (limit,) = [p for p in result.problems if p.code == "CC074"]
    assert limit.record == "bad1970x" and limit.field == "title" and why in limit.message


def test_a_macro_defined_twice_keeps_its_first_definition(corpus: Corpus) -> None:
    bib = '@string{pf = "Punto Final"}\n@string{PF = "Other"}\n@article{fuente1972cordones, title = {T}, journal = pf, year = 1972}\n'
    result = import_bibtex(bib, corpus)
    assert result.works["fuente1972cordones"].container_title == "Punto Final"
    assert [p.code for p in result.problems] == ["CC070"] and "defined twice" in result.problems[0].message


def test_macros_within_the_limits_expand() -> None:
    bib = "@string{m0 = {x}}\n" + "".join(f"@string{{m{i} = m{i - 1}}}\n" for i in range(1, 30)) + "@book{ok1970x, title = m29, year = 1970}\n"
    assert import_bibtex(bib, Corpus()).works["ok1970x"].title == "x"


# --------------------------------------------------------------------------- limits (CC074)


@pytest.mark.parametrize(("value", "why"), [
    pytest.param("x" * (limits.MAX_FIELD_CHARS + 1), "65,536-character limit", id="size"),
    pytest.param("{" * 33 + "x" + "}" * 33, "nested more than 32 deep", id="brace-depth"),
    pytest.param(r"\'{\'{\'{\'{\'{e}}}}}", "more than 4 accent commands", id="stacked-accents"),
    pytest.param("e" + "\u0301\u0327" * 16, "more than 30 combining marks", id="combining-marks"),
])
def test_a_field_over_a_limit_refuses_the_whole_entry(value: str, why: str, corpus: Corpus) -> None:
    bib = f"@book{{bad1970x, author = {{Nobody, Ann}}, title = {{{value}}}, year = 1970}}\n@book{{good1970x, title = {{Fine}}, year = 1970}}\n"
    result = import_bibtex(bib, corpus)
    assert list(result.works) == ["good1970x"] and not result.agents  # nothing of the refused entry, not even its author
    (limit,) = [p for p in result.problems if p.code == "CC074"]
    assert (limit.record, limit.field, limit.line) == ("bad1970x", "title", 1) and why in limit.message


def test_names_nested_deeper_than_the_limit_never_reach_a_recursive_parser(corpus: Corpus) -> None:
    for depth in (50_000, 20_000, 33):
        result = import_bibtex("@book{deep1970x,\n  author = {" + "{" * depth + "A" + "}" * depth + "},\n  title = {T},\n}\n", corpus)
        assert [(p.code, p.field) for p in result.problems] == [("CC074", "author")] and not result.records


def test_unmapped_fields_are_reported_by_size_and_never_decoded(corpus: Corpus) -> None:
    hostile = "{" * 5000 + r"\'" * 5000 + "}" * 5000
    result = import_bibtex(f"@book{{smith1970t, title = {{T}}, year = 1970, abstract = {{{hostile}}}}}\n", corpus)
    assert list(result.works) == ["smith1970t"]
    (unmapped,) = [p for p in result.problems if p.code == "CC070"]
    assert unmapped.field == "abstract" and "20,002 characters" in unmapped.message


def test_an_entry_with_too_many_fields_is_refused(corpus: Corpus) -> None:
    fields = ", ".join(f"f{i} = {{x}}" for i in range(limits.MAX_FIELDS + 1))
    result = import_bibtex(f"@book{{many1970x, title = {{T}}, {fields}}}\n", corpus)
    assert [(p.code, p.record) for p in result.problems] == [("CC074", "many1970x")] and not result.records


def test_a_file_of_too_many_blocks_imports_nothing(corpus: Corpus) -> None:
    result = import_bibtex("@misc{k, title={t}}\n" * (limits.MAX_ENTRIES + 1), corpus)
    assert [p.code for p in result.problems] == ["CC074"] and not result.records


def test_warnings_beyond_the_limit_are_counted_not_listed(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chilecite.importing.problems.MAX_WARNINGS", 3)
    result = import_bibtex("@book{smith1970t, title = {T}, year = 1970, a = 1, b = 2, c = 3, d = 4, e = 5}\n", corpus)
    assert [p.field for p in result.problems] == ["a", "b", "c", None] and "2 more warnings" in result.problems[-1].message


def test_the_limits_are_documented_with_their_numbers() -> None:
    docs = BY_CODE["CC074"].docs
    for number in (limits.MAX_FILE_CHARS, limits.MAX_ENTRIES, limits.MAX_FIELDS, limits.MAX_FIELD_CHARS, limits.MAX_BRACE_DEPTH,
                   limits.MAX_ACCENT_CHAIN, limits.MAX_COMBINING_RUN, limits.MAX_MACRO_DEPTH, limits.MAX_PARENT_DEPTH):
        assert f"{number:,}" in docs, number
    import chilecite.importing

    for number in (limits.MAX_FILE_CHARS, limits.MAX_ENTRIES, limits.MAX_FIELDS, limits.MAX_FIELD_CHARS, limits.MAX_BRACE_DEPTH,
                   limits.MAX_ACCENT_CHAIN, limits.MAX_COMBINING_RUN, limits.MAX_MACRO_DEPTH, limits.MAX_PARENT_DEPTH, limits.MAX_WARNINGS):
        assert f"{number:,}" in (chilecite.importing.__doc__ or ""), number


# --------------------------------------------------------------------------- what is written validates (CC075)


@pytest.mark.parametrize("character", [pytest.param("\x00", id="NUL"), pytest.param("\x1b", id="ESC"),
                                       pytest.param("\u202e", id="bidi-override"), pytest.param("\x85", id="C1")])
def test_control_characters_refuse_the_entry(character: str, corpus: Corpus) -> None:
    result = import_bibtex(f"@book{{bad1970x, title = {{A{character}B}}, year = 1970}}\n@book{{good1970x, title = {{Fine}}, year = 1970}}\n", corpus)
    assert list(result.works) == ["good1970x"]
    assert [(p.code, p.record, p.field) for p in result.problems] == [("CC075", "bad1970x", "title")]
    assert all(character not in record.text for record in result.records)


@pytest.mark.parametrize(("fields", "code"), [
    pytest.param("date = {1990}", "CC041", id="after-the-essay"),
    pytest.param("isbn = {0-14-021763-4}", "CC043", id="isbn-check-digit"),
    pytest.param("date = {1973/1970}", "CC040", id="range-backwards"),
    pytest.param("pages = {86--45}", "CC042", id="pages-backwards"),
])
def test_a_record_that_would_not_validate_is_refused_with_the_reason(fields: str, code: str, corpus: Corpus) -> None:
    result = import_bibtex(f"@book{{smith1970t, title = {{T}}, {fields}}}\n", corpus)
    assert not result.records
    (refusal,) = [p for p in result.problems if p.severity is Severity.error]
    assert refusal.code == "CC075" and refusal.record == "smith1970t" and code in refusal.message


def test_parents_that_form_a_cycle_are_refused_and_so_are_their_children(corpus: Corpus) -> None:
    bib = ("@incollection{a1970x, title = {A}, crossref = {b1970x}}\n@incollection{b1970x, title = {B}, crossref = {a1970x}}\n"
           "@incollection{c1970x, title = {C}, crossref = {a1970x}}\n@book{d1970x, title = {D}}\n")
    result = import_bibtex(bib, corpus)
    assert list(result.works) == ["d1970x"]
    assert {(p.code, p.record) for p in result.problems} == {("CC075", "a1970x"), ("CC075", "b1970x"), ("CC075", "c1970x")}
    assert all("cycle" in p.message for p in result.problems)


def test_a_child_of_a_refused_entry_is_refused(corpus: Corpus) -> None:
    bib = "@book{book1970x, title = {A\x1bB}}\n@incollection{chapter1970x, title = {C}, crossref = {book1970x}}\n"
    result = import_bibtex(bib, corpus)
    assert not result.records
    assert [(p.code, p.record) for p in result.problems] == [("CC075", "book1970x"), ("CC075", "chapter1970x")]


def test_a_second_entry_of_a_key_leaves_the_first_and_its_children(corpus: Corpus) -> None:
    bib = "@book{book1970x, title = {B}}\n@book{book1970x, title = {B again}}\n@incollection{ch1970x, title = {C}, crossref = {book1970x}}\n"
    result = import_bibtex(bib, corpus)
    assert result.works["ch1970x"].parent == "book1970x" and result.works["book1970x"].title == "B"
    assert [p.code for p in result.problems] == ["CC071"]


def test_a_chain_of_parents_longer_than_the_limit_is_refused(corpus: Corpus) -> None:
    depth = limits.MAX_PARENT_DEPTH + 2
    bib = "".join(f"@incollection{{w{i}1970x, title = {{W{i}}}, crossref = {{w{i + 1}1970x}}}}\n" for i in range(depth)) + \
        f"@book{{w{depth}1970x, title = {{Top}}}}\n"
    result = import_bibtex(bib, corpus)
    assert {p.record for p in result.problems if p.code == "CC074"} == {"w01970x", "w11970x"}
    assert len(result.works) == depth - 1


@pytest.mark.parametrize(("entry", "devised"), [
    pytest.param("@article{elmercurio1973sep12, entrysubtype = {newspaper}, journaltitle = {El Mercurio}, date = {1973-09-12}}",
                 "[Newspaper article]", id="newspaper-item"),
    pytest.param("@article{elmercurio1973sep12, entrysubtype = {newspaper}, journaltitle = {El Mercurio}, keywords = {land reform}, date = {1973-09-12}}",
                 "[Newspaper article on land reform]", id="newspaper-item-with-a-subject"),
    pytest.param("@misc{allende1972speech, type = {speech}, date = {1972-04-13}}", "[Document]", id="genre-only"),
    pytest.param("@misc{allende1972unctad, author = {Allende, Salvador}, type = {speech}, eventtitle = {UNCTAD [III]}, year = 1972,"
                 " keywords = {nationalisation; copper; the Constitution; foreign debt}}",
                 "[Document on nationalisation, copper and the Constitution]", id="three-subjects-at-most"),
    pytest.param("@incollection{x1973y, crossref = {allende1973chiles}}", "[Chapter]", id="chapter-of-a-corpus-book"),
])
def test_an_untitled_entry_gets_a_devised_title_from_its_nature_and_subject(entry: str, devised: str, corpus: Corpus, tmp_path: Path) -> None:
    """RDA 2.3.2.11: what the work is (the noun of its type) and what it is about (its keywords), never
    the author, journal, genre or event a citation prints beside it: the validator finds nothing to
    say of the record (no CC066 error, no CC067 warning)."""
    result = import_bibtex(entry + "\n", corpus)
    (work,) = result.works.values()
    assert work.title is None and work.devised_title == devised
    _assert_valid(result, tmp_path)
    assert not [p for p in validate(_corpus_of(result), None).problems if p.code in ("CC066", "CC067")]


@pytest.mark.parametrize("entry", [pytest.param("@misc{only1970key}", id="only-a-key"), pytest.param("@book{book1970x, year = 1970}", id="only-a-type")])
def test_an_untitled_entry_with_nothing_to_describe_it_is_refused(entry: str, corpus: Corpus) -> None:
    result = import_bibtex(entry + "\n", corpus)
    assert not result.records and [p.code for p in result.problems if p.severity is Severity.error] == ["CC075"]


# --------------------------------------------------------------------------- reading


def test_fields_after_an_extra_brace_refuse_the_entry(corpus: Corpus) -> None:
    bib = "@book{stray1970x,\n  title = {A title}},\n  year = {1970},\n  author = {Smith, Ann},\n}\n\n@book{good1970x, title = {Fine}}\n"
    result = import_bibtex(bib, corpus)
    assert list(result.works) == ["good1970x"]
    (unparsed,) = result.problems
    assert (unparsed.code, unparsed.record, unparsed.line) == ("CC071", "stray1970x", 1) and "(year, author)" in unparsed.message


def test_a_value_that_is_not_bibtex_refuses_the_entry(corpus: Corpus) -> None:
    result = import_bibtex("@book{bad1970x, title = {A} trailing, year = 1970}\n", corpus)
    assert not result.records and [(p.code, p.field) for p in result.problems] == [("CC071", "title")]


def test_a_field_given_twice_keeps_the_first_and_reports_the_second(corpus: Corpus) -> None:
    result = import_bibtex("@book{smith1970t, title = {First}, title = {Second}, year = 1970}\n", corpus)
    assert result.works["smith1970t"].title == "First"
    assert [(p.code, p.field) for p in result.problems] == [("CC070", "title")]


def test_many_look_alike_entries_get_distinct_keys(corpus: Corpus) -> None:
    bib = "".join(f"@book{{K{i}, title = {{Same}}, author = {{Smith, Ann}}, year = 1970}}\n" for i in range(300))
    result = import_bibtex(bib, corpus)
    assert len(result.works) == 300 and list(result.works)[:3] == ["smith1970same", "smith1970sameb", "smith1970samec"]
    assert list(result.works)[26] == "smith1970sameba"


def test_overlong_keys_and_names_make_short_file_names(corpus: Corpus) -> None:
    bib = "@book{a1970" + "x" * 300 + ", author = {{" + "Org " * 200 + "}}, title = {" + "Word" * 100 + "}}\n"
    result = import_bibtex(bib, corpus)
    assert all(len(record.id) <= 64 for record in result.records) and len(result.records) == 2


# --------------------------------------------------------------------------- the file and the tree


def test_a_file_over_the_size_limit_imports_nothing(tmp_path: Path, corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "MAX_INPUT_BYTES", 100)
    bib = tmp_path / "big.bib"
    bib.write_text("@book{smith1970t, title = {" + "x" * 200 + "}}\n", encoding="utf-8")
    outcome = import_file(bib, corpus, tmp_path / "records", write=True)
    assert [p.code for p in outcome.report.problems] == ["CC074"] and not outcome.written and not (tmp_path / "records").exists()


def test_a_file_that_is_not_utf8_imports_nothing(tmp_path: Path, corpus: Corpus) -> None:
    bib = tmp_path / "latin1.bib"
    bib.write_bytes("@book{smith1970t,\n title = {Garcés}}\n".encode("latin-1"))
    outcome = import_file(bib, corpus, tmp_path / "records", write=True)
    assert [(p.code, p.line) for p in outcome.report.problems] == [("CC071", 2)] and outcome.report.exit_code() == 1


@pytest.mark.parametrize("umask", [pytest.param(0o022, id="022"), pytest.param(0o077, id="077")])
def test_written_records_get_the_mode_the_umask_gives(umask: int, tmp_path: Path, corpus: Corpus) -> None:
    result = import_bibtex((FIXTURES / "jabref.bib").read_text(encoding="utf-8"), corpus)
    previous = os.umask(umask)
    try:
        refusals, written = write_records(result, tmp_path)
    finally:
        os.umask(previous)
    assert not refusals and written
    assert {oct(path.stat().st_mode & 0o777) for path in written} == {oct(0o666 & ~umask)}


def _race(out: Path, results: dict[str, ImportResult]) -> dict[str, tuple]:
    """Write each result into `out` from its own thread, all released at once; what each write returned."""
    barrier, outcomes = threading.Barrier(len(results)), {}

    def write(name: str) -> None:
        barrier.wait()
        outcomes[name] = write_records(results[name], out)

    threads = [threading.Thread(target=write, args=(name,)) for name in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_imports_of_the_same_key_never_overwrite(tmp_path: Path, corpus: Corpus) -> None:
    """Two imports race for the same records: one writes all of its files, the other none, in every round."""
    results = {name: import_bibtex(f"@book{{smith1970race, author = {{Smith, Ann}}, title = {{{name}}}, year = 1970}}\n", corpus)
               for name in ("Mine", "Theirs")}
    for round_ in range(25):
        out = tmp_path / f"round{round_}"
        outcomes = _race(out, results)
        winners = [name for name, (_, written) in outcomes.items() if written]
        assert len(winners) <= 1, outcomes
        assert all(refusals and {p.code for p in refusals} == {"CC073"} for name, (refusals, _) in outcomes.items() if name not in winners)
        if winners:
            assert (out / "works" / "smith1970race.yaml").read_text(encoding="utf-8") == results[winners[0]].records[0].text
            assert sorted(p.name for p in out.rglob("*.yaml")) == ["smith-ann.yaml", "smith1970race.yaml"]
        assert not [p for p in out.rglob("*") if p.name.endswith(".chilecite-tmp")]


@pytest.mark.parametrize(("entry", "issued", "issue", "event_date"), [
    pytest.param("@article{k1984x, title = {T}, date = {1984}, number = {22}, issue = {Winter}}", "1984-24", "22", None, id="biblatex-season-issue"),
    pytest.param("@article{k1984x, title = {T}, year = {1984}, month = {Winter}}", "1984-24", None, None, id="bibtex-season-month"),
    pytest.param("@article{k1984x, title = {T}, date = {1984?}, issue = {fall}}", "1984-23?", None, None, id="fall-is-autumn-flags-kept"),
    pytest.param("@article{k1984x, title = {T}, date = {1984-05}, issue = {Winter}}", "1984-05", "Winter", None, id="a-month-known-issue-is-an-issue"),
    pytest.param("@article{k1984x, title = {T}, date = {1984}, issue = {3}}", "1984", "3", None, id="a-numbered-issue"),
    pytest.param("@unpublished{k1967x, title = {T}, date = {1967-11}, eventtitle = {A congress}, eventdate = {1967-11-24/1967-11-26}}",
                 "1967-11", None, "1967-11-24/1967-11-26", id="eventdate"),
])
def test_seasons_and_event_dates_are_read_into_their_fields(entry: str, issued: str, issue: str | None, event_date: str | None) -> None:
    """What chilecite's exports write for a season (BibLaTeX `issue`, BibTeX `month`) and an event's
    dates (`eventdate`) comes back in the model's fields."""
    work, result = _work(entry + "\n")
    assert (str(work.issued), work.issue, str(work.event_date) if work.event_date else None) == (issued, issue, event_date)
    assert _unmapped(result) == []
