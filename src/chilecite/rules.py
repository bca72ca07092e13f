"""Validation rules: one small function per code, registered in the explicit `RULES` table.

The table is the single list of codes: `chilecite rules` prints it and `docs/rules.md` is generated
from it. Codes are stable forever; a retired code is never reused.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

from pydantic import BaseModel

from chilecite.loading import Corpus
from chilecite.models import Citation, Level
from chilecite.report import Problem, Report, Severity
from chilecite.text import ReferenceText
from chilecite.values import DOI_RE, PageSpan, PartialDate, isbn_is_valid

ERROR, WARNING = Severity.error, Severity.warning
ESSAY_DATE = PartialDate(year=1984, season="winter")
KEY_RE = re.compile(r"^[a-z][a-z0-9]*(\d{4}|nd)[a-z0-9]+$")
STATED_WINDOW = 1  # a stated basis may come from the marker's paragraph or the one before it


@dataclass(frozen=True)
class Context:
    corpus: Corpus
    text: ReferenceText | None


Check = Callable[[Context], Iterator[Problem]]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    title: str
    hint: str
    check: Check | None = None  # None: the loader reports this code
    needs_text: bool = False

    def problem(self, message: str, ctx: Context, kind: str, rid: str | int, path: tuple = ()) -> Problem:
        return Problem(code=self.code, severity=self.severity, message=message, hint=self.hint, **ctx.corpus.where(kind, rid, path))


def _rule(code: str) -> Rule:
    return BY_CODE[code]


def _focus(ctx: Context, kind: str, rid: str | int) -> bool:
    return ctx.corpus.in_focus(kind, rid)


# --------------------------------------------------------------------------- helpers


def _citations(ctx: Context) -> Iterator[tuple[str, str | int, tuple, Citation]]:
    """Every citation with the record and field path it sits at."""
    for number, note in ctx.corpus.notes.items():
        for i, citation in enumerate(note.citations):
            yield "notes", number, ("citations", i), citation
    for qid, quotation in ctx.corpus.quotations.items():
        if quotation.source:
            yield "quotations", qid, ("source",), quotation.source
        if quotation.via:
            yield "quotations", qid, ("via",), quotation.via


def _strings(value: object, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string in a record with its field path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), (*path, name))


def _records(ctx: Context) -> Iterator[tuple[str, str | int, object]]:
    c = ctx.corpus
    if c.essay:
        yield "essay", "essay", c.essay
    yield from (("notes", k, v) for k, v in c.notes.items())
    yield from (("works", k, v) for k, v in c.works.items())
    yield from (("agents", k, v) for k, v in c.agents.items())
    yield from (("quotations", k, v) for k, v in c.quotations.items())


def fold(text: str) -> str:
    """Accent- and case-folded, punctuation-free form for duplicate detection and search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", stripped).strip()


# --------------------------------------------------------------------------- corpus rules


def duplicate_ids(ctx: Context) -> Iterator[Problem]:
    for kind, rid, second, first in ctx.corpus.duplicates:
        yield Problem(code="CC010", severity=ERROR, message=f"{kind[:-1] if kind != 'essay' else 'essay'} '{rid}' is defined twice (also in {first.display})",
                      hint=_rule("CC010").hint, file=second.display, line=1, column=1, record=str(rid))


def notes_complete(ctx: Context) -> Iterator[Problem]:
    if ctx.corpus.focus is not None:
        return
    missing = [n for n in range(1, 87) if n not in ctx.corpus.notes]
    if missing:
        yield Problem(code="CC011", severity=ERROR, message=f"notes missing: {_ranges(missing)}", hint=_rule("CC011").hint,
                      file="records/notes", record=None)


def _ranges(numbers: list[int]) -> str:
    out, start = [], None
    for i, n in enumerate(numbers):
        start = n if start is None else start
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(str(start) if start == n else f"{start}-{n}")
            start = None
    return ",".join(out)


def anchors_in_order(ctx: Context) -> Iterator[Problem]:
    previous = None
    for number in sorted(ctx.corpus.notes):
        paragraph = ctx.corpus.notes[number].anchor.paragraph
        if previous and paragraph < previous[1] and _focus(ctx, "notes", number):
            yield _rule("CC012").problem(f"note {number} is anchored in paragraph {paragraph}, before note {previous[0]} (paragraph {previous[1]})", ctx, "notes", number, ("anchor", "paragraph"))
        previous = (number, paragraph)


