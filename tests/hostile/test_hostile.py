"""Hostile input (issue 11): each class of attack, with its exit code and message, and the output properties.

1. CASES, a table run through the command line as a user would run it: markup in records
   (`--format html` and `markdown`), TeX in records and headings (`--format latex`), terminal
   controls in records, file names and paths, record-tree entries that are not regular files
   (CC095), links that dangle, loop or leave the tree (CC096), malformed CSL styles, unknown rule
   codes, output paths that are special files, a broken record behind `cite`/`quote`, and the
   smaller mistakes. Each case names its exit code (0 done, 1 problems or failure, 2 usage error)
   and words its message must hold; every case also checks there is no traceback, no raw control
   character on the terminal and valid UTF-8 (and JSON) on standard output.
2. Cases the table cannot hold: files unreadable by their user (CC097), run as `nobody` when the
   test runs as root (root reads everything); output files that must stay what they are.
3. The Python API: wrong types, and the same safety without the command line's corpus gate.
4. Properties: arbitrary record text (markup, TeX specials, C0/C1 controls, direction overrides,
   NUL, lone surrogates, the private-use characters the HTML renderer uses) in an agent's name, a
   work's title, genre and event, the quotation, the essay's heading and a locator never gives
   active markup, executable TeX or a raw control character, in any format; 1,000 examples each.

The file-system entries are made in a temporary directory: FIFOs, sockets, symbolic links, a
sparse 8 GiB file, a device node (as root), unreadable files.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pwd
import re
import shutil
import socket
import stat
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from chilecite.citing import cite_note, cite_record
from chilecite.cli import cli
from chilecite.errors import StyleError
from chilecite.loading import load_corpus
from chilecite.models import Locator, Person
from chilecite.styles import styles_dir
from chilecite.tree import NotATree
from chilecite.workspace import QuotationHandle
from tests.support import MINIMAL_ROOT, RECORDS, copy_records

HARVARD = styles_dir() / "harvard-cite-them-right.csl"
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
QID = "allende-history-is-ours"  # block, a verified speech by a person: genre, event, no title
MARKUP = "<img src=x onerror=alert(1)>"


# --------------------------------------------------------------------------- building hostile trees


def _set(tree: Path, rel: str, field: str, value: str) -> None:
    """Set one top-level field of a record file (a JSON string is a YAML double-quoted scalar)."""
    path = tree / rel
    lines = path.read_text(encoding="utf-8").splitlines()
    line = f"{field}: {json.dumps(value)}"
    at = next((i for i, old in enumerate(lines) if old.startswith(f"{field}:")), None)
    lines[at if at is not None else len(lines):at + 1 if at is not None else len(lines)] = [line]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def edited(*changes: tuple[str, str, str]) -> Callable[[Path], dict[str, Path]]:
    """A copy of the bundled tree with (file, field, value) changes."""

    def setup(tmp: Path) -> dict[str, Path]:
        tree = copy_records(tmp)
        for rel, field, value in changes:
            _set(tree, rel, field, value)
        return {"tree": tree}

    return setup


def _small_tree(tmp: Path) -> Path:
    tree = tmp / "records"
    shutil.copytree(MINIMAL_ROOT, tree)
    return tree


def entry(kind: str, *, full: bool = False) -> Callable[[Path], dict[str, Path]]:
    """The small tree (or the whole one) with `works/<kind>.yaml` made into something that is not a regular file."""

    def setup(tmp: Path) -> dict[str, Path]:
        tree = copy_records(tmp) if full else _small_tree(tmp)
        path = tree / "works" / f"{kind}.yaml"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "fifo-linked":  # a link inside the tree to a FIFO inside the tree
            os.mkfifo(tree / "works" / "pipe")
            path.symlink_to("pipe")
        elif kind == "socket":
            sock = socket.socket(socket.AF_UNIX)
            sock.bind(str(path))
            sock.close()
        elif kind == "device":
            try:
                os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # /dev/zero's numbers
            except PermissionError:
                pytest.skip("creating a device node needs root")
        elif kind == "directory":
            path.mkdir()
        elif kind == "zero":
            path.symlink_to("/dev/zero")
        elif kind == "zero-via-inside-link":
            (tree / "works" / "inner").symlink_to("/dev/zero")
            path.symlink_to("inner")
        elif kind == "outside":
            outside = tmp / "elsewhere.yaml"
            shutil.copy(tree / "works" / "financialtimes1973aug09.yaml", outside)
            path.symlink_to(outside)
        elif kind == "dangling":
            path.symlink_to("nowhere.yaml")
        elif kind == "loop":
            path.symlink_to("loop.yaml")
        elif kind == "sparse":
            with open(path, "wb") as handle:
                handle.truncate(8 << 30)
        return {"tree": tree}

    return setup


def named(name: bytes) -> Callable[[Path], dict[str, Path]]:
    """The small tree with an agent file of a hostile name (bytes: any but / and NUL)."""

    def setup(tmp: Path) -> dict[str, Path]:
        tree = _small_tree(tmp)
        try:
            with open(os.path.join(os.fsencode(tree / "agents"), name), "wb") as handle:
                handle.write(b"kind: person\nfamily: X\n")
        except OSError as exc:
            pytest.skip(f"this file system refuses the name: {exc}")
        return {"tree": tree}

    return setup


def tree_at(folder: str) -> Callable[[Path], dict[str, Path]]:
    def setup(tmp: Path) -> dict[str, Path]:
        (tmp / folder).mkdir()
        return {"tree": copy_records(tmp / folder)}

    return setup


def broken(rel: str, old: str, new: str) -> Callable[[Path], dict[str, Path]]:
    def setup(tmp: Path) -> dict[str, Path]:
        tree = copy_records(tmp)
        path = tree / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        (tmp / "old.bib").write_text("kept", encoding="utf-8")
        return {"tree": tree, "old": tmp / "old.bib"}

    return setup


HARVARD_TEXT = HARVARD.read_text(encoding="utf-8")
_FIRST_TEXT = '<text macro="author-short"/>'


def style(text: str | Callable[[str], str]) -> Callable[[Path], dict[str, Path]]:
    """A style file: Harvard changed by `text` (a function), or the text itself."""

    def setup(tmp: Path) -> dict[str, Path]:
        path = tmp / "style.csl"
        path.write_text(text(HARVARD_TEXT) if callable(text) else text, encoding="utf-8")
        return {"style": path}

    return setup


def style_named(name: str) -> Callable[[Path], dict[str, Path]]:
    def setup(tmp: Path) -> dict[str, Path]:
        path = tmp / name
        shutil.copy(HARVARD, path)
        return {"style": path}

    return setup


def inserted(xml: str) -> Callable[[str], str]:
    return lambda s: s.replace(_FIRST_TEXT, xml + _FIRST_TEXT, 1)


def _cut(tag: str) -> Callable[[str], str]:
    return lambda s: re.sub(rf"<{tag}\b.*?</{tag}>", "", s, count=1, flags=re.S)


def _macro_chain(n: int) -> Callable[[str], str]:
    chain = "".join(f'<macro name="m{i}"><text macro="m{i + 1}"/></macro>' for i in range(n)) + f'<macro name="m{n}"><text variable="title"/></macro>'
    return lambda s: s.replace("</locale>", "</locale>" + chain, 1).replace(_FIRST_TEXT, '<text macro="m0"/>', 1)


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE style [<!ENTITY a "aaaaaaaaaa">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + ']>'
    '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0"><info><title>&i;</title></info>'
    '<citation><layout><text value="x"/></layout></citation><bibliography><layout><text value="x"/></layout></bibliography></style>')
XXE = ('<?xml version="1.0"?><!DOCTYPE style [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
       '<citation><layout><text value="x"/></layout></citation><bibliography><layout><text value="x"/></layout></bibliography></style>')


def huge_style(tmp: Path) -> dict[str, Path]:
    path = tmp / "style.csl"
    path.write_text(HARVARD_TEXT.replace("</info>", "</info>" + "<!--" + "x" * 3_000_000 + "-->", 1), encoding="utf-8")
    return {"style": path}


def output(kind: str) -> Callable[[Path], dict[str, Path]]:
    def setup(tmp: Path) -> dict[str, Path]:
        path = tmp / "out.bib"
        if kind == "loop":
            path.symlink_to("out.bib")
        elif kind == "socket":
            sock = socket.socket(socket.AF_UNIX)
            sock.bind(str(path))
            sock.close()
        return {"out": path}

    return setup


def essay_text(kind: str) -> Callable[[Path], dict[str, Path]]:
    def setup(tmp: Path) -> dict[str, Path]:
        path = tmp / "essay.txt"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "latin-1":
            path.write_bytes("Corval\xe1n".encode("latin-1"))
        elif kind == "zero":
            path = Path("/dev/zero")
        elif kind == "directory":
            path = tmp
        return {"essay": path}

    return setup


# --------------------------------------------------------------------------- the table
# (setup, argv, exit code, words the output must hold, a pattern it must not hold). Placeholders
# {tree}, {style}, {out}, {essay}, {old}, {tmp} are what the setup made.

CASES = [
    # 1. Markup in record text, through --format html and markdown.
    pytest.param(edited(("agents/allende-salvador.yaml", "family", f"Allende{MARKUP}")), ("quote", QID, "--format", "html"), 0,
                 "Salvador Allende&lt;img src=x onerror=alert(1)&gt;,", r"<img", id="html-agent-family"),
    pytest.param(edited(("works/miliband1973coup.yaml", "title", "The Coup<script>alert(1)</script>")), ("cite", "86", "--format", "html"), 0,
                 "The Coup&lt;script&gt;alert(1)&lt;/script&gt;", r"<script", id="html-work-title"),
    pytest.param(edited(("works/allende1973sep11.yaml", "genre", "radio <b onmouseover=alert(1)>broadcast</b>"),
                        ("works/allende1973sep11.yaml", "event", "<iframe src=javascript:alert(1)></iframe> from La Moneda, Santiago")),
                 ("quote", QID, "--format", "html"), 0, "radio &lt;b onmouseover=alert(1)&gt;broadcast&lt;/b&gt;", r"<b |<iframe", id="html-genre-event"),
    pytest.param(edited(("works/allende1973sep11.yaml", "genre", "radio broadcast</cite></footer></blockquote><script>x</script>")),
                 ("quote", QID, "--format", "html"), 0, "&lt;/cite&gt;&lt;/footer&gt;", r"<script|</blockquote><", id="html-closing-tags"),
    pytest.param(edited(("agents/allende-salvador.yaml", "family", "Allende<i>forged italics")), ("quote", QID, "--format", "html"), 0,
                 "Allende&lt;i&gt;forged italics", r"<i>forged", id="html-unclosed-formatting-tag"),
    pytest.param(edited(("agents/allende-salvador.yaml", "family", "Allende &amp; &#x202e; Co")), ("quote", QID, "--format", "html"), 0,
                 "Allende &amp;amp; &amp;#x202e; Co", r"&#x202e;", id="html-entities-stay-text"),
    pytest.param(edited(("agents/allende-salvador.yaml", "family", f"[x](javascript:alert(1)){MARKUP}")), ("quote", QID, "--format", "markdown"), 0,
                 r"\[x\](javascript:alert(1))\<img src=x onerror=alert(1)\>", r"(?<!\\)<img|(?<!\\)\[x", id="markdown-link-and-html"),
    pytest.param(edited(("agents/allende-salvador.yaml", "family", "Allende &#x202e;")), ("quote", QID, "--format", "markdown"), 0,
                 r"Allende \&#x202e;", r"(?<!\\)&#x202e;", id="markdown-entity"),
    pytest.param(edited(("agents/militant-tendency.yaml", "name", "Militant @smith04 [x](javascript:alert(1)) $x$; ^[note] <b>")),
                 ("quote", "militant-tendency-two-kinds-of-democracy", "--format", "pandoc"), 0,
                 r"[Militant \@smith04 \[x\](javascript:alert(1)) \$x\$\; \^\[note\] \<b\>, quoted in @", r"(?<!\\)@smith04|(?<!\\)\[x\]|(?<!\\)\$x|(?<!\\)\^\[note|(?<!\\)<b>|\$; ",
                 id="pandoc-constructs-in-a-name"),
    # 5. TeX in record text: nothing from a record ends the comment line or a group, or runs as TeX.
    pytest.param(edited(("works/allende1973sep11.yaml", "genre", "radio broadcast\n\\immediate\\write18{id}\n%")), ("quote", QID, "--format", "latex"), 0,
                 "radio broadcast \\immediate\\write18{id} %", r"(?m)^\\immediate", id="latex-newline-in-comment-line"),
    pytest.param(edited(("agents/militant-tendency.yaml", "name", "Militant}%\\input{/etc/passwd}^^M#$&_~")),
                 ("quote", "militant-tendency-two-kinds-of-democracy", "--format", "latex"), 0,
                 "Militant{\\textbraceright}\\%{\\textbackslash}input{\\textbraceleft}/etc/passwd{\\textbraceright}"
                 "{\\textasciicircum}{\\textasciicircum}M\\#\\$\\&\\_{\\textasciitilde}, quoted in", r"(?m)^[^%\n].*?((?<!\\)%\\input|\^\^M)",
                 id="latex-specials-in-a-name"),
    pytest.param(style_named("harvard\u2028\\input{x}\n\r.csl"), ("quote", QID, "--style", "{style}", "--format", "latex"), 0,
                 "% allende-history-is-ours (harvard\\u2028\\input{x} \\x0d): ", r"(?m)\u2028|^\\input", id="latex-line-breaks-in-a-style-name"),
    # 11. Terminal controls: shown, never sent; refused by the validator where they are errors.
    # a line separator is one of the characters no record may hold (chilecite.characters.UNSAFE): the gate refuses it
    pytest.param(edited(("agents/militant-tendency.yaml", "name", "Militant\u2028Forged")), ("quote", "militant-tendency-two-kinds-of-democracy"), 1,
                 "CC051 error: control or direction-override character U+2028", r"\u2028", id="text-line-separator-refused-by-the-gate"),
    pytest.param(edited(("agents/allende-salvador.yaml", "family", "Allende\x1b[2J\x1b]0;pwned\x07")), ("quote", QID), 1,
                 "CC051 error: control or direction-override character U+001B", r"\x1b", id="text-esc-refused-by-the-gate"),
    pytest.param(edited(("agents/allende-salvador.yaml", "family", "Allende\u202eedne")), ("quote", QID, "--format", "html"), 1,
                 "CC051 error: control or direction-override character U+202E", r"\u202e", id="bidi-override-refused-by-the-gate"),
    pytest.param(edited(("agents/allende-salvador.yaml", "family", "Allende\x1b[31m")), ("validate", "--records", "{tree}", "--format", "json"), 1,
                 '"code": "CC051"', r"\x1b", id="json-report-escapes-controls"),
    pytest.param(named(b"evil\x1b[31m\nforged.yaml:1:1: CC001 error: forged.yaml"), ("validate", "--records", "{tree}"), 1,
                 "evil\\x1b[31m\\nforged.yaml:1:1: CC001 error: forged.yaml:1:1: CC007", r"(?m)^forged\.yaml|\x1b", id="file-name-newline-and-esc"),
    pytest.param(named(b"evil\xe2\x80\xae.yaml"), ("validate", "--records", "{tree}"), 1, "evil\\u202e.yaml", r"\u202e", id="file-name-bidi-override"),
    pytest.param(named(b"bad\xff\xfe.yaml"), ("validate", "--records", "{tree}", "--format", "json"), 1, "bad\\\\udcff\\\\udcfe.yaml", None,
                 id="file-name-not-utf8-json"),
    pytest.param(named(b"bad\xff.yaml"), ("validate", "--records", "{tree}"), 1, "bad\\udcff.yaml:1:1: CC007", None, id="file-name-not-utf8-text"),
    pytest.param(tree_at("x\nrecords: forged"), ("stats", "--records", "{tree}"), 0, "x\\nrecords: forged/records (--records)", r"(?m)^records: forged",
                 id="records-path-newline"),
    pytest.param(None, ("quote", "allende\x1b[2Jhistory"), 2, "no quotation 'allende\\x1b[2Jhistory'", r"\x1b", id="argument-esc"),
    # 3. Record-tree entries that are not regular files: a problem with the path, never a hang or a traceback.
    pytest.param(entry("fifo"), ("validate", "--records", "{tree}"), 1, "works/fifo.yaml:1:1: CC095 error: not a regular file (a named pipe)", None, id="tree-fifo"),
    pytest.param(entry("fifo-linked"), ("validate", "--records", "{tree}"), 1, "fifo-linked.yaml:1:1: CC095 error: not a regular file (a named pipe)", None,
                 id="tree-link-to-fifo-inside"),
    pytest.param(entry("socket"), ("validate", "--records", "{tree}"), 1, "socket.yaml:1:1: CC095 error: not a regular file (a socket)", None, id="tree-socket"),
    pytest.param(entry("device"), ("validate", "--records", "{tree}"), 1, "device.yaml:1:1: CC095 error: not a regular file (a character device)", None,
                 id="tree-device-node"),
    pytest.param(entry("directory"), ("validate", "--records", "{tree}"), 1, "directory.yaml:1:1: CC095 error: not a regular file (a directory)", None,
                 id="tree-directory-named-yaml"),
    pytest.param(entry("zero"), ("validate", "--records", "{tree}"), 1, "zero.yaml:1:1: CC096 error: symbolic link leads out of the records tree (to /dev/zero)",
                 None, id="tree-link-to-dev-zero"),
    pytest.param(entry("zero-via-inside-link"), ("validate", "--records", "{tree}"), 1,
                 "zero-via-inside-link.yaml:1:1: CC096 error: symbolic link leads out of the records tree (to /dev/zero)", None, id="tree-link-chain-to-dev-zero"),
    pytest.param(entry("outside"), ("validate", "--records", "{tree}"), 1, "outside.yaml:1:1: CC096 error: symbolic link leads out of the records tree", None,
                 id="tree-link-outside"),
    pytest.param(entry("dangling"), ("validate", "--records", "{tree}"), 1, "dangling.yaml:1:1: CC096 error: symbolic link cannot be followed", None,
                 id="tree-dangling-link"),
    pytest.param(entry("loop"), ("validate", "--records", "{tree}"), 1, "loop.yaml:1:1: CC096 error: symbolic link cannot be followed", None, id="tree-link-loop"),
    pytest.param(entry("sparse"), ("validate", "--records", "{tree}"), 1, "sparse.yaml:1:1: CC006 error: file is 8,589,934,592 bytes", None, id="tree-8-gib-file"),
    pytest.param(entry("fifo", full=True), ("stats", "--records", "{tree}"), 1, "do not validate", None, id="tree-fifo-stops-every-command"),
    # 13. The reference text named by --essay.
    pytest.param(essay_text("fifo"), ("--essay", "{essay}", "validate"), 1, "CC098 error: {essay}: not a regular file (a named pipe)", None, id="essay-fifo"),
    pytest.param(essay_text("zero"), ("--essay", "{essay}", "validate"), 1, "CC098 error: /dev/zero: not a regular file (a character device)", None, id="essay-dev-zero"),
    pytest.param(essay_text("latin-1"), ("--essay", "{essay}", "validate"), 1, "CC098 error: {essay}: byte 6 is not UTF-8", None, id="essay-not-utf8"),
    pytest.param(essay_text("directory"), ("--essay", "{essay}", "validate"), 2, "is a directory", None, id="essay-directory"),
    pytest.param(essay_text("fifo"), ("--essay", "{essay}", "quote", QID), 1, "do not validate", None, id="essay-fifo-stops-quote"),
    # 9. Malformed CSL styles: one usage error naming the file and what is wrong.
    pytest.param(style(_cut("citation")), ("quote", QID, "--style", "{style}"), 2, "style file {style}: has 0 <citation> elements", None, id="style-no-citation"),
    pytest.param(style(_cut("bibliography")), ("quote", QID, "--style", "{style}"), 2, "has 0 <bibliography> elements", None, id="style-no-bibliography"),
    pytest.param(style(lambda s: s.replace('<text macro="year-date"/>', '<text macro="yeardate"/>', 1)), ("quote", QID, "--style", "{style}"), 2,
                 "calls macro 'yeardate', which is not defined; did you mean year-date?", None, id="style-undefined-macro"),
    pytest.param(style(lambda s: s.replace('<macro name="edition">', '<macro name="edition"><text macro="edition"/>', 1)), ("quote", QID, "--style", "{style}"),
                 2, "macro 'edition' calls itself (edition → edition)", None, id="style-recursive-macro"),
    pytest.param(style(lambda s: s.replace('<macro name="edition">', '<macro name="edition"><text macro="title"/>', 1)), ("quote", QID, "--style", "{style}"),
                 2, "macro 'title' calls itself (title → edition → title)", None, id="style-mutually-recursive-macros"),
    pytest.param(style(_macro_chain(300)), ("quote", QID, "--style", "{style}"), 2, "nests more than 128 levels deep (macro calls included)", None,
                 id="style-macro-chain-too-deep"),
    pytest.param(style(inserted("<group>" * 300 + "</group>" * 300)), ("quote", QID, "--style", "{style}"), 2, "not well-formed XML: Excessive depth", None,
                 id="style-elements-too-deep"),
    pytest.param(style(inserted("<frobnicate/>")), ("quote", QID, "--style", "{style}"), 2, "<frobnicate> is not a CSL element", None, id="style-unknown-element"),
    pytest.param(style(inserted('<x:y xmlns:x="urn:x"/>')), ("quote", QID, "--style", "{style}"), 2, "<{urn:x}y> is not in the CSL namespace", None,
                 id="style-foreign-element"),
    pytest.param(style(inserted("<sort/>")), ("quote", QID, "--style", "{style}"), 2, "<sort> cannot stand inside <group>", None, id="style-element-out-of-place"),
    pytest.param(style(inserted("<text/>")), ("quote", QID, "--style", "{style}"), 2, "<text> needs exactly one of variable, macro, term or value", None,
                 id="style-text-without-content"),
    pytest.param(style(inserted("<names/>")), ("quote", QID, "--style", "{style}"), 2, "<names> has no variable", None, id="style-names-without-variable"),
    pytest.param(style(inserted('<date variable="issued" form="weird"/>')), ("quote", QID, "--style", "{style}"), 2,
                 '<date form="weird">: the form must be text or numeric', None, id="style-date-form"),
    pytest.param(style(inserted('<choose><if><text value="x"/></if></choose>')), ("quote", QID, "--style", "{style}"), 2, "<if> has no condition", None,
                 id="style-if-without-condition"),
    pytest.param(style(inserted('<names variable="author"><name et-al-min="many"/></names>')), ("quote", QID, "--style", "{style}"), 2,
                 "citeproc-py cannot render with it (ValueError", None, id="style-citeproc-fails-while-rendering"),
    pytest.param(style(lambda s: s.replace('class="in-text"', 'class="footnote"', 1)), ("quote", QID, "--style", "{style}"), 2,
                 '<style class="footnote">: the class must be in-text or note', None, id="style-unknown-class"),
    pytest.param(style(lambda s: s[:400]), ("quote", QID, "--style", "{style}"), 2, "not well-formed XML", None, id="style-not-xml"),
    pytest.param(style(""), ("quote", QID, "--style", "{style}"), 2, "not well-formed XML", None, id="style-empty"),
    pytest.param(style(lambda s: s.replace("http://purl.org/net/xbiblio/csl", "http://example.org/csl")), ("quote", QID, "--style", "{style}"), 2,
                 "not a CSL style: the root element is <style> in namespace http://example.org/csl", None, id="style-wrong-namespace"),
    pytest.param(style('<?xml version="1.0"?><html/>'), ("quote", QID, "--style", "{style}"), 2, "the root element is <html> in no namespace", None,
                 id="style-not-a-style"),
    pytest.param(style(BILLION_LAUGHS), ("quote", QID, "--style", "{style}"), 2, "style file {style}: ", "a" * 100, id="style-billion-laughs"),
    pytest.param(style(XXE), ("quote", QID, "--style", "{style}"), 2, "has a DOCTYPE declaration", r"root:", id="style-external-entity"),
    pytest.param(huge_style, ("quote", QID, "--style", "{style}"), 2, "bytes, over the 2,000,000-byte limit", None, id="style-huge-file"),
    pytest.param(style(_cut("citation")), ("cite", "86", "--style", "{style}", "--format", "html"), 2, "has 0 <citation> elements", None, id="style-cite-too"),
    # 6. Rule codes.
    pytest.param(None, ("validate", "--select", "CC999"), 2, "no rule code or prefix 'CC999'", None, id="select-unknown-code"),
    pytest.param(None, ("validate", "--ignore", "CC05,XX1"), 2, "no rule code or prefix 'XX1'", None, id="ignore-unknown-prefix"),
    # 8. A cited work whose record does not load stops cite and quote; nothing is written from a broken tree.
    pytest.param(broken("works/miliband1973coup.yaml", "type: article-journal", "type: [nonsense"), ("cite", "86", "--records", "{tree}"), 1,
                 "do not validate", None, id="cite-broken-work"),
    pytest.param(broken("agents/allende-salvador.yaml", "family:", "famly:"), ("quote", QID, "--records", "{tree}"), 1, "do not validate", None,
                 id="quote-broken-agent"),
    pytest.param(broken("works/allende1973sep11.yaml", "type: speech", "type: speech\ntype: speech"), ("export", "bibtex", "--records", "{tree}", "-o", "{old}"),
                 1, "nothing was done", None, id="export-broken-tree-writes-nothing"),
    # 2, 13. Output paths.
    pytest.param(None, ("export", "bibtex", "-o", ""), 2, "the output path is empty", None, id="output-empty"),
    pytest.param(None, ("export", "bibtex", "-o", "a\0b"), 2, "contains a NUL character", None, id="output-nul"),
    pytest.param(None, ("export", "bibtex", "-o", "{tmp}"), 2, "is a directory", None, id="output-directory"),
    pytest.param(None, ("export", "bibtex", "-o", "{tmp}/no/such/out.bib"), 2, "does not exist; create it first", None, id="output-no-folder"),
    pytest.param(output("loop"), ("export", "bibtex", "-o", "{out}"), 2, "cannot write there: Too many levels of symbolic links", None, id="output-link-loop"),
    pytest.param(output("socket"), ("export", "bibtex", "-o", "{out}"), 2, "cannot write there: No such device or address", None, id="output-socket"),
    pytest.param(None, ("export", "bibtex", "-o", "/dev/full"), 1, "Error: /dev/full: No space left on device", None, id="output-dev-full"),
    # 13. Smaller mistakes.
    pytest.param(None, ("search", *[f"w{i}" for i in range(40)]), 2, "at most 24 are looked for", None, id="search-too-many-words"),
    pytest.param(None, ("quotes", "--section", "-1"), 2, "no section -1", None, id="section-negative"),
    pytest.param(None, ("new", "work", "--type", "<script>"), 2, "no work type '<script>'", None, id="new-work-unknown-type"),
]


@pytest.mark.parametrize(("setup", "args", "code", "needle", "forbidden"), CASES)
def test_hostile_case(setup, args, code: int, needle: str, forbidden: str | None, tmp_path: Path) -> None:
    made = {"tmp": tmp_path, **(setup(tmp_path) if setup else {})}

    def fill(text: str) -> str:
        for key, value in made.items():
            text = text.replace("{" + key + "}", str(value))
        return text

    argv = [fill(a) for a in args]
    if "tree" in made and not any("{tree}" in a for a in args):
        argv = ["--records", str(made["tree"]), *argv]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    out = result.stdout + result.stderr
    assert result.exit_code == code, out
    assert fill(needle) in out, out
    assert "Traceback" not in out
    if forbidden:
        assert not re.search(forbidden, out), (forbidden, out)
    assert not UNSAFE.search(out), "a raw control character reached the terminal"
    result.stdout_bytes.decode("utf-8")  # strict: valid UTF-8 whatever the file names
    if "json" in args and result.stdout:
        json.loads(result.stdout)
    if code == 2:
        assert result.stdout == "" and result.stderr.rstrip().splitlines()[-1].startswith("Error: ")
    if "old" in made:
        assert made["old"].read_text(encoding="utf-8") == "kept", "nothing is written from a broken tree"


def test_html_agent_family_case_is_the_issue_example(tmp_path: Path) -> None:
    """The issue's own example validates clean: the HTML is safe because of the renderer, not the gate."""
    tree = edited(("agents/allende-salvador.yaml", "family", f"Allende{MARKUP}"))(tmp_path)["tree"]
    result = CliRunner().invoke(cli, ["--records", str(tree), "validate", "--select", "CC0"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- output files that stay what they are


def test_dev_null_as_output_stays_a_device() -> None:
    result = CliRunner().invoke(cli, ["export", "bibtex", "-o", "/dev/null"], catch_exceptions=False)
    assert result.exit_code == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_as_output_is_written_to(tmp_path: Path) -> None:
    import subprocess

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    result = CliRunner().invoke(cli, ["export", "csl-json", "-o", str(fifo)], catch_exceptions=False)
    assert result.exit_code == 0
    assert json.loads(reader.communicate(timeout=30)[0])  # the export came through the pipe
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and sorted(p.name for p in tmp_path.iterdir()) == ["out.fifo"]


def test_dev_stdout_and_dash_are_standard_output(tmp_path: Path) -> None:
    import subprocess
    import sys

    command = [sys.executable, "-c", "from chilecite.cli import main; main()", "export", "csl-json", "-o"]
    dash = subprocess.run([*command, "-"], capture_output=True, check=True, cwd=RECORDS.parent)
    device = subprocess.run([*command, "/dev/stdout"], capture_output=True, check=True, cwd=RECORDS.parent)
    assert dash.stdout == device.stdout and json.loads(dash.stdout)


# --------------------------------------------------------------------------- unreadable files, as an unprivileged user


def _as_nobody(function: Callable[[], Any]) -> Any:
    """`function()` run as the user `nobody` when the test runs as root (for whom no file is
    unreadable), in a forked child; its JSON-able result comes back through a pipe."""
    if os.geteuid() != 0:
        return function()
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no user 'nobody' to run the permission cases as")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root for good, run, report, leave without pytest's teardown
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            payload = json.dumps({"result": function()})
        except BaseException as exc:
            payload = json.dumps({"error": f"{type(exc).__name__}: {exc}"})
        with os.fdopen(write, "w") as handle:
            handle.write(payload)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        answer = json.loads(handle.read() or '{"error": "the child said nothing"}')
    os.waitpid(pid, 0)
    if "error" in answer:
        pytest.fail(f"as nobody: {answer['error']}")
    return answer["result"]


@pytest.fixture
def shared_tmp():
    """A temporary folder `nobody` can enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="chilecite-hostile-"))
    folder.chmod(0o755)
    yield folder
    for path in folder.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


def _invoke(argv: list[str]) -> list:
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    return [result.exit_code, result.stdout, result.stderr]


PERMISSION_CASES = [
    pytest.param("file", ["validate", "--records", "{tree}"], 1, "unreadable.yaml:1:1: CC097 error: cannot read the file: Permission denied",
                 id="unreadable-record"),
    pytest.param("file", ["quote", QID, "--records", "{tree}"], 1, "do not validate", id="unreadable-record-stops-quote"),
    pytest.param("folder", ["validate", "--records", "{tree}"], 1, "records/works: CC097 error: cannot list the folder: Permission denied", id="unreadable-folder"),
    pytest.param("essay", ["--essay", "{essay}", "validate"], 1, "CC098 error: {essay}: Permission denied", id="unreadable-essay-text"),
    pytest.param("output", ["export", "bibtex", "-o", "{tmp}/locked/out.bib"], 2, "cannot write there: Permission denied", id="unwritable-output-folder"),
]


@pytest.mark.parametrize(("what", "args", "code", "needle"), PERMISSION_CASES)
def test_permission_case(what: str, args: list[str], code: int, needle: str, shared_tmp: Path) -> None:
    tree = shared_tmp / "records"
    shutil.copytree(MINIMAL_ROOT, tree)
    for path in [tree, *tree.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    essay = shared_tmp / "essay.txt"
    essay.write_text("text", encoding="utf-8")
    (shared_tmp / "locked").mkdir(mode=0o755)
    if what == "file":
        shutil.copy(tree / "works" / "financialtimes1973aug09.yaml", tree / "works" / "unreadable.yaml")
        (tree / "works" / "unreadable.yaml").chmod(0)
    elif what == "folder":
        (tree / "works").chmod(0)
    elif what == "essay":
        essay.chmod(0)
    elif what == "output" and os.geteuid() != 0:
        (shared_tmp / "locked").chmod(0o555)
    fill = {"{tree}": str(tree), "{essay}": str(essay), "{tmp}": str(shared_tmp)}
    argv = [next((a.replace(k, v) for k, v in fill.items() if k in a), a) for a in args]
    _invoke(argv)  # once as ourselves: every module the command needs is imported before the fork
    for path in (shared_tmp / "locked").iterdir():
        path.unlink()
    exit_code, stdout, stderr = _as_nobody(lambda: _invoke(argv))
    out = stdout + stderr
    assert exit_code == code, out
    assert next((needle.replace(k, v) for k, v in fill.items() if k in needle), needle) in out, out
    assert "Traceback" not in out
    assert sorted(p.name for p in (shared_tmp / "locked").iterdir()) == []


# --------------------------------------------------------------------------- the Python API


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_the_api_refuses_wrong_types_and_non_trees(corpus) -> None:
    with pytest.raises(NotATree, match=r"has no essay\.yaml"):
        load_corpus("str")
    with pytest.raises(NotATree, match="/etc is not a records tree"):
        load_corpus(Path("/etc"))
    with pytest.raises(TypeError, match="path of a records tree, not int"):
        load_corpus(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a note number is an int, not str"):
        cite_note(corpus, "23")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["allende-salvador\n", "miliband1973coup\n", "allende-salvador\r", "Allende-Salvador"])
def test_id_and_key_patterns_refuse_a_trailing_newline(name: str) -> None:
    from chilecite.vocabulary import ID_RE, KEY_RE

    assert ID_RE.match(name) is None and KEY_RE.match(name) is None


def test_the_api_escapes_html_without_the_gate(corpus) -> None:
    hostile = _hostile_corpus(corpus, QID, {"name": f"Allende{MARKUP}"})
    out = QuotationHandle(QID, hostile).cite(format="html")
    assert "<img" not in out and "Allende&lt;img src=x onerror=alert(1)&gt;" in out


def test_the_api_reports_a_malformed_style_as_a_style_error(corpus, tmp_path: Path) -> None:
    path = style(_cut("citation"))(tmp_path)["style"]
    with pytest.raises(StyleError, match=f"style file {re.escape(str(path))}: has 0 <citation> elements"):
        QuotationHandle(QID, corpus).cite(style=path)


def test_a_carriage_return_in_a_heading_cannot_end_the_latex_comment(corpus) -> None:
    """The issue's example: a CR in a heading (the validator refuses it, the library must not need that)."""
    hostile = _hostile_corpus(corpus, QID, {"heading": "The denouément\r\\immediate\\write18{rm -rf ~}%"})
    out = QuotationHandle(QID, hostile).cite(format="latex")
    assert _latex_problems(out) == [] and "\r" not in out
    assert "{\\textbackslash}x0d{\\textbackslash}immediate{\\textbackslash}write18" in out


# --------------------------------------------------------------------------- properties

CORPUS = load_corpus(RECORDS)
QIDS = ("allende-history-is-ours", "militant-tendency-two-kinds-of-democracy", "corvalan-army-not-alien")
# A bundled in-text style and a small note style: chicago-notes-bibliography takes 50 ms a rendering, too slow
# for 1,000 examples (the table above runs it on hostile records through the command line).
NOTE_STYLE = Path(__file__).with_name("note-style.csl")
STYLES = ("harvard-cite-them-right", str(NOTE_STYLE))
MARKUP_SNIPPETS = [MARKUP, "<script>alert(1)</script>", "</cite></footer>", "<i>", "</i>", "<b>", '<span style="font-variant:small-caps;">', "</span>",
                   "<l>", "<!--", "-->", "<![CDATA[", "]]>", "<?php ?>", "&amp;", "&lt;b&gt;", "&#x202e;", "&", "<", ">", '"', "'", "javascript:alert(1)",
                   "[x](javascript:alert(1))", "![x](y)", "`code`", "*em*", "_u_", "<http://x>", "[^1]", "\\", "\\<"]
TEX_SNIPPETS = ["%", "\\", "{", "}", "^^M", "^^5cinput{x}", "^^", "^", "~", "#", "&", "$", "_", "\\input{/etc/passwd}", "\\immediate\\write18{id}",
                "}\\def\\x{", "\\\\", "--", "\\par", "\\csname", "\\catcode`\\%=12"]
CONTROL_SNIPPETS = ([chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
                    + ["\u2028", "\u2029", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"]
                    + ["\x1b[31m", "\x1b]0;title\x07", "\r\n"])
ODD_SNIPPETS = ["\ud800", "\udc80", "\udfff", "\ue000", "\ue001", "\ue002", "\ue003", "\ue0030", "\ue0031x", "\ufffd", "\uffff", "\U0001f600"]
hostile_text = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(MARKUP_SNIPPETS + TEX_SNIPPETS + CONTROL_SNIPPETS + ODD_SNIPPETS)),
                        min_size=1, max_size=5).map("".join)
FIELDS = ("name", "given", "title", "genre", "event", "text", "heading", "locator")


@st.composite
def hostile_cases(draw) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """A quotation, a style, and hostile text for every field: four strings, each in two fields
    (drawing eight costs more time than it finds: the fields go through the same renderers)."""
    strings = [draw(hostile_text) for _ in range(4)]
    return draw(st.sampled_from(QIDS)), draw(st.sampled_from(STYLES)), tuple((f, strings[i % 4]) for i, f in enumerate(FIELDS))


def _hostile_corpus(corpus, qid: str, values: dict[str, str]):
    """A copy of the corpus with the hostile values in quotation `qid`, its speaker, its original and its section."""
    record = corpus.quotations[qid]
    agents, works = dict(corpus.agents), dict(corpus.works)
    speaker = record.speakers[0]
    agent = agents[speaker]
    if "name" in values:
        update = {"family": values["name"], "given": values.get("given", agent.given)} if isinstance(agent, Person) else {"name": values["name"]}
        agents[speaker] = agent.model_copy(update=update)
    if record.source is not None:
        work = works[record.source.work]
        works[record.source.work] = work.model_copy(update={k: values[k] for k in ("title", "genre", "event") if k in values})
        if "locator" in values:
            locator = Locator.model_construct(label="page", value=values["locator"])
            record = record.model_copy(update={"source": record.source.model_copy(update={"locator": locator})})
    if "text" in values:
        quote = record.anchor.quote.model_copy(update={"exact": values["text"]})
        record = record.model_copy(update={"anchor": record.anchor.model_copy(update={"quote": quote})})
    essay = corpus.essay
    if "heading" in values:
        sections = [s.model_copy(update={"heading": values["heading"]}) if s.first_paragraph <= record.anchor.paragraph <= s.last_paragraph and s.heading
                    else s for s in essay.sections]
        essay = essay.model_copy(update={"sections": sections})
    quotations = {**corpus.quotations, qid: record}
    return dataclasses.replace(corpus, agents=agents, works=works, quotations=quotations, essay=essay)


@lru_cache(maxsize=2048)
def _cited(qid: str, style_name: str, values: tuple[tuple[str, str], ...]):
    """The citation of one hostile case, shared by the five format properties (they draw the same
    examples: same seed, same strategy), so citeproc-py renders each case once."""
    hostile = _hostile_corpus(CORPUS, qid, dict(values))
    return cite_record(hostile, qid, hostile.quotations[qid], style_name)


PROPERTY = settings(max_examples=1000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SEED = 20_240_611

# -- what each format must never hold


class _HtmlAudit(HTMLParser):
    ELEMENTS: ClassVar[dict[str, set[str]]] = {"blockquote": {"class", "data-quotation", "cite"}, "p": set(), "footer": set(), "cite": set(), "q": set(),
                "span": {"class", "data-quotation", "style"}, "i": set(), "b": set(), "u": set(), "sup": set(), "sub": set(),
                "section": {"class"}, "h3": set(), "div": {"class", "data-key"}}  # the reference list
    STYLES: ClassVar[set[str]] = {"font-variant:small-caps;", "font-weight:lighter;"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = self.ELEMENTS.get(tag)
        if allowed is None:
            self.problems.append(f"element <{tag}>")
            return
        for name, value in attrs:
            value = value or ""
            if name not in allowed or name.startswith("on"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "style" and value not in self.STYLES:
                self.problems.append(f"style {value!r}")
            if name == "cite" and not re.match(r"https?://", value):
                self.problems.append(f"cite {value!r}")
            if "javascript:" in value.lower():
                self.problems.append(f"javascript: in {name}")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append("a comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("a declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("a processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("a CDATA section or other declaration")


def _html_problems(out: str, cited) -> list[str]:
    audit = _HtmlAudit()
    audit.feed(out)
    audit.close()
    problems = list(audit.problems)
    if UNSAFE.search(out):
        problems.append("a raw control character")
    try:  # also well-formed XML (U+FFFE and U+FFFF, harmless in HTML, are not XML characters)
        ET.fromstring("<root>" + re.sub("[\ufffe\uffff]", "", out) + "</root>")
    except ET.ParseError as exc:
        problems.append(f"not well-formed: {exc}")
    if _visible(cited.text) not in "".join(audit.text):
        problems.append("the quotation's text is not all there")
    return problems


def _markdown_problems(out: str, cited) -> list[str]:
    problems = ["a raw control character"] if UNSAFE.search(out) else []
    label = re.sub(r"[^A-Za-z0-9_-]", "-", cited.id)
    body = out.replace(f"[^{label}]", "")  # the footnote marker and its definition
    if cited.display == "block":
        body = body.removeprefix("> ")  # the block quotation's marker
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] in "<>[]`" or re.match(r"&#?[A-Za-z0-9]+;", body[i:]):
            problems.append(f"an unescaped {body[i]!r} at {i}: {body[max(0, i - 20):i + 20]!r}")
        i += 1
    return problems


_TEX_COMMANDS = {"cite", "enquote", "blockquote", "footnote", "textbackslash", "textbraceleft", "textbraceright", "textasciitilde", "textasciicircum"}
_TEX_LINE_ENDS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _latex_problems(out: str) -> list[str]:
    """A LaTeX citation is one comment line and one line of TeX, then the reference list as comment
    lines; in the TeX, only the commands the renderer writes, no `%`, no `^`, no unescaped special,
    braces balanced and never closed early."""
    lines = out.split("\n")
    if lines[-1] != "" or len(lines) < 3:
        return [f"{len(lines) - 1} lines, not a comment line and a line of TeX: {out!r}"]
    comment, body = lines[0], lines[1]
    problems = []
    for line in [comment, *lines[2:-1]]:
        if not line.startswith("% ") or UNSAFE.search(line):
            problems.append(f"comment line {line!r}")
    if _TEX_LINE_ENDS.search(body):
        problems.append("a control character in the TeX")
    depth, i = 0, 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            command = re.match(r"\\([A-Za-z]+|.)", body[i:])
            name = command.group(1) if command else ""
            if name not in _TEX_COMMANDS and name not in ("&", "%", "$", "#", "_"):
                problems.append(f"command \\{name}")
            i += len(command.group(0)) if command else 1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                problems.append(f"a group closed early at {i}")
        elif char in "%^#$&_":
            problems.append(f"an unescaped {char!r} at {i}")
        i += 1
    if depth:
        problems.append(f"{depth} group(s) left open")
    return problems


def _visible(text: str) -> str:
    return UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


@seed(SEED)
@PROPERTY
@given(hostile_cases())
def test_property_html_never_holds_active_markup(case) -> None:
    cited = _cited(*case)
    out = cited.render("html")
    assert _html_problems(out, cited) == [], out
    assert not re.search(r"<(?!/?(blockquote|p|footer|cite|q|span|i|b|u|sup|sub|section|h3|div)[ >])", out), out


@seed(SEED)
@PROPERTY
@given(hostile_cases())
def test_property_markdown_escapes_every_markup_character(case) -> None:
    cited = _cited(*case)
    out = cited.render("markdown")
    assert _markdown_problems(out, cited) == [], out


@seed(SEED)
@PROPERTY
@given(hostile_cases())
def test_property_latex_is_never_executable(case) -> None:
    out = _cited(*case).render("latex")
    assert _latex_problems(out) == [], out


def _pandoc_problems(out: str, cited) -> list[str]:
    """pandoc Markdown: one line; in the quotation no unescaped character that opens a pandoc
    construct; in the citation exactly the works cited (`@key`), one `;` between two citations.
    (pandoc's own reading of hostile text: tests/interop/test_pandoc_citing.py.)"""
    problems = ["a raw control character"] if UNSAFE.search(out) else []
    if not out.endswith("]\n") or out.count("\n") != 1:
        return [*problems, f"not one line ending in a citation: {out!r}"]
    body, _, citation = out.rstrip("\n").rpartition(" [")
    plain_body = re.sub(r"\\.", "", body.removeprefix("> ") if cited.display == "block" else body)
    problems += [f"an unescaped {c!r} in the text" for c in sorted(set(re.findall(r"[@\[\]`*_{}<>$^~|#&]", plain_body)))]
    plain = re.sub(r"\\.", "", citation)
    keys = re.findall(r"@\{?([a-z0-9]+)", plain)
    if keys != ([cited.source_work] if cited.source_work else []) + [cited.essay_key]:
        problems.append(f"cites {keys}")
    if plain.count(";") != (1 if cited.source_work else 0) or plain.count("[") or plain.count("]") != 1:
        problems.append(f"citation {citation!r}")
    return problems


@seed(SEED)
@PROPERTY
@given(hostile_cases())
def test_property_pandoc_markdown_is_only_text_and_one_citation(case) -> None:
    cited = _cited(*case)
    out = cited.render("pandoc")
    assert _pandoc_problems(out, cited) == [], out


@seed(SEED)
@PROPERTY
@given(hostile_cases())
def test_property_text_has_no_raw_control_characters(case) -> None:
    cited = _cited(*case)
    out = cited.render("text")
    assert not UNSAFE.search(out), out
    out.encode("utf-8")  # strict: no lone surrogate left
    assert _visible(cited.text) in out


@seed(SEED)
@PROPERTY
@given(hostile_cases())
def test_property_json_is_valid_utf8_and_loses_nothing(case) -> None:
    cited = _cited(*case)
    out = cited.render("json")
    assert not UNSAFE.search(out), out
    data = json.loads(out.encode("utf-8"))
    assert data["text"] == cited.text and data["citation"] == cited.citation
