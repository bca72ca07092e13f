"""The cache: never stale, never trusted blindly, never in the way; and the start-up fast paths.

Every test has a cache of its own in tmp_path (CHILECITE_CACHE), so none reads another's entries.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite import cache as cache_module
from chilecite import loading
from chilecite import tree as tree_module
from chilecite.cache import Cache
from chilecite.cli import HELP, cli
from chilecite.loading import load_corpus
from tests.support import RECORDS, copy_records


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("CHILECITE_CACHE", str(path))
    yield path
    cache_module.configure(enabled=True)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files parsed from YAML (not taken from a snapshot), in order."""
    seen: list[str] = []
    real = loading._load_bytes

    def counting(path: str, *args: object) -> object:
        seen.append(Path(path).name)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(loading, "_load_bytes", counting)
    return seen


def same_corpus(a: object, b: object) -> None:
    assert list(a.records()) == list(b.records())  # type: ignore[attr-defined]
    assert a.problems == b.problems  # type: ignore[attr-defined]
    assert a.files == b.files and a.digest == b.digest  # type: ignore[attr-defined]
    assert [(k, s.display, s.path) for k, s in a.sources.items()] == [(k, s.display, s.path) for k, s in b.sources.items()]  # type: ignore[attr-defined]


def snapshot_files(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "trees").glob("*.cache"))


# --------------------------------------------------------------------------- the directory and its secret


def test_the_cache_directory_and_its_secret_are_private(private_cache: Path) -> None:
    cache = Cache.open()
    assert cache is not None
    assert stat.S_IMODE(private_cache.stat().st_mode) == 0o700
    assert stat.S_IMODE((private_cache / "key").stat().st_mode) == 0o600
    assert len((private_cache / "key").read_bytes()) == 32


def test_a_directory_open_to_others_is_closed_before_use(private_cache: Path) -> None:
    private_cache.mkdir(mode=0o777)
    os.chmod(private_cache, 0o777)
    assert Cache.open() is not None
    assert stat.S_IMODE(private_cache.stat().st_mode) == 0o700