def references_resolve(ctx: Context) -> Iterator[Problem]:
    c, rule = ctx.corpus, _rule("CC013")
    for kind, rid, path, citation in _citations(ctx):
        if citation.work not in c.works and _focus(ctx, kind, rid):
            yield rule.problem(f"no work '{citation.work}' in records/works", ctx, kind, rid, (*path, "work"))
    for number, note in c.notes.items():
        for i, agent in enumerate(note.quoted):
            if agent not in c.agents and _focus(ctx, "notes", number):
                yield rule.problem(f"no agent '{agent}' in records/agents", ctx, "notes", number, ("quoted", i))
    for qid, q in c.quotations.items():
        if not _focus(ctx, "quotations", qid):
            continue
        for i, agent in enumerate(q.speakers):
            if agent not in c.agents:
                yield rule.problem(f"no agent '{agent}' in records/agents", ctx, "quotations", qid, ("speakers", i))
        if q.note is not None and q.note not in c.notes and c.focus is None:
            yield rule.problem(f"no note {q.note} in records/notes", ctx, "quotations", qid, ("note",))
    for key, work in c.works.items():
        if not _focus(ctx, "works", key):
            continue
        for role in ("authors", "editors", "translators"):
            for i, agent in enumerate(getattr(work, role)):
                if agent not in c.agents:
                    yield rule.problem(f"no agent '{agent}' in records/agents", ctx, "works", key, (role, i))
        if work.parent and work.parent not in c.works:
            yield rule.problem(f"no parent work '{work.parent}' in records/works", ctx, "works", key, ("parent",))
    if c.essay and c.essay.key not in c.works and c.focus is None:
        yield rule.problem(f"the essay's work record '{c.essay.key}' is missing", ctx, "essay", "essay", ("key",))


def parents_acyclic(ctx: Context) -> Iterator[Problem]:
    works = ctx.corpus.works
    for key in works:
        seen, current = [key], works[key].parent
        while current in works:
            if current in seen:
                if _focus(ctx, "works", key):
                    yield _rule("CC014").problem(f"parent works form a cycle: {' -> '.join(seen + [current])}", ctx, "works", key, ("parent",))
                break
            seen.append(current)
            current = works[current].parent


def key_format(ctx: Context) -> Iterator[Problem]:
    for key in ctx.corpus.works:
        if not KEY_RE.match(key) and _focus(ctx, "works", key):
            yield _rule("CC015").problem(f"citation key '{key}' is not in the agreed form", ctx, "works", key)


def duplicate_works(ctx: Context) -> Iterator[Problem]:
    groups: dict[tuple, list[str]] = defaultdict(list)
    for key, work in ctx.corpus.works.items():
        if work.title:
            first = work.authors[0] if work.authors else fold(work.container_title or "")
            groups[(first, fold(work.title), work.issued.start.year if work.issued else None)].append(key)
    for keys in groups.values():
        # Keep the established record (not in focus, then alphabetical); report the others.
        keys = sorted(keys, key=lambda k: (ctx.corpus.focus is not None and _focus(ctx, "works", k), k))
        for key in keys[1:]:
            if _focus(ctx, "works", key):
                yield _rule("CC016").problem(f"'{key}' looks like a duplicate of '{keys[0]}' (same first author, title and year)", ctx, "works", key, ("title",))


def duplicate_agents(ctx: Context) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    ordered = sorted(ctx.corpus.agents.items(), key=lambda item: (ctx.corpus.focus is not None and _focus(ctx, "agents", item[0]), item[0]))
    for aid, agent in ordered:
        name = fold(agent.display_name)
        if name in seen:
            if _focus(ctx, "agents", aid):
                yield _rule("CC017").problem(f"'{aid}' has the same name as '{seen[name]}' ({agent.display_name})", ctx, "agents", aid)
        else:
            seen[name] = aid


# --------------------------------------------------------------------------- anchors (need the text)


