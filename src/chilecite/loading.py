"""Loading: a records tree -> a `Corpus`, with the line and column of every key.

Files are parsed with PyYAML's C event parser (fast) into plain data by a small builder that
keeps positions and refuses what a record never needs: duplicate keys, anchors and aliases
(billion laughs), tags that would build objects, non-UTF-8 bytes, oversized files, anything that
is not a regular file inside the tree. Every problem becomes a `Problem` from the catalogue
(`chilecite.rules.files`); a broken file never stops the others from loading.

Loading scales with the tree and keeps only what it needs: positions are read back from a file
when one of its problems must be located, not kept for every field of every record; with a cache
(`chilecite.cache`), a file whose bytes are those of the last load is not parsed again.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, Any, get_args

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from chilecite.corpus import POSITION_READER, Corpus, Duplicate, FieldPath, Source
from chilecite.faults import admit, faults, without
from chilecite.files import NotRegular, TooLarge, read_regular
from chilecite.models import Agent, Essay, Note, Quotation, Work
from chilecite.problems import Problem, Rule
from chilecite.rules import files as F
from chilecite.rules.hygiene import PLACEHOLDER, PLACEHOLDER_MARK, find_placeholders
from chilecite.tree import (
    MAX_FILE_BYTES,
    NotATree,
    bundled_records,
    digest_line,
    display_path,
    display_prefix,
    id_from_stem,
    is_records_tree,
    kind_of,
    load_order,
    new_tree_hash,
    record_id,
    stem,
    tree_files,
)
from chilecite.vocabulary import ID_RE

if TYPE_CHECKING:
    from chilecite.cache import Cache

MAX_DEPTH = 40

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
               "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:float"}
_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")  # "08" stays the string it looks like
_FLOAT_RE = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")


class YamlRefused(Exception):
    """Carries one parse problem (its rule, message and position) out of the builder."""

    def __init__(self, rule: Rule, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.rule, self.message, self.line, self.column = rule, message, line, column


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
        raise YamlRefused(F.TOO_DEEP, f"nesting deeper than {MAX_DEPTH} levels", *deep)
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
                    raise YamlRefused(F.MANY_DOCUMENTS, "more than one YAML document in the file", *_where(event))
                data = _build(loader.get_event, loader.get_event(), (), 0, keep)
    except _Duplicate:
        return parse_yaml(text)  # positions name the first occurrence: parse again, keeping them
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise YamlRefused(F.YAML_SYNTAX, f"YAML syntax error: {exc.problem or exc}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlRefused(F.YAML_SYNTAX, f"YAML error: {exc}", None, None) from None
    finally:
        loader.dispose()


class _Duplicate(Exception):
    """A duplicate key met while parsing without positions (the message needs the first one's line)."""


def _where(event: Any) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _check(event: Any, kind: type) -> None:
    if kind is yaml.AliasEvent:
        raise YamlRefused(F.ANCHOR_ALIAS, f"YAML alias *{event.anchor} refused", *_where(event))
    if event.anchor:
        raise YamlRefused(F.ANCHOR_ALIAS, f"YAML anchor &{event.anchor} refused", *_where(event))
    if event.tag not in _PLAIN_TAGS:
        raise YamlRefused(F.OBJECT_TAG, f"YAML tag {event.tag} refused", *_where(event))


_SHORT = 32
_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)


