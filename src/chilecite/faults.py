"""Schema faults in chilecite's own words, and the record that can still be made of a file that has one.

pydantic finds what is wrong with a record; this module says it as a contributor needs to read it:
the field, what is expected (from the model: its type, and an example from `Field(examples=...)`),
what was found, and "did you mean" for a misspelt field, enum value or language tag. Nothing of
pydantic's wording reaches a report.

A slip in one field should be one error in one file, not a cascade over the records that name it:
`admit` makes the record without the faulty parts (an unknown field left out, a malformed value
dropped, an item missing a required field removed), so that the rest of the record still takes part
in the checks across records. The loader reports the faults and keeps the admitted record as
*partial*: the validator reports nothing else on it until its faults are fixed.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from chilecite.models import (
    Citation,
    Essay,
    Locator,
    Note,
    NoteAnchor,
    Organisation,
    Person,
    Quotation,
    QuotationAnchor,
    Section,
    TextPositionSelector,
    TextQuoteSelector,
    Transcription,
    Work,
)
from chilecite.values import FILE_NAME_ERROR, URL_ERROR, Date, Language, PageRange
from chilecite.vocabulary import closest

FieldPath = tuple[str | int, ...]

# The kinds of record by folder, the name `chilecite schema --show` takes, and their models.
SCHEMA_NAMES = {"essay": "essay", "notes": "note", "works": "work", "agents": "agent", "quotations": "quotation"}
ROOTS: dict[str, tuple[type[BaseModel], ...]] = {
    "essay": (Essay,), "notes": (Note,), "works": (Work,), "agents": (Person, Organisation), "quotations": (Quotation,),
}
_CALLED = {
    Essay: "the essay record", Note: "a note", Work: "a work", Person: "a person", Organisation: "an organisation",
    Quotation: "a quotation", Citation: "a citation", Locator: "a locator", NoteAnchor: "a note's anchor",
    QuotationAnchor: "a quotation's anchor", TextQuoteSelector: "a quote selector", TextPositionSelector: "a position selector",
    Section: "a section", Transcription: "a transcription",
}
_AGENT_TAGS: dict[str, type[BaseModel]] = {"person": Person, "organisation": Organisation}
_LOCATOR_RE = re.compile(r"^\s*(?:pp?\.|pages?)\s*(\S.*?)\s*$", re.IGNORECASE)
MAX_ROUNDS = 4  # dropping a malformed value can leave its parent without a required field: a round or two settles it


@dataclass(frozen=True)
class Fault:
    """One schema fault: where it is in the file, the field as reports name it, what to say, and
    what the partial record leaves out (None: without this, no record can be made)."""

    path: FieldPath
    field: str | None
    message: str
    hint: str
    drop: FieldPath | None
    error_type: str = ""  # pydantic's: a typed value's own (a URL, a file name) is reported under its own code


# --------------------------------------------------------------------------- what a field is


@dataclass(frozen=True)
class Place:
    """A step of a record's structure: the model a field belongs to, the field and its info."""

    owner: type[BaseModel]
    name: str
    info: FieldInfo | None  # None: not a field of `owner`


def describe_type(annotation: Any, info: FieldInfo | None = None) -> str:
    """What a value of this type is, in words: `text`, `a whole number of at least 1`, `one of book, chapter`."""
    annotation = _optional_inner(annotation)
    if annotation == Date:
        return ("a date in EDTF, in quotes: YYYY, YYYY-MM or YYYY-MM-DD (YYYY-21..24 for spring..winter), "
                "with a trailing ? if uncertain or ~ if approximate, START/END for a range")
    if annotation == PageRange:
        return "a page or page range (45, 45–86)"
    if annotation == Language:
        return "a BCP 47 language tag: an ISO 639-1 language, optionally with a script and a region (es, es-CL, sr-Latn)"
    origin = get_origin(annotation)
    if origin is Annotated:
        return describe_type(get_args(annotation)[0], info)
    if origin is list:
        return f"a list, each item {describe_type(get_args(annotation)[0])}"
    if origin is Literal:
        return _one_of([str(v) for v in get_args(annotation)])
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _one_of([str(m.value) for m in annotation])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        required = [n for n, f in annotation.model_fields.items() if f.is_required()]
        optional = [n for n, f in annotation.model_fields.items() if not f.is_required() and n != "type"]
        text = f"a mapping with {_and(required)}" if required else "a mapping"
        return text + (f" (and optionally {_or(optional)})" if optional else "")
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "a whole number" + _bounds(info) + ", without quotes"
    if annotation is str:
        pattern = _constraint(info, "pattern")
        return f"text of the form {pattern}" if pattern else "text"
    return "a value of another form"


def _optional_inner(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not NoneType]
        if len(args) == 1:
            return args[0]
    return annotation


def _bounds(info: FieldInfo | None) -> str:
    ge = _constraint(info, "ge")
    return f" of at least {ge}" if ge is not None else ""


def _constraint(info: FieldInfo | None, name: str) -> Any:
    for item in info.metadata if info is not None else ():
        value = getattr(item, name, None)
        if value is not None:
            return value
    return None


