"""Loading: a records tree -> a `Corpus`, with the line and column of every key.

Files are parsed with PyYAML's C event parser (fast) into plain data by a small builder that
keeps positions and refuses what a record never needs: duplicate keys, anchors and aliases
(billion laughs), tags that would build objects, non-UTF-8 bytes, oversized files, anything that
is not a regular file inside the tree. Every problem becomes a `Problem` from the catalogue
(`chilecite.rules.files`); a broken file never stops the others from loading.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from chilecite.corpus import KINDS, Corpus, Duplicate, FieldPath, Source
from chilecite.errors import UsageError
from chilecite.files import NotRegular, TooLarge, read_regular
from chilecite.models import Agent, Essay, Note, Quotation, Work
from chilecite.problems import Rule
from chilecite.rules import files as F
from chilecite.vocabulary import ID_RE

MAX_FILE_BYTES = 1_000_000
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


def _resolve_plain(value: str) -> Any:
    # Only the scalars a record needs: null, true/false, integers, floats. Dates stay strings,
    # so YAML never invents a date type; `yes`/`no`/`on`/`off` stay strings.
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
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


def _where(event: Any) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _check_event(event: Any) -> None:
    """Refuse anchors, aliases and tags that would build objects."""
    if isinstance(event, yaml.AliasEvent):
        raise YamlRefused(F.ANCHOR_ALIAS, f"YAML alias *{event.anchor} refused", *_where(event))
    anchor = getattr(event, "anchor", None)
    if anchor:
        raise YamlRefused(F.ANCHOR_ALIAS, f"YAML anchor &{anchor} refused", *_where(event))
    tag = getattr(event, "tag", None)
    if tag not in _PLAIN_TAGS:
        raise YamlRefused(F.OBJECT_TAG, f"YAML tag {tag} refused", *_where(event))


class _Builder:
    """Plain data from a stream of YAML events, with the position of every path."""

    def __init__(self, events: Iterator[Any]) -> None:
        self.events = events
        self.positions: dict[FieldPath, tuple[int, int]] = {}

    def build(self, event: Any, path: FieldPath) -> Any:
        _check_event(event)
        if len(path) > MAX_DEPTH:
            raise YamlRefused(F.TOO_DEEP, f"nesting deeper than {MAX_DEPTH} levels", *_where(event))
        self.positions.setdefault(path, _where(event))
        if isinstance(event, yaml.ScalarEvent):
            plain = event.tag is None and event.implicit[0]  # an unquoted scalar
            return _resolve_plain(event.value) if plain else event.value
        if isinstance(event, yaml.SequenceStartEvent):
            return self._sequence(path)
        if isinstance(event, yaml.MappingStartEvent):
            return self._mapping(path)
        raise YamlRefused(F.YAML_SYNTAX, f"unexpected YAML {type(event).__name__}", *_where(event))

    def _sequence(self, path: FieldPath) -> list[Any]:
        items: list[Any] = []
        for item in self.events:
            if isinstance(item, yaml.SequenceEndEvent):
                return items
            self.positions[(*path, len(items))] = _where(item)
            items.append(self.build(item, (*path, len(items))))
        return items

    def _mapping(self, path: FieldPath) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for key_event in self.events:
            if isinstance(key_event, yaml.MappingEndEvent):
                return mapping
            _check_event(key_event)
            if not isinstance(key_event, yaml.ScalarEvent):
                raise YamlRefused(F.COMPLEX_KEY, "a mapping key must be a plain word", *_where(key_event))
            key = key_event.value
            if key in mapping:
                first = self.positions[(*path, key)]
                raise YamlRefused(F.DUPLICATE_KEY, f"duplicate key '{key}' (first at line {first[0]})", *_where(key_event))
            self.positions[(*path, key)] = _where(key_event)
            mapping[key] = self.build(next(self.events), (*path, key))
        return mapping


def parse_yaml(text: str) -> Parsed:
    """Parse one YAML document into plain data, refusing duplicate keys, anchors, aliases and object tags."""
    if deep := _too_deep(text):
        raise YamlRefused(F.TOO_DEEP, f"nesting deeper than {MAX_DEPTH} levels", *deep)
    builder = _Builder(iter(yaml.parse(text, Loader=_YAML_LOADER)))
    try:
        data: Any = None
        documents = 0
        for event in builder.events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise YamlRefused(F.MANY_DOCUMENTS, "more than one YAML document in the file", *_where(event))
                data = builder.build(next(builder.events), ())
        return Parsed(data, builder.positions)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise YamlRefused(F.YAML_SYNTAX, f"YAML syntax error: {exc.problem or exc}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlRefused(F.YAML_SYNTAX, f"YAML error: {exc}", None, None) from None


# --------------------------------------------------------------------------- records and the corpus


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "essay": TypeAdapter(Essay),
    "notes": TypeAdapter(Note),
    "works": TypeAdapter(Work),
    "agents": TypeAdapter(Agent),
    "quotations": TypeAdapter(Quotation),
}


class NotATree(UsageError):
    """A path given as a records tree that is not one (no essay.yaml)."""


def kind_of(path: Path) -> str | None:
    if path.name == "essay.yaml":
        return "essay"
    return path.parent.name if path.parent.name in KINDS else None


def record_id(kind: str, path: Path) -> str:
    """The id a file claims by its name; a note's id is its number, checked against the name after validation."""
    if kind == "notes" and path.stem.isdigit():
        return str(int(path.stem))
    return "essay" if kind == "essay" else path.stem


