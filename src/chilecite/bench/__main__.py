"""`python -m chilecite.bench`: time chilecite against anchors measured in the same run, print one table.

Every figure is a whole process, started fresh: its CPU time (user + system) and its peak memory,
from the operating system's accounting of the finished child (`os.wait4`). Each operation runs in
turn with its anchor, A B A B ..., after one warm-up of each; the ratio is the median of the
ratios pair by pair, so it holds when the machine's speed drifts. Absolute times on a shared
machine are noise; the ratios are the result.

    python -m chilecite.bench                 # 100x synthetic tree, 5 pairs per row
    python -m chilecite.bench --scale 1000 --runs 3
    python -m chilecite.bench --scale 2 --runs 1 --workdir /tmp/b   # a smoke test (CI)

Work files (the synthetic tree, the cache, compiled bytecode) go in --workdir, kept between runs.
Every process gets the same bytecode directory (PYTHONPYCACHEPREFIX), so chilecite starts as an
installed package does, compiled once, whatever PYTHONDONTWRITEBYTECODE says.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chilecite import __version__
from chilecite.bench import anchors

DEFAULT_QUOTATION = "allende-history-is-ours"


@dataclass(frozen=True)
class Run:
    """One finished process: CPU seconds (user + system), wall seconds, peak resident MiB, exit code."""

    cpu: float
    wall: float
    peak: float
    code: int


@dataclass
class Row:
    """An operation, its anchor, the goal the issue sets for the ratio, and the runs of both."""

    name: str
    argv: list[str]
    anchor: str
    anchor_argv: list[str]
    goal: str = ""
    env: dict[str, str] = field(default_factory=dict)
    fresh_cache: bool = False  # each run of the operation starts with an empty cache
    inside: bool = False  # both commands print the CPU seconds of the part that is compared
    memory: bool = False  # the peak-memory ratio is part of the goal
    ok_codes: tuple[int, ...] = (0,)
    prepare: Callable[[], None] | None = None  # called before each run of the operation (not timed)
    runs: list[Run] = field(default_factory=list)
    anchor_runs: list[Run] = field(default_factory=list)

    # `runs` and `anchor_runs` are filled in pairs (`Bench.measure`): the ratios pair them, and a
    # length that differs is a bug, not a tail to drop.
    @property
    def ratio(self) -> float:
        return statistics.median(a.cpu / b.cpu for a, b in zip(self.runs, self.anchor_runs, strict=True) if b.cpu > 0)

    @property
    def memory_ratio(self) -> float:
        return statistics.median(a.peak / b.peak for a, b in zip(self.runs, self.anchor_runs, strict=True) if b.peak > 0)


# The processes are started by a small helper, not by this one: a child's peak memory as the system
# counts it starts at its parent's (the pages it shares after fork), and this process holds chilecite.
_SPAWNER = """
import json, os, sys, time
for line in sys.stdin:
    job = json.loads(line)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(job["cwd"])
            null = os.open(os.devnull, os.O_RDWR)
            out = os.open(job["stdout"], os.O_WRONLY | os.O_TRUNC)
            err = os.open(job["stderr"], os.O_WRONLY | os.O_TRUNC)
            os.dup2(null, 0); os.dup2(out, 1); os.dup2(err, 2)
            os.execve(job["argv"][0], job["argv"], job["env"])
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    print(json.dumps([usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]), flush=True)
"""


class Spawner:
    """Runs commands one at a time from a small helper process and reads the system's account of each."""

    def __init__(self) -> None:
        # Each child's stdout and stderr go to these two files, which the helper reopens (truncated)
        # for every run; they live as long as the spawner and `close` removes them.
        self._stderr = _empty_file(".err")
        self._stdout = _empty_file(".out")
        self._process = subprocess.Popen([sys.executable, "-S", "-c", _SPAWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, argv: list[str], env: dict[str, str], cwd: Path, *, inside: bool = False) -> tuple[Run, str]:
        """Start `argv`, wait for it; its CPU time, wall time, peak memory and exit code, and what it
        said on stderr. With `inside`, the CPU time is the one the process printed last on stdout."""
        program = argv[0] if os.sep in argv[0] else (shutil.which(argv[0]) or argv[0])
        job = {"argv": [program, *argv[1:]], "env": env, "cwd": str(cwd), "stderr": str(self._stderr), "stdout": str(self._stdout)}
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        cpu, wall, maxrss, code = json.loads(self._process.stdout.readline())
        said = self._stderr.read_text(encoding="utf-8", errors="replace")
        peak = maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB elsewhere
        if inside and code == 0:
            printed = self._stdout.read_text(encoding="utf-8").split()
            cpu = float(printed[-1])
        return Run(cpu, wall, peak, code), said

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait()
        self._stderr.unlink(missing_ok=True)
        self._stdout.unlink(missing_ok=True)


def _empty_file(suffix: str) -> Path:
    """A new empty file of this process's own (mode 0600) in the temporary directory, closed; the caller removes it."""
    fd, name = tempfile.mkstemp(prefix="chilecite-bench-", suffix=suffix)
    os.close(fd)
    return Path(name)


class Bench:
    def __init__(self, workdir: Path, runs: int, spawner: Spawner) -> None:
        self.workdir = workdir
        self.runs = runs
        self.spawner = spawner
        self.cache = workdir / "cache"
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "CHILECITE_RECORDS", "CHILECITE_ESSAY")}
        self.env.update(PYTHONPYCACHEPREFIX=str(workdir / "pycache"), CHILECITE_CACHE=str(self.cache),
                        CHILECITE_DATA=str(workdir / "data"), COLUMNS="80")

    def measure(self, row: Row) -> None:
        env = {**self.env, **row.env}

        def one(argv: list[str], fresh: bool, ok: tuple[int, ...], prepare: Callable[[], None] | None = None) -> Run:
            if prepare is not None:
                prepare()
            run_env = env
            if fresh:
                fresh_dir = tempfile.mkdtemp(prefix="cache-", dir=self.workdir)
                run_env = {**env, "CHILECITE_CACHE": fresh_dir}
            result, said = self.spawner.run(argv, run_env, self.workdir, inside=row.inside)
            if fresh:
                shutil.rmtree(fresh_dir, ignore_errors=True)
            if result.code not in ok:
                raise SystemExit(f"{' '.join(argv)} exited {result.code}:\n{said[-2000:]}")
            return result

        print(f"  {row.name} ...", file=sys.stderr, flush=True)
        one(row.argv, row.fresh_cache, row.ok_codes, row.prepare)  # warm-ups: bytecode, caches, the page cache
        one(row.anchor_argv, False, (0,))
        for _ in range(self.runs):
            row.runs.append(one(row.argv, row.fresh_cache, row.ok_codes, row.prepare))
            row.anchor_runs.append(one(row.anchor_argv, False, (0,)))


