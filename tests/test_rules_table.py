"""The RULES table: codes well formed and unique, every code exercised by a bad case, docs/rules.md in step."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_bad_corpus import RUNTIME_CODES, TREE_CODES, XFAIL, case_dirs, expected

from chilecite.rules import BY_CODE, RULES, rules_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
REGENERATE = "run `chilecite rules --format markdown > docs/rules.md`"


def test_codes_well_formed_and_unique() -> None:
    codes = [rule.code for rule in RULES]
    assert all(re.fullmatch(r"CC\d{3}", code) for code in codes), [c for c in codes if not re.fullmatch(r"CC\d{3}", c)]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    assert not duplicates, f"codes defined twice: {duplicates}"
    assert codes == sorted(codes), "RULES is not in code order"
    assert set(BY_CODE) == set(codes)


def test_expected_files_name_real_codes() -> None:
    unknown = {(case.name, code) for case in case_dirs() for code, _, _ in expected(case) if code not in BY_CODE}
    assert not unknown, f"expected.txt names codes that are not in RULES: {sorted(unknown)}"


# Codes the BibTeX importer reports; tests/test_importing.py asserts each on its fixtures.
IMPORT_CODES = ("CC070", "CC071", "CC072")


def test_every_code_is_exercised() -> None:
    """Each code fires in a passing bad case, a corpus-wide tree case, the generated 10 MB file, or an import fixture."""
    imports = (Path(__file__).parent / "test_importing.py").read_text(encoding="utf-8")
    covered = set(RUNTIME_CODES) | set(TREE_CODES) | {code for code in IMPORT_CODES if f'_problems(result, "{code}")' in imports}
    for case in case_dirs():
        if case.name not in XFAIL:  # a case that fails for a bug does not show its code works
            covered |= {code for code, _, _ in expected(case)}
    uncovered = [rule.code for rule in RULES if rule.code not in covered]
    assert not uncovered, f"rule codes no test case exercises: {', '.join(uncovered)}"


def test_docs_rules_md_is_generated() -> None:
    assert DOCS.is_file(), f"docs/rules.md is missing: {REGENERATE}"
    assert DOCS.read_text(encoding="utf-8") == rules_markdown(), f"docs/rules.md is out of date with chilecite.rules.RULES: {REGENERATE}"
