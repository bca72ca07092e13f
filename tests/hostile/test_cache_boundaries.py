"""Trust boundaries of the cache (issue 19's H-1, M-1, M-2, L-a and L-b, and the classes they stand
for): it uses only a folder chilecite made itself, never fails or hangs a command whatever stands
where its files belong, keys what it keeps by typed values, and prints only this run's labels.
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

from chilecite import cache as cache_module
from chilecite.cache import FOLDER, TAG, cache_key, canonical
from chilecite.outputs import Quotes, Stats
from chilecite.workspace import Workspace
from tests.support import RECORDS, copy_records, invoke

pytestmark = pytest.mark.usefixtures("private_cache")  # a cache of this test's own (tests/conftest.py)


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
