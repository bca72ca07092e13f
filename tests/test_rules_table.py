"""The catalogue: codes well formed and unique, one hint per code, every code exercised by a test, codes only in the catalogue, docs in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chilecite.errors import UsageError
from chilecite.rules import BY_CODE, CATALOGUE, rules_markdown, selectors
from tests.test_bad_corpus import RUNTIME_CODES, TREE_CODES, XFAIL, case_dirs, expected

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "rules.md"
REGENERATE = "run `chilecite rules --format markdown > docs/rules.md`"
CODE_LITERAL = re.compile(r"""["']CC0\d{2}["']""")

# Codes asserted by tests outside the bad corpus: the test file must name the code.
ELSEWHERE = {
    "CC070": "test_importing.py", "CC071": "test_importing.py", "CC072": "test_importing.py", "CC073": "test_importing.py",
    "CC074": "hostile/test_import_hostile.py", "CC075": "hostile/test_import_hostile.py", "CC076": "test_importing.py",
    "CC095": "hostile/test_hostile.py", "CC096": "hostile/test_hostile.py", "CC097": "hostile/test_hostile.py", "CC098": "test_cli.py",
}


def test_codes_well_formed_unique_and_in_order() -> None:
    codes = [rule.code for rule in CATALOGUE]
    assert all(re.fullmatch(r"CC\d{3}", code) for code in codes)
    assert len(BY_CODE) == len(CATALOGUE), f"a code is defined by two families: {sorted(c for c in codes if codes.count(c) > 1)}"
    assert codes == sorted(codes)


def test_split_codes_name_an_older_code_and_answer_to_it() -> None:
    for rule in CATALOGUE:
        if rule.split_from:
            assert rule.split_from in BY_CODE and rule.split_from != rule.code
            assert rule.answers_to(rule.split_from) and not BY_CODE[rule.split_from].answers_to(rule.code)


def test_no_hint_is_written_twice() -> None:
    hints = [rule.hint for rule in CATALOGUE]
    assert not {h for h in hints if hints.count(h) > 1}


def test_codes_are_written_only_in_the_catalogue() -> None:
    """`grep -rnE '"CC0[0-9]{2}"' src/` finds codes only in chilecite/rules/ and, for the loader's own, in loading.py."""
    catalogue = (("rules",), ("loading.py",))
    outside = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "src").rglob("*.py") if path.relative_to(ROOT / "src" / "chilecite").parts[:1] not in catalogue
               for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if CODE_LITERAL.search(line)]
    assert not outside, f"rule codes written outside the catalogue: {outside}"


@pytest.mark.parametrize(("text", "chosen"), [
    pytest.param("CC02,cc030", {"CC02", "CC030"}, id="codes-and-prefixes-any-case"),
    pytest.param(" CC001 , ", {"CC001"}, id="spaces-and-empty-items"),
    pytest.param("", set(), id="nothing"),
])
def test_selectors_accept_codes_and_prefixes(text: str, chosen: set[str]) -> None:
    assert selectors(text) == chosen


@pytest.mark.parametrize("text", [pytest.param("CC999", id="unknown-code"), pytest.param("CC0300", id="too-long"), pytest.param("XX", id="no-prefix")])
def test_unknown_selectors_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="no rule code or prefix"):
        selectors(text)


def test_expected_files_name_real_codes() -> None:
    unknown = {(case.name, code) for case in case_dirs() for code, _, _ in expected(case) if code not in BY_CODE}
    assert not unknown, f"expected.txt names codes that are not in the catalogue: {sorted(unknown)}"


def test_every_code_is_exercised() -> None:
    """Each code fires in a bad case, a corpus-wide tree case, the generated 10 MB file, or the test named in ELSEWHERE."""
    covered = set(RUNTIME_CODES) | set(TREE_CODES)
    for case in case_dirs():
        if case.name not in XFAIL:  # a case that fails for a bug does not show its code works
            covered |= {code for code, _, _ in expected(case)}
    for code, test_file in ELSEWHERE.items():
        path = Path(__file__).parent / test_file
        if path.is_file() and code in path.read_text(encoding="utf-8"):
            covered.add(code)
    uncovered = [rule.code for rule in CATALOGUE if rule.code not in covered]
    assert not uncovered, f"codes no test exercises: {', '.join(uncovered)}"


def test_docs_rules_md_is_generated() -> None:
    assert DOCS.is_file(), f"docs/rules.md is missing: {REGENERATE}"
    assert DOCS.read_text(encoding="utf-8") == rules_markdown(), f"docs/rules.md is out of date with the catalogue: {REGENERATE}"
