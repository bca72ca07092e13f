"""The contributor's path, tried as a contributor would: from the checkout's root, from inside
`records/notes/`, and from outside the checkout (naming the tree with --records).

Each test runs the command line (CliRunner, `catch_exceptions=False`, `--no-cache`) on a copy of the
bundled records with the essay's text: validating a note by its own name, a slip reported once in
chilecite's words, skeletons that guess nothing and validate once filled in, an export of nothing
that says so, and `python -m chilecite`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from chilecite.cli import cli
from tests.support import ROOT, copy_records

PLACES = [pytest.param("root", id="from-the-root"), pytest.param("notes", id="from-records-notes"), pytest.param("outside", id="from-outside")]
PYDANTIC_WORDING = re.compile(r"Input should|Field required|Extra inputs|Value error|valid dictionary|instance of|pydantic|type=")


class Checkout:
    """A copy of the records in a checkout-like folder, and how a contributor in `place` names things."""

    def __init__(self, root: Path, place: str) -> None:
        self.root, self.place = root, place
        self.records = root / "records"
        self.cwd = {"root": root, "notes": self.records / "notes", "outside": root.parent / "elsewhere"}[place]
        self.cwd.mkdir(exist_ok=True)

    def name(self, rel: str) -> str:
        """How the contributor names `records/<rel>` from where they are."""
        if self.place == "root":
            return f"records/{rel}"
        if self.place == "notes":
            return os.path.relpath(self.records / rel, self.cwd)
        return str(self.records / rel)

    def run(self, *args: str, code: int | None = 0):
        tree = ["--records", str(self.records)] if self.place == "outside" else []
        old = Path.cwd()
        os.chdir(self.cwd)
        try:
            result = CliRunner().invoke(cli, ["--no-cache", *tree, *args], catch_exceptions=False)
        finally:
            os.chdir(old)
        if code is not None:
            assert result.exit_code == code, result.output
        return result


@pytest.fixture(params=PLACES)
def checkout(request: pytest.FixtureRequest, tmp_path: Path, essay_path: Path, monkeypatch: pytest.MonkeyPatch) -> Checkout:
    copy_records(tmp_path / "checkout")
    monkeypatch.setenv("CHILECITE_ESSAY", str(essay_path))
    monkeypatch.delenv("CHILECITE_RECORDS", raising=False)
    return Checkout(tmp_path / "checkout", request.param)


def _problems(result) -> list[dict]:
    return json.loads(result.stdout)["problems"]


# --------------------------------------------------------------------------- 1. a note validated by its own name


def test_a_clean_note_validates_by_its_own_name(checkout: Checkout) -> None:
    result = checkout.run("validate", "--strict", checkout.name("notes/062.yaml"))
    assert result.stdout.endswith("checked: clean\n"), result.stdout


def test_the_kind_comes_from_the_files_real_folder(checkout: Checkout) -> None:
    """A broken note named from inside its folder reports its own fault, not 'cannot tell what kind of record'."""
    note = checkout.records / "notes" / "062.yaml"
    note.write_text(note.read_text(encoding="utf-8").replace("status: identified", "status: identifed"), encoding="utf-8")
    problems = _problems(checkout.run("validate", "--format", "json", checkout.name("notes/062.yaml"), code=1))
    assert [(p["code"], p["field"]) for p in problems] == [("CC005", "status")]
    assert "did you mean 'identified'" in problems[0]["message"]


# --------------------------------------------------------------------------- 2. one slip, one error, in chilecite's words

SLIPS = [
    # file, the text replaced, its replacement, the message (part), the field
    pytest.param("works/miliband1973coup.yaml", "title: The Coup in Chile", "titel: The Coup in Chile",
                 "titel: not a field of a work; did you mean 'title'?", "titel", id="misspelt-field"),
    pytest.param("notes/062.yaml", "  level: attributed\n", "  level: verified\n  locator: p. 52\n",
                 "did you mean `locator: {label: page, value: '52'}`?", "citations.0.locator", id="locator-as-text"),
    pytest.param("works/miliband1973coup.yaml", "language: en", "language: Spanish",
                 "'Spanish' is not a BCP 47 language tag", "language", id="language-name"),
    pytest.param("agents/miliband-ralph.yaml", "family: Miliband", "famly: Miliband",
                 "famly: not a field of a person; did you mean 'family'? (family is required)", "famly", id="misspelt-required-field"),
    pytest.param("notes/062.yaml", "number: 62", "number: '62'", "did you mean `number: 62`?", "number", id="quoted-number"),
]


@pytest.mark.parametrize(("rel", "old", "new", "message", "field"), SLIPS)
def test_one_slip_is_one_error_in_the_slipped_file(checkout: Checkout, rel: str, old: str, new: str, message: str, field: str) -> None:
    path = checkout.records / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    for args in (["validate", "--format", "json"], ["validate", "--format", "json", checkout.name(rel)]):
        problems = _problems(checkout.run(*args, code=1))
        assert len(problems) == 1, problems  # no CC011 notes missing, no CC013 from the records naming it
        problem = problems[0]
        assert problem["code"] == "CC005" and problem["field"] == field
        assert problem["file"] in (f"records/{rel}", checkout.name(rel))  # the tree's name for it, or the one the contributor gave
        assert message in problem["message"] and "chilecite schema --show" in problem["hint"]
        assert not PYDANTIC_WORDING.search(problem["message"] + problem["hint"])


def test_the_schema_fault_hint_shows_the_field(checkout: Checkout) -> None:
    shown = checkout.run("schema", "--show", "note.citations.locator").stdout
    assert "Never at level `attributed`" in shown and "example: locator: {label: page, value: '269'}" in shown


# --------------------------------------------------------------------------- 3. skeletons: nothing guessed; filled in, they validate

SKELETONS = [
    # the command, where the record goes, what each placeholder is filled in with (by its field)
    pytest.param(["new", "work", "--type", "chapter"], "works/allende1973test.yaml",
                 {"title": "Test chapter", "authors": "allende-salvador", "parent": "allende1973chiles", "issued": "1973", "language": "en"},
                 id="work-chapter"),
    pytest.param(["new", "work"], "works/allende1973other.yaml",
                 {"type": "speech", "title": "Test speech", "authors": "allende-salvador", "issued": "1973-09", "language": "es"}, id="work-untyped"),
    pytest.param(["new", "agent"], "agents/test-ann.yaml", {"family": "Test", "given": "Ann"}, id="agent-person"),
    pytest.param(["new", "agent", "--type", "organisation"], "agents/test-committee.yaml", {"name": "Test Committee"}, id="agent-organisation"),
    pytest.param(["new", "quotation", "--exact", "History is ours"], "quotations/allende-history-is-ours-again.yaml",
                 {"speakers": "allende-salvador", "note": 73, "original_language": "es"}, id="quotation"),
]


def _fill(text: str, values: dict[str, object]) -> str:
    data = yaml.safe_load(text)
    for key, value in list(data.items()):
        if isinstance(value, list) and value and str(value[0]).startswith("<fill in"):
            data[key] = [values[key]]
        elif isinstance(value, str) and value.startswith("<fill in"):
            data[key] = values[key]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.mark.parametrize(("command", "rel", "values"), SKELETONS)
def test_a_skeleton_guesses_nothing_and_validates_once_filled_in(checkout: Checkout, command: list[str], rel: str, values: dict) -> None:
    skeleton = checkout.run(*command).stdout
    blanks = re.findall(r"^(?:- |\s*)?(\w+)?:? ?'<fill in: [^>]*>'$", skeleton, re.M)
    assert len(blanks) == len(values), skeleton  # a placeholder for each value to supply, and nothing else left to guess
    values_given = "".join(line for line in skeleton.splitlines(keepends=True) if not line.startswith("#"))
    assert not re.search(r"'1973'|: en$|: es$|family-given", values_given, re.M), "a skeleton names no date, language or agent of its own"
    path = checkout.records / rel
    path.write_text(skeleton, encoding="utf-8")
    problems = _problems(checkout.run("validate", "--format", "json", checkout.name(rel), code=1))
    assert {p["code"] for p in problems} == {"CC054"} and len(problems) == len(values), problems  # one error per blank, nothing else
    path.write_text(_fill(skeleton, values), encoding="utf-8")
    result = checkout.run("validate", "--format", "json", checkout.name(rel))
    assert all(p["severity"] == "warning" for p in _problems(result))


# --------------------------------------------------------------------------- 4. an export of nothing says so


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["--note", "50"], "note 50 is unidentified: nothing to export", id="an-unidentified-note"),
    pytest.param(["--notes", "50,56"], "notes 50 and 56 are unidentified: nothing to export", id="unidentified-notes"),
    pytest.param(["--note", "62", "--min-level", "verified"], "note 62 cites its sources more weakly than --min-level verified: nothing to export",
                 id="below-the-level"),
])
def test_exporting_nothing_says_so_and_writes_nothing(checkout: Checkout, args: list[str], message: str) -> None:
    out = checkout.cwd / "out.bib"
    result = checkout.run("export", "bibtex", *args, "-o", str(out), code=1)
    assert message in result.stderr and not out.exists()


# --------------------------------------------------------------------------- 5. python -m chilecite


def test_python_m_chilecite_runs_the_command(tmp_path: Path) -> None:
    copy_records(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHILECITE_")} | {"CHILECITE_DATA": str(tmp_path / "data"),
                                                                                   "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-m", "chilecite", "--no-cache", "validate", "062.yaml"], cwd=tmp_path / "records" / "notes",
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"records: {tmp_path / 'records'} (found from the working directory)")
    version = subprocess.run([sys.executable, "-m", "chilecite", "--version"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert version.stdout.startswith("chilecite, version ")


# --------------------------------------------------------------------------- 6. importing: all or nothing, and twice is once


def test_an_import_is_all_or_nothing_and_twice_is_once(checkout: Checkout) -> None:
    from tests.test_importing import FIXTURES

    before = sorted(p.relative_to(checkout.records) for p in checkout.records.rglob("*.yaml"))
    result = checkout.run("import", "bibtex", str(FIXTURES / "broken.bib"), code=1)
    assert "nothing was written" in result.stdout
    assert sorted(p.relative_to(checkout.records) for p in checkout.records.rglob("*.yaml")) == before
    fixed = checkout.root.parent / "fixed.bib"
    fixed.write_text((FIXTURES / "broken.bib").read_text(encoding="utf-8").replace("closes,\n", "closes},\n"), encoding="utf-8")
    first = json.loads(checkout.run("import", "bibtex", "--format", "json", str(fixed)).stdout)
    assert len(first["imported"]) == 6 and all(r["written"] for r in first["imported"])
    second = json.loads(checkout.run("import", "bibtex", "--format", "json", str(fixed)).stdout)
    assert second["imported"] == [] and len(second["present"]) == 4
    assert len(list(checkout.records.rglob("*.yaml"))) == len(before) + 6


def test_a_slip_replayed_from_the_cache_is_reported_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The record made without its faulty field is kept in the cache's tree snapshot like any other: loaded again
    from there (another file changed, so no report is reused), it is still one error in its own file."""
    monkeypatch.setenv("CHILECITE_CACHE", str(tmp_path / "cache"))
    records = copy_records(tmp_path)
    work = records / "works" / "miliband1973coup.yaml"
    work.write_text(work.read_text(encoding="utf-8").replace("\ntitle:", "\ntitel:"), encoding="utf-8")

    def problems(*options: str) -> list[tuple]:
        result = CliRunner().invoke(cli, [*options, "--records", str(records), "validate", "--format", "json"], catch_exceptions=False)
        return [(p["code"], p["file"], p["line"], p["message"]) for p in json.loads(result.stdout)["problems"]]

    first = problems()
    note = records / "notes" / "001.yaml"
    note.write_text(note.read_text(encoding="utf-8") + "# a comment: new bytes, the same record\n", encoding="utf-8")
    assert problems() == first == problems("--no-cache")
    assert [(code, file) for code, file, _, _ in first] == [("CC005", "records/works/miliband1973coup.yaml")]