def chilecite_command() -> list[str]:
    """The installed `chilecite` script beside this Python, as users start it."""
    script = Path(sys.executable).parent / "chilecite"
    if script.is_file():
        return [str(script)]
    found = shutil.which("chilecite")
    return [found] if found else [sys.executable, "-c", "from chilecite.cli import main; main()"]


def rows(bench: Bench, scale: int, essay: Path | None) -> list[Row]:
    from chilecite.bench.synthetic import generate
    from chilecite.tree import bundled_records

    workdir = bench.workdir
    py, cc = sys.executable, chilecite_command()
    bundled = str(bundled_records())
    with_text = {"CHILECITE_ESSAY": str(essay)} if essay else {}
    imports, import_argv = f'python -c "{anchors.IMPORTS}"', [py, "-c", anchors.IMPORTS]
    out = [
        Row("chilecite --version", [*cc, "--version"], "python -c pass", [py, "-c", anchors.PASS], "≤ 3"),
        Row("chilecite --help", [*cc, "--help"], "python -c pass", [py, "-c", anchors.PASS], "≤ 3"),
        Row("chilecite export --help", [*cc, "export", "--help"], "python -c pass", [py, "-c", anchors.PASS], "≤ 3"),
    ]
    first_runs = [(["stats"], "≤ 2"), (["notes"], "≤ 2"), (["show", "32"], "≤ 2"), (["search", "history", "is", "ours"], "≤ 2"),
                  (["export", "csl-json"], "≤ 2"), (["quote", DEFAULT_QUOTATION], "≤ 3"), (["cite", "32"], "≤ 3"),
                  (["edition", "-o", str(workdir / "site")], "≤ 5")]
    for args, goal in first_runs:
        out.append(Row(f"chilecite {' '.join(args[:2]) if args[0] != 'edition' else 'edition -o DIR'} (bundled, first run: empty cache)",
                       [*cc, "-q", "--records", bundled, *args], imports, import_argv, goal, env=with_text, fresh_cache=True))
    out.append(Row("chilecite validate (bundled, warm cache)", [*cc, "-q", "--records", bundled, "validate"], imports, import_argv, "≤ 1.3", env=with_text))
    style, jobs = _citeproc_jobs(workdir)
    out.append(Row("chilecite quote ID (bundled, --no-cache)", [*cc, "-q", "--no-cache", "--records", bundled, "quote", DEFAULT_QUOTATION],
                   "citeproc-py on the same items", [py, "-c", anchors.CITEPROC, style, jobs], "", env=with_text))

    print(f"  making the {scale}x synthetic tree ...", file=sys.stderr, flush=True)
    tree = generate(workdir / f"tree-{scale}x", scale)
    records = str(tree.path)
    floor = [py, "-c", anchors.YAML_FLOOR, records]
    floor_name = f"PyYAML C loader, same {tree.files:,} files"
    validate = [*cc, "-q", "--records", records, "validate", "--ignore", tree.ignore]
    cold = [*cc, "-q", "--no-cache", *validate[2:]]
    edit = OneByteEdit(sorted((tree.path / "works").iterdir())[0])
    out += [
        Row(f"validate {scale}x, cold (--no-cache)", cold, floor_name, floor, "≤ 1.5, memory ≤ 1.5", env=with_text, memory=True),
        Row(f"validate {scale}x, first run (empty cache)", validate, floor_name, floor, "memory ≤ 1.5", env=with_text, fresh_cache=True, memory=True),
        Row(f"validate {scale}x, warm (unchanged tree)", validate, floor_name, floor, "≤ 0.2, memory ≤ 1.5", env=with_text, memory=True),
        Row(f"validate {scale}x, after a one-byte edit", validate, floor_name, floor, "memory ≤ 1.5", env=with_text, memory=True, prepare=edit),
        Row(f"validate {scale}x, after a one-byte edit, against a cold run", validate, "validate, cold (--no-cache)", cold, "≤ 0.15",
            env=with_text, prepare=edit),
    ]
    # The synthetic tree's notes outnumber the text's markers (see chilecite.bench.synthetic), so
    # the commands that pass the gate run without the text: its checks are then not run at all.
    bib = workdir / f"tree-{scale}x" / "export.bib"
    result, said = bench.spawner.run([*cc, "--records", records, "export", "bibtex", "-o", str(bib)], bench.env, workdir)
    if result.code:
        raise SystemExit(f"export bibtex failed:\n{said[-2000:]}")
    entries = sum(1 for line in bib.read_text(encoding="utf-8").splitlines() if line.startswith("@"))
    bibtex_name = f"bibtexparser parse + write, same {entries:,} entries"
    out += [
        Row(f"BibTeX export step {scale}x (timed inside: export_bibtex of the loaded corpus)", [py, "-c", _EXPORT_INSIDE, records],
            f"{bibtex_name} (timed inside)", [py, "-c", anchors.BIBTEXPARSER_INSIDE, str(bib)], "≤ 1.0", inside=True),
        Row(f"export bibtex {scale}x, warm", [*cc, "--records", records, "export", "bibtex", "-o", os.devnull], bibtex_name,
            [py, "-c", anchors.BIBTEXPARSER, str(bib)], ""),
        Row(f"export bibtex {scale}x, cold (--no-cache)", [*cc, "--no-cache", "--records", records, "export", "bibtex", "-o", os.devnull],
            bibtex_name, [py, "-c", anchors.BIBTEXPARSER, str(bib)], ""),
    ]
    return out