def essay_text_matches(ctx: Context) -> Iterator[Problem]:
    essay = ctx.corpus.essay
    if essay and ctx.text and essay.text_sha256 != ctx.text.sha256 and _focus(ctx, "essay", "essay"):
        yield _rule("CC025").problem(f"the reference text's SHA-256 is {ctx.text.sha256[:12]}…, the essay record says {essay.text_sha256[:12]}…", ctx, "essay", "essay", ("text_sha256",))


def sections_match(ctx: Context) -> Iterator[Problem]:
    essay, text = ctx.corpus.essay, ctx.text
    if not essay or not text or not _focus(ctx, "essay", "essay"):
        return
    rule = _rule("CC026")
    headings = {h.number: h.text for h in text.headings}
    expected_next = 1
    for i, section in enumerate(essay.sections):
        if section.first_paragraph != expected_next:
            yield rule.problem(f"section {i + 1} starts at paragraph {section.first_paragraph}; the previous one ends at {expected_next - 1}", ctx, "essay", "essay", ("sections", i, "first_paragraph"))
        if section.heading is not None and headings.get(section.first_paragraph) != section.heading:
            yield rule.problem(f"paragraph {section.first_paragraph} is not the heading '{section.heading}'", ctx, "essay", "essay", ("sections", i, "heading"))
        expected_next = section.last_paragraph + 1
    if expected_next - 1 != len(text.paragraphs):
        yield rule.problem(f"sections end at paragraph {expected_next - 1}; the text has {len(text.paragraphs)}", ctx, "essay", "essay", ("sections",))
    recorded = {s.first_paragraph for s in essay.sections if s.heading}
    for number, heading in headings.items():
        if number not in recorded:
            yield rule.problem(f"heading '{heading}' (paragraph {number}) has no section", ctx, "essay", "essay", ("sections",))


def paragraph_in_range(ctx: Context) -> Iterator[Problem]:
    count = len(ctx.text.paragraphs)
    for number, note in ctx.corpus.notes.items():
        if not 1 <= note.anchor.paragraph <= count and _focus(ctx, "notes", number):
            yield _rule("CC020").problem(f"paragraph {note.anchor.paragraph} is out of range (1-{count})", ctx, "notes", number, ("anchor", "paragraph"))
    for qid, q in ctx.corpus.quotations.items():
        if not 1 <= q.anchor.paragraph <= count and _focus(ctx, "quotations", qid):
            yield _rule("CC020").problem(f"paragraph {q.anchor.paragraph} is out of range (1-{count})", ctx, "quotations", qid, ("anchor", "paragraph"))


def note_marker_placed(ctx: Context) -> Iterator[Problem]:
    rule = _rule("CC021")
    for number, note in ctx.corpus.notes.items():
        paragraph = ctx.text.paragraph(note.anchor.paragraph)
        if paragraph is None or not _focus(ctx, "notes", number):
            continue
        marker = f"[{number}]"
        position = paragraph.text.find(marker)
        if position < 0:
            yield rule.problem(f"marker {marker} is not in paragraph {note.anchor.paragraph}", ctx, "notes", number, ("anchor", "paragraph"))
        elif not paragraph.text[:position].rstrip().endswith(note.anchor.before.rstrip()):
            actual = paragraph.text[max(0, position - 40):position].rstrip()
            yield rule.problem(f"the words before {marker} are '…{actual}', not '{note.anchor.before}'", ctx, "notes", number, ("anchor", "before"))


def quotation_anchored(ctx: Context) -> Iterator[Problem]:
    rule, text = _rule("CC022"), ctx.text.text
    for qid, q in ctx.corpus.quotations.items():
        if not _focus(ctx, "quotations", qid):
            continue
        sel, pos = q.anchor.quote, q.anchor.position
        found = text[pos.start:pos.end]
        if found != sel.exact:
            where = text.find(sel.exact)
            moved = f"; the exact text is at {where}-{where + len(sel.exact)}" if where >= 0 else "; the exact text is nowhere in the reference text"
            yield rule.problem(f"the text at {pos.start}-{pos.end} is not the quotation{moved}", ctx, "quotations", qid, ("anchor", "position"))
            continue
        if not text[:pos.start].endswith(sel.prefix):
            yield rule.problem(f"prefix does not match the text before offset {pos.start}: '…{text[max(0, pos.start - len(sel.prefix)):pos.start]}'", ctx, "quotations", qid, ("anchor", "quote", "prefix"))
        if not text[pos.end:].startswith(sel.suffix):
            yield rule.problem(f"suffix does not match the text after offset {pos.end}: '{text[pos.end:pos.end + len(sel.suffix)]}…'", ctx, "quotations", qid, ("anchor", "quote", "suffix"))
        paragraph = ctx.text.paragraph_at(pos.start)
        if paragraph and paragraph.number != q.anchor.paragraph:
            yield rule.problem(f"offset {pos.start} is in paragraph {paragraph.number}, not {q.anchor.paragraph}", ctx, "quotations", qid, ("anchor", "paragraph"))


