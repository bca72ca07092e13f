"""Loading: a records tree, read once (`chilecite.tree`), becomes a `Corpus`, every problem met on
the way a `Problem` with its file, line and column.

Each file is parsed into plain data (`chilecite.yamldata`) and validated by its model; a broken
file never stops the others. The loader's own problem codes (files that cannot become records) are
defined here, with it; the catalogue (`chilecite.rules`) lists them with the checks' codes.

Positions are not kept for a valid record: they are read back from the file when one of its
problems must be located.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError

from chilecite import tree as T
from chilecite import yamldata as Y
from chilecite.corpus import POSITION_READER, Corpus, Duplicate, FieldPath, Source
from chilecite.faults import admit, faults, without
from chilecite.files import read_regular
from chilecite.models import Agent, Essay, Note, Quotation, Work
from chilecite.problems import Problem, Rule, Severity
from chilecite.tree import (
    MAX_FILE_BYTES,
    FileRead,
    NotATree,
    TreeRead,
    bundled_records,
    display_path,
    id_from_stem,
    is_records_tree,
    kind_of,
    read_tree,
    record_id,
    release,
    stem,
)
from chilecite.values import FILE_NAME_ERROR, URL_ERROR
from chilecite.vocabulary import ID_RE
from chilecite.yamldata import YamlRefused, parse_yaml

# --------------------------------------------------------------------------- the loader's codes


def _load(code: str, title: str, hint: str, docs: str, split_from: str | None = None) -> Rule:
    return Rule(code, Severity.error, title, hint, docs, split_from=split_from, reported_by="loader")


YAML_SYNTAX = _load("CC001", "YAML syntax error", "Check indentation, colons and quotes on this line.",
                    "The file is not well-formed YAML; the position is where the parser gave up.")
DUPLICATE_KEY = _load("CC002", "Duplicate key in a mapping", "Keep one of the two keys; YAML would silently drop the other.",
                      "Plain YAML keeps the last of two equal keys and loses the first without a word; records refuse both.")
ANCHOR_ALIAS = _load("CC003", "YAML anchor or alias", "Write values out in full; records may not use anchors or aliases.",
                     "Anchors and aliases can multiply a small file into gigabytes (billion laughs); records never need them.")
OBJECT_TAG = _load("CC004", "YAML tag that would build an object", "Remove the tag: records hold plain strings, numbers, lists and mappings.",
                   "Tags such as !!python/object or !!binary are refused; only the core scalar, list and mapping tags are read.")
SCHEMA = _load("CC005", "Field missing, unknown, or of the wrong type", "`chilecite schema --show KIND.FIELD` shows the field: its description, type and an example.",
               "The record does not fit its model: a required field is missing, a field is misspelt, or a value has the wrong type or form. "
               "The message names the field, what is expected (with an example) and what was found, with the nearest valid "
               "field, value or language tag. The rest of the record is still checked against the other records, so a slip "
               "in one field is one error in one file; what else is wrong with that record is reported once the fault is fixed.")
TOO_LARGE = _load("CC006", "File too large for a record", "A record is a few kilobytes; split or shorten it.",
                  "Files over 1,000,000 bytes are not read at all.")
BAD_FILE_NAME = _load("CC007", "File name is not a valid record id", "Use lower-case ASCII letters, digits and hyphens: `miliband1973coup.yaml`.",
                      "A work's, agent's or quotation's id is its file name, so the name must be a valid id.")
NOT_UTF8 = _load("CC008", "File is not UTF-8", "Save the file as UTF-8.",
                 "The position is the first byte that is not UTF-8.", split_from="CC001")
TOO_DEEP = _load("CC009", "Nesting too deep", "Records are a few levels deep; flatten the value.",
                 "Mappings and lists nested more than 40 levels deep are refused before parsing.", split_from="CC001")
MANY_DOCUMENTS = _load("CC090", "More than one YAML document in a file", "Keep one record per file; remove the `---` line.",
                       "A second `---` document would be ignored by other YAML readers.", split_from="CC001")
COMPLEX_KEY = _load("CC091", "Mapping key is not a plain word", "Write keys as simple words such as `title:`.",
                    "A list or mapping used as a key (`? [a, b]`) has no meaning in a record.", split_from="CC001")
NOT_A_MAPPING = _load("CC092", "Record is not a mapping of fields", "Start the file with `field: value` lines.",
                      "The file holds a list, a single value or nothing at all.", split_from="CC005")
UNKNOWN_PLACE = _load("CC093", "File is not where any kind of record goes", "Put records in records/notes, works, agents or quotations; the essay record is records/essay.yaml.",
                      "The kind of a record is the folder it is in.", split_from="CC007")
NOTE_FILE_NAME = _load("CC094", "Note number does not match the file name", "Name note files by their three-digit number: note 32 is notes/032.yaml.",
                       "", split_from="CC007")
NOT_REGULAR = _load("CC095", "Not a regular file", "Replace it with a plain YAML file (not a directory, pipe, device or socket).",
                    "Only regular files are read, so a pipe cannot hang the validator and a device cannot fill the memory.")
OUTSIDE_TREE = _load("CC096", "Link that leads nowhere, in a loop, or out of the records tree", "Replace the link by the file itself.",
                     "A symbolic link is followed only when it resolves to a regular file inside the records tree.")
UNREADABLE = _load("CC097", "File cannot be read", "Check the file's permissions.",
                   "The operating system refused to open or read the file; the reason is in the message.")
ESSAY_TEXT = _load("CC098", "Reference text cannot be used", "Run `chilecite essay` to see where the text is looked for and what it should be.",
                   "The essay's reference text exists but is not a readable UTF-8 regular file.")

URL = Rule("CC045", Severity.error, "URL not an absolute http(s) address", "Write a full http:// or https:// address, with no spaces.",
           "Every URL field of every record (a work's `url`, essay.yaml's `transcription.url`): http or https in any case, a host, "
           "no white space, control or invisible formatting character. Nothing else becomes a link.", reported_by="loader")
FILE_NAME = Rule("CC046", Severity.error, "File name is not a plain name", "Write the file's name only, e.g. `essay.txt`: no folder, no `..`.",
                 "A file name a record gives (essay.yaml's `text_file`) is looked for in the folders where texts are kept and "
                 "stored there: no `/` or `\\`, no `..`, no leading dot, no NUL or control character.", reported_by="loader")
# Reported by the loader, which leaves the placeholder's field out before checking the schema, so
# that a skeleton as printed is one error per blank, never a type error for a blank in a dated field.
PLACEHOLDER = Rule("CC054", Severity.error, "Skeleton placeholder not filled in",
                   "Replace `<fill in: …>` with the value (`chilecite schema --show KIND.FIELD` says what it is), or delete the line "
                   "when the record has none; never guess.",
                   "`chilecite new` marks every value a contributor must supply as `<fill in: what it is>`; a record still holding "
                   "one is not finished. The field is left out of the record until it is filled in.",
                   reported_by="loader")
# What `chilecite new` puts where a contributor must write a value: `<fill in: the title as published>`.
PLACEHOLDER_MARK = "<fill in"
PLACEHOLDER_RE = re.compile(r"^<fill in\b[^<>]*>\Z")
RULES: tuple[Rule, ...] = (URL, FILE_NAME, PLACEHOLDER, YAML_SYNTAX, DUPLICATE_KEY, ANCHOR_ALIAS, OBJECT_TAG, SCHEMA, TOO_LARGE, BAD_FILE_NAME, NOT_UTF8, TOO_DEEP,
         MANY_DOCUMENTS, COMPLEX_KEY, NOT_A_MAPPING, UNKNOWN_PLACE, NOTE_FILE_NAME, NOT_REGULAR, OUTSIDE_TREE, UNREADABLE, ESSAY_TEXT)
YAML_RULES = {Y.SYNTAX: YAML_SYNTAX, Y.DUPLICATE_KEY: DUPLICATE_KEY, Y.ANCHOR_ALIAS: ANCHOR_ALIAS, Y.OBJECT_TAG: OBJECT_TAG,
              Y.TOO_DEEP: TOO_DEEP, Y.MANY_DOCUMENTS: MANY_DOCUMENTS, Y.COMPLEX_KEY: COMPLEX_KEY}
BY_ERROR = {URL_ERROR: URL, FILE_NAME_ERROR: FILE_NAME}  # a typed value's error type -> the code it is reported under
READ_RULES = {T.OUTSIDE: OUTSIDE_TREE, T.NOT_REGULAR: NOT_REGULAR, T.TOO_LARGE: TOO_LARGE, T.UNREADABLE: UNREADABLE}

# --------------------------------------------------------------------------- one file


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "essay": TypeAdapter(Essay),
    "notes": TypeAdapter(Note),
    "works": TypeAdapter(Work),
    "agents": TypeAdapter(Agent),
    "quotations": TypeAdapter(Quotation),
}


@dataclass
class Loaded:
    """What loading one file gave: the record (with its final id) or none, and the problems met.
    `data` is the plain data the record was validated from: what the cache keeps (`as_row`)."""

    kind: str
    id: str
    problems: list[Problem]
    record: Any = None
    data: Any = None

    def as_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"kind": self.kind, "id": self.id, "problems": [p.model_dump(mode="json", exclude_none=True) for p in self.problems]}
        if self.record is not None:
            row["data"] = self.data
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Loaded:
        """A kept outcome, its record validated again from its plain data (so a cache entry can
        never make a record the models would refuse). ValueError when the row does not fit."""
        try:
            loaded = cls(row["kind"], row["id"], [Problem.model_validate(p) for p in row["problems"]])
            if "data" in row:  # the plain data is not kept again: the row already holds it
                loaded.record = _ADAPTERS[loaded.kind].validate_python(row["data"])
        except (KeyError, TypeError, ValidationError) as exc:
            raise ValueError(f"a cached record does not fit: {exc}") from None
        return loaded


def load_read(f: FileRead) -> Loaded:
    """Load one file as read: its read problem, or its parsed, validated record."""
    rid = id_from_stem(f.kind, stem(os.path.basename(f.path)))
    if f.data is None:
        reason, why = f.refused or (T.UNREADABLE, "not read")
        return Loaded(f.kind, rid, [READ_RULES[reason].problem(why, file=f.display, line=1, column=1, kind=f.kind, record=rid)])
    return load_bytes(f.path, f.display, f.kind, f.data)


def load_bytes(path: str, display: str, kind: str, raw: bytes) -> Loaded:
    """Decode, parse and validate the bytes of one record file of a known kind."""
    name = os.path.basename(path)
    file_stem = stem(name)
    rid = id_from_stem(kind, file_stem)
    outcome = Loaded(kind, rid, [])
    at_start: dict[str, Any] = {"file": display, "line": 1, "column": 1, "kind": kind, "record": rid}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start:exc.start].decode("utf-8", errors="replace")) + 1  # characters, like every other column
        outcome.problems.append(NOT_UTF8.problem(f"byte 0x{raw[exc.start]:02x} is not UTF-8", **(at_start | {"line": line, "column": column})))
        return outcome
    try:
        parsed = parse_yaml(text, positions=False)
    except YamlRefused as refused:
        rule = YAML_RULES[refused.reason]
        outcome.problems.append(rule.problem(refused.message, **(at_start | {"line": refused.line, "column": refused.column})))
        return outcome
    if kind in ("works", "agents", "quotations") and not ID_RE.match(rid):
        outcome.problems.append(BAD_FILE_NAME.problem(f"file name '{name}' is not a valid record id", **at_start))
    if not isinstance(parsed.data, dict):
        outcome.problems.append(NOT_A_MAPPING.problem("a record must be a YAML mapping of fields", **at_start))
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
            rule = BY_ERROR.get(fault.error_type, SCHEMA)  # a typed value's own code (CC045 a URL, ...)
            outcome.problems.append(rule.problem(fault.message, hint=fault.hint if rule is SCHEMA else None, **source.locate(fault.path),
                                                 kind=kind, record=rid, field=fault.field))
        admitted = admit(kind, data, found, _ADAPTERS[kind])
        if admitted is None:
            return outcome
        record, data = admitted
    if kind == "notes":
        outcome.id = rid = str(record.number)
        if file_stem != f"{record.number:03d}":
            where = Source(path, display, parse_yaml(text).positions).locate(("number",))
            outcome.problems.append(NOTE_FILE_NAME.problem(f"note {rid} is in {name}; expected {record.number:03d}.yaml",
                                                           **where, kind=kind, record=rid, field="number"))
    outcome.record, outcome.data = record, data
    return outcome


def find_placeholders(data: object, path: FieldPath = ()) -> list[FieldPath]:
    """The path of every placeholder string in a record's plain data."""
    if isinstance(data, str):
        return [path] if data.startswith(PLACEHOLDER_MARK) and PLACEHOLDER_RE.match(data) else []
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in find_placeholders(value, (*path, key))]
    if isinstance(data, list):
        return [found for i, value in enumerate(data) for found in find_placeholders(value, (*path, i))]
    return []


