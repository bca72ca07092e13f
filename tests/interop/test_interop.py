"""Real clients on the real exports: bibtex (plain.bst, apalike.bst), biber, pandoc --citeproc,
citeproc-js, Better BibTeX's parser, citation-js (BibTeX, BibLaTeX and RIS readers) and rispy.

`.ci/run` installs them (Debian texlive-base, texlive-binaries, biber, pandoc; `npm ci` here). Where
one is missing the test fails rather than skips, so CI cannot pass without running them; on a
user's machine deselect them with `-m "not interop"`. What the clients are expected to say is in
tests/interop/expected/.
"""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import bibtexparser
import pytest
import rispy

from chilecite.corpus import Corpus
from chilecite.export import ExportOptions, export_biblatex, export_bibtex, export_csl_items, export_csl_json, export_ris
from chilecite.export.bibtex import COMMON, KEPT, VALID
from chilecite.export.common import TYPES, select_items
from chilecite.loading import load_corpus
from chilecite.models import Citation, Note, NoteAnchor, Organisation, Person, Work
from tests.interop import zotero
from tests.interop.clients import HERE, STYLES, lines, locale, node, pandoc_csl_json, pandoc_with_ris, tool

pytestmark = pytest.mark.interop
PROVENANCE = re.compile(r"Cited in|Identification levels|host essay|Contains a work cited")


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def keys(corpus) -> list[str]:
    return [item["id"] for item in export_csl_items(corpus)]


# --------------------------------------------------------------------------- bibtex


