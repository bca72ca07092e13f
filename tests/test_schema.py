"""schemas/ is generated from the models and must not go stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite.cli import cli
from chilecite.schema import KINDS, render
from tests.support import ROOT, copy_records


@pytest.mark.parametrize("kind", list(KINDS))
def test_committed_schema_matches_the_models(kind: str) -> None:
    committed = (ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == render(kind), f"schemas/{kind}.schema.json is stale: run `chilecite schema`"


def test_schema_command_writes_every_kind(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["schema", "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{k}.schema.json" for k in KINDS)


def test_field_descriptions_reach_the_schema() -> None:
    work = json.loads(render("work"))
    assert "EDTF" in json.dumps(work["properties"]["issued"]) and work["additionalProperties"] is False


def test_every_bundled_record_passes_its_json_schema() -> None:
    import jsonschema

    from chilecite.loading import parse_yaml
    from chilecite.tree import record_files

    kind_of_dir = {"notes": "note", "works": "work", "agents": "agent", "quotations": "quotation"}
    validators = {k: jsonschema.Draft202012Validator(json.loads(render(k))) for k in KINDS}
    for path in record_files(ROOT / "records"):
        kind = "essay" if path.name == "essay.yaml" else kind_of_dir[path.parent.name]
        errors = list(validators[kind].iter_errors(parse_yaml(path.read_text(encoding="utf-8")).data))
        assert not errors, f"{path}: {errors[0].message}"


# --------------------------------------------------------------------------- where `chilecite schema` writes


def _checkout(tmp_path: Path) -> Path:
    checkout = tmp_path / "checkout"
    copy_records(checkout)
    (checkout / "schemas").mkdir()
    return checkout


@pytest.mark.parametrize("where", [pytest.param(".", id="root"), pytest.param("records", id="records"),
                                   pytest.param("records/notes", id="records-notes")])
def test_schema_writes_the_checkouts_schemas_from_any_folder_of_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    checkout = _checkout(tmp_path)
    before = set(checkout.rglob("*"))
    monkeypatch.chdir(checkout / where)
    result = CliRunner().invoke(cli, ["--no-cache", "schema"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = {checkout / "schemas" / f"{k}.schema.json" for k in KINDS}
    assert set(checkout.rglob("*")) - before == written  # nothing else made: no records/schemas, no records/notes/schemas
    assert all(p.read_text(encoding="utf-8") == render(p.name.split(".")[0]) for p in written)


def test_schema_outside_a_checkout_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHILECITE_RECORDS", raising=False)
    result = CliRunner().invoke(cli, ["--no-cache", "schema"], catch_exceptions=False)
    assert result.exit_code == 2 and "not inside a checkout" in result.stderr and "--out DIR" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_schema_outside_with_records_writes_beside_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = _checkout(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(cli, ["--no-cache", "--records", str(checkout / "records"), "schema"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (checkout / "schemas").iterdir()) == sorted(f"{k}.schema.json" for k in KINDS)
    assert list(elsewhere.iterdir()) == []


# --------------------------------------------------------------------------- `chilecite schema --show`

SHOWN = [
    # spec, what the output must hold (description, type, example)
    pytest.param("work.title", ["work.title (a work, optional)", "Title in its original language", "type: text", "example: title: The Coup in Chile"],
                 id="work-title"),
    pytest.param("note.citations.0.locator", ["(a citation, optional)", "Never at level `attributed`", "type: a mapping with value",
                                              "example: locator: {label: page, value: '269'}", "its fields: label, value"], id="nested-with-index"),
    pytest.param("note.citations.locator", ["(a citation, optional)"], id="nested-without-index"),
    pytest.param("works.language", ["type: a BCP 47 language tag", "example: language: en"], id="folder-name"),
    pytest.param("agent.family", ["agent.family (a person, required)", "example: family: Corvalán"], id="agent-person-field"),
    pytest.param("agent.name", ["agent.name (an organisation, required)"], id="agent-organisation-field"),
    pytest.param("agent.kind", ["(a person, required)", "(an organisation, required)"], id="agent-both"),
    pytest.param("quotation.date", ["type: a date in EDTF", "example: date: '1973-09-11'"], id="date"),
    pytest.param("work", ["a work: A cited work.", "devised_title", "optional"], id="a-kind-lists-its-fields"),
]


@pytest.mark.parametrize(("spec", "wanted"), SHOWN)
def test_schema_show(spec: str, wanted: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # outside any checkout: --show needs none, and writes nothing
    result = CliRunner().invoke(cli, ["schema", "--show", spec], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for text in wanted:
        assert text in result.stdout, result.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("spec", "message"), [
    pytest.param("work.titel", "no field 'titel' in a work; did you mean title?", id="misspelt-field"),
    pytest.param("wrok.title", "no kind of record 'wrok'; did you mean work", id="misspelt-kind"),
    pytest.param("note.citations.levle", "no field 'citations.levle' in a note; did you mean level?", id="misspelt-nested"),
])
def test_schema_show_unknown_is_a_usage_error_with_the_nearest(spec: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["schema", "--show", spec], catch_exceptions=False)
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_every_field_a_contributor_writes_has_an_example() -> None:
    """The example a schema fault's message and `--show` print comes from the model's Field(examples=...)."""
    from chilecite.faults import model_inside
    from chilecite.models import Note, Organisation, Person, Quotation, Work

    without = []
    stack = [Work, Note, Person, Organisation, Quotation]
    seen = set()
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            inner = model_inside(info.annotation)
            if inner is not None:
                stack.append(inner)
            if not info.examples and name != "type" and inner is None:
                without.append(f"{model.__name__}.{name}")
    # devised_title: its description gives one; title_printed: no record has one yet; url, isbn, doi: no address or identifier is made up for an example
    assert sorted(without) == ["Work.devised_title", "Work.doi", "Work.isbn", "Work.title_printed", "Work.url"]
