"""Finding quotations and notes by words, and listing quotations by speaker, section or note.

Matching is accent- and case-insensitive: both the query and the records are folded with
`chilecite.vocabulary.fold` (NFKD, combining marks dropped, case-folded), so `corvalan` finds
Corvalán and `DENOUEMENT` finds "denouément". A query word matches a record word that equals it
or starts with it (`nationalis` finds "nationalisation").

Ranking: more distinct query words matched first; then the tightest phrase (the smallest span
of record words holding every matched query word; 0 when the words stand together in order);
then quotations before notes; then by id.

Highlighting: `Hit.text` marks each matched word as `[word]` (plain text, no ANSI codes);
`Hit.markdown` marks it as `**word**`. The words keep their printed accents.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from itertools import product

from chilecite.corpus import Corpus
from chilecite.errors import NotFound, UsageError
from chilecite.models import Organisation, Person, Quotation
from chilecite.vocabulary import closest, fold

_WORD_RE = re.compile(r"\w+", re.UNICODE)
SNIPPET = 240
MAX_QUERY_WORDS = 24  # each word costs a pass over every record


@dataclass(frozen=True)
class Hit:
    """One quotation or note found by a search."""

    kind: str  # "quotation" or "note"
    id: str  # quotation id, or the note number as a string
    matched: tuple[str, ...]  # the (folded) query words found
    span: int  # proximity: words between the first and last matched word, minus the matched ones
    field: str  # where the best match is: text, speaker, commentary, anchor, quoted
    text: str  # the matching passage with matches as [word]
    markdown: str  # the same with matches as **word**
    plain: str = dataclasses.field(repr=False, default="")  # the passage without marks

    @property
    def score(self) -> int:
        return len(self.matched)

    def sort_key(self) -> tuple:
        return (-len(self.matched), self.span, 0 if self.kind == "quotation" else 1, (self.kind == "note" and int(self.id)) or 0, self.id)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "score": self.score, "span": self.span, "matched": list(self.matched),
                "field": self.field, "text": self.text, "markdown": self.markdown}


def query_words(words: str | list[str] | tuple[str, ...]) -> list[str]:
    """Folded, de-duplicated query words in order."""
    text = words if isinstance(words, str) else " ".join(words)
    seen: list[str] = []
    for word in fold(text).split():
        if word not in seen:
            seen.append(word)
    return seen


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded) for each word of the text; a word folding to several (`l’état`) is kept whole."""
    out = []
    for m in _WORD_RE.finditer(text):
        folded = fold(m.group()).replace(" ", "")
        if folded:
            out.append((m.start(), m.end(), folded))
    return out


def _matches(token: str, word: str) -> bool:
    return token == word or (len(word) >= 3 and token.startswith(word))


def _score(text: str, words: list[str]) -> tuple[set[str], int, list[tuple[int, int]]]:
    """Matched query words, proximity span, and the character ranges to highlight."""
    tokens = _tokens(text)
    positions: dict[str, list[int]] = {w: [] for w in words}
    ranges = []
    for i, (start, end, token) in enumerate(tokens):
        hit = False
        for w in words:
            if _matches(token, w):
                positions[w].append(i)
                hit = True
        if hit:
            ranges.append((start, end))
    found = {w for w, p in positions.items() if p}
    span = _span([positions[w] for w in words if positions[w]])
    return found, span, ranges


def _span(lists: list[list[int]]) -> int:
    """Smallest window (in words, beyond the matched words themselves) holding one position of each list."""
    if len(lists) <= 1:
        return 0
    best = None
    # small lists in practice; cap the product to stay fast on long commentaries
    trimmed = [sorted(p)[:12] for p in lists]
    for combo in product(*trimmed):
        width = max(combo) - min(combo) + 1 - len(lists)
        order_penalty = 0 if list(combo) == sorted(combo) else 1
        value = max(width, 0) * 2 + order_penalty
        best = value if best is None else min(best, value)
    return best or 0


def _mark(text: str, ranges: list[tuple[int, int]], before: str, after: str) -> str:
    out, last = [], 0
    for start, end in ranges:
        out.append(text[last:start])
        out.append(f"{before}{text[start:end]}{after}")
        last = end
    out.append(text[last:])
    return "".join(out)


