"""Hostile input to `chilecite import bibtex`: it finishes in time linear in the input, never with a
traceback, and leaves the records tree either as it was or valid; a signal that stops it leaves
the tree as it was (SIGTERM, SIGHUP, SIGINT) or whole (SIGKILL: M-3); different names stay different
agents (L-d).

The table runs each input through the command (CliRunner with `catch_exceptions=False`, so a
traceback fails the test) into a copy of the bundled records; the property feeds arbitrary text,
bytes and nested BibTeX to `import_bibtex`. Limits are CC074 (an entry refused whole, before any
decoding), records that would not validate CC075 (refused with the validator's reason).
"""

from __future__ import annotations

import contextlib
import functools
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chilecite.cli import cli
from chilecite.corpus import Corpus
from chilecite.importing import import_bibtex
from chilecite.loading import load_corpus
from chilecite.rules import BY_CODE, validate
from tests.support import MINIMAL_ROOT, copy_records


def _entry(key: str, body: str) -> str:
    return f"@book{{{key},\n  {body},\n  year = {{1970}},\n}}\n"


def _title(value: str, key: str = "hostile1970x") -> str:
    return _entry(key, f"title = {{{value}}}")


def _nested(depth: int, inner: str = "A") -> str:
    return "{" * depth + inner + "}" * depth


HOSTILE: list = [
    # id, the .bib (text, or bytes as they are), exit code, the codes reported
    pytest.param("@misc{acc1970x, title = {" + "\\'{" * 32 + "e" + "}" * 33 + "}", 1, {"CC074"}, id="exponential-accents-157-bytes"),
    pytest.param(_title(r"\"{\'{\^{\~{a}}}}" * 700), 0, set(), id="accent-soup-11kb-within-limits"),
    pytest.param(_title(r"\"{\'{\^{\~{\v{a}}}}}" * 600), 1, {"CC074"}, id="accent-soup-over-the-limit"),
    pytest.param(_title("Unidad Popular " * 53_334), 1, {"CC074"}, id="field-800kb"),
    pytest.param(_title("Unidad Popular " * 666_667), 1, {"CC074"}, id="file-10mb"),
    pytest.param(_entry("deep1970x", "author = {" + _nested(50_000) + "}, title = {T}"), 1, {"CC074"}, id="names-50000-braces-deep"),
    pytest.param(_entry("deep1970x", "author = {" + _nested(20_000) + "}, title = {T}"), 1, {"CC074"}, id="names-20000-braces-deep-under-the-size-limit"),
    pytest.param(_entry("brace1970x", "title = " + "{" * 5000 + "T"), 1, {"CC071"}, id="braces-never-closed"),
    pytest.param(_entry("macro1970x", "title = {T}, journal = nosuchmacro"), 0, {"CC070"}, id="undefined-string-macro"),
    pytest.param("@string{a = b # {x}}\n@string{b = a}\n" + _entry("macro1970x", "title = a"), 1, {"CC074"}, id="recursive-string-macro"),
    pytest.param("@string{m0 = {xxxxxxxx}}\n" + "".join(f"@string{{m{i} = m{i - 1} # m{i - 1}}}\n" for i in range(1, 64))
                 + _entry("macro1970x", "title = m63"), 1, {"CC074"}, id="string-macros-doubling"),
    pytest.param("@book{stray1970x,\n  title = {A title}},\n  year = {1970},\n  author = {Smith, Ann},\n}\n", 1, {"CC071"},
                 id="stray-closing-brace"),
    pytest.param(_title("A\x00B"), 1, {"CC075"}, id="nul-in-value"),
    pytest.param(_title("A\x1b[31mB"), 1, {"CC075"}, id="esc-in-value"),
    pytest.param(_title("A\u202eB"), 1, {"CC075"}, id="bidi-override-in-value"),
    pytest.param(_entry("nul1970x", "title = {T}, abstract = {A\x00\x1b}"), 0, {"CC070"}, id="control-characters-in-an-unmapped-field"),
    pytest.param("@incollection{a1970x, title = {A}, crossref = {b1970x}}\n@incollection{b1970x, title = {B}, crossref = {a1970x}}\n",
                 1, {"CC075"}, id="crossref-cycle"),
    pytest.param("@misc{only1970key}\n", 1, {"CC075"}, id="entry-with-only-a-key"),
    pytest.param("@misc{k, title={t}}\n" * 5001, 1, {"CC074"}, id="too-many-blocks"),
    pytest.param(_entry("many1970x", ", ".join(f"f{i} = {{x}}" for i in range(101))), 1, {"CC074"}, id="too-many-fields"),
    pytest.param(b"@book{latin1970x, title = {Garc\xe9s}}\n", 1, {"CC071"}, id="bytes-not-utf8"),
    pytest.param(bytes(range(256)) * 8, 1, {"CC071"}, id="arbitrary-bytes"),
    pytest.param("".join(map(chr, range(0x3000))) * 3, 0, set(), id="every-character-up-to-u3000"),
    pytest.param("", 0, set(), id="empty-file"),
    pytest.param(_title("\u0301" * 40), 1, {"CC074"}, id="combining-marks-run"),
]


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Fail (TimeoutError) instead of hanging when the body runs longer than `seconds` of wall-clock time."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("bib", "exit_code", "codes"), HOSTILE)
def test_hostile_bibtex_is_refused_with_its_codes_and_leaves_a_valid_tree(bib: str | bytes, exit_code: int, codes: set[str],
                                                                          tmp_path: Path) -> None:
    records = copy_records(tmp_path)
    source = tmp_path / "hostile.bib"
    source.write_bytes(bib if isinstance(bib, bytes) else bib.encode("utf-8"))
    before = _tree(records)
    started = time.perf_counter()
    with _deadline(120):
        result = CliRunner().invoke(cli, ["import", "bibtex", "--records", str(records), "--format", "json", str(source)], catch_exceptions=False)
    elapsed = time.perf_counter() - started
    assert result.exit_code in (0, 1) and result.exit_code == exit_code, result.output
    payload = json.loads(result.stdout)
    assert {p["code"] for p in payload["problems"]} == codes, payload["problems"]
    assert elapsed < 60, f"{elapsed:.1f}s"
    after = _tree(records)
    if after != before:
        assert all(before[path] == after[path] for path in before)  # nothing overwritten, only new files
        check = CliRunner().invoke(cli, ["--records", str(records), "validate"], catch_exceptions=False)
        assert check.exit_code == 0, check.output


