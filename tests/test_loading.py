"""The record store: every problem is collected with its file, line and column."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite import loading
from chilecite.cli import cli
from chilecite.loading import YamlRefused, load_corpus, parse_yaml
from tests.support import MINIMAL_ROOT, RECORDS


def _tree(tmp_path: Path) -> Path:
    """A small records tree: the essay, its work and author, note 32 with its work and agent."""
    root = tmp_path / "records"
    for rel in ("essay.yaml", "works/gonzalez1984left.yaml", "agents/gonzalez-mike.yaml", "notes/032.yaml",
                "works/financialtimes1973aug09.yaml", "agents/financial-times.yaml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(MINIMAL_ROOT / rel, root / rel)
    return root


def _plant_three_problems(root: Path) -> None:
    # 1. a duplicate key, 2. a wrong type, 3. a dangling reference, each in its own file.
    (root / "agents" / "frei-eduardo.yaml").write_text("kind: person\nfamily: Frei\nfamily: Montalva\n", encoding="utf-8")
    (root / "works" / "frei1964revolution.yaml").write_text("type: speech\ntitle: Revolution in liberty\nissued:\n  - 1964\n", encoding="utf-8")
    (root / "notes" / "010.yaml").write_text(
        "number: 10\nanchor:\n  paragraph: 11\n  before: remained a dead letter.\nsupports: [claim]\nstatus: identified\n"
        "citations:\n  - work: nobody1967agrarian\n    level: attributed\n    basis: a guess for the test\n",
        encoding="utf-8",
    )


def test_three_planted_problems_are_three_reports_with_positions(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    _plant_three_problems(root)
    result = CliRunner().invoke(cli, ["--records", str(root), "validate", "--select", "CC002,CC005,CC013"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if ": CC0" in line]
    assert [line.split(" ")[0] + " " + line.split(" ")[1] for line in lines] == [
        "records/agents/frei-eduardo.yaml:3:1: CC002",
        "records/notes/010.yaml:8:5: CC013",
        "records/works/frei1964revolution.yaml:3:1: CC005",
    ]


def test_json_report_lists_the_same_problems_as_objects(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    _plant_three_problems(root)
    result = CliRunner().invoke(cli, ["--records", str(root), "validate", "--format", "json", "--select", "CC002,CC005,CC013"], catch_exceptions=False)
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    flat = [(p["file"], p["line"], p["column"], p["code"], p["record"], p["field"]) for p in payload["problems"]]
    assert flat == [
        ("records/agents/frei-eduardo.yaml", 3, 1, "CC002", "frei-eduardo", None),
        ("records/notes/010.yaml", 8, 5, "CC013", "10", "citations.0.work"),
        ("records/works/frei1964revolution.yaml", 3, 1, "CC005", "frei1964revolution", "issued"),
    ]
    assert set(payload["problems"][0]) == {"code", "severity", "file", "line", "column", "kind", "record", "field", "message", "hint"}
    assert payload["summary"]["errors"] == 3


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        pytest.param("a: 1\nb: &x [1]\nc: *x\n", "CC003", 2, id="anchor"),
        pytest.param("a: !!python/object:os.system {}\n", "CC004", 1, id="python-tag"),
        pytest.param("a: 1\na: 2\n", "CC002", 2, id="duplicate-key"),
        pytest.param("a: [1, 2\n", "CC001", 2, id="unclosed-flow"),
        pytest.param("a: 1\n---\nb: 2\n", "CC090", 2, id="two-documents"),
        pytest.param("? [a, b]\n: 1\n", "CC091", 1, id="complex-key"),
        pytest.param("a: " + "[" * 41 + "]" * 41 + "\n", "CC009", 1, id="too-deep"),
    ],
)
def test_yaml_that_records_never_need_is_refused(text: str, code: str, line: int) -> None:
    with pytest.raises(YamlRefused) as refused:
        parse_yaml(text)
    assert (loading.YAML_RULES[refused.value.reason].code, refused.value.line) == (code, line)


def test_dates_and_leading_zeros_stay_strings() -> None:
    assert parse_yaml("issued: 1973-08-09\nissue: 08\nyes: no\n").data == {"issued": "1973-08-09", "issue": "08", "yes": "no"}


def test_one_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "agents" / "broken.yaml").write_bytes(b"kind: person\nfamily: Toh\xe1\n")
    corpus = load_corpus(root)
    assert [(p.code, p.line, p.column) for p in corpus.problems] == [("CC008", 2, 12)]
    assert 32 in corpus.notes and "gonzalez-mike" in corpus.agents


def test_a_contributed_file_is_checked_against_the_corpus(tmp_path: Path) -> None:
    # A new work that repeats the bundled Chile's Road to Socialism under another key, and cites an unknown agent.
    new = tmp_path / "works" / "allende1973chilesb.yaml"
    new.parent.mkdir()
    new.write_text("type: book\ntitle: Chile's Road to Socialism\nauthors: [allende-salvador, nobody-known]\nissued: '1973'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--strict", str(new)], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    codes = [line.split(": ")[1].split(" ")[0] for line in result.stdout.splitlines() if line.startswith(str(new))]
    assert sorted(codes) == ["CC013", "CC016", "CC061"]


def test_an_edited_copy_of_a_record_replaces_it(tmp_path: Path) -> None:
    edited = tmp_path / "notes" / "032.yaml"
    edited.parent.mkdir()
    edited.write_text((RECORDS / "notes" / "032.yaml").read_text(encoding="utf-8").replace("number: 32", "number: 32\n"), encoding="utf-8")
    corpus = load_corpus(extra=[edited])
    assert corpus.duplicates == [] and corpus.sources[("notes", "32")].file == edited