def blocks_covered(ctx: Context) -> Iterator[Problem]:
    if ctx.corpus.focus is not None:
        return
    covered = {q.anchor.paragraph for q in ctx.corpus.quotations.values() if q.display == "block"}
    for paragraph in ctx.text.block_quotation_paragraphs:
        if paragraph.number not in covered:
            yield Problem(code="CC024", severity=ERROR, message=f"block quotation in paragraph {paragraph.number} ('{paragraph.text[:40]}…') has no quotation record",
                          hint=_rule("CC024").hint, file="records/quotations")


def stated_basis_verbatim(ctx: Context) -> Iterator[Problem]:
    rule = _rule("CC030")
    for kind, rid, path, citation in _citations(ctx):
        if citation.level is not Level.stated or not _focus(ctx, kind, rid):
            continue
        paragraph = _anchor_paragraph(ctx, kind, rid)
        if paragraph is None:
            continue
        window = " ".join(p.text for p in ctx.text.paragraphs[max(0, paragraph - 1 - STATED_WINDOW):paragraph])
        if citation.basis not in window:
            yield rule.problem(f"basis '{citation.basis[:60]}' is not the essay's words in paragraph {paragraph} or the one before", ctx, kind, rid, (*path, "basis"))


def _anchor_paragraph(ctx: Context, kind: str, rid: str | int) -> int | None:
    if kind == "notes":
        return ctx.corpus.notes[int(rid)].anchor.paragraph
    return ctx.corpus.quotations[str(rid)].anchor.paragraph


def attributed_no_locator(ctx: Context) -> Iterator[Problem]:
    for kind, rid, path, citation in _citations(ctx):
        if citation.level is Level.attributed and citation.locator and _focus(ctx, kind, rid):
            yield _rule("CC031").problem("an attributed citation carries a locator it could not have checked", ctx, kind, rid, (*path, "locator"))


def status_matches_citations(ctx: Context) -> Iterator[Problem]:
    rule = _rule("CC032")
    for number, note in ctx.corpus.notes.items():
        if not _focus(ctx, "notes", number):
            continue
        if note.status == "unidentified" and note.citations:
            yield rule.problem("an unidentified note has citations", ctx, "notes", number, ("citations",))
        if note.status == "identified" and not note.citations:
            yield rule.problem("an identified note has no citation", ctx, "notes", number, ("status",))


def basis_substantive(ctx: Context) -> Iterator[Problem]:
    for kind, rid, path, citation in _citations(ctx):
        if len(citation.basis.split()) < 3 and _focus(ctx, kind, rid):
            yield _rule("CC033").problem(f"basis '{citation.basis}' says too little to be checked", ctx, kind, rid, (*path, "basis"))


# --------------------------------------------------------------------------- values


def _dated(ctx: Context) -> Iterator[tuple[str, str, tuple, object]]:
    for key, work in ctx.corpus.works.items():
        for name in ("issued", "original_date"):
            if getattr(work, name):
                yield "works", key, (name,), getattr(work, name)
    for qid, q in ctx.corpus.quotations.items():
        if q.date:
            yield "quotations", qid, ("date",), q.date


def date_ranges_ordered(ctx: Context) -> Iterator[Problem]:
    for kind, rid, path, span in _dated(ctx):
        if span.end and span.end.sort_key() < span.start.sort_key() and _focus(ctx, kind, rid):
            yield _rule("CC040").problem(f"date range {span} ends before it starts", ctx, kind, rid, path)


