"""The workspace: one records tree and its reference text, and everything made from them.

`Workspace` owns the pipeline. It finds the records tree (as git finds its repository) and the
reference text, reads each record file once, loads, validates, and gates — nothing is produced
from records with an error — then produces what it is asked for (`chilecite.outputs`). The
command line and the Python API both go through it, so both get the same gate.

Given a cache (`cache=True` for the user's, or a `chilecite.cache.Cache`; none by default), it
answers from it what it answered before for the same inputs, and after an edit parses and checks
again only the files that changed, the checks across records being run again in full. The answer
is the same with the cache and without it, byte for byte.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chilecite.cache import Cache, cache_key, cache_keys
from chilecite.discovery import find_records
from chilecite.errors import UsageError
from chilecite.outputs import Answer, Inputs, Request
from chilecite.styles import DEFAULT_STYLE, locate_style
from chilecite.text import ReferenceText, TextSearch, TextUnusable, find_text
from chilecite.tree import FileRead, TreeRead, read_tree, release
from chilecite.yamldata import YamlRefused, parse_yaml

if TYPE_CHECKING:
    from chilecite.citing import CitedQuotation
    from chilecite.corpus import Corpus
    from chilecite.importing.command import ImportOutcome
    from chilecite.loading import Loaded
    from chilecite.models import Essay, Quotation
    from chilecite.obtaining import TextStatus
    from chilecite.problems import Problem
    from chilecite.report import Report

Progress = Callable[[int, int], None]
_UNCACHEABLE = object()  # an input that cannot be keyed (an unreadable file or text): nothing is kept or reused


class RecordsInvalid(Exception):
    """The records have errors, so nothing is produced from them; `report` holds the errors."""

    def __init__(self, tree: Path, report: Report) -> None:
        super().__init__(f"the records in {tree} do not validate ({len(report.errors)} error(s)); nothing was done. "
                         "Fix them, or run `chilecite validate` for the full report")
        self.report = report


class Workspace:
    """A records tree (given, from $CHILECITE_RECORDS, found from `cwd` upwards, or the installed
    one) with its reference text (`essay`, $CHILECITE_ESSAY, `shared/essay/` beside the tree, or
    the stored copy). `notice` receives one-line remarks (a cache that cannot be used); `progress`
    is called as a large tree loads."""

    def __init__(self, records: str | Path | None = None, *, essay: str | Path | None = None, cache: bool | Cache | None = False,
                 cwd: Path | None = None, notice: Callable[[str], None] | None = None, progress: Progress | None = None) -> None:
        self.tree = find_records(Path(records) if records is not None else None, cwd)
        self.essay = Path(essay) if essay else None
        self.notice = notice or (lambda message: None)
        self.progress = progress
        self.cache: Cache | None = Cache.open(notice=self.notice) if cache is True else (cache or None)

    # ------------------------------------------------------------------ the inputs, each read once

    @cached_property
    def read(self) -> TreeRead:
        """Every record file of the tree, read once."""
        return read_tree(self.tree.path)

    @cached_property
    def text_search(self) -> TextSearch:
        """Where the reference text was looked for, and where it was found."""
        beside = self.tree.path if self.tree.found_by != "installed" else None  # never beside the installed package
        return find_text(self._text_file, beside, self.essay)

    @cached_property
    def _essay_plain(self) -> dict[str, Any]:
        """essay.yaml as plain data, read before any record is loaded: where the text is (`text_file`)
        and which text the records anchor to (`text_sha256`) are taken from it the same way whether
        the records come from the cache or not; empty when it cannot be parsed."""
        essay = next((f for f in self.read.files if f.rel == "essay.yaml"), None)
        raw = self.read.read(essay).data if essay is not None else None  # essay.yaml's bytes are kept after loading (tree.release)
        if raw is None:
            return {}
        try:
            data = parse_yaml(raw.decode("utf-8"), positions=False).data
        except (UnicodeDecodeError, YamlRefused):
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def _text_file(self) -> str:
        value = self._essay_plain.get("text_file")
        return value if isinstance(value, str) else ""

    @property
    def _reference(self) -> bool:
        """Whether the text found is the one essay.yaml says the records anchor to."""
        text = self._text[0]
        return text is not None and text.sha256 == self._essay_plain.get("text_sha256")

    @cached_property
    def _text(self) -> tuple[ReferenceText | None, str | None]:
        """(the text, None); (None, why) when it is there but cannot be used; (None, None) when absent."""
        found = self.text_search.found
        if found is None:
            return None, None
        try:
            return ReferenceText.from_file(found), None
        except TextUnusable as exc:
            return None, exc.message

    def text(self, *, required: bool = False) -> ReferenceText | None:
        """The reference text, or None when absent. Absent when `required`, or named (`essay`,
        $CHILECITE_ESSAY) but not there, is a usage error; there but unusable is a `TextUnusable`
        when `required`, else a problem (CC098) in the report."""
        text, unusable = self._text
        if text is not None:
            return text
        search = self.text_search
        if unusable is not None:
            if required:
                raise TextUnusable(unusable)
            return None
        if required or search.how in ("--essay", "CHILECITE_ESSAY"):
            raise UsageError(f"the essay's reference text was not found (looked for {search.describe()})",
                             hint="`chilecite essay` says how to get it")
        return None

    # ------------------------------------------------------------------ loading and validating

    def corpus(self) -> Corpus:
        """The records as they load, problems and all (not gated: see `checked`)."""
        return self._loaded[0]

    @cached_property
    def _loaded(self) -> tuple[Corpus, list[Problem] | None]:
        """The corpus, and the per-record checks' problems when the cache gave or kept them (None:
        `validate` finds them)."""
        from chilecite.loading import ESSAY_TEXT, corpus_from, load_read

        text, unusable = self._text
        if self._text_key() is _UNCACHEABLE or self.cache is None:
            corpus, checked = corpus_from(self.read, (load_read(f) for f in self.read.each()), self.progress), None
        else:
            corpus, checked = self._load_with_cache(text)
        if unusable is not None:
            corpus.problems.append(ESSAY_TEXT.problem(unusable, file=str(self.text_search.found), line=1, column=1))
        return corpus, checked

    def _load_with_cache(self, text: ReferenceText | None) -> tuple[Corpus, list[Problem]]:
        """Load the tree taking each unchanged file's outcome and per-record problems from the cache;
        parse and check only the others, and keep what they gave.

        Two rows per file: what loading it gave (keyed by its name and bytes), and what the
        per-record checks found in its record (keyed by those and the text too). The outcomes of
        files loaded now are written as they come, in batches, so a first run never holds them all.
        """
        from chilecite.corpus import Corpus
        from chilecite.loading import corpus_from
        from chilecite.rules import check_records

        assert self.cache is not None
        files = [f for f in self.read.each() if f.sha256 is not None]
        items = [{"file": f.display, "sha256": f.sha256.hex()} for f in files]  # type: ignore[union-attr]
        outcome_keys = dict(zip((f.path for f in files), cache_keys("outcome", items), strict=True))
        check_keys = dict(zip((f.path for f in files), cache_keys("checks", items, text=text.sha256 if text else None, reference=self._reference),
                              strict=True))
        writer = _RowWriter(self.cache)
        loaded: list[Loaded] = []
        for start in range(0, len(self.read.files), _RowWriter.BATCH):  # rows fetched a batch at a time: never all held at once
            batch = self.read.files[start:start + _RowWriter.BATCH]
            kept = self.cache.get_records([outcome_keys[f.path] for f in batch if f.path in outcome_keys])
            loaded.extend(self._outcome(f, outcome_keys.get(f.path), kept, writer) for f in batch)
        writer.flush()
        corpus = corpus_from(self.read, loaded, self.progress)
        # Per-record checks: kept for a file whose record is the corpus's, found now for the others.
        # A record whose id another file took first (CC010) is not checked, as without the cache.
        mine = [(f, one) for f, one in zip(self.read.files, loaded, strict=True)
                if one.record is not None and f.path in check_keys and getattr(corpus.sources.get((one.kind, one.id)), "path", None) == f.path]
        checks = self.cache.get_records([check_keys[f.path] for f, _ in mine])
        record_problems: list[Problem] = []
        fresh = Corpus()
        for f, one in mine:
            kept_problems = _problems(checks.pop(check_keys[f.path], None))
            if kept_problems is not None:
                record_problems.extend(kept_problems)
            else:
                fresh.add(one.kind, one.id, one.record, corpus.sources[(one.kind, one.id)])
        found = check_records(fresh, text, reference=self._reference)
        record_problems.extend(found)
        by_record: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {}
        for problem in found:
            by_record.setdefault((problem.kind, problem.record), []).append(problem.model_dump(mode="json", exclude_none=True))
        for f, one in mine:
            if (one.kind, one.id) in fresh.sources:
                writer.add(check_keys[f.path], json.dumps(by_record.get((one.kind, one.id), []), **_COMPACT))
        writer.flush()
        return corpus, record_problems

    def _outcome(self, f: FileRead, key: str | None, kept: dict[str, Any], writer: _RowWriter) -> Loaded:
        """One file's outcome, from its row, or loaded now and its row written; either way its bytes
        and its plain data are let go at once."""
        from chilecite.loading import Loaded, load_read

        row = kept.get(key) if key is not None else None
        if row is not None:
            try:
                outcome = Loaded.from_row(row)
            except ValueError:  # a row that does not fit: the file is loaded again
                pass
            else:
                release(f)
                return outcome
        loaded = load_read(f)
        release(f)
        if key is not None:
            writer.add(key, json.dumps(loaded.as_row(), **_COMPACT))
        loaded.data = None
        return loaded

    def report(self, *, select: Iterable[str] = (), ignore: Iterable[str] = (), paths: Iterable[Path | str] = ()) -> Report:
        """The validator's report on the records (or on the files `paths`, in the context of the tree)."""
        from chilecite.rules import restrict, selectors, validate

        chosen, skipped = selectors(select), selectors(ignore)  # usage errors before any work
        paths = list(paths)
        if paths:
            from chilecite.loading import with_contributed

            return validate(with_contributed(self.corpus(), [Path(p) for p in paths]), self.text(), select=chosen, ignore=skipped, reference=self._reference)
        return restrict(self._full_report, chosen, skipped)

    @cached_property
    def _full_report(self) -> Report:
        """The report with every rule, kept in the cache under the tree, the text and the environment."""
        from chilecite.report import Report
        from chilecite.rules import validate

        self.text()  # a text named but not there is a usage error, cached or not
        key = self._key("report")
        if key is not None and self.cache is not None:
            stored = self.cache.get_answer(key)
            if stored is not None:
                try:
                    return Report.model_validate(stored)
                except ValueError:
                    pass
        text = self.text()  # a text named but not there is a usage error, before any work
        corpus, checked = self._loaded
        report = validate(corpus, text, record_problems=checked, reference=self._reference)
        if key is not None and self.cache is not None:
            self.cache.put_answer(key, report.model_dump(mode="json"))
        return report

    def checked(self) -> Corpus:
        """The gate: the corpus, once the validator finds no error in it; otherwise RecordsInvalid.
        Nothing is exported, cited or listed from records that do not validate (a broken agent
        file would otherwise print an agent's id where a name belongs)."""
        report = self._full_report
        if report.errors:
            raise RecordsInvalid(self.tree.path, report)
        return self.corpus()

    # ------------------------------------------------------------------ outputs

    def answer(self, request: Request) -> Answer:
        """What `request` asks for, from records that pass the gate (from the cache when the same
        request was answered for the same inputs)."""
        style = locate_style(request.style) if request.has_style else None  # type: ignore[attr-defined]
        text = self.text(required=request.needs_text)
        key = self._key("answer", request=request, style=style.key() if style is not None else None)
        if key is not None and self.cache is not None:
            stored = Answer.from_json(self.cache.get_answer(key))
            if stored is not None:
                return stored
        answer = request.produce(Inputs(self.checked(), text, style))
        if key is not None and self.cache is not None:
            self.cache.put_answer(key, answer.as_json())
        return answer

    def validation(self, *, select: Iterable[str] = (), ignore: Iterable[str] = (), fmt: str = "text",
                   paths: Iterable[Path | str] = ()) -> Answer:
        """The validator's report as `chilecite validate` prints it (text, or a JSON payload)."""
        from chilecite.vocabulary import selection

        # Kept by the selection as given: an answer is kept only once its codes were found in the
        # catalogue (`report` checks them), and the catalogue is part of every key's environment.
        chosen, skipped = selection(select), selection(ignore)
        paths = list(paths)
        key = None if paths else self._key("validation", select=chosen, ignore=skipped, fmt=fmt)
        if key is not None and self.cache is not None:
            stored = Answer.from_json(self.cache.get_answer(key))
            if stored is not None:
                return stored
        from chilecite.report import render_text, report_payload

        report = self.report(select=chosen, ignore=skipped, paths=paths)
        errors, warnings = len(report.errors), len(report.warnings)
        if fmt == "json":
            answer = Answer(data=report_payload(report), errors=errors, warnings=warnings)
        else:
            answer = Answer(text=render_text(report), errors=errors, warnings=warnings)
        if key is not None and self.cache is not None:
            self.cache.put_answer(key, answer.as_json())
        return answer

    def render(self, answer: Answer) -> str:
        """An answer as printed: text as it is; a JSON payload with the run's own labels (the tree)."""
        from chilecite.characters import safe_json

        if answer.data is not None:
            return safe_json({"records": self.tree.as_dict(), **answer.data})
        return answer.text or ""

    def edition(self, style: str | Path = DEFAULT_STYLE) -> dict[str, bytes]:
        """The reader's edition's files ({relative path: bytes}), from records that pass the gate."""
        from chilecite.edition import build_edition

        located = locate_style(style)
        text = self.text(required=True)
        assert text is not None  # required
        return build_edition(self.checked(), text, style=located)

    def essay_record(self) -> Essay:
        """The essay record, which must load (NothingToDo says so otherwise)."""
        from chilecite.errors import NothingToDo

        essay = self.corpus().essay
        if essay is None:
            raise NothingToDo(f"{self.tree.path}/essay.yaml did not load; run `chilecite validate`")
        return essay

    def text_status(self) -> TextStatus:
        """Where the reference text was looked for, what was found there, and whether it is the one the records anchor to."""
        from chilecite.obtaining import text_status

        return text_status(self.essay_record(), self.text_search)

    def store_text(self, copy: Path) -> Path:
        """Check a saved copy of the essay (its web page or plain text) against the essay record's
        paragraph fingerprints and store it where every command finds it; the path it is stored at."""
        from chilecite.obtaining import import_text, store_text

        record = self.essay_record()
        return store_text(import_text(copy, record), record)

    def fingerprints(self) -> str:
        """The `paragraph_fingerprints` block of essay.yaml, computed from the reference text (for maintainers)."""
        from chilecite.obtaining import fingerprints_yaml

        self.essay_record()
        text = self.text(required=True)
        assert text is not None  # required
        return fingerprints_yaml([p.text for p in text.paragraphs])

    def new_quotation(self, exact: str, paragraph: int | None = None, display: str = "inline") -> str:
        """A quotation record's skeleton, anchored in the reference text at the words `exact` (which
        must be the text the records anchor to)."""
        from chilecite.skeletons import new_quotation

        if not exact:
            raise UsageError("a quotation needs --exact 'THE WORDS AS PRINTED'")
        text = self.text(required=True)
        assert text is not None  # required
        anchored_to = self._essay_plain.get("text_sha256")
        return new_quotation(text, exact, paragraph, display, anchored_to=anchored_to if isinstance(anchored_to, str) else None)

    def write_schemas(self, folder: Path | None = None) -> list[Path]:
        """Write the JSON Schema files of the models into `folder`, by default the schemas/ of this
        tree's checkout (a usage error when the tree is not a checkout's); the paths written."""
        from chilecite.schema import checkout_schemas, write_schemas

        return write_schemas(folder or checkout_schemas(self.tree.path, self.tree.found_by))

    def import_bibtex(self, file: Path, *, write: bool = True, update: bool = False, show: Callable[[str], None] | None = None) -> ImportOutcome:
        """Import a .bib file's entries as records, checked against records that pass the gate, and
        (with `write`) write them into this tree, all or nothing. The installed records are never
        written into: a usage error says where to import instead."""
        from chilecite.importing import import_file

        if write and self.tree.found_by == "installed":
            raise UsageError("no records tree to write into: run inside a checkout, or give --records DIR (or use --dry-run)")
        return import_file(file, self.checked(), self.tree.path, write=write, update=update, show=show)

    def quotation(self, quotation_id: str) -> QuotationHandle:
        """The quotation with exactly this id. NotFound names the nearest ids (and, given words, the
        quotations holding them); `search_quotations(words)` finds quotations by their words."""
        from chilecite.errors import NotFound
        from chilecite.vocabulary import closest

        corpus = self.checked()
        if not isinstance(quotation_id, str):
            raise TypeError(f"a quotation id is a str, not {type(quotation_id).__name__}")
        if quotation_id in corpus.quotations:
            return QuotationHandle(quotation_id, corpus)
        near = closest(quotation_id, corpus.quotations)
        found: list[str] = []
        if " " in quotation_id.strip() or not near:  # words, not a mistyped id: the quotations that hold them
            with contextlib.suppress(UsageError):  # too many words to search for: the ids alone are offered
                found = [h.id for h in self.search_quotations(quotation_id)[:3]]
        raise NotFound(f"no quotation '{quotation_id}'", choices=list(dict.fromkeys(near + found))[:4],
                       hint="a quotation is named by its id; chilecite.search_quotations(WORDS), or `chilecite search WORDS`, finds it by its words")

    def search_quotations(self, words: str) -> list[QuotationHandle]:
        """The quotations holding any of these words (accents and case ignored), best first; [] when none do."""
        from chilecite.search import search

        corpus = self.checked()
        return [QuotationHandle(hit.id, corpus) for hit in search(corpus, words, notes=False) if hit.kind == "quotation"]

    # ------------------------------------------------------------------ keys

    def _text_key(self) -> object:
        text, unusable = self._text
        if unusable is not None:
            return _UNCACHEABLE
        return None if text is None else [os.path.abspath(text.path or ""), text.sha256]

    def _key(self, purpose: str, **parts: Any) -> str | None:
        """The cache key of something made from this tree and text; None without a cache, or when an
        input could not be read (a file, a folder, the text)."""
        if self.cache is None:
            return None
        digest, text = self.read.digest, self._text_key()
        if digest is None or text is _UNCACHEABLE:
            return None
        return cache_key(purpose, tree=[os.path.abspath(self.tree.path), digest], text=text, **parts)