def test_a_symbolic_link_is_not_used_as_the_cache(tmp_path: Path, private_cache: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    private_cache.symlink_to(elsewhere)
    assert Cache.open() is None
    assert not list(elsewhere.iterdir())


def test_a_secret_readable_by_others_is_replaced_and_its_entries_rejected(private_cache: Path) -> None:
    cache = Cache.open()
    assert cache is not None
    cache.put_json("reports", "k", {"a": 1})
    os.chmod(private_cache / "key", 0o644)
    again = Cache.open()
    assert again is not None and again.get_json("reports", "k") is None
    assert stat.S_IMODE((private_cache / "key").stat().st_mode) == 0o600


# --------------------------------------------------------------------------- records


def test_a_warm_load_gives_the_cold_load_and_parses_nothing(parses: list[str]) -> None:
    cold = load_corpus(RECORDS)
    first = load_corpus(RECORDS, cache=Cache.open())
    assert len(parses) == 2 * cold.files
    parses.clear()
    warm = load_corpus(RECORDS, cache=Cache.open())
    assert parses == []
    same_corpus(cold, first)
    same_corpus(cold, warm)


def test_a_broken_tree_loads_the_same_warm_problems_and_positions_included(tmp_path: Path) -> None:
    root = copy_records(tmp_path)
    (root / "agents" / "frei-eduardo.yaml").write_text("kind: person\nfamily: Frei\nfamily: Montalva\n", encoding="utf-8")
    (root / "works" / "frei1964revolution.yaml").write_text("type: speech\ntitle: Revolution\nissued:\n  - 1964\n", encoding="utf-8")
    (root / "notes" / "010.yaml").write_text((root / "notes" / "010.yaml").read_text(encoding="utf-8").replace("work: ", "work: nobody", 1),
                                            encoding="utf-8")
    (root / "agents" / "not-utf8.yaml").write_bytes(b"kind: person\nfamily: Fr\xe9i\n")
    from chilecite.rules import validate

    cold = load_corpus(root)
    load_corpus(root, cache=Cache.open())
    warm = load_corpus(root, cache=Cache.open())
    same_corpus(cold, warm)
    assert len(cold.problems) == 3
    assert validate(cold, None).problems == validate(warm, None).problems  # positions read back from the files


def test_never_stale_one_byte_changed_with_the_same_size_and_time(tmp_path: Path, parses: list[str]) -> None:
    root = copy_records(tmp_path)
    path = root / "agents" / "allende-salvador.yaml"
    load_corpus(root, cache=Cache.open())
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "Allende" in text
    path.write_text(text.replace("Allende", "Allendf", 1), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
    parses.clear()
    warm = load_corpus(root, cache=Cache.open())
    assert parses == ["allende-salvador.yaml"]  # that file only
    assert warm.agents["allende-salvador"].family == "Allendf"  # type: ignore[union-attr]
    same_corpus(load_corpus(root), warm)


def test_added_and_removed_files_are_seen(tmp_path: Path, parses: list[str]) -> None:
    root = copy_records(tmp_path)
    load_corpus(root, cache=Cache.open())
    (root / "agents" / "allende-salvador.yaml").unlink()
    (root / "agents" / "zz-new.yaml").write_text("kind: person\nfamily: New\n", encoding="utf-8")
    parses.clear()
    warm = load_corpus(root, cache=Cache.open())
    assert parses == ["zz-new.yaml"]
    assert "allende-salvador" not in warm.agents and "zz-new" in warm.agents
    reference = load_corpus(root)
    same_corpus(reference, warm)
    parses.clear()
    same_corpus(reference, load_corpus(root, cache=Cache.open()))
    assert parses == []


def _damage(how: str, entry: Path, private_cache: Path) -> None:
    data = entry.read_bytes()
    if how == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif how == "corrupted":
        middle = len(data) // 2
        entry.write_bytes(data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1:])
    elif how == "tampered":  # valid JSON, a different record: only the MAC tells
        entry.write_bytes(data.replace(b'"family":"Allende"', b'"family":"Pinochet"'))
        assert entry.read_bytes() != data
    elif how == "foreign":  # the same entry made with another user's secret
        (private_cache / "key").write_bytes(os.urandom(32))
    elif how == "empty":
        entry.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "corrupted", "tampered", "foreign", "empty"])
def test_a_damaged_or_foreign_snapshot_is_ignored_and_rebuilt(how: str, tmp_path: Path, private_cache: Path, parses: list[str]) -> None:
    root = copy_records(tmp_path)
    cold = load_corpus(root)
    load_corpus(root, cache=Cache.open())
    [entry] = snapshot_files(private_cache)
    _damage(how, entry, private_cache)
    parses.clear()
    again = load_corpus(root, cache=Cache.open())
    same_corpus(cold, again)
    assert parses[-cold.files:] == [Path(p).name for p in tree_module.record_files(root)]  # loaded again in full, the entry's part dropped
    parses.clear()
    same_corpus(cold, load_corpus(root, cache=Cache.open()))  # and the rebuilt snapshot is good
    assert parses == []


def test_the_same_tree_named_another_way_names_its_files_that_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_records(tmp_path)
    (root / "agents" / "frei-eduardo.yaml").write_text("kind: person\nfamily: Frei\nfamily: Montalva\n", encoding="utf-8")
    absolute = load_corpus(root, cache=Cache.open())
    monkeypatch.chdir(root)
    here = load_corpus(Path("."), cache=Cache.open())
    assert [p.file for p in absolute.problems] == ["records/agents/frei-eduardo.yaml"]
    same_corpus(load_corpus(Path(".")), here)
    assert absolute.digest != here.digest


def test_records_share_fields_sets_and_copies_stay_apart() -> None:
    corpus = load_corpus(RECORDS, cache=Cache.open())
    groups: dict[frozenset[str], list] = {}
    for work in corpus.works.values():
        groups.setdefault(frozenset(work.model_fields_set), []).append(work)
    first, second = next(group for group in groups.values() if len(group) > 1)[:2]
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    field = next(name for name in ("comment", "doi", "isbn", "genre") if name not in first.model_fields_set)
    copy = first.model_copy(update={field: "x"})
    assert field in copy.model_fields_set
    assert field not in first.model_fields_set and field not in second.model_fields_set


