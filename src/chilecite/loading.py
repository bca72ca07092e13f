"""Loading: YAML record files -> typed records, with the line and column of every key.

Files are parsed with PyYAML's C event parser (fast) into plain data by a small builder that
keeps positions and refuses what a record never needs: duplicate keys, anchors and aliases
(billion laughs), tags that would build objects, non-UTF-8 bytes, oversized files. Every
problem becomes a `Problem`; a broken file never stops the others from loading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from chilecite.models import Agent, Essay, Note, Quotation, Work
from chilecite.report import Problem, Severity

Path_ = tuple[str | int, ...]
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 40
KINDS = ("essay", "notes", "works", "agents", "quotations")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
               "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:float"}
_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")  # "08" stays the string it looks like
_FLOAT_RE = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")


def problem(code: str, message: str, hint: str = "", severity: Severity = Severity.error, **where: Any) -> Problem:
    return Problem(code=code, severity=severity, message=message, hint=hint, **where)


class YamlRefused(Exception):
    """Carries one parse problem (with its position) out of the builder."""

    def __init__(self, code: str, message: str, hint: str, line: int, column: int) -> None:
        super().__init__(message)
        self.code, self.message, self.hint, self.line, self.column = code, message, hint, line, column


@dataclass
class Parsed:
    """A YAML document as plain data, with the 1-based (line, column) of every path."""

    data: Any
    positions: dict[Path_, tuple[int, int]]


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
    limit, at a position of their own."""
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


def parse_yaml(text: str) -> Parsed:
    """Parse one YAML document into plain data, refusing duplicate keys, anchors, aliases and object tags."""
    if deep := _too_deep(text):
        raise YamlRefused("CC001", f"nesting deeper than {MAX_DEPTH} levels", "Records are a few levels deep; flatten the value.", *deep)
    positions: dict[Path_, tuple[int, int]] = {}
    events = yaml.parse(text, Loader=_YAML_LOADER)

    def where(event: Any) -> tuple[int, int]:
        return event.start_mark.line + 1, event.start_mark.column + 1

    def check(event: Any) -> None:
        if isinstance(event, yaml.AliasEvent):
            raise YamlRefused("CC003", f"YAML alias *{event.anchor} refused", "Write the value out in full; records may not use anchors or aliases.", *where(event))
        anchor = getattr(event, "anchor", None)
        if anchor:
            raise YamlRefused("CC003", f"YAML anchor &{anchor} refused", "Remove the anchor; records may not use anchors or aliases.", *where(event))
        tag = getattr(event, "tag", None)
        if tag not in _PLAIN_TAGS:
            raise YamlRefused("CC004", f"YAML tag {tag} refused", "Remove the tag: records hold plain strings, numbers, lists and mappings.", *where(event))

    def build(event: Any, path: Path_) -> Any:
        check(event)
        if len(path) > MAX_DEPTH:
            raise YamlRefused("CC001", f"nesting deeper than {MAX_DEPTH} levels", "Records are a few levels deep; flatten the value.", *where(event))
        positions.setdefault(path, where(event))
        if isinstance(event, yaml.ScalarEvent):
            if event.tag is None and event.implicit[0]:  # plain (unquoted) scalar
                return _resolve_plain(event.value)
            return event.value
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            for item in iter(lambda: next(events), None):
                if isinstance(item, yaml.SequenceEndEvent):
                    return items
                positions[(*path, len(items))] = where(item)
                items.append(build(item, (*path, len(items))))
        if isinstance(event, yaml.MappingStartEvent):
            mapping: dict[str, Any] = {}
            for key_event in iter(lambda: next(events), None):
                if isinstance(key_event, yaml.MappingEndEvent):
                    return mapping
                check(key_event)
                if not isinstance(key_event, yaml.ScalarEvent):
                    raise YamlRefused("CC001", "a mapping key must be a plain word", "Write keys as simple words such as `title:`.", *where(key_event))
                key = key_event.value
                if key in mapping:
                    first = positions[(*path, key)]
                    raise YamlRefused("CC002", f"duplicate key '{key}' (first at line {first[0]})", "Keep one of the two; YAML would silently drop the other.", *where(key_event))
                positions[(*path, key)] = where(key_event)
                mapping[key] = build(next(events), (*path, key))
        raise YamlRefused("CC001", f"unexpected YAML {type(event).__name__}", "", *where(event))

    try:
        data: Any = None
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise YamlRefused("CC001", "more than one YAML document in the file", "Keep one record per file.", *where(event))
                data = build(next(events), ())
        return Parsed(data, positions)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise YamlRefused("CC001", f"YAML syntax error: {exc.problem or exc}", "Check indentation, colons and quotes on this line.", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlRefused("CC001", f"YAML error: {exc}", "", None, None) from None


# --------------------------------------------------------------------------- records and the corpus


@dataclass
class Source:
    """Where a record came from: its file and the positions of its fields."""

    file: Path
    display: str
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Iterable[str | int] = ()) -> dict[str, Any]:
        """File, line and column of the deepest part of `path` present in the file."""
        path = tuple(path)
        while path and path not in self.positions:
            path = path[:-1]
        line, column = self.positions.get(path, (1, 1))
        return {"file": self.display, "line": line, "column": column}


