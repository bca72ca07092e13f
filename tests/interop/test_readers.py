"""The RIS export read by pandoc 3, citation-js and rispy, and by Zotero's RIS.js rules: every entry,
title, year and name comes back, and every organisation as one name.

pandoc's RIS reader splits a bare `AU  - Unidad Popular` into given `Unidad` and family `Popular`;
`AU  - Unidad Popular,` (a family name with no given name, as EndNote writes a body) stays whole in
all of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rispy

from chilecite.corpus import Corpus
from chilecite.export import export_csl_items, export_ris
from chilecite.loading import load_corpus
from chilecite.models import Organisation
from tests.interop import zotero
from tests.interop.clients import node, pandoc_csl_json, pandoc_with_ris

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def ris_file(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ris") / "refs.ris"
    path.write_text(export_ris(corpus), encoding="utf-8")
    return path


def _name(name: dict) -> tuple[str, str]:
    """(family or literal, given) as a reader gave it; an empty given is none."""
    return (name.get("family") or name.get("literal") or "", name.get("given") or "")


def _expected(corpus: Corpus) -> dict[str, dict]:
    return {item["id"]: item for item in export_csl_items(corpus)}


def _read_by(reader: str, path: Path) -> dict[str, dict]:
    if reader == "pandoc":
        items = pandoc_csl_json(pandoc_with_ris(), path, "ris")
    else:
        read = node("read_citationjs.mjs", "ris", str(path))
        assert read["errors"] == []
        items = read["items"]
    return {item["id"]: item for item in items}


@pytest.mark.parametrize("reader", ["pandoc", "citation-js"])
def test_ris_is_read_with_every_entry_title_year_and_name_whole(reader: str, corpus: Corpus, ris_file: Path) -> None:
    expected, got = _expected(corpus), _read_by(reader, ris_file)
    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        item = got[key]
        assert item["title"] == want["title"], key
        assert [_name(n) for n in item.get("author", [])] == [_name(n) for n in want.get("author", [])], key
        year = want["issued"]["date-parts"][0][0] if "issued" in want else None
        assert (item["issued"]["date-parts"][0][0] if "issued" in item else None) == year, key


def test_ris_names_as_rispy_and_zoteros_ris_import_read_them(corpus: Corpus, ris_file: Path) -> None:
    """rispy gives the AU lines as written; Zotero's RIS.js `processTag` makes a name with no first name
    a one-field creator (`fieldMode = 1`), which is how it keeps a body whole."""
    refs = {r["id"]: r for r in rispy.loads(ris_file.read_text(encoding="utf-8"))}
    organisations = 0
    for key, work in corpus.works.items():
        for agent_id, value in zip(work.authors, refs[key].get("authors", []), strict=True):
            agent = corpus.agents[agent_id]
            creator = zotero.ris_creator(value)
            if isinstance(agent, Organisation):
                organisations += 1
                assert value == agent.name + "," and creator == {"lastName": agent.name, "fieldMode": "1"}
            else:
                assert creator["lastName"].endswith(agent.family) and creator.get("firstName") == agent.given
    assert organisations == 5  # the five works by a body (the issue counted them: all five were split by pandoc)


def test_a_bare_organisation_name_is_what_pandoc_splits(tmp_path: Path) -> None:
    """Why the comma: the form without it is read as a person by pandoc."""
    path = tmp_path / "bare.ris"
    path.write_text("TY  - RPRT\nID  - x\nTI  - T\nAU  - Unidad Popular\nER  - \n\nTY  - RPRT\nID  - y\nTI  - T\nAU  - Unidad Popular,\nER  - \n", encoding="utf-8")
    got = _read_by("pandoc", path)
    assert [_name(n) for n in got["x"]["author"]] == [("Popular", "Unidad")]
    assert [_name(n) for n in got["y"]["author"]] == [("Unidad Popular", "")]
