"""Reading a built edition page in the tests: elements with their attributes, and the text a reader
sees inside an element (the margin paragraph number and screen-reader-only words left out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Text a reader does not see as part of the essay's words.
SKIP_CLASSES = {"pnum", "visually-hidden", "qref"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)  # the visible words, as they come
    index: int = 0  # position in Page.elements
    last: int = 0  # position of the last element inside it

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def content(self) -> str:
        return "".join(self.text)


class Page(HTMLParser):
    """Every element of the page in document order; `by_id`; `content` of each element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._stack: list[tuple[Element, bool]] = []  # (element, skipped)
        self.feed(html)
        self.close()
        self.by_id: dict[str, Element] = {}
        self.duplicate_ids: list[str] = []
        for element in self.elements:
            if "id" in element.attrs:
                if element.attrs["id"] in self.by_id:
                    self.duplicate_ids.append(element.attrs["id"])
                self.by_id[element.attrs["id"]] = element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, index=len(self.elements), last=len(self.elements))
        self.elements.append(element)
        if tag in VOID:
            return
        skipped = bool(element.classes & SKIP_CLASSES) or any(s for _, s in self._stack[-1:])
        self._stack.append((element, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}, index=len(self.elements), last=len(self.elements)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self._stack:
            element, _ = self._stack.pop()
            element.last = len(self.elements) - 1
            if element.tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1][1]:
            return
        for element, _ in self._stack:
            element.text.append(data)

    def inside(self, element: Element) -> list[Element]:
        return self.elements[element.index + 1:element.last + 1]

    def all(self, tag: str | None = None, cls: str | None = None) -> list[Element]:
        return [e for e in self.elements if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)]