def test_the_codes_tested_here_are_the_importers() -> None:
    assert {"CC074", "CC075"} <= {code for param in HOSTILE for code in param.values[2]}
    assert all(BY_CODE[code].reported_by == "import" for param in HOSTILE for code in param.values[2])


# --------------------------------------------------------------------------- any input at all


@functools.cache
def _corpus() -> Corpus:
    return load_corpus(MINIMAL_ROOT)


_WORDS = st.sampled_from(["Unidad", "Popular", "Allende", "1973", "de", "la", "and", "Smith, Ann", "{MIR}", "Garc{\\'e}s", "x", " ", ","])
_LATEX = st.sampled_from([r"\'", r"\"", r"\c", r"\v", r"\~", r"\i", r"\ss", r"\emph", r"\url", r"\foo", r"\&", r"\%", r"\\", "--", "---", "~",
                          "``", "''", "{?`}", "\\", "{", "}", "#", '"', "@", "%", "\x00", "\x1b", "\u202e", "\u0301"])
_KEYS = st.sampled_from(["smith1970first", "a1970x", "b1970x", "Bad Key", "k", "", "smith1970first", "x1984y", "c1999z"])
_FIELDS = st.sampled_from(["title", "subtitle", "author", "editor", "translator", "journal", "journaltitle", "year", "month", "day", "date",
                           "pages", "url", "doi", "isbn", "langid", "keywords", "crossref", "booktitle", "howpublished", "type",
                           "entrysubtype", "note", "abstract", "file", "publisher", "location", "eventtitle", "origdate"])
_TYPES = st.sampled_from(["book", "article", "incollection", "misc", "online", "thesis", "unpublished", "software", "string", "preamble",
                          "comment", "ARTICLE"])
_MACROS = st.sampled_from(["m", "n", "jan", "aug", "undefined"])

_values: st.SearchStrategy[str] = st.recursive(
    st.lists(st.one_of(_WORDS, _LATEX, st.text(max_size=4)), max_size=6).map("".join),
    lambda inner: st.one_of(
        inner.map(lambda v: "{" + v + "}"),
        st.tuples(inner, inner).map("".join),
        st.tuples(st.sampled_from([r"\'", r"\"", r"\c", r"\v", r"\emph", r"\url"]), inner).map(lambda t: f"{t[0]}{{{t[1]}}}"),
        st.tuples(st.integers(1, 60), inner).map(lambda t: "{" * t[0] + t[1] + "}" * t[0]),
    ),
    max_leaves=12,
)
_field_values = st.one_of(
    _values.map(lambda v: "{" + v + "}"),
    _values.map(lambda v: '"' + v.replace('"', "") + '"'),
    _MACROS,
    st.tuples(_MACROS, _values).map(lambda t: f"{t[0]} # {{{t[1]}}}"),
    st.integers(0, 3000).map(str),
    _values,  # as it comes: possibly not BibTeX at all
)


