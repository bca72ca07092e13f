"""`python -m chilecite.bench.layers`: what each layer of the cache saves, measured in one process.

For a tree (the bundled records, or N synthetic copies), each step of `chilecite validate` and of a
citation is timed alone (CPU seconds, the median of --runs), then what each layer of the cache
costs when it is used: the step it replaces and the work of reading its entries back. Every figure
is also given as a share of the cold run, measured in the same process, so the table compares
like with like on a shared machine.

    python -m chilecite.bench.layers                 # the bundled records
    python -m chilecite.bench.layers --scale 100     # and a 100x synthetic tree (kept in --workdir)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _timed(step: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.process_time()
        result = step()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def measure(root: Path, essay: Path | None, runs: int, workdir: Path) -> list[tuple[str, float]]:
    """(step, CPU seconds) for one tree: the steps of a cold validation, then each layer's work."""
    from chilecite.cache import Cache, cache_keys
    from chilecite.loading import Loaded, corpus_from, load_read
    from chilecite.rules import check_records, validate
    from chilecite.tree import read_tree
    from chilecite.workspace import Workspace

    text = Workspace(root, essay=essay).text()
    def read_all() -> Any:
        read = read_tree(root)
        read.digest  # noqa: B018 - reads and hashes every file
        return read

    read_s, read = _timed(read_all, runs)
    parse_s, loaded = _timed(lambda: [load_read(f) for f in read.files], runs)
    corpus = corpus_from(read, loaded)
    checks_s, checked = _timed(lambda: check_records(corpus, text), runs)
    cross_s, report = _timed(lambda: validate(corpus, text, record_problems=checked), runs)
    full_s, _ = _timed(lambda: validate(corpus, text), runs)

    cache = Cache.open(Path(tempfile.mkdtemp(prefix="layers-", dir=workdir)))
    assert cache is not None
    Workspace(root, essay=essay, cache=cache).report()  # fills the records rows and the report
    keys = cache_keys("outcome", [{"file": f.display, "sha256": f.sha256.hex()} for f in read.files if f.sha256])
    rows_s, rows = _timed(lambda: cache.get_records(keys), runs)
    replay_s, _ = _timed(lambda: [Loaded.from_row(rows[k]) for k in keys if k in rows], runs)
    answer_key = keys[0]
    answer_s, _ = _timed(lambda: cache.get_answer(answer_key), runs)
    dump_s, _ = _timed(lambda: report.model_dump(mode="json"), runs)
    return [
        ("read and hash every file (always done)", read_s),
        ("parse and validate every record (models)", parse_s),
        ("per-record checks, every record", checks_s),
        ("checks across records", cross_s),
        ("all checks, uncached (validate)", full_s),
        ("records layer: fetch every row", rows_s),
        ("records layer: rebuild every record from its row", replay_s),
        ("answers layer: fetch one answer", answer_s),
        ("answers layer: keep a report (its JSON)", dump_s),
    ]


def citation_steps(runs: int) -> list[tuple[str, float]]:
    """A quotation cited in a style: citeproc-py's part, which a cache of renderings would save."""
    from chilecite.citing import cite_quotation
    from chilecite.processor import _citeproc_style, _render
    from chilecite.styles import DEFAULT_STYLE
    from chilecite.workspace import Workspace

    corpus = Workspace().checked()

    def cold() -> Any:
        _render.cache_clear()
        _citeproc_style.cache_clear()
        return cite_quotation(corpus, "allende-history-is-ours", DEFAULT_STYLE)

    cold_s, _ = _timed(cold, runs)
    warm_s, _ = _timed(lambda: cite_quotation(corpus, "allende-history-is-ours", DEFAULT_STYLE), runs)
    return [("cite one quotation: citeproc-py parses the style and renders", cold_s),
            ("cite it again in the same process (renderings kept in memory)", warm_s)]


def make_parser() -> argparse.ArgumentParser:
    """The command line of `python -m chilecite.bench.layers`."""
    parser = argparse.ArgumentParser(prog="python -m chilecite.bench.layers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, action="append", default=[], help="also a synthetic tree of this many copies (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "chilecite-bench")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    from chilecite.bench.__main__ import find_essay
    from chilecite.bench.synthetic import generate
    from chilecite.tree import bundled_records

    args.workdir.mkdir(parents=True, exist_ok=True)
    essay = find_essay()
    trees = [("bundled", bundled_records())]
    for scale in args.scale:
        print(f"  making the {scale}x synthetic tree ...", file=sys.stderr, flush=True)
        trees.append((f"{scale}x", generate(args.workdir / f"tree-{scale}x", scale).path))
    results = {name: dict(measure(root, essay, args.runs, args.workdir)) for name, root in trees}
    steps = list(next(iter(results.values())))
    print("| step | " + " | ".join(f"{name} (s) | share of cold" for name, _ in trees) + " |")
    print("| --- | " + " | ".join("---: | ---:" for _ in trees) + " |")
    for step in steps:
        cells = []
        for name, _ in trees:
            figures = results[name]
            cold = sum(figures[s] for s in steps[:2]) + figures["all checks, uncached (validate)"]
            cells.append(f"{figures[step]:.4f} | {figures[step] / cold:.2f}")
        print(f"| {step} | " + " | ".join(cells) + " |")
    print()
    for step, seconds in citation_steps(args.runs):
        print(f"- {step}: {seconds:.4f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