def _bibtex(tmp_path: Path, bib: str, keys: list[str], style: str) -> tuple[str, str]:
    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    citations = "".join(f"\\citation{{{k}}}\n" for k in keys)
    (tmp_path / "doc.aux").write_text(citations + f"\\bibdata{{refs}}\n\\bibstyle{{{style}}}\n", encoding="utf-8")
    run = subprocess.run([tool("bibtex"), "doc"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    log = (tmp_path / "doc.blg").read_text(encoding="utf-8", errors="replace")  # bibtex's whole log; stdout repeats it
    assert run.returncode < 2, log  # 0 clean, 1 warnings, 2 errors
    return log, (tmp_path / "doc.bbl").read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("style", ["plain", "apalike"])
@pytest.mark.parametrize("ascii_", [False, True], ids=["utf8", "ascii"])
def test_bibtex_runs_without_errors_and_warns_only_of_fields_the_records_lack(tmp_path: Path, corpus, keys, style: str, ascii_: bool) -> None:
    log, bbl = _bibtex(tmp_path, export_bibtex(corpus, ExportOptions(ascii=ascii_)), keys, style)
    assert "error message" not in log, log
    warnings = sorted(re.findall(r"^Warning--(.*)$", log, re.MULTILINE))
    assert warnings == sorted(lines("bibtex-warnings.txt")), log
    items = {i.key: i for i in select_items(corpus, ExportOptions())}
    for warning in warnings:  # each names a field no record gives: an honest gap, not an invented value
        field, key = re.fullmatch(r"empty (\w+) in (\S+)", warning).groups()
        item = items[key]
        assert {"author": not item.authors, "publisher": not item.publisher, "year": item.issued is None}[field], warning
    assert len(re.findall(r"\\bibitem(?:\[[^\]]*\])?\{", bbl)) == len(keys)
    assert not PROVENANCE.search(bbl)  # the annote field is kept, never printed


def test_apalike_sentence_cases_titles_but_keeps_proper_nouns(tmp_path: Path, corpus, keys) -> None:
    _, bbl = _bibtex(tmp_path, export_bibtex(corpus), keys, "apalike")
    text = " ".join(bbl.split())
    assert "The left and the coup in {Chile}." in text  # the essay's own title: "Chile" keeps its capital
    assert "The coup in {Chile}." in text  # Miliband's "The Coup in Chile", sentence-cased by the style
    assert "The {Chilean} road to socialism." in text  # a chapter: "Chilean" formed from "Chile"
    assert "[{Farewell} to the workers of {Chile} from {La Moneda}]." in text  # a devised title: its first word braced


# --------------------------------------------------------------------------- biber


def test_biber_reports_no_invalid_field_and_only_missing_data(tmp_path: Path, corpus) -> None:
    (tmp_path / "refs.bib").write_text(export_biblatex(corpus), encoding="utf-8")
    run = subprocess.run([tool("biber"), "--tool", "--validate-datamodel", "--output-file", str(tmp_path / "out.bib"), "refs.bib"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log
    assert "ERROR" not in log, log
    warnings = sorted(set(re.findall(r"WARN - Datamodel: Entry '([^']+)' \(refs\.bib\): (.*)$", log, re.MULTILINE)))
    assert not [w for w in warnings if "Invalid" in w[1]], log
    assert [f"{key}\t{message}" for key, message in warnings] == sorted(lines("biber-warnings.txt")), log


def test_the_biblatex_field_table_is_biblatex_data_model(corpus) -> None:
    """chilecite.export.bibtex.VALID against the data model biber itself uses."""
    from lxml import etree

    conf = subprocess.run([tool("biber"), "--tool-config"], capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[-1]
    allowed: dict[str, set[str]] = {}
    common: set[str] = set()
    for fields in etree.parse(conf).getroot().iter("{*}entryfields"):
        types = [e.text for e in fields if str(e.tag).endswith("entrytype")]
        names = {e.text for e in fields if str(e.tag).endswith("field")}
        if not types:
            common |= names
        for t in types:
            allowed.setdefault(t, set()).update(names)
    dates = {"date", "origdate", "eventdate"}  # date fields: biber splits them into year, month, day parts
    for bibtype, names in VALID.items():
        assert names - dates <= allowed[bibtype] | common, (bibtype, names - allowed[bibtype] - common)
        if "eventdate" in names:  # a date field: the data model lists its parts, by type
            assert "eventyear" in allowed[bibtype], bibtype
    assert COMMON - dates <= common | {"langid", "keywords", "annote", "entrysubtype", "url", "doi"}
    # `annote` is an alias: biber's default source map makes it `annotation`
    assert re.search(r'map_field_source="annote"\s+map_field_target="annotation"', Path(conf).read_text(encoding="utf-8"))
    assert {"pages", "author"} == KEPT


# --------------------------------------------------------------------------- pandoc


def _pandoc_bibliography(tmp_path: Path, bibliography: Path, keys: list[str], style: str) -> tuple[set[str], str, str]:
    document = tmp_path / "doc.md"
    document.write_text("Citing every source: " + "; ".join(f"[@{k}]" for k in keys) + ".\n", encoding="utf-8")
    args = [tool("pandoc"), "--citeproc", "--csl", str(STYLES / f"{style}.csl"), "--bibliography", str(bibliography), "-t", "html", str(document)]
    run = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    entries = re.findall(r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>(.*?)</div>', run.stdout, re.DOTALL)
    listed = {key for key, body in entries if body.strip()}  # pandoc writes an empty div for an entry the style leaves out
    return listed, run.stdout, run.stderr


@pytest.mark.parametrize("fmt", ["csl-json", "biblatex", "bibtex"])
def test_pandoc_lists_every_work_without_braces_or_provenance(tmp_path: Path, corpus, keys, fmt: str) -> None:
    name, text = {"csl-json": ("refs.json", export_csl_json(corpus)), "biblatex": ("refs.bib", export_biblatex(corpus)),
                  "bibtex": ("refs.bibtex", export_bibtex(corpus))}[fmt]
    (tmp_path / name).write_text(text, encoding="utf-8")
    listed, html, stderr = _pandoc_bibliography(tmp_path, tmp_path / name, keys, "chicago-author-date")
    assert stderr.strip() == "", stderr
    assert listed == set(keys)
    visible = re.sub(r"<[^>]+>", "", html)
    assert "{" not in visible and "}" not in visible, re.findall(r".{30}[{}].{30}", visible)
    assert not PROVENANCE.search(visible)
    assert "???" not in visible  # pandoc's mark for a citation it could not resolve


def test_pandoc_chicago_notes_bibliography_lists_every_accessible_work(tmp_path: Path, corpus, keys) -> None:
    """Chicago notes-bibliography (CMOS 18 14.111, 14.114, 14.118) leaves out of the bibliography an
    unpublished speech, document or letter the reader cannot retrieve (no archive, URL, publisher,
    container); its note still cites it in full. Every work has a title now, so every other work is listed."""
    (tmp_path / "refs.json").write_text(export_csl_json(corpus), encoding="utf-8")
    listed, _html, stderr = _pandoc_bibliography(tmp_path, tmp_path / "refs.json", keys, "chicago-notes-bibliography")
    left_out = sorted(set(keys) - listed)
    assert left_out == lines("chicago-notes-left-out.txt")
    assert stderr.strip().splitlines() == [f"[WARNING] Citeproc: Bibliography entry with no printed form: {k}" for k in left_out]
    accessible = {"archive", "archive-place", "container-title", "DOI", "number", "publisher", "references", "URL"}
    for item in export_csl_items(corpus):
        if item["id"] in left_out:
            assert item["type"] in ("speech", "document", "manuscript", "interview", "personal_communication") and not accessible & set(item)


# --------------------------------------------------------------------------- Better BibTeX's parser, citeproc-js


def test_better_bibtex_parser_reads_the_bib_and_decodes_all_latex(tmp_path: Path, corpus, keys) -> None:
    for name, text in (("refs.bib", export_bibtex(corpus)), ("ascii.bib", export_bibtex(corpus, ExportOptions(ascii=True))), ("refs-biblatex.bib", export_biblatex(corpus))):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        parsed = node("parse_bib.mjs", str(path))
        assert parsed["errors"] == [], (name, parsed["errors"])
        assert sorted(e["key"] for e in parsed["entries"]) == sorted(keys)
        kept = "annote"  # in both: the field biber (as `annotation`), Zotero and Better BibTeX all read
        assert all(PROVENANCE.search(json.dumps(e["fields"].get(kept), ensure_ascii=False)) for e in parsed["entries"])  # the provenance is read
        for entry in parsed["entries"]:
            for field, value in entry["fields"].items():
                flat = json.dumps(value, ensure_ascii=False)
                assert not re.search(r"\\\\[A-Za-z]+|\\\\[`'^\"~=.]", flat), (name, entry["key"], field, flat)


def test_citeproc_js_renders_every_item(tmp_path: Path, corpus, keys) -> None:
    items = tmp_path / "items.json"
    items.write_text(export_csl_json(corpus), encoding="utf-8")
    rendered = node("render_citeproc.mjs", str(items), str(STYLES / "chicago-author-date.csl"), str(locale()))
    assert rendered["errors"] == [] and rendered["empty"] == []
    assert sorted(rendered["bibliography"]) == sorted(keys)
    assert all(entry.strip() for entry in rendered["bibliography"].values())


def _words(text: str) -> Counter:
    return Counter(w for w in re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()) if len(w) > 2)


def test_citeproc_py_agrees_with_citeproc_js_word_for_word(tmp_path: Path, corpus) -> None:
    """Every work in every bundled style: the same words, as often, in the note or in-text citation
    and in the bibliography entry, from chilecite's citeproc-py and from citeproc-js (Zotero's engine).
    A repeated container or date would show as a word counted twice. Punctuation and typography
    (curly apostrophes, American quotes, italics) are not compared; docs/citing.md lists them."""
    from chilecite.processor import render_item, resolve_style, work_item
    from chilecite.styles import BUNDLED_STYLES

    items = export_csl_items(corpus)
    path = tmp_path / "items.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    differ = []
    for name in BUNDLED_STYLES:
        style = resolve_style(name)
        js = node("render_citeproc.mjs", str(path), str(style.path), str(locale()))
        assert js["errors"] == []
        assert js["empty"] == (lines("chicago-notes-left-out.txt") if name == "chicago-notes-bibliography" else [])
        for item in items:
            py = render_item(style, work_item(corpus, item["id"]))
            for form, mine, theirs in (("note/citation", py.citation, js["citations"][item["id"]]), ("bibliography", py.reference, js["bibliography"][item["id"]])):
                if _words(mine) != _words(theirs):
                    differ.append(f"{name} {item['id']} {form}:\n  citeproc-py {mine}\n  citeproc-js {theirs}")
    assert not differ, "\n".join(differ)


# --------------------------------------------------------------------------- types through real readers

def _one_of_each_kind() -> Corpus:
    """A records tree with one work of every kind in the type table (and the books they are part of)."""
    agents = {"person": Person(kind="person", family="Allende", given="Salvador"), "editor": Person(kind="person", family="Zammit", given="J. Ann"),
              "party": Organisation(kind="organisation", name="Unidad Popular")}
    w = {"title": "A title", "authors": ["person"], "issued": "1973-09-11", "language": "en"}
    works = {
        "book": Work(type="book", publisher="Penguin Books", **w),
        "edited-book": Work(type="book", title="Edited", editors=["editor"], issued="1973"),
        "chapter": Work(type="chapter", parent="book", pages="9–14", **w),
        "in-book": Work(type="speech", parent="book", event="A congress", **w),
        "article-journal": Work(type="article-journal", container_title="International Socialism", **w),
        "article-magazine": Work(type="article-magazine", container_title="Chile Hoy", **w),
        "article-newspaper": Work(type="article-newspaper", container_title="Financial Times", **w),
        "speech": Work(type="speech", event="A congress", **w),
        "broadcast": Work(type="broadcast", genre="radio broadcast", **w),
        "interview": Work(type="interview", container_title="Drapeau Rouge", **w),
        "letter": Work(type="letter", **w),
        "open-letter": Work(type="letter", genre="open letter", **w),
        "personal-communication": Work(type="personal_communication", **w),
        "document": Work(type="document", **{**w, "authors": ["party"]}),
        "manuscript": Work(type="manuscript", **w),
        "pamphlet": Work(type="pamphlet", **w),
        "report": Work(type="report", publisher="An institute", **w),
        "thesis": Work(type="thesis", publisher="A university", **w),
        "legislation": Work(type="legislation", **w),
        "periodical": Work(type="periodical", title="A periodical", editors=["editor"], issued="1973"),
        "webpage": Work(type="webpage", url="https://example.org/", **w),
    }
    notes = {n: Note(number=n, anchor=NoteAnchor(paragraph=1, before="x"), supports=["claim"], status="identified",
                     citations=[Citation(work=key, level="stated", basis="a test")]) for n, key in enumerate(works, start=1)}
    return Corpus(works=works, agents=agents, notes=notes)


def test_every_row_of_the_type_table_is_read_as_such(tmp_path: Path) -> None:
    """tests/interop/expected/reader-types.tsv: what each real reader makes of each kind of work, and
    what Zotero's own importers make of it by their source (tests/interop/zotero.py). pandoc and
    Zotero read the CSL-JSON as the table's CSL and Zotero types; the other columns show what survives
    in BibLaTeX, BibTeX and RIS. docs/exports.md prints this table (`reader_table_markdown`)."""
    corpus = _one_of_each_kind()
    options = ExportOptions(include_essay=False)
    assert {i.key: i.kind for i in select_items(corpus, options)} == {k: k for k in corpus.works}
    assert set(corpus.works) == set(TYPES)
    files = {"bib": export_bibtex(corpus, options), "biblatex.bib": export_biblatex(corpus, options), "json": export_csl_json(corpus, options), "ris": export_ris(corpus, options)}
    for name, text in files.items():
        (tmp_path / f"refs.{name}").write_text(text, encoding="utf-8")

    def pandoc(path: str, fmt: str, program: str | None = None) -> dict[str, str]:
        return {i["id"]: i.get("type") or "-" for i in pandoc_csl_json(program or tool("pandoc"), tmp_path / path, fmt)}

    def citation_js(fmt: str, path: str) -> dict[str, str]:
        read = node("read_citationjs.mjs", fmt, str(tmp_path / path))
        assert read["errors"] == []
        return {i["id"]: i["type"] for i in read["items"]}

    def zotero_bib(path: str) -> dict[str, str]:
        return {e.key: zotero.type_from_bibtex(e.entry_type) for e in bibtexparser.parse_string((tmp_path / path).read_text(encoding="utf-8")).entries}

    csl = {i["id"]: i for i in json.loads(files["json"])}
    ris = {r["id"]: r["type_of_reference"] for r in rispy.loads(files["ris"])}
    readers = {
        "pandoc(biblatex)": pandoc("refs.biblatex.bib", "biblatex"),
        "citation-js(biblatex)": citation_js("biblatex", "refs.biblatex.bib"),
        "citation-js(bibtex)": citation_js("bibtex", "refs.bib"),
        "citation-js(ris)": citation_js("ris", "refs.ris"),
        "pandoc(ris)": pandoc("refs.ris", "ris", pandoc_with_ris()),
        "pandoc(csl-json)": pandoc("refs.json", "csljson"),
        "Zotero(csl-json)": {key: zotero.type_from_csl(item) for key, item in csl.items()},
        "Zotero(ris)": {key: zotero.type_from_ris(ty) for key, ty in ris.items()},
        "Zotero(bibtex)": zotero_bib("refs.bib"),
        "Zotero(biblatex)": zotero_bib("refs.biblatex.bib"),
    }
    got = [[kind, *(readers[r][kind] for r in readers)] for kind in TYPES]
    assert lines("reader-types.tsv", comments=True)[0].lstrip("# ").split("\t") == ["kind", *readers]
    assert got == [line.split("\t") for line in lines("reader-types.tsv")]
    for kind, row in TYPES.items():
        assert readers["pandoc(csl-json)"][kind] == row.csl
        assert readers["Zotero(csl-json)"][kind] == row.zotero
        assert readers["Zotero(ris)"][kind] == row.zotero_ris == zotero.type_from_ris(row.ris)


def reader_table_markdown() -> str:
    """The reader table of docs/exports.md, from tests/interop/expected/reader-types.tsv."""
    header, *rows = lines("reader-types.tsv", comments=True)
    names = header.lstrip("# ").split("\t")
    out = ["| " + " | ".join(names) + " |", "|" + " --- |" * len(names)]
    out += ["| " + " | ".join(row.split("\t")) + " |" for row in rows]
    return "\n".join(out) + "\n"


def test_the_docs_print_the_reader_table() -> None:
    assert reader_table_markdown() in (HERE.parents[1] / "docs" / "exports.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the importer reads provenance back


def test_import_bibtex_reads_the_provenance_back(corpus) -> None:
    from chilecite.importing import import_bibtex

    for text in (export_bibtex(corpus), export_biblatex(corpus)):
        result = import_bibtex(text, Corpus())
        unmapped = [p.message for p in result.problems if "annote" in p.message or "annotation" in p.message]
        assert not unmapped, unmapped
        back = next(w for w in result.works.values() if w.title == "The Chilean Road to Socialism" and w.type.value in ("chapter", "speech"))
        assert back.comment and "note 16 (verified)" in back.comment