def no_work_after_essay(ctx: Context) -> Iterator[Problem]:
    essay_key = ctx.corpus.essay.key if ctx.corpus.essay else None
    for kind, rid, path, span in _dated(ctx):
        if rid == essay_key or not _focus(ctx, kind, rid):
            continue
        if span.start.sort_key() > ESSAY_DATE.sort_key():
            yield _rule("CC041").problem(f"{span} is after the essay (winter 1984)", ctx, kind, rid, path)


def locators_well_formed(ctx: Context) -> Iterator[Problem]:
    rule = _rule("CC042")
    for kind, rid, path, citation in _citations(ctx):
        loc = citation.locator
        if loc and loc.label == "page" and _focus(ctx, kind, rid):
            try:
                span = PageSpan.parse(loc.value)
            except ValueError:
                yield rule.problem(f"page locator '{loc.value}' is not a page or page range", ctx, kind, rid, (*path, "locator", "value"))
                continue
            if not span.in_order:
                yield rule.problem(f"page range {loc.value} ends before it starts", ctx, kind, rid, (*path, "locator", "value"))
    for key, work in ctx.corpus.works.items():
        if work.pages and not work.pages.in_order and _focus(ctx, "works", key):
            yield rule.problem(f"page range {work.pages} ends before it starts", ctx, "works", key, ("pages",))


def isbn_valid(ctx: Context) -> Iterator[Problem]:
    for key, work in ctx.corpus.works.items():
        if work.isbn and not isbn_is_valid(work.isbn) and _focus(ctx, "works", key):
            yield _rule("CC043").problem(f"ISBN {work.isbn} fails its check digit", ctx, "works", key, ("isbn",))


def doi_valid(ctx: Context) -> Iterator[Problem]:
    for key, work in ctx.corpus.works.items():
        if work.doi and not DOI_RE.match(work.doi) and _focus(ctx, "works", key):
            yield _rule("CC044").problem(f"'{work.doi}' is not a DOI (10.NNNN/suffix)", ctx, "works", key, ("doi",))


def url_absolute(ctx: Context) -> Iterator[Problem]:
    for key, work in ctx.corpus.works.items():
        if work.url and _focus(ctx, "works", key):
            try:
                parsed = urlparse(work.url)
            except ValueError:  # e.g. an unclosed IPv6 bracket
                parsed = None
            if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
                yield _rule("CC045").problem(f"'{work.url}' is not an absolute http(s) URL", ctx, "works", key, ("url",))


# --------------------------------------------------------------------------- text hygiene

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def unicode_nfc(ctx: Context) -> Iterator[Problem]:
    for kind, rid, record in _records(ctx):
        for path, value in _strings(record):
            if unicodedata.normalize("NFC", value) != value and _focus(ctx, kind, rid):
                yield _rule("CC050").problem("text is not in Unicode NFC form", ctx, kind, rid, path)


def no_control_characters(ctx: Context) -> Iterator[Problem]:
    for kind, rid, record in _records(ctx):
        for path, value in _strings(record):
            if _CONTROL_RE.search(value) and _focus(ctx, kind, rid):
                yield _rule("CC051").problem(f"control character U+{ord(_CONTROL_RE.search(value).group()):04X} in text", ctx, kind, rid, path)


def no_outer_whitespace(ctx: Context) -> Iterator[Problem]:
    for kind, rid, record in _records(ctx):
        for path, value in _strings(record):
            if path[-1:] in (("prefix",), ("suffix",)):
                continue  # selector context is verbatim text and may start or end with a space
            if value != value.strip() and _focus(ctx, kind, rid):
                yield _rule("CC052").problem("text has leading or trailing white space", ctx, kind, rid, path)


def quotes_as_printed(ctx: Context) -> Iterator[Problem]:
    for qid, q in ctx.corpus.quotations.items():
        if ("'" in q.text or '"' in q.text) and _focus(ctx, "quotations", qid):
            yield _rule("CC053").problem("quotation text has straight quotes; the essay prints curly ones", ctx, "quotations", qid, ("anchor", "quote", "exact"))


# --------------------------------------------------------------------------- coverage


def printed_spellings_occur(ctx: Context) -> Iterator[Problem]:
    for aid, agent in ctx.corpus.agents.items():
        for i, spelling in enumerate(agent.printed):
            if spelling not in ctx.text.text and _focus(ctx, "agents", aid):
                yield _rule("CC060").problem(f"printed spelling '{spelling}' does not occur in the essay", ctx, "agents", aid, ("printed", i))


