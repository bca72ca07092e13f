"""A synthetic records tree: N copies of a records tree (the bundled one by default) in one tree,
for measuring how chilecite scales.

The engine checks one essay per tree, so the copies share the essay record and its reference
text. Each copy renames what a copy would otherwise duplicate, and keeps every reference pointing
at its own copy:

- works, agents and quotations get a suffix (`miliband1973coup` -> `miliband1973coupc2`,
  `allende-salvador` -> `allende-salvador-c2`); titles and names get "(copy 2)", so the
  likely-duplicate checks (CC016, CC017) see different works and people. Copy 0 keeps the
  original ids and names. The essay's own work record is not copied.
- notes are renumbered so that the N copies of note n stand together: copy k of note n is note
  (n - 1) * N + k + 1, and `notes` in essay.yaml becomes 86 * N. Anchors stay in order (CC012).

Every rule holds on the result except two that compare note numbers with the markers [1]..[86]
printed in the reference text (`skipped_rules()`: the note marker in its paragraph, and the
markers against `notes`). Without the reference text they are not run at all (with every other
text rule); with it, `SyntheticTree.ignore` is the `--ignore` that skips them.

Files are written from per-record templates (one YAML dump of each record, ids and numbers
substituted per copy), so a 1000x tree of 242,000 files takes a minute, not an hour.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chilecite.corpus import Corpus

WHY_SKIPPED = {
    "note_marker_placed": "the text prints one marker per note of the source tree only",
    "markers_match_count": "the text has the source tree's markers, the tree N times as many notes",
}
_ID, _KEY, _COPY = "zqzqid", "zqzqkey", "zqzqcopy"  # placeholders, substituted per copy
_NOTE_RE = re.compile(r"zqzqnote(\d+)x")
_MARKER = "synthetic.json"


@dataclass(frozen=True)
class SyntheticTree:
    """A generated tree: where it is, how many copies, and how many files of each kind."""

    path: Path
    scale: int
    files: int
    works: int

    @property
    def ignore(self) -> str:
        """The `--ignore` value for `chilecite validate` with the reference text."""
        return ",".join(sorted(skipped_rules()))


def skipped_rules() -> dict[str, str]:
    """The codes of the checks that cannot hold on a synthetic tree, with why."""
    from chilecite.rules import CATALOGUE

    return {rule.code: f"{rule.title}: {WHY_SKIPPED[rule.check.__name__]}" for rule in CATALOGUE
            if rule.check is not None and rule.check.__name__ in WHY_SKIPPED}


def generate(target: Path | str, scale: int, source: Path | str | None = None) -> SyntheticTree:
    """Write a tree of `scale` copies of `source` (the bundled records) at `target`/records.

    An existing tree made by the same call (same scale and source content) is reused.
    """
    from chilecite.loading import load_corpus
    from chilecite.tree import bundled_records

    if scale < 1:
        raise ValueError("scale is at least 1")
    records = Path(source) if source is not None else bundled_records()
    fingerprint = {"scale": scale, "source": _source_digest(records)}
    root = Path(target) / "records"
    marker = Path(target) / _MARKER
    made = _made(marker, fingerprint)
    if made is not None:
        return SyntheticTree(root, scale, made["files"], made["works"])
    _clear(root, marker)

    corpus = load_corpus(records)
    if not corpus.is_sound or corpus.essay is None:
        raise ValueError(f"{records} does not load cleanly; fix it before copying it")
    names = _Names(corpus.essay.key)
    templates = _templates(corpus, names)
    for kind in ("notes", "works", "agents", "quotations"):
        (root / kind).mkdir(parents=True, exist_ok=True)
    files = _write_essay(records, root, names.essay_key, corpus.note_count * scale)
    for k in range(scale):
        files += _write_copy(root, templates, scale, k)
    works = scale * (len(corpus.works) - 1) + 1
    marker.write_text(json.dumps({"made": fingerprint, "files": files, "works": works}) + "\n", encoding="utf-8")
    return SyntheticTree(root, scale, files, works)


# --------------------------------------------------------------------------- reusing a tree already made


def _source_digest(source: Path) -> str:
    """A digest of the source tree: every record file's path and bytes, in the tree's order."""
    import hashlib

    from chilecite.tree import record_files

    digest = hashlib.sha256()
    for path in record_files(source):
        digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _made(marker: Path, fingerprint: dict[str, Any]) -> dict[str, Any] | None:
    """What the marker says was made (its files and works), if it was made by the same call."""
    if not marker.is_file():
        return None
    made: dict[str, Any] = json.loads(marker.read_text())
    return made if made.get("made") == fingerprint else None


def _clear(root: Path, marker: Path) -> None:
    """Remove a tree made otherwise (or half made), and its marker."""
    if root.exists():
        import shutil

        shutil.rmtree(root)
    marker.unlink(missing_ok=True)


# --------------------------------------------------------------------------- templates: the records with placeholders


@dataclass(frozen=True)
class _Names:
    """How a record's ids, keys and note numbers are written in a template: as placeholders that
    `_write_copy` substitutes per copy. The essay's own work keeps its key (it is not copied)."""

    essay_key: str

    def work(self, key: str) -> str:
        return key if key == self.essay_key else key + _KEY

    def agent(self, aid: str) -> str:
        return aid + _ID

    def note(self, number: int) -> str:
        return f"zqzqnote{number}x"

    def citation(self, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "work": self.work(data["work"])}


