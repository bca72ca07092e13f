"""Citing the essay's quotations: every quotation, every bundled style, every format."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite.citing import ATTRIBUTED_MARK, FORMATS, cite_note, cite_quotation, cite_record
from chilecite.errors import NotFound, StyleNotFound, UsageError
from chilecite.loading import load_corpus
from chilecite.models import Level
from chilecite.processor import render_item, resolve_style, work_item
from chilecite.styles import BUNDLED_STYLES
from chilecite.vocabulary import fold
from chilecite.workspace import QuotationHandle
from tests.support import RECORDS

SNAPSHOTS = Path(__file__).parent / "snapshots"
SNAPSHOT_QUOTATIONS = (
    "berlinguer-historical-compromise",  # block, original identified (attributed)
    "militant-tendency-two-kinds-of-democracy",  # block, known only through the essay, an organisation
    "corvalan-army-not-alien",  # inline, known only through the essay, an accented name
)
SNAPSHOT_STYLES = ("chicago-notes-bibliography", "apa", "mla")
SNAPSHOT_FORMATS = {"text": "txt", "markdown": "md", "html": "html", "latex": "tex", "pandoc": "pandoc"}
CONNECTORS = ("quoted in", "as cited in", "cited in", "qtd. in")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def _latex_ok(source: str) -> list:
    from pylatexenc.latexwalker import LatexWalker

    walker = LatexWalker(source, tolerant_parsing=False)
    nodes, _, _ = walker.get_latex_nodes()
    return nodes


def _macros(nodes) -> set[str]:
    from pylatexenc.latexwalker import LatexGroupNode, LatexMacroNode

    found: set[str] = set()
    for node in nodes or ():
        if node is None:
            continue
        if isinstance(node, LatexMacroNode):
            found.add(node.macroname)
            for arg in (node.nodeargd.argnlist if node.nodeargd else ()):
                if arg is not None:
                    found |= _macros([arg])
        if isinstance(node, LatexGroupNode):
            found |= _macros(node.nodelist)
    return found


def _check(corpus, qid: str, out: str, fmt: str, cited) -> None:
    record = corpus.quotations[qid]
    assert out.strip(), qid
    if fmt == "html":
        root = ET.fromstring(f"<root>{out}</root>")
        assert root.find(".//blockquote" if record.display == "block" else ".//q") is not None, qid
        assert root.find(".//cite") is not None
    elif fmt == "latex":
        nodes = _latex_ok(out)
        names = _macros(nodes)
        assert ("blockquote" if record.display == "block" else "enquote") in names, (qid, out)
        assert "cite" in names
        assert out.count("{") == out.count("}")
    elif fmt == "json":
        data = json.loads(out)
        assert data["id"] == qid and data["text"] == record.text
        assert data["source_level"] == (record.source.level.value if record.source else None)
        assert data["citation"] and data["essay"]["key"] == corpus.essay.key
        assert data["bibliography"]["entries"] and data["citation_pandoc"]
    elif fmt == "pandoc":
        # pandoc's own reading of it is checked in tests/interop/test_pandoc_citing.py
        keys = re.findall(r"(?<!\\)@([a-z0-9]+)", out)
        assert keys == ([record.source.work] if record.source else []) + [corpus.essay.key], (qid, out)
        assert f"{{para. {cited.place.section_paragraph}}}" in out and out.count("\n") == 1
    if fmt in ("text", "markdown", "html"):
        low = out.lower()
        assert any(c in low for c in CONNECTORS), (qid, out)
    if fmt == "text":
        assert record.text in out  # elisions and quotation marks as printed


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("style", BUNDLED_STYLES)
def test_every_quotation_renders(corpus, style, fmt):
    assert corpus.quotations, "no quotation records"
    for qid in sorted(corpus.quotations):
        cited = cite_quotation(corpus, qid, style, fmt)
        _check(corpus, qid, cited.render(), fmt, cited)


@pytest.mark.parametrize("style", BUNDLED_STYLES)
def test_secondary_citation_shape(corpus, style):
    info = resolve_style(style)
    for qid, record in corpus.quotations.items():
        cited = cite_quotation(corpus, qid, style)
        assert info.connector in cited.citation.lower(), (qid, cited.citation)
        # the essay is always the second half, with its section and paragraph
        essay_half = cited.citation.lower().split(info.connector, 1)[1]
        assert "gonzalez" in essay_half and f"para. {cited.place.section_paragraph}" in essay_half
        if info.is_note:
            assert cited.citation.endswith(".")
        else:
            assert cited.citation.startswith("(") and cited.citation.endswith(")")
        if record.display == "inline":
            assert f"“{record.text}”" in cited.render("text")
        else:
            assert f"“{record.text}”" not in cited.render("text")


@pytest.mark.parametrize("style", BUNDLED_STYLES)
def test_attributed_source_always_marked(corpus, style):
    for qid, record in corpus.quotations.items():
        attributed = record.source is not None and record.source.level == Level.attributed
        for fmt in FORMATS:
            out = cite_quotation(corpus, qid, style, fmt).render()
            if attributed:
                assert "attributed source, not checked" in out, (qid, fmt)
            else:
                assert ATTRIBUTED_MARK not in out
    for number, note in corpus.notes.items():
        attributed = [c for c in note.citations if c.level == Level.attributed]
        cited = cite_note(corpus, number, style)
        out = cited.render()
        entries = [e for e in cited.bibliography.entries if e.attributed]
        assert out.count(ATTRIBUTED_MARK) == len([c for c in attributed if c.work in corpus.works]) + len(entries), number
        assert all(f"{e.text} {ATTRIBUTED_MARK}" in out for e in entries)
        assert {e.key for e in entries} <= {c.work for c in attributed}
        pandoc = cited.render("pandoc")
        assert pandoc.count("attributed source, not checked") == len([c for c in attributed if c.work in corpus.works]), number


def test_attributed_marker_on_a_constructed_quotation(corpus):
    base = next(iter(corpus.quotations.values()))
    work = next(k for k in corpus.works if k != corpus.essay.key)
    from chilecite.models import Citation

    record = base.model_copy(update={"source": Citation(work=work, level=Level.attributed, basis="An attribution that could not be checked against the work.")})
    for style in BUNDLED_STYLES:
        for fmt in FORMATS:
            assert "attributed source, not checked" in cite_record(corpus, "constructed", record, style, fmt).render()


def test_hostile_text_is_escaped(corpus):
    base = next(iter(corpus.quotations.values()))
    hostile = "<script>alert(1)</script> & \"quoted\" 'single' {brace} \\textbf{x} 50% $5 #1 a_b ~ ^"
    for display in ("block", "inline"):
        quote = base.model_copy(update={"display": display, "anchor": base.anchor.model_copy(update={"quote": base.anchor.quote.model_copy(update={"exact": hostile})})})
        for style in BUNDLED_STYLES:
            html_out = cite_record(corpus, "hostile", quote, style, "html").render()
            assert "<script>" not in html_out and "&lt;script&gt;" in html_out
            root = ET.fromstring(f"<root>{html_out}</root>")
            assert hostile in "".join(root.itertext())
            latex_out = cite_record(corpus, "hostile", quote, style, "latex").render()
            _latex_ok(latex_out)
            assert "\\textbf{x}" not in latex_out and "50\\%" in latex_out and "\\$5" in latex_out
            md = cite_record(corpus, "hostile", quote, style, "markdown").render()
            assert "\\<script\\>" in md
            assert json.loads(cite_record(corpus, "hostile", quote, style, "json").render())["text"] == hostile


ORG = {"id": "org", "type": "book", "title": "Programa básico de gobierno", "author": [{"family": "Partido Socialista de Chile"}], "issued": {"date-parts": [[1969]]}, "publisher": "Prensa Latinoamericana", "publisher-place": "Santiago"}
PARTICLE = {"id": "particle", "type": "book", "title": "Historia de Chile", "author": [{"family": "Cruz", "given": "Juan", "non-dropping-particle": "de la"}], "issued": {"date-parts": [[1970]]}, "publisher": "Quimantú", "publisher-place": "Santiago"}


@pytest.mark.parametrize("style", BUNDLED_STYLES)
def test_organisation_and_particle_names(style):
    from chilecite.processor import processor_item

    info = resolve_style(style)
    org = render_item(info, processor_item({**ORG, "author": [{"literal": "Partido Socialista de Chile"}]}))
    for text in (org.citation, org.reference):
        assert "Partido Socialista de Chile" in text, (style, text)  # never split or initialised
        assert "P. S." not in text and "Chile, Partido" not in text
    person = render_item(info, processor_item(PARTICLE))
    assert "de la Cruz" in person.citation or "Cruz, Juan de la" in person.citation or "Juan de la Cruz" in person.citation, person.citation
    assert "de la" in person.reference and "Cruz" in person.reference, person.reference
    assert "D. L." not in person.citation


def test_full_given_names_in_chicago_notes(corpus):
    # citeproc-py ignores initialize="false"; chilecite's style workaround keeps full names
    cited = cite_quotation(corpus, next(iter(corpus.quotations)), "chicago-notes-bibliography")
    assert "Mike Gonzalez" in cited.citation


def test_styles_resolve():
    for alias, name in (("mla", "modern-language-association"), ("harvard", "harvard-cite-them-right")):
        assert resolve_style(alias).name == name
    path = resolve_style("apa").path
    assert resolve_style(str(path)).style_class == "in-text"
    with pytest.raises(StyleNotFound, match="bundled"):
        resolve_style("no-such-style")


def test_unknown_records(corpus):
    with pytest.raises(NotFound, match="no-such-quotation"):
        cite_quotation(corpus, "no-such-quotation")
    with pytest.raises(UsageError, match="docx"):
        cite_quotation(corpus, next(iter(corpus.quotations)), fmt="docx")


def test_every_note_cites(corpus):
    for number in corpus.notes:
        for fmt in FORMATS:
            out = cite_note(corpus, number, "apa", fmt).render()
            if fmt == "latex":
                _latex_ok(out)
            if fmt == "html":
                ET.fromstring(f"<root>{out}</root>")


def test_python_api(corpus):
    import chilecite
    from chilecite.errors import NotFound

    qid = sorted(corpus.quotations)[0]
    out = QuotationHandle(qid, corpus).cite(style="apa", format="html")
    ET.fromstring(f"<root>{out}</root>")
    assert chilecite.quotation(qid, RECORDS).id == qid  # through a workspace, gated
    with pytest.raises(NotFound, match="did you mean allende-history-is-ours"):
        chilecite.quotation("allende-history", RECORDS)  # an exact id, or the nearest ones named
    words = " ".join(corpus.quotations[qid].text.split()[:6])
    assert chilecite.search_quotations(words, RECORDS)[0].id == qid  # found by its words, explicitly


@pytest.mark.parametrize(("asked", "offered"), [
    pytest.param("the", None, id="a-word-is-not-an-id"),
    pytest.param("history is ours", "allende-history-is-ours", id="words-offer-the-quotations-holding-them"),
    pytest.param("allende-history-is-our", "allende-history-is-ours", id="a-near-id"),
    pytest.param("ALLENDE-HISTORY-IS-OURS", "allende-history-is-ours", id="case"),
])
def test_the_python_lookup_takes_exact_ids_and_offers_near_ones(asked: str, offered: str | None) -> None:
    import chilecite
    from chilecite.errors import NotFound

    with pytest.raises(NotFound) as caught:
        chilecite.quotation(asked)
    assert f"no quotation '{asked}'" in str(caught.value) and "search_quotations" in str(caught.value)
    if offered:
        assert caught.value.choices[0] == offered
    assert chilecite.search_quotations("zzqxw") == []


def test_cli(corpus):
    from chilecite.cli import cli

    runner = CliRunner()
    qid = sorted(corpus.quotations)[0]
    result = runner.invoke(cli, ["quote", qid, "--style", "apa", "--format", "json"], catch_exceptions=False)
    payload = json.loads(result.stdout)
    assert result.exit_code == 0 and payload["id"] == qid and payload == {"records": payload["records"], **cite_quotation(corpus, qid, "apa", "json").as_dict()}
    number = sorted(corpus.notes)[0]
    result = runner.invoke(cli, ["cite", str(number), "--style", "mla"], catch_exceptions=False)
    assert result.exit_code == 0 and f"Note {number}" in result.stdout
    for command, arg, cited in (("quote", qid, cite_quotation(corpus, qid, "mla")), ("cite", str(number), cite_note(corpus, number, "mla"))):
        for fmt in ("pandoc", "text", "html"):
            result = runner.invoke(cli, ["--no-cache", command, arg, "--style", "mla", "--format", fmt], catch_exceptions=False)
            assert result.exit_code == 0 and result.stdout == cited.render(fmt), (command, fmt)


def test_snapshots(corpus):
    missing = [q for q in SNAPSHOT_QUOTATIONS if q not in corpus.quotations]
    assert not missing, f"snapshot quotations missing from records: {missing}"
    differ = []
    for qid in SNAPSHOT_QUOTATIONS:
        for style in SNAPSHOT_STYLES:
            for fmt, ext in SNAPSHOT_FORMATS.items():
                out = cite_quotation(corpus, qid, style, fmt).render()
                path = SNAPSHOTS / f"{qid}.{style}.{ext}"
                new = path.with_name(path.name + ".new")
                if not path.is_file() or path.read_text(encoding="utf-8") != out:
                    new.write_text(out, encoding="utf-8")
                    differ.append(path.name)
                elif new.exists():
                    new.unlink()
    assert not differ, f"snapshots differ or are missing (see the .new files in {SNAPSHOTS}; rename them over the old ones if correct): {differ}"


# --------------------------------------------------------------------------- the reference list


HEADINGS = [
    pytest.param("apa", "References", id="apa"),
    pytest.param("mla", "Works Cited", id="mla"),
    pytest.param("harvard", "Reference list", id="harvard"),
    pytest.param("chicago-author-date", "References", id="chicago-author-date"),
    pytest.param("chicago-notes-bibliography", "Bibliography", id="chicago-notes"),
]


@pytest.mark.parametrize(("style", "heading"), HEADINGS)
def test_reference_list_heading_follows_the_style_guide(corpus, style, heading, tmp_path):
    qid = sorted(corpus.quotations)[0]
    assert cite_quotation(corpus, qid, style).bibliography.heading == heading
    # by what the style is (its CSL id), not by its name: a renamed copy keeps the heading
    copy = tmp_path / "my-house-style.csl"
    shutil.copyfile(resolve_style(style).path, copy)
    assert cite_quotation(corpus, qid, str(copy)).bibliography.heading == heading


def test_an_unknown_style_takes_the_heading_of_its_class(corpus, tmp_path):
    qid = sorted(corpus.quotations)[0]
    for style, heading in (("apa", "References"), ("chicago-notes-bibliography", "Bibliography")):
        text = resolve_style(style).path.read_text(encoding="utf-8")
        other = tmp_path / f"other-{style}.csl"
        other.write_text(re.sub(r"<id>[^<]*</id>", "<id>https://example.org/styles/house</id>", text, count=1), encoding="utf-8")
        assert cite_quotation(corpus, qid, str(other)).bibliography.heading == heading


@pytest.mark.parametrize("style", BUNDLED_STYLES)
def test_quote_prints_the_reference_list_entries(corpus, style):
    """Every format but pandoc (whose citeproc makes the list) prints the entries citeproc-py gives
    the original and the essay, under the style's heading; the entries are those of the works cited."""
    info = resolve_style(style)
    for qid, record in sorted(corpus.quotations.items()):
        cited = cite_quotation(corpus, qid, style)
        works = ([record.source.work] if record.source else []) + [corpus.essay.key]
        # the entries, rendered independently, each work alone
        expected = {key for key in works if render_item(info, work_item(corpus, key)).reference}
        assert {e.key for e in cited.bibliography.entries} == expected, (qid, style)
        assert corpus.essay.key in expected  # every bundled style lists the essay
        texts = [e.text for e in cited.bibliography.entries]
        assert texts == sorted(texts, key=fold)
        out = {fmt: cited.render(fmt) for fmt in ("text", "markdown", "html", "latex")}
        assert f"\n{cited.bibliography.heading}\n" in out["text"] and f"**{cited.bibliography.heading}**" in out["markdown"]
        for entry in cited.bibliography.entries:
            assert entry.text in out["text"] and entry.text in out["latex"], (qid, entry.key)
        root = ET.fromstring(f"<root>{out['html']}</root>")
        section = root.find("section[@class='chilecite-references']")
        assert section is not None and section.findtext("h3") == cited.bibliography.heading
        assert [d.get("data-key") for d in section.iter("div") if d.get("class") == "csl-entry"] == [e.key for e in cited.bibliography.entries]
        assert "".join(section.itertext()).count(cited.bibliography.entries[0].text.split(".")[0]) >= 1