def _value_at(data: Any, path: FieldPath) -> Any:
    for step in path:
        data = data[step]
    return data


_LEFT_OUT = frozenset({SCHEMA.code, PLACEHOLDER.code, URL.code, FILE_NAME.code})  # codes whose field the record is made without


def kind_of_file(path: Path | str) -> str | None:
    """The kind of record a file is, from the folder it really is in: `062.yaml` named from inside
    `records/notes/` is a note, as `../notes/062.yaml` or `records/notes/062.yaml` are."""
    return kind_of(Path(os.path.abspath(path)))


def load_file(path: Path, corpus: Corpus, base: Path | None = None, root: Path | None = None) -> None:
    """Load one record file (outside a tree read: a contributor's file, an import) into the corpus."""
    display = display_path(path, base)
    kind = kind_of_file(path)
    corpus.files += 1
    if kind is None:
        corpus.problems.append(UNKNOWN_PLACE.problem(f"cannot tell what kind of record {path.name} is", file=display, line=1, column=1))
        return
    raw = T.read_record_bytes(str(path), root)
    f = FileRead("", kind, str(path), display)
    if isinstance(raw, tuple):
        f.refused = raw
    else:
        f.data, f.sha256 = raw, hashlib.sha256(raw).digest()
    add_loaded(corpus, f, load_read(f))


