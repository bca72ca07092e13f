"""The import of one file, stage by stage: read, check and map each entry, key it, find its parent,
build its record, and keep only what validates.

An entry is refused as a whole (nothing of it is imported, and no agent only it named): for a limit
(CC074), for a value that cannot be read (CC071), for a record that would not validate (CC075), and
when its parent entry is refused. Everything returned has been through `checking.record_errors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from chilecite.corpus import Corpus, WorkIdentity, work_identity
from chilecite.faults import faults
from chilecite.importing.agents import AgentBook
from chilecite.importing.checking import record_errors
from chilecite.importing.fields import EntryFields
from chilecite.importing.keys import Keys
from chilecite.importing.limits import MAX_FILE_CHARS, MAX_PARENT_DEPTH
from chilecite.importing.mapping import BOOK_TYPES, MAPPED, Mapped, map_entry
from chilecite.importing.problems import Refused, Reporter, short
from chilecite.importing.reading import Library, RawEntry, read_bibtex
from chilecite.importing.titles import devised_title
from chilecite.models import Agent, Organisation, Person, Work, WorkType
from chilecite.problems import Problem, Rule, Severity
from chilecite.rules import coverage
from chilecite.rules import importing as I
from chilecite.values import DateSpan, PageSpan
from chilecite.vocabulary import fold
from chilecite.writing import dump_record

VALIDATION_ROUNDS = 4  # refusing an entry can refuse its children, or a devised title be replaced: a round or two settles it
INHERITED = ("editors", "publisher", "place")  # what a work with a parent leaves to it when the two are equal
UNCHANGED = frozenset({"comment"})  # what an update never takes from an entry: the records' own commentary
# The validator's rules for a devised title: one bracketed phrase, and every word of it said by the record.
DEVISED_TITLE_RULES = frozenset(rule.code for rule in coverage.RULES if rule.check in (coverage.devised_titles_bracketed, coverage.devised_titles_supported))


@dataclass(frozen=True)
class ImportedRecord:
    """One record to write: `works/<key>.yaml` or `agents/<id>.yaml`."""

    kind: Literal["works", "agents"]
    id: str
    text: str
    record: Work | Person | Organisation
    entry: str | None = None  # the BibTeX key a work came from
    replaces: bool = False  # an update (`--update`) of the corpus record of this id, not a new record

    @property
    def relative_path(self) -> str:
        return f"{self.kind}/{self.id}.yaml"


@dataclass(frozen=True)
class Present:
    """An entry already in the records: the corpus work it is, how that was seen, and the fields in
    which the entry differs from it (what `--update` would change)."""

    entry: str
    line: int | None
    key: str
    how: str
    changes: tuple[str, ...] = ()


@dataclass
class ImportResult:
    """The records an import would write, and every problem met."""

    records: list[ImportedRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # BibTeX key -> citation key
    present: list[Present] = field(default_factory=list)  # entries already in the records, not imported again

    @property
    def complete(self) -> bool:
        """Whether every entry could be imported (or is already present): only then is anything written."""
        return not any(p.severity is Severity.error for p in self.problems)

    @property
    def works(self) -> dict[str, Work]:
        return {r.id: r.record for r in self.records if r.kind == "works"}  # type: ignore[misc]

    @property
    def agents(self) -> dict[str, Agent]:
        return {r.id: r.record for r in self.records if r.kind == "agents"}  # type: ignore[misc]


def import_bibtex(text: str, corpus: Corpus, *, source: str | None = None, update: bool = False) -> ImportResult:
    """Map the BibTeX/BibLaTeX `text` to work and agent records in the context of `corpus`.

    Pure (nothing is written) and total: bad input of any kind is reported, never raised. `source`
    is the file name problems point to (with the entry's or field's line). An entry already in the
    corpus (same key, or the same work: `chilecite.corpus.work_identity`) is reported (CC076) and not
    imported again; with `update`, the corpus record updated with the fields the entry gives is
    returned instead (`ImportedRecord.replaces`), when they differ."""
    report = Reporter(source)
    if len(text) > MAX_FILE_CHARS:
        report.problem(I.LIMIT, f"the file has {len(text):,} characters, over the {MAX_FILE_CHARS:,}-character limit; nothing imported", 1)
        return ImportResult(problems=report.close())
    return _Importer(corpus, report, update).run(read_bibtex(text, report))


@dataclass
class _Pending:
    """An entry mapped, with its citation key; its parent is resolved once every entry is mapped."""

    mapped: Mapped
    key: str
    work: dict[str, Any] = field(default_factory=dict)  # the data the work record is built from

    @property
    def entry(self) -> RawEntry:
        return self.mapped.fields.entry

    @property
    def data(self) -> dict[str, Any]:
        return self.mapped.data


class _Importer:
    def __init__(self, corpus: Corpus, report: Reporter, update: bool = False) -> None:
        self.corpus, self.report, self.update = corpus, report, update
        self.present: list[Present] = []
        self.updates: dict[str, tuple[_Pending, Work]] = {}  # corpus key -> the entry, and the record it updates to
        self.refused_updates: set[str] = set()
        self.agents = AgentBook(corpus)
        self.keys = Keys(corpus.works)
        self.pending: dict[str, _Pending] = {}  # citation key -> entry, in file order
        self.by_entry: dict[str, str] = {}  # BibTeX key -> citation key
        self.refused_entries: set[str] = set()  # BibTeX keys
        self.refused_keys: set[str] = set()  # citation keys

    def run(self, library: Library) -> ImportResult:
        self.refused_entries |= library.refused
        self.keys.reserve(entry.key for entry in library.entries)
        for entry in library.entries:
            self._map(entry, library)
        self._resolve_parents()
        self._check_parent_chains()
        self._complete()
        self._find_present()
        records = self._validated()
        keys = {entry: key for entry, key in self.by_entry.items() if key in self.pending}
        present = [p for p in self.present if p.key not in self.refused_updates]
        for item in present:
            self.report.problem(I.ALREADY_PRESENT, self._present_message(item), item.line, item.entry)
        return ImportResult(records, self.report.close(), keys, present)

    # ------------------------------------------------------------------ refusing

    def refuse_entry(self, entry: RawEntry, rule: Rule, reason: str, bibfield: str | None = None) -> None:
        line = entry.fields[bibfield].line if bibfield in entry.fields else entry.line
        self.report.problem(rule, f"entry '{entry.key}' refused: {reason}; nothing of it imported", line, entry.key, bibfield)
        self.refused_entries.add(entry.key)

    def refuse(self, item: _Pending, rule: Rule, reason: str, bibfield: str | None = None) -> None:
        self.refuse_entry(item.entry, rule, reason, bibfield)
        self.refused_keys.add(item.key)
        self.pending.pop(item.key, None)

    def _refuse_children(self) -> None:
        """Entries whose parent was refused are refused too (chains are at most MAX_PARENT_DEPTH long)."""
        changed = True
        while changed:
            changed = False
            for item in list(self.pending.values()):
                parent = item.data.get("parent")
                if parent in self.refused_keys:
                    self.refuse(item, I.INVALID_RECORD, f"its parent entry ('{parent}') was refused", item.mapped.origin.get("parent"))
                    changed = True

    # ------------------------------------------------------------------ one entry

    def _map(self, entry: RawEntry, library: Library) -> None:
        fields = EntryFields(entry, library.macros, self.report)
        try:
            fields.check(MAPPED)
            mapped = map_entry(fields, self.agents, library.export)
        except Refused as refused:
            self.agents.rollback()
            self.refuse_entry(entry, refused.rule, refused.reason, refused.field)
            return
        self.agents.commit()
        key, renamed = self.keys.key_for(entry.key, mapped.data, self.agents.named)
        if renamed:
            self.report.problem(I.KEY_RENAMED, f"key '{entry.key}' {renamed}; imported as '{key}'", entry.line, entry.key)
        self.by_entry.setdefault(entry.key, key)
        self.pending[key] = _Pending(mapped, key)

    # ------------------------------------------------------------------ parents

    def _resolve_parents(self) -> None:
        books: dict[str, list[str]] = {}
        for key, item in self.pending.items():
            if item.entry.type in BOOK_TYPES and item.data.get("title"):
                books.setdefault(fold(item.data["title"]), []).append(key)
        corpus_books: dict[str, list[str]] = {}
        for key, work in sorted(self.corpus.works.items()):
            if work.type is WorkType.book and work.title:
                corpus_books.setdefault(fold(work.title), []).append(key)
        for item in list(self.pending.values()):
            if item.mapped.crossref:
                self._crossref(item)
            if item.mapped.booktitle is not None and item.key in self.pending:
                self._booktitle(item, books, corpus_books)

    def _crossref(self, item: _Pending) -> None:
        value, bibfield = item.mapped.crossref  # type: ignore[misc]
        parent = self.by_entry.get(value)
        if parent is None and value in self.refused_entries:
            self.refuse(item, I.INVALID_RECORD, f"its parent entry ('{short(value)}', {bibfield}) was refused", bibfield)
            return
        parent = parent or (value if value in self.corpus.works else None)
        if parent is None:
            item.mapped.fields.unmapped(bibfield, f"'{short(value)}' is neither an entry of this file nor a work in the corpus")
        else:
            item.mapped.set("parent", parent, bibfield)

    def _booktitle(self, item: _Pending, books: dict[str, list[str]], corpus_books: dict[str, list[str]]) -> None:
        booktitle, fields = item.mapped.booktitle or "", item.mapped.fields
        if "parent" in item.data:
            title = self._parent_data(item.data["parent"]).get("title")
            if title is None or fold(title) != fold(booktitle):
                fields.unmapped("booktitle", f"'{short(booktitle)}' is not the title of the parent {item.data['parent']}")
            return
        matches = books.get(fold(booktitle)) or corpus_books.get(fold(booktitle), [])
        if len(matches) == 1:
            item.mapped.set("parent", matches[0], "booktitle")
        elif matches:
            fields.unmapped("booktitle", f"'{short(booktitle)}' matches several books ({', '.join(matches[:5])}); set `parent` by hand")
        else:
            fields.unmapped("booktitle", f"'{short(booktitle)}' is no book entry of this file or work of the corpus; "
                            "import the book too, or set `parent` by hand")

    def _parent_of(self, key: str) -> str | None:
        if key in self.pending:
            return self.pending[key].data.get("parent")
        work = self.corpus.works.get(key)
        return work.parent if work else None

    def _parent_data(self, key: str) -> dict[str, Any]:
        if key in self.pending:
            return self.pending[key].data
        work = self.corpus.works.get(key)
        return dict(work) if work else {}

    def _check_parent_chains(self) -> None:
        """A chain of parents that comes back on itself, or is longer than MAX_PARENT_DEPTH, is refused."""
        refusals = []
        for key, item in self.pending.items():
            chain, current = [key], item.data.get("parent")
            while current is not None and current not in chain and len(chain) <= MAX_PARENT_DEPTH:
                chain.append(current)
                current = self._parent_of(current)
            origin = item.mapped.origin.get("parent")
            if current in chain:
                refusals.append((item, I.INVALID_RECORD, f"its parents form a cycle ({' -> '.join([*chain, current])})", origin))
            elif current is not None:
                refusals.append((item, I.LIMIT, f"its chain of parents is longer than {MAX_PARENT_DEPTH}", origin))
        for item, rule, reason, origin in refusals:
            self.refuse(item, rule, reason, origin)
        self._refuse_children()

    # ------------------------------------------------------------------ entries already in the records

    def _find_present(self) -> None:
        """Take out of the import every entry the corpus already has: the work of the entry's own key, or
        the same work by title, year and first author (`work_identity`). Entries of this file whose
        parent is one of them are given the corpus work as their parent."""
        works = self.corpus.works
        known: dict[WorkIdentity, str] = {}
        for key, work in sorted(works.items()):
            identity = work_identity(work, works)
            if identity is not None:
                known.setdefault(identity, key)
        moved: dict[str, str] = {}
        for item in list(self.pending.values()):
            match: str | None
            if item.entry.key in works and not _other_title(item.work, works[item.entry.key]):
                match, how = item.entry.key, f"the work of the same key ('{item.entry.key}')"
            else:
                identity = self._identity(item.work)
                match = known.get(identity) if identity is not None else None
                how = f"the work '{match}', with the same title, year and first author or journal"
            if match is None:
                continue
            del self.pending[item.key]
            moved[item.key] = match
            self.present.append(Present(item.entry.key, item.entry.line, match, how, self._changes(item, match)))
        for item in self.pending.values():
            for data in (item.work, item.data):
                if data.get("parent") in moved:
                    data["parent"] = moved[data["parent"]]
        entries = {p.entry for p in self.present}  # a key renamed for an entry not imported after all is no news
        self.report.problems = [p for p in self.report.problems if not (p.code == I.KEY_RENAMED.code and p.record in entries)]

    def _identity(self, data: dict[str, Any]) -> WorkIdentity | None:
        """`work_identity` of a work still being imported (its parent may be too)."""
        if not data.get("title"):
            return None
        first = data["authors"][0] if data.get("authors") else fold(data.get("container_title") or "")
        issued, parent, seen = data.get("issued"), data.get("parent"), 0
        while issued is None and parent is not None and seen < MAX_PARENT_DEPTH:
            above = self._parent_data(parent)
            issued, parent, seen = above.get("issued"), above.get("parent"), seen + 1
        return first, fold(data["title"]), issued.start.year if issued is not None else None

    def _changes(self, item: _Pending, key: str) -> tuple[str, ...]:
        """The fields in which the entry differs from the corpus work it is; with `update`, the updated record is kept."""
        old = self.corpus.works[key]
        try:
            new = Work.model_validate(item.work)
        except ValidationError:
            return ()  # a value the model refuses: nothing to update from (the entry is reported as present all the same)
        given = {name for name in item.work if name not in UNCHANGED}
        if "devised_title" in given and old.title:
            given.discard("devised_title")  # an untitled entry of a titled work: its description does not replace the title
        update: dict[str, Any] = {name: getattr(new, name) for name in given}
        if "title" in given and old.devised_title:
            update["devised_title"] = None
        merged = old.model_copy(update=update)
        changes = tuple(name for name in Work.model_fields if getattr(merged, name) != getattr(old, name))
        if changes and self.update:
            self.updates[key] = (item, Work.model_validate(merged.model_dump()))
        return changes

    def _present_message(self, present: Present) -> str:
        said = f"entry '{present.entry}' is already in the records: {present.how}"
        if not present.changes:
            return said + "; not imported again"
        fields = ", ".join(present.changes)
        if present.key in self.updates:
            return f"{said}; its record is updated from the entry: {fields}"
        return f"{said}; not imported again; the entry differs in {fields} (`--update --dry-run` shows the change, `--update` makes it)"

    # ------------------------------------------------------------------ records

    def _complete(self) -> None:
        """Each work's final data: what its parent holds left to the parent, a devised title when it has no title.

        A chapter's date equal to its book's is the book's (the date of the printing cited, which BibTeX
        and BibLaTeX give the chapter too) and is left to the book, as editors, publisher and place
        are: the chapter inherits it in every export, and its own date, if the entry gives one
        (`origdate`), is its original date. A chapter's date that differs from the book's is kept, and
        so is the date of a chapter whose book is not known."""
        for item in list(self.pending.values()):
            data = item.work = dict(item.data)
            parent = self._parent_data(data["parent"]) if "parent" in data else {}
            inherited = INHERITED + (("issued",) if data["type"] is WorkType.chapter else ())
            for name in inherited:
                if parent and name in data and data[name] == parent.get(name):
                    del data[name]
            if not (data.get("title") or data.get("devised_title")):
                self._devise(item)
        self._refuse_children()

    def _devise(self, item: _Pending) -> None:
        """A devised title from the entry's own fields (`titles`), or the entry refused when it has nothing to describe it by."""
        data = item.work
        devised = devised_title(data)
        if devised is None:
            self.refuse(item, I.INVALID_RECORD, "it has no title, and nothing but its type to describe it by "
                        "(a devised title needs keywords, a genre, an author, a journal or an event)")
        else:
            data["devised_title"] = devised
            item.mapped.origin.pop("devised_title", None)

    def _validated(self) -> list[ImportedRecord]:
        """The records, once every one of them validates in the corpus; the entries of those that do not are refused."""
        for _ in range(VALIDATION_ROUNDS):
            records = self._records()
            errors = record_errors(records, self.corpus)
            if not errors:
                return records
            self._refuse_invalid(errors)
        for item in list(self.pending.values()):
            self.refuse(item, I.INVALID_RECORD, "its records still did not validate after the entries they depend on were refused")
        return []

    def _records(self) -> list[ImportedRecord]:
        works = []
        for item in list(self.pending.values()):
            work = self._build(item)
            if work is not None:
                works.append(ImportedRecord("works", item.key, dump_record(work, "work"), work, item.entry.key))
        self._refuse_children()
        works = [record for record in works if record.id in self.pending]
        works += [ImportedRecord("works", key, dump_record(work, "work"), work, item.entry.key, replaces=True)
                  for key, (item, work) in self.updates.items()]
        self.agents.drop({aid for record in works if isinstance(record.record, Work) for aid in _agents_of(record.record)})  # every record here is a Work
        agents = [ImportedRecord("agents", aid, dump_record(agent, "agent"), agent) for aid, agent in self.agents.new.items()]
        return works + agents

    def _build(self, item: _Pending) -> Work | None:
        """The work model; a value the model refuses is left out and reported, a broken work refused."""
        while True:
            try:
                return Work.model_validate(item.work)
            except ValidationError as exc:
                for error in exc.errors():
                    name = str(error["loc"][0]) if error["loc"] else ""
                    said = _in_words(item.work, error)
                    if name not in item.work or name in ("type", "devised_title"):
                        self.refuse(item, I.INVALID_RECORD, f"{name or 'the work'}: {said}")
                        return None
                    item.mapped.fields.unmapped(item.mapped.origin.get(name, name), f"'{short(item.work.pop(name))}' is not valid: {said}")

    def _refuse_invalid(self, errors: dict[tuple[str, str], list[Problem]]) -> None:
        naming: dict[str, list[_Pending]] = {}
        for item in self.pending.values():
            for aid in _agents_of(item.work):
                naming.setdefault(aid, []).append(item)
        for (kind, rid), problems in errors.items():
            said = "; ".join(f"{p.code} {p.message}" + (f" ({p.field})" if p.field else "") for p in problems[:3])
            if kind == "works" and rid in self.updates:
                item, _ = self.updates.pop(rid)
                self.refused_updates.add(rid)
                self.refuse_entry(item.entry, I.INVALID_RECORD, f"the record '{rid}' it would update would not validate: {said}")
            elif kind == "works" and rid in self.pending and self._read_devised_title(self.pending[rid], problems):
                self._replace_devised_title(self.pending[rid], said)
            elif kind == "works" and rid in self.pending:
                self.refuse(self.pending[rid], I.INVALID_RECORD, f"its record would not validate: {said}")
            elif kind == "agents":
                for item in naming.get(rid, []):
                    if item.key in self.pending:
                        self.refuse(item, I.INVALID_RECORD, f"the agent record '{rid}' it names would not validate: {said}")
            elif kind != "works":
                for item in list(self.pending.values()):
                    self.refuse(item, I.INVALID_RECORD, f"the import would not validate: {said}")
        self._refuse_children()

    @staticmethod
    def _read_devised_title(item: _Pending, problems: list[Problem]) -> bool:
        """Whether the work's only errors are its devised title's, and that title was read from the entry's `title`."""
        return item.mapped.origin.get("devised_title") == "title" and all(p.code in DEVISED_TITLE_RULES for p in problems)

    def _replace_devised_title(self, item: _Pending, said: str) -> None:
        """A bracketed title the record does not support is reported, and a devised title built from the
        entry's fields takes its place, as for an entry with no title (or the entry is refused)."""
        wrong = item.work.pop("devised_title")
        item.mapped.fields.unmapped("title", f"'{short(wrong)}' would be a devised title the record does not support ({said}); "
                                    "a devised title is built from the entry's fields instead", imported=True)
        self._devise(item)


def _other_title(data: dict[str, Any], work: Work) -> bool:
    """Whether an entry and the corpus work of its key both have titles, and different ones: then they
    are two works, and the entry is imported under a key of its own (CC072)."""
    return bool(data.get("title")) and bool(work.title) and fold(data["title"]) != fold(work.title or "")


def _in_words(data: dict[str, Any], error: Any) -> str:
    """What the model found wrong with a value, in chilecite's words (`chilecite.faults`), without the field's name."""
    plain = {name: str(value) if isinstance(value, (DateSpan, PageSpan)) else value for name, value in data.items()}
    message = faults("works", plain, [error])[0].message
    return message.split(": ", 1)[1] if ": " in message else message


def _agents_of(data: dict[str, Any] | Work) -> list[str]:
    get = data.get if isinstance(data, dict) else lambda role, default: getattr(data, role)
    return [aid for role in ("authors", "editors", "translators") for aid in get(role, [])]
