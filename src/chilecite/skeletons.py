"""Skeleton records for contributors: what a record needs, with every value left for them to supply.

A skeleton guesses nothing. Each value a contributor must supply is a placeholder,
`<fill in: what it is>`, which the validator reports (CC054) until it is replaced; a line whose
field the record has not (a work with no author) is deleted. Only what the command was told is
filled in: the work's type from `--type`, the agent's kind, a quotation's anchor from `--exact`.
A skeleton with every placeholder filled in validates.
"""

from __future__ import annotations

from chilecite.errors import UsageError
from chilecite.loading import PLACEHOLDER_MARK
from chilecite.models import WorkType
from chilecite.text import ReferenceText, quote_anchor
from chilecite.vocabulary import closest
from chilecite.writing import SCHEMA_COMMENT, dump_yaml

AGENT_KINDS = ("person", "organisation")
_CONTAINED = {WorkType.article_journal: "journal", WorkType.article_newspaper: "newspaper", WorkType.article_magazine: "magazine"}


def placeholder(what: str) -> str:
    """The mark of a value to supply: `<fill in: what>` (see `chilecite.loading.PLACEHOLDER_RE`)."""
    return f"{PLACEHOLDER_MARK}: {what}>"


def _skeleton(kind: str, where: str, data: dict[str, object]) -> str:
    return SCHEMA_COMMENT.format(kind=kind) + (
            f"# A new {kind}: save it as {where}.\n"
            "# Replace every <fill in: …> with what the source itself says, or delete the line when it has none;\n"
            f"# never guess. `chilecite schema --show {kind}` lists the other fields {'an' if kind[0] in 'aeiou' else 'a'} {kind} may have.\n") + dump_yaml(data)


def new_work(work_type: str | None = None) -> str:
    """A work record to fill in; `work_type` is a CSL type (`book`, `chapter`, `article-newspaper`, …), a placeholder when not given."""
    types = [t.value for t in WorkType]
    if work_type is not None and work_type not in types:
        raise UsageError(f"no work type '{work_type}'", choices=closest(work_type, types), hint=f"types: {', '.join(types)}")
    data: dict[str, object] = {"type": work_type or placeholder(f"its CSL type, one of {', '.join(types)}")}
    data["title"] = placeholder("the title in its original language and capitalisation, as published")
    data["authors"] = [placeholder("the agent id of its first author (a file in records/agents/); one line per author")]
    kind = WorkType(work_type) if work_type else None
    if kind is WorkType.chapter:
        data["parent"] = placeholder("the citation key of the book it is in (a file in records/works/)")
    elif kind in _CONTAINED:
        data["container_title"] = placeholder(f"the name of the {_CONTAINED[kind]} it appeared in")
    data["issued"] = placeholder("the date issued: YYYY, YYYY-MM or YYYY-MM-DD")
    data["language"] = placeholder("the BCP 47 language of the text cited, e.g. es or en")
    return _skeleton("work", "records/works/KEY.yaml, KEY its citation key (familyyearword: miliband1973coup)", data)


def new_agent(kind: str = "person") -> str:
    """An agent record to fill in: a person or an organisation."""
    if kind not in AGENT_KINDS:
        raise UsageError(f"no agent kind '{kind}'", choices=closest(kind, AGENT_KINDS), hint="person or organisation")
    where = "records/agents/ID.yaml, ID the name in lower case with hyphens (family-given: allende-salvador)"
    if kind == "organisation":
        where = "records/agents/ID.yaml, ID the name in lower case with hyphens (partido-socialista-de-chile)"
        data: dict[str, object] = {"kind": "organisation", "name": placeholder("the organisation's full name in its correct form")}
    else:
        data = {"kind": "person", "family": placeholder("the family name as it should be cited, accents included"),
                "given": placeholder("the given names, accents included")}
    return _skeleton("agent", where, data)


def new_quotation(text: ReferenceText, exact: str, paragraph: int | None = None, display: str = "inline", *,
                  anchored_to: str | None = None) -> str:
    """A quotation record anchored to `exact` in the reference text (UsageError when it cannot be anchored).

    `anchored_to`, the SHA-256 the records give their text: a text that is not that one is refused
    (an anchor into it would be wrong, and its words, any file's, are not printed)."""
    if anchored_to is not None and text.sha256 != anchored_to:
        where = f" {text.path}" if text.path else ""
        raise UsageError(f"the text found{where} is not the one the records are anchored to (its SHA-256 is {text.sha256[:12]}…, "
                         f"essay.yaml says {anchored_to[:12]}…); nothing was anchored", hint="`chilecite essay` says where the right one is")
    anchor = quote_anchor(text, exact, paragraph)
    data: dict[str, object] = {
        "display": display,
        "speakers": [placeholder("the agent id of who is quoted (a file in records/agents/)")],
        "note": placeholder("the number of the note the quotation is tied to"),
        "original_language": placeholder("the BCP 47 language the words were first spoken or written in, e.g. es"),
        "anchor": anchor,
    }
    return _skeleton("quotation", "records/quotations/ID.yaml, ID a few words of it in lower case with hyphens", data)
