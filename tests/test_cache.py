"""The cache: it gives the answer the same command gives without it, touches only the folder it made,
and never fails or hangs a command. Start-up fast paths are here too.

Every test has a cache of its own in tmp_path (CHILECITE_CACHE), so none reads another's entries.
The differential property over random sequences of commands and edits is in test_cache_differential.py.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite import cache as cache_module
from chilecite import loading, rules
from chilecite.cache import FOLDER, TAG, Cache, cache_key, canonical
from chilecite.cli import cli, helptext_module
from chilecite.cli.helptext import HELP as HELP_TEXTS
from chilecite.corpus import Corpus
from chilecite.outputs import Quotes, Stats
from chilecite.workspace import Workspace
from tests.support import RECORDS, copy_records, require_essay


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$CHILECITE_CACHE for this test: the base folder; chilecite's own folder is made inside it."""
    base = tmp_path / "cache-base"
    monkeypatch.setenv("CHILECITE_CACHE", str(base))
    return base


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def same_edit(path: Path, old: str, new: str) -> None:
    """Replace `old` by `new` (the same length) keeping the file's size and modification time."""
    assert len(old) == len(new)
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns


# --------------------------------------------------------------------------- the folder: only chilecite's own


def test_the_cache_is_a_private_folder_chilecite_makes_with_its_tag(private_cache: Path) -> None:
    assert invoke("--records", str(RECORDS), "-q", "stats").exit_code == 0  # type: ignore[attr-defined]
    folder = private_cache / FOLDER
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert (folder / TAG).read_text(encoding="ascii").startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert sorted(p.name for p in folder.iterdir()) == [TAG, "cache.sqlite3"]  # no journal once a write is done


@pytest.mark.parametrize("mode", [0o1777, 0o755, 0o700], ids=["sticky-world-writable", "shared", "private"])
def test_an_existing_folder_named_as_the_cache_keeps_its_mode_and_holds_only_chilecites_folder(private_cache: Path, mode: int) -> None:
    """H-1: `CHILECITE_CACHE=d` with d an existing folder ($HOME, ., /tmp): d is never re-moded."""
    private_cache.mkdir()
    os.chmod(private_cache, mode)
    (private_cache / "someone-elses.txt").write_text("keep", encoding="utf-8")
    assert invoke("--records", str(RECORDS), "-q", "stats").exit_code == 0  # type: ignore[attr-defined]
    assert stat.S_IMODE(private_cache.stat().st_mode) == mode
    assert sorted(p.name for p in private_cache.iterdir()) == [FOLDER, "someone-elses.txt"]
    assert (private_cache / "someone-elses.txt").read_text(encoding="utf-8") == "keep"


def _foreign_without_tag(folder: Path) -> None:
    folder.mkdir(mode=0o700)


def _foreign_open_to_others(folder: Path) -> None:
    folder.mkdir()
    (folder / TAG).write_text(cache_module.TAG_TEXT, encoding="ascii")
    os.chmod(folder, 0o755)


def _foreign_link(folder: Path) -> None:
    target = folder.parent / "elsewhere"
    target.mkdir(mode=0o700)
    (target / TAG).write_text(cache_module.TAG_TEXT, encoding="ascii")
    folder.symlink_to(target)


def _foreign_file(folder: Path) -> None:
    folder.write_text("not a folder", encoding="utf-8")


def _foreign_other_tag(folder: Path) -> None:
    folder.mkdir(mode=0o700)
    (folder / TAG).write_text("Signature: 8a477f597d28d172789f06886806bc55\n# another program's cache\n", encoding="ascii")


@pytest.mark.parametrize("make", [_foreign_without_tag, _foreign_open_to_others, _foreign_link, _foreign_file, _foreign_other_tag],
                         ids=["no-tag", "open-to-others", "symbolic-link", "a-file", "another-programs-tag"])
def test_a_folder_chilecite_did_not_make_is_left_untouched_and_the_command_answers_uncached(private_cache: Path, make: object) -> None:
    private_cache.mkdir()
    folder = private_cache / FOLDER
    make(folder)  # type: ignore[operator]
    before = {p: (p.lstat().st_mode, p.read_bytes() if p.is_file() and not p.is_symlink() else None) for p in private_cache.rglob("*")}
    result = invoke("--records", str(RECORDS), "stats")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert result.stdout == invoke("--records", str(RECORDS), "--no-cache", "stats").stdout  # type: ignore[attr-defined]
    assert result.stderr.count("answering without the cache") == 1  # type: ignore[attr-defined]
    after = {p: (p.lstat().st_mode, p.read_bytes() if p.is_file() and not p.is_symlink() else None) for p in private_cache.rglob("*")}
    assert after == before


