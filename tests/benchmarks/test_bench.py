"""Benchmarks (pytest-benchmark). They run once as ordinary tests in the suite (benchmarking is
disabled in pytest's addopts); measure with `python -m pytest tests/benchmarks --benchmark-enable`."""

from __future__ import annotations

from chilecite.cache import Cache
from chilecite.export import export_bibtex, export_csl_json
from chilecite.loading import load_corpus, parse_yaml
from chilecite.rules import validate
from chilecite.text import ReferenceText
from chilecite.workspace import Workspace
from tests.support import RECORDS, require_essay


def test_bench_parse_all_record_files(benchmark) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(RECORDS.rglob("*.yaml"))]
    parsed = benchmark(lambda: [parse_yaml(t) for t in texts])
    assert len(parsed) == len(texts) > 200


def test_bench_load_corpus(benchmark) -> None:
    corpus = benchmark(load_corpus, RECORDS)
    assert len(corpus.notes) == 86


def test_bench_workspace_corpus_warm_cache(benchmark, tmp_path) -> None:
    cache = Cache.open(tmp_path / "cache")
    assert cache is not None
    Workspace(RECORDS, cache=cache).corpus()
    corpus = benchmark(lambda: Workspace(RECORDS, cache=cache).corpus())
    assert len(corpus.notes) == 86


def test_bench_validate_with_text(benchmark) -> None:
    corpus, text = load_corpus(RECORDS), ReferenceText.from_file(require_essay())
    report = benchmark(validate, corpus, text)
    assert not report.errors


def test_bench_export(benchmark) -> None:
    corpus = load_corpus(RECORDS)
    out = benchmark(lambda: (export_bibtex(corpus), export_csl_json(corpus)))
    assert all(out)
