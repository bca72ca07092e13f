"""The reader's edition in a real browser, opened from disk: every marker reaches its note, every
highlight its record, the contents and search work, a keyboard alone can open a note and come
back, nothing is logged as an error, no request leaves the site's folder, axe-core finds no serious
or critical accessibility violation; screenshots go to artifacts/screenshots/ for a person to look at.

Run with `python -m pytest -m browser`; .ci/run installs Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from chilecite.loading import load_corpus
from chilecite.text import ReferenceText
from chilecite.vocabulary import fold
from tests.browser.conftest import WINDOW, Traffic
from tests.support import ROOT

pytestmark = pytest.mark.browser

QUOTATIONS = sorted(load_corpus().quotations)


def open_page(driver, site: Path, fragment: str = "") -> None:
    """Load the page afresh (a new document, not a fragment navigation), with the logs emptied."""
    driver.get("about:blank")
    Traffic(driver).drain()
    driver.get(site.joinpath("index.html").as_uri() + fragment)
    driver.execute_script("return document.readyState")


def assert_quiet(driver, site: Path) -> None:
    """No console error, and every request was for a file in the site's folder (or data:)."""
    urls, errors = Traffic(driver).drain()
    assert errors == []
    folder = site.as_uri() + "/"
    outside = [u for u in urls if not (u.startswith((folder, "data:")) or u == "about:blank")]
    assert outside == []


def in_view(driver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;",
        element)


def panel_shows(driver, card_id: str) -> bool:
    return driver.execute_script(
        "const c = document.getElementById(arguments[0]); const p = document.getElementById('panel-body');"
        "return !!c && p.contains(c) && !document.getElementById('panel').hidden;", card_id)


def active_id(driver) -> str:
    return driver.execute_script("const a = document.activeElement; return a ? (a.id || a.className || a.tagName) : '';")


# --------------------------------------------------------------------------- loading


def test_page_loads_its_own_files_only(driver, site: Path) -> None:
    open_page(driver, site)
    urls, errors = Traffic(driver).drain()
    assert errors == []
    requested = sorted({u.rsplit("/", 1)[-1] for u in urls if u.startswith(site.as_uri())})
    assert requested == ["edition.css", "edition.js", "index.html"]
    folder = site.as_uri() + "/"
    assert [u for u in urls if not (u.startswith((folder, "data:")))] == []
    assert driver.execute_script("return document.documentElement.classList.contains('js')")


# --------------------------------------------------------------------------- notes and quotations


def test_every_marker_reaches_its_note(driver, site: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, site)
    for n in range(1, 87):
        marker = driver.find_element(By.ID, f"m{n}")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", marker)
        marker.click()
        assert driver.execute_script("return location.hash") == f"#n{n}"
        assert panel_shows(driver, f"n{n}"), n
        card = driver.find_element(By.ID, f"n{n}")
        assert card.is_displayed() and in_view(driver, card), n
        assert in_view(driver, marker), n  # the text stays where it was, beside the note
    assert_quiet(driver, site)


@pytest.mark.parametrize("chunk", range(4))
def test_every_quotation_reaches_its_record(driver, site: Path, chunk: int) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, site)
    for qid in QUOTATIONS[chunk::4]:
        link = driver.find_element(By.CSS_SELECTOR, f'#qt-{qid} a.qref[href="#q-{qid}"]')
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
        link.click()
        assert driver.execute_script("return location.hash") == f"#q-{qid}"
        assert panel_shows(driver, f"q-{qid}"), qid
        card = driver.find_element(By.ID, f"q-{qid}")
        assert card.is_displayed() and in_view(driver, card), qid
        assert "quoted in" in card.text.lower() or "cited in" in card.text.lower(), qid
    assert_quiet(driver, site)


def test_clicking_the_highlighted_words_opens_the_record(driver, site: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, site)
    mark = driver.find_element(By.ID, "qt-allende-history-is-ours")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
    mark.click()
    assert panel_shows(driver, "q-allende-history-is-ours")
    assert_quiet(driver, site)


