"""YAML as plain data: the records' YAML parsed into dicts, lists, strings and numbers, with the
line and column of every key.

PyYAML's C event parser is read directly (fast) by a small builder that keeps positions and refuses
what a record never needs: duplicate keys, anchors and aliases (billion laughs), tags that would
build objects, more than one document, keys that are not plain words, and nesting over MAX_DEPTH.
Each refusal names its reason (one of REASONS); the loader turns it into a problem code. Free of the
models, so the essay record's plain fields can be read without loading pydantic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from sys import intern
from typing import Any

import yaml

FieldPath = tuple[str | int, ...]

# Why a file is refused; `chilecite.loading` gives each its problem code.
SYNTAX, DUPLICATE_KEY, ANCHOR_ALIAS, OBJECT_TAG, TOO_DEEP, MANY_DOCUMENTS, COMPLEX_KEY = (
    "syntax", "duplicate key", "anchor or alias", "object tag", "too deep", "many documents", "complex key")
REASONS = (SYNTAX, DUPLICATE_KEY, ANCHOR_ALIAS, OBJECT_TAG, TOO_DEEP, MANY_DOCUMENTS, COMPLEX_KEY)


class YamlRefused(Exception):
    """One parse refusal: its reason (one of REASONS), message and position."""

    def __init__(self, reason: str, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.reason, self.message, self.line, self.column = reason, message, line, column


MAX_DEPTH = 40

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
               "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:float"}
_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")  # "08" stays the string it looks like
_FLOAT_RE = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")


@dataclass
class Parsed:
    """A YAML document as plain data, with the 1-based (line, column) of every path."""

    data: Any
    positions: dict[FieldPath, tuple[int, int]]


_KEYWORDS: dict[str, Any] = {"": None, "~": None, "null": None, "Null": None, "NULL": None,
                             "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NUMBER_START = frozenset("0123456789+-.")


def _resolve_plain(value: str) -> Any:
    # Only the scalars a record needs: null, true/false, integers, floats. Dates stay strings,
    # so YAML never invents a date type; `yes`/`no`/`on`/`off` stay strings.
    if value in _KEYWORDS:
        return _KEYWORDS[value]
    if value[0] in _NUMBER_START:
        if _INT_RE.match(value):
            return int(value)
        if _FLOAT_RE.match(value):
            return float(value)
    return value


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where flow brackets first nest deeper than MAX_DEPTH, if they do. Checked before parsing
    because libyaml's scanner reads a flow collection ahead, and newer releases stop at their own
    limit, at a position of their own. Records hardly use flow brackets, so the scan runs only when
    there are enough of them to nest that deep."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth, quote = 0, ""
    for number, line in enumerate(text.split("\n"), 1):
        for column, char in enumerate(line, 1):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#" and (column == 1 or line[column - 2] in " \t"):
                break
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return number, column
            elif char in "]}":
                depth = max(0, depth - 1)
        quote = quote if quote == '"' else ""  # a single-quoted scalar may not span lines in a record
    return None


def parse_yaml(text: str, *, positions: bool = True) -> Parsed:
    """Parse one YAML document into plain data, refusing duplicate keys, anchors, aliases and object tags.

    With `positions=False` no positions are collected (`Parsed.positions` is empty): the loader
    parses so and reads them back from the file only for a record that has a problem to locate.
    """
    if deep := _too_deep(text):
        raise YamlRefused(TOO_DEEP, f"nesting deeper than {MAX_DEPTH} levels", *deep)
    where_of: dict[FieldPath, tuple[int, int]] = {}
    keep = where_of if positions else None
    loader = _YAML_LOADER(text)
    try:
        data: Any = None
        documents = 0
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                return Parsed(data, where_of)
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlRefused(MANY_DOCUMENTS, "more than one YAML document in the file", *_where(event))
                data = _build(loader.get_event, loader.get_event(), (), 0, keep)
    except _Duplicate:
        return parse_yaml(text)  # positions name the first occurrence: parse again, keeping them
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise YamlRefused(SYNTAX, f"YAML syntax error: {exc.problem or exc}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlRefused(SYNTAX, f"YAML error: {exc}", None, None) from None
    finally:
        loader.dispose()


class _Duplicate(Exception):
    """A duplicate key met while parsing without positions (the message needs the first one's line)."""


def _where(event: Any) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _check(event: Any, kind: type) -> None:
    if kind is yaml.AliasEvent:
        raise YamlRefused(ANCHOR_ALIAS, f"YAML alias *{event.anchor} refused", *_where(event))
    if event.anchor:
        raise YamlRefused(ANCHOR_ALIAS, f"YAML anchor &{event.anchor} refused", *_where(event))
    if event.tag not in _PLAIN_TAGS:
        raise YamlRefused(OBJECT_TAG, f"YAML tag {event.tag} refused", *_where(event))


_SHORT = 32
_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)


def _build(get: Any, event: Any, path: FieldPath, depth: int, positions: dict[FieldPath, tuple[int, int]] | None) -> Any:
    """Plain data from the events of one node (`event` is its first). Events are read straight from
    libyaml's parser, without PyYAML's generator, and dispatched on their exact type: this is the
    loader's inner loop."""
    kind = type(event)
    if kind not in _NODE_EVENTS:
        raise YamlRefused(SYNTAX, f"unexpected YAML {kind.__name__}", *_where(event))
    if kind is yaml.AliasEvent or event.anchor or event.tag not in _PLAIN_TAGS:
        _check(event, kind)
    if depth > MAX_DEPTH:
        raise YamlRefused(TOO_DEEP, f"nesting deeper than {MAX_DEPTH} levels", *_where(event))
    if positions is not None and path not in positions:
        positions[path] = _where(event)
    if kind is yaml.ScalarEvent:
        value = event.value
        if len(value) <= _SHORT:
            value = intern(value)  # ids, keys, levels, dates, places: one copy each, however many records hold them
        return _resolve_plain(value) if event.tag is None and event.implicit[0] else value  # plain (unquoted) or quoted
    if kind is yaml.SequenceStartEvent:
        return _sequence(get, path, depth, positions)
    return _mapping(get, path, depth, positions)


def _sequence(get: Any, path: FieldPath, depth: int, positions: dict[FieldPath, tuple[int, int]] | None) -> list[Any]:
    items: list[Any] = []
    while True:
        item = get()
        if type(item) is yaml.SequenceEndEvent:
            return items
        item_path: FieldPath = ()
        if positions is not None:
            item_path = (*path, len(items))
            positions[item_path] = _where(item)
        items.append(_build(get, item, item_path, depth + 1, positions))


def _mapping(get: Any, path: FieldPath, depth: int, positions: dict[FieldPath, tuple[int, int]] | None) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    while True:
        key_event = get()
        key_kind = type(key_event)
        if key_kind is yaml.MappingEndEvent:
            return mapping
        if key_kind is not yaml.ScalarEvent:
            if key_kind in _NODE_EVENTS:
                _check(key_event, key_kind)
            raise YamlRefused(COMPLEX_KEY, "a mapping key must be a plain word", *_where(key_event))
        if key_event.anchor or key_event.tag not in _PLAIN_TAGS:
            _check(key_event, key_kind)
        key = key_event.value
        value_path: FieldPath = ()
        if key in mapping:
            if positions is None:
                raise _Duplicate
            first = positions[(*path, key)]
            raise YamlRefused(DUPLICATE_KEY, f"duplicate key '{key}' (first at line {first[0]})", *_where(key_event))
        if positions is not None:
            value_path = (*path, key)
            positions[value_path] = _where(key_event)
        mapping[key] = _build(get, get(), value_path, depth + 1, positions)
