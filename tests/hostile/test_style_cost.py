"""Styles that would render forever (issue 19, H-3): the check refuses a style whose rendering would
cost too much, and what it lets through renders within a fixed budget of work.

Work is counted, not timed: the Python calls made while citing a quotation (`sys.setprofile`), a
measure that does not depend on the machine or its load. The property generates CSL macro graphs
of every shape the issue names — chains (macro k calling macro k-1 once, twice or three times),
fan-outs (one macro calling thousands), wide layouts (thousands of macros in a row), deep nesting
and random graphs — and asserts that each is refused, or cited with at most
`CALLS_AT_REST + CALLS_PER_STEP * its estimated cost + CALLS_PER_BYTE * its size` calls (reading and
checking a style is linear in its size, rendering it bounded by the estimate): the estimate is an
upper bound of the real work up to those constants, so nothing the check admits (cost <= the
maximum, size <= 2 MB) can do more than a fixed amount of work. The property runs with the maximum lowered to 40,000 steps, so that
what it renders renders quickly; the constants do not depend on the maximum, and
`test_the_real_maximum_bounds_the_worst_style_admitted` renders near the real one.
"""

from __future__ import annotations

import itertools
import signal
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chilecite.cli import cli
from chilecite.errors import StyleError
from chilecite.loading import load_corpus
from chilecite.styles import check
from chilecite.styles.budget import RenderTooCostly, render_budget
from chilecite.workspace import QuotationHandle
from tests.support import RECORDS

QID = "allende-history-is-ours"
CORPUS = load_corpus(RECORDS)
CALLS_AT_REST = 60_000  # citing with the smallest style: 15,000 calls (the processor, the cite, its two renderings of two works)
CALLS_PER_STEP = 25  # the most measured per step of the estimate (17 for the doubling chain, whose every leaf renders a title)
CALLS_PER_BYTE = 1  # reading and checking the file (0.65 a byte for choose nested in both branches, 14 deep: half of it is never rendered)
PROPERTY_MAXIMUM = 40_000
LEAVES = ('<text variable="title"/>', '<text value="x"/>', '<text variable="genre" text-case="title"/>',
          '<names variable="author"><name/></names>', '<date variable="issued" form="text"/>')
_names = itertools.count()


def style_text(macros: list[str], layout: str) -> str:
    """A CSL style of the macros m0, m1, … (bodies given) whose citation and bibliography lay out `layout`."""
    defined = "".join(f'<macro name="m{i}">{body}</macro>' for i, body in enumerate(macros))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
            f"<info><title>generated</title><id>generated</id><updated>2024-01-01T00:00:00+00:00</updated></info>{defined}"
            f"<citation><layout>{layout}</layout></citation><bibliography><layout>{layout}</layout></bibliography></style>")


def wrap(kind: str, content: str) -> str:
    if kind == "group":
        return f'<group delimiter=" ">{content}</group>'
    if kind == "choose":  # both branches hold the content: one is rendered, each is walked
        return f'<choose><if variable="title">{content}</if><else>{content}</else></choose>'
    return content


def call(i: int) -> str:
    return f'<text macro="m{i}"/>'


@st.composite
def macro_graphs(draw) -> tuple[str, list[str], str]:
    shape = draw(st.sampled_from(["chain", "fan-out", "wide", "deep", "random"]))
    wrapper = draw(st.sampled_from(["none", "group", "choose"]))
    leaf = draw(st.sampled_from(LEAVES))
    if shape == "chain":  # macro k calls macro k-1 `times` times: 1 is linear, 2 and 3 exponential
        depth, times = draw(st.integers(1, 30)), draw(st.integers(1, 3))
        macros = [leaf] + [wrap(wrapper, call(k - 1) * times) for k in range(1, depth + 1)]
        return shape, macros, call(depth)
    if shape == "fan-out":  # one macro calls thousands, and is called a few times
        width, uses = draw(st.integers(1, 3000)), draw(st.integers(1, 3))
        macros = [leaf] * width + [wrap(wrapper, "".join(call(i) for i in range(width)))]
        return shape, macros, call(width) * uses
    if shape == "wide":  # thousands of macros in a row: each call looks every macro up
        width = draw(st.integers(1, 3000))
        return shape, [wrap(wrapper, leaf)] * width, "".join(call(i) for i in range(width))
    if shape == "deep":  # nesting up to the depth limit, in a chain of macros (a choose doubles its content: 14 deep is 650 kB)
        depth, links = draw(st.integers(1, 14 if wrapper == "choose" else 130)), draw(st.integers(1, 4))
        body = leaf
        for _ in range(depth):
            body = wrap(wrapper if wrapper != "none" else "group", body)
        macros = [body] + [wrap(wrapper, call(k - 1) * 2) for k in range(1, links)]
        return shape, macros, call(links - 1)
    count = draw(st.integers(1, 30))  # a random graph: each macro calls earlier ones (no cycles) and leaves
    macros = []
    for i in range(count):
        items = draw(st.lists(st.one_of(st.just(leaf), st.integers(0, max(0, i - 1)).map(call)) if i else st.just(leaf), min_size=1, max_size=4))
        macros.append(wrap(draw(st.sampled_from(["none", "group", "choose"])), "".join(items)))
    return shape, macros, call(count - 1)


def cost_of(path: Path) -> int:
    root = check.validate_style(path)
    cost = check.RenderCost({m.get("name"): m for m in root.iterchildren(f"{{{check.CSL_NS}}}macro")})
    return sum(cost.render(e) for e in root.iterchildren(f"{{{check.CSL_NS}}}citation", f"{{{check.CSL_NS}}}bibliography"))


