"""Codes for anchors: every note marker and quotation stands where its record says, in the reference text."""

from __future__ import annotations

from collections.abc import Iterator

from chilecite.problems import Problem, Rule
from chilecite.rules.base import ERROR, Context
from chilecite.text import fingerprint


def paragraph_in_range(ctx: Context, rule: Rule) -> Iterator[Problem]:
    assert ctx.text is not None
    count = len(ctx.text.paragraphs)
    for number, note in ctx.corpus.notes.items():
        if not 1 <= note.anchor.paragraph <= count:
            yield ctx.at(rule, f"paragraph {note.anchor.paragraph} is out of range (1-{count})", "notes", number, ("anchor", "paragraph"))
    for qid, q in ctx.corpus.quotations.items():
        if not 1 <= q.anchor.paragraph <= count:
            yield ctx.at(rule, f"paragraph {q.anchor.paragraph} is out of range (1-{count})", "quotations", qid, ("anchor", "paragraph"))


def note_marker_placed(ctx: Context, rule: Rule) -> Iterator[Problem]:
    assert ctx.text is not None
    for number, note in ctx.corpus.notes.items():
        paragraph = ctx.text.paragraph(note.anchor.paragraph)
        if paragraph is None:
            continue
        marker = f"[{number}]"
        position = paragraph.text.find(marker)
        if position < 0:
            yield ctx.at(rule, f"marker {marker} is not in paragraph {note.anchor.paragraph}", "notes", number, ("anchor", "paragraph"))
        elif not paragraph.text[:position].rstrip().endswith(note.anchor.before.rstrip()):
            actual = paragraph.text[max(0, position - 40):position].rstrip()
            yield ctx.at(rule, f"the words before {marker} are '…{ctx.excerpt(actual)}', not '{note.anchor.before}'", "notes", number, ("anchor", "before"))


def quotation_anchored(ctx: Context, rule: Rule) -> Iterator[Problem]:
    assert ctx.text is not None
    text = ctx.text.text
    for qid, q in ctx.corpus.quotations.items():
        sel, pos = q.anchor.quote, q.anchor.position
        if text[pos.start:pos.end] != sel.exact:
            where = text.find(sel.exact)
            moved = f"; the exact text is at {where}-{where + len(sel.exact)}" if where >= 0 else "; the exact text is nowhere in the reference text"
            yield ctx.at(rule, f"the text at {pos.start}-{pos.end} is not the quotation{moved}", "quotations", qid, ("anchor", "position"))
            continue
        if not text.startswith(sel.prefix, pos.start - len(sel.prefix)) or pos.start < len(sel.prefix):
            before = text[max(0, pos.start - len(sel.prefix)):pos.start]
            yield ctx.at(rule, f"prefix does not match the text before offset {pos.start}: '…{ctx.excerpt(before)}'", "quotations", qid,
                         ("anchor", "quote", "prefix"))
        if not text.startswith(sel.suffix, pos.end):
            yield ctx.at(rule, f"suffix does not match the text after offset {pos.end}: '{ctx.excerpt(text[pos.end:pos.end + len(sel.suffix)])}…'",
                         "quotations", qid, ("anchor", "quote", "suffix"))
        paragraph = ctx.text.paragraph_at(pos.start)
        if paragraph and paragraph.number != q.anchor.paragraph:
            yield ctx.at(rule, f"offset {pos.start} is in paragraph {paragraph.number}, not {q.anchor.paragraph}", "quotations", qid, ("anchor", "paragraph"))


def blocks_covered(ctx: Context, rule: Rule) -> Iterator[Problem]:
    assert ctx.text is not None
    if any(kind == "quotations" for kind, _ in ctx.corpus.unloaded):
        return  # the broken quotation file may be the missing record: it reports its own fault
    covered = {q.anchor.paragraph for q in ctx.corpus.quotations.values() if q.display == "block"}
    for paragraph in ctx.text.block_quotation_paragraphs:
        if paragraph.number not in covered:
            yield rule.problem(f"block quotation in paragraph {paragraph.number} ('{ctx.excerpt(paragraph.text[:40])}…') has no quotation record",
                               file="records/quotations", kind="quotations")


def essay_text_matches(ctx: Context, rule: Rule) -> Iterator[Problem]:
    essay = ctx.corpus.essay
    if essay and ctx.text and essay.text_sha256 != ctx.text.sha256:
        yield ctx.at(rule, f"the reference text's SHA-256 is {ctx.text.sha256[:12]}…, the essay record says {essay.text_sha256[:12]}…",
                     "essay", "essay", ("text_sha256",))


def text_size_recorded(ctx: Context, rule: Rule) -> Iterator[Problem]:
    essay = ctx.corpus.essay
    if essay and essay.text_bytes is not None and ctx.text_is_reference:
        size = ctx.text.size if ctx.text else 0
        if size != essay.text_bytes:
            yield ctx.at(rule, f"text_bytes is {essay.text_bytes:,}; the reference text is {size:,} bytes", "essay", "essay", ("text_bytes",))


