"""Writing records back to YAML, in the same form contributors write by hand."""

from __future__ import annotations

import re
from collections.abc import Iterable

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


_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*):(?:\s|$)")


def update_fields(text: str, record: BaseModel, names: Iterable[str]) -> str:
    """The record file `text` with its top-level fields `names` as `record` has them (rewritten, added
    in the model's order, or removed when at their default), every other line as it was: so that
    the diff of an update is the change itself, not a reformatting of the file."""
    data = record_to_data(record)
    lines = text.splitlines(keepends=True)
    blocks: dict[str, tuple[int, int]] = {}  # field -> its lines [start, end)
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _TOP_KEY.match(line))]
    for n, (start, name) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        while end > start + 1 and lines[end - 1].startswith("#"):  # a comment before the next field is that field's
            end -= 1
        blocks[name] = (start, end)
    order = list(type(record).model_fields)
    edits: list[tuple[int, int, list[str]]] = []
    for name in set(names):
        new = dump_yaml({name: data[name]}).splitlines(keepends=True) if name in data else []
        if name in blocks:
            start, end = blocks[name]
        else:  # after the last field that comes before it in the model, or at the end
            before = [blocks[n][1] for n in order[: order.index(name)] if n in blocks]
            start = end = max(before) if before else len(lines)
        edits.append((start, end, new))
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for start, end, new in sorted(edits, key=lambda edit: (edit[0], edit[1]), reverse=True):  # from the end, so the places before hold
        lines[start:end] = new
    return "".join(lines)