def add_loaded(corpus: Corpus, f: FileRead, loaded: Loaded) -> None:
    """Put one file's outcome into the corpus: its problems, and its record if it has one."""
    corpus.problems.extend(loaded.problems)
    if loaded.record is not None:
        _share_fields_sets(loaded.record)
        corpus.add(loaded.kind, loaded.id, loaded.record, Source(f.path, f.display, None, f.sha256))
        if any(p.code in _LEFT_OUT for p in loaded.problems):
            corpus.partial.add((loaded.kind, loaded.id))  # made without its faulty parts: its faults are all it reports
    elif loaded.problems:
        corpus.unloaded.add((loaded.kind, loaded.id))  # its file is there, but no record could be made of it


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


@functools.lru_cache(maxsize=64)  # a record's problems come together: its positions are read once for them
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


def load_corpus(root: Path | str | None = None, *, extra: Iterable[Path | str] = (), progress: Progress | None = None) -> Corpus:
    """Load a records tree (the bundled one by default), plus any `extra` files validated in its context.

    This is loading alone, uncached and unvalidated: `chilecite.Workspace` adds the reference
    text, the validator's gate and the cache. `progress(done, total)` is called as files load.
    Raises NotATree when `root` has no essay.yaml. See `with_contributed` for `extra`.
    """
    if root is not None and not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"load_corpus takes the path of a records tree, not {type(root).__name__}")
    root = Path(root) if root is not None else bundled_records()
    if not is_records_tree(root):
        raise NotATree(f"{root} is not a records tree: it has no essay.yaml")
    read = read_tree(root)
    corpus = corpus_from(read, (load_read(f) for f in read.each()), progress)
    extra_paths = [Path(p) for p in extra]
    return with_contributed(corpus, extra_paths) if extra_paths else corpus


def corpus_from(read: TreeRead, outcomes: Iterable[Loaded], progress: Progress | None = None) -> Corpus:
    """The corpus of a tree read once, from each file's outcome (in the order of `read.files`).
    Each file's bytes are let go once its outcome is in (its digest stays)."""
    corpus = Corpus()
    total = len(read.files)
    step = max(1, total // 200)
    for done, (f, loaded) in enumerate(zip(read.files, outcomes, strict=True), 1):
        corpus.files += 1
        add_loaded(corpus, f, loaded)
        release(f)
        if progress is not None and (done % step == 0 or done == total):
            progress(done, total)
    for kind, folder, why in read.unreadable:
        corpus.problems.append(UNREADABLE.problem(f"cannot list the folder: {why}", file=display_path(Path(folder), read.root.parent), kind=kind))
    corpus.digest = read.digest
    return corpus


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
