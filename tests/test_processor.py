"""Workarounds for citeproc-py: checked in every bundled style."""

from __future__ import annotations

import re

import pytest

from chilecite.processor import render_item, resolve_style
from chilecite.styles import BUNDLED_STYLES


@pytest.mark.parametrize("style", BUNDLED_STYLES)
@pytest.mark.parametrize("pages", ["9-14", "98-102", "451-474", "1496-1504", "101-108"])
def test_page_ranges_never_end_before_they_start(style: str, pages: str) -> None:
    item = {"id": "x", "type": "article-journal", "title": "T", "container-title": "J", "page": pages,
            "issued": {"date-parts": [[1973]]}, "author": [{"family": "Allende", "given": "Salvador"}]}
    first, last = pages.split("-")
    printed = re.search(rf"{first}[–-](\d+)", render_item(resolve_style(style), item).reference).group(1)
    expanded = int(first[: len(first) - len(printed)] + printed) if len(printed) < len(first) else int(printed)
    assert expanded == int(last)


@pytest.mark.parametrize("style", BUNDLED_STYLES)
def test_an_edited_book_names_its_editor_once(style: str) -> None:
    from chilecite.processor import processor_item

    item = processor_item({"id": "x", "type": "book", "title": "The Chilean Road to Socialism", "publisher-place": "Brighton",
                           "issued": {"date-parts": [[1973]]}, "editor": [{"family": "Zammit", "given": "J. Ann"}]})
    reference = render_item(resolve_style(style), item).reference
    assert reference.count("Zammit") == 1 and "ed" in reference.lower()
