"""schemas/ is generated from the models and must not go stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite.cli import cli
from chilecite.schema import KINDS, render
from tests.support import ROOT


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
