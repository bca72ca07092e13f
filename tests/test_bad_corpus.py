"""The bad corpus: malformed or inconsistent record files, each with the exact problems it must raise.

Each case is `tests/bad/<case-id>/<kind>/<file>.yaml` (or `tests/bad/<case-id>/essay.yaml`) plus
`expected.txt`, one `CODE LINE:COLUMN` per expected problem; a schema fault's case (CC005) also has
`messages.txt`, one `CODE MESSAGE` per problem in file order: chilecite's own words, never pydantic's. A case file is validated as a
contributor would: in the context of the bundled corpus, through the library and through the CLI.
The bundled corpus is loaded once; each case is loaded into a copy of that context
(`chilecite.loading.with_contributed`). Corpus-wide rules that no single contributed file can
trigger are exercised on a small tree built in tmp_path (TREE_CASES); the 10 MB file (CC006) is
generated at runtime.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite.cli import cli
from chilecite.corpus import Corpus
from chilecite.loading import load_corpus, with_contributed
from chilecite.problems import Problem
from chilecite.rules import BY_CODE, validate
from chilecite.text import ReferenceText
from tests.support import MINIMAL_RECORDS, MINIMAL_ROOT

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
RECORDS = HERE.parent / "records"
KINDS = ("notes", "works", "agents", "quotations")
EXPECTED_RE = re.compile(r"^(CC\d{3}) (\d+):(\d+)$")
PROBLEM_LINE_RE = re.compile(r"^(?P<path>[^\s].*?):(?P<line>\d+):(?P<column>\d+): (?P<code>CC\d{3}) (?:error|warning): ")
JSON_KEYS = {"code", "severity", "file", "line", "column", "kind", "record", "field", "message", "hint"}

# Cases that expose a bug in src/: the expectation is the correct behaviour; the bug is in the reason.
XFAIL: dict[str, str] = {}  # none now: the seven bugs this corpus found in src/ are fixed


def case_dirs() -> list[Path]:
    return sorted(p for p in BAD.iterdir() if p.is_dir()) if BAD.is_dir() else []


def case_file(case: Path) -> Path:
    files = [p for p in case.rglob("*") if p.is_file() and p.name not in ("expected.txt", "messages.txt")]
    assert len(files) == 1, f"{case.name}: a case holds exactly one record file, found {files}"
    return files[0]


def expected(case: Path) -> Counter:
    lines = [line.strip() for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    out: Counter = Counter()
    for line in lines:
        match = EXPECTED_RE.match(line)
        assert match, f"{case.name}/expected.txt: '{line}' is not `CODE LINE:COLUMN`"
        out[(match[1], int(match[2]), int(match[3]))] += 1
    return out


# Cases whose problems are right but whose text rendering is broken (only the text CLI test fails).
XFAIL_TEXT_OUTPUT: dict[str, str] = {}


def case_params(extra: dict[str, str] | None = None) -> list:
    reasons = {**XFAIL, **(extra or {})}
    return [
        pytest.param(case, id=case.name, marks=[pytest.mark.xfail(strict=True, reason=reasons[case.name])] if case.name in reasons else [])
        for case in case_dirs()
    ]


def triples(problems) -> Counter:
    return Counter((p.code, p.line, p.column) for p in problems)


def same_file(reported: str | None, path: Path) -> bool:
    return reported is not None and (Path.cwd() / reported).resolve() == path.resolve()


@pytest.fixture(scope="module")
def reference_text(essay_path: Path) -> ReferenceText:
    return ReferenceText.from_file(essay_path)


@pytest.fixture(scope="module")
def bundled() -> Corpus:
    """The bundled corpus, loaded once: the context every case is validated in."""
    return load_corpus()


# --------------------------------------------------------------------------- the committed cases


def test_corpus_is_big_enough() -> None:
    assert len(case_dirs()) >= 45, f"only {len(case_dirs())} cases in tests/bad"


def test_context_once_equals_loading_with_extra() -> None:
    """Loading a case into the shared context gives what loading the tree with it gives."""
    path = case_file(BAD / "dangling-work")
    once, fresh = with_contributed(load_corpus(), [path]), load_corpus(extra=[path])
    assert [p.model_dump() for p in validate(once, None).sorted()] == [p.model_dump() for p in validate(fresh, None).sorted()]
    assert once.focus == fresh.focus and once.files == fresh.files


@pytest.mark.parametrize("case", case_params())
def test_case_library(case: Path, bundled: Corpus, reference_text: ReferenceText) -> None:
    path = case_file(case)
    report = validate(with_contributed(bundled, [path]), reference_text)
    assert triples(report.problems) == expected(case), "\n".join(f"{p.code} {p.line}:{p.column} {p.file} {p.message}" for p in report.problems)
    for p in report.problems:
        assert same_file(p.file, path), f"{p.code} reported in {p.file}, not in the validated file {path}"


@pytest.mark.parametrize("case", case_params())
def test_case_library_without_text(case: Path, bundled: Corpus) -> None:
    """Without the reference text, the rules that need it are skipped and the others still fire."""
    path = case_file(case)
    report = validate(with_contributed(bundled, [path]), None)
    wanted = Counter({k: n for k, n in expected(case).items() if not BY_CODE[k[0]].needs_text})
    assert triples(report.problems) == wanted
    assert all(same_file(p.file, path) for p in report.problems)


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("case", case_params(XFAIL_TEXT_OUTPUT))
def test_case_cli_text(case: Path, essay_path: Path) -> None:
    path = case_file(case)
    result = run_cli("--essay", str(essay_path), "validate", "--strict", str(path))
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[0].startswith("records: "), result.stderr
    found: Counter = Counter()
    for line in result.stdout.splitlines():
        if not line or line[0].isspace() or line.startswith("skipped:") or re.match(r"^\d+ file\(s\) checked:", line):
            continue
        match = PROBLEM_LINE_RE.match(line)
        assert match, f"not of the form `path:line:col: CODE ...`: {line!r}"
        assert same_file(match["path"], path), line
        found[(match["code"], int(match["line"]), int(match["column"]))] += 1
    assert found == expected(case), result.output


@pytest.mark.parametrize("case", case_params())
def test_case_cli_json(case: Path, essay_path: Path) -> None:
    path = case_file(case)
    result = run_cli("--essay", str(essay_path), "validate", "--strict", "--format", "json", str(path))
    assert result.exit_code == 1, result.output
    problems = json.loads(result.output)["problems"]
    for item in problems:
        assert set(item) == JSON_KEYS, item
        assert item["code"] in BY_CODE and item["severity"] in ("error", "warning")
        assert same_file(item["file"], path), item
    assert Counter((p["code"], p["line"], p["column"]) for p in problems) == expected(case)


# --------------------------------------------------------------------------- schema faults: chilecite's words, one file

# What pydantic says and a contributor should never read: its phrases, its error types, its class names.
PYDANTIC_WORDING = re.compile(r"Input should|Field required|Extra inputs|Value error|valid dictionary|instance of|pydantic|"
                              r"unable to parse|type=|extra_forbidden|literal_error|union_tag|model_type|int_parsing|"
                              r"NoteAnchor|TextQuoteSelector|Locator\b|Citation\b|Organisation\b")


def schema_cases() -> list:
    return [param for param in case_params() if "CC005" in {code for code, _, _ in expected(param.values[0])}]


def test_every_schema_fault_case_says_its_messages() -> None:
    assert len(schema_cases()) >= 15
    for param in schema_cases():
        assert (param.values[0] / "messages.txt").is_file(), f"{param.values[0].name} has no messages.txt"


@pytest.mark.parametrize("case", schema_cases())
def test_schema_fault_messages(case: Path, bundled: Corpus) -> None:
    path = case_file(case)
    report = validate(with_contributed(bundled, [path]), None)
    problems = sorted(report.problems, key=lambda p: (p.line or 0, p.column or 0, p.code))
    wanted = (case / "messages.txt").read_text(encoding="utf-8").splitlines()
    assert [f"{p.code} {p.message}" for p in problems] == wanted
    for p in problems:
        assert not PYDANTIC_WORDING.search(p.message + " " + p.hint), p
        if p.code == "CC005":
            assert "chilecite schema --show" in p.hint, p.hint


def loader_cases() -> list:
    """The cases whose every problem the loader reports (a file that cannot become its record as written),
    of a file a tree holds (a stray folder is not read as part of a tree: only a file named on the command line is)."""
    return [param for param in case_params() if all(BY_CODE[code].reported_by == "loader" for code, _, _ in expected(param.values[0]))
            and case_file(param.values[0]).relative_to(param.values[0]).parts[0] in (*KINDS, "essay.yaml")]


@pytest.mark.parametrize("case", loader_cases())
def test_a_broken_file_in_the_tree_is_its_errors_only(case: Path, tmp_path: Path, reference_text: ReferenceText) -> None:
    """The slipped file put in place in a copy of the whole tree: its faults, and nothing in any other
    file (no note missing, no reference unresolved, no work left uncited, no block quotation uncovered)."""
    path = case_file(case)
    root = tmp_path / "records"
    shutil.copytree(RECORDS, root)
    target = root / path.relative_to(case)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    report = validate(load_corpus(root), reference_text)
    assert {p.file for p in report.problems} == {f"records/{path.relative_to(case)}"}, [(p.file, p.code, p.message) for p in report.problems]
    assert triples(report.problems) == expected(case)


# --------------------------------------------------------------------------- generated at runtime: CC006


RUNTIME_CODES = frozenset({"CC006"})


def _huge_agent(tmp_path: Path) -> Path:
    path = tmp_path / "agents" / "huge-description.yaml"
    path.parent.mkdir()
    path.write_text("kind: person\nfamily: Huge\ndescription: '" + "x" * 10_000_000 + "'\n", encoding="utf-8")
    return path


def test_file_too_large(tmp_path: Path) -> None:
    path = _huge_agent(tmp_path)
    report = validate(load_corpus(extra=[path]), None)
    assert triples(report.problems) == Counter({("CC006", 1, 1): 1})
    assert same_file(report.problems[0].file, path)


def test_file_too_large_cli(tmp_path: Path, essay_path: Path) -> None:
    path = _huge_agent(tmp_path)
    result = run_cli("--essay", str(essay_path), "validate", str(path))
    assert result.exit_code == 1
    assert re.search(r"^\S+huge-description\.yaml:1:1: CC006 error: ", result.output, re.M), result.output


# --------------------------------------------------------------------------- corpus-wide rules on a small tree

NAMED = MINIMAL_RECORDS


def make_tree(tmp_path: Path) -> Path:
    root = tmp_path / "records"
    for rel in NAMED:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MINIMAL_ROOT / rel, root / rel)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _add_note_33_before_32(root: Path) -> None:
    text = (root / "notes/032.yaml").read_text(encoding="utf-8")
    (root / "notes/033.yaml").write_text(text.replace("number: 32", "number: 33").replace("paragraph: 43", "paragraph: 42"), encoding="utf-8")


def _parent_cycle(root: Path) -> None:
    for key, parent in (("alpha1970cycle", "beta1970cycle"), ("beta1970cycle", "alpha1970cycle")):
        (root / f"works/{key}.yaml").write_text(f"type: book\ntitle: {key}\nparent: {parent}\n", encoding="utf-8")


TREE_CASES = {
    # id: (code, how to break the tree)
    "notes-missing": ("CC011", lambda root: (root / "notes/032.yaml").unlink()),
    "notes-out-of-order": ("CC012", _add_note_33_before_32),
    "quotation-note-missing": ("CC013", lambda root: _edit(root / "quotations/financial-times-arms-control-raids.yaml", "note: 32", "note: 33")),
    "essay-key-missing": ("CC013", lambda root: _edit(root / "essay.yaml", "key: gonzalez1984left", "key: gonzalez1984lost")),
    "same-id-yaml-and-yml": ("CC010", lambda root: shutil.copyfile(root / "works/financialtimes1973aug09.yaml", root / "works/financialtimes1973aug09.yml")),
    "parent-cycle": ("CC014", _parent_cycle),
    "duplicate-work": ("CC016", lambda root: shutil.copyfile(root / "works/gonzalez1984left.yaml", root / "works/gonzalez1984leftb.yaml")),
    "duplicate-agent": ("CC017", lambda root: shutil.copyfile(root / "agents/financial-times.yaml", root / "agents/financial-times-ltd.yaml")),
    "block-quotation-uncovered": ("CC024", lambda root: (root / "quotations/financial-times-arms-control-raids.yaml").unlink()),
    "wrong-text-sha": ("CC025", lambda root: _edit(root / "essay.yaml", "text_sha256: c0e948", "text_sha256: 00e948")),
    "text-bytes-wrong": ("CC029", lambda root: _edit(root / "essay.yaml", "\ntext_file:", "\ntext_bytes: 1000\ntext_file:")),
    "sections-gap": ("CC026", lambda root: _edit(root / "essay.yaml", "    last_paragraph: 3\n", "    last_paragraph: 2\n")),
    "sections-wrong-heading": ("CC026", lambda root: _edit(root / "essay.yaml", "heading: The road to 1970", "heading: The road to 1971")),
    "fingerprint-wrong": ("CC027", lambda root: _edit(root / "essay.yaml", "  - '8922a3057df91fe6'\n", "  - '0000000000000000'\n")),
    "note-count-wrong": ("CC028", lambda root: _edit(root / "essay.yaml", "notes: 86\n", "notes: 85\n")),
}
TREE_CODES = frozenset(code for code, _ in TREE_CASES.values())


def _problems(root: Path, text: ReferenceText) -> set[tuple[str, str]]:
    return {(p.code, p.message) for p in validate(load_corpus(root), text).problems}


def test_tree_baseline(tmp_path: Path, reference_text: ReferenceText) -> None:
    """The named records alone are clean but for the notes and block quotations nobody has written yet."""
    codes = {code for code, _ in _problems(make_tree(tmp_path), reference_text)}
    assert codes == {"CC011", "CC024"}


@pytest.mark.parametrize("name", sorted(TREE_CASES))
def test_tree_case(name: str, tmp_path: Path, reference_text: ReferenceText) -> None:
    code, breaker = TREE_CASES[name]
    root = make_tree(tmp_path)
    before = _problems(root, reference_text)
    breaker(root)
    after = _problems(root, reference_text)
    new = after - before
    assert code in {c for c, _ in new}, f"{name}: expected a new {code}; new problems: {sorted(new)}"


@pytest.mark.parametrize("name", sorted(TREE_CASES))
def test_tree_case_cli(name: str, tmp_path: Path, essay_path: Path) -> None:
    code, breaker = TREE_CASES[name]
    root = make_tree(tmp_path)
    breaker(root)
    result = run_cli("--records", str(root), "--essay", str(essay_path), "validate", "--strict", "--format", "json")
    assert result.exit_code == 1
    problems = [Problem.model_validate(p) for p in json.loads(result.output)["problems"]]
    assert code in {p.code for p in problems}