class _RowWriter:
    """Rows for the cache, written in batches as they are made (so a large first run never holds them all)."""

    BATCH = 2000

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.rows: dict[str, str] = {}

    def add(self, key: str, row: str) -> None:
        self.rows[key] = row
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.cache.put_records(self.rows)
            self.rows = {}


def _problems(row: Any) -> list[Problem] | None:
    """The per-record problems kept in a row; None when there is none, or one that does not fit."""
    from chilecite.problems import Problem

    if not isinstance(row, list):
        return None
    try:
        return [Problem.model_validate(p) for p in row]
    except ValueError:
        return None


_COMPACT: dict[str, Any] = {"ensure_ascii": True, "separators": (",", ":")}


class QuotationHandle:
    """A quotation of a checked corpus: `Workspace().quotation(ID).cite(style="apa", format="html")`."""

    def __init__(self, quotation_id: str, corpus: Corpus) -> None:
        self.id, self.corpus = quotation_id, corpus

    @property
    def record(self) -> Quotation:
        return self.corpus.quotations[self.id]

    @property
    def text(self) -> str:
        return self.record.text

    def cited(self, style: str | Path = DEFAULT_STYLE, format: str = "text") -> CitedQuotation:
        from chilecite.citing import cite_quotation

        return cite_quotation(self.corpus, self.id, style, format)

    def cite(self, style: str | Path = DEFAULT_STYLE, format: str = "text") -> str:
        return self.cited(style, format).render()

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"QuotationHandle({self.id!r})"


def quotation(quotation_id: str, records: str | Path | None = None) -> QuotationHandle:
    """`Workspace(records).quotation(quotation_id)`: a quotation by its exact id, from records that validate."""
    return Workspace(records).quotation(quotation_id)


def search_quotations(words: str, records: str | Path | None = None) -> list[QuotationHandle]:
    """`Workspace(records).search_quotations(words)`: the quotations holding these words, best first."""
    return Workspace(records).search_quotations(words)