def test_another_version_never_reads_this_ones_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]) -> None:
    root = copy_records(tmp_path)
    load_corpus(root, cache=Cache.open())
    monkeypatch.setattr(cache_module, "fingerprint", lambda: "another chilecite")
    parses.clear()
    load_corpus(root, cache=Cache.open())
    assert parses == [Path(p).name for p in tree_module.record_files(root)]


def test_the_fingerprint_covers_chilecite_source_and_is_stable() -> None:
    cache_module.fingerprint.cache_clear()
    first = cache_module.fingerprint()
    cache_module.fingerprint.cache_clear()
    assert cache_module.fingerprint() == first and len(first) == 64


def test_entries_are_json_with_a_mac_and_no_pickle(tmp_path: Path, private_cache: Path) -> None:
    load_corpus(copy_records(tmp_path), cache=Cache.open())
    [entry] = snapshot_files(private_cache)
    lines = entry.read_bytes().split(b"\n")
    assert lines[0] == b"chilecite-cache 1" and lines[-2].startswith(b"mac ") and lines[-1] == b""
    assert all(isinstance(json.loads(line), list) for line in lines[1:-2])
    assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0


def test_old_entries_are_pruned(private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cache_module.LIMITS, "reports", 3)
    cache = Cache.open()
    assert cache is not None
    for i in range(6):
        cache.put_json("reports", f"key {i}", i)
    assert len(list((private_cache / "reports").glob("*.cache"))) == 3
    assert cache.get_json("reports", "key 5") == 5


def test_a_full_folder_is_cut_below_its_limit_so_it_is_not_dated_at_every_write(private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cache_module.LIMITS, "citations", 16)
    cache = Cache.open()
    assert cache is not None
    dated: list[int] = []
    real_stat = os.stat
    monkeypatch.setattr(cache_module.os, "stat", lambda path, *a, **k: (dated.append(1) if str(path).endswith(".cache") else None, real_stat(path, *a, **k))[1])
    counts = []
    for i in range(40):
        cache.put_json("citations", f"key {i}", i)
        counts.append(len(list((private_cache / "citations").glob("*.cache"))))
    assert max(counts) == 16 and counts[-1] >= 14  # never over the limit, cut to 16 - 16 // 8
    assert cache.get_json("citations", "key 39") == 39 and cache.get_json("citations", "key 0") is None
    assert len(dated) < 40 * 16 // 4  # dated only when over the limit: not 16 stats per write


# --------------------------------------------------------------------------- the command line


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_no_cache_reads_and_writes_nothing(private_cache: Path) -> None:
    result = invoke("--records", str(RECORDS), "--no-cache", "quote", "allende-history-is-ours")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert not private_cache.exists() or not any(private_cache.rglob("*.cache"))
    result = invoke("--records", str(RECORDS), "stats", "--no-cache", "--quiet")
    assert result.exit_code == 0 and result.stderr == ""  # type: ignore[attr-defined]
    assert not private_cache.exists() or not any(private_cache.rglob("*.cache"))
    invoke("--records", str(RECORDS), "stats")  # the next command without it uses the cache again
    assert list(private_cache.rglob("*.cache"))


def test_the_gate_keeps_the_report_and_sees_a_broken_record(tmp_path: Path, private_cache: Path) -> None:
    root = copy_records(tmp_path)
    first = invoke("--records", str(root), "stats")
    second = invoke("--records", str(root), "stats")
    assert first.exit_code == second.exit_code == 0 and first.stdout == second.stdout  # type: ignore[attr-defined]
    assert list((private_cache / "reports").glob("*.cache"))
    path = root / "works" / "miliband1973coup.yaml"
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("type: ", "tipe: ", 1), encoding="utf-8")  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    refused = invoke("--records", str(root), "stats")
    assert refused.exit_code == 1 and "do not validate" in refused.stderr  # type: ignore[attr-defined]


