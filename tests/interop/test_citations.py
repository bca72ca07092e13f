"""Every work's citation as each reader prints it, read as a copy-editor reads it.

Every work of the bundled corpus is rendered in the five bundled styles by chilecite's citeproc-py
and by citeproc-js (Zotero's engine), by pandoc --citeproc from the CSL-JSON export (Debian's pandoc
and pandoc 3, each with the five styles and its own default, Chicago author-date), by pandoc from
the BibLaTeX and BibTeX exports, and through biber from the BibLaTeX export (the fields biblatex
prints, after biber's own processing). In none of them:

- is a two-word phrase said twice in one entry, outside the work's own title ("Financial Times.
  “[Report in the Financial Times]”", "Last broadcast … [Radio broadcast …]");
- is a dated work undated ("n.d.", "no date");
- does a sentence start in lower case ("open letter.");
- is any LaTeX left (a backslash command, a brace).

The phrases that may repeat are listed, each with its reason (`ALLOWED_REPEATS`).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import bibtexparser
import pytest

from chilecite.corpus import Corpus
from chilecite.export import export_biblatex, export_bibtex, export_csl_items, export_csl_json
from chilecite.loading import load_corpus
from chilecite.processor import render_item, resolve_style, work_item
from chilecite.styles import BUNDLED_STYLES
from chilecite.vocabulary import fold
from tests.interop.clients import STYLES, lines, locale, node, pandoc_with_ris, tool

pytestmark = pytest.mark.interop

# Words that say nothing twice when they meet ("of the", "in a"): no phrase of two of them counts.
FUNCTION_WORDS = frozenset("a an and as at by for from in into of on or the to with de del la el y e no pp p vol ed eds".split())
# biblatex prints these fields as they stand, some of them opening a sentence (`type`, `note`, ...).
BIBLATEX_PRINTED = ("author", "editor", "title", "booktitle", "journaltitle", "type", "eventtitle", "howpublished", "note", "series",
                    "publisher", "location", "number", "issue", "pages", "date", "eventdate", "origdate")
BIBLATEX_SENTENCES = ("type", "note", "howpublished", "eventtitle")


@dataclass(frozen=True)
class Rendered:
    reader: str  # who printed it: `citeproc-py apa`, `pandoc 3 default`, `biber`, ...
    key: str
    text: str  # plain text, as a reader sees it


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def rendered(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> list[Rendered]:
    return render_everything(corpus, tmp_path_factory.mktemp("citations"))


def render_everything(corpus: Corpus, tmp: Path) -> list[Rendered]:
    """Every work as every reader prints it (a note or in-text citation, and a bibliography entry)."""
    items = export_csl_items(corpus)
    (tmp / "refs.json").write_text(export_csl_json(corpus), encoding="utf-8")
    (tmp / "refs.bib").write_text(export_biblatex(corpus), encoding="utf-8")
    (tmp / "refs.bibtex").write_text(export_bibtex(corpus), encoding="utf-8")
    keys = [item["id"] for item in items]
    out: list[Rendered] = []
    for name in BUNDLED_STYLES:
        style = resolve_style(name)
        js = node("render_citeproc.mjs", str(tmp / "refs.json"), str(style.path), str(locale()))
        assert js["errors"] == []
        for key in keys:
            py = render_item(style, work_item(corpus, key))
            out += [Rendered(f"citeproc-py {name}", key, py.citation), Rendered(f"citeproc-py {name}", key, py.reference),
                    Rendered(f"citeproc-js {name}", key, js["citations"][key]), Rendered(f"citeproc-js {name}", key, js["bibliography"][key])]
    for program, label in ((tool("pandoc"), "pandoc"), (pandoc_with_ris(), "pandoc 3")):
        for name in (*BUNDLED_STYLES, None):
            out += _pandoc(program, f"{label} {name or 'default'}", tmp / "refs.json", keys, name)
        for bib in ("refs.bib", "refs.bibtex"):
            out += _pandoc(program, f"{label} {bib}", tmp / bib, keys, None)
    out += _biber(tmp / "refs.bib")
    return [r for r in out if r.text.strip()]


def _pandoc(program: str, label: str, bibliography: Path, keys: list[str], style: str | None) -> list[Rendered]:
    """The bibliography pandoc --citeproc writes for a document citing every key, entry by entry."""
    document = bibliography.parent / "doc.md"
    document.write_text("Citing every source: " + "; ".join(f"[@{k}]" for k in keys) + ".\n", encoding="utf-8")
    # pandoc reads the format from the extension: .json CSL-JSON, .bib BibLaTeX, .bibtex BibTeX
    args = [program, "--citeproc", "--bibliography", str(bibliography), "-t", "html", str(document)]
    if style:
        args[2:2] = ["--csl", str(STYLES / f"{style}.csl")]
    run = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (label, run.stderr)
    entries = re.findall(r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>(.*?)</div>', run.stdout, re.DOTALL)
    return [Rendered(label, key, _text(body)) for key, body in entries]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def _biber(bibliography: Path) -> list[Rendered]:
    """biber's reading of the BibLaTeX export (`--tool`: its data after its source maps and checks), as
    the fields biblatex prints, in its order; a field that opens a sentence is one."""
    out = bibliography.parent / "biber.bib"
    run = subprocess.run([tool("biber"), "--tool", "--output-file", str(out), bibliography.name], cwd=bibliography.parent,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    rendered = []
    for entry in bibtexparser.parse_string(out.read_text(encoding="utf-8")).entries:
        fields = {f.key.lower(): f.value for f in entry.fields}
        text = " ".join(_sentence(fields[name]) for name in BIBLATEX_PRINTED if name in fields)
        rendered.append(Rendered("biber", entry.key, text))
        rendered += [Rendered("biber (sentence)", entry.key, fields[name]) for name in BIBLATEX_SENTENCES if name in fields]
    return rendered


def _sentence(text: str) -> str:
    """A field as biblatex closes it: with a full stop, unless it ends with one (`\\addperiod`)."""
    return text if text.endswith((".", "?", "!")) else text + "."


# --------------------------------------------------------------------------- the reading


def _words(text: str) -> list[str]:
    return fold(unicodedata.normalize("NFKC", text)).split()


def repeated_phrases(text: str, own_title: str | None) -> list[str]:
    """Two-word phrases said twice in `text`, once the work's own title (its first occurrence) is set
    aside: the title may well share words with the book it is in. An address (a URL) is no prose:
    `…/archive/harman/1973/…` says nothing twice."""
    words = _words(re.sub(r"https?://\S+|www\.\S+", " ", text))
    if own_title:
        title = _words(own_title)
        for i in range(len(words) - len(title) + 1):
            if words[i:i + len(title)] == title:
                words = words[:i] + ["|"] + words[i + len(title):]
                break
    phrases = Counter(f"{a} {b}" for a, b in pairwise(words) if "|" not in (a, b) and not (a in FUNCTION_WORDS and b in FUNCTION_WORDS))
    return sorted(p for p, n in phrases.items() if n > 1)


# Phrases that may be said twice in an entry, each for a reason a copy-editor would accept: (work,
# phrase) -> why.
ALLOWED_REPEATS: dict[tuple[str, str], str] = {
    ("partido1967chillan", "nov 1967"): "MLA prints the resolutions' own date (November 1967) and the congress's (24–26 November 1967): "
                                        "two facts, the second the event's (CSL event-date), as the issue that moved it there asked",
}
# What follows a full stop without opening a sentence: an initial (`J. P. Nettl`) or an abbreviation.
ABBREVIATIONS = frozenset("ed eds no nos vol vols pp p ser trans rev repr".split())
_AFTER_STOP = re.compile(r"(?:^|(?P<before>\S+?)[.!?][”’\"')\]]*\s+)[“\"'‘(\[]*(?P<word>\S+)")


def lower_case_sentences(text: str) -> list[str]:
    """The sentences of `text` that open with a lower-case letter ("open letter."), but after an
    initial or an abbreviation, and but a URL or a year ("1973a.") that opens one."""
    found = []
    for match in _AFTER_STOP.finditer(text):
        raw = (match.group("before") or "").lstrip("([")
        before = re.sub(r"\W", "", raw).lower()
        word = match.group("word")
        if before and ((re.fullmatch(r"(?:\w\.)*\w", raw) and len(before) <= 3) or before in ABBREVIATIONS):
            continue  # an initial or initials (`J.`, `J.A.`), an abbreviation (`ed.`)
        if re.match(r"https?://|www\.|\d", word):
            continue
        first = next((c for c in word if c.isalpha()), "")
        if first.islower():
            found.append(text[max(0, match.start() - 20): match.end() + 10])
    return found


def _by_reader(rendered: list[Rendered], problem) -> list[str]:
    return [f"{r.reader} {r.key}: {found} in {r.text!r}" for r in rendered for found in problem(r) if found]


def test_every_reader_prints_every_work(rendered: list[Rendered], corpus: Corpus) -> None:
    readers = {r.reader for r in rendered if not r.reader.endswith("(sentence)")}
    assert len(readers) == 2 * 5 + 2 * (6 + 2) + 1  # citeproc-py and -js in 5 styles; 2 pandocs x (5 styles, default, 2 .bib); biber
    left_out = set(lines("chicago-notes-left-out.txt"))  # CMOS cites these in notes only: no bibliography entry
    for reader in readers:
        keys = {r.key for r in rendered if r.reader == reader}
        missing = set(corpus.works) - keys - (left_out if "chicago-notes" in reader and reader.startswith("pandoc") else set())
        assert not missing, (reader, sorted(missing))


def test_no_two_word_phrase_is_said_twice_outside_the_works_own_title(rendered: list[Rendered], corpus: Corpus) -> None:
    def repeats(r: Rendered) -> list[str]:
        return [p for p in repeated_phrases(r.text, corpus.works[r.key].title) if (r.key, p) not in ALLOWED_REPEATS]

    assert not _by_reader(rendered, repeats)
    for (key, phrase) in ALLOWED_REPEATS:  # each excuse is still needed: it is no standing permission
        assert any(phrase in repeated_phrases(r.text, corpus.works[key].title) for r in rendered if r.key == key), (key, phrase)


def test_no_dated_work_is_printed_undated(rendered: list[Rendered], corpus: Corpus) -> None:
    assert all(w.issued or w.original_date for w in corpus.works.values())  # every work's date is known
    assert not _by_reader(rendered, lambda r: re.findall(r"\bn\.\s?d\.|\bno date\b|\bundated\b", r.text, re.IGNORECASE))


def test_no_sentence_starts_in_lower_case(rendered: list[Rendered]) -> None:
    assert not _by_reader(rendered, lambda r: lower_case_sentences(r.text))


def test_no_latex_is_left_in_any_readers_view(rendered: list[Rendered]) -> None:
    """Braces in biber's titles are biblatex's own case protection, which it typesets away; nothing
    else in any reader's view is LaTeX."""
    def latex(r: Rendered) -> list[str]:
        text = re.sub(r"\{([^{}\\]*)\}", r"\1", r.text) if r.reader.startswith("biber") else r.text
        return re.findall(r"\\[A-Za-z]+|\\.|[{}]", text)

    assert not _by_reader(rendered, latex)