def test_a_folder_of_another_user_is_left_untouched(private_cache: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a folder another user owns needs root")
    private_cache.mkdir()
    folder = private_cache / FOLDER
    folder.mkdir(mode=0o700)
    (folder / TAG).write_text(cache_module.TAG_TEXT, encoding="ascii")
    os.chown(folder, 65534, 65534)
    result = invoke("--records", str(RECORDS), "stats")
    assert result.exit_code == 0 and "not private to this user" in result.stderr  # type: ignore[attr-defined]
    assert sorted(p.name for p in folder.iterdir()) == [TAG]


@pytest.mark.parametrize("what", ["fifo", "folder", "garbage"])
@pytest.mark.parametrize("where", ["cache.sqlite3", "cache.sqlite3-journal", "cache.sqlite3-wal"])
def test_a_fifo_folder_or_garbage_where_the_database_belongs_neither_hangs_nor_fails(private_cache: Path, what: str, where: str) -> None:
    """L-a and the class it stands for: whatever stands where the cache's files belong."""
    assert invoke("--records", str(RECORDS), "-q", "stats").exit_code == 0  # type: ignore[attr-defined]
    path = private_cache / FOLDER / where
    path.unlink(missing_ok=True)
    if what == "fifo":
        os.mkfifo(path)
    elif what == "folder":
        path.mkdir()
    else:
        path.write_bytes(os.urandom(4096))
    if what == "garbage" and where != "cache.sqlite3":
        pytest.skip("a stray journal is SQLite's to roll back or ignore; it is not garbage to it")
    probe = subprocess.run([sys.executable, "-m", "chilecite", "--records", str(RECORDS), "stats"], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "CHILECITE_CACHE": str(private_cache)})
    uncached = invoke("--records", str(RECORDS), "--no-cache", "-q", "stats")
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout == uncached.stdout  # type: ignore[attr-defined]
    assert probe.stderr.count("answering without the cache") == 1
    if what == "garbage":  # a damaged database is removed, and the next run has a cache again
        again = subprocess.run([sys.executable, "-m", "chilecite", "--records", str(RECORDS), "stats"], capture_output=True, text=True, timeout=60,
                               env={**os.environ, "CHILECITE_CACHE": str(private_cache)})
        assert again.returncode == 0 and "without the cache" not in again.stderr and again.stdout == probe.stdout


def test_a_read_only_cache_answers_uncached(private_cache: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes through a read-only mode")
    assert invoke("--records", str(RECORDS), "-q", "stats").exit_code == 0  # type: ignore[attr-defined]
    folder = private_cache / FOLDER
    os.chmod(folder / "cache.sqlite3", 0o400)
    result = invoke("--records", str(RECORDS), "-q", "notes")
    assert result.exit_code == 0 and "answering without the cache" in result.stderr  # type: ignore[attr-defined]


def test_a_locked_database_answers_uncached_without_waiting_long(private_cache: Path) -> None:
    assert invoke("--records", str(RECORDS), "-q", "stats").exit_code == 0  # type: ignore[attr-defined]
    holder = sqlite3.connect(private_cache / FOLDER / "cache.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = invoke("--records", str(RECORDS), "-q", "notes")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 0 and result.stdout == invoke("--records", str(RECORDS), "-q", "--no-cache", "notes").stdout  # type: ignore[attr-defined]
    assert "answering without the cache" in result.stderr  # type: ignore[attr-defined]


def test_a_write_that_fails_for_size_answers_uncached(tmp_path: Path, private_cache: Path) -> None:
    """M-1: a cache write that fails (a full disk, `ulimit -f`) never fails the command."""
    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))

    run = subprocess.run([sys.executable, "-m", "chilecite", "--records", str(RECORDS), "export", "csl-json"], capture_output=True, text=True,
                         timeout=120, preexec_fn=limit_file_size, env={**os.environ, "CHILECITE_CACHE": str(private_cache)})
    uncached = invoke("--records", str(RECORDS), "--no-cache", "-q", "export", "csl-json")
    assert run.returncode == 0, run.stderr
    assert run.stdout == uncached.stdout  # type: ignore[attr-defined]
    assert run.stderr.count("answering without the cache") == 1