@pytest.mark.parametrize("fragment", ["#n32", "#q-allende-history-is-ours"])
def test_a_link_into_the_edition_opens_its_state(driver, site: Path, fragment: str) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, site, fragment)
    assert panel_shows(driver, fragment[1:])
    anchor = "m32" if fragment == "#n32" else "qt-allende-history-is-ours"
    assert in_view(driver, driver.find_element(By.ID, anchor))
    assert_quiet(driver, site)


def test_escape_and_the_back_button_close_the_panel(driver, site: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(driver, site)
    marker = driver.find_element(By.ID, "m40")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", marker)
    marker.click()
    assert panel_shows(driver, "n40")
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert not panel_shows(driver, "n40") and active_id(driver) == "m40"
    driver.find_element(By.ID, "m41").click()
    assert panel_shows(driver, "n41")
    driver.back()
    assert driver.execute_script("return location.hash") in ("#m40", "#n40", "")
    assert not panel_shows(driver, "n41")
    assert_quiet(driver, site)


def test_copy_button(driver, site: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, site, "#q-allende-history-is-ours")
    button = driver.find_element(By.CSS_SELECTOR, "#q-allende-history-is-ours .copy-button")
    assert button.is_displayed()
    button.click()
    from selenium.webdriver.support.ui import WebDriverWait

    # headless may refuse the clipboard; either way the button says what happened
    WebDriverWait(driver, 5).until(lambda d: d.execute_script("return arguments[0].textContent", button) in ("Copied", "Select and copy"))
    assert_quiet(driver, site)


# --------------------------------------------------------------------------- contents and search


def test_table_of_contents(driver, site: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, site)
    links = driver.find_elements(By.CSS_SELECTOR, "nav.toc a")
    corpus = load_corpus()
    assert [link.get_attribute("hash") for link in links] == [f"#p{s.first_paragraph}" for s in corpus.essay.sections]
    for link, section in zip(links, corpus.essay.sections, strict=False):
        link.click()
        target = driver.find_element(By.ID, f"p{section.first_paragraph}")
        top = driver.execute_script("return arguments[0].getBoundingClientRect().top", target)
        assert 0 <= top < 200, section.heading
        if section.heading:
            assert target.text == section.heading
    assert_quiet(driver, site)


@pytest.mark.parametrize(("query", "expected"), [
    pytest.param("history is ours", "#q-allende-history-is-ours", id="quotation"),
    pytest.param("invisible blockade", "#n18", id="note"),
    pytest.param("denouement", "#p112", id="accents-dropped"),
    pytest.param("CORVALAN army", "#q-corvalan-army-not-alien", id="case-and-accents"),
])
def test_search_finds(driver, site: Path, query: str, expected: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(driver, site)
    box = driver.find_element(By.ID, "search-input")
    box.clear()
    box.send_keys(query)
    WebDriverWait(driver, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results a"))
    hrefs = [a.get_attribute("hash") for a in driver.find_elements(By.CSS_SELECTOR, "#search-results a")]
    assert expected in hrefs
    assert "result" in driver.find_element(By.ID, "search-status").text
    result = driver.find_element(By.CSS_SELECTOR, f'#search-results a[href="{expected}"]')
    result.click()
    if expected.startswith(("#n", "#q-")):
        assert panel_shows(driver, expected[1:])
    else:
        assert in_view(driver, driver.find_element(By.ID, expected[1:]))
    assert_quiet(driver, site)


def test_the_script_folds_as_python_does(driver, site: Path, essay_path: Path) -> None:
    """The search folds the query in JavaScript; the index was folded by chilecite.rules.fold."""
    open_page(driver, site)
    samples = [p.text for p in ReferenceText.from_file(essay_path).paragraphs]
    samples += ["Corvalán", "DENOUÉMENT", "Straße", "ﬁnance", "Ｃｏｒｖａｌáｎ", "l’état", "São Paulo", "Ñuñoa", "Tohá—Hoha", "  trim  "]
    corpus = load_corpus()
    samples += [a.display_name for a in corpus.agents.values()]
    folded = driver.execute_script("return arguments[0].map(window.chileciteFold)", samples)
    assert folded == [fold(s) for s in samples]


# --------------------------------------------------------------------------- keyboard, no script


def test_keyboard_only_to_a_note_and_back(driver, site: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    open_page(driver, site)

    def press(key: str) -> None:
        driver.switch_to.active_element.send_keys(key)

    press(Keys.TAB)
    assert active_id(driver) == "skip-link"
    press(Keys.ENTER)
    assert active_id(driver) == "essay"
    for _ in range(10):
        press(Keys.TAB)
        if active_id(driver) == "m1":
            break
    assert active_id(driver) == "m1"
    press(Keys.ENTER)
    assert panel_shows(driver, "n1") and active_id(driver) == "n1"
    press(Keys.ESCAPE)
    assert active_id(driver) == "m1" and not panel_shows(driver, "n1")
    # again, coming back through the note's own "Back to the text" link
    for _ in range(10):
        press(Keys.TAB)
        if active_id(driver) == "m2":
            break
    press(Keys.ENTER)
    assert active_id(driver) == "n2"
    for _ in range(30):
        press(Keys.TAB)
        if active_id(driver) == "back-link":
            break
    assert driver.execute_script("return document.activeElement.getAttribute('href')") == "#m2"
    press(Keys.ENTER)
    assert active_id(driver) == "m2" and driver.execute_script("return location.hash") == "#m2"
    assert_quiet(driver, site)


def test_without_javascript_the_notes_are_footnotes(plain_driver, site: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(plain_driver, site)
    assert "no-js" in plain_driver.find_element(By.TAG_NAME, "html").get_attribute("class")
    marker = plain_driver.find_element(By.ID, "m32")
    marker.click()
    card = plain_driver.find_element(By.ID, "n32")
    assert card.is_displayed() and in_view(plain_driver, card)
    assert card.find_element(By.XPATH, "ancestor::section[@class='section-notes']")
    assert not plain_driver.find_element(By.CSS_SELECTOR, "#q-allende-history-is-ours .copy-button").is_displayed()
    assert not plain_driver.find_element(By.ID, "panel").is_displayed()
    card.find_element(By.CSS_SELECTOR, "a.back-link").click()
    assert in_view(plain_driver, plain_driver.find_element(By.ID, "m32"))
    assert_quiet(plain_driver, site)


# --------------------------------------------------------------------------- accessibility


INTEROP_AXE = Path(__file__).resolve().parents[1] / "interop" / "node_modules" / "axe-core" / "axe.min.js"


def _axe_script() -> str:
    """$CHILECITE_AXE_JS if set; else axe-core from the npm registry, installed by the README's
    test command beside the interop clients (`npm ci --prefix tests/interop`); else the axe-core
    3.1 bundled in axe-selenium-python (older rules, and about 20x slower over this page)."""
    override = os.environ.get("CHILECITE_AXE_JS")
    if override:
        return override
    if INTEROP_AXE.is_file():
        return str(INTEROP_AXE)
    axe = pytest.importorskip("axe_selenium_python", reason="axe-selenium-python is in the [test] extra")
    return str(Path(axe.__file__).parent / "node_modules" / "axe-core" / "axe.min.js")


def run_axe(driver, timeout: float = 600) -> dict:
    """axe.run() started in the page and polled for, so that a slow run (axe-core 3.1 takes about 90 s
    over this page) meets neither WebDriver's script timeout nor its HTTP client's."""
    import time

    # started from a timer, so that this call returns at once however long axe works synchronously
    driver.execute_script("window.__axe = null; setTimeout(() => axe.run().then(r => { window.__axe = r; }, e => { window.__axe = {error: String(e)}; }), 0);")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        results = driver.execute_script("return window.__axe")
        if results:
            assert "error" not in results, results
            return results
        time.sleep(1)
    raise AssertionError(f"axe-core did not finish in {timeout} s")


@pytest.mark.parametrize("state", ["note-open", "quotation-open", "footnotes"])
def test_no_serious_accessibility_violation(driver, site: Path, state: str, screenshots: Path) -> None:
    """axe-core over the whole page with a note in the panel, with a quotation in it, and as the page
    reads without its script (every card shown as a footnote after its section)."""
    from axe_selenium_python import Axe

    open_page(driver, site, {"note-open": "#n32", "quotation-open": "#q-allende-history-is-ours", "footnotes": ""}[state])
    if state == "footnotes":
        driver.execute_script("document.documentElement.classList.replace('js', 'no-js'); document.getElementById('panel').hidden = true;")
    axe = Axe(driver, script_url=_axe_script())
    axe.inject()
    version = driver.execute_script("return axe.version")
    results = run_axe(driver)
    violations = results["violations"]
    (screenshots.parent / f"axe-{state}.json").write_text(json.dumps({"axe": version, "violations": violations}, indent=2))
    summary = sorted(f"{v['impact']}: {v['id']} ({len(v['nodes'])})" for v in violations)
    print(f"\naxe-core {version}, {state}: {len(results['passes'])} rules pass; violations: {summary or 'none'}")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], axe.report(serious)


# --------------------------------------------------------------------------- screenshots


def test_screenshots(driver, site: Path, screenshots: Path) -> None:
    """The first screen, a note open and the coverage view, for a person to look at."""
    from selenium.webdriver.common.by import By

    driver.set_window_size(*WINDOW)
    open_page(driver, site)
    driver.save_screenshot(str(screenshots / "first-screen.png"))
    marker = driver.find_element(By.ID, "m32")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", marker)
    marker.click()
    assert panel_shows(driver, "n32")
    driver.save_screenshot(str(screenshots / "note-open.png"))
    open_page(driver, site, "#q-allende-history-is-ours")
    driver.save_screenshot(str(screenshots / "quotation-open.png"))
    open_page(driver, site, "#coverage")
    driver.save_screenshot(str(screenshots / "coverage.png"))
    try:
        driver.set_window_size(420, 900)
        open_page(driver, site, "#n18")
        driver.save_screenshot(str(screenshots / "narrow-note-open.png"))
    finally:
        driver.set_window_size(*WINDOW)
    for name in ("first-screen", "note-open", "quotation-open", "coverage", "narrow-note-open"):
        assert (screenshots / f"{name}.png").stat().st_size > 10_000
    if os.environ.get("CHILECITE_UPDATE_SCREENSHOT"):  # the README's picture, refreshed on request only
        shutil.copyfile(screenshots / "note-open.png", ROOT / "docs" / "edition.png")
    assert_quiet(driver, site)


# --------------------------------------------------------------------------- citable from the browser


def test_the_page_offers_zotero_the_essay_and_every_work(driver, site: Path) -> None:
    """What Zotero's Connector reads on the page: the `citation_*` tags in the head (Embedded
    Metadata finds them by XPath) for the essay, and a COinS span for every work (found by the COinS
    translator's XPath), each read back as Zotero reads it and compared with the records."""
    from tests.edition.zotero import differences, expected_item, parse_context_object, parse_highwire

    open_page(driver, site)
    tags = driver.execute_script(
        "const found = document.evaluate('/html/head/meta[starts-with(@name, \"citation_\")]', document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);"
        "return Array.from({length: found.snapshotLength}, (_, i) => [found.snapshotItem(i).getAttribute('name'), found.snapshotItem(i).getAttribute('content')]);")
    spans = driver.execute_script(
        "const found = document.evaluate('//span[contains(@class, \" Z3988\") or contains(@class, \"Z3988 \") or @class=\"Z3988\"][@title]', document, null,"
        " XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);"
        "return Array.from({length: found.snapshotLength}, (_, i) => [found.snapshotItem(i).closest('li').id, found.snapshotItem(i).title]);")
    corpus = load_corpus()
    essay = parse_highwire([tuple(t) for t in tags])
    assert differences(essay, expected_item(corpus, corpus.essay.key)) == []
    assert sorted(key.removeprefix("w-") for key, _ in spans) == sorted(corpus.works)
    problems = {key: differences(parse_context_object(title), expected_item(corpus, key.removeprefix("w-"))) for key, title in spans}
    assert {k: v for k, v in problems.items() if v} == {}
    assert_quiet(driver, site)


# --------------------------------------------------------------------------- no horizontal scroll

SIZES = [pytest.param((1280, 800), id="1280x800"), pytest.param((1366, 768), id="1366x768"), pytest.param((390, 844), id="390x844")]
MEASURE = """
const done = arguments[arguments.length - 1], id = arguments[0];
if (id !== null) location.hash = '#' + id;
requestAnimationFrame(() => setTimeout(() => {
  const root = document.documentElement, panel = document.getElementById('panel'), body = document.getElementById('panel-body');
  const edge = panel.getBoundingClientRect().right, wide = [];
  for (const el of panel.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > edge + 0.5) wide.push(el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(r.right - edge) + ' px');
  }
  const card = id === null ? null : document.getElementById(id);
  done({scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, innerWidth: window.innerWidth,
        panelScroll: body.scrollWidth - body.clientWidth, wide: wide, shown: card === null || (body.contains(card) && !panel.hidden)});
}, 0));
"""


def _wider_than_the_window(driver) -> list[str]:
    return driver.execute_script(
        "const w = document.documentElement.clientWidth; return Array.from(document.body.querySelectorAll('*'))"
        ".filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.right > w + 0.5; })"
        ".map(e => e.tagName.toLowerCase() + '#' + e.id + '.' + e.className);")


def _widest_cards(corpus) -> tuple[str, str]:
    """The note and the quotation with the longest bases (long URLs among them): the cards most likely to overflow."""
    note = max(corpus.notes.values(), key=lambda n: sum(len(c.basis) for c in n.citations)).number
    qid = max(corpus.quotations, key=lambda q: len(corpus.quotations[q].source.basis) if corpus.quotations[q].source else 0)
    return f"n{note}", f"q-{qid}"


@pytest.mark.parametrize("size", SIZES)
def test_no_horizontal_scroll(driver, plain_driver, site: Path, screenshots: Path, size: tuple[int, int]) -> None:
    """At each size, with every note and quotation in the panel in turn, and without JavaScript: the
    page never scrolls sideways (`scrollWidth` within the window, scrollbar excluded), nothing in the
    panel reaches past its edge, and the panel's own body does not scroll sideways. Screenshots of the
    first screen and of the widest note and quotation open, for a person to look at."""
    width, height = size
    name = f"{width}x{height}"
    note, quotation = _widest_cards(load_corpus())
    try:
        driver.set_window_size(width, height)
        open_page(driver, site)
        cards = driver.execute_script("return Array.from(document.querySelectorAll('.card[id]')).map(c => c.id)")
        assert len(cards) > 0
        driver.save_screenshot(str(screenshots / f"{name}-first-screen.png"))
        failures = []
        for card in [None, *cards]:
            m = driver.execute_async_script(MEASURE, card)
            assert m["shown"], card
            assert m["innerWidth"] == width  # the window is the size asked for
            if m["scrollWidth"] > m["clientWidth"] or m["wide"] or m["panelScroll"] > 0:
                failures.append((card, m))
            assert m["scrollWidth"] <= m["innerWidth"], (card, m)
        assert failures == []
        assert _wider_than_the_window(driver) == []
        for card, label in ((note, "note-open"), (quotation, "quotation-open")):
            open_page(driver, site, f"#{card}")
            driver.save_screenshot(str(screenshots / f"{name}-{label}.png"))
        assert_quiet(driver, site)
        plain_driver.set_window_size(width, height)
        open_page(plain_driver, site)
        plain_driver.execute_script("for (const d of document.querySelectorAll('details')) d.open = true;")
        assert plain_driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert _wider_than_the_window(plain_driver) == []
        assert_quiet(plain_driver, site)
    finally:
        driver.set_window_size(*WINDOW)
        plain_driver.set_window_size(*WINDOW)
    for label in ("first-screen", "note-open", "quotation-open"):
        assert (screenshots / f"{name}-{label}.png").stat().st_size > 10_000