@st.composite
def _bibtex(draw: Callable) -> str:
    blocks = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(_TYPES)
        if kind == "string":
            blocks.append(f"@string{{{draw(_MACROS)} = {draw(_field_values)}}}")
            continue
        fields = [f"{draw(_FIELDS)} = {draw(_field_values)}" for _ in range(draw(st.integers(0, 6)))]
        closing = draw(st.sampled_from(["}", "}", "}", "}}", "", ",}"]))
        blocks.append(f"@{kind}{{{draw(_KEYS)}, " + ",\n  ".join(fields) + closing)
    return "\n".join(blocks) + draw(st.sampled_from(["", "\n", "}", "@"]))


_inputs = st.one_of(
    _bibtex(),
    st.text(),
    st.binary(max_size=2000).map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.tuples(st.integers(1, 3000), st.sampled_from(["{", "\\'{", "@book{", "\"", "#", "\\"])).map(lambda t: t[1] * t[0]),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=_inputs)
def test_any_input_imports_in_linear_time_to_records_that_validate(text: str) -> None:
    corpus = _corpus()
    started = time.perf_counter()
    with _deadline(60):
        result = import_bibtex(text, corpus, source="any.bib")  # returns: never raises
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0 + 100e-6 * len(text), f"{elapsed:.2f}s for {len(text)} characters"
    assert all(problem.code in BY_CODE for problem in result.problems)
    if not result.records:
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for record in result.records:
            path = Path(tmp, record.relative_path)
            path.parent.mkdir(exist_ok=True)
            path.write_text(record.text, encoding="utf-8")
            paths.append(path)
        report = validate(load_corpus(MINIMAL_ROOT, extra=paths), None)
    assert not report.errors, [(p.code, p.record, p.message) for p in report.errors]


# --------------------------------------------------------------------------- M-3: an import stopped by a signal

# New agents, a book and its chapter (crossref), and a work of an agent of the corpus: 7 files moved
# into place, the 3 new agents (Quispe, Mamani, Condori), then the 4 works, the book before its chapter.
STOPPED_BIB = """@book{quispe1971book, author = {Quispe, Rosa and Mamani, Tito}, title = {A Book of Testing}, date = {1971}, publisher = {Test Press}}
@incollection{quispe1971chapter, author = {Quispe, Rosa}, title = {A Chapter of Testing}, crossref = {quispe1971book}}
@article{allende1972testing, author = {Allende, Salvador}, title = {An Article of Testing}, journaltitle = {Test Journal}, date = {1972}}
@book{condori1970other, author = {Condori, Ana}, title = {Another Book of Testing}, date = {1970}}
"""
_STOPPED_IMPORT = """
import os, signal, sys, time
# As from a terminal: a runner started under nohup hands down "ignore SIGHUP", and pytest-xdist's
# workers "ignore SIGINT", which Python then leaves ignored.
signal.signal(signal.SIGHUP, signal.SIG_DFL)
signal.signal(signal.SIGINT, signal.default_int_handler)
from chilecite.importing import transaction
records, bib, phase, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
real = {"fsync": os.fsync, "link": os.link}
calls = [0]

def paused(name):
    def call(*args):
        if name == phase:
            calls[0] += 1
            if calls[0] == nth:  # the nth fsync of a staged file, or the nth file moved into place
                print("paused", flush=True)
                time.sleep(60)
        return real[name](*args)
    return call

transaction.os.fsync, transaction.os.link = paused("fsync"), paused("link")
from chilecite.cli import main
sys.argv = ["chilecite", "--no-cache", "-q", "import", "bibtex", "--records", records, bib]
main()
"""