@dataclass
class Corpus:
    """All records, by kind and id, with their sources and the problems met while loading."""

    root: Path | None = None
    essay: Essay | None = None
    works: dict[str, Work] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)
    notes: dict[int, Note] = field(default_factory=dict)
    quotations: dict[str, Quotation] = field(default_factory=dict)
    sources: dict[tuple[str, str], Source] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[tuple[str, str, Source, Source]] = field(default_factory=list)  # kind, id, the second file, the first
    files: int = 0
    focus: set[tuple[str, str]] | None = None

    def where(self, kind: str, record_id: str | int, path: Iterable[str | int] = ()) -> dict[str, Any]:
        """Problem position fields (file, line, column, record, field) for a record's field."""
        path = tuple(path)
        source = self.sources.get((kind, str(record_id)))
        located = source.locate(path) if source else {}
        return {**located, "record": str(record_id), "field": ".".join(str(p) for p in path) or None}

    def in_focus(self, kind: str, record_id: str | int) -> bool:
        return self.focus is None or (kind, str(record_id)) in self.focus


_ADAPTERS: dict[str, TypeAdapter] = {
    "essay": TypeAdapter(Essay),
    "notes": TypeAdapter(Note),
    "works": TypeAdapter(Work),
    "agents": TypeAdapter(Agent),
    "quotations": TypeAdapter(Quotation),
}


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


