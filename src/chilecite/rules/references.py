"""Codes for the corpus as a whole: ids, note numbers, references between records, keys, duplicates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from chilecite.corpus import WorkIdentity, work_identity
from chilecite.problems import Problem, Rule
from chilecite.rules.base import ERROR, WARNING, Context, FieldPath, ranges
from chilecite.vocabulary import KEY_RE, closest, fold


def duplicate_ids(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for dup in ctx.corpus.duplicates:
        what = "essay record" if dup.kind == "essay" else dup.kind[:-1]
        yield rule.problem(f"{what} '{dup.id}' is defined twice (also in {dup.first.display})",
                           file=dup.second.display, line=1, column=1, kind=dup.kind, record=dup.id)


def notes_complete(ctx: Context, rule: Rule) -> Iterator[Problem]:
    count = ctx.corpus.note_count
    missing = [n for n in range(1, count + 1) if n not in ctx.corpus.notes and not ctx.corpus.is_present("notes", n)]  # a broken note file reports its own fault
    if missing:
        yield rule.problem(f"notes missing: {ranges(missing)} (the essay has {count})", file="records/notes", kind="notes")


def notes_within_count(ctx: Context, rule: Rule) -> Iterator[Problem]:
    count = ctx.corpus.note_count
    for number in ctx.corpus.notes:
        if count and number > count:
            yield ctx.at(rule, f"note {number} is beyond the essay's {count} notes", "notes", number, ("number",))


def anchors_in_order(ctx: Context, rule: Rule) -> Iterator[Problem]:
    previous: tuple[int, int] | None = None
    for number in sorted(ctx.corpus.notes):
        paragraph = ctx.corpus.notes[number].anchor.paragraph
        if previous and paragraph < previous[1]:
            yield ctx.at(rule, f"note {number} is anchored in paragraph {paragraph}, before note {previous[0]} (paragraph {previous[1]})",
                         "notes", number, ("anchor", "paragraph"))
        previous = (number, paragraph)


def references_resolve(ctx: Context, rule: Rule) -> Iterator[Problem]:
    """Every id a record names exists; a record whose file is there but broken reports its own fault,
    not those of every record naming it."""
    c = ctx.corpus
    for kind, rid, path, citation in ctx.citations:
        if citation.work not in c.works and not c.is_present("works", citation.work):
            yield ctx.at(rule, _missing(f"no work '{citation.work}' in records/works", citation.work, c.works), kind, rid, (*path, "work"))
    for kind, rid, path, agent in _agent_references(ctx):
        if agent not in c.agents and not c.is_present("agents", agent):
            yield ctx.at(rule, _missing(f"no agent '{agent}' in records/agents", agent, c.agents), kind, rid, path)
    for qid, q in c.quotations.items():
        if q.note is not None and q.note not in c.notes and not c.is_present("notes", q.note):
            yield ctx.at(rule, f"no note {q.note} in records/notes", "quotations", qid, ("note",))
    for key, work in c.works.items():
        if work.parent and work.parent not in c.works and not c.is_present("works", work.parent):
            yield ctx.at(rule, _missing(f"no parent work '{work.parent}' in records/works", work.parent, c.works), "works", key, ("parent",))
    if c.essay and not c.is_present("works", c.essay.key):
        yield ctx.at(rule, _missing(f"the essay's work record '{c.essay.key}' is missing", c.essay.key, c.works), "essay", "essay", ("key",))


def _missing(message: str, wanted: str, ids: Iterable[str]) -> str:
    """The message, with the nearest ids that exist ("did you mean allende-salvador?")."""
    near = closest(wanted, ids)
    return f"{message}; did you mean {' or '.join(repr(n) for n in near)}?" if near else message


def _agent_references(ctx: Context) -> Iterator[tuple[str, str, FieldPath, str]]:
    """Every agent id a record names, with where it names it."""
    for number, note in ctx.corpus.notes.items():
        for i, agent in enumerate(note.quoted):
            yield "notes", str(number), ("quoted", i), agent
    for qid, q in ctx.corpus.quotations.items():
        for i, agent in enumerate(q.speakers):
            yield "quotations", qid, ("speakers", i), agent
    for key, work in ctx.corpus.works.items():
        for role in ("authors", "editors", "translators"):
            for i, agent in enumerate(getattr(work, role)):
                yield "works", key, (role, i), agent


def parents_acyclic(ctx: Context, rule: Rule) -> Iterator[Problem]:
    works = ctx.corpus.works
    for key in works:
        seen, current = [key], works[key].parent
        while current in works:
            if current in seen:
                yield ctx.at(rule, f"parent works form a cycle: {' -> '.join([*seen, current])}", "works", key, ("parent",))
                break
            seen.append(current)
            current = works[current].parent


def key_format(ctx: Context, rule: Rule) -> Iterator[Problem]:
    for key in ctx.corpus.works:
        if not KEY_RE.match(key):
            yield ctx.at(rule, f"citation key '{key}' is not in the agreed form", "works", key)


def _established_first(ctx: Context, kind: str, ids: list[str]) -> list[str]:
    # Keep the established record (not one being contributed, then alphabetical); report the others.
    return sorted(ids, key=lambda i: (ctx.corpus.focus is not None and ctx.corpus.in_focus(kind, i), i))


def duplicate_works(ctx: Context, rule: Rule) -> Iterator[Problem]:
    groups: dict[WorkIdentity, list[str]] = defaultdict(list)
    works = ctx.corpus.works
    for key, work in works.items():
        identity = work_identity(work, works)
        if identity is not None:
            groups[identity].append(key)
    for keys in groups.values():
        keys = _established_first(ctx, "works", keys)
        for key in keys[1:]:
            yield ctx.at(rule, f"'{key}' looks like a duplicate of '{keys[0]}' (same first author, title and year)", "works", key, ("title",))


def duplicate_agents(ctx: Context, rule: Rule) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for aid in _established_first(ctx, "agents", list(ctx.corpus.agents)):
        agent = ctx.corpus.agents[aid]
        name = fold(agent.display_name)
        if name in seen:
            yield ctx.at(rule, f"'{aid}' has the same name as '{seen[name]}' ({agent.display_name})", "agents", aid)
        else:
            seen[name] = aid


RULES = (
    Rule("CC010", ERROR, "Record id defined twice", "Rename or merge one of the records.",
         "Two files give the same kind of record the same id (for notes: the same number).", duplicate_ids),
    Rule("CC011", ERROR, "Notes missing", "Add the missing records/notes/NNN.yaml.",
         "Every marker [1]..[N] of the essay (N is `notes` in essay.yaml) has a note record. Not checked when validating single files.", notes_complete),
    Rule("CC018", ERROR, "Note number beyond the essay's notes", "Check the number against the marker in the text, or `notes` in essay.yaml.",
         "A note's number is at most the essay's `notes`.", notes_within_count),
    Rule("CC012", ERROR, "Note anchors out of marker order", "Check anchor.paragraph against the text.",
         "Note n+1 never stands in an earlier paragraph than note n.", anchors_in_order),
    Rule("CC013", ERROR, "Reference does not resolve", "Add the referenced record or correct the id.",
         "A work, agent, note or parent named by a record exists.", references_resolve),
    Rule("CC014", ERROR, "Parent works form a cycle", "A work cannot contain itself; fix `parent`.",
         "Following `parent` from any work ends at a work with none.", parents_acyclic),
    Rule("CC015", ERROR, "Citation key not in the agreed form", "familyyearword, lower-case ASCII, e.g. miliband1973coup; add a letter on collision.",
         "Keys are the identity of a work and never change once committed, so they are checked at the door.", key_format, per_record=True),
    Rule("CC016", WARNING, "Likely duplicate work", "Merge the two records, or make the titles say how they differ.",
         "Same first author (or container), folded title and year; a work with no date of its own (a chapter) has its book's.", duplicate_works),
    Rule("CC017", WARNING, "Likely duplicate agent", "Merge the two agents; keep both spellings under `printed`.",
         "Same name once accents, case and punctuation are folded.", duplicate_agents),
)