@pytest.mark.parametrize("style", BUNDLED_STYLES)
def test_cite_prints_the_reference_list_entries(corpus, style):
    info = resolve_style(style)
    for number, note in sorted(corpus.notes.items()):
        cited = cite_note(corpus, number, style)
        expected = {c.work for c in note.citations if c.work in corpus.works and render_item(info, work_item(corpus, c.work)).reference}
        assert {e.key for e in cited.bibliography.entries} == expected, (number, style)
        for fmt in ("text", "markdown", "html", "latex"):
            out = cited.render(fmt)
            assert (cited.bibliography.heading in out) == bool(expected), (number, fmt)
        text = cited.render("text")
        for entry in cited.bibliography.entries:
            assert entry.text in text


def test_pandoc_citation_of_a_note(corpus):
    for number, note in sorted(corpus.notes.items()):
        out = cite_note(corpus, number, "apa", "pandoc").render()
        cited = [c.work for c in note.citations if c.work in corpus.works]
        if not cited:
            assert out == f"<!-- note {number}: no source identified -->\n"
            continue
        assert re.findall(r"(?<!\\)@([a-z0-9]+)", out) == cited, number
        assert out.startswith("[") and out.endswith("]\n")
        for citation in note.citations:
            if citation.locator and citation.level != Level.attributed:
                assert f"@{citation.work}, {{{citation.locator.label} {citation.locator.value}}}" in out


