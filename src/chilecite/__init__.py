"""chilecite: sources, quotations and citations of one essay, as records checked against its text.

The library API: a `Workspace` is one records tree with its reference text — it loads, validates,
gates (nothing is produced from records with errors) and answers every request of
`chilecite.outputs`, with the user's cache only when asked (`Workspace(cache=True)`);
`quotation(id)` is the quotation with that id, to cite (`chilecite.quotation("allende-history-is-ours").cite(style="apa")`),
and `search_quotations(words)` finds quotations by their words; `load_corpus()` and `validate` are
the loading and checking steps alone. Attributes are imported on first use (PEP 562), so
`import chilecite` and the command line's `--help` stay fast.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing is not imported at run time: `chilecite --version` stays fast
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.2.0"

_LAZY = {
    "Workspace": "chilecite.workspace",
    "RecordsInvalid": "chilecite.workspace",
    "quotation": "chilecite.workspace",
    "load_corpus": "chilecite.loading",
    "search_quotations": "chilecite.workspace",
    "validate": "chilecite.rules",
    "Corpus": "chilecite.corpus",
}

if TYPE_CHECKING:
    from chilecite.corpus import Corpus
    from chilecite.loading import load_corpus
    from chilecite.rules import validate
    from chilecite.workspace import RecordsInvalid, Workspace, quotation, search_quotations


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chilecite' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = ["Corpus", "RecordsInvalid", "Workspace", "__version__", "load_corpus", "quotation", "search_quotations", "validate"]