def works_cited(ctx: Context) -> Iterator[Problem]:
    c = ctx.corpus
    used = {citation.work for *_, citation in _citations(ctx)} | {w.parent for w in c.works.values() if w.parent}
    if c.essay:
        used.add(c.essay.key)
    for key in c.works:
        if key not in used and _focus(ctx, "works", key):
            yield _rule("CC061").problem(f"work '{key}' is cited by no note or quotation", ctx, "works", key)


def quotations_tied(ctx: Context) -> Iterator[Problem]:
    for qid, q in ctx.corpus.quotations.items():
        if q.note is None and not q.note_reason and _focus(ctx, "quotations", qid):
            yield _rule("CC062").problem("quotation is tied to no note and does not say why", ctx, "quotations", qid, ("note",))


def speakers_named(ctx: Context) -> Iterator[Problem]:
    for qid, q in ctx.corpus.quotations.items():
        if not q.speakers and not q.speaker_description and _focus(ctx, "quotations", qid):
            yield _rule("CC063").problem("quotation names nobody as speaker", ctx, "quotations", qid, ("speakers",))


# --------------------------------------------------------------------------- the table

RULES: tuple[Rule, ...] = (
    Rule("CC001", ERROR, "File is not readable YAML (syntax error or not UTF-8)", "Fix the line shown; save as UTF-8."),
    Rule("CC002", ERROR, "Duplicate key in a mapping", "Keep one of the two keys; YAML would silently drop the other."),
    Rule("CC003", ERROR, "YAML anchor or alias", "Write values out in full; anchors and aliases are refused (billion laughs)."),
    Rule("CC004", ERROR, "YAML tag that would build an object", "Remove the tag; records hold plain strings, numbers, lists and mappings."),
    Rule("CC005", ERROR, "Field missing, unknown, or of the wrong type", "See the field's description in schemas/."),
    Rule("CC006", ERROR, "File too large for a record", "A record is a few kilobytes; shorten it."),
    Rule("CC007", ERROR, "File name or place does not fit the record", "notes/NNN.yaml, works/<key>.yaml, agents/<id>.yaml, quotations/<id>.yaml."),
    Rule("CC010", ERROR, "Record id defined twice", "Rename or merge one of the records.", duplicate_ids),
    Rule("CC011", ERROR, "Notes 1-86 not all present", "Add the missing records/notes/NNN.yaml.", notes_complete),
    Rule("CC012", ERROR, "Note anchors out of marker order", "Check anchor.paragraph against the text.", anchors_in_order),
    Rule("CC013", ERROR, "Reference does not resolve", "Add the referenced record or correct the id.", references_resolve),
    Rule("CC014", ERROR, "Parent works form a cycle", "A work cannot contain itself; fix `parent`.", parents_acyclic),
    Rule("CC015", ERROR, "Citation key not in the agreed form", "familyyearword, lower-case ASCII, e.g. miliband1973coup; add a letter on collision.", key_format),
    Rule("CC016", WARNING, "Likely duplicate work", "Merge the two records, or make the titles say how they differ.", duplicate_works),
    Rule("CC017", WARNING, "Likely duplicate agent", "Merge the two agents; keep both spellings under `printed`.", duplicate_agents),
    Rule("CC020", ERROR, "Anchor paragraph out of range", "Paragraphs are the non-empty lines of the reference text, from 1.", paragraph_in_range, True),
    Rule("CC021", ERROR, "Note marker not where the note says", "anchor.before must be the words just before [n] in that paragraph.", note_marker_placed, True),
    Rule("CC022", ERROR, "Quotation selectors do not match the text", "exact must stand at start-end, prefix before it and suffix after it.", quotation_anchored, True),
    Rule("CC024", ERROR, "Block quotation without a quotation record", "Add records/quotations/<id>.yaml for it.", blocks_covered, True),
    Rule("CC025", ERROR, "Reference text is not the one the records anchor to", "Use the text whose SHA-256 is in records/essay.yaml.", essay_text_matches, True),
    Rule("CC026", ERROR, "Sections do not match the text's headings", "Sections run in order, from paragraph 1 to the last, one per heading.", sections_match, True),
    Rule("CC030", ERROR, "`stated` basis is not the essay's own words", "Quote the essay verbatim from the marker's paragraph or the one before, or lower the level.", stated_basis_verbatim, True),
    Rule("CC031", ERROR, "`attributed` citation with a locator", "Remove the locator, or check the work and raise the level to verified.", attributed_no_locator),
    Rule("CC032", ERROR, "Note status disagrees with its citations", "unidentified notes have no citations; identified ones have at least one.", status_matches_citations),
    Rule("CC033", WARNING, "Basis too short to be checked", "Say where the words were found, or why the attribution holds.", basis_substantive),
    Rule("CC040", ERROR, "Date range out of order", "Write START/END with START first.", date_ranges_ordered),
    Rule("CC041", ERROR, "Cited work dated after the essay", "The essay appeared in winter 1984; check the date.", no_work_after_essay),
    Rule("CC042", ERROR, "Locator or pages malformed", "Pages are 45 or 45–86, first <= last.", locators_well_formed),
    Rule("CC043", ERROR, "ISBN check digit fails", "Copy the ISBN again from the book or a catalogue.", isbn_valid),
    Rule("CC044", ERROR, "DOI malformed", "Write the bare DOI, 10.NNNN/suffix.", doi_valid),
    Rule("CC045", ERROR, "URL not absolute", "Write a full http(s):// address.", url_absolute),
    Rule("CC050", ERROR, "Text not in Unicode NFC", "Re-save with composed accents (é, not e + combining accent).", unicode_nfc),
    Rule("CC051", ERROR, "Control character in text", "Delete the invisible character.", no_control_characters),
    Rule("CC052", ERROR, "Leading or trailing white space", "Trim the value.", no_outer_whitespace),
    Rule("CC053", ERROR, "Straight quotes in a quotation", "Keep the curly quotes as the essay prints them.", quotes_as_printed),
    Rule("CC060", ERROR, "Printed spelling not in the essay", "`printed` lists spellings that occur in the text, exactly.", printed_spellings_occur, True),
    Rule("CC061", WARNING, "Work cited by no note", "Cite it from a note or quotation, or remove it.", works_cited),
    Rule("CC062", WARNING, "Quotation tied to no note, without a reason", "Set `note`, or say in `note_reason` why there is none.", quotations_tied),
    Rule("CC063", WARNING, "Quotation without a speaker", "Name who is quoted in `speakers`, or say who in `speaker_description`.", speakers_named),
    Rule("CC070", WARNING, "Imported field not mapped", "Copy what matters into the record by hand (often into `comment`), or leave it out."),
    Rule("CC071", ERROR, "Imported entry could not be parsed", "Fix the entry in the reference manager or the .bib file and import it again."),
    Rule("CC072", WARNING, "Imported citation key renamed (taken, or not in the agreed form)", "Cite the work by its new key; if it is the corpus work of that key, keep that record instead."),
)
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def validate(corpus: Corpus, text: ReferenceText | None, *, select: frozenset[str] = frozenset(), ignore: frozenset[str] = frozenset()) -> Report:
    """Run every selected rule over a loaded corpus and return one report with every problem."""

    def chosen(code: str) -> bool:
        return (not select or any(code.startswith(s) for s in select)) and not any(code.startswith(i) for i in ignore)

    ctx = Context(corpus, text)
    problems = [p for p in corpus.problems if chosen(p.code)]
    skipped = []
    for rule in RULES:
        if rule.check is None or not chosen(rule.code):
            continue
        if rule.needs_text and text is None:
            skipped.append(f"{rule.code} {rule.title} (no reference text: pass --essay FILE or set CHILECITE_ESSAY)")
            continue
        problems.extend(rule.check(ctx))
    return Report(problems=problems, skipped=skipped, checked_files=corpus.files)


def rules_markdown() -> str:
    """docs/rules.md, generated from the table."""
    lines = ["# Validation rules", "", "Generated from `chilecite.rules.RULES` by `chilecite rules --format markdown`; do not edit by hand.", "",
             "| code | severity | rule | hint | needs the text |", "| --- | --- | --- | --- | --- |"]
    for rule in RULES:
        lines.append(f"| {rule.code} | {rule.severity.value} | {rule.title} | {rule.hint} | {'yes' if rule.needs_text else ''} |")
    return "\n".join(lines) + "\n"
