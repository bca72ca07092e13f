"""chilecite: sources, quotations and citations of one essay, as records checked against its text.

The library API: `load_corpus()` loads the records; `quotation(id)` gives the quotation with that id
to cite (`chilecite.quotation("allende-history-is-ours").cite(style="apa", format="html")`), and
`search_quotations(words)` finds quotations by their words; `validate` checks a corpus. Attributes are imported on first use (PEP 562), so `import chilecite` and the
command line's `--help` stay fast.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing is not imported at run time: `chilecite --version` stays fast
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.2.0"

_LAZY = {
    "load_corpus": "chilecite.loading",
    "quotation": "chilecite.citing",
    "search_quotations": "chilecite.citing",
    "validate": "chilecite.rules",
    "Corpus": "chilecite.corpus",
}

if TYPE_CHECKING:
    from chilecite.citing import quotation, search_quotations
    from chilecite.corpus import Corpus
    from chilecite.loading import load_corpus
    from chilecite.rules import validate


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chilecite' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = ["Corpus", "__version__", "load_corpus", "quotation", "search_quotations", "validate"]
