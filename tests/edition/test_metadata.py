"""The edition as reference managers read it: the essay's `citation_*` meta tags and a COinS span
for every work, read back as Zotero reads them and compared with the records; hostile record text
stays inside its attribute. (tests/browser reads the same from the page in chromium.)"""

from __future__ import annotations

import copy

import pytest

from chilecite.corpus import Corpus
from chilecite.edition import build_edition
from chilecite.text import ReferenceText
from tests.edition.page import Page
from tests.edition.zotero import differences, expected_item, parse_context_object, parse_highwire

HOSTILE = "\"><img src=x onerror=alert(1)> & co; a=b&c=d + 50%"


@pytest.fixture(scope="module")
def page(corpus: Corpus, text: ReferenceText) -> Page:
    return Page(build_edition(corpus, text)["index.html"].decode("utf-8"))


def _meta(page: Page) -> list[tuple[str, str]]:
    return [(e.attrs["name"], e.attrs["content"]) for e in page.all("meta") if e.attrs.get("name", "").startswith("citation_")]


def _coins(page: Page) -> dict[str, str]:
    """Each work's ContextObject, by the index entry it stands in."""
    found = {}
    for entry in page.all("li"):
        if entry.attrs.get("id", "").startswith("w-"):
            spans = [e for e in page.elements[entry.index:entry.last + 1] if e.tag == "span" and "Z3988" in e.classes]
            assert len(spans) == 1, entry.attrs["id"]
            found[entry.attrs["id"][2:]] = spans[0].attrs["title"]
    return found


def test_the_essay_has_highwire_tags_zotero_reads_as_the_records_say(page: Page, corpus: Corpus) -> None:
    item = parse_highwire(_meta(page))
    wanted = expected_item(corpus, corpus.essay.key)
    assert differences(item, wanted) == []
    assert item.itemType == "journalArticle" and item.title and item.creators and item.publicationTitle and item.date
    assert [e for e in page.all("meta") if e.attrs.get("name", "").startswith("citation_")] == \
        [e for e in page.elements if e.tag == "meta" and e.attrs.get("name", "").startswith("citation_") and e.index < page.all("body")[0].index]


def test_every_work_has_a_coins_span_zotero_reads_as_the_records_say(page: Page, corpus: Corpus) -> None:
    found = _coins(page)
    assert sorted(found) == sorted(corpus.works)
    problems = {key: differences(parse_context_object(co), expected_item(corpus, key)) for key, co in found.items()}
    assert {k: v for k, v in problems.items() if v} == {}
    # every item has a title: Zotero's COinS translator replaces an untitled one by a lookup
    for key, co in found.items():
        item = parse_context_object(co)
        assert item is not None and item.title, key


def test_hostile_record_text_stays_inside_its_attribute(corpus: Corpus, text: ReferenceText) -> None:
    bad = copy.copy(corpus)
    bad.works, bad.agents = dict(corpus.works), dict(corpus.agents)
    essay = corpus.works[corpus.essay.key]
    bad.works[corpus.essay.key] = essay.model_copy(update={"title": HOSTILE, "container_title": HOSTILE})
    author = essay.authors[0]
    bad.agents[author] = corpus.agents[author].model_copy(update={"given": HOSTILE})
    page = Page(build_edition(bad, text)["index.html"].decode("utf-8"))
    assert page.all("img") == [] and [e for e in page.elements if any(a.startswith("on") for a in e.attrs)] == []
    tags = dict(_meta(page))
    assert tags["citation_title"] == HOSTILE and tags["citation_journal_title"] == HOSTILE
    assert tags["citation_author"].endswith(", " + HOSTILE)
    item = parse_context_object(_coins(page)[corpus.essay.key])
    assert item is not None
    assert item.title == HOSTILE.replace("+", " ") and item.publicationTitle == HOSTILE.replace("+", " ")  # Zotero reads "+" as a space
    assert page.by_id["title"].content == HOSTILE