def load_file(path: Path, corpus: Corpus, base: Path | None = None) -> None:
    """Load one record file into the corpus, recording every problem met."""
    display = _display(path, base)
    corpus.files += 1
    kind = kind_of(path)
    if kind is None:
        corpus.problems.append(problem("CC007", f"cannot tell what kind of record {path.name} is", "Put records in records/notes, works, agents or quotations, or name the essay record essay.yaml.", file=display, line=1, column=1))
        return
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        corpus.problems.append(problem("CC006", f"file is {len(raw):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for a record", "A record is a few kilobytes; split or shorten it.", file=display, line=1, column=1))
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start:exc.start].decode("utf-8", errors="replace")) + 1  # characters, like every other column
        corpus.problems.append(problem("CC001", f"byte 0x{raw[exc.start]:02x} is not UTF-8", "Save the file as UTF-8.", file=display, line=line, column=column))
        return
    try:
        parsed = parse_yaml(text)
    except YamlRefused as refused:
        corpus.problems.append(problem(refused.code, refused.message, refused.hint, file=display, line=refused.line, column=refused.column))
        return
    rid = record_id(kind, path)
    if kind in ("works", "agents", "quotations") and not ID_RE.match(rid):
        corpus.problems.append(problem("CC007", f"file name '{path.name}' is not a valid record id", "Use lower-case ASCII letters, digits and hyphens: `miliband1973coup.yaml`.", file=display, line=1, column=1, record=rid))
    source = Source(path, display, parsed.positions)
    if not isinstance(parsed.data, dict):
        corpus.problems.append(problem("CC005", "a record must be a YAML mapping of fields", "Start the file with `field: value` lines.", file=display, line=1, column=1, record=rid))
        return
    try:
        record = _ADAPTERS[kind].validate_python(parsed.data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = _data_path(error["loc"], parsed.data)
            located = source.locate(loc)
            corpus.problems.append(problem(
                "CC005",
                f"{'.'.join(map(str, loc)) or 'record'}: {_message(error)}",
                "See the field's description in schemas/ or `chilecite schema`.",
                **located, record=rid, field=".".join(map(str, loc)) or None,
            ))
        return
    if kind == "notes":
        rid = str(record.number)
        if path.stem != f"{record.number:03d}":
            corpus.problems.append(problem("CC007", f"note {rid} is in {path.name}; expected {record.number:03d}.yaml", "Name note files by their three-digit number.", **source.locate(("number",)), record=rid, field="number"))
    _store(corpus, kind, rid, record, source)


def _store(corpus: Corpus, kind: str, rid: str, record: Any, source: Source) -> None:
    key = (kind, rid)
    if key in corpus.sources:
        corpus.duplicates.append((kind, rid, source, corpus.sources[key]))
        return
    corpus.sources[key] = source
    if kind == "essay":
        corpus.essay = record
    elif kind == "notes":
        corpus.notes[int(rid)] = record
    else:
        getattr(corpus, kind)[rid] = record


def _data_path(loc: tuple, data: Any) -> tuple:
    """Drop pydantic's union-tag and validator steps so the path matches the YAML."""
    path: list[str | int] = []
    node = data
    for step in loc:
        if isinstance(node, dict) and step in node:
            path.append(step)
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            path.append(step)
            node = node[step]
        elif isinstance(node, dict) and isinstance(step, str) and step not in ("person", "organisation") and "[" not in step and "-" not in step:
            path.append(step)  # a missing or unknown field: report at the mapping, name the field
            node = None
    return tuple(path)


def _message(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field (misspelt, or not part of this kind of record)"
    if error["type"] == "missing":
        return "required field is missing"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def record_files(root: Path) -> Iterator[Path]:
    """Every record file under a records tree, in a stable order."""
    if (root / "essay.yaml").is_file():
        yield root / "essay.yaml"
    for kind in KINDS[1:]:
        directory = root / kind
        if directory.is_dir():
            yield from sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))


def bundled_records() -> Path:
    """The records tree shipped inside the package (a checkout's `records/` when run from source)."""
    packaged = Path(str(resources.files("chilecite") / "records"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "records"


def load_corpus(root: Path | None = None, *, extra: Iterable[Path] = ()) -> Corpus:
    """Load a records tree (the bundled one by default), plus any `extra` files validated in its context.

    Extra files replace records of the same id in the tree, so a contributor's edited copy of a file
    is checked as it would land; an extra file whose id already exists elsewhere is a collision.
    """
    root = root or bundled_records()
    corpus = Corpus(root=root)
    extra = [Path(p) for p in extra]
    if not extra:
        for path in record_files(root):
            load_file(path, corpus, root.parent)
        return corpus
    corpus.focus = set()
    for path in extra:
        loaded = set(corpus.sources)
        load_file(path, corpus, Path.cwd())
        corpus.focus |= (set(corpus.sources) - loaded) or {(kind_of(path) or "?", path.stem)}
    # The rest of the corpus gives context; its own problems are not the contributor's to fix.
    extra_files = {p.resolve() for p in extra}
    context = Corpus()
    for path in record_files(root):
        if path.resolve() not in extra_files:
            load_file(path, context, root.parent)
    corpus.files += context.files
    for key, source in context.sources.items():
        if key in corpus.sources:
            if not _same_path(corpus.sources[key].file, source.file):
                corpus.duplicates.append((*key, corpus.sources[key], source))
            continue  # an edited copy of a corpus file replaces it
        _store(corpus, *key, _record_of(context, *key), source)
    return corpus


def _same_path(a: Path, b: Path) -> bool:
    """Whether a contributed file is an edited copy of a corpus file (same kind, same file name)."""
    if a.name == b.name == "essay.yaml":
        return True
    return a.name == b.name and a.parent.name == b.parent.name


def _record_of(corpus: Corpus, kind: str, rid: str) -> Any:
    if kind == "essay":
        return corpus.essay
    if kind == "notes":
        return corpus.notes[int(rid)]
    return getattr(corpus, kind)[rid]
