"""Exporters on the bundled corpus and on arbitrary works: types, titles, provenance, casing, round trips.

Expected outputs a reviewer reads are files beside the tests, in tests/snapshots/exports/. What a
real client makes of the exports (bibtex, biber, pandoc, citeproc-js, citation-js, Better BibTeX's
parser) is in tests/interop/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares.latex_encoding import _PyStringTransformerMiddleware
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from chilecite.cli import cli
from chilecite.corpus import Corpus
from chilecite.export import ExportOptions, export_biblatex, export_bibtex, export_csl_items, export_csl_json, export_ris, parse_note_ranges
from chilecite.export.casing import ProperNouns, protected_words, words
from chilecite.export.common import TYPES, select_items, type_table_markdown
from chilecite.loading import load_corpus
from chilecite.models import Citation, Level, Note, NoteAnchor, Organisation, Person, Work
from tests import strategies as s
from tests.support import CSL_SCHEMA, ROOT, require

EXPECTED = Path(__file__).resolve().parent / "snapshots" / "exports"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


class _ChileciteDecoding(_PyStringTransformerMiddleware):
    """bibtexparser's decoding step with chilecite's own LaTeX decoder (the importer's): one decoder
    reads back what the exporter writes, in the tests as in `chilecite import bibtex`."""

    @staticmethod
    def metadata_key() -> str:
        return "chilecite_latex_decoding"

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        import unicodedata

        from chilecite.importing.decoding import decode

        return unicodedata.normalize("NFC", decode(python_string).text), ""


def _library(bib: str):
    library = bibtexparser.parse_string(bib, append_middleware=[_ChileciteDecoding(allow_inplace_modification=True)])
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return library


def _parse(bib: str) -> dict[str, dict[str, str]]:
    return {e.key: {f.key: f.value for f in e.fields} for e in _library(bib).entries}


def _raw_fields(bib: str) -> dict[str, dict[str, str]]:
    """Field values as written (LaTeX and braces kept)."""
    library = bibtexparser.parse_string(bib)
    return {e.key: {f.key: f.value for f in e.fields} for e in library.entries}


def _plain(value: str) -> str:
    """What a reader sees: case-protection braces and \\emph{} gone."""
    return re.sub(r"\\emph\{(.*?)\}", r"\1", value)


def _expected_table(name: str) -> list[list[str]]:
    lines = (EXPECTED / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


# --------------------------------------------------------------------------- titles, types, provenance


def test_every_work_has_a_title_or_a_devised_title_in_every_format(corpus: Corpus) -> None:
    items = select_items(corpus, ExportOptions())
    assert len(items) == len(corpus.works) == 24
    titles = {i.key: i.title for i in items}
    assert all(titles.values())
    assert sum(1 for i in items if i.devised) == 10
    csl = {i["id"]: i["title"] for i in export_csl_items(corpus)}
    ris = {r["id"]: r["title"] for r in rispy.loads(export_ris(corpus))}
    assert csl == ris == titles
    for exporter in (export_bibtex, export_biblatex):
        parsed = _parse(exporter(corpus))
        assert {k: _plain(v["title"]) for k, v in parsed.items()} == titles
    assert titles["financialtimes1973aug09"] == "[Report on arms searches by the armed forces]"  # the records' devised title, brackets kept


def test_entry_types_say_what_each_work_is(corpus: Corpus) -> None:
    """tests/snapshots/exports/types.tsv: for each work, the type read back from every export."""
    bibtex = {e.key: e.entry_type for e in _library(export_bibtex(corpus)).entries}
    biblatex = {e.key: (e.entry_type, e.fields_dict["entrysubtype"].value if "entrysubtype" in e.fields_dict else "-") for e in _library(export_biblatex(corpus)).entries}
    csl = {i["id"]: i["type"] for i in export_csl_items(corpus)}
    ris = {r["id"]: r["type_of_reference"] for r in rispy.loads(export_ris(corpus))}
    got = [[key, bibtex[key], biblatex[key][0], biblatex[key][1], csl[key], ris[key]] for key in sorted(csl)]
    assert got == _expected_table("types.tsv")


def test_misc_only_for_works_that_have_no_classic_bibtex_type(corpus: Corpus) -> None:
    misc = {e.key for e in _library(export_bibtex(corpus)).entries if e.entry_type == "misc"}
    kinds = {i.key: i.kind for i in select_items(corpus, ExportOptions())}
    assert misc == {k for k, kind in kinds.items() if kind in ("speech", "broadcast", "interview", "letter", "open-letter", "document")}
    assert len(misc) == 9  # of 24; before, 17 (an edited book among them)
    assert kinds["zammit1973chilean"] == "edited-book" and "zammit1973chilean" not in misc


def test_type_table_in_the_docs_is_the_one_the_code_uses() -> None:
    assert type_table_markdown() in (ROOT / "docs" / "exports.md").read_text(encoding="utf-8")
    assert set(TYPES) >= {"book", "edited-book", "chapter", "in-book", "article-journal", "article-magazine", "article-newspaper",
                          "speech", "broadcast", "interview", "letter", "document"}


PROVENANCE = re.compile(r"Cited in|Identification levels|host essay|Contains a work cited")


def test_provenance_is_never_in_a_printed_field_and_always_in_a_kept_one(corpus: Corpus) -> None:
    for exporter, kept in ((export_bibtex, "annote"), (export_biblatex, "annote")):  # the field Zotero and biber both read
        for key, fields in _parse(exporter(corpus)).items():
            printed = {k: v for k, v in fields.items() if k not in (kept, "keywords")}
            assert not any(PROVENANCE.search(v) for v in printed.values()), (key, printed)
            assert PROVENANCE.search(fields[kept]), key
    for item in export_csl_items(corpus):
        assert "note" not in item and "annote" not in item
        assert PROVENANCE.search(item["custom"]["chilecite"]["provenance"])
    for ref in rispy.loads(export_ris(corpus)):
        assert PROVENANCE.search(ref["notes"][-1])
        assert not any(PROVENANCE.search(str(v)) for k, v in ref.items() if k != "notes")


def test_provenance_names_the_notes_and_levels(corpus: Corpus) -> None:
    annote = _parse(export_bibtex(corpus))["allende1971chilean"]["annote"]
    assert annote.startswith("Cited in Gonzalez 1984, note 16 (verified), note 24 (verified).")
    custom = next(i for i in export_csl_items(corpus) if i["id"] == "allende1971chilean")["custom"]["chilecite"]
    assert custom["notes"] == [{"note": 16, "level": "verified"}, {"note": 24, "level": "verified"}]
    assert custom["best_level"] == "verified"


# --------------------------------------------------------------------------- dates and occasions


def test_a_speech_printed_in_a_book_is_dated_by_the_book(corpus: Corpus) -> None:
    """"Santiago, Penguin Books, May 21, 1971" mixed the 1971 speech with the 1973 book."""
    item = next(i for i in export_csl_items(corpus) if i["id"] == "allende1971chilean")
    assert (item["type"], item["container-title"]) == ("chapter", "Chile's Road to Socialism")
    assert item["issued"] == {"date-parts": [[1973]]}
    assert item["original-date"] == {"date-parts": [[1971, 5, 21]]}
    assert "genre" not in item  # CSL's genre of a chapter reads "… to <book>"
    fields = _parse(export_biblatex(corpus))["allende1971chilean"]
    assert (fields["date"], fields["origdate"]) == ("1973", "1971-05-21")


def test_an_event_date_is_the_events_not_the_works(corpus: Corpus) -> None:
    """The Chillán congress met 24–26 November 1967; the resolutions are dated November 1967. As
    `issued` the range was the wrong fact (and crashed citeproc-py's chicago-author-date)."""
    item = next(i for i in export_csl_items(corpus) if i["id"] == "partido1967chillan")
    assert item["issued"] == {"date-parts": [[1967, 11]]}
    assert item["event-date"] == {"date-parts": [[1967, 11, 24], [1967, 11, 26]]}
    assert item["event-title"] == "Congreso General, Chillán"
    biblatex = _parse(export_biblatex(corpus))["partido1967chillan"]
    assert biblatex["date"] == "1967-11" and "eventdate" not in biblatex  # biblatex's @misc has no event fields: said in words
    assert "Congreso General, Chillán, 24–26 November 1967." in biblatex["note"]
    assert "Congreso General, Chillán, 24–26 November 1967" in _parse(export_bibtex(corpus))["partido1967chillan"]["howpublished"]
    ris = next(r for r in rispy.loads(export_ris(corpus)) if r["id"] == "partido1967chillan")
    assert ris["date"] == "1967/11//" and "Held 24–26 November 1967." in ris["notes"]


def test_an_event_date_is_biblatex_eventdate_where_the_type_has_one() -> None:
    """A speech is biblatex's @unpublished, which has `eventtitle` and `eventdate`."""
    work = Work(type="speech", title="A talk", issued="1967-11", event="A congress", event_date="1967-11-24/1967-11-26")
    note = Note(number=1, anchor=NoteAnchor(paragraph=1, before="x"), supports=["claim"], status="identified",
                citations=[Citation(work="x1967talk", level="stated", basis="a test")])
    fields = _parse(export_biblatex(Corpus(works={"x1967talk": work}, notes={1: note})))["x1967talk"]
    assert (fields["date"], fields["eventtitle"], fields["eventdate"]) == ("1967-11", "A congress", "1967-11-24/1967-11-26")


@pytest.mark.parametrize("key", ["marx1875critique", "lenin1918proletarian"])
def test_a_work_whose_edition_is_unknown_is_cited_by_its_first_publication(corpus: Corpus, key: str) -> None:
    """No "n.d." for a work whose date is known: with no edition date recorded, the original date is
    the date cited, marked as such; no edition date is made up."""
    work = corpus.works[key]
    assert work.issued is None and work.original_date is not None
    item = next(i for i in export_csl_items(corpus) if i["id"] == key)
    assert item["issued"] == {"date-parts": [[work.original_date.start.year]]} and "original-date" not in item
    assert item["custom"]["chilecite"]["date_is_first_publication"] is True
    assert _parse(export_biblatex(corpus))[key]["date"] == str(work.original_date)
    assert "origdate" not in _parse(export_biblatex(corpus))[key]
    assert _parse(export_bibtex(corpus))[key]["year"] == str(work.original_date.start.year)
    assert next(r for r in rispy.loads(export_ris(corpus)) if r["id"] == key)["year"] == str(work.original_date.start.year)


def test_a_season_is_an_issue_in_biblatex_a_month_in_bibtex(corpus: Corpus) -> None:
    """The essay is Winter 1984: BibLaTeX `date = {1984}`, `issue = {Winter}` (Typst's reader prints
    the EDTF `1984-24` as "n.d."); BibTeX `month = {Winter}`, printed "Winter 1984" by plain.bst;
    CSL-JSON `season`; RIS `DA  - 1984///Winter`."""
    biblatex = _raw_fields(export_biblatex(corpus))["gonzalez1984left"]
    assert (biblatex["date"], biblatex["issue"], biblatex["number"]) == ("1984", "Winter", "22")
    bibtex = _raw_fields(export_bibtex(corpus))["gonzalez1984left"]
    assert (bibtex["year"], bibtex["month"]) == ("1984", "Winter") and "note" not in bibtex
    item = next(i for i in export_csl_items(corpus) if i["id"] == "gonzalez1984left")
    assert item["issued"] == {"date-parts": [[1984]], "season": 4, "raw": "1984-24"}
    ris = next(r for r in rispy.loads(export_ris(corpus)) if r["id"] == "gonzalez1984left")
    assert (ris["year"], ris["date"]) == ("1984", "1984///Winter")


# --------------------------------------------------------------------------- title casing


def test_bibtex_titles_protect_only_what_must_keep_its_capitals(corpus: Corpus) -> None:
    """tests/snapshots/exports/bibtex-titles.tsv: every title as BibTeX and BibLaTeX write it."""
    bibtex = _raw_fields(export_bibtex(corpus))
    biblatex = _raw_fields(export_biblatex(corpus))
    got = [[key, bibtex[key]["title"]] for key in sorted(bibtex)]
    assert got == _expected_table("bibtex-titles.tsv")
    assert all(biblatex[key]["title"] == bibtex[key]["title"] for key in bibtex)


def test_proper_nouns_come_from_the_records_not_from_a_list(corpus: Corpus) -> None:
    nouns = ProperNouns.from_corpus(corpus)
    assert "Chile" in nouns.words and "Kautsky" in nouns.words  # from events and quotation occasions
    assert "Socialism" not in nouns.words and ("International", "Socialism") in nouns.phrases  # a journal's name is one name
    title = "The Coup in Ruritania"
    assert protected_words(title, "en", nouns) == set()  # title case, and no record knows Ruritania
    with_agent = Corpus(works=corpus.works, agents={**corpus.agents, "r": Organisation(kind="organisation", name="Ruritania")},
                        notes=corpus.notes, quotations=corpus.quotations)
    assert protected_words(title, "en", ProperNouns.from_corpus(with_agent)) == {3}
    assert protected_words("The left and the coup in Ruritania", "en", nouns) == {6}  # sentence case: its capitals are meant
    assert protected_words("Programa básico de gobierno", "es", nouns) == set()
    assert protected_words("Historia de la Revolución Rusa", "es", nouns) == {3, 4}  # a Spanish title keeps its own capitals
    assert words("Chile's Road") == ["Chile's", "Road"]


# --------------------------------------------------------------------------- round trips and formats


@pytest.mark.parametrize("exporter", [export_bibtex, export_biblatex], ids=["bibtex", "biblatex"])
def test_bib_round_trip_gives_back_titles_names_dates_pages(corpus: Corpus, exporter) -> None:
    parsed = _parse(exporter(corpus))
    items = {i.key: i for i in select_items(corpus, ExportOptions())}
    for key, fields in parsed.items():
        item, work = items[key], corpus.works[key]
        assert _plain(fields["title"]) == item.title, key
        if work.pages:
            assert fields["pages"] == str(work.pages), key  # LaTeX "--" decodes to the en dash
        if item.issued:
            date = fields.get("date") or fields.get("year")
            assert date in (str(item.issued), str(item.issued.start.year)), key
        for agent_id, name in zip(work.authors, fields.get("author", "").split(" and "), strict=False):
            agent = corpus.agents[agent_id]
            expected = agent.name if isinstance(agent, Organisation) else agent.family
            assert expected in _plain(name), key


def test_ris_reads_back_with_rispy(corpus: Corpus) -> None:
    refs = {r["id"]: r for r in rispy.loads(export_ris(corpus))}
    items = {i.key: i for i in select_items(corpus, ExportOptions())}
    assert set(refs) == set(items)
    for key, item in items.items():
        ref = refs[key]
        assert ref["type_of_reference"] == item.types.ris
        assert ref.get("authors", []) == [a.name + "," if isinstance(a, Organisation) else ", ".join(p for p in (a.family, a.given) if p) for a in item.authors]
        assert ref.get("year") == (f"{item.issued.start.year}" if item.issued else None)
    assert refs["zammit1973chilean"]["tertiary_authors"] == ["Zammit, J. Ann"]  # a book's editors: A3
    assert refs["allende1971chilean"]["secondary_authors"] == ["Garcés, Joan E."]  # a chapter's: A2
    assert refs["gonzalez1984left"]["date"] == "1984///Winter"
    assert not export_ris(corpus).startswith("1.")  # no counter lines: they are no part of RIS


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


def test_organisations_are_single_names_everywhere(corpus: Corpus) -> None:
    bib, csl = export_bibtex(corpus), export_csl_items(corpus)
    ris = {r["id"]: r for r in rispy.loads(export_ris(corpus))}
    for key, work in corpus.works.items():
        for agent_id in work.authors:
            agent = corpus.agents[agent_id]
            if isinstance(agent, Organisation):
                assert {"literal": agent.name} in next(i for i in csl if i["id"] == key)["author"]
                assert "{" + agent.name + "}" in bib
                assert agent.name + "," in ris[key]["authors"]  # a family name with no given name, kept whole (pandoc splits a bare one)


def test_output_is_deterministic(corpus: Corpus) -> None:
    for exporter in (export_bibtex, export_biblatex, export_csl_json, export_ris):
        assert exporter(corpus) == exporter(load_corpus())


def test_the_writer_copies_no_block(corpus: Corpus, monkeypatch) -> None:
    """The entries are built for the writer alone, so bibtexparser encloses them in place rather than
    deep-copying the library first (its default; about half the export's time)."""
    import bibtexparser.middlewares.middleware as middleware

    def no_copy(*args, **kwargs):
        raise AssertionError("the BibTeX writer deep-copied a block")

    monkeypatch.setattr(middleware, "deepcopy", no_copy, raising=False)
    assert export_bibtex(corpus).count("\n@") == 24


def test_ascii_bibtex_has_no_non_ascii_and_decodes_back(corpus: Corpus) -> None:
    ascii_bib = export_bibtex(corpus, ExportOptions(ascii=True))
    assert ascii_bib.isascii()
    utf8 = _parse(export_bibtex(corpus))
    for key, fields in _parse(ascii_bib).items():
        for name in ("title", "annote", "author"):
            if name in fields:
                assert _plain(fields[name]).replace("``", "“").replace("''", "”") == _plain(utf8[key][name]).replace("``", "“").replace("''", "”"), key


@pytest.mark.parametrize("fmt", ["bibtex", "ris"])
def test_export_to_a_file_is_atomic(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "out"
    target.write_text("previous contents", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", fmt, "-o", str(target)], catch_exceptions=False)
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith({"bibtex": "% BibTeX export", "ris": "TY  - "}[fmt])
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary file left behind


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
            assert _plain(fields["title"]) == work.title
        if work.pages:
            assert fields["pages"] == str(work.pages)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(work=s.works, person=s.persons, org=s.organisations)
def test_any_work_exports_to_ris_that_rispy_reads_back(work: Work, person: Person, org: Organisation) -> None:
    corpus = _single_work_corpus(work, {"a-person": person, "an-org": org})
    (ref,) = rispy.loads(export_ris(corpus, ExportOptions(include_essay=False)))
    assert ref["id"] == "key1973work"
    if work.title:
        assert ref["title"] == work.title
    assert len(ref["authors"]) == 2


@settings(max_examples=150, deadline=None)
@given(work=s.works, person=s.persons, org=s.organisations)
def test_any_work_exports_to_schema_valid_csl_json(work: Work, person: Person, org: Organisation) -> None:
    import jsonschema

    schema = json.loads(require(CSL_SCHEMA).read_text(encoding="utf-8"))
    jsonschema.validate(export_csl_items(_single_work_corpus(work, {"a-person": person, "an-org": org}), ExportOptions(include_essay=False)), schema)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(work=s.works, person=s.persons, org=s.organisations)
def test_any_work_renders_in_every_bundled_style(work: Work, person: Person, org: Organisation) -> None:
    """No record and style crash chilecite's citeproc-py: any dates (ranges, seasons, circa, an event's
    days, a first publication standing for an unknown edition), any names and text."""
    from chilecite.processor import render_item, resolve_style, work_item
    from chilecite.styles import BUNDLED_STYLES

    corpus = _single_work_corpus(work, {"a-person": person, "an-org": org})
    item = work_item(corpus, "key1973work")
    for name in BUNDLED_STYLES:
        rendered = render_item(resolve_style(name), item)
        assert rendered.citation.strip()