def _templates(corpus: Corpus, names: _Names) -> list[tuple[str, str]]:
    """A (file name, YAML text) for every record to copy, both with placeholders: every record but
    the essay and its own work."""
    import yaml

    from chilecite.writing import record_to_data

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    templates: list[tuple[str, str]] = []
    for kind, rid, record in corpus.records():
        if kind == "essay" or (kind == "works" and rid == names.essay_key):
            continue
        data = record_to_data(record)
        name = _template_data(kind, rid, record, data, names)
        text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
        templates.append((name, text))
    return templates


def _template_data(kind: str, rid: str, record: Any, data: dict[str, Any], names: _Names) -> str:
    """Put the placeholders in a record's `data` (changed in place); the template's file name."""
    if kind == "notes":
        return _note_template(record.number, data, names)
    if kind == "works":
        return _work_template(rid, data, names)
    if kind == "agents":
        return _agent_template(rid, data, names)
    return _quotation_template(rid, data, names)


def _note_template(number: int, data: dict[str, Any], names: _Names) -> str:
    data["number"] = names.note(number)
    # An empty `quoted` is popped, then set again: it moves to the end, as the templates always had it.
    data["quoted"] = [names.agent(a) for a in data.get("quoted", [])] or data.pop("quoted", [])
    if "citations" in data:
        data["citations"] = [names.citation(c) for c in data["citations"]]
    return f"notes/{names.note(number)}.yaml"


def _work_template(rid: str, data: dict[str, Any], names: _Names) -> str:
    for role in ("authors", "editors", "translators"):
        if role in data:
            data[role] = [names.agent(a) for a in data[role]]
    if "parent" in data:
        data["parent"] = names.work(data["parent"])
    if "title" in data:
        data["title"] += f" {_COPY}"
    return f"works/{names.work(rid)}.yaml"


def _agent_template(rid: str, data: dict[str, Any], names: _Names) -> str:
    field = "family" if "family" in data else "name"
    data[field] += f" {_COPY}"
    return f"agents/{names.agent(rid)}.yaml"


def _quotation_template(rid: str, data: dict[str, Any], names: _Names) -> str:
    # As for `quoted` in a note: an empty `speakers` moves to the end.
    data["speakers"] = [names.agent(a) for a in data.get("speakers", [])] or data.pop("speakers", [])
    if "note" in data:
        data["note"] = names.note(data["note"])
    for role in ("source", "via"):
        if role in data:
            data[role] = names.citation(data[role])
    return f"quotations/{names.agent(rid)}.yaml"


# --------------------------------------------------------------------------- writing the tree


def _write_essay(source: Path, root: Path, essay_key: str, notes: int) -> int:
    """Write essay.yaml with `notes: N` rewritten to the tree's count, and the essay's work record
    as it is; how many files that is."""
    essay_text = (source / "essay.yaml").read_text(encoding="utf-8")
    essay_text, count = re.subn(r"(?m)^notes: \d+$", f"notes: {notes}", essay_text)
    if count != 1:
        raise ValueError("essay.yaml has no `notes: N` line to rewrite")
    (root / "essay.yaml").write_text(essay_text, encoding="utf-8")
    (root / "works" / f"{essay_key}.yaml").write_bytes((source / "works" / f"{essay_key}.yaml").read_bytes())
    return 2


def _write_copy(root: Path, templates: list[tuple[str, str]], scale: int, k: int) -> int:
    """Write copy `k` of every template (copy 0 keeps the original ids, keys and names); how many files."""
    substitutions = {_ID: f"-c{k}" if k else "", _KEY: f"c{k}" if k else "", f" {_COPY}": f" (copy {k})" if k else ""}
    renumber = _renumber(scale, k)

    def renumber_name(match: re.Match[str]) -> str:
        return f"{int(renumber(match)):03d}"

    for name_template, text_template in templates:
        name, text = _substitute(name_template, substitutions), _substitute(text_template, substitutions)
        _write(root / _NOTE_RE.sub(renumber_name, name), _NOTE_RE.sub(renumber, text))
    return len(templates)


def _substitute(template: str, substitutions: dict[str, str]) -> str:
    for placeholder, value in substitutions.items():
        template = template.replace(placeholder, value)
    return template


def _renumber(scale: int, k: int) -> Callable[[re.Match[str]], str]:
    """The number of copy `k` of a note placeholder's note n: (n - 1) * scale + k + 1."""

    def renumber(match: re.Match[str]) -> str:
        return str((int(match.group(1)) - 1) * scale + k + 1)

    return renumber


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