def _snippet(text: str, ranges: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """A window of about SNIPPET characters around the first match, with the ranges moved into it."""
    if len(text) <= SNIPPET or not ranges:
        return text, ranges
    start = max(0, ranges[0][0] - SNIPPET // 3)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = min(len(text), start + SNIPPET)
    while end < len(text) and not text[end].isspace():
        end += 1
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    moved = [(a - start + len(prefix), b - start + len(prefix)) for a, b in ranges if a >= start and b <= end]
    return prefix + text[start:end] + suffix, moved


def _agent_names(corpus: Corpus, ids: list[str]) -> str:
    names = []
    for agent_id in ids:
        agent = corpus.agents.get(agent_id)
        if isinstance(agent, Person):
            names += [agent.display_name, *agent.printed]
        elif isinstance(agent, Organisation):
            names += [agent.name, *( [agent.short_name] if agent.short_name else [] ), *agent.printed]
        else:
            names.append(agent_id)
    return "; ".join(names)


def _best(fields: list[tuple[str, str]], words: list[str]) -> tuple[set[str], int, str, str, list[tuple[int, int]]] | None:
    """Combine fields: matched words are the union; the passage shown is the field matching most."""
    union: set[str] = set()
    best = None
    for name, text in fields:
        if not text:
            continue
        found, span, ranges = _score(text, words)
        union |= found
        if found and (best is None or len(found) > len(best[0])):  # ties: the earlier field
            best = (found, span, name, text, ranges)
    if best is None:
        return None
    return union, best[1] if best[0] == union else best[1] + 1000, best[2], best[3], best[4]


def search(corpus: Corpus, words: str | list[str] | tuple[str, ...], *, notes: bool = True) -> list[Hit]:
    """Quotations (by their words, speakers, occasion, id) and notes (by commentary, anchor words,
    quoted agents' names) matching any of the words, best first."""
    query = query_words(words)
    if not query:
        return []
    if len(query) > MAX_QUERY_WORDS:
        raise UsageError(f"{len(query)} search words; at most {MAX_QUERY_WORDS} are looked for", hint="search for the distinctive words")
    hits: list[Hit] = []
    for qid, q in corpus.quotations.items():
        # shown: "Speaker names — words"; the occasion and the id count for matching only when
        # the passage itself matches less
        names = _agent_names(corpus, q.speakers)
        passage = f"{names} — {q.text}" if names else q.text
        fields = [("text", passage), ("occasion", q.occasion or ""), ("id", qid.replace("-", " "))]
        hit = _hit("quotation", qid, fields, query)
        if hit:
            hits.append(hit)
    if notes:
        for number, note in corpus.notes.items():
            fields = [("commentary", note.commentary or ""), ("anchor", note.anchor.before), ("quoted", _agent_names(corpus, note.quoted))]
            hit = _hit("note", str(number), fields, query)
            if hit:
                hits.append(hit)
    return sorted(hits, key=Hit.sort_key)


def _hit(kind: str, rid: str, fields: list[tuple[str, str]], query: list[str]) -> Hit | None:
    best = _best(fields, query)
    if best is None:
        return None
    found, span, name, text, ranges = best
    shown, moved = _snippet(text, ranges)
    matched = tuple(w for w in query if w in found)
    return Hit(kind, rid, matched, span, name, _mark(shown, moved, "[", "]"), _mark(shown, moved, "**", "**"), shown)


# --------------------------------------------------------------------------- listing quotations


def select_quotations(corpus: Corpus, *, by: str | None = None, section: str | None = None, note: int | None = None) -> list[tuple[str, Quotation]]:
    """Quotations in essay order, filtered by speaker (agent id or part of a name, accents ignored),
    section (heading words, or its number: 1 is the untitled opening) and note number."""
    selected = sorted(corpus.quotations.items(), key=lambda kv: (kv[1].anchor.position.start, kv[0]))
    if by:
        wanted = fold(by)
        ids = {a for a, agent in corpus.agents.items() if a == by or wanted in fold(_agent_names(corpus, [a])) or wanted == fold(a)}
        if not ids:
            raise NotFound(f"no agent matches '{by}'", choices=closest(by, corpus.agents), hint="agent ids are the file names in records/agents/")
        selected = [(i, q) for i, q in selected if ids & set(q.speakers)]
    if note is not None:
        corpus.note(note)
    if section:
        sections = corpus.essay.sections if corpus.essay else []
        if re.fullmatch(r"\s*[-+]?\d+\s*", section):
            number = int(section)
            if not 1 <= number <= len(sections):
                raise NotFound(f"no section {number}; the essay has sections 1-{len(sections)} (1 is the untitled opening)")
            chosen = [sections[number - 1]]
        else:
            wanted = fold(section)
            chosen = [s for s in sections if wanted and (wanted in fold(s.heading or "opening section"))]
            if not chosen:
                headings = [s.heading for s in sections if s.heading]
                raise NotFound(f"no section heading matches '{section}'", choices=closest(section, headings),
                               hint=f"or give a section number, 1-{len(sections)}")
        selected = [(i, q) for i, q in selected if any(s.first_paragraph <= q.anchor.paragraph <= s.last_paragraph for s in chosen)]
    if note is not None:
        selected = [(i, q) for i, q in selected if q.note == note]
    return selected


def quotation_record(corpus: Corpus, qid: str, q: Quotation) -> dict:
    """Every field of a quotation record, plus its id and the names of its speakers (for JSON)."""
    data = {"id": qid, **q.model_dump(mode="json"), "text": q.text}
    data["speaker_names"] = [corpus.agents[a].display_name if a in corpus.agents else a for a in q.speakers]
    return data


def render_quotations(selected: list[tuple[str, Quotation]]) -> str:
    """The text listing of `chilecite quotes`: id, display, paragraph, note, speakers, then the words."""
    lines = []
    for qid, q in selected:
        text = q.text if len(q.text) <= 100 else q.text[:99] + "…"
        speakers = ", ".join(q.speakers) or "-"
        lines.append(f"{qid}  [{q.display}; para. {q.anchor.paragraph}; note {q.note or '-'}; {speakers}]\n    “{text}”\n")
    return "".join(lines)


def render_hits(hits: list[Hit], words: tuple[str, ...] | list[str]) -> str:
    """The text listing of `chilecite search`."""
    if not hits:
        return f"nothing matches {' '.join(words)}\n"
    lines = []
    for hit in hits:
        label = hit.id if hit.kind == "quotation" else f"note {hit.id}"
        lines.append(f"{label}  (matched {', '.join(hit.matched)} in {hit.field})\n    {hit.text}\n")
    return "".join(lines)