PANDOC_HOSTILE = [
    pytest.param("@smith04 says", id="citation"),
    pytest.param("[link](javascript:alert(1))", id="link"),
    pytest.param("![img](x.png)", id="image"),
    pytest.param("^[an inline note]", id="inline-note"),
    pytest.param("$x^2$ and \\(y\\)", id="maths"),
    pytest.param("\\textbf{bold} \\emph{x}", id="raw-tex"),
    pytest.param("<b onclick=x>tag</b> <!-- c -->", id="raw-html"),
    pytest.param("`code`{=html} **strong** _em_ ~~strike~~ H~2~O x^2^", id="inline-markup"),
    pytest.param("[span]{.class} {#id}", id="span"),
    pytest.param("# heading", id="heading"),
    pytest.param("1. list item", id="ordered-list"),
    pytest.param("a) fancy list", id="fancy-list"),
    pytest.param("- bullet", id="bullet"),
    pytest.param("> quote", id="blockquote"),
    pytest.param("| line | block", id="line-block"),
    pytest.param("::: {.div}", id="fenced-div"),
    pytest.param("line one\n\n    code block\nline two  \nhard", id="newlines"),
    pytest.param("&copy; &#x202e; a; b", id="entities-semicolon"),
    pytest.param("trailing backslash \\", id="backslash"),
    pytest.param("esc\x1b[31mred\u202e", id="controls"),
]