def calls_to_cite(path: Path) -> int:
    """The Python calls made citing the quotation in the style (every one, the style's check included)."""
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        QuotationHandle(QID, CORPUS).cite(style=path)
    finally:
        sys.setprofile(None)
    return calls


@settings(max_examples=60, deadline=None, database=None, print_blob=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(graph=macro_graphs())
def test_property_every_macro_graph_is_refused_or_cited_within_a_fixed_budget(graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "MAX_STYLE_COST", PROPERTY_MAXIMUM)
    shape, macros, layout = graph
    path = tmp_path / f"generated-{next(_names)}.csl"  # a new name each time: renderings are memoised by path
    path.write_text(style_text(macros, layout), encoding="utf-8")
    started = time.process_time()
    try:
        cost = cost_of(path)
    except StyleError as exc:
        refused = str(exc)
    else:
        refused = None
    if refused is not None:
        assert "over the 40,000 allowed" in refused or "nests more than" in refused, refused
        assert time.process_time() - started < 5, "the check itself is linear in the style"
        return
    calls, size = calls_to_cite(path), path.stat().st_size
    assert calls <= CALLS_AT_REST + CALLS_PER_STEP * cost + CALLS_PER_BYTE * size, (shape, cost, size, calls)
    assert calls <= CALLS_AT_REST + CALLS_PER_STEP * PROPERTY_MAXIMUM + CALLS_PER_BYTE * check.MAX_STYLE_BYTES  # the fixed budget


@pytest.mark.parametrize(("macros", "layout", "words"), [
    pytest.param(['<text variable="title"/>'] + [call(k - 1) * 2 for k in range(1, 17)], call(16),
                 "macro 'm16' alone costs", id="doubling-chain-of-16"),
    pytest.param(['<text variable="title"/>'] * 20_000, "".join(call(i) for i in range(20_000)),
                 "over the 400,000 allowed", id="twenty-thousand-macros-in-a-row"),
])
def test_the_issue_styles_are_refused_at_once_by_the_command(macros: list[str], layout: str, words: str, tmp_path: Path) -> None:
    """The issue's two styles (N=16 rendered 54 s; 20,000 macros in a row, quadratic): one usage error, in about a second."""
    path = tmp_path / "style.csl"
    path.write_text(style_text(macros, layout), encoding="utf-8")
    started = time.process_time()
    result = CliRunner().invoke(cli, ["--no-cache", "quote", QID, "--style", str(path)], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert f"Error: style file {path}: rendering with it would cost about" in result.stderr and words in result.stderr
    assert result.stdout == "" and "Traceback" not in result.output
    assert time.process_time() - started < 10


def test_the_real_maximum_bounds_the_worst_style_admitted(tmp_path: Path) -> None:
    """The costliest doubling chain admitted (11 links, in the citation and the bibliography: over half
    the maximum; 12 are refused) cites within the fixed budget."""
    path = tmp_path / "chain-11.csl"
    path.write_text(style_text(['<text variable="title"/>'] + [call(k - 1) * 2 for k in range(1, 12)], call(11)), encoding="utf-8")
    cost = cost_of(path)
    assert check.MAX_STYLE_COST / 2 < cost <= check.MAX_STYLE_COST
    assert calls_to_cite(path) <= CALLS_AT_REST + CALLS_PER_STEP * check.MAX_STYLE_COST + CALLS_PER_BYTE * check.MAX_STYLE_BYTES


@pytest.mark.parametrize("style", ["chicago-notes-bibliography", "chicago-author-date", "apa", "modern-language-association", "harvard-cite-them-right"])
def test_every_bundled_style_costs_well_under_the_maximum(style: str) -> None:
    from chilecite.styles import styles_dir

    assert cost_of(styles_dir() / f"{style}.csl") < check.MAX_STYLE_COST / 2


@pytest.fixture
def budget_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The time budget as the `chilecite` program turns it on (the library alone leaves the timer alone)."""
    from chilecite.styles import budget

    monkeypatch.setattr(budget, "_ENABLED", [True])


def test_the_library_alone_takes_no_timer() -> None:
    from chilecite.styles import budget

    with render_budget("x.csl", 0.001):
        assert signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, signal.SIG_IGN, None)
    assert budget._ENABLED == [False]


@pytest.mark.usefixtures("budget_on")
def test_a_rendering_over_its_time_is_stopped_with_a_style_error(tmp_path: Path) -> None:
    """The backstop: a rendering that outlasts its processor time is stopped, naming the style file."""
    def spin() -> None:
        with render_budget("x.csl", 0.01):
            deadline = time.process_time() + 10
            while time.process_time() < deadline:
                pass

    started = time.process_time()
    with pytest.raises(RenderTooCostly, match=r"style file x\.csl: rendering took more than 0\.01 s of processor time"):
        spin()
    assert time.process_time() - started < 2


@pytest.mark.usefixtures("budget_on")
def test_a_rendering_over_its_time_is_a_usage_error_of_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chilecite.styles import budget

    path = tmp_path / "chain-10.csl"
    path.write_text(style_text(['<text variable="title"/>'] + [call(k - 1) * 2 for k in range(1, 11)], call(10)), encoding="utf-8")
    monkeypatch.setattr(budget, "RENDER_SECONDS", 0.02)
    result = CliRunner().invoke(cli, ["--no-cache", "quote", QID, "--style", str(path)], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert f"Error: style file {path}: rendering took more than 0.02 s of processor time and was stopped" in result.stderr
