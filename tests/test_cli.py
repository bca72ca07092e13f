"""The CLI is a thin renderer: its JSON equals the library's result; usage errors exit 2; nothing tracebacks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from chilecite import __version__
from chilecite.cli import cli
from chilecite.listing import notes_data, stats
from chilecite.search import quotation_record, select_quotations
from chilecite.loading import load_corpus
from chilecite.report import render_json
from chilecite.rules import validate
from chilecite.text import ReferenceText


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str, code: int = 0):
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def test_version(runner) -> None:
    assert run(runner, "--version").output.strip() == f"chilecite, version {__version__}"


@pytest.mark.parametrize(("args", "library"), [
    pytest.param(("notes", "--format", "json"), lambda c: notes_data(c), id="notes"),
    pytest.param(("stats", "--format", "json"), lambda c: stats(c), id="stats"),
    pytest.param(("quotes", "--format", "json"), lambda c: [quotation_record(c, qid, q) for qid, q in select_quotations(c)], id="quotes"),
])
def test_json_listings_equal_the_library_result(runner, args, library) -> None:
    payload = json.loads(run(runner, *args).output)
    assert payload == json.loads(json.dumps(library(load_corpus()), ensure_ascii=False))


def test_validate_json_equals_the_library_report(runner, essay_path) -> None:
    output = run(runner, "--essay", str(essay_path), "validate", "--format", "json").output
    assert output == render_json(validate(load_corpus(), ReferenceText.from_file(essay_path)))


def test_validate_without_text_names_the_skipped_rules(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CHILECITE_ESSAY", str(tmp_path / "absent.txt"))
    output = run(runner, "validate").output
    assert "skipped: CC021" in output and "skipped: CC022" in output


def test_show_prints_a_note_with_its_anchor_and_sources(runner) -> None:
    note = load_corpus().notes[32]
    output = run(runner, "show", "32").output
    assert note.anchor.before in output and "financialtimes1973aug09" in output and "[stated]" in output


@pytest.mark.parametrize("args", [
    pytest.param(("show", "87"), id="note-out-of-range"),
    pytest.param(("export", "endnote"), id="unknown-format"),
    pytest.param(("export", "bibtex", "--min-level", "guessed"), id="unknown-level"),
    pytest.param(("validate", "--format", "xml"), id="unknown-report-format"),
    pytest.param(("frobnicate",), id="unknown-command"),
])
def test_usage_errors_exit_2(runner, args) -> None:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 2 and "Error" in result.output


def test_validate_strict_turns_warnings_into_failure(runner, tmp_path) -> None:
    work = tmp_path / "works" / "nobody1973uncited.yaml"
    work.parent.mkdir()
    work.write_text("type: book\ntitle: Uncited\nissued: '1973'\n", encoding="utf-8")
    assert "CC061" in run(runner, "validate", str(work)).output
    run(runner, "validate", "--strict", str(work), code=1)


def test_select_and_ignore_filter_codes(runner, tmp_path) -> None:
    work = tmp_path / "works" / "Bad-Key.yaml"
    work.parent.mkdir()
    work.write_text("type: book\ntitle: Uncited\nissued: '1999'\n", encoding="utf-8")
    everything = run(runner, "validate", str(work), code=1).output
    assert "CC041" in everything and "CC007" in everything
    assert "CC041" not in run(runner, "validate", "--ignore", "CC041", str(work), code=1).output
    only = run(runner, "validate", "--select", "CC041", str(work), code=1).output
    assert "CC041" in only and "CC007" not in only


@pytest.mark.parametrize("kind", ["work", "agent"])
def test_new_skeletons_are_valid_records(runner, tmp_path, kind: str) -> None:
    directory = tmp_path / f"{kind}s"
    directory.mkdir()
    path = directory / ("skeleton1973title.yaml" if kind == "work" else "family-given.yaml")
    path.write_text(run(runner, "new", kind).output, encoding="utf-8")
    report = json.loads(run(runner, "validate", "--format", "json", "--ignore", "CC013,CC061", str(path)).output)
    assert report["summary"]["errors"] == 0


def test_new_quotation_is_anchored_from_its_words(runner, essay_path, tmp_path) -> None:
    output = run(runner, "--essay", str(essay_path), "new", "quotation", "--exact", "History is ours and it is made by the people").output
    assert "TextPositionSelector" in output and "paragraph: 124" in output
    run(runner, "--essay", str(essay_path), "new", "quotation", "--exact", "words the essay never prints", code=2)