def test_the_bib_files_hold_nothing_zoteros_bibtex_import_would_show_as_markup(corpus: Corpus) -> None:
    """Zotero's BibTeX.js (tests/interop/zotero.py) decodes accents and \\textit/\\textbf/\\textsc and
    strips every other command's braces only: `\\emph{X}` arrives as `\\emphX`. The UTF-8 exports hold
    no backslash at all; the ASCII one only accents (`{\\'e}`), which its mapping table decodes."""
    assert "\\" not in export_bibtex(corpus) and "\\" not in export_biblatex(corpus)
    from chilecite.export import ExportOptions

    ascii_ = export_bibtex(corpus, ExportOptions(ascii=True))
    commands = set(re.findall(r"\\(?:[A-Za-z]+|.)", ascii_))
    assert commands <= {"\\'", "\\`", "\\^", '\\"', "\\~", "\\c", "\\v", "\\u", "\\=", "\\."}, commands


def test_biblatex_annote_is_what_biber_and_zotero_read(tmp_path: Path, corpus: Corpus) -> None:
    """Zotero's BibTeX import makes `annote` a child note and ignores `annotation`; biber maps
    `annote` to biblatex's `annotation`: the provenance reaches both."""
    from tests.interop import zotero

    bib = tmp_path / "refs.bib"
    bib.write_text(export_biblatex(corpus), encoding="utf-8")
    entries = bibtexparser.parse_string(bib.read_text(encoding="utf-8")).entries
    assert all("annote" in e.fields_dict and "annotation" not in e.fields_dict for e in entries)
    assert "annote" in zotero.BIBTEX_NOTE_FIELDS and "annotation" not in zotero.BIBTEX_NOTE_FIELDS
    biber = [r for r in _biber(bib) if r.reader == "biber"]
    out = bibtexparser.parse_string((tmp_path / "biber.bib").read_text(encoding="utf-8")).entries
    assert len(biber) == len(entries) and all("ANNOTATION" in e.fields_dict or "annotation" in e.fields_dict for e in out)


