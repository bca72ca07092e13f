"""The catalogue of problems: every code chilecite reports, with its check where a check reports it.

One module per family of codes — `references`, `anchors`, `identification`, `values`, `hygiene`,
`coverage`, `importing` — each ending in its `RULES` table; the loader's own codes (files that
cannot become records) are defined with the loader, in `chilecite.loading`.
`CATALOGUE` below is the one explicit list of them all: `chilecite rules` and `docs/rules.md` are
generated from it, and `validate()` runs its checks. Codes are stable forever; a retired code is
never reused, and a code split into narrower ones stays valid in `--select`/`--ignore`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from chilecite import loading
from chilecite.corpus import Corpus
from chilecite.errors import UsageError
from chilecite.problems import Problem, Rule
from chilecite.report import Report
from chilecite.rules import anchors, coverage, hygiene, identification, importing, references, values
from chilecite.rules.base import Context
from chilecite.text import ReferenceText
from chilecite.vocabulary import selection

CATALOGUE: tuple[Rule, ...] = tuple(sorted(
    (*loading.RULES, *references.RULES, *anchors.RULES, *identification.RULES, *values.RULES, *hygiene.RULES, *coverage.RULES, *importing.RULES),
    key=lambda rule: rule.code,
))
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in CATALOGUE}


def selectors(text: str | Iterable[str]) -> frozenset[str]:
    """`CC02,cc030` -> {"CC02", "CC030"}; an unknown code or prefix is a usage error, never a silent no-op."""
    chosen = selection(text)
    for selector in sorted(chosen):
        if not any(rule.answers_to(selector) for rule in CATALOGUE):
            from chilecite.vocabulary import closest

            raise UsageError(f"no rule code or prefix '{selector}'", choices=closest(selector, BY_CODE), hint="`chilecite rules` lists them")
    return chosen


def validate(corpus: Corpus, text: ReferenceText | None, *, select: Iterable[str] = (), ignore: Iterable[str] = (),
             record_problems: Iterable[Problem] | None = None, reference: bool | None = None) -> Report:
    """Run every selected check over a loaded corpus; return one report with every problem.

    Load problems are included; `select`/`ignore` (codes or prefixes, see `selectors`) and the
    corpus's focus (files a contributor named) are applied once, here, to every problem.
    `record_problems`, when given, are the problems of every per-record check (`check_records`),
    already found — the workspace keeps them by file — and those checks are not run again.
    Problems are listed in one total order (`Problem.sort_key`), however they were found.
    `reference` says whether `text` is the one the records anchor to (default: as the essay record says).
    """
    chosen = _chooser(selectors(select), selectors(ignore))

    def kept(problem: Problem) -> bool:
        # A record made without the parts its schema faults are in reports those faults only: what
        # the checks find in the rest of it waits until the faults are fixed (one slip, one error).
        return (chosen(BY_CODE[problem.code]) and corpus.in_focus(problem.kind, problem.record)
                and (problem.kind, problem.record) not in corpus.partial)

    ctx = Context(corpus, text, reference)
    problems = [p for p in corpus.problems if chosen(BY_CODE[p.code])]
    if record_problems is not None:
        problems.extend(p for p in record_problems if kept(p))
    skipped: list[str] = []
    for rule in CATALOGUE:
        if rule.check is None or not chosen(rule):
            continue
        if rule.needs_text and text is None:
            skipped.append(f"{rule.code} {rule.title} (no reference text: see `chilecite essay`)")
            continue
        if not (rule.per_record and record_problems is not None):
            problems.extend(p for p in rule.check(ctx, rule) if kept(p))
    problems.sort(key=Problem.sort_key)
    return Report(problems=problems, skipped=skipped, checked_files=corpus.files)


def _chooser(select: frozenset[str], ignore: frozenset[str]) -> Callable[[Rule], bool]:
    def chosen(rule: Rule) -> bool:
        return (not select or any(rule.answers_to(s) for s in select)) and not any(rule.answers_to(i) for i in ignore)

    return chosen


def restrict(report: Report, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Report:
    """The report `validate` gives with this selection, made from its report with every rule."""
    chosen = _chooser(selectors(select), selectors(ignore))
    return Report(problems=[p for p in report.problems if chosen(BY_CODE[p.code])],
                  skipped=[s for s in report.skipped if chosen(BY_CODE[s.split(" ", 1)[0]])],
                  checked_files=report.checked_files)


def check_records(corpus: Corpus, text: ReferenceText | None, *, reference: bool | None = None) -> list[Problem]:
    """The problems of every per-record check (`Rule.per_record`) on every record of `corpus`,
    unselected: what a record's file is kept with, so that after an edit only the changed files
    are checked again (the text-bound ones only with a text, as `validate` runs them). `reference`
    as for `validate`: a corpus of a few records has no essay record to ask."""
    ctx = Context(corpus, text, reference)
    found: list[Problem] = []
    for rule in CATALOGUE:
        if rule.per_record and rule.check is not None and (text is not None or not rule.needs_text):
            found.extend(rule.check(ctx, rule))
    return found


def rules_markdown() -> str:
    """docs/rules.md, generated from the catalogue."""
    lines = ["# Problem codes", "",
             "Generated from `chilecite.rules.CATALOGUE` by `chilecite rules --format markdown`; do not edit by hand.", "",
             "`--select` and `--ignore` take codes or prefixes (`CC02`). A code split from an older, broader one is "
             "still named by the old code: `--ignore CC001` also ignores CC008, CC009, CC090 and CC091.", "",
             "| code | severity | reported by | problem | hint | needs the text | split from |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for rule in CATALOGUE:
        lines.append(f"| {rule.code} | {rule.severity.value} | {rule.reported_by} | {rule.title} | {rule.hint} | "
                     f"{'yes' if rule.needs_text else ''} | {rule.split_from or ''} |")
    lines += ["", "## What each code checks", ""]
    for rule in CATALOGUE:
        lines.append(f"- **{rule.code}** {rule.title}. {rule.docs}".rstrip())
    return "\n".join(lines) + "\n"


__all__ = ["BY_CODE", "CATALOGUE", "Context", "check_records", "restrict", "rules_markdown", "selectors", "validate"]