def _stopped(tmp_path: Path, sig: int, phase: str, nth: int) -> tuple[Path, int]:
    records = copy_records(tmp_path)
    bib = tmp_path / "stopped.bib"
    bib.write_text(STOPPED_BIB, encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-c", _STOPPED_IMPORT, str(records), str(bib), phase, str(nth)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline() == b"paused\n", child.communicate()
    child.send_signal(sig)
    child.wait(timeout=60)
    return records, child.returncode


@functools.cache
def _imported_whole(tmp: str) -> dict[str, bytes]:
    """The tree an import of STOPPED_BIB that nothing stops leaves."""
    records = copy_records(Path(tmp))
    bib = Path(tmp) / "whole.bib"
    bib.write_text(STOPPED_BIB, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--no-cache", "import", "bibtex", "--records", str(records), str(bib)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return _tree(records)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["SIGTERM", "SIGHUP", "SIGINT"])
@pytest.mark.parametrize(("phase", "nth"), [pytest.param("fsync", 2, id="while-staging"), pytest.param("link", 1, id="before-the-first-move"),
                                            pytest.param("link", 5, id="halfway-through-the-moves")])
def test_a_signal_undoes_the_import(sig: int, phase: str, nth: int, tmp_path: Path) -> None:
    """A cancelled CI job (SIGTERM), a closed terminal (SIGHUP), Ctrl-C (SIGINT): the tree is as it was, byte for byte,
    with no staging folder left, and the exit code says which signal."""
    before = _tree(copy_records(tmp_path / "before"))
    records, returncode = _stopped(tmp_path, sig, phase, nth)
    assert returncode == 128 + sig
    assert _tree(records) == before
    assert [p.name for p in records.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(("phase", "nth"), [pytest.param("fsync", 2, id="while-staging")]
                         + [pytest.param("link", n, id=f"after-{n - 1}-moves") for n in (1, 2, 4, 5, 7)])
def test_sigkill_leaves_nothing_partial_and_importing_again_completes_it(phase: str, nth: int, tmp_path: Path) -> None:
    """SIGKILL cannot be caught: killed while staging, the records are as they were; killed while moving, the files in
    place are agents and works whose agents and parents are all there, so the tree validates. The next import removes
    the staging folder and, finding what was moved already present, completes the tree."""
    records, returncode = _stopped(tmp_path, signal.SIGKILL, phase, nth)
    assert returncode == -signal.SIGKILL
    staging = [p for p in records.iterdir() if p.name.startswith(".chilecite-import-")]
    assert len(staging) == 1, "the killed import's staging folder, which no command reads as records"
    check = CliRunner().invoke(cli, ["--no-cache", "--records", str(records), "validate", "--format", "json"], catch_exceptions=False)
    assert check.exit_code == 0, [p for p in json.loads(check.stdout)["problems"] if p["severity"] == "error"]
    bib = tmp_path / "stopped.bib"
    again = CliRunner().invoke(cli, ["--no-cache", "import", "bibtex", "--records", str(records), str(bib)], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert _tree(records) == _imported_whole(str(tmp_path / "whole"))
    assert [p.name for p in records.iterdir() if p.name.startswith(".")] == []


# --------------------------------------------------------------------------- L-d: names that reduce to one id


@pytest.mark.parametrize(("names", "agents"), [
    pytest.param(["{..}", "{???}"], {"agent": "..", "agent-2": "???"}, id="names-with-no-letters"),
    pytest.param(["{allende-salvador}", "{Allende Salvador}"], {"allende-salvador-2": "allende-salvador", "allende-salvador-3": "Allende Salvador"},
                 id="a-slug-and-a-name"),
    pytest.param(["{Test Committee}", "{Test-Committee}", "{Test  Committee}"], {"test-committee": "Test Committee", "test-committee-2": "Test-Committee"},
                 id="white-space-is-one-name-a-hyphen-another"),
    pytest.param(["{Comité de Prueba}", "{COMITE DE PRUEBA}"], {"comite-de-prueba": "Comité de Prueba"}, id="accents-and-case-are-one-name"),
])
def test_different_names_never_merge_into_one_agent(names: list[str], agents: dict[str, str], tmp_path: Path) -> None:
    """L-d: each different name is an agent of its own, written under its own id, whatever id it would reduce to;
    names that differ only in case, accents, white space or full stops are one."""
    records = copy_records(tmp_path)
    bib = tmp_path / "names.bib"
    bib.write_text("".join(f"@book{{test197{i}x{i}, author = {{{name}}}, title = {{Book {i}}}, date = {{197{i}}}}}\n" for i, name in enumerate(names)),
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["--no-cache", "import", "bibtex", "--records", str(records), "--format", "json", str(bib)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = {Path(r["path"]).stem: yaml.safe_load(r["text"]) for r in json.loads(result.stdout)["imported"] if "/agents/" in r["path"]}
    assert {aid: data["name"] for aid, data in written.items()} == agents
    authors = [load_corpus(records).works[Path(r["path"]).stem].authors[0] for r in json.loads(result.stdout)["imported"] if "/works/" in r["path"]]
    assert len(set(authors)) == len(agents)
