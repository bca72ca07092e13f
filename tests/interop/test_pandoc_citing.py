"""`chilecite quote` and `chilecite cite` with `--format pandoc`, read by pandoc itself.

Every quotation and every note's citation is put in one Markdown document per bundled style and
rendered by `pandoc --citeproc` with the CSL-JSON export as its bibliography; the document's AST
(`-t json`) says which works pandoc cited in each citation, what its citeproc printed, and which
works its reference list holds. Hostile text (every construct pandoc's Markdown has) must come back
as the same text, with the one citation chilecite wrote and nothing else.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from chilecite.citing import ATTRIBUTED_MARK, _inert, cite_note, cite_quotation, cite_record
from chilecite.corpus import Corpus
from chilecite.export import export_csl_json
from chilecite.loading import load_corpus
from chilecite.models import Level, Organisation, Person
from chilecite.processor import resolve_style
from chilecite.styles import BUNDLED_STYLES
from tests.test_citing import PANDOC_HOSTILE, _hostile_quotation

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def bibliography(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pandoc") / "refs.json"
    path.write_text(export_csl_json(corpus), encoding="utf-8")
    return path


def _pandoc(document: str, *args: str) -> tuple[dict, str]:
    pandoc = shutil.which("pandoc")
    assert pandoc, "pandoc is not installed: run the README's test command (apt-get install pandoc)"
    run = subprocess.run([pandoc, *args, "-t", "json"], input=document, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), run.stderr


def _text(node: Any) -> str:
    """What a reader sees of a piece of pandoc's AST."""
    if isinstance(node, list):
        return "".join(_text(n) for n in node)
    if not isinstance(node, dict):
        return ""
    kind, content = node.get("t"), node.get("c")
    if kind == "Str":
        return content
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if kind == "Quoted":
        left, right = ("“", "”") if content[0]["t"] == "DoubleQuote" else ("‘", "’")
        return left + _text(content[1]) + right
    if kind == "Cite":
        return _text(content[1])
    if kind in ("Link", "Image", "Span"):
        return _text(content[1])
    if kind in ("Code", "Math", "RawInline"):
        return content[1]
    if kind in ("Note", "BlockQuote", "Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps", "Plain", "Para"):
        return _text(content)
    if kind == "Div":
        return _text(content[1])
    return _text(content) if isinstance(content, list) else ""


def _walk(node: Any):
    if isinstance(node, list):
        for n in node:
            yield from _walk(n)
    elif isinstance(node, dict):
        if "t" in node:
            yield node
        yield from _walk(node.get("c"))


def _cites(blocks: list) -> list[tuple[list[str], str]]:
    """Every citation in document order: the keys pandoc read, and what its citeproc printed."""
    return [([c["citationId"] for c in node["c"][0]], _text(node["c"][1])) for node in _walk(blocks) if node["t"] == "Cite"]


def _listed(blocks: list) -> set[str]:
    """The works in pandoc's reference list (an entry the style leaves out is an empty div)."""
    return {node["c"][0][0][4:] for node in _walk(blocks)
            if node["t"] == "Div" and node["c"][0][0].startswith("ref-") and _text(node["c"][1]).strip()}


def _family(corpus: Corpus, agent_id: str) -> str:
    agent = corpus.agents[agent_id]
    return agent.family if isinstance(agent, Person) else agent.name if isinstance(agent, Organisation) else agent.display_name


