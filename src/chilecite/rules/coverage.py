"""Codes for completeness: spellings, works cited, quotations tied to notes and speakers, works titled and devised titles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from chilecite.models import Work
from chilecite.problems import Problem, Rule
from chilecite.rules.base import ERROR, WARNING, Context
from chilecite.vocabulary import fold

# Articles, prepositions and the like: free in a devised title, and no phrase of two of them counts
# as a repetition ("of the").
_FUNCTION_WORDS = frozenset(["a", "an", "the", "of", "in", "on", "at", "to", "from", "for", "by", "and", "or", "with", "during", "about", "as", "after", "before",
                             "without", "under", "against", "into", "between", "near", "among", "over", "upon", "through",
                             "its", "his", "her", "their"])
# Words a devised title may use without the record saying them: the function words, and the
# cataloguer's words for what a document is.
_FREE_WORDS = _FUNCTION_WORDS | frozenset(["report", "text", "statement", "document", "declaration", "letter", "open", "speech", "broadcast", "interview", "article",
                                           "item", "message", "resolution", "resolutions", "programme", "program", "minutes", "leaflet", "editorial", "conclusions",
                                           "demands"])


def printed_spellings_occur(ctx: Context, rule: Rule) -> Iterator[Problem]:
    assert ctx.text is not None
    for aid, agent in ctx.corpus.agents.items():
        for i, spelling in enumerate(agent.printed):
            if spelling not in ctx.text.text:
                yield ctx.at(rule, f"printed spelling '{spelling}' does not occur in the essay", "agents", aid, ("printed", i))


def works_cited(ctx: Context, rule: Rule) -> Iterator[Problem]:
    c = ctx.corpus
    if any(kind in ("notes", "quotations", "essay") for kind, _ in c.unloaded | c.partial):
        return  # which works a broken note, quotation or essay record cites cannot be told until its faults are fixed
    used = {citation.work for *_, citation in ctx.citations} | {w.parent for w in c.works.values() if w.parent}
    if c.essay:
        used.add(c.essay.key)
    for key in c.works:
        if key not in used:
            yield ctx.at(rule, f"work '{key}' is cited by no note or quotation", "works", key)


def quotations_tied(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for qid, q in ctx.corpus.quotations.items():
        if q.note is None and not q.note_reason:
            yield ctx.at(rule, "quotation is tied to no note and does not say why", "quotations", qid, ("note",))


def speakers_named(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for qid, q in ctx.corpus.quotations.items():
        if not q.speakers and not q.speaker_description:
            yield ctx.at(rule, "quotation names nobody as speaker", "quotations", qid, ("speakers",))


def works_titled(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for key, work in ctx.corpus.works.items():
        if not work.title and not work.devised_title:
            yield ctx.at(rule, "work has neither a title nor a devised title", "works", key, ("title",))


def devised_titles_bracketed(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for key, work in ctx.corpus.works.items():
        devised = work.devised_title
        if devised and not (devised.startswith("[") and devised.endswith("]") and devised.count("[") == 1 and devised.count("]") == 1):
            yield ctx.at(rule, f"devised title '{devised}' is not one phrase in square brackets", "works", key, ("devised_title",))


def record_words(ctx: Context, work: Work) -> set[str]:
    """Every folded word of what a record says of a work and every export carries, but its free
    comment: its nature (type, genre), its subject (keywords) and its other fields."""
    said = [work.type.value.replace("-", " "), work.genre, work.event, work.container_title, work.place, work.publisher,
            work.series, str(work.issued) if work.issued else None, *work.keywords]
    for role in (work.authors, work.editors):
        said += [getattr(ctx.corpus.agents.get(a), "display_name", a) for a in role]
    if work.parent and work.parent in ctx.corpus.works:
        parent = ctx.corpus.works[work.parent]
        said += [parent.title, parent.devised_title]
    return {word for text in said if text for word in fold(text).split()}


def devised_titles_supported(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for key, work in ctx.corpus.works.items():
        if not work.devised_title:
            continue
        if work.title:
            yield ctx.at(rule, "a work with a title of its own has a devised title too", "works", key, ("devised_title",))
            continue
        known = record_words(ctx, work)
        unsupported = [w for w in fold(re.sub(r"[\[\]]", " ", work.devised_title)).split()
                       if w not in known and w not in _FREE_WORDS and w.rstrip("s") not in known]
        if unsupported:
            yield ctx.at(rule, f"devised title says what the record does not: {', '.join(unsupported)}", "works", key, ("devised_title",))


def phrases(text: str) -> set[str]:
    """The two-word phrases of a text, folded, but those of two function words ("of the")."""
    words = fold(text).split()
    return {f"{a} {b}" for a, b in pairwise(words) if not (a in _FUNCTION_WORDS and b in _FUNCTION_WORDS)}


def repeated_phrases(ctx: Context, work: Work) -> list[tuple[str, str]]:
    """Each two-word phrase a devised title shares with what a citation prints beside it — the
    authors' names, the container, the genre, the event — with the field it repeats."""
    if not work.devised_title:
        return []
    own = phrases(re.sub(r"[\[\]]", " ", work.devised_title))
    beside = [("author", getattr(ctx.corpus.agents.get(a), "display_name", a)) for a in work.authors]
    beside += [("container", work.container_title), ("genre", work.genre), ("event", work.event)]
    return [(phrase, name) for name, text in beside if text for phrase in sorted(own & phrases(text))]