def _build(get: Any, event: Any, path: FieldPath, depth: int, positions: dict[FieldPath, tuple[int, int]] | None) -> Any:
    """Plain data from the events of one node (`event` is its first). Events are read straight from
    libyaml's parser, without PyYAML's generator, and dispatched on their exact type: this is the
    loader's inner loop."""
    kind = type(event)
    if kind not in _NODE_EVENTS:
        raise YamlRefused(F.YAML_SYNTAX, f"unexpected YAML {kind.__name__}", *_where(event))
    if kind is yaml.AliasEvent or event.anchor or event.tag not in _PLAIN_TAGS:
        _check(event, kind)
    if depth > MAX_DEPTH:
        raise YamlRefused(F.TOO_DEEP, f"nesting deeper than {MAX_DEPTH} levels", *_where(event))
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
            raise YamlRefused(F.COMPLEX_KEY, "a mapping key must be a plain word", *_where(key_event))
        if key_event.anchor or key_event.tag not in _PLAIN_TAGS:
            _check(key_event, key_kind)
        key = key_event.value
        value_path: FieldPath = ()
        if key in mapping:
            if positions is None:
                raise _Duplicate
            first = positions[(*path, key)]
            raise YamlRefused(F.DUPLICATE_KEY, f"duplicate key '{key}' (first at line {first[0]})", *_where(key_event))
        if positions is not None:
            value_path = (*path, key)
            positions[value_path] = _where(key_event)
        mapping[key] = _build(get, get(), value_path, depth + 1, positions)


# --------------------------------------------------------------------------- records and the corpus


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "essay": TypeAdapter(Essay),
    "notes": TypeAdapter(Note),
    "works": TypeAdapter(Work),
    "agents": TypeAdapter(Agent),
    "quotations": TypeAdapter(Quotation),
}


def read_record_bytes(path: Path | str, root: Path | None, *, is_link: bool | None = None) -> bytes | tuple[Rule, str]:
    """The bytes of a record file, or the rule it breaks and why: only regular files inside the tree
    are read, and their size is checked before reading. `is_link` (from a directory scan) spares
    asking the file system again whether the path is a symbolic link."""
    if os.path.islink(path) if is_link is None else is_link:
        try:
            target = Path(path).resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # dangling, or a loop
            return F.OUTSIDE_TREE, f"symbolic link cannot be followed ({getattr(exc, 'strerror', None) or exc})"
        if root is not None and not target.is_relative_to(root.resolve()):
            return F.OUTSIDE_TREE, f"symbolic link leads out of the records tree (to {target})"
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except NotRegular as exc:
        return F.NOT_REGULAR, str(exc.strerror)
    except TooLarge as exc:
        return F.TOO_LARGE, f"file is {exc.strerror}"
    except OSError as exc:
        return F.UNREADABLE, f"cannot read the file: {exc.strerror or exc}"


def kind_of_file(path: Path | str) -> str | None:
    """The kind of record a file is, from the folder it really is in: `062.yaml` named from inside
    `records/notes/` is a note, as `../notes/062.yaml` or `records/notes/062.yaml` are."""
    return kind_of(Path(os.path.abspath(path)))


def load_file(path: Path, corpus: Corpus, base: Path | None = None, root: Path | None = None) -> None:
    """Load one record file into the corpus, recording every problem met."""
    display = display_path(path, base)
    corpus.files += 1
    kind = kind_of_file(path)
    if kind is None:
        corpus.problems.append(F.UNKNOWN_PLACE.problem(f"cannot tell what kind of record {path.name} is", file=display, line=1, column=1))
        return
    raw = read_record_bytes(path, root)
    if isinstance(raw, tuple):
        rule, why = raw
        corpus.problems.append(rule.problem(why, file=display, line=1, column=1, kind=kind, record=record_id(kind, path)))
        return
    _apply(_load_bytes(str(path), path.name, display, kind, raw), str(path), display, hashlib.sha256(raw).digest(), corpus)


@dataclass
class _Loaded:
    """What loading one file gave: the record (with its final id) or none, and the problems met, in order.
    `data` is the plain data the record was validated from: what a tree snapshot keeps."""

    kind: str
    id: str
    problems: list[Problem]
    record: Any = None
    data: Any = None

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"kind": self.kind, "id": self.id}
        if self.problems:
            entry["problems"] = [p.model_dump(mode="json", exclude_none=True) for p in self.problems]
        if self.record is not None:
            entry["data"] = self.data
        return entry


