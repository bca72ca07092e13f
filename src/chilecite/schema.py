"""JSON Schema for each record kind, generated from the models; and a field's documentation, shown.

`chilecite schema` regenerates the checkout's `schemas/` (never a folder beside wherever it is run);
`chilecite schema --show work.title` prints what the models say of one field, as the hint of every
schema fault (CC005) suggests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from chilecite.errors import UsageError
from chilecite.faults import called, describe_type, example_of, model_inside
from chilecite.models import Agent, Essay, Note, Organisation, Person, Quotation, Work
from chilecite.vocabulary import closest

KINDS: dict[str, Any] = {"essay": Essay, "note": Note, "work": Work, "agent": Agent, "quotation": Quotation}
BASE = "https://chilecite.invalid/schemas/"
# What `--show` takes before the first dot: a kind as `chilecite new` names it, its folder, or one of an agent's two forms.
_SHOWN: dict[str, tuple[type[BaseModel], ...]] = {
    "essay": (Essay,), "note": (Note,), "notes": (Note,), "work": (Work,), "works": (Work,), "agent": (Person, Organisation),
    "agents": (Person, Organisation), "person": (Person,), "organisation": (Organisation,), "quotation": (Quotation,),
    "quotations": (Quotation,),
}


def schema_for(kind: str) -> dict[str, Any]:
    schema = TypeAdapter(KINDS[kind]).json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE}{kind}.schema.json", **schema}


def render(kind: str) -> str:
    return json.dumps(schema_for(kind), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(out: Path) -> list[Path]:
    """Write every kind's schema into the folder `out` (each file replaced atomically)."""
    from chilecite.files import write_output

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = out / f"{kind}.schema.json"
        write_output(path, render(kind))
        written.append(path)
    return written


def checkout_schemas(records: Path, found_by: str) -> Path:
    """The `schemas/` folder of the checkout whose records tree is `records` (how it was found:
    `found_by`); a usage error where there is none, so a run from a subfolder never makes one there."""
    if found_by == "installed":
        raise UsageError("not inside a checkout: the installed records have no schemas/ folder to regenerate",
                         hint="run it in a checkout, or give --out DIR")
    folder = records.parent / "schemas"
    if not folder.is_dir():
        raise UsageError(f"there is no schemas/ folder beside the records tree {records}", hint="give --out DIR to write the schemas elsewhere")
    return folder


# --------------------------------------------------------------------------- one field, shown


def field_help(spec: str) -> str:
    """What the models say of a field, `KIND.FIELD[.FIELD...]` (`work.title`, `note.citations.locator`;
    list positions such as `citations.0` may be given), or of every field of a kind (`work`)."""
    head, *steps = [part for part in spec.strip().split(".") if part and not part.isdigit()] or [""]
    models = _SHOWN.get(head.lower())
    if models is None:
        raise UsageError(f"no kind of record '{head}'", choices=closest(head, _SHOWN), hint="kinds: essay, note, work, agent, quotation")
    if not steps:
        return "".join(_fields_of(model) for model in models)
    shown = [text for model in models if (text := _one_field(model, steps, spec)) is not None]
    if not shown:
        fields = sorted({name for model in models for name in _fields_at(model, steps[:-1])})
        raise UsageError(f"no field '{'.'.join(steps)}' in {called(models[0])}", choices=closest(steps[-1], fields),
                         hint=f"`chilecite schema --show {'.'.join([head, *steps[:-1]])}` lists the fields")
    return "".join(shown)


def _fields_at(model: type[BaseModel] | None, steps: list[str]) -> list[str]:
    for step in steps:
        info = model.model_fields.get(step) if model is not None else None
        model = model_inside(info.annotation) if info is not None else None
    return list(model.model_fields) if model is not None else []


def _one_field(model: type[BaseModel], steps: list[str], spec: str) -> str | None:
    owner: type[BaseModel] | None = model
    last_owner, info = model, None
    for step in steps:
        if owner is None or (info := owner.model_fields.get(step)) is None:
            return None
        last_owner, owner = owner, model_inside(info.annotation)
    assert info is not None
    name = steps[-1]
    lines = [f"{spec} ({called(last_owner)}, {'required' if info.is_required() else 'optional'})",
             f"  {info.description or 'No description.'}",
             f"  type: {describe_type(info.annotation, info)}"]
    example = example_of(name, info)
    if example:
        lines.append(f"  example: {example}")
    if owner is not None:
        lines.append(f"  its fields: {', '.join(owner.model_fields)}")
    return "\n".join(lines) + "\n"


def _fields_of(model: type[BaseModel]) -> str:
    lines = [f"{called(model)}: {(model.__doc__ or '').strip().splitlines()[0]}"]
    width = max(len(name) for name in model.model_fields)
    for name, info in model.model_fields.items():
        first = (info.description or "").split(". ")[0].rstrip(".")
        lines.append(f"  {name:<{width}}  {'required' if info.is_required() else 'optional'}  {first}")
    return "\n".join(lines) + "\n"
