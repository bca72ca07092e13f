"""The cache never changes an answer: a differential, stateful property.

Random sequences of commands and options — the text "None" among them, a style by its name, by the
bundled file's path and as a copy — interleaved with edits of a record, the style copy and the
reference text that keep each file's size and modification time, and with a dependency's version
changing. After every step, each command's standard output and exit code with the cache equal the
same command's with `--no-cache`. The tree is the small second essay (tests/fixtures/second-essay),
so that a thousand sequences run in-process in about a minute.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from chilecite import cache as cache_module
from chilecite.cli import cli

FIXTURE = Path(__file__).parent / "fixtures" / "second-essay"
STYLES = Path(__file__).resolve().parents[1] / "src" / "chilecite" / "styles"
SMALL_STYLE = Path(__file__).parent / "hostile" / "note-style.csl"

COMMANDS = st.sampled_from([
    ["stats"], ["stats", "--format", "json"], ["notes"], ["show", "1"], ["show", "2", "--format", "json"], ["show", "99"],
    ["quotes"], ["quotes", "--by", "None"], ["quotes", "--by", "doe-jane"], ["quotes", "--section", "None"], ["quotes", "--section", "1"],
    ["quotes", "--note", "2"], ["quotes", "--format", "json"],
    ["search", "ink"], ["search", "None"], ["search", "printing", "--format", "json"],
    ["validate"], ["validate", "--format", "json"], ["validate", "--select", "CC02"], ["validate", "--ignore", "CC021"], ["validate", "--strict"],
    ["export", "bibtex"], ["export", "biblatex"], ["export", "csl-json"], ["export", "ris"], ["export", "bibtex", "--notes", "None"],
    ["export", "bibtex", "--notes", "1-2"], ["export", "annotations"],
    ["cite", "1"], ["cite", "1", "--style", "apa"], ["cite", "2", "--format", "json"],
    ["quote", "printer-slow-ink"], ["quote", "printer-slow-ink", "--style", "mla"], ["quote", "printer-slow-ink", "--style", "{bundled-mla}"],
    ["quote", "printer-slow-ink", "--style", "{copy}"], ["quote", "printer-slow-ink", "--style", "{copy}", "--format", "json"],
    ["quote", "printer-slow-ink", "--style", "{small}"], ["quote", "None"],
])


def _same_size_edit(path: Path, position: int, byte: int) -> None:
    """Overwrite one byte of `path` (kept ASCII, so the file stays UTF-8), keeping its size and time."""
    data = bytearray(path.read_bytes())
    if not data:
        return
    info = path.stat()
    data[position % len(data)] = byte
    path.write_bytes(bytes(data))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


class CacheAgreesWithNoCache(RuleBasedStateMachine):
    @initialize()
    def make_workplace(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chilecite-differential-"))
        shutil.copytree(FIXTURE / "records", self.dir / "records")
        shutil.copyfile(FIXTURE / "doe-2001-printing.txt", self.dir / "essay.txt")
        shutil.copyfile(STYLES / "modern-language-association.csl", self.dir / "copy.csl")
        shutil.copyfile(SMALL_STYLE, self.dir / "small.csl")
        self.originals = {p: p.read_bytes() for p in self.dir.rglob("*") if p.is_file()}
        self.runner = CliRunner()
        self.env = {"CHILECITE_CACHE": str(self.dir / "cache"), "CHILECITE_ESSAY": "", "CHILECITE_RECORDS": ""}
        self.checked = 0

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        cache_module.environment.cache_clear()

    def _run(self, args: list[str], *, cached: bool) -> tuple[int, str]:
        words = {"{bundled-mla}": str(STYLES / "modern-language-association.csl"), "{copy}": str(self.dir / "copy.csl"),
                 "{small}": str(self.dir / "small.csl")}
        argv = ["--records", str(self.dir / "records"), "--essay", str(self.dir / "essay.txt"), "-q"]
        argv += [] if cached else ["--no-cache"]
        result = self.runner.invoke(cli, argv + [words.get(a, a) for a in args], env=self.env, catch_exceptions=False)
        return result.exit_code, result.stdout

    @rule(args=COMMANDS)
    def command(self, args: list[str]) -> None:
        with_cache = self._run(args, cached=True)
        without = self._run(args, cached=False)
        assert with_cache == without, (args, with_cache, without)
        self.checked += 1

    @rule(which=st.sampled_from(["records/notes/001.yaml", "records/works/doe2001essay.yaml", "records/quotations/printer-slow-ink.yaml",
                                 "records/agents/doe-jane.yaml", "records/essay.yaml", "copy.csl", "small.csl", "essay.txt"]),
          position=st.integers(min_value=0, max_value=4000), byte=st.sampled_from(b" aeZ:-'\n#[0"))
    def edit_a_file_keeping_its_size_and_time(self, which: str, position: int, byte: int) -> None:
        _same_size_edit(self.dir / which, position, byte)

    @precondition(lambda self: hasattr(self, "originals"))
    @rule()
    def put_every_file_back(self) -> None:
        for path, data in self.originals.items():
            if path.read_bytes() != data:
                info = path.stat()
                path.write_bytes(data)
                os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))

    @rule(version=st.sampled_from(["2.0.0b8", "9.9.9"]))
    def a_dependency_changes_version(self, version: str) -> None:
        real = cache_module.installed_distributions

        def changed() -> list[str]:
            return [f"bibtexparser-{version}" if d.lower().startswith("bibtexparser-") else d for d in real()]

        cache_module.installed_distributions = changed  # type: ignore[assignment]
        cache_module.environment.cache_clear()
        try:
            cache_module.environment()
        finally:
            cache_module.installed_distributions = real  # type: ignore[assignment]

    @invariant()
    def the_cache_folder_is_chilecites_own(self) -> None:
        base = self.dir / "cache"
        if base.exists():
            assert sorted(p.name for p in base.iterdir()) == [cache_module.FOLDER]


CacheAgreesWithNoCache.TestCase.settings = settings(
    max_examples=int(os.environ.get("CHILECITE_DIFFERENTIAL_EXAMPLES", "1000")), stateful_step_count=8, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_the_cache_never_changes_an_answer = pytest.mark.filterwarnings("ignore::DeprecationWarning")(CacheAgreesWithNoCache.TestCase)