def _load_bytes(path: str, name: str, display: str, kind: str, raw: bytes) -> _Loaded:
    """Decode, parse and validate the bytes of one record file of a known kind (`name` is the file's name)."""
    file_stem = stem(name)
    rid = id_from_stem(kind, file_stem)
    outcome = _Loaded(kind, rid, [])
    at_start: dict[str, Any] = {"file": display, "line": 1, "column": 1, "kind": kind, "record": rid}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start:exc.start].decode("utf-8", errors="replace")) + 1  # characters, like every other column
        outcome.problems.append(F.NOT_UTF8.problem(f"byte 0x{raw[exc.start]:02x} is not UTF-8", **(at_start | {"line": line, "column": column})))
        return outcome
    try:
        parsed = parse_yaml(text, positions=False)
    except YamlRefused as refused:
        outcome.problems.append(refused.rule.problem(refused.message, **(at_start | {"line": refused.line, "column": refused.column})))
        return outcome
    if kind in ("works", "agents", "quotations") and not ID_RE.match(rid):
        outcome.problems.append(F.BAD_FILE_NAME.problem(f"file name '{name}' is not a valid record id", **at_start))
    if not isinstance(parsed.data, dict):
        outcome.problems.append(F.NOT_A_MAPPING.problem("a record must be a YAML mapping of fields", **at_start))
        return outcome
    data = parsed.data
    blanks = find_placeholders(data) if PLACEHOLDER_MARK in text else []  # the text is searched first: a walk of every record would cost
    if blanks:  # a skeleton not yet filled in: each blank is one problem, and its field is left out
        source = Source(path, display, parse_yaml(text).positions)
        for blank in blanks:
            dotted = ".".join(map(str, blank))
            outcome.problems.append(PLACEHOLDER.problem(f"{dotted}: still the skeleton's placeholder '{_value_at(data, blank)}'",
                                                        **source.locate(blank), kind=kind, record=rid, field=dotted))
        data = without(data, blanks)
    try:
        record = _ADAPTERS[kind].validate_python(data)
    except ValidationError as exc:
        # Each fault in chilecite's words; the record is still made without the faulty parts where
        # it can be (see `chilecite.faults`), so one slip is one error here, not a cascade elsewhere.
        source = Source(path, display, parse_yaml(text).positions)
        found = faults(kind, data, exc.errors())
        for fault in found:
            if fault.path in blanks:
                continue  # a required field still blank: said once, as a placeholder
            outcome.problems.append(F.SCHEMA.problem(fault.message, hint=fault.hint, **source.locate(fault.path),
                                                     kind=kind, record=rid, field=fault.field))
        admitted = admit(kind, data, found, _ADAPTERS[kind])
        if admitted is None:
            return outcome
        record, data = admitted
    if kind == "notes":
        outcome.id = rid = str(record.number)
        if file_stem != f"{record.number:03d}":
            where = Source(path, display, parse_yaml(text).positions).locate(("number",))
            outcome.problems.append(F.NOTE_FILE_NAME.problem(f"note {rid} is in {name}; expected {record.number:03d}.yaml",
                                                             **where, kind=kind, record=rid, field="number"))
    outcome.record, outcome.data = record, data
    return outcome


_LEFT_OUT = frozenset({F.SCHEMA.code, PLACEHOLDER.code})  # codes whose field the record is made without


def _value_at(data: Any, path: FieldPath) -> Any:
    for step in path:
        data = data[step]
    return data


def _apply(outcome: _Loaded, path: str, display: str, digest: bytes, corpus: Corpus) -> None:
    corpus.problems.extend(outcome.problems)
    if outcome.record is not None:
        _share_fields_sets(outcome.record)
        corpus.add(outcome.kind, outcome.id, outcome.record, Source(path, display, None, digest))
        if any(p.code in _LEFT_OUT for p in outcome.problems):
            corpus.partial.add((outcome.kind, outcome.id))  # made without its faulty parts: its faults are all it reports
    elif outcome.problems:
        corpus.unloaded.add((outcome.kind, outcome.id))  # its file is there, but no record could be made of it


_FIELDS_SETS: dict[tuple[type, frozenset[str]], set[str]] = {}