class OneByteEdit:
    """Before each run, a record file changes in one byte, to a state it has not had before (a
    number in a comment line counts up, its width kept): the run after an edit, which the cache must
    see and check again alone, the answers kept for earlier states being of no use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text = path.read_text(encoding="utf-8")
        if "# edit " not in text:
            self.path.write_text(text + "# edit 00000\n", encoding="utf-8")
        self.count = 0

    def __call__(self) -> None:
        self.count += 1
        text = self.path.read_text(encoding="utf-8")
        self.path.write_text(text[: text.rindex("# edit ")] + f"# edit {self.count:05d}\n", encoding="utf-8")


# The BibTeX writer alone: the corpus is loaded as `chilecite export` loads it (through the
# workspace, from the cache), then only the export is timed.
_EXPORT_INSIDE = """
import sys, time
from chilecite.export import export_bibtex
from chilecite.workspace import Workspace
corpus = Workspace(sys.argv[1], cache=True).checked()
start = time.process_time()
text = export_bibtex(corpus)
print(time.process_time() - start)
"""


def _citeproc_jobs(workdir: Path) -> tuple[str, str]:
    """The style file and the CSL-JSON items chilecite renders for the benchmarked quotation."""
    from chilecite.loading import load_corpus
    from chilecite.processor import resolve_style, work_item
    from chilecite.styles import DEFAULT_STYLE

    corpus = load_corpus()
    quotation = corpus.quotation(DEFAULT_QUOTATION)
    essay = work_item(corpus, corpus.essay.key)  # type: ignore[union-attr]
    jobs: list[tuple[dict, list[str] | None]] = [({k: v for k, v in essay.items() if k != "page"}, None), (essay, None)]
    if quotation.source and quotation.source.work in corpus.works:
        locator = quotation.source.locator
        jobs.append((work_item(corpus, quotation.source.work), [locator.label, locator.value] if locator else None))
    path = workdir / "citeproc-jobs.json"
    path.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    return str(resolve_style(DEFAULT_STYLE).path), str(path)


def table(rows: list[Row]) -> str:
    lines = ["| operation | time (s) | anchor | anchor time (s) | ratio | peak MiB (op / anchor) | goal (ratio) |",
             "| --- | ---: | --- | ---: | ---: | ---: | --- |"]
    for row in rows:
        cpu = statistics.median(r.cpu for r in row.runs)
        anchor_cpu = statistics.median(r.cpu for r in row.anchor_runs)
        peak = statistics.median(r.peak for r in row.runs)
        anchor_peak = statistics.median(r.peak for r in row.anchor_runs)
        memory = f"{peak:.0f} / {anchor_peak:.0f}" + (f" ({row.memory_ratio:.2f})" if row.memory else "")
        lines.append(f"| {row.name} | {cpu:.3f} | {row.anchor} | {anchor_cpu:.3f} | {row.ratio:.2f} | {memory} | {row.goal} |")
    return "\n".join(lines) + "\n"


def find_essay() -> Path | None:
    """The reference text of the bundled records' essay, found as the commands find it."""
    from chilecite.tree import bundled_records
    from chilecite.workspace import Workspace

    return Workspace(bundled_records()).text_search.found


