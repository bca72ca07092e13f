"""Mutation fuzzing: randomly broken copies of valid records must give problems, never exceptions.

The valid records (the essay, note 32, its quotation and works, two agents) are mutated either as
text (characters deleted, inserted, lines duplicated or swapped) or as data (keys dropped, renamed or
duplicated, values swapped for junk: other types, huge ints, unicode, nested lists and mappings), written
into the right kind directory and validated in the context of a small tree of those same records
(the bundled tree is larger and grows; loading it for every example would be slow).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chilecite.loading import YamlRefused, load_corpus, parse_yaml
from chilecite.rules import BY_CODE, validate
from chilecite.text import ReferenceText
from tests.support import MINIMAL_RECORDS, MINIMAL_ROOT, essay_text_path

pytestmark = pytest.mark.filterwarnings("ignore:Accessing the 'model_fields' attribute on the instance is deprecated")

RECORDS = Path(__file__).resolve().parents[1] / "records"
BASES = MINIMAL_RECORDS
TEXTS = {rel: (MINIMAL_ROOT / rel).read_text(encoding="utf-8") for rel in BASES}
TEXT = ReferenceText.from_file(essay_text_path()[0]) if essay_text_path()[0] else None  # the rules that need it are skipped without it

# A small context tree, and a scratch directory per kind for the mutated file, made once.
_WORK = Path(tempfile.mkdtemp(prefix="chilecite-mutations-"))
TREE = _WORK / "records"
for _rel in BASES:
    (TREE / _rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MINIMAL_ROOT / _rel, TREE / _rel)
SCRATCH = _WORK / "scratch"


@pytest.fixture(scope="module", autouse=True)
def _cleanup():
    yield
    shutil.rmtree(_WORK, ignore_errors=True)


FIELDS = sorted({
    "number", "anchor", "paragraph", "before", "supports", "quoted", "status", "citations", "work", "level", "basis", "locator",
    "label", "value", "commentary", "display", "speakers", "note", "note_reason", "source", "date", "quote", "position", "exact",
    "prefix", "suffix", "start", "end", "type", "title", "authors", "parent", "issued", "pages", "url", "isbn", "doi", "kind",
    "family", "given", "printed", "name", "key", "sections", "heading", "first_paragraph", "last_paragraph", "text_sha256",
})
NASTY = st.sampled_from([
    "", " ", "1973-13-01", "1973-04-31", "1984/1970", "1999", "86–45", "45--86", "p. x", "978-0-14-044913-7", "10.1/x",
    "doi:10.1000/x", "relative/url", "e\u0301", "\u0007bell", "\x85", "tail ", "'straight'", "\ufeff", "\u202e", "\U0001F600",
    "[32]", "nosuch1970work", "financial-times", "financialtimes1973aug09", "gonzalez1984left", "stated", "attributed",
    "TextQuoteSelector", "person", "organisation", "block", "inline", "~", "null", "true", ".nan", "-.inf", "0x1F", "1e400",
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**40), max_value=10**40), st.floats(allow_nan=True),
    st.text(max_size=20), NASTY,
)
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), inner, max_size=3), max_leaves=8)
YAML_CHARS = st.sampled_from(list(":-[]{}&*!|>'\"#%@`,?\t\n ~") + ["\u00e9", "\u0301", "\x00", "\x07", "\x85", "\u2028", "\ufeff", "\ud7ff", "\U0001F600", "!!python/object:os.system", "&a", "*a", "---\n"])
INSERTS = st.lists(YAML_CHARS | st.characters(), min_size=1, max_size=8).map("".join)


# --------------------------------------------------------------------------- mutations


@st.composite
def text_mutation(draw, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "replace", "dup-line", "swap-lines", "drop-line"]))
        i = draw(st.integers(0, len(text)))
        if op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 20)):]
        elif op == "insert":
            text = text[:i] + draw(INSERTS) + text[i:]
        elif op == "replace":
            text = text[:i] + draw(INSERTS) + text[i + 1:]
        else:
            lines = text.splitlines(keepends=True) or [""]
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if op == "dup-line":  # a duplicated key, when the line is a mapping entry
                lines.insert(b, lines[a])
            elif op == "swap-lines":
                lines[a], lines[b] = lines[b], lines[a]
            else:
                del lines[a]
            text = "".join(lines)
    return text


def _containers(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _containers(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _containers(value, (*path, i))


@st.composite
def data_mutation(draw, text: str) -> str:
    data = yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 3))):
        places = [(p, n) for p, n in _containers(data) if isinstance(n, (dict, list)) and n]
        if not places:
            break
        _, node = draw(st.sampled_from(places))
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = draw(st.sampled_from(keys))
        op = draw(st.sampled_from(["drop", "junk", "junk", "add", "rename", "wrap"]))
        if op == "drop":
            del node[key]
        elif op == "junk":
            node[key] = draw(JUNK)
        elif op == "wrap":
            node[key] = draw(st.sampled_from([[node[key]], {"value": node[key]}, str(node[key]), None]))
        elif isinstance(node, dict) and op == "add":
            node[draw(st.sampled_from(FIELDS) | st.text(min_size=1, max_size=8))] = draw(JUNK)
        elif isinstance(node, dict):  # rename
            node[draw(st.sampled_from(FIELDS))] = node.pop(key)
        else:
            node.append(draw(JUNK))
    out = yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=draw(st.booleans()), default_flow_style=draw(st.sampled_from([None, False, True])))
    if draw(st.integers(0, 4)) == 0:  # a duplicated top-level key, which the data model cannot hold
        first = next((line for line in out.splitlines(keepends=True) if line[:1].isalpha() and ":" in line), None)
        if first:
            out += first if out.endswith("\n") else "\n" + first
    return out


@st.composite
def mutated(draw) -> tuple[str, str]:
    rel = draw(st.sampled_from(BASES))
    text = draw(text_mutation(TEXTS[rel]) if draw(st.booleans()) else data_mutation(TEXTS[rel]))
    return rel, text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutated())
def test_mutated_records_give_problems_not_exceptions(case: tuple[str, str]) -> None:
    rel, text = case
    path = SCRATCH / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    report = validate(load_corpus(TREE, extra=[path]), TEXT)
    for problem in report.problems:
        assert problem.code in BY_CODE, problem
        assert problem.file, problem
        assert problem.severity == BY_CODE[problem.code].severity, problem


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(BASES))
def test_random_bytes_give_problems_not_exceptions(junk: bytes, rel: str) -> None:
    path = SCRATCH / "bytes" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(TEXTS[rel].encode("utf-8")[:40] + junk)
    try:
        data = parse_yaml(path.read_bytes().decode("utf-8")).data
        assume(not (isinstance(data, dict) and rel.startswith("notes/") and isinstance(data.get("number"), bool)))
    except (UnicodeDecodeError, YamlRefused):
        pass
    report = validate(load_corpus(TREE, extra=[path]), TEXT)
    assert all(problem.code in BY_CODE and problem.file for problem in report.problems)