def _one_of(values: Sequence[str]) -> str:
    return "one of " + ", ".join(values)


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _or(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def example_of(name: str, info: FieldInfo | None) -> str | None:
    """The field's first example as a line of YAML (`issued: '1973-08-09'`), or None when the model gives none."""
    if info is None or not info.examples:
        return None
    return yaml_line(name, info.examples[0])


def yaml_line(name: str, value: Any) -> str:
    text = yaml.safe_dump({name: value}, allow_unicode=True, default_flow_style=True, width=10_000, sort_keys=False).strip()
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text  # {a: b} -> a: b


def called(model: type[BaseModel]) -> str:
    """How reports call a record or a part of one: `a work`, `a citation`."""
    return _CALLED.get(model, f"a {model.__name__.lower()}")


def model_inside(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (directly, optional, or in a list), if any."""
    annotation = _optional_inner(annotation)
    if get_origin(annotation) is list:
        annotation = _optional_inner(get_args(annotation)[0])
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def root_model(kind: str, data: Any) -> type[BaseModel]:
    """The model a record of `kind` is validated against (an agent: by its `kind` field)."""
    roots = ROOTS[kind]
    if len(roots) > 1 and isinstance(data, dict):
        tag = data.get("kind")
        if isinstance(tag, str) and tag in _AGENT_TAGS:
            return _AGENT_TAGS[tag]
    return roots[0]


# --------------------------------------------------------------------------- reading pydantic's errors


def _walk(kind: str, data: Any, loc: Sequence[Any]) -> tuple[FieldPath, Place | None, Any, bool]:
    """Follow an error's location through the data: the path in the YAML, the last field met (its
    model and info), the value there, and whether that value is present in the file."""
    model: type[BaseModel] | None = root_model(kind, data)
    node, present = data, True
    path: list[str | int] = []
    place: Place | None = None
    steps = list(loc)
    if kind == "agents" and steps and steps[0] in _AGENT_TAGS:
        model = _AGENT_TAGS[steps.pop(0)]
    for step in steps:
        if isinstance(step, int):
            path.append(step)
            if present and isinstance(node, list) and step < len(node):
                node = node[step]
            else:
                present = False
            continue
        if not isinstance(step, str) or model is None or (step not in model.model_fields and not _is_key(node, step)):
            continue  # pydantic's own steps (a validator's name): not part of the record
        info = model.model_fields.get(step)
        place = Place(model, step, info)
        path.append(step)
        if present and isinstance(node, dict) and step in node:
            node = node[step]
        else:
            present, node = False, None
        model = model_inside(info.annotation) if info is not None else None
    return tuple(path), place, node, present


def _is_key(node: Any, step: str) -> bool:
    return isinstance(node, dict) and step in node


def faults(kind: str, data: dict[str, Any], errors: Iterable[Any]) -> list[Fault]:
    """The schema faults of a record of `kind`, from pydantic's errors, in chilecite's words."""
    found = [(error["type"], _fault(kind, data, error)) for error in errors]
    missing = {fault.path: fault for etype, fault in found if etype == "missing"}
    # `famly:` for `family:` is one slip: the unknown field, and the required one it was meant to be
    meant: dict[FieldPath, FieldPath] = {}
    for etype, fault in found:
        for path in missing:
            if etype == "extra_forbidden" and path[:-1] == fault.path[:-1] and f"'{path[-1]}'" in fault.message and path not in meant.values():
                meant[fault.path] = path
                break
    out: list[Fault] = []
    seen: set[tuple[FieldPath, str]] = set()
    for etype, fault in found:
        if etype == "missing" and fault.path in meant.values():
            continue  # said with the misspelt field that was meant to be it
        if fault.path in meant and etype == "extra_forbidden":
            required = meant[fault.path]
            fault = Fault(fault.path, fault.field, f"{fault.message} ({required[-1]} is required)", fault.hint, missing[required].drop)
        if (fault.path, fault.message) not in seen:
            seen.add((fault.path, fault.message))
            out.append(dataclasses.replace(fault, error_type=etype))
    return out


def _fault(kind: str, data: dict[str, Any], error: Any) -> Fault:
    kind_name = SCHEMA_NAMES[kind]
    loc, etype = tuple(error["loc"]), error["type"]
    if etype in ("union_tag_invalid", "union_tag_not_found"):  # an agent's `kind`, which picks its model
        tags = list(_AGENT_TAGS)
        found = data.get("kind")
        choices = closest(str(found), tags) if found is not None else []
        said = f"found {_found(found)}" if etype == "union_tag_invalid" else "it is missing"
        return Fault(("kind",), "kind", _sentence("kind", f"expected {_one_of(tags)}, e.g. `kind: person`; {said}", choices),
                     f"`chilecite schema --show {kind_name}.kind` says what it means", None)
    path, place, value, present = _walk(kind, data, loc)
    dotted = ".".join(map(str, path)) or None
    show = ".".join([kind_name, *(str(p) for p in path if isinstance(p, str))])
    hint = f"`chilecite schema --show {show}` shows the field: its description, type and an example"
    if place is None:
        return Fault(path, dotted, _sentence(dotted or "record", "this record does not fit its kind"), hint, None)
    info, name = place.info, place.name
    if etype == "extra_forbidden" or info is None:
        fields = list(place.owner.model_fields)
        choices = closest(name, fields)
        where = ".".join([kind_name, *(str(p) for p in path[:-1] if isinstance(p, str))])
        said = f"not a field of {called(place.owner)}"
        if not choices:
            said += f"; its fields are {', '.join(fields)}"
        return Fault(path, dotted, _sentence(dotted or name, said, choices, quote=True), f"`chilecite schema --show {where}` lists its fields", path)
    expected = describe_type(info.annotation, info)
    example = example_of(name, info)
    like = f", e.g. `{example}`" if example else ""
    if etype == "missing":
        parent = path[:-1]
        return Fault(path, dotted, _sentence(dotted or name, f"required, and missing: expected {expected}{like}"), hint, parent or None)
    if etype in (URL_ERROR, FILE_NAME_ERROR):  # a typed value says itself what is wrong (reported under its own code)
        return Fault(path, dotted, _sentence(dotted or name, error["msg"]), hint, path)
    why, choices = "", []
    if etype == "value_error":
        cause = error.get("ctx", {}).get("error")
        why = f"{cause}; " if cause is not None else ""
        choices = list(getattr(cause, "choices", ()))
    elif etype in ("enum", "literal_error") and isinstance(value, str):
        choices = closest(value, _choices(info.annotation))
    elif etype == "model_type" and model_inside(info.annotation) is Locator and isinstance(value, (str, int)):
        choices = _locator_guess(str(value))
    elif etype == "list_type" and isinstance(value, (str, int)) and present:
        choices = [yaml_line(name, [value])]  # one item written without the list around it
    elif etype == "int_type" and isinstance(value, str) and value.strip().isdigit():
        choices = [yaml_line(name, int(value))]  # a number in quotes
    if etype == "too_short":
        found = "an empty list"
    else:
        found = _found(value) if present else "nothing"
    message = f"{why}expected {expected}{like}" + ("" if etype == "value_error" else f"; found {found}")
    as_yaml = etype in ("model_type", "list_type", "int_type")  # the suggestion is a line of YAML, not a value
    return Fault(path, dotted, _sentence(dotted or name, message, choices, quote=not as_yaml), hint, path)


def _choices(annotation: Any) -> list[str]:
    annotation = _optional_inner(annotation)
    if get_origin(annotation) is list:
        annotation = _optional_inner(get_args(annotation)[0])
    if get_origin(annotation) is Literal:
        return [str(v) for v in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(m.value) for m in annotation]
    return []


def _locator_guess(text: str) -> list[str]:
    """`p. 52` -> the locator mapping it most likely meant."""
    match = _LOCATOR_RE.match(text)
    value = match.group(1) if match else text.strip()
    if not value or not re.fullmatch(r"[0-9ivxlcdmIVXLCDM]+(\s*[-–]\s*[0-9ivxlcdmIVXLCDM]+)?", value):
        return []
    return [yaml_line("locator", {"label": "page", "value": value})]


def _found(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value if len(value) <= 60 else value[:57] + '...'}'"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, dict):
        return "a mapping"
    return "a value of another kind"


def _sentence(field: str, said: str, choices: Sequence[str] = (), *, quote: bool = True) -> str:
    text = f"{field}: {said}"
    if choices:
        shown = [f"'{c}'" if quote else f"`{c}`" for c in choices]
        text += f"; did you mean {_or(shown)}?"
    return text


# --------------------------------------------------------------------------- what can still be admitted


def admit(kind: str, data: dict[str, Any], first: Sequence[Fault], adapter: TypeAdapter[Any]) -> tuple[Any, dict[str, Any]] | None:
    """The record made of `data` without its faulty parts, with the data it was made from; None when
    no record can be made (a required field of the record itself is missing or malformed)."""
    current, found = data, list(first)
    for _ in range(MAX_ROUNDS):
        drops = [f.drop for f in found]
        if any(d is None or d == () for d in drops):
            return None
        current = without(current, [d for d in drops if d is not None])
        try:
            return adapter.validate_python(current), current
        except ValidationError as exc:
            found = faults(kind, current, exc.errors())
    return None


def without(data: dict[str, Any], paths: Sequence[FieldPath]) -> dict[str, Any]:
    """A copy of `data` with the values at `paths` removed (list items from the last, so indices hold)."""
    out = copy.deepcopy(data)
    for path in sorted(set(paths), key=lambda p: tuple((1, s) if isinstance(s, int) else (0, s) for s in p), reverse=True):
        parent: Any = out
        for step in path[:-1]:
            parent = parent[step] if _has(parent, step) else None
        if _has(parent, path[-1]):
            del parent[path[-1]]
    return out


def _has(node: Any, step: str | int) -> bool:
    if isinstance(node, dict):
        return step in node
    return isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
