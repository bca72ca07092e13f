"""The catalogue of problems: every code chilecite reports, with its check where a check reports it.

One module per family of codes — `files` (what the loader refuses), `references`, `anchors`,
`identification`, `values`, `hygiene`, `coverage`, `importing` — each ending in its `RULES` table.
`CATALOGUE` below is the one explicit list of them all: `chilecite rules` and `docs/rules.md` are
generated from it, and `validate()` runs its checks. Codes are stable forever; a retired code is
never reused, and a code split into narrower ones stays valid in `--select`/`--ignore`.
"""

from __future__ import annotations

from collections.abc import Iterable

from chilecite.corpus import Corpus
from chilecite.errors import UsageError
from chilecite.problems import Problem, Rule
from chilecite.report import Report
from chilecite.rules import anchors, coverage, files, hygiene, identification, importing, references, values
from chilecite.rules.base import Context
from chilecite.text import ReferenceText

CATALOGUE: tuple[Rule, ...] = tuple(sorted(
    (*files.RULES, *references.RULES, *anchors.RULES, *identification.RULES, *values.RULES, *hygiene.RULES, *coverage.RULES, *importing.RULES),
    key=lambda rule: rule.code,
))
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in CATALOGUE}


def selectors(text: str | Iterable[str]) -> frozenset[str]:
    """`CC02,cc030` -> {"CC02", "CC030"}; an unknown code or prefix is a usage error, never a silent no-op."""
    items = text.split(",") if isinstance(text, str) else list(text)
    chosen = frozenset(item.strip().upper() for item in items if item.strip())
    for selector in sorted(chosen):
        if not any(rule.answers_to(selector) for rule in CATALOGUE):
            from chilecite.vocabulary import closest

            raise UsageError(f"no rule code or prefix '{selector}'", choices=closest(selector, BY_CODE), hint="`chilecite rules` lists them")
    return chosen


def validate(corpus: Corpus, text: ReferenceText | None, *, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Report:
    """Run every selected check over a loaded corpus; return one report with every problem.

    Load problems are included; `select`/`ignore` (codes or prefixes, see `selectors`) and the
    corpus's focus (files a contributor named) are applied once, here, to every problem.
    """
    select, ignore = selectors(select), selectors(ignore)

    def chosen(rule: Rule) -> bool:
        return (not select or any(rule.answers_to(s) for s in select)) and not any(rule.answers_to(i) for i in ignore)

    def kept(problem: Problem) -> bool:
        # A record made without the parts its schema faults are in reports those faults only: what
        # the checks find in the rest of it waits until the faults are fixed (one slip, one error).
        return (chosen(BY_CODE[problem.code]) and corpus.in_focus(problem.kind, problem.record)
                and (problem.kind, problem.record) not in corpus.partial)

    ctx = Context(corpus, text)
    problems = [p for p in corpus.problems if chosen(BY_CODE[p.code])]
    skipped: list[str] = []
    for rule in CATALOGUE:
        if rule.check is None or not chosen(rule):
            continue
        if rule.needs_text and text is None:
            skipped.append(f"{rule.code} {rule.title} (no reference text: see `chilecite essay`)")
            continue
        problems.extend(p for p in rule.check(ctx, rule) if kept(p))
    return Report(problems=problems, skipped=skipped, checked_files=corpus.files)


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


__all__ = ["BY_CODE", "CATALOGUE", "Context", "rules_markdown", "selectors", "validate"]
