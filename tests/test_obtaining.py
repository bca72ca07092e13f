"""Getting the essay's text: `chilecite essay` says where it is looked for; `essay import` checks a saved copy and stores it.

The copies are built in the tests from the reference text: an HTML page in the markup style of the
Encyclopaedia of Trotskyism On-Line (paragraph classes, headings, note-marker links, character
entities, lines wrapped inside paragraphs, a header and a notes list around the body), a plain-text
copy with Windows line ends, and a copy with one word changed.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite.cli import cli
from chilecite.text import ReferenceText
from tests.support import copy_records

ENTITIES = {"’": "&#8217;", "‘": "&#8216;", "“": "&#8220;", "”": "&#8221;", "–": "&ndash;", "\xa0": "&nbsp;", "é": "&eacute;", "À": "&Agrave;"}


def etol_page(text: ReferenceText) -> str:
    """The reference text as an ETOL page: a header, <p>/<h4>/<blockquote> body with linked markers, notes, a footer."""
    headings = {p.number for p in text.headings}
    blocks = {p.number for p in text.block_quotation_paragraphs}

    def markup(paragraph: str) -> str:
        escaped = html.escape(paragraph, quote=False)
        escaped = "".join(ENTITIES.get(c, c) for c in escaped)
        escaped = re.sub(r"\[(\d+)\]", r'<a href="#n\1" name="f\1"><sup class="enote">[\1]</sup></a>', escaped)
        return re.sub(r"(.{70,}?) ", "\\1\n", escaped)  # ETOL's source wraps lines inside paragraphs

    body = []
    for p in text.paragraphs:
        if p.number in headings:
            body.append(f"<h4>{markup(p.text)}</h4>")
        elif p.number in blocks:
            body.append(f'<blockquote>\n<p class="quoteb">{markup(p.text)}</p>\n</blockquote>')
        else:
            body.append(f'<p class="{"fst" if p.number == 1 else "txt"}">{markup(p.text)}</p>')
    return ("<!DOCTYPE html>\n<html>\n<head>\n<title>Mike Gonzalez: The left and the coup in Chile (Winter 1984)</title>\n"
            "<style>p { margin: 0 }</style>\n</head>\n<body>\n<p class=\"title\">International Socialism, Winter 1984</p>\n"
            "<h1>Mike Gonzalez</h1>\n<h2>The left and the coup in Chile</h2>\n<p class=\"information\">From <em>International Socialism</em> 2&nbsp;:&nbsp;22, "
            "Winter 1984.<br>\nTranscribed &amp; marked up for ETOL.</p>\n<hr class=\"section\">\n" + "\n".join(body)
            + "\n<h3>Notes</h3>\n<p class=\"note\"><a name=\"n1\" href=\"#f1\">1.</a> (the notes are lost)</p>\n"
            "<hr class=\"end\">\n<p class=\"footer\">Top of the page</p>\n</body>\n</html>\n")


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout-less world: records copied into tmp, the working directory there, an empty data directory."""
    records = copy_records(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHILECITE_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("CHILECITE_ESSAY", raising=False)
    return records


def run(records: Path, *args: str, code: int = 0):
    result = CliRunner().invoke(cli, ["--records", str(records), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_status_says_where_the_text_was_looked_for_and_how_to_get_it(isolated: Path) -> None:
    result = run(isolated, "essay", code=1)
    assert "found: nowhere" in result.stdout and "chilecite essay import" in result.stdout
    assert "CHILECITE_ESSAY" not in result.stdout  # not set, so not listed
    payload = json.loads(run(isolated, "essay", "--format", "json", code=1).stdout)
    assert payload["text"]["found"] is None and payload["text"]["expected_sha256"].startswith("c0e948c0")


def test_an_etol_page_is_imported_stored_and_found_by_every_command(isolated: Path, tmp_path: Path, essay_path: Path) -> None:
    reference = ReferenceText.from_file(essay_path)
    page = tmp_path / "chile.htm"
    page.write_text(etol_page(reference), encoding="utf-8")
    result = run(isolated, "essay", "import", str(page))
    stored = tmp_path / "data" / "essays" / essay_path.name
    assert str(stored) in result.stdout and stored.read_bytes() == essay_path.read_bytes()
    status = run(isolated, "essay").stdout
    assert f"found: {stored} (stored); matches" in status
    assert run(isolated, "validate", "--format", "json").stdout.count('"skipped": []') == 1  # every text rule ran


def test_a_plain_text_copy_with_windows_line_ends_imports(isolated: Path, tmp_path: Path, essay_path: Path) -> None:
    copy = tmp_path / "essay.txt"
    copy.write_bytes(essay_path.read_bytes().replace(b"\n", b"\r\n"))
    run(isolated, "essay", "import", str(copy))
    assert (tmp_path / "data" / "essays" / essay_path.name).read_bytes() == essay_path.read_bytes()


def test_a_copy_with_one_word_changed_is_refused_naming_the_paragraph(isolated: Path, tmp_path: Path, essay_path: Path) -> None:
    reference = ReferenceText.from_file(essay_path)
    changed = reference.text.replace("massive protest demonstrations", "massive protest marches")
    page = tmp_path / "chile.htm"
    page.write_text(etol_page(ReferenceText(changed)), encoding="utf-8")
    result = run(isolated, "essay", "import", str(page), code=2)
    assert "paragraph 1 differs" in result.stderr and "nothing was stored" in result.stderr
    assert not (tmp_path / "data" / "essays").exists()


@pytest.mark.parametrize(("content", "message"), [
    pytest.param("<html><body><p>Some other page.</p></body></html>", "none of the essay's first paragraphs was found", id="another-page"),
    pytest.param(None, "the copy ends after paragraph", id="truncated"),
    pytest.param(b"\xff\xfe not utf-8", "is not UTF-8", id="not-utf8"),
])
def test_copies_that_are_not_the_essay_are_refused(isolated: Path, tmp_path: Path, essay_path: Path, content, message: str) -> None:
    copy = tmp_path / "copy.htm"
    if content is None:  # the first half of the essay only
        reference = ReferenceText.from_file(essay_path)
        content = "\n\n".join(p.text for p in reference.paragraphs[:80])
    copy.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    assert message in run(isolated, "essay", "import", str(copy), code=2).stderr
