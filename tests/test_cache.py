"""The cache: it gives the answer the same command gives without it, touches only the folder it made,
and never fails or hangs a command. Start-up fast paths are here too.

Every test has a cache of its own in tmp_path (CHILECITE_CACHE), so none reads another's entries.
The differential property over random sequences of commands and edits is in test_cache_differential.py.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite import cache as cache_module
from chilecite import loading, rules
from chilecite.cache import FOLDER, Cache
from chilecite.cli import cli, helptext_module
from chilecite.cli.helptext import HELP as HELP_TEXTS
from chilecite.corpus import Corpus
from chilecite.workspace import Workspace
from tests.support import RECORDS, copy_records, invoke, require_essay

pytestmark = pytest.mark.usefixtures("private_cache")  # a cache of this test's own (tests/conftest.py)


def same_edit(path: Path, old: str, new: str) -> None:
    """Replace `old` by `new` (the same length) keeping the file's size and modification time."""
    assert len(old) == len(new)
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns


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
