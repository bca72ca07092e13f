"""Trust boundaries, round 2 (issue 19): every path and URL a record names stays confined, and no
input hangs, overwrites or leaks. One row for each finding and for the class it stands for, each
asserting the exit code, the message, and that nothing outside the intended place changed (a victim
file beside the tree, the data folder, the other fields of the same kind).

The cache's rows (H-1, M-1, M-2, L-a, L-b) live with the cache, the importer's (M-3, L-d) in
test_import_hostile.py, and the style's (H-3) in test_style_cost.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite.cli import cli
from chilecite.edition import MARKER_FILE, EditionError, build_edition, write_edition
from chilecite.edition.output import clear_stale_staging, exchange
from chilecite.errors import UsageError
from chilecite.loading import load_corpus
from chilecite.obtaining import PAGE_FACTOR, import_limit, import_text, store_text
from chilecite.text import ReferenceText, find_text
from tests.support import RECORDS, copy_records, require_essay

QID = "allende-history-is-ours"
SECRET = "root:x:0:0:SECRET-LINE"


def snapshot(*roots: Path) -> dict[str, tuple[int, str]]:
    """Every file and folder under `roots`: its mode and, for a file, the SHA-256 of its bytes."""
    seen: dict[str, tuple[int, str]] = {}
    for root in roots:
        for path in [root, *root.rglob("*")] if root.exists() else []:
            info = os.lstat(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else os.readlink(path) if path.is_symlink() else ""
            seen[str(path)] = (info.st_mode, digest)
    return seen


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env).invoke(cli, ["-q", "--no-cache", *args], catch_exceptions=False)


def _set_line(path: Path, field: str, line: str | None, *, after: str | None = None) -> None:
    """Replace the line starting `field:` of a record by `line` (or add it after the line starting `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next((i for i, old in enumerate(lines) if old.startswith(f"{field}:")), None)
    if at is None:
        where = next(i for i, old in enumerate(lines) if old.startswith(after or "")) + 1
        lines.insert(where, line or "")
    elif line is None:
        del lines[at]
    else:
        lines[at] = line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A copied tree, an empty data folder, a victim file beside them, the working directory in tmp."""
    tree = copy_records(tmp_path)
    data = tmp_path / "data"
    victim = tmp_path / "victim.txt"
    victim.write_text(f"{SECRET}\nbin:x:1:1:ANOTHER-SECRET\n", encoding="utf-8")
    monkeypatch.setenv("CHILECITE_DATA", str(data))
    monkeypatch.delenv("CHILECITE_ESSAY", raising=False)
    monkeypatch.chdir(tmp_path)
    return {"tree": tree, "data": data, "victim": victim, "tmp": tmp_path}


# --------------------------------------------------------------------------- H-2: one URL rule for every URL field


URL_ROWS = [
    # (record, field line, where to add it, exit code, words)
    pytest.param("essay.yaml", '  url: "javascript:alert(document.domain)//"', "transcription:", 1,
                 "CC045 error: transcription.url: 'javascript:alert(document.domain)//' is not an absolute http(s) URL", id="essay-url-script"),
    pytest.param("works/miliband1973coup.yaml", 'url: "javascript:alert(1)"', None, 1, "CC045 error: url: 'javascript:alert(1)'", id="work-url-script"),
    pytest.param("works/miliband1973coup.yaml", 'url: "data:text/html,<script>alert(1)</script>"', None, 1, "CC045 error: url: 'data:text/html", id="work-url-data"),
    pytest.param("works/miliband1973coup.yaml", 'url: "http://x.org/a b"', None, 1, "(it holds U+0020)", id="work-url-space"),
    pytest.param("works/miliband1973coup.yaml", 'url: "http://x.org/\\u202egpj.exe"', None, 1, "(it holds U+202E)", id="work-url-direction-override"),
    pytest.param("works/miliband1973coup.yaml", 'url: "http://x.org/\\ta"', None, 1, "(it holds U+0009)", id="work-url-tab"),
    pytest.param("works/miliband1973coup.yaml", 'url: "http:///no-host"', None, 1, "CC045 error: url: 'http:///no-host'", id="work-url-no-host"),
    pytest.param("works/miliband1973coup.yaml", 'url: "//x.org/protocol-relative"', None, 1, "CC045", id="work-url-protocol-relative"),
    pytest.param("works/miliband1973coup.yaml", 'url: "HTTPS://WWW.MARXISTS.ORG/archive/miliband/1973/10/chile.htm"', None, 0, "file(s) checked",
                 id="work-url-upper-case-scheme-is-fine"),
    pytest.param("essay.yaml", '  url: "HtTp://www.marxists.org/history/etol/writers/gonzalez/1984/chile.html"', "transcription:", 0, "file(s) checked",
                 id="essay-url-any-case-is-fine"),
]


@pytest.mark.parametrize(("record", "line", "after", "code", "words"), URL_ROWS)
def test_every_url_field_is_checked_by_one_rule(world, record: str, line: str, after: str | None, code: int, words: str) -> None:
    path = world["tree"] / record
    _set_line(path, "url", line, after=after) if after is None else _set_line(path, "  url", line, after=after)
    before = snapshot(world["victim"], world["data"])
    result = invoke("--records", str(world["tree"]), "validate", "--select", "CC0")
    assert result.exit_code == code, result.output
    assert words in result.stdout
    assert "Traceback" not in result.output and snapshot(world["victim"], world["data"]) == before


def test_a_script_url_in_the_essay_stops_the_edition_and_the_annotations(world) -> None:
    _set_line(world["tree"] / "essay.yaml", "  url", '  url: "javascript:alert(document.domain)//"', after="transcription:")
    out = world["tmp"] / "site"
    for args in (["edition", "-o", str(out)], ["export", "annotations", "-o", str(world["tmp"] / "a.jsonld")]):
        result = invoke("--records", str(world["tree"]), "--essay", str(require_essay()), *args)
        assert result.exit_code == 1 and "do not validate" in result.stderr and "CC045" in result.stderr
    assert not out.exists() and not (world["tmp"] / "a.jsonld").exists()


def test_the_edition_and_the_annotations_link_only_web_addresses_whatever_the_records_say() -> None:
    """Defence in depth, without the gate (a corpus the models never checked, as a library caller may build)."""
    from chilecite.export.annotations import annotation_collection

    text = ReferenceText.from_file(require_essay())
    corpus = load_corpus(RECORDS)
    essay = corpus.essay
    assert essay is not None
    script = "javascript:alert(document.domain)//"
    hostile = {**corpus.works, "miliband1973coup": corpus.works["miliband1973coup"].model_copy(update={"url": "JavaScript:alert(2)"}),
               essay.key: corpus.works[essay.key].model_copy(update={"url": " javascript:alert(3)"})}
    corpus.works.clear()
    corpus.works.update(hostile)
    object.__setattr__(corpus, "essay", essay.model_copy(update={"transcription": essay.transcription.model_copy(update={"url": script})}))
    page = build_edition(corpus, text, style="harvard-cite-them-right")["index.html"].decode("utf-8")
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith(("#", "edition.css", "data:,", "http://", "https://")) for h in hrefs), sorted(set(hrefs))
    assert "javascript:" not in "".join(hrefs).lower()
    sources = {item["target"]["source"] for item in annotation_collection(corpus, text, style="harvard-cite-them-right")["first"]["items"]}
    assert len(sources) == 1 and next(iter(sources)).startswith("ni:///sha-256;")


# --------------------------------------------------------------------------- H-4: text_file is a plain name, stored and read only where texts are kept


@pytest.mark.parametrize("name", [
    pytest.param("../../victim.txt", id="parent-path"),
    pytest.param("/etc/passwd", id="absolute"),
    pytest.param("sub/essay.txt", id="a-folder"),
    pytest.param("..\\\\victim.txt", id="backslash"),
    pytest.param(".hidden.txt", id="leading-dot"),
    pytest.param("..", id="dot-dot"),
    pytest.param("essay\\x00.txt", id="nul"),
    pytest.param("essay\\n.txt", id="newline"),
])
def test_text_file_is_a_plain_file_name(world, name: str) -> None:
    _set_line(world["tree"] / "essay.yaml", "text_file", f'text_file: "{name}"')
    before = snapshot(world["victim"], world["data"])
    result = invoke("--records", str(world["tree"]), "validate")
    assert result.exit_code == 1 and "CC046 error: text_file:" in result.stdout and "is not a plain file name" in result.stdout, result.output
    assert SECRET not in result.output and "Traceback" not in result.output
    stored = invoke("--records", str(world["tree"]), "essay", "import", str(require_essay()))
    assert stored.exit_code == 1 and "essay.yaml did not load" in stored.stderr
    assert snapshot(world["victim"], world["data"]) == before  # the victim unchanged, nothing stored


def test_storing_refuses_a_place_that_leads_out_of_the_data_folder(world) -> None:
    essays = world["data"] / "essays"
    essays.mkdir(parents=True)
    name = load_corpus(world["tree"]).essay.text_file  # type: ignore[union-attr]
    (essays / name).symlink_to(world["victim"])
    before = snapshot(world["victim"])
    result = invoke("--records", str(world["tree"]), "essay", "import", str(require_essay()))
    assert result.exit_code == 2 and f"leads to {world['victim']}, outside the data folder" in result.stderr, result.output
    assert snapshot(world["victim"]) == before


def test_the_library_refuses_to_store_or_look_for_a_path() -> None:
    """Without the model (an Essay built unchecked): store_text and find_text still take a plain name only."""
    essay = load_corpus(RECORDS).essay
    assert essay is not None
    forged = essay.model_copy(update={"text_file": "../../../victim.txt"})
    with pytest.raises(UsageError, match="must be a plain file name"):
        store_text("text", forged)
    assert find_text("../../../etc/passwd").found is None and find_text("/etc/passwd").found is None


def test_a_text_linked_out_of_shared_essay_is_not_read(world) -> None:
    """shared/essay/NAME is used only if it really is in shared/essay: a link out of it is passed over."""
    shared = world["tmp"].parent / "shared" / "essay"
    name = load_corpus(world["tree"]).essay.text_file  # type: ignore[union-attr]
    if (shared / name).exists():
        pytest.skip(f"{shared} is someone's real folder")
    shared.mkdir(parents=True)
    try:
        (shared / name).symlink_to(world["victim"])
        result = invoke("--records", str(world["tree"]), "validate")
        assert result.exit_code == 0 and "skipped: CC025" in result.stdout and SECRET not in result.output, result.output
    finally:
        shutil.rmtree(shared.parent)


def test_nothing_from_a_wrong_text_is_printed(world) -> None:
    """CC026 printed a wrong file's short lines as headings: now no rule quotes a text the records are not anchored to."""
    result = invoke("--records", str(world["tree"]), "--essay", str(world["victim"]), "validate")
    assert result.exit_code == 1 and "CC025 error" in result.stdout and "CC026 error" in result.stdout
    assert "SECRET" not in result.output and "[not shown: not the reference text (CC025)]" in result.stdout


def test_no_quotation_is_anchored_in_a_wrong_text(world) -> None:
    """`new quotation` printed the words around a match from whatever text it found; now only from the records' own."""
    result = invoke("--records", str(world["tree"]), "--essay", str(world["victim"]), "new", "quotation", "--exact", "root:x")
    assert result.exit_code == 2 and "is not the one the records are anchored to" in result.stderr and "nothing was anchored" in result.stderr
    assert "SECRET" not in result.output and result.stdout == ""


# --------------------------------------------------------------------------- M-4, L-c: the edition's folder


@pytest.fixture(scope="module")
def edition_files() -> dict[str, bytes]:
    return build_edition(load_corpus(RECORDS), ReferenceText.from_file(require_essay()), style="harvard-cite-them-right")


def test_rebuilding_keeps_what_the_edition_did_not_write_and_the_folder_mode(edition_files, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_edition(edition_files, site)
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (site / "CNAME").write_text("chile.example.org\n")
    (site / "robots.txt").write_text("User-agent: *\n")
    (site / "index.html").chmod(0o640)
    site.chmod(0o751)
    kept = {k: v for k, v in snapshot(site).items() if not k.endswith(("index.html", "edition.css", "edition.js", MARKER_FILE))}
    write_edition({**edition_files, "index.html": b"<!doctype html><title>new</title>"}, site)
    assert stat.S_IMODE(site.stat().st_mode) == 0o751
    assert {k: v for k, v in snapshot(site).items() if k in kept} == kept  # .git, CNAME, robots.txt and the folder: as they were
    assert (site / "index.html").read_bytes() == b"<!doctype html><title>new</title>" and stat.S_IMODE((site / "index.html").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_pure_edition_is_swapped_whole_and_keeps_the_folder_mode(edition_files, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_edition(edition_files, site)
    site.chmod(0o750)
    (site / MARKER_FILE).write_text((site / MARKER_FILE).read_text() + "gone.html\n")
    (site / "gone.html").write_text("a page an older edition wrote")
    inode = site.stat().st_ino
    write_edition(edition_files, site)
    assert stat.S_IMODE(site.stat().st_mode) == 0o750 and not (site / "gone.html").exists()
    assert site.stat().st_ino != inode  # a new folder took the old one's place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_two_folders_are_swapped_in_one_step_where_the_system_can(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "from-a").write_text("a")
    (tmp_path / "b").mkdir()
    if not exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this system or file system cannot swap two names in one step (the edition uses two renames here)")
    assert (tmp_path / "b" / "from-a").is_file() and not (tmp_path / "a" / "from-a").exists()


def test_a_file_the_edition_writes_that_is_now_a_folder_is_refused(edition_files, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_edition(edition_files, site)
    (site / "CNAME").write_text("x")
    (site / "index.html").unlink()
    (site / "index.html").mkdir()
    (site / "index.html" / "mine.txt").write_text("mine")
    before = snapshot(site / "CNAME", site / "index.html")
    with pytest.raises(EditionError, match=r"index\.html is a directory; the edition writes a file of that name"):
        write_edition(edition_files, site)
    assert snapshot(site / "CNAME", site / "index.html") == before


def test_a_marker_listing_paths_out_of_the_site_removes_nothing_there(edition_files, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_edition(edition_files, site)
    (tmp_path / "victim.txt").write_text(SECRET)
    (site / "CNAME").write_text("x")
    (site / MARKER_FILE).write_text("chilecite\n../victim.txt\n/etc/passwd\nindex.html\n")
    write_edition(edition_files, site)
    assert (tmp_path / "victim.txt").read_text() == SECRET and (site / "CNAME").read_text() == "x"


def test_stale_staging_folders_are_cleared_and_nothing_else(edition_files, tmp_path: Path) -> None:
    import fcntl

    site = tmp_path / "site"
    write_edition(edition_files, site)
    stale = tmp_path / ".site.abc123.tmp"  # what a killed run leaves: a staging folder holding an edition
    stale.mkdir()
    (stale / MARKER_FILE).write_text("chilecite\n")
    (stale / "index.html").write_text("old")
    empty = tmp_path / ".site.def456.tmp"
    empty.mkdir()
    legacy = tmp_path / ".site.ghi789.old"
    legacy.mkdir()
    (legacy / MARKER_FILE).write_text("chilecite\n")
    busy = tmp_path / ".site.jkl012.tmp"  # another run's, in use
    busy.mkdir()
    (busy / MARKER_FILE).write_text("chilecite\n")
    notes = tmp_path / ".site.notes.tmp"  # someone's folder that happens to look like one
    notes.mkdir()
    (notes / "notes.txt").write_text("mine")
    fd = os.open(busy, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        write_edition(edition_files, site)
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.jkl012.tmp", ".site.notes.tmp", "site"]
    assert clear_stale_staging(site) == [busy] and (notes / "notes.txt").read_text() == "mine"


def test_kill_9_during_an_edition_never_leaves_a_moment_without_a_site(tmp_path: Path) -> None:
    """The rebuild is killed at several moments; a watcher checks the site between: it is always
    whole (an index.html, the old or the new), and the next run leaves no staging folder behind."""
    essay = require_essay()
    site = tmp_path / "site"
    command = [sys.executable, "-c", "from chilecite.cli import main; main()", "-q", "--essay", str(essay), "edition", "-o", str(site)]
    env = {**os.environ, "CHILECITE_DATA": str(tmp_path / "data")}
    subprocess.run([*command, "--style", "apa"], check=True, env=env, capture_output=True, cwd=RECORDS.parent)
    old = (site / "index.html").read_bytes()
    for delay in (0.4, 0.8, 1.2, 1.6):
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=RECORDS.parent)
        started = time.monotonic()
        while time.monotonic() - started < delay and child.poll() is None:
            assert (site / "index.html").is_file() and (site / MARKER_FILE).is_file()
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert (site / "index.html").read_bytes()[:15] == old[:15] and (site / "edition.js").is_file()
    subprocess.run(command, check=True, env=env, capture_output=True, cwd=RECORDS.parent)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "data") == ["site"]


# --------------------------------------------------------------------------- M-5: a kind folder linked out of the tree


@pytest.mark.parametrize("kind", ["agents", "works", "notes", "quotations"])
def test_a_kind_folder_linked_out_of_the_tree_is_not_followed(world, kind: str) -> None:
    outside = world["tmp"] / f"outside-{kind}"
    shutil.move(world["tree"] / kind, outside)
    first = sorted(outside.iterdir())[0]
    first.write_text(first.read_text(encoding="utf-8") + f"comment: {SECRET}\n", encoding="utf-8")  # a value the report must not echo
    (world["tree"] / kind).symlink_to(outside)
    before = snapshot(outside, world["victim"])
    result = invoke("--records", str(world["tree"]), "validate")
    assert result.exit_code == 1, result.output
    assert f"records/{kind}:1:1: CC096 error: symbolic link leads out of the records tree (to {outside})" in result.stdout
    assert "SECRET" not in result.output and snapshot(outside, world["victim"]) == before


def test_a_dangling_kind_folder_link_is_reported_and_an_inside_one_followed(world) -> None:
    inner = world["tree"] / "inner"
    shutil.move(world["tree"] / "agents", inner)
    (world["tree"] / "agents").symlink_to("inner")
    assert invoke("--records", str(world["tree"]), "validate").exit_code == 0  # inside the tree: followed
    (world["tree"] / "agents").unlink()
    (world["tree"] / "agents").symlink_to("nowhere")
    result = invoke("--records", str(world["tree"]), "validate")
    assert result.exit_code == 1 and "records/agents:1:1: CC096 error: symbolic link cannot be followed" in result.stdout


# --------------------------------------------------------------------------- M-6, L-f: the standard streams


def _run(args: list[str], env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from chilecite.cli import main; main()", "-q", *args], capture_output=True,
                          env={**os.environ, **(env or {})}, cwd=RECORDS.parent, timeout=120, **kwargs)


LOCALE_COMMANDS = [("notes",), ("show", "32"), ("quote", QID), ("quotes",), ("search", "history", "is", "ours"), ("quotes", "--format", "json")]


@pytest.mark.parametrize("args", [pytest.param(a, id=" ".join(a)) for a in LOCALE_COMMANDS])
@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_a_locale_that_cannot_show_a_character_gets_an_escape(args: tuple[str, ...], encoding: str) -> None:
    done = _run(list(args), {"PYTHONIOENCODING": encoding})
    assert done.returncode == 0, done.stderr
    assert b"internal error" not in done.stderr
    if encoding == "ascii":  # click takes a stream that claims ASCII for a misconfigured one and writes UTF-8
        done.stdout.decode("utf-8")
        return
    text = done.stdout.decode(encoding)  # strict: what was written is the locale's own encoding
    assert "\\u201c" in text or "\\u2014" in text or "\\u2019" in text, text[:300]
    if "json" in args:
        assert json.loads(text)  # the escapes are JSON's own


def test_a_latin_1_locale_gets_escapes_too() -> None:
    locales = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    if not any(name.lower().replace("-", "") in ("en_us.iso88591",) for name in locales):
        pytest.skip("the en_US.ISO-8859-1 locale is not installed here (PYTHONIOENCODING=latin-1 is tested above)")
    done = _run(["quote", QID], {"LC_ALL": "en_US.ISO-8859-1", "PYTHONIOENCODING": ""})
    assert done.returncode == 0 and "\\u201c" in done.stdout.decode("latin-1")


@pytest.mark.parametrize("args", [("notes",), ("validate",), ("quotes",), ("rules",), ("export", "csl-json"), ("export", "bibtex"), ("--version",),
                                  ("--help",), ("stats", "--format", "json")], ids=" ".join)
def test_a_closed_standard_output_is_said_and_exit_1(args: tuple[str, ...]) -> None:
    done = _run(list(args), preexec_fn=lambda: os.close(1))
    assert done.returncode == 1 and done.stderr.decode().strip().endswith("Error: standard output is closed"), done.stderr


def test_with_standard_output_closed_a_file_output_still_works(tmp_path: Path) -> None:
    out = tmp_path / "out.bib"
    done = _run(["export", "bibtex", "-o", str(out)], preexec_fn=lambda: os.close(1))
    assert done.returncode == 0 and "\n@" in out.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- M-7: essay import, bounded by the essay


def test_a_page_larger_than_the_essay_allows_is_refused_before_reading(world) -> None:
    essay = load_corpus(world["tree"]).essay
    assert essay is not None and essay.text_bytes
    page = world["tmp"] / "page.html"
    with open(page, "wb") as handle:
        handle.truncate(import_limit(essay) + 1)  # sparse: nothing to read, and nothing is
    result = invoke("--records", str(world["tree"]), "essay", "import", str(page))
    assert result.exit_code == 2
    assert f"over the {PAGE_FACTOR * essay.text_bytes:,}-byte limit, {PAGE_FACTOR} times the {essay.text_bytes:,} bytes of the essay's text" in result.stderr
    assert not world["data"].exists()


@pytest.mark.parametrize("unit", ["<", "<a ", "<a b='", "<!--", "</a", "<p>xy", "&amp;", "ab ", "<script>", "<?x"])
def test_a_hostile_page_within_the_limit_is_read_in_linear_time_and_memory(unit: str, tmp_path: Path) -> None:
    """html.parser took time quadratic in runs of unclosed tags ('<a ' 66,000 times: over a minute) and
    130 bytes of memory a byte; the reader now takes at most about a second, 20 bytes a byte."""
    essay = load_corpus(RECORDS).essay
    assert essay is not None
    page = tmp_path / "page.html"
    page.write_text("<html><body>" + unit * ((import_limit(essay) - 20) // len(unit)), encoding="utf-8")
    tracemalloc.start()
    started = time.process_time()
    with pytest.raises(UsageError, match="none of the essay's first paragraphs was found"):
        import_text(page, essay)
    elapsed, peak = time.process_time() - started, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 10 and peak < 20 * page.stat().st_size, (elapsed, peak)


# --------------------------------------------------------------------------- L-e: finding the tree reads only what it keeps


def test_finding_the_tree_reads_64_kb_of_a_huge_essay_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "records"
    tree.mkdir()
    essay = tree / "essay.yaml"
    shutil.copy(RECORDS / "essay.yaml", essay)
    with open(essay, "r+b") as handle:
        handle.truncate(3 << 30)  # 3 GB, sparse
    monkeypatch.chdir(tmp_path)
    tracemalloc.start()
    result = invoke("validate")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.exit_code == 1 and "records/essay.yaml:1:1: CC006 error: file is 3,221,225,472 bytes" in result.stdout, result.output
    assert peak < 200 << 20