def make_parser() -> argparse.ArgumentParser:
    """The command line of `python -m chilecite.bench`."""
    parser = argparse.ArgumentParser(prog="python -m chilecite.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100, help="copies of the bundled records in the synthetic tree (default 100)")
    parser.add_argument("--runs", type=int, default=5, help="pairs of runs per row, after one warm-up each (default 5)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "chilecite-bench",
                        help="where the synthetic tree, the cache and the bytecode are kept (default: TMPDIR/chilecite-bench)")
    parser.add_argument("--json", type=Path, help="also write every run's figures to this file")
    parser.add_argument("--only", action="append", default=[], metavar="WORDS",
                        help="measure only the rows whose name contains WORDS (case ignored; repeatable)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.scale < 1 or args.runs < 1:
        parser.error("--scale and --runs are at least 1")
    args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = args.workdir.resolve()
    essay = find_essay()
    spawner = Spawner()
    try:
        bench = Bench(workdir, args.runs, spawner)
        measured = [row for row in rows(bench, args.scale, essay) if not args.only or any(w.lower() in row.name.lower() for w in args.only)]
        if not measured:
            parser.error(f"no row's name contains {' or '.join(map(repr, args.only))}")
        for row in measured:
            bench.measure(row)
    finally:
        spawner.close()
    print(f"chilecite {__version__}, Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
          f"{args.scale}x synthetic tree; {args.runs} pair(s) of runs per row; reference text: {'yes' if essay else 'no'}; "
          f"{time.strftime('%Y-%m-%d')}\n")
    print(table(measured))
    print("time: median CPU seconds (user + system) of the whole process; ratio: median of time / anchor time, pair by pair "
          "(below 1 is faster than the anchor); peak: resident memory of the process.")
    if args.json:
        args.json.write_text(json.dumps([{"name": r.name, "anchor": r.anchor, "goal": r.goal, "ratio": r.ratio,
                                          "runs": [vars(x) for x in r.runs], "anchor_runs": [vars(x) for x in r.anchor_runs]}
                                         for r in measured], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