def test_no_cache_reads_and_writes_nothing(private_cache: Path) -> None:
    assert invoke("--records", str(RECORDS), "--no-cache", "-q", "quote", "allende-history-is-ours").exit_code == 0  # type: ignore[attr-defined]
    assert not private_cache.exists()
    invoke("--records", str(RECORDS), "-q", "stats")  # the next command without it uses the cache again
    assert (private_cache / FOLDER / "cache.sqlite3").is_file()


def test_the_library_writes_no_cache_unless_asked(private_cache: Path) -> None:
    import chilecite

    chilecite.quotation("allende-history-is-ours").cite(style="apa", format="html")
    Workspace(RECORDS).answer(Stats())
    assert not private_cache.exists()
    Workspace(RECORDS, cache=True).answer(Stats())
    assert (private_cache / FOLDER / "cache.sqlite3").is_file()


# --------------------------------------------------------------------------- keys: typed, complete, from this run


def test_keys_keep_types_apart_and_refuse_what_has_no_canonical_form() -> None:
    def as_json(value: object) -> str:
        return json.dumps(canonical(value))

    assert as_json(None) != as_json("None") and as_json(1) != as_json(True) and as_json(1) != as_json(1.0)
    assert cache_key("answer", request=Quotes(by=None)) != cache_key("answer", request=Quotes(by="None"))
    assert canonical(frozenset({3, 1})) == canonical(frozenset({1, 3}))
    with pytest.raises(TypeError):
        canonical(Path("records"))
    with pytest.raises(TypeError):
        canonical(object())


def test_the_text_none_is_not_the_default_none() -> None:
    """M-2: after `quotes`, `quotes --by None` is the usage error it is without the cache."""
    assert invoke("--records", str(RECORDS), "-q", "quotes").exit_code == 0  # type: ignore[attr-defined]
    for args in (["quotes", "--by", "None"], ["quotes", "--section", "None"], ["export", "bibtex", "--notes", "None"]):
        cached = invoke("--records", str(RECORDS), "-q", *args)
        uncached = invoke("--records", str(RECORDS), "-q", "--no-cache", *args)
        assert cached.exit_code == uncached.exit_code == 2, args  # type: ignore[attr-defined]
        assert cached.output == uncached.output  # type: ignore[attr-defined]


def test_a_dependency_upgrade_gives_new_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    cache_module.environment.cache_clear()
    before = cache_key("answer", request=Stats())
    distributions = cache_module.installed_distributions()
    assert any(d.lower().startswith("bibtexparser-") for d in distributions) and any(d.lower().startswith("citeproc_py-") for d in distributions)
    monkeypatch.setattr(cache_module, "installed_distributions",
                        lambda: [d if not d.lower().startswith("bibtexparser-") else "bibtexparser-9.9.9" for d in distributions])
    cache_module.environment.cache_clear()
    try:
        assert cache_key("answer", request=Stats()) != before
    finally:
        monkeypatch.undo()
        cache_module.environment.cache_clear()
    assert cache_key("answer", request=Stats()) == before


def test_labels_come_from_the_run_that_prints_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """L-b: `records.path` in JSON and the style's name are this run's, though the answer was kept."""
    root = copy_records(tmp_path)
    monkeypatch.chdir(tmp_path)
    first = invoke("--records", "records", "-q", "stats", "--format", "json")
    second = invoke("--records", str(root), "-q", "stats", "--format", "json")
    assert '"path": "records"' in first.stdout and '"path": "records"' not in second.stdout  # type: ignore[attr-defined]
    assert f'"path": "{root}"' in second.stdout  # type: ignore[attr-defined]
    copy = tmp_path / "mla-copy.csl"
    shutil.copyfile(RECORDS.parent / "src" / "chilecite" / "styles" / "modern-language-association.csl", copy)
    for style, label in (("mla", "modern-language-association"), (str(copy), "mla-copy"), ("mla", "modern-language-association")):
        result = invoke("--records", str(root), "-q", "quote", "allende-history-is-ours", "--style", style, "--format", "json")
        assert f'"style": "{label}"' in result.stdout, style  # type: ignore[attr-defined]
        assert "qtd. in" in result.stdout, style  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- never stale


