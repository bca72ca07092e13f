"""How Zotero reads the edition's metadata, for the tests: a ContextObject (COinS) as Zotero's
`parseContextObject` reads it (zotero/utilities `openurl.js`), the Highwire `citation_*` tags as
its "Embedded Metadata" translator reads them (zotero/translators), and what the records say each
item should be.

The readers follow those sources' rules for the keys the edition writes: the item type from
`rft_val_fmt` and the exact string `rft.genre=…` (and, for Dublin Core, `rft.type`); each pair
split at `=` and decoded as `decodeURIComponent` after `+` and `%2B` become spaces; `rft.au` split
at its comma into last and first name; `rft.aucorp` one name; `rft.atitle`, `rft.btitle`,
`rft.title`, `rft.jtitle` and `rft.source` by item type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from chilecite.corpus import Corpus
from chilecite.export.common import export_item
from chilecite.models import Agent, Organisation

ITEM_TYPES = {"journalArticle", "magazineArticle", "newspaperArticle", "book", "bookSection", "report", "document", "thesis", "letter",
              "interview", "presentation", "radioBroadcast", "tvBroadcast", "manuscript", "statute", "webpage", "patent"}


@dataclass
class ZoteroItem:
    """The fields of a Zotero item the edition's metadata can set."""

    itemType: str
    title: str | None = None
    publicationTitle: str | None = None
    creators: list[tuple[str, str | None, str]] = field(default_factory=list)  # (last name, first name or None, creator type)
    date: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    place: str | None = None
    publisher: str | None = None
    series: str | None = None
    url: str | None = None
    language: str | None = None


def _decode(value: str) -> str:
    value = re.sub(r"\+|%2[bB]", " ", value)
    assert not re.search(r"%(?![0-9A-Fa-f]{2})", value), f"decodeURIComponent would throw on {value!r}"
    return unquote(value, errors="strict")


def _author(value: str, kind: str) -> tuple[str, str | None, str]:
    if "," in value:
        last, first = (part.strip() for part in value.split(",", 1))
        return last, first.split(",")[0].strip() or None, kind
    words = value.split()
    return words[-1], " ".join(words[:-1]) or None, kind


_FORMATS = {"info:ofi/fmt:kev:mtx:journal": "journalArticle", "info:ofi/fmt:kev:mtx:dissertation": "thesis", "info:ofi/fmt:kev:mtx:dc": "webpage"}
_BOOK_GENRES = {"rft.genre=bookitem": "bookSection", "rft.genre=conference": "conferencePaper", "rft.genre=proceeding": "conferencePaper",
                "rft.genre=report": "report", "rft.genre=document": "document"}
_PLAIN = {"rft.date": "date", "rft.volume": "volume", "rft.issue": "issue", "rft.pages": "pages", "rft.place": "place", "rft.series": "series",
          "rft.language": "language", "rft.pub": "publisher", "rft.publisher": "publisher"}
_ARTICLES = ("journalArticle", "bookSection", "conferencePaper")


def _item_type(parts: list[str]) -> str | None:
    """From the first `rft_val_fmt`; a book's genre is looked for as an exact `rft.genre=…` pair."""
    for part in parts:
        if part.startswith("rft_val_fmt="):
            fmt = _decode(part[12:])
            if fmt == "info:ofi/fmt:kev:mtx:book":
                return next((_BOOK_GENRES[p] for p in parts if p in _BOOK_GENRES), "book")
            return _FORMATS.get(fmt)
    return None


def _read(item: ZoteroItem, key: str, value: str) -> None:
    kind = item.itemType
    if key in _PLAIN:
        setattr(item, _PLAIN[key], value)
    elif key == "rft_id" and re.match(r"https?://", value):
        item.url = value
    elif key == "rft.btitle" and kind in ("book", "report"):
        item.title = value
    elif key == "rft.btitle" and kind in ("bookSection", "conferencePaper"):
        item.publicationTitle = value
    elif key == "rft.atitle" and kind in _ARTICLES:
        item.title = value
    elif key == "rft.jtitle" and kind == "journalArticle":
        item.publicationTitle = value
    elif key == "rft.title":
        setattr(item, "publicationTitle" if kind in _ARTICLES else "title", value)
    elif key in ("rft.au", "rft.creator", "rft.contributor"):
        item.creators.append(_author(value, "contributor" if key == "rft.contributor" else "author"))
    elif key == "rft.aucorp":
        item.creators.append((value, None, "author"))
    elif key == "rft.inst" and kind == "thesis":
        item.publisher = value
    elif key == "rft.type" and value in ITEM_TYPES:
        item.itemType = value
    elif key == "rft.source":
        item.publicationTitle = value