def _hostile_quotation(corpus, text: str, display: str, speakers: list[str]):
    base = corpus.quotations[sorted(corpus.quotations)[0]]
    quote = base.anchor.quote.model_copy(update={"exact": text})
    return base.model_copy(update={"display": display, "speakers": speakers, "source": None,
                                   "anchor": base.anchor.model_copy(update={"quote": quote})})


@pytest.mark.parametrize("text", PANDOC_HOSTILE)
def test_pandoc_escapes_every_construct(corpus, text):
    """No unescaped character that opens a pandoc construct; pandoc's own reading of the same
    table is in tests/interop/test_pandoc_citing.py."""
    for display in ("block", "inline"):
        record = _hostile_quotation(corpus, text, display, [text])  # an unknown speaker id is printed as its id
        out = cite_record(corpus, "hostile", record, "apa", "pandoc").render()
        body = out.rsplit(" [", 1)[0]
        unescaped = re.findall(r"[@\[\]`*_{}<>$^~|#&]", re.sub(r"\\.", "", body.removeprefix("> ")))
        assert unescaped == [] and "\n" not in out.rstrip("\n"), out
        citation = out[len(body) + 1:]
        assert len(re.findall(r"(?<!\\)@", citation)) == 1 and re.search(r"(?<!\\);", citation) is None, citation


def test_quoted_in_follows_what_a_dependent_style_is(tmp_path: Path) -> None:
    """A dependent style renders with its independent parent and takes the parent's wording, whatever its own name."""
    from chilecite.processor import resolve_style

    dependent = tmp_path / "journal-of-things.csl"
    dependent.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" default-locale="en-US">\n'
        '  <info><title>Journal of Things</title><id>http://www.zotero.org/styles/journal-of-things</id>\n'
        '    <link href="http://www.zotero.org/styles/journal-of-things" rel="self"/>\n'
        '    <link href="http://www.zotero.org/styles/modern-language-association" rel="independent-parent"/>\n'
        '    <updated>2024-01-01T00:00:00+00:00</updated></info>\n'
        '</style>\n', encoding="utf-8")
    style = resolve_style(dependent)
    assert (style.name, style.style_name, style.connector) == ("journal-of-things", "modern-language-association", "qtd. in")
    cited = cite_quotation(load_corpus(), "allende-history-is-ours", dependent)
    assert "qtd. in" in cited.citation and cited.style == "journal-of-things"
