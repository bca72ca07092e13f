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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WHY_SKIPPED = {
    "note_marker_placed": "the text prints the markers [1]-[86] only",
    "markers_match_count": "the text has 86 markers, the tree 86 x N notes",
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
    import hashlib

    import yaml

    from chilecite.loading import load_corpus
    from chilecite.tree import bundled_records, record_files
    from chilecite.writing import record_to_data

    if scale < 1:
        raise ValueError("scale is at least 1")
    source = Path(source) if source is not None else bundled_records()
    digest = hashlib.sha256()
    for path in record_files(source):
        digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes())
    fingerprint = {"scale": scale, "source": digest.hexdigest()}
    root = Path(target) / "records"
    marker = Path(target) / _MARKER
    if marker.is_file() and json.loads(marker.read_text()).get("made") == fingerprint:
        made = json.loads(marker.read_text())
        return SyntheticTree(root, scale, made["files"], made["works"])
    if root.exists():
        import shutil

        shutil.rmtree(root)
    marker.unlink(missing_ok=True)

    corpus = load_corpus(source)
    if not corpus.is_sound or corpus.essay is None:
        raise ValueError(f"{source} does not load cleanly; fix it before copying it")
    essay_key = corpus.essay.key
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    def work(key: str) -> str:
        return key if key == essay_key else key + _KEY

    def agent(aid: str) -> str:
        return aid + _ID

    def note(number: int) -> str:
        return f"zqzqnote{number}x"

    def citation(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "work": work(data["work"])}

    templates: list[tuple[str, str]] = []  # (file name, YAML text), both with placeholders
    for kind, rid, record in corpus.records():
        data = record_to_data(record)
        if kind == "essay":
            continue
        if kind == "notes":
            data["number"] = note(record.number)
            data["quoted"] = [agent(a) for a in data.get("quoted", [])] or data.pop("quoted", [])
            if "citations" in data:
                data["citations"] = [citation(c) for c in data["citations"]]
            name = f"notes/{note(record.number)}.yaml"
        elif kind == "works":
            if rid == essay_key:
                continue
            for role in ("authors", "editors", "translators"):
                if role in data:
                    data[role] = [agent(a) for a in data[role]]
            if "parent" in data:
                data["parent"] = work(data["parent"])
            if "title" in data:
                data["title"] += f" {_COPY}"
            name = f"works/{work(rid)}.yaml"
        elif kind == "agents":
            field = "family" if "family" in data else "name"
            data[field] += f" {_COPY}"
            name = f"agents/{agent(rid)}.yaml"
        else:
            data["speakers"] = [agent(a) for a in data.get("speakers", [])] or data.pop("speakers", [])
            if "note" in data:
                data["note"] = note(data["note"])
            for role in ("source", "via"):
                if role in data:
                    data[role] = citation(data[role])
            name = f"quotations/{agent(rid)}.yaml"
        text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
        templates.append((name, text))

    for kind in ("notes", "works", "agents", "quotations"):
        (root / kind).mkdir(parents=True, exist_ok=True)
    essay_text = (source / "essay.yaml").read_text(encoding="utf-8")
    essay_text, count = re.subn(r"(?m)^notes: \d+$", f"notes: {corpus.note_count * scale}", essay_text)
    if count != 1:
        raise ValueError("essay.yaml has no `notes: N` line to rewrite")
    (root / "essay.yaml").write_text(essay_text, encoding="utf-8")
    (root / "works" / f"{essay_key}.yaml").write_bytes((source / "works" / f"{essay_key}.yaml").read_bytes())
    files = 2
    for k in range(scale):
        substitutions = {_ID: f"-c{k}" if k else "", _KEY: f"c{k}" if k else "", f" {_COPY}": f" (copy {k})" if k else ""}

        def renumber(match: re.Match[str]) -> str:
            return str((int(match.group(1)) - 1) * scale + k + 1)

        for name, text in templates:
            for placeholder, value in substitutions.items():
                name, text = name.replace(placeholder, value), text.replace(placeholder, value)
            name = _NOTE_RE.sub(lambda m: f"{int(renumber(m)):03d}", name)
            _write(root / name, _NOTE_RE.sub(renumber, text))
            files += 1
    works = scale * (len(corpus.works) - 1) + 1
    made = {"made": fingerprint, "files": files, "works": works}
    marker.write_text(json.dumps(made) + "\n", encoding="utf-8")
    return SyntheticTree(root, scale, files, works)


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