def devised_titles_say_something_new(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for key, work in ctx.corpus.works.items():
        repeated = repeated_phrases(ctx, work)
        if repeated:
            said = "; ".join(f"'{phrase}' (the {name})" for phrase, name in repeated)
            yield ctx.at(rule, f"devised title repeats what its citation prints beside it: {said}", "works", key, ("devised_title",))


RULES = (
    Rule("CC060", ERROR, "Printed spelling not in the essay", "`printed` lists spellings that occur in the text, exactly.",
         "", printed_spellings_occur, needs_text=True, per_record=True),
    Rule("CC061", WARNING, "Work cited by no note", "Cite it from a note or quotation, or remove it.", "", works_cited),
    Rule("CC062", WARNING, "Quotation tied to no note, without a reason", "Set `note`, or say in `note_reason` why there is none.", "", quotations_tied, per_record=True),
    Rule("CC063", WARNING, "Quotation without a speaker", "Name who is quoted in `speakers`, or say who in `speaker_description`.", "", speakers_named, per_record=True),
    Rule("CC064", ERROR, "Work without a title", "Give the title as published, or a devised title in square brackets built from the record.",
         "A bibliography entry needs a title: styles drop untitled items (Chicago notes-bibliography prints no entry at all).", works_titled, per_record=True),
    Rule("CC065", ERROR, "Devised title not in square brackets", "Write it as one phrase in brackets: `[Report on arms searches by the armed forces]`.",
         "Brackets are how a reader tells a cataloguer's description from a real title (RDA 2.3.2.11, AACR2 1.1B7).", devised_titles_bracketed, per_record=True),
    Rule("CC066", ERROR, "Devised title not supported by the record",
         "Build the devised title from what the record says: its type or genre (what the work is) and its `keywords` (what it is about).",
         "A devised title describes; it invents nothing. Each of its words (but articles, prepositions and words such as "
         "`report` or `statement`) appears in the record's own exported fields — type, genre, keywords, event, place, container, "
         "names — not only in its free comment; a work with a real title has no devised one.", devised_titles_supported),
    Rule("CC067", WARNING, "Devised title repeats its author, container, genre or event",
         "Say what the work is about (RDA 2.3.2.11: its nature and subject), not who made it or where it appeared.",
         "Every citation prints the author, container, genre and event beside the title: `Financial Times. “[Report in the "
         "Financial Times].”` says one thing twice. A devised title shares no two-word phrase with any of them.",
         devised_titles_say_something_new),
)