def _share_fields_sets(model: BaseModel) -> None:
    """Make every model in a record share one `__pydantic_fields_set__` with the models of its class
    that set the same fields. pydantic gives each instance a set of its own (216 bytes, 728 from
    five fields): in a corpus of records that is a third of the memory the models take. Records are
    frozen, so no set is ever changed in place (`model_copy` copies it before adding to it)."""
    cls = type(model)
    fields_set = model.__pydantic_fields_set__
    key = (cls, frozenset(fields_set))
    shared = _FIELDS_SETS.get(key)
    if shared is None:
        if len(_FIELDS_SETS) < 4096:
            _FIELDS_SETS[key] = fields_set
    elif shared is not fields_set:
        object.__setattr__(model, "__pydantic_fields_set__", shared)
    values = model.__dict__
    for name in _nested_models(cls):
        item = values[name]
        if isinstance(item, BaseModel):
            _share_fields_sets(item)
        elif type(item) is list:
            for element in item:
                if isinstance(element, BaseModel):
                    _share_fields_sets(element)


@cache
def _nested_models(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a model class that can hold models (directly, in a list, optional or in a union)."""

    def holds_models(annotation: Any) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return True
        return any(holds_models(arg) for arg in get_args(annotation))

    return tuple(name for name, info in cls.model_fields.items() if holds_models(info.annotation))


def _replay(entry: dict[str, Any]) -> _Loaded | None:
    """The outcome stored in a tree snapshot, the record validated again from its plain data
    (pydantic-core does that faster than PyYAML parses); None when the entry does not fit."""
    try:
        kind, rid = entry["kind"], entry["id"]
        outcome = _Loaded(kind, rid, [Problem.model_validate(p) for p in entry.get("problems", ())])
        if "data" in entry:
            outcome.record, outcome.data = _ADAPTERS[kind].validate_python(entry["data"]), entry["data"]
        return outcome
    except (KeyError, TypeError, ValueError):
        return None


def read_positions(path: Path | str, digest: bytes | None) -> dict[FieldPath, tuple[int, int]]:
    """The positions of every field of a record file, read again when a problem must be located;
    empty when the file no longer has the bytes the record was loaded from."""
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
        if digest is not None and hashlib.sha256(raw).digest() != digest:
            return {}
        return parse_yaml(raw.decode("utf-8")).positions
    except (OSError, UnicodeDecodeError, YamlRefused):
        return {}



POSITION_READER[0] = read_positions

Progress = Callable[[int, int], None]


def load_corpus(root: Path | str | None = None, *, extra: Iterable[Path | str] = (), cache: Cache | None = None,
                progress: Progress | None = None) -> Corpus:
    """Load a records tree (the bundled one by default), plus any `extra` files validated in its context.

    With a `cache` (`chilecite.cache.Cache`), a file whose bytes are those of the last load is not
    parsed again (see `chilecite.cache`). `progress(done, total)` is called as files load (about
    200 times for a large tree). Raises NotATree when `root` has no essay.yaml. See
    `with_contributed` for `extra`.
    """
    if root is not None and not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"load_corpus takes the path of a records tree, not {type(root).__name__}")
    root = Path(root) if root is not None else bundled_records()
    if not is_records_tree(root):
        raise NotATree(f"{root} is not a records tree: it has no essay.yaml")
    corpus = _load_tree(root, cache, progress)
    extra_paths = [Path(p) for p in extra]
    return with_contributed(corpus, extra_paths) if extra_paths else corpus


def _load_tree(root: Path, cache: Cache | None, progress: Progress | None, *, fresh: bool = False) -> Corpus:
    from chilecite.cache import TreeSnapshot, fingerprint

    entries = tree_files(root)
    prefix = display_prefix(root, entries)
    # What a snapshot stores names files as reports do (`records/notes/032.yaml`): the same tree
    # reached as `.` names them otherwise, so the name is part of the key and of the digest.
    snapshot = TreeSnapshot(cache, _snapshot_key(root, prefix, fingerprint()), load_order, fresh=fresh) if cache is not None else None
    corpus = Corpus()
    tree = new_tree_hash(prefix)
    complete = True
    step, total = max(1, len(entries) // 200), len(entries)
    collecting = gc.isenabled()
    gc.disable()  # what loading makes is kept, never cyclic garbage: the collector would only walk it, again and again
    try:
        for done, (rel, kind, path, is_link) in enumerate(entries, 1):
            display = prefix + rel if prefix is not None else display_path(Path(path), root.parent)
            corpus.files += 1
            raw = read_record_bytes(path, root, is_link=is_link)
            if isinstance(raw, tuple):
                rule, why = raw
                corpus.problems.append(rule.problem(why, file=display, line=1, column=1, kind=kind,
                                                    record=id_from_stem(kind, stem(os.path.basename(path)))))
                complete = False
                if snapshot is not None:
                    snapshot.lookup(rel, None)
            else:
                digest = hashlib.sha256(raw).digest()
                hexdigest = digest.hex()
                tree.update(digest_line(rel, hexdigest))
                entry = snapshot.lookup(rel, hexdigest) if snapshot is not None else None
                if entry is not None:
                    outcome = _replay(entry)
                    if outcome is None:
                        raise _StaleSnapshot
                else:
                    outcome = _load_bytes(path, os.path.basename(path), display, kind, raw)
                    if snapshot is not None:
                        snapshot.store(rel, hexdigest, outcome.entry())
                _apply(outcome, path, display, digest, corpus)
            if progress is not None and (done % step == 0 or done == total):
                progress(done, total)
        authentic = snapshot is None or snapshot.finish()
    except _StaleSnapshot:
        authentic = False
    except BaseException:
        if snapshot is not None:
            snapshot.abort()
        raise
    finally:
        if collecting:
            gc.enable()
    if not authentic:
        assert snapshot is not None
        snapshot.abort()
        return _load_tree(root, cache, progress, fresh=True)  # nothing taken from a snapshot that fails its check is kept
    for kind, folder, why in entries.unreadable:
        corpus.problems.append(F.UNREADABLE.problem(f"cannot list the folder: {why}", file=display_path(Path(folder), root.parent), kind=kind))
        complete = False
    corpus.digest = tree.hexdigest() if complete else None
    return corpus


class _StaleSnapshot(Exception):
    """A snapshot entry that does not give a record back (it cannot happen with an authentic entry of this version)."""


def _snapshot_key(root: Path, prefix: str | None, fingerprint: str) -> str:
    return f"{fingerprint}\0{os.path.abspath(root)}\0{prefix}"


def with_contributed(context: Corpus, extra: Iterable[Path]) -> Corpus:
    """A corpus of the contributed files `extra`, in the context of a loaded corpus (left unchanged).

    The contributed files are the focus: their problems are the contributor's to fix, the rest of
    the corpus only gives context. A contributed file replaces the corpus record of the same kind
    and file name (an edited copy is checked as it would land); a contributed record whose id the
    corpus holds in another file is a collision.
    """
    extra = [Path(p) for p in extra]
    corpus = Corpus(focus=set())
    for path in extra:
        loaded = set(corpus.sources)
        load_file(path, corpus, Path.cwd())
        kind = kind_of_file(path) or "?"
        corpus.focus |= (set(corpus.sources) - loaded) or {(kind, record_id(kind, path))}  # type: ignore[operator]
    contributed = {p.resolve() for p in extra}
    for (kind, rid), source in context.sources.items():
        if source.file.resolve() in contributed:
            continue
        corpus.files += 1
        mine = corpus.sources.get((kind, rid))
        if mine is not None:
            if not _same_path(mine.file, source.file):
                corpus.duplicates.append(Duplicate(kind, rid, mine, source))
            continue  # an edited copy of a corpus file replaces it
        corpus.add(kind, rid, context.get(kind, rid), source)
        if (kind, rid) in context.partial:
            corpus.partial.add((kind, rid))
    contributed_ids = corpus.focus or set()
    corpus.unloaded |= {key for key in context.unloaded if key not in contributed_ids}
    return corpus


def _same_path(a: Path, b: Path) -> bool:
    """Whether a contributed file is an edited copy of a corpus file (same kind, same file name)."""
    if a.name == b.name == "essay.yaml":
        return True
    return a.name == b.name and a.parent.name == b.parent.name
