"""Writing records back to YAML, in the same form contributors write by hand."""

from __future__ import annotations

import yaml
from pydantic import BaseModel

SCHEMA_COMMENT = "# yaml-language-server: $schema=../../schemas/{kind}.schema.json\n"


def record_to_data(record: BaseModel) -> dict:
    """Plain data for a record, leaving out fields at their defaults (empty lists, nulls)."""
    return record.model_dump(mode="json", exclude_defaults=True)


def dump_yaml(data: dict, kind: str | None = None) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
    return (SCHEMA_COMMENT.format(kind=kind) if kind else "") + body


def dump_record(record: BaseModel, kind: str | None = None) -> str:
    return dump_yaml(record_to_data(record), kind)
