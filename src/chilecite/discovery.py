"""Which records tree a command works on, found the way git finds its repository.

In order: `--records DIR`, `$CHILECITE_RECORDS`, the first `records/essay.yaml` of this essay met
from the working directory upwards (so `chilecite validate` inside a checkout checks the checkout,
not the installed copy), and otherwise the records installed with the package.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from chilecite.errors import UsageError
from chilecite.tree import bundled_records

_KEY_LINE = re.compile(rb"^key:\s*['\"]?([a-z0-9]+)['\"]?\s*$", re.MULTILINE)


@dataclass(frozen=True)
class RecordsTree:
    """A records tree and how it was found."""

    path: Path
    found_by: str  # --records, CHILECITE_RECORDS, found from the working directory, installed

    def describe(self) -> str:
        return f"records: {self.path} ({self.found_by})"

    def as_dict(self) -> dict[str, str]:
        return {"path": str(self.path), "found_by": self.found_by}


def _declared_key(essay_file: Path) -> bytes | None:
    """The essay key an essay.yaml declares in its first 64 KB (only those are read), or None."""
    from chilecite.files import read_head

    try:
        head = read_head(essay_file, 65536)
    except OSError:
        return None
    match = _KEY_LINE.search(head)
    return match.group(1) if match else None


def find_records(explicit: Path | None = None, cwd: Path | None = None) -> RecordsTree:
    """The records tree to use. An explicit tree that is not one is a usage error."""
    for how, value in (("--records", explicit), ("CHILECITE_RECORDS", os.environ.get("CHILECITE_RECORDS") or None)):
        if value is not None:
            path = Path(value)
            if not (path / "essay.yaml").is_file():
                raise UsageError(f"{how} {path} is not a records tree: it has no essay.yaml",
                                 hint="give the records/ folder of a checkout")
            return RecordsTree(path, how)
    installed = bundled_records()
    ours = _declared_key(installed / "essay.yaml")
    start = Path(os.path.abspath(cwd or Path.cwd()))
    for base in (start, *start.parents):
        candidate = base / "records"
        essay = candidate / "essay.yaml"
        if essay.is_file():
            # A tree of another essay is left alone; one whose essay.yaml is too broken to say is ours.
            key = _declared_key(essay)
            if key is None or ours is None or key == ours:
                return RecordsTree(candidate, "found from the working directory")
    return RecordsTree(installed, "installed")