def test_the_essays_season_reaches_every_reader_that_has_a_place_for_it(rendered: list[Rendered]) -> None:
    """BibLaTeX `issue = {Winter}`, BibTeX `month = {Winter}`, CSL `season`: every style prints
    "Winter 1984" or "(Winter)". RIS has no field for a season (its DA "other" part, which Zotero and
    pandoc drop), docs/exports.md says so."""
    essay = [r for r in rendered if r.key == "gonzalez1984left" and not r.reader.endswith("(sentence)")]
    printed = [r for r in essay if "Winter" in r.text]
    missing = sorted({r.reader for r in essay} - {r.reader for r in printed})
    assert missing == sorted(SEASONLESS), missing


# Readers that print the essay with no season, and why: the data is there, the reader does not print it.
SEASONLESS = {
    **{f"{engine} {style}": "APA and Harvard date a journal article by its year alone (APA 7 §9.14, Cite Them Right)"
       for engine in ("citeproc-py", "citeproc-js", "pandoc", "pandoc 3") for style in ("apa", "harvard-cite-them-right")},
    "pandoc chicago-author-date": "pandoc 2.17's citeproc drops the CSL `season` with this style (pandoc 3 prints it)",
    "pandoc refs.bibtex": "pandoc's BibTeX reader takes a month name or number in `month`, not a season",
    "pandoc 3 refs.bibtex": "pandoc's BibTeX reader takes a month name or number in `month`, not a season",
}