def test_a_cached_report_matches_a_fresh_one_for_every_selection(tmp_path: Path) -> None:
    root = copy_records(tmp_path)
    (root / "works" / "nobody1970uncited.yaml").write_text("type: book\ntitle: Nobody cites this\n", encoding="utf-8")
    for args in ([], ["--select", "CC06"], ["--ignore", "CC061"], ["--format", "json"]):
        fresh = invoke("--records", str(root), "--no-cache", "validate", *args)
        first = invoke("--records", str(root), "validate", *args)
        again = invoke("--records", str(root), "validate", *args)
        assert fresh.stdout == first.stdout == again.stdout, args  # type: ignore[attr-defined]
        assert fresh.exit_code == first.exit_code == again.exit_code  # type: ignore[attr-defined]


def test_session_report_comes_from_the_cache_without_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chilecite.cli.context import Session

    root = copy_records(tmp_path)
    session = Session()
    session.records = root
    first = session.report()
    class Loaded(Exception):
        pass

    def corpus(self: Session, extra: object = ()) -> None:
        raise Loaded

    monkeypatch.setattr(Session, "corpus", corpus)
    again = Session()
    again.records = root
    assert again.report() == first  # not loaded
    (root / "agents" / "zz-new.yaml").write_text("kind: person\nfamily: New\n", encoding="utf-8")
    with pytest.raises(Loaded):  # the tree changed: the session loads it
        again.report()


def test_a_text_change_is_a_new_report(tmp_path: Path, essay_path: Path) -> None:
    root = copy_records(tmp_path)
    text = tmp_path / "essay.txt"
    text.write_bytes(essay_path.read_bytes())
    clean = invoke("--records", str(root), "--essay", str(text), "validate")
    assert clean.exit_code == 0, clean.stdout  # type: ignore[attr-defined]
    text.write_bytes(essay_path.read_bytes().replace(b"Allende", b"Allendf", 1))
    changed = invoke("--records", str(root), "--essay", str(text), "validate")
    assert changed.exit_code == 1 and "CC025" in changed.stdout  # type: ignore[attr-defined]


def test_a_quotation_cites_the_same_from_the_cache_without_citeproc(tmp_path: Path, private_cache: Path) -> None:
    env = {**os.environ, "CHILECITE_CACHE": str(private_cache), "CHILECITE_RECORDS": str(RECORDS)}
    command = [sys.executable, "-c", "import sys; from chilecite.cli import main; sys.argv[0] = 'chilecite'; main()"]
    quote = ["quote", "allende-history-is-ours", "--style", "apa", "--format", "html"]
    fresh = subprocess.run([*command, "--no-cache", *quote], env=env, capture_output=True, text=True, check=True)
    subprocess.run([*command, *quote], env=env, capture_output=True, text=True, check=True)
    probe = ("import sys; from chilecite.cli import main; sys.argv[1:] = sys.argv[2:]\n"
             "try:\n    main()\nfinally:\n    print('citeproc' in sys.modules, file=sys.stderr)")
    warm = subprocess.run([sys.executable, "-c", probe, "x", *quote], env=env, capture_output=True, text=True)
    assert warm.stdout == fresh.stdout
    assert warm.stderr.strip().endswith("False")


def test_global_options_are_accepted_before_and_after_the_command() -> None:
    for args in (["--no-cache", "-q", "--records", str(RECORDS), "stats"], ["--records", str(RECORDS), "stats", "--quiet", "--no-cache"]):
        result = invoke(*args)
        assert result.exit_code == 0 and result.stderr == ""  # type: ignore[attr-defined]


