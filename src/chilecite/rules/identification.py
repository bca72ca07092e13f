"""Codes for identifications: each level is used as it is defined, and each basis can be checked."""

from __future__ import annotations

from collections.abc import Iterator

from chilecite.models import Level
from chilecite.problems import Problem, Rule
from chilecite.rules.base import ERROR, WARNING, Context

STATED_WINDOW = 1  # a stated basis may come from the marker's paragraph or the one before it


def stated_basis_verbatim(ctx: Context, rule: Rule) -> Iterator[Problem]:
    assert ctx.text is not None
    for kind, rid, path, citation in ctx.citations:
        if citation.level is not Level.stated:
            continue
        record = ctx.corpus.notes.get(int(rid)) if kind == "notes" else ctx.corpus.quotations.get(rid)
        if record is None:
            continue
        paragraph = record.anchor.paragraph
        window = " ".join(p.text for p in ctx.text.paragraphs[max(0, paragraph - 1 - STATED_WINDOW):paragraph])
        if citation.basis not in window:
            yield ctx.at(rule, f"basis '{citation.basis[:60]}' is not the essay's words in paragraph {paragraph} or the one before",
                         kind, rid, (*path, "basis"))


def attributed_no_locator(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for kind, rid, path, citation in ctx.citations:
        if citation.level is Level.attributed and citation.locator:
            yield ctx.at(rule, "an attributed citation carries a locator it could not have checked", kind, rid, (*path, "locator"))


def status_matches_citations(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for number, note in ctx.corpus.notes.items():
        if note.status == "unidentified" and note.citations:
            yield ctx.at(rule, "an unidentified note has citations", "notes", number, ("citations",))
        if note.status == "identified" and not note.citations:
            yield ctx.at(rule, "an identified note has no citation", "notes", number, ("status",))


def basis_substantive(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for kind, rid, path, citation in ctx.citations:
        if len(citation.basis.split()) < 3:
            yield ctx.at(rule, f"basis '{citation.basis}' says too little to be checked", kind, rid, (*path, "basis"))


RULES = (
    Rule("CC030", ERROR, "`stated` basis is not the essay's own words", "Quote the essay verbatim from the marker's paragraph or the one before, or lower the level.",
         "At level `stated` the essay itself names the source; the basis is those words, checked against the text.", stated_basis_verbatim, needs_text=True, per_record=True),
    Rule("CC031", ERROR, "`attributed` citation with a locator", "Remove the locator, or check the work and raise the level to verified.",
         "An attribution that was not checked cannot know a page.", attributed_no_locator, per_record=True),
    Rule("CC032", ERROR, "Note status disagrees with its citations", "unidentified notes have no citations; identified ones have at least one.",
         "", status_matches_citations, per_record=True),
    Rule("CC033", WARNING, "Basis too short to be checked", "Say where the words were found (URL, repository and path, edition and page), or why the attribution holds.",
         "A basis of fewer than three words cannot tell a reader what to check.", basis_substantive, per_record=True),
)