def test_an_edit_of_the_same_size_and_time_is_seen(tmp_path: Path) -> None:
    root = copy_records(tmp_path)
    assert invoke("--records", str(root), "-q", "show", "32").exit_code == 0  # type: ignore[attr-defined]
    same_edit(root / "notes" / "032.yaml", "supports:", "supportz:")
    broken = invoke("--records", str(root), "-q", "show", "32")
    assert broken.exit_code == 1 and broken.stdout == "" and "supportz" in broken.stderr  # type: ignore[attr-defined]
    same_edit(root / "notes" / "032.yaml", "supportz:", "supports:")
    assert invoke("--records", str(root), "-q", "show", "32").exit_code == 0  # type: ignore[attr-defined]


def test_a_style_edited_in_place_gives_a_new_answer(tmp_path: Path) -> None:
    style = tmp_path / "mine.csl"
    shutil.copyfile(RECORDS.parent / "src" / "chilecite" / "styles" / "apa.csl", style)
    first = invoke("--records", str(RECORDS), "-q", "cite", "32", "--style", str(style))
    same_edit(style, '<layout delimiter="; " prefix="(" suffix=")">', '<layout delimiter="; " prefix="[" suffix="]">')
    second = invoke("--records", str(RECORDS), "-q", "cite", "32", "--style", str(style))
    uncached = invoke("--records", str(RECORDS), "-q", "--no-cache", "cite", "32", "--style", str(style))
    assert second.stdout == uncached.stdout != first.stdout  # type: ignore[attr-defined]


