"""Hostile input to `chilecite import bibtex`: it finishes in time linear in the input, never with a
traceback, and leaves the records tree either as it was or valid.

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
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
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
