"""Codes for values: dates in order and not after the essay, page ranges, ISBN, DOI.

URLs and file names are typed values (`chilecite.values.Url`, `FileName`) that the models refuse:
the loader reports them (CC045, CC046 in `chilecite.loading`), for every field of that type in
every kind of record.
"""

from __future__ import annotations

from collections.abc import Iterator

from chilecite.problems import Problem, Rule
from chilecite.rules.base import ERROR, Context, FieldPath
from chilecite.values import DOI_RE, DateSpan, PageSpan, isbn_is_valid


def _dated(ctx: Context) -> Iterator[tuple[str, str, FieldPath, DateSpan]]:
    for key, work in ctx.corpus.works.items():
        if work.issued:
            yield "works", key, ("issued",), work.issued
        if work.original_date:
            yield "works", key, ("original_date",), work.original_date
        if work.event_date:
            yield "works", key, ("event_date",), work.event_date
    for qid, q in ctx.corpus.quotations.items():
        if q.date:
            yield "quotations", qid, ("date",), q.date


def date_ranges_ordered(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for kind, rid, path, span in _dated(ctx):
        if span.end and span.end.sort_key() < span.start.sort_key():
            yield ctx.at(rule, f"date range {span} ends before it starts", kind, rid, path)


def no_work_after_essay(ctx: Context, rule: Rule) -> Iterator[Problem]:
    essay_date, essay_key = ctx.corpus.essay_date, ctx.corpus.essay.key if ctx.corpus.essay else None
    if essay_date is None:
        return
    for kind, rid, path, span in _dated(ctx):
        if rid != essay_key and span.start.sort_key() > essay_date.start.sort_key():
            yield ctx.at(rule, f"{span} is after the essay ({essay_date})", kind, rid, path)


def locators_well_formed(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for kind, rid, path, citation in ctx.citations:
        loc = citation.locator
        if loc and loc.label == "page":
            try:
                span = PageSpan.parse(loc.value)
            except ValueError:
                yield ctx.at(rule, f"page locator '{loc.value}' is not a page or page range", kind, rid, (*path, "locator", "value"))
                continue
            if not span.in_order:
                yield ctx.at(rule, f"page range {loc.value} ends before it starts", kind, rid, (*path, "locator", "value"))
    for key, work in ctx.corpus.works.items():
        if work.pages and not work.pages.in_order:
            yield ctx.at(rule, f"page range {work.pages} ends before it starts", "works", key, ("pages",))


def isbn_valid(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for key, work in ctx.corpus.works.items():
        if work.isbn and not isbn_is_valid(work.isbn):
            yield ctx.at(rule, f"ISBN {work.isbn} fails its check digit", "works", key, ("isbn",))


def doi_valid(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for key, work in ctx.corpus.works.items():
        if work.doi and not DOI_RE.match(work.doi):
            yield ctx.at(rule, f"'{work.doi}' is not a DOI (10.NNNN/suffix)", "works", key, ("doi",))


RULES = (
    Rule("CC040", ERROR, "Date range out of order", "Write START/END with START first.", "", date_ranges_ordered, per_record=True),
    Rule("CC041", ERROR, "Cited work dated after the essay", "Check the date: nothing the essay cites can be later than the essay.",
         "Compared with the `issued` date of the essay's own work record.", no_work_after_essay),
    Rule("CC042", ERROR, "Locator or pages malformed", "Pages are 45 or 45–86, first <= last.", "", locators_well_formed, per_record=True),
    Rule("CC043", ERROR, "ISBN check digit fails", "Copy the ISBN again from the book or a catalogue.", "", isbn_valid, per_record=True),
    Rule("CC044", ERROR, "DOI malformed", "Write the bare DOI, 10.NNNN/suffix.", "", doi_valid, per_record=True),
)