def _display(path: Path, base: Path | None) -> str:
    # Not resolved: the bundled tree may be reached through a link, and reports should
    # name files as `records/notes/032.yaml` however they were reached.
    if base is not None:
        try:
            return str(path.relative_to(base))
        except ValueError:
            pass
    return str(path)


def read_record_bytes(path: Path, root: Path | None) -> bytes | tuple[Rule, str]:
    """The bytes of a record file, or the rule it breaks and why: only regular files inside the tree
    are read, and their size is checked before reading."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
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


def load_file(path: Path, corpus: Corpus, base: Path | None = None, root: Path | None = None) -> None:
    """Load one record file into the corpus, recording every problem met."""
    display = _display(path, base)
    corpus.files += 1
    kind = kind_of(path)
    at_start: dict[str, Any] = {"file": display, "line": 1, "column": 1}
    if kind is None:
        corpus.problems.append(F.UNKNOWN_PLACE.problem(f"cannot tell what kind of record {path.name} is", **at_start))
        return
    rid = record_id(kind, path)
    at_start |= {"kind": kind, "record": rid}
    raw = read_record_bytes(path, root)
    if isinstance(raw, tuple):
        rule, why = raw
        corpus.problems.append(rule.problem(why, **at_start))
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start:exc.start].decode("utf-8", errors="replace")) + 1  # characters, like every other column
        corpus.problems.append(F.NOT_UTF8.problem(f"byte 0x{raw[exc.start]:02x} is not UTF-8", **(at_start | {"line": line, "column": column})))
        return
    try:
        parsed = parse_yaml(text)
    except YamlRefused as refused:
        corpus.problems.append(refused.rule.problem(refused.message, **(at_start | {"line": refused.line, "column": refused.column})))
        return
    if kind in ("works", "agents", "quotations") and not ID_RE.match(rid):
        corpus.problems.append(F.BAD_FILE_NAME.problem(f"file name '{path.name}' is not a valid record id", **at_start))
    source = Source(path, display, parsed.positions)
    if not isinstance(parsed.data, dict):
        corpus.problems.append(F.NOT_A_MAPPING.problem("a record must be a YAML mapping of fields", **at_start))
        return
    try:
        record = _ADAPTERS[kind].validate_python(parsed.data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = _data_path(error["loc"], parsed.data)
            dotted = ".".join(map(str, loc)) or None
            corpus.problems.append(F.SCHEMA.problem(f"{dotted or 'record'}: {_message(error)}", **source.locate(loc),
                                                    kind=kind, record=rid, field=dotted))
        return
    if kind == "notes":
        rid = str(record.number)
        if path.stem != f"{record.number:03d}":
            corpus.problems.append(F.NOTE_FILE_NAME.problem(f"note {rid} is in {path.name}; expected {record.number:03d}.yaml",
                                                            **source.locate(("number",)), kind=kind, record=rid, field="number"))
    corpus.add(kind, rid, record, source)


def _data_path(loc: tuple[Any, ...], data: Any) -> FieldPath:
    """Drop pydantic's union-tag and validator steps so the path matches the YAML."""
    path: list[str | int] = []
    node = data
    for step in loc:
        if (isinstance(node, dict) and step in node) or (isinstance(node, list) and isinstance(step, int) and step < len(node)):
            path.append(step)
            node = node[step]
        elif isinstance(node, dict) and isinstance(step, str) and step not in ("person", "organisation") and "[" not in step and "-" not in step:
            path.append(step)  # a missing or unknown field: report at the mapping, name the field
            node = None
    return tuple(path)


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field (misspelt, or not part of this kind of record)"
    if error["type"] == "missing":
        return "required field is missing"
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


def record_files(root: Path) -> Iterator[Path]:
    """Every `.yaml` entry of a records tree (files or not: the loader says what is wrong), in a stable order."""
    essay = root / "essay.yaml"
    if essay.exists() or essay.is_symlink():
        yield essay
    for kind in KINDS[1:]:
        directory = root / kind
        if directory.is_dir():
            with os.scandir(directory) as entries:
                names = sorted(e.name for e in entries if e.name.endswith((".yaml", ".yml")))
            yield from (directory / name for name in names)


def bundled_records() -> Path:
    """The records tree shipped inside the package (a checkout's `records/` when run from source)."""
    packaged = Path(str(resources.files("chilecite") / "records"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "records"


def is_records_tree(path: Path) -> bool:
    return (path / "essay.yaml").is_file()


def load_corpus(root: Path | str | None = None, *, extra: Iterable[Path | str] = ()) -> Corpus:
    """Load a records tree (the bundled one by default), plus any `extra` files validated in its context.

    Raises NotATree when `root` has no essay.yaml. See `with_contributed` for `extra`.
    """
    if root is not None and not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"load_corpus takes the path of a records tree, not {type(root).__name__}")
    root = Path(root) if root is not None else bundled_records()
    if not is_records_tree(root):
        raise NotATree(f"{root} is not a records tree: it has no essay.yaml")
    corpus = Corpus()
    for path in record_files(root):
        load_file(path, corpus, root.parent, root)
    extra_paths = [Path(p) for p in extra]
    return with_contributed(corpus, extra_paths) if extra_paths else corpus


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
        kind = kind_of(path) or "?"
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
    return corpus


def _same_path(a: Path, b: Path) -> bool:
    """Whether a contributed file is an edited copy of a corpus file (same kind, same file name)."""
    if a.name == b.name == "essay.yaml":
        return True
    return a.name == b.name and a.parent.name == b.parent.name