def parse_context_object(co: str) -> ZoteroItem | None:
    """A ContextObject as Zotero's parseContextObject reads it; None where it finds no item type."""
    parts = co.split("&")
    item_type = _item_type(parts)
    if item_type is None:
        return None
    item = ZoteroItem(item_type)
    for part in parts:
        key, _, rest = part.partition("=")
        value = _decode(rest.split("=")[0])  # as JavaScript's split("=")[1]: up to the next "="
        if value:
            _read(item, key, value)
    return item


def parse_highwire(tags: list[tuple[str, str]]) -> ZoteroItem:
    """`citation_*` meta tags as Embedded Metadata reads them (the journal-article case)."""
    values: dict[str, list[str]] = {}
    for name, content in tags:
        values.setdefault(name, []).append(content)

    def one(name: str) -> str | None:
        found = values.get(name)
        return " ".join(found[0].split()) if found else None

    item = ZoteroItem("journalArticle" if "citation_journal_title" in values else "bookSection" if "citation_book_title" in values else "journalArticle")
    item.title = one("citation_title")
    item.date = one("citation_date") or one("citation_publication_date")
    item.publicationTitle = one("citation_journal_title") or one("citation_book_title")
    item.volume, item.issue, item.series = one("citation_volume"), one("citation_issue"), one("citation_series_title")
    item.publisher, item.language, item.url = one("citation_publisher"), one("citation_language"), one("citation_public_url")
    first, last = one("citation_firstpage"), one("citation_lastpage")
    item.pages = f"{first}-{last}" if first and last else first
    for content in values.get("citation_author", []):
        for author in (a for a in re.split(r"\s*;\s*", content) if a.strip()):
            item.creators.append(_author(author.strip(), "author"))
    return item


# --------------------------------------------------------------------------- what the records say


def _name(agent: Agent, kind: str) -> tuple[str, str | None, str]:
    if isinstance(agent, Organisation):
        return agent.name, None, kind
    return " ".join(p for p in (agent.particle, agent.family) if p), agent.given, kind


def expected_item(corpus: Corpus, key: str) -> ZoteroItem:
    """The Zotero item a work's record should give: its type as the exports' type table says,
    its title (or devised title), its people, date, container, pages, address and language."""
    item = export_item(corpus, key)
    work = item.work
    zotero = ZoteroItem(item.types.zotero, title=work.title or work.devised_title)
    zotero.creators = [_name(a, "author") for a in item.authors] + [_name(a, "contributor") for a in (*item.editors, *item.translators)]
    if item.issued:
        zotero.date = str(item.issued.start.year)  # compared by prefix: the year, at least
    if item.in_book and item.parent is not None:
        zotero.publicationTitle = item.parent.title
    elif work.container_title and zotero.itemType not in ("book", "report", "document", "thesis"):
        zotero.publicationTitle = work.container_title
    zotero.volume, zotero.issue = (work.volume, work.issue) if zotero.itemType == "journalArticle" else (None, None)
    zotero.pages = work.pages.with_dash("-") if work.pages else None
    zotero.url, zotero.language = work.url, work.language
    return zotero


def differences(found: ZoteroItem | None, wanted: ZoteroItem) -> list[str]:
    """What Zotero would make of the metadata that the records do not say (None fields of `wanted`
    other than those compared are not checked; the date is compared by its year)."""
    if found is None:
        return ["no item type: Zotero would not offer the item"]
    out = []
    for name in ("itemType", "title", "publicationTitle", "creators", "volume", "issue", "pages", "url", "language"):
        if getattr(wanted, name) != getattr(found, name) and (getattr(wanted, name) or getattr(found, name)):
            out.append(f"{name}: {getattr(found, name)!r}, the records say {getattr(wanted, name)!r}")
    if (wanted.date or "") != (found.date or "")[:4]:
        out.append(f"date: {found.date!r}, the records say {wanted.date!r}")
    return out
