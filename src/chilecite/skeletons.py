"""Skeleton records for contributors: valid starting points with the fields to fill in."""

from __future__ import annotations

from chilecite.text import ReferenceText, quote_anchor
from chilecite.writing import dump_yaml


def new_work(work_type: str = "book") -> str:
    return dump_yaml({"type": work_type, "title": "Title as published", "authors": ["family-given"], "issued": "1973", "language": "en"}, "work")


def new_agent(kind: str = "person") -> str:
    if kind == "organisation":
        return dump_yaml({"kind": "organisation", "name": "Full name", "printed": []}, "agent")
    return dump_yaml({"kind": "person", "family": "Family", "given": "Given", "printed": []}, "agent")


def new_quotation(text: ReferenceText, exact: str, paragraph: int | None = None, display: str = "inline") -> str:
    """A quotation record anchored to `exact` in the reference text (raises ValueError if not found)."""
    anchor = quote_anchor(text, exact, paragraph)
    data = {"display": display, "speakers": [], "note": None, "original_language": "es", "anchor": anchor}
    return dump_yaml(data, "quotation")