def test_citeproc_py_as_users_run_it_renders_every_item_in_every_style(tmp_path: Path, corpus: Corpus) -> None:
    """The CSL-JSON export in citeproc-py without chilecite's corrections (a process of its own, which
    imports none of chilecite): no record and style crash it. A date range in `issued` (the Chillán
    congress's days) crashed APA and Chicago author-date with `TypeError: 'NoneType' object is not callable`."""
    import sys

    items = tmp_path / "refs.json"
    items.write_text(export_csl_json(corpus), encoding="utf-8")
    styles = [str(STYLES / f"{name}.csl") for name in BUNDLED_STYLES]
    run = subprocess.run([sys.executable, str(Path(__file__).with_name("stock_citeproc_py.py")), str(items), *styles],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []
    assert not any(item.get("issued", {}).get("date-parts", [[]])[1:] for item in export_csl_items(corpus))  # no range in `issued`


# --------------------------------------------------------------------------- the reading itself


@pytest.mark.parametrize(("text", "title", "repeated"), [
    pytest.param("Financial Times. “[Report in the Financial Times].” August 9, 1973.", None, ["financial times"], id="devised-title-and-author"),
    pytest.param("Corvalán, L. (1971, January 1). [Interview in Drapeau Rouge] [Interview]. Drapeau Rouge.", None, ["drapeau rouge"], id="container"),
    pytest.param("Garcés, J. E. (1973, August 14). [Open letter] [Open letter].", None, ["open letter"], id="genre"),
    pytest.param("Allende, Salvador. “The Chilean Road to Socialism.” In Chile's Road to Socialism, edited by Joan E. Garcés.",
                 "The Chilean Road to Socialism", [], id="own-title-set-aside"),
    pytest.param("Lenin, V. I. 1918. The Proletarian Revolution and the Renegade Kautsky.", None, [], id="nothing-twice"),
    pytest.param("Birchall, Ian, and Chris Harman. 1973. https://www.marxists.org/archive/harman/1973/09/chile.html.", None, [], id="a-url-is-no-prose"),
    pytest.param("Smith. A Book of the Sea. Part of the whole of the sea.", "A Book of the Sea", [], id="function-words-only"),
])
def test_repeated_phrases(text: str, title: str | None, repeated: list[str]) -> None:
    assert repeated_phrases(text, title) == repeated


@pytest.mark.parametrize(("text", "found"), [
    pytest.param("Garcés, Joan E. 1973. “[To Allende].” open letter. August 14.", 1, id="genre-opening-a-sentence"),
    pytest.param("Nettl, J. P. 1966. Rosa Luxemburg. London: Oxford University Press.", 0, id="initials"),
    pytest.param("Zammit, J.A. (ed.) (1973) The Chilean Road to Socialism. Brighton.", 0, id="initials-and-ed"),
    pytest.param("Marx, Karl. 1891. Critique of the Gotha Programme. http://germanhistorydocs.ghi-dc.org/.", 0, id="url"),
    pytest.param("Allende, Salvador. 1973b. “[Farewell].” Radio broadcast.", 0, id="year-suffix"),
    pytest.param("International Socialism. first series 62.", 1, id="biblatex-series-in-words"),
])
def test_lower_case_sentences(text: str, found: int) -> None:
    assert len(lower_case_sentences(text)) == found
