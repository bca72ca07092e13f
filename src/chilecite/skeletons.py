"""Skeleton records for contributors: valid starting points with the fields to fill in."""

from __future__ import annotations

from chilecite.errors import UsageError
from chilecite.models import WorkType
from chilecite.text import ReferenceText, quote_anchor
from chilecite.vocabulary import closest
from chilecite.writing import dump_yaml

AGENT_KINDS = ("person", "organisation")


def new_work(work_type: str = "book") -> str:
    """A work record to fill in; `work_type` is a CSL type (`book`, `chapter`, `article-newspaper`, …)."""
    types = [t.value for t in WorkType]
    if work_type not in types:
        raise UsageError(f"no work type '{work_type}'", choices=closest(work_type, types), hint=f"types: {', '.join(types)}")
    return dump_yaml({"type": work_type, "title": "Title as published", "authors": ["family-given"], "issued": "1973", "language": "en"}, "work")


def new_agent(kind: str = "person") -> str:
    """An agent record to fill in: a person or an organisation."""
    if kind not in AGENT_KINDS:
        raise UsageError(f"no agent kind '{kind}'", choices=closest(kind, AGENT_KINDS), hint="person or organisation")
    if kind == "organisation":
        return dump_yaml({"kind": "organisation", "name": "Full name", "printed": []}, "agent")
    return dump_yaml({"kind": "person", "family": "Family", "given": "Given", "printed": []}, "agent")


def new_quotation(text: ReferenceText, exact: str, paragraph: int | None = None, display: str = "inline", *,
                  anchored_to: str | None = None) -> str:
    """A quotation record anchored to `exact` in the reference text (UsageError when it cannot be anchored).

    `anchored_to`, the SHA-256 the records give their text: a text that is not that one is refused
    (an anchor into it would be wrong, and its words, any file's, are not printed)."""
    if anchored_to is not None and text.sha256 != anchored_to:
        where = f" {text.path}" if text.path else ""
        raise UsageError(f"the text found{where} is not the one the records are anchored to (its SHA-256 is {text.sha256[:12]}…, "
                         f"essay.yaml says {anchored_to[:12]}…); nothing was anchored", hint="`chilecite essay` says where the right one is")
    anchor = quote_anchor(text, exact, paragraph)
    data: dict[str, object] = {"display": display, "speakers": [], "note": None, "original_language": "es", "anchor": anchor}
    return dump_yaml(data, "quotation")