def sections_match(ctx: Context, rule: Rule) -> Iterator[Problem]:
    essay, text = ctx.corpus.essay, ctx.text
    if not essay or not text:
        return
    headings = {h.number: h.text for h in text.headings}
    expected_next = 1
    for i, section in enumerate(essay.sections):
        if section.first_paragraph != expected_next:
            yield ctx.at(rule, f"section {i + 1} starts at paragraph {section.first_paragraph}; the previous one ends at {expected_next - 1}",
                         "essay", "essay", ("sections", i, "first_paragraph"))
        if section.heading is not None and headings.get(section.first_paragraph) != section.heading:
            yield ctx.at(rule, f"paragraph {section.first_paragraph} is not the heading '{section.heading}'", "essay", "essay", ("sections", i, "heading"))
        expected_next = section.last_paragraph + 1
    if expected_next - 1 != len(text.paragraphs):
        yield ctx.at(rule, f"sections end at paragraph {expected_next - 1}; the text has {len(text.paragraphs)}", "essay", "essay", ("sections",))
    recorded = {s.first_paragraph for s in essay.sections if s.heading}
    for number, heading in headings.items():
        if number not in recorded:
            yield ctx.at(rule, f"heading '{ctx.excerpt(heading)}' (paragraph {number}) has no section", "essay", "essay", ("sections",))


def fingerprints_match(ctx: Context, rule: Rule) -> Iterator[Problem]:
    essay, text = ctx.corpus.essay, ctx.text
    if not essay or not text or not essay.paragraph_fingerprints:
        return
    prints = essay.paragraph_fingerprints
    if len(prints) != len(text.paragraphs):
        yield ctx.at(rule, f"{len(prints)} paragraph fingerprints for {len(text.paragraphs)} paragraphs", "essay", "essay", ("paragraph_fingerprints",))
        return
    for i, (recorded, paragraph) in enumerate(zip(prints, text.paragraphs, strict=True)):
        if fingerprint(paragraph.text) != recorded:
            yield ctx.at(rule, f"paragraph {paragraph.number}'s fingerprint is not {recorded}", "essay", "essay", ("paragraph_fingerprints", i))
            return


def markers_match_count(ctx: Context, rule: Rule) -> Iterator[Problem]:
    assert ctx.text is not None
    numbers = [m.number for m in ctx.text.markers]
    expected = list(range(1, ctx.corpus.note_count + 1))
    if ctx.corpus.essay and numbers != expected:
        yield ctx.at(rule, f"the text's markers run {numbers[:1]}…{numbers[-1:]} ({len(numbers)} of them); essay.yaml says notes: {ctx.corpus.note_count}",
                     "essay", "essay", ("notes",))


RULES = (
    Rule("CC020", ERROR, "Anchor paragraph out of range", "Paragraphs are the non-empty lines of the reference text, from 1.",
         "", paragraph_in_range, needs_text=True, per_record=True),
    Rule("CC021", ERROR, "Note marker not where the note says", "anchor.before must be the words just before [n] in that paragraph.",
         "The marker [n] is in the anchor's paragraph and the recorded words stand just before it.", note_marker_placed, needs_text=True, per_record=True),
    Rule("CC022", ERROR, "Quotation selectors do not match the text", "exact must stand at start-end, prefix before it and suffix after it.",
         "TextQuoteSelector and TextPositionSelector agree with each other and with the text.", quotation_anchored, needs_text=True, per_record=True),
    Rule("CC024", ERROR, "Block quotation without a quotation record", "Add records/quotations/<id>.yaml for it.",
         "A paragraph introduced by a colon or a broken-off sentence is a block quotation and has a record.", blocks_covered, needs_text=True),
    Rule("CC025", ERROR, "Reference text is not the one the records anchor to", "Use the text whose SHA-256 is in records/essay.yaml (`chilecite essay`).",
         "", essay_text_matches, needs_text=True),
    Rule("CC029", ERROR, "Text size in essay.yaml is not the reference text's", "Set `text_bytes` to the size of the reference text in bytes.",
         "`text_bytes` bounds what `chilecite essay import` reads, so it must be the size of the text whose SHA-256 essay.yaml gives.",
         text_size_recorded, needs_text=True),
    Rule("CC026", ERROR, "Sections do not match the text's headings", "Sections run in order, from paragraph 1 to the last, one per heading.",
         "", sections_match, needs_text=True),
    Rule("CC027", ERROR, "Paragraph fingerprints do not match the text", "Regenerate them from the reference text: `chilecite essay fingerprints`.",
         "essay.yaml keeps a fingerprint of each paragraph, used to check a copy of the essay; they must describe the reference text.",
         fingerprints_match, needs_text=True),
    Rule("CC028", ERROR, "Note markers do not match the essay's note count", "Set `notes` in essay.yaml to the number of markers [1]..[N] in the text.",
         "The text's markers are [1], [2], … [N] in order, N being `notes`.", markers_match_count, needs_text=True),
)