@pytest.mark.parametrize("style", BUNDLED_STYLES)
def test_pandoc_renders_the_quoted_in_citations_and_lists_both_works(corpus: Corpus, bibliography: Path, style: str) -> None:
    info = resolve_style(style)
    quotations = sorted(corpus.quotations)
    notes = [n for n in sorted(corpus.notes) if any(c.work in corpus.works for c in corpus.notes[n].citations)]
    cited = {qid: cite_quotation(corpus, qid, style) for qid in quotations}
    noted = {n: cite_note(corpus, n, style) for n in notes}
    document = "\n".join([c.render("pandoc") for c in cited.values()] + [c.render("pandoc") for c in noted.values()])
    ast, stderr = _pandoc(document, "--citeproc", "--bibliography", str(bibliography), "--csl", str(info.path), "--wrap=none")
    cites = _cites(ast["blocks"])
    assert len(cites) == len(quotations) + len(notes)
    essay = corpus.works[corpus.essay.key]
    essay_author = _family(corpus, essay.authors[0])
    for (keys, printed), (qid, c) in zip(cites, cited.items(), strict=False):
        record = corpus.quotations[qid]
        assert keys == ([record.source.work] if record.source else []) + [corpus.essay.key], qid
        assert "@" not in printed and "???" not in printed, (qid, printed)
        at = printed.lower().find(info.connector)
        assert at >= 0, (qid, printed)
        assert re.search(rf"\b(?:para?s?\.|¶)\s*{c.place.section_paragraph}\b", printed), (qid, printed)
        if c.place.heading:
            assert c.place.heading in printed, (qid, printed)
        # the essay as pandoc's citeproc formats it: its author, unless the style says "Ibid." for a repeat
        essay_half = printed[at:]
        assert essay_author in essay_half or "ibid" in essay_half.lower(), (qid, printed)
        if record.source is not None:
            authors = corpus.works[record.source.work].authors
            if authors:
                assert _family(corpus, authors[0]) in printed[:at], (qid, printed)
            assert (ATTRIBUTED_MARK in printed) == (record.source.level == Level.attributed), (qid, printed)
    for (keys, printed), (number, c) in zip(cites[len(quotations):], noted.items(), strict=True):
        assert keys == [s.work for s in c.sources], number
        assert "@" not in printed and "???" not in printed, (number, printed)
        assert printed.count(ATTRIBUTED_MARK) == len([s for s in c.sources if s.level == Level.attributed.value]), (number, printed)
    # pandoc's reference list holds what chilecite's reference lists hold: both works of every
    # quotation (the original where the style lists it), every source of every note
    expected = {e.key for c in [*cited.values(), *noted.values()] for e in c.bibliography.entries}
    listed = _listed(ast["blocks"])
    assert corpus.essay.key in listed
    assert listed == expected, (sorted(listed - expected), sorted(expected - listed))
    warnings = [line for line in stderr.splitlines() if line.strip()]
    left_out = {line.rsplit(": ", 1)[1] for line in warnings if "Bibliography entry with no printed form" in line}
    assert len(left_out) == len(warnings), warnings  # pandoc found every key: no "citation not found"
    cited_keys = {k for keys, _ in cites for k in keys}
    assert left_out == cited_keys - listed


FORBIDDEN = {"Link", "Image", "Code", "RawInline", "RawBlock", "Math", "Emph", "Strong", "Strikeout", "Superscript", "Subscript",
             "Span", "Header", "BulletList", "OrderedList", "DefinitionList", "CodeBlock", "LineBlock", "Div", "Table",
             "HorizontalRule", "Note", "Underline", "SmallCaps"}


@pytest.mark.parametrize("smart", [True, False], ids=["smart", "no-smart"])
def test_pandoc_reads_hostile_text_as_text(corpus: Corpus, bibliography: Path, smart: bool) -> None:
    """Every hostile case, as a block and as an inline quotation, with the same text as its speaker:
    pandoc reads one block, one citation (of the essay, its prefix the speaker's words), and the
    quotation's exact text (with `smart`, typography aside: quotation marks, `...`, dashes)."""
    cases = [(param.id, param.values[0], display) for param in PANDOC_HOSTILE for display in ("block", "inline")]
    outputs = [cite_record(corpus, "hostile", _hostile_quotation(corpus, text, display, [text]), "apa", "pandoc").render()
               for _, text, display in cases]
    reader = "markdown" if smart else "markdown-smart"
    ast, stderr = _pandoc("\n".join(outputs), "-f", reader, "--citeproc", "--bibliography", str(bibliography),
                          "--csl", str(resolve_style("apa").path), "--wrap=none")

    def typography(text: str) -> str:  # what `smart` changes: quotation marks, `...`, `--` and `---`
        return re.sub(r"\.\.\.|-{2,3}|[\"'“”‘’…–—]", "", text) if smart else text

    blocks = [b for b in ast["blocks"] if not (b["t"] == "Div" and b["c"][0][0] == "refs")]
    assert len(blocks) == len(cases), [b["t"] for b in blocks]
    for block, (case, text, display) in zip(blocks, cases, strict=True):
        assert block["t"] == ("BlockQuote" if display == "block" else "Para"), (case, display, block["t"])
        kinds = [node["t"] for node in _walk(block)]
        assert not FORBIDDEN & set(kinds), (case, display, FORBIDDEN & set(kinds))
        cites = [node for node in _walk(block) if node["t"] == "Cite"]
        assert len(cites) == 1 and [c["citationId"] for c in cites[0]["c"][0]] == [corpus.essay.key], (case, display)
        words = re.sub(r"[ \t\n\r]+", " ", _inert(text)).strip()
        prefix = _text(cites[0]["c"][0][0]["citationPrefix"])
        inlines = block["c"][0]["c"] if display == "block" else block["c"]
        before = _text(inlines[: next(i for i, n in enumerate(inlines) if n["t"] == "Cite")]).strip()
        quoted = words if display == "block" else f"“{words}”"
        assert (typography(before), typography(prefix)) == (typography(quoted), typography(f"{words}, as cited in")), (case, display)
    assert "not found" not in stderr
