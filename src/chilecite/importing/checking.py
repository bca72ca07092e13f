"""Checking imported records as `chilecite validate` would, before anything is written.

The records' YAML is written to a private temporary tree and loaded with the loader every command
uses (`chilecite.loading.load_file`), then joined by the corpus's own records, as
`chilecite.loading.with_contributed` joins a contributor's files (but in time linear in the number
of records, and with the records of a corpus built in memory too); the catalogue's checks then run
over the would-be corpus, its problems kept for the imported records only. What the importer returns, and so what it writes, is what this
found valid: the text round-trips through the loader, and every rule holds.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chilecite.corpus import Corpus, Source
from chilecite.problems import Problem

if TYPE_CHECKING:
    from chilecite.importing.importer import ImportedRecord


def record_errors(records: Sequence[ImportedRecord], corpus: Corpus) -> dict[tuple[str, str], list[Problem]]:
    """The errors `validate` would find in each record, by (kind, id), once they joined the corpus."""
    from chilecite.rules import validate

    if not records:
        return {}
    with tempfile.TemporaryDirectory(prefix="chilecite-import-") as tmp:
        paths = []
        for record in records:
            path = Path(tmp, record.relative_path)
            path.parent.mkdir(exist_ok=True)
            path.write_text(record.text, encoding="utf-8")
            paths.append(path)
        report = validate(would_be(corpus, paths, Path(tmp)), None)
    errors: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for problem in report.errors:
        errors[(problem.kind or "", problem.record or "")].append(problem)
    return dict(errors)


def would_be(corpus: Corpus, paths: Sequence[Path], root: Path) -> Corpus:
    """The corpus with the record files `paths` loaded into it; those records are its focus."""
    from chilecite.loading import load_file

    joined = Corpus(focus=set())
    for path in paths:
        load_file(path, joined, root)
    joined.focus = {(path.parent.name, path.stem) for path in paths}
    for kind, rid, record in corpus.records():
        source = corpus.sources.get((kind, rid)) or Source(os.path.join(kind, f"{rid}.yaml"), f"{kind}/{rid}.yaml")
        joined.files += 1
        if (kind, rid) not in joined.sources:  # an imported record of a corpus id is its update (`--update`): it replaces it
            joined.add(kind, rid, record, source)
    return joined