def test_progress_is_drawn_only_on_a_terminal_and_not_when_quiet(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from chilecite.cli import context
    from chilecite.cli.context import Session

    monkeypatch.setattr(Session, "PROGRESS_FROM", 1)
    for terminal, quiet, drawn in ((False, False, False), (True, True, False), (True, False, True)):
        monkeypatch.setattr(context, "_is_terminal", lambda stream, terminal=terminal: terminal)
        session = Session()
        session.records, session.quiet, session.no_cache = RECORDS, quiet, True
        session.corpus()
        assert ("Loading records" in capsys.readouterr().err) is drawn


# --------------------------------------------------------------------------- start-up


def test_the_fast_help_is_what_click_prints() -> None:
    """If this fails, a command or option changed: paste click's output (printed below) into `chilecite.cli.HELP`."""
    rendered = subprocess.run([sys.executable, "-c", "from chilecite.cli import cli; cli(['--help'], prog_name='chilecite')"],
                              capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"})
    assert rendered.stdout == HELP, rendered.stdout


@pytest.mark.parametrize(("args", "expected"), [(["--version"], "chilecite, version "), (["--help"], HELP), (["-h"], HELP)])
def test_version_and_help_start_without_click(args: list[str], expected: str) -> None:
    probe = "import sys; from chilecite.cli import main; main(); print(sorted(m for m in ('click', 'pydantic', 'yaml', 'typing') if m in sys.modules), file=sys.stderr)"
    result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"}, check=True)
    assert result.stdout.startswith(expected)
    assert result.stderr.strip() == "[]"


def test_a_narrow_terminal_gets_clicks_own_help() -> None:
    result = subprocess.run([sys.executable, "-c", "from chilecite.cli import main; main()", "--help"], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "60"}, check=True)
    assert result.stdout != HELP and "Commands:" in result.stdout


# --------------------------------------------------------------------------- speed-ups that must not change results


def test_every_control_character_is_unprintable() -> None:
    """The hygiene walk searches only strings that are not printable: exact only if this holds."""
    from chilecite.rules.hygiene import CONTROL_RE

    characters = [chr(c) for c in range(0x110000) if CONTROL_RE.match(chr(c))]
    assert characters and not any(c.isprintable() for c in characters)


# --------------------------------------------------------------------------- outputs of commands that read the records


def _chilecite(args: list[str], cwd: Path, cache: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    probe = ("import sys; from chilecite.cli import main\ntry:\n    main()\nfinally:\n"
             "    print('LOADED', sorted(m for m in ('pydantic', 'chilecite.models', 'citeproc') if m in sys.modules), file=sys.stderr)")
    environment = {**os.environ, "CHILECITE_CACHE": str(cache), **(env or {})}
    return subprocess.run([sys.executable, "-c", probe, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args", [
    pytest.param(["stats"], id="stats"),
    pytest.param(["show", "32", "--format", "json"], id="show-json"),
    pytest.param(["quote", "allende-history-is-ours", "--style", "APA"], id="quote"),
    pytest.param(["export", "csl-json"], id="export"),
])
def test_a_second_run_prints_the_same_without_loading_a_record(args: list[str], tmp_path: Path) -> None:
    records = copy_records(tmp_path)
    first = _chilecite(["--records", str(records), *args], tmp_path, tmp_path / "cache")
    second = _chilecite(["--records", str(records), *args], tmp_path, tmp_path / "cache")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert second.stdout == first.stdout
    assert "LOADED ['chilecite.models', 'pydantic']" in first.stderr or "LOADED ['chilecite.models', 'citeproc', 'pydantic']" in first.stderr
    assert "LOADED []" in second.stderr  # answered from the cache: no model, no citeproc


def test_a_cached_output_is_never_stale_nor_served_for_a_broken_tree(tmp_path: Path) -> None:
    records = copy_records(tmp_path)
    cache = tmp_path / "cache"
    assert _chilecite(["--records", str(records), "show", "32"], tmp_path, cache).returncode == 0
    note = records / "notes" / "032.yaml"
    info = note.stat()
    text = note.read_text(encoding="utf-8")
    edited = text.replace("supports:", "supportz:", 1)  # the same size: a broken record
    assert len(edited) == len(text)
    note.write_text(edited, encoding="utf-8")
    os.utime(note, ns=(info.st_atime_ns, info.st_mtime_ns))  # and the same time
    broken = _chilecite(["--records", str(records), "show", "32"], tmp_path, cache)
    assert broken.returncode == 1 and broken.stdout == "" and "supportz" in broken.stderr


def test_no_cache_bypasses_the_outputs(tmp_path: Path) -> None:
    records = copy_records(tmp_path)
    cache = tmp_path / "cache"
    _chilecite(["--records", str(records), "stats"], tmp_path, cache)
    again = _chilecite(["--records", str(records), "stats", "--no-cache"], tmp_path, cache)
    assert again.returncode == 0 and "LOADED ['chilecite.models', 'pydantic']" in again.stderr