def test_a_text_edit_gives_a_new_report(tmp_path: Path) -> None:
    text = tmp_path / "essay.txt"
    shutil.copyfile(require_essay(), text)
    clean = invoke("--records", str(RECORDS), "--essay", str(text), "-q", "validate")
    assert clean.exit_code == 0  # type: ignore[attr-defined]
    content = text.read_text(encoding="utf-8")
    text.write_text(content.replace("History is ours", "History is Ours", 1), encoding="utf-8")
    changed = invoke("--records", str(RECORDS), "--essay", str(text), "-q", "validate")
    uncached = invoke("--records", str(RECORDS), "--essay", str(text), "-q", "--no-cache", "validate")
    assert changed.exit_code == 1 and changed.stdout == uncached.stdout  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- work in proportion to the change


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files parsed from YAML (not taken from the cache), by name."""
    seen: list[str] = []
    real = loading.load_bytes

    def counting(path: str, *args: object) -> object:
        seen.append(Path(path).name)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(loading, "load_bytes", counting)
    return seen


def test_after_an_edit_only_the_changed_file_is_parsed_and_checked_alone(tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_records(tmp_path)
    checked: list[int] = []
    real = rules.check_records

    def counting(corpus: Corpus, text: object, **options: object) -> object:
        checked.append(sum(1 for _ in corpus.records()))
        return real(corpus, text, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(rules, "check_records", counting)
    first = Workspace(root, cache=True).report()
    assert len(parsed) == first.checked_files and checked == [first.checked_files]
    parsed.clear()
    checked.clear()
    same_edit(root / "works" / "miliband1973coup.yaml", "Chile", "CHILE")
    again = Workspace(root, cache=True).report()
    assert parsed == ["miliband1973coup.yaml"] and checked == [1]
    assert again == Workspace(root).report()


def test_an_unchanged_tree_is_answered_without_loading_a_record(tmp_path: Path) -> None:
    root = copy_records(tmp_path)
    probe = ("import sys; from chilecite.cli import main\ntry:\n    main()\nfinally:\n"
             "    print('LOADED', sorted(m for m in ('pydantic', 'chilecite.models', 'citeproc', 'lxml') if m in sys.modules), file=sys.stderr)")
    env = {**os.environ, "CHILECITE_CACHE": str(tmp_path / "cache")}
    for args in (["validate"], ["stats"], ["quote", "allende-history-is-ours", "--style", "APA"], ["export", "csl-json"]):
        runs = [subprocess.run([sys.executable, "-c", probe, "--records", str(root), "-q", *args], capture_output=True, text=True, env=env, timeout=300)
                for _ in range(2)]
        assert runs[0].returncode == runs[1].returncode == 0 and runs[0].stdout == runs[1].stdout, runs[1].stderr
        assert "LOADED []" in runs[1].stderr, (args, runs[1].stderr)


# --------------------------------------------------------------------------- the per-record checks are per record


def test_each_per_record_check_finds_for_a_record_alone_what_it_finds_for_it_in_the_corpus(tmp_path: Path) -> None:
    """The cache keeps a per-record check's problems with the record's file: exact only if what
    the check says of a record depends on that record alone (and the text). Checked on the bundled
    records and on every broken fixture of the bad corpus."""
    from chilecite.loading import with_contributed
    from chilecite.text import ReferenceText

    text = ReferenceText.from_file(require_essay())
    base = loading.load_corpus(RECORDS)
    bad = Path(__file__).parent / "bad"
    corpora = [base] + [with_contributed(base, sorted(p for p in case.rglob("*.yaml"))) for case in sorted(bad.iterdir()) if case.is_dir()]
    for corpus in corpora:
        reference = corpus.essay is not None and text.sha256 == corpus.essay.text_sha256  # the workspace says so from essay.yaml
        together = sorted(rules.check_records(corpus, text, reference=reference), key=lambda p: p.sort_key())
        alone: list[object] = []
        for kind, rid, record in corpus.records():
            single = Corpus()
            single.add(kind, rid, record, corpus.sources[(kind, rid)])
            alone.extend(rules.check_records(single, text, reference=reference))
        assert together == sorted(alone, key=lambda p: p.sort_key())  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- start-up and the terminal


def test_progress_is_drawn_only_on_a_terminal_and_not_when_quiet(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from chilecite.cli import context
    from chilecite.cli.context import Options

    monkeypatch.setattr(Options, "PROGRESS_FROM", 1)
    for terminal, quiet, drawn in ((False, False, False), (True, True, False), (True, False, True)):
        monkeypatch.setattr(context, "_is_terminal", lambda stream, terminal=terminal: terminal)
        result = CliRunner().invoke(cli, ["--records", str(RECORDS), "--no-cache", *(["-q"] if quiet else []), "stats"], catch_exceptions=False)
        assert ("Loading records" in result.stderr) is drawn


def test_global_options_are_accepted_before_and_after_the_command() -> None:
    for args in (["--no-cache", "-q", "--records", str(RECORDS), "stats"], ["--records", str(RECORDS), "stats", "--quiet", "--no-cache"]):
        result = invoke(*args)
        assert result.exit_code == 0 and result.stderr == ""  # type: ignore[attr-defined]


def test_the_fast_help_is_what_click_prints() -> None:
    """If this fails, a command or option changed: regenerate the table with
    `python -c "from chilecite.cli import helptext_module; print(helptext_module(), end='')" > src/chilecite/cli/helptext.py`."""
    assert (Path(__file__).resolve().parents[1] / "src" / "chilecite" / "cli" / "helptext.py").read_text(encoding="utf-8") == helptext_module()


@pytest.mark.parametrize("path", sorted(HELP_TEXTS), ids=lambda path: " ".join(path) or "chilecite")
def test_every_help_starts_without_click(path: tuple[str, ...]) -> None:
    probe = "import sys; from chilecite.cli import main; main(); print(sorted(m for m in ('click', 'pydantic', 'yaml', 'typing') if m in sys.modules), file=sys.stderr)"
    result = subprocess.run([sys.executable, "-c", probe, *path, "--help"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"}, check=True)
    assert result.stdout == HELP_TEXTS[path]
    assert result.stderr.strip() == "[]"


def test_version_starts_without_click() -> None:
    probe = "import sys; from chilecite.cli import main; main(); print(sorted(m for m in ('click', 'pydantic', 'yaml', 'typing') if m in sys.modules), file=sys.stderr)"
    result = subprocess.run([sys.executable, "-c", probe, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("chilecite, version ") and result.stderr.strip() == "[]"


def test_a_narrow_terminal_gets_clicks_own_help() -> None:
    result = subprocess.run([sys.executable, "-c", "from chilecite.cli import main; main()", "--help"], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "60"}, check=True)
    assert result.stdout != HELP_TEXTS[()] and "Commands:" in result.stdout


def test_every_control_character_is_unprintable() -> None:
    """The hygiene walk searches only strings that are not printable: exact only if this holds."""
    from chilecite.characters import UNSAFE_RE

    characters = [chr(c) for c in range(0x110000) if UNSAFE_RE.match(chr(c))]
    assert characters and not any(c.isprintable() for c in characters)


def test_a_full_table_is_cut_below_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cache_module.LIMITS, "answers", 16)
    store = Cache.open(tmp_path)
    assert store is not None
    for i in range(40):
        store.put_answer(f"k{i}", i)
    count = sqlite3.connect(tmp_path / FOLDER / "cache.sqlite3").execute("SELECT count(*) FROM answers").fetchone()[0]
    assert count <= 16 and store.get_answer("k39") == 39 and store.get_answer("k0") is None
