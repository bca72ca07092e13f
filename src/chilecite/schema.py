"""JSON Schema for each record kind, generated from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from chilecite.models import Agent, Essay, Note, Quotation, Work

KINDS: dict[str, Any] = {"essay": Essay, "note": Note, "work": Work, "agent": Agent, "quotation": Quotation}
BASE = "https://chilecite.invalid/schemas/"


def schema_for(kind: str) -> dict[str, Any]:
    schema = TypeAdapter(KINDS[kind]).json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE}{kind}.schema.json", **schema}


def render(kind: str) -> str:
    return json.dumps(schema_for(kind), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = out / f"{kind}.schema.json"
        path.write_text(render(kind), encoding="utf-8")
        written.append(path)
    return written
