"""The command line: a thin renderer over the library, and forgiving of the usual mistakes.

JSON output equals the library's result (plus the records tree it used); every usage mistake exits 2
with a message naming what was wrong and, where there is one, the nearest valid choice; a broken
corpus stops every command that reads it with the validator's report (exit 1).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite import __version__
from chilecite.cli import cli
from chilecite.listing import notes_data, stats
from chilecite.loading import load_corpus
from chilecite.report import report_payload
from chilecite.rules import validate
from chilecite.search import quotation_record, select_quotations
from chilecite.text import ReferenceText
from tests.support import RECORDS, copy_records

ROOT = Path(__file__).resolve().parents[1]
QID = "allende-history-is-ours"


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_version() -> None:
    assert run("--version").stdout.strip() == f"chilecite, version {__version__}"


@pytest.mark.parametrize(("args", "key", "library"), [
    pytest.param(("notes", "--format", "json"), "notes", lambda c: notes_data(c), id="notes"),
    pytest.param(("stats", "--format", "json"), "stats", lambda c: stats(c), id="stats"),
    pytest.param(("quotes", "--format", "json"), "quotations", lambda c: [quotation_record(c, qid, q) for qid, q in select_quotations(c)], id="quotes"),
])
def test_json_listings_equal_the_library_result(args, key, library) -> None:
    payload = json.loads(run(*args).stdout)
    assert payload[key] == json.loads(json.dumps(library(load_corpus()), ensure_ascii=False))
    assert payload["records"] == {"path": str(RECORDS), "found_by": "found from the working directory"}


def test_validate_json_equals_the_library_report(essay_path) -> None:
    payload = json.loads(run("--essay", str(essay_path), "validate", "--format", "json").stdout)
    assert payload == {"records": payload["records"], **report_payload(validate(load_corpus(RECORDS), ReferenceText.from_file(essay_path)))}


def test_text_output_names_the_tree_on_stderr_once() -> None:
    result = run("stats")
    assert result.stderr == f"records: {RECORDS} (found from the working directory)\n"
    assert "notes: 86" in result.stdout


def test_validate_without_text_names_the_skipped_rules(tmp_path, monkeypatch) -> None:
    records = copy_records(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("CHILECITE_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("CHILECITE_ESSAY", raising=False)
    output = run("validate", "--records", str(records)).stdout
    assert "skipped: CC021" in output and "skipped: CC022" in output
    assert output.splitlines()[-1].endswith("checked: clean, 11 rule(s) not run")


def test_show_prints_a_note_with_its_anchor_and_sources() -> None:
    note = load_corpus().notes[32]
    output = run("show", "32").stdout
    assert note.anchor.before in output and "financialtimes1973aug09" in output and "[stated]" in output


def test_validate_strict_turns_warnings_into_failure(tmp_path) -> None:
    work = tmp_path / "works" / "nobody1973uncited.yaml"
    work.parent.mkdir()
    work.write_text("type: book\ntitle: Uncited\nissued: '1973'\n", encoding="utf-8")
    assert "CC061" in run("validate", str(work)).stdout
    run("validate", "--strict", str(work), code=1)


def test_select_and_ignore_filter_codes(tmp_path) -> None:
    work = tmp_path / "works" / "Bad-Key.yaml"
    work.parent.mkdir()
    work.write_text("type: book\ntitle: Uncited\nissued: '1999'\n", encoding="utf-8")
    everything = run("validate", str(work), code=1).stdout
    assert "CC041" in everything and "CC007" in everything
    assert "CC041" not in run("validate", "--ignore", "CC041", str(work), code=1).stdout
    only = run("validate", "--select", "CC041", str(work), code=1).stdout
    assert "CC041" in only and "CC007" not in only


def test_an_old_code_still_selects_the_codes_split_from_it(tmp_path) -> None:
    bad = tmp_path / "works" / "two1970docs.yaml"
    bad.parent.mkdir()
    bad.write_text("type: book\ntitle: One\n---\ntype: book\n", encoding="utf-8")
    assert "CC090" in run("validate", "--select", "CC001", str(bad), code=1).stdout
    assert "CC090" not in run("validate", "--ignore", "CC001", str(bad)).stdout


@pytest.mark.parametrize("kind", ["work", "agent"])
def test_new_skeletons_are_records_but_for_their_placeholders(tmp_path, kind: str) -> None:
    """As printed, a skeleton is a record whose only errors are its blanks (CC054); filled in, it validates
    (tests/test_contributing.py fills them in)."""
    directory = tmp_path / f"{kind}s"
    directory.mkdir()
    path = directory / ("skeleton1973title.yaml" if kind == "work" else "family-given.yaml")
    path.write_text(run("new", kind).stdout, encoding="utf-8")
    report = json.loads(run("validate", "--format", "json", str(path), code=1).stdout)
    assert {p["code"] for p in report["problems"]} == {"CC054"} and report["summary"]["errors"] == len(report["problems"])


def test_new_quotation_is_anchored_from_its_words(essay_path) -> None:
    output = run("--essay", str(essay_path), "new", "quotation", "--exact", "History is ours and it is made by the people").stdout
    assert "TextPositionSelector" in output and "paragraph: 124" in output


def test_options_work_after_the_subcommand(tmp_path, essay_path) -> None:
    records = copy_records(tmp_path)
    result = run("validate", "--records", str(records), "--essay", str(essay_path))
    assert result.stderr.startswith(f"records: {records} (--records)") and result.stdout.endswith("checked: clean\n")


# --------------------------------------------------------------------------- the mistakes table


def _broken_tree(tmp_path: Path) -> Path:
    records = copy_records(tmp_path)
    agent = records / "agents" / "corvalan-luis.yaml"
    agent.write_text(agent.read_text(encoding="utf-8").replace("family:", "famly:"), encoding="utf-8")
    return records


def _not_a_tree(tmp_path: Path) -> Path:
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def _latin1_text(tmp_path: Path) -> Path:
    path = tmp_path / "essay.txt"
    path.write_bytes("Corval\xe1n".encode("latin-1"))
    return path


# (args, exit code, words the message must hold); `{tmp}` is a fresh tmp_path, `{broken}` a records tree with a broken agent.
MISTAKES = [
    pytest.param(("show", "87"), 2, "no note 87: the essay's notes are 1-86", id="show-note-beyond"),
    pytest.param(("show", "0"), 2, "no note 0", id="show-note-zero"),
    pytest.param(("show", "abc"), 2, "'abc' is not a valid integer", id="show-not-a-number"),
    pytest.param(("cite", "87"), 2, "no note 87", id="cite-note-beyond"),
    pytest.param(("cite", "--", "-1"), 2, "no note -1", id="cite-negative"),
    pytest.param(("quote", "allende-history-is-our"), 2, "did you mean allende-history-is-ours", id="quote-near-miss"),
    pytest.param(("quote", "nothing-like-this"), 2, "no quotation 'nothing-like-this'", id="quote-unknown"),
    pytest.param(("quote", QID, "--style", "chicgo"), 2, "unknown style 'chicgo'", id="style-unknown"),
    pytest.param(("quote", QID, "--style", "mlaa"), 2, "did you mean mla", id="style-near-miss"),
    pytest.param(("quote", QID, "--style", "{tmp}/missing.csl"), 2, "does not exist", id="style-file-missing"),
    pytest.param(("quote", QID, "--format", "docx"), 2, "'docx' is not one of", id="cite-format-unknown"),
    pytest.param(("export", "bibtex", "-o", "{tmp}/no/such/folder/x.bib"), 2, "does not exist; create it first", id="output-folder-missing"),
    pytest.param(("export", "bibtex", "-o", ""), 2, "the output path is empty", id="output-empty"),
    pytest.param(("export", "bibtex", "-o", "{tmp}"), 2, "is a directory", id="output-is-a-directory"),
    pytest.param(("export", "bibtex", "--note", "87"), 2, "no note 87", id="export-note-beyond"),
    pytest.param(("export", "bibtex", "--notes", "1-99"), 2, "not within notes 1-86", id="export-range-beyond"),
    pytest.param(("export", "bibtex", "--notes", "one"), 2, "'one' is not a note number", id="export-range-words"),
    pytest.param(("export", "endnote"), 2, "'endnote' is not one of", id="export-format-unknown"),
    pytest.param(("validate", "--select", "CC999"), 2, "no rule code or prefix 'CC999'", id="select-unknown-code"),
    pytest.param(("validate", "--ignore", "CC0300"), 2, "no rule code or prefix 'CC0300'", id="ignore-unknown-code"),
    pytest.param(("validate", "--formt", "json"), 2, "Did you mean '--format'?", id="option-misspelt"),
    pytest.param(("validate", "{tmp}/nothing.yaml"), 2, "does not exist", id="validate-missing-file"),
    pytest.param(("--records", "{tmp}/nowhere", "stats"), 2, "is not a records tree", id="records-missing"),
    pytest.param(("stats", "--records", "{tmp}"), 2, "is not a records tree: it has no essay.yaml", id="records-not-a-tree-after"),
    pytest.param(("--essay", "{tmp}/absent.txt", "validate"), 2, "reference text was not found", id="essay-missing"),
    pytest.param(("quotes", "--section", "-1"), 2, "no section -1", id="section-negative"),
    pytest.param(("quotes", "--section", "99"), 2, "no section 99", id="section-beyond"),
    pytest.param(("quotes", "--section", "denoument"), 2, "did you mean The denouément", id="section-near-miss"),
    pytest.param(("quotes", "--note", "99"), 2, "no note 99", id="quotes-note-beyond"),
    pytest.param(("quotes", "--by", "corvalam-luis"), 2, "did you mean corvalan-luis", id="speaker-near-miss"),
    pytest.param(("new", "work", "--type", "boo"), 2, "did you mean book", id="work-type-near-miss"),
    pytest.param(("new", "agent", "--type", "company"), 2, "no agent kind 'company'", id="agent-kind-unknown"),
    pytest.param(("new", "quotation"), 2, "needs --exact", id="quotation-without-words"),
    pytest.param(("new", "quotation", "--exact", "the"), 2, "choose one with --paragraph N", id="quotation-words-ambiguous"),
    pytest.param(("new", "quotation", "--exact", "words the essay never prints"), 2, "not in the reference text", id="quotation-words-absent"),
    pytest.param(("new", "quotation", "--exact", "the", "--paragraph", "999"), 2, "no paragraph 999", id="quotation-paragraph-beyond"),
    pytest.param(("search", *["word"] * 3, *[f"w{i}" for i in range(30)]), 2, "at most 24 are looked for", id="search-too-many-words"),
    pytest.param(("--records", "{broken}", "quote", "corvalan-army-not-alien"), 1, "do not validate", id="broken-corpus-quote"),
    pytest.param(("--records", "{broken}", "stats"), 1, "agents/corvalan-luis.yaml", id="broken-corpus-names-the-file"),
    pytest.param(("export", "csl-json", "--records", "{broken}"), 1, "nothing was done", id="broken-corpus-export"),
    pytest.param(("frobnicate",), 2, "No such command 'frobnicate'", id="unknown-command"),
]


@pytest.mark.parametrize(("args", "code", "message"), MISTAKES)
def test_mistakes_are_answered_with_the_right_exit_code_and_message(args, code, message, tmp_path, essay_path) -> None:
    broken = _broken_tree(tmp_path) if any("{broken}" in a for a in args) else None
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{broken}", str(broken)) for a in args]
    result = CliRunner().invoke(cli, ["--essay", str(essay_path), *argv] if "--essay" not in args else argv, catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert message in result.stderr, result.stderr
    assert result.stdout == "" or code == 1, "a mistake prints nothing on standard output"
    if code == 2:
        assert result.stderr.rstrip().splitlines()[-1].startswith("Error: "), result.stderr


def test_a_broken_corpus_never_prints_an_id_as_a_name(tmp_path) -> None:
    result = run("--records", str(_broken_tree(tmp_path)), "quote", "corvalan-army-not-alien", code=1)
    assert "corvalan-luis" not in result.stdout and result.stdout == ""
    assert "CC005" in result.stderr and "famly" in result.stderr


def test_a_summary_never_says_clean_when_a_problem_was_reported(tmp_path) -> None:
    records = copy_records(tmp_path)
    shutil.copyfile(records / "works" / "miliband1973coup.yaml", records / "works" / "miliband1973coup.yml")
    result = run("validate", "--records", str(records), code=1)
    assert "CC010" in result.stdout and "clean" not in result.stdout.splitlines()[-1]


def test_an_unusable_essay_text_is_a_problem_not_a_traceback(tmp_path) -> None:
    result = run("--essay", str(_latin1_text(tmp_path)), "validate", code=1)
    assert "CC098" in result.stdout and "is not UTF-8" in result.stdout


def test_cite_of_an_unidentified_note_says_where_the_search_is_described() -> None:
    unidentified = next(n for n, note in sorted(load_corpus().notes.items()) if not note.citations)
    assert f"chilecite show {unidentified}" in run("cite", str(unidentified)).stdout


@pytest.mark.parametrize(("style", "connector"), [("APA", "as cited in"), ("Chicago-Notes-Bibliography", "quoted in"), ("MLA", "qtd. in")])
def test_style_names_are_case_insensitive(style, connector) -> None:
    assert run("quote", QID, "--style", style).stdout == run("quote", QID, "--style", style.lower()).stdout
    assert connector in run("quote", QID, "--style", style).stdout


def test_import_outside_a_checkout_refuses_to_create_a_tree(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    bib = tmp_path / "one.bib"
    bib.write_text("@book{smith1970first, title={First}, author={Smith, Ann}, year={1970}}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "bibtex", str(bib)], catch_exceptions=False)
    assert result.exit_code == 2 and "no records tree to write into" in result.stderr
    assert not (tmp_path / "records").exists()
