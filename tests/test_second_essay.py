"""The engine serves any essay: a small fictional second essay runs through every command unchanged.

tests/fixtures/second-essay holds five paragraphs, three notes, one quotation and one work (the
essay's own); nothing in the code names the bundled essay's note count, date or text file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
from click.testing import CliRunner

from chilecite.cli import cli

HERE = Path(__file__).resolve().parent / "fixtures" / "second-essay"
RECORDS, TEXT = HERE / "records", HERE / "doe-2001-printing.txt"


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, ["--records", str(RECORDS), "--essay", str(TEXT), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_validate_is_clean_with_every_text_rule_run() -> None:
    result = run("validate", "--strict", "--format", "json")
    payload = json.loads(result.stdout)
    assert payload["summary"] == {"files": 7, "errors": 0, "warnings": 0, "by_code": {}, "skipped": []}


def test_the_note_count_comes_from_the_essay_record() -> None:
    assert "no note 4: the essay's notes are 1-3" in run("show", "4", code=2).stderr
    assert [n["number"] for n in json.loads(run("notes", "--format", "json").stdout)["notes"]] == [1, 2, 3]


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex", "csl-json"])
def test_export_names_this_essay_not_the_bundled_one(fmt: str) -> None:
    text = run("export", fmt).stdout
    assert "doe2001essay" in text and "3 notes" in text and "Gonzalez" not in text and "86" not in text
    if fmt != "csl-json":
        assert [e.key for e in bibtexparser.parse_string(text).entries] == ["doe2001essay"]


def test_an_export_of_nothing_says_so() -> None:
    """Notes that cite nothing export nothing, and say so (the essay's own entry alone is not what they ask for);
    a corpus whose notes cite nothing at all has nothing to export either."""
    from chilecite.corpus import Corpus
    from chilecite.export import ExportOptions, nothing_to_export

    assert "note 1 is unidentified: nothing to export" in run("export", "ris", "--note", "1", code=1).stderr
    assert "notes 1 and 2 are unidentified: nothing to export" in run("export", "bibtex", "--notes", "1-2", code=1).stderr
    assert nothing_to_export(Corpus(), ExportOptions()) == "no note cites a work at --min-level attributed or stronger: nothing to export"


def test_quote_cites_the_quotation_as_quoted_in_this_essay() -> None:
    out = run("quote", "printer-slow-ink", "--style", "apa").stdout
    assert "the work is slow and the ink is dear" in out and "Doe" in out and "2001" in out and "“Printing,” para. 1" in out


def test_cite_renders_the_stated_citation() -> None:
    out = run("cite", "3").stdout
    assert "[stated]" in out and "An Essay on Printing" in out


def test_a_change_to_the_text_is_caught_by_the_fingerprints(tmp_path: Path) -> None:
    changed = tmp_path / TEXT.name
    changed.write_text(TEXT.read_text(encoding="utf-8").replace("small", "tiny"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--records", str(RECORDS), "--essay", str(changed), "validate"], catch_exceptions=False)
    assert result.exit_code == 1 and "CC025" in result.stdout and "CC027" in result.stdout


def test_the_edition_names_this_essay_and_none_of_the_bundled_essays_facts() -> None:
    """The edition's masthead, page title, meta tags, About section and examples come from the
    records: built for the second essay, it prints none of the bundled essay's facts."""
    from chilecite.edition import build_edition
    from chilecite.loading import load_corpus
    from chilecite.models import Person
    from chilecite.text import ReferenceText

    files = build_edition(load_corpus(RECORDS), ReferenceText.from_file(TEXT))
    page = files["index.html"].decode("utf-8")
    # the bundled essay's facts, read from its records
    bundled = load_corpus()
    work = bundled.works[bundled.essay.key]
    authors = [bundled.agents[a] for a in work.authors]
    facts = {
        "title": work.title, "container": work.container_title, "series": work.series, "issue": work.issue, "pages": str(work.pages),
        "year": str(work.issued.start.year), "season": work.issued.start.season, "notes": str(bundled.essay.notes),
        "notes-range": f"[{bundled.essay.notes}]", "quotation": sorted(bundled.quotations)[0],
        **{f"author {a.display_name}": a.display_name for a in authors},
        **{f"family {a.display_name}": a.family for a in authors if isinstance(a, Person)},
    }
    assert all(facts.values())
    found = {what: value for what, value in facts.items() if re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", page, re.IGNORECASE)}
    assert found == {}
    # and the second essay's own, from its records
    assert "<title>An essay on printing — Jane Doe (2001): a reader’s edition</title>" in page
    assert '<p class="byline">Jane Doe · <cite>Example Quarterly</cite> no. 1, 2001</p>' in page
    assert "its 3 lost notes" in page and "The essay’s 3 footnotes" in page and "markers [1]–[3]" in page
    assert '<meta name="citation_author" content="Doe, Jane">' in page and '<meta name="citation_date" content="2001">' in page
    assert "<code>#q-printer-slow-ink</code>" in page and "<code>#n3</code>" in page
