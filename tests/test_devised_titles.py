"""Devised titles (RDA 2.3.2.11): what the work is and what it is about, from what the record says
(CC066), never the author, container, genre or event a citation prints beside it (CC067).

The bundled records' devised titles pass both (the validator runs on them everywhere); here each
rule meets the cases it exists for, on a one-work corpus.
"""

from __future__ import annotations

import pytest

from chilecite.corpus import Corpus
from chilecite.models import Citation, Note, NoteAnchor, Organisation, Person, Work
from chilecite.rules import validate


def _codes(**fields: object) -> list[str]:
    agents = {"allende-salvador": Person(kind="person", family="Allende", given="Salvador"),
              "unidad-popular": Organisation(kind="organisation", name="Unidad Popular")}
    work = Work(type=fields.pop("type", "document"), issued="1973", **fields)
    note = Note(number=1, anchor=NoteAnchor(paragraph=1, before="x"), supports=["claim"], status="identified",
                citations=[Citation(work="x1973doc", level="stated", basis="a test")])
    corpus = Corpus(works={"x1973doc": work}, agents=agents, notes={1: note})
    return sorted(p.code for p in validate(corpus, None, select=["CC066", "CC067"]).problems)


@pytest.mark.parametrize(("fields", "codes"), [
    pytest.param({"type": "article-newspaper", "devised_title": "[Report in the Financial Times]", "container_title": "Financial Times"},
                 ["CC067"], id="repeats-the-container"),
    pytest.param({"devised_title": "[Statement by Unidad Popular]", "authors": ["unidad-popular"]}, ["CC067"], id="repeats-the-author"),
    pytest.param({"type": "speech", "devised_title": "[Speech by Salvador Allende]", "authors": ["allende-salvador"]}, ["CC067"],
                 id="repeats-a-persons-name"),
    pytest.param({"type": "speech", "devised_title": "[Radio broadcast from La Moneda]", "genre": "radio broadcast", "keywords": ["La Moneda"]},
                 ["CC067"], id="repeats-the-genre"),
    pytest.param({"devised_title": "[Statement of the leadership at El Arrayán]", "event": "Meeting at El Arrayán", "keywords": ["leadership"]},
                 ["CC067"], id="repeats-the-event"),
    pytest.param({"type": "speech", "devised_title": "[Farewell to the workers from La Moneda]", "genre": "radio broadcast",
                  "authors": ["allende-salvador"], "keywords": ["farewell", "workers", "La Moneda"]}, [], id="nature-and-subject"),
    pytest.param({"type": "article-newspaper", "devised_title": "[Report of the day]", "container_title": "Tribune of the People", "keywords": ["day"]},
                 [], id="a-phrase-of-function-words-is-no-repetition"),
    pytest.param({"devised_title": "[Report on arms searches]", "comment": "A report on arms searches."}, ["CC066"],
                 id="the-comment-supports-nothing-the-exports-lose-it"),
    pytest.param({"devised_title": "[Report on arms searches]", "keywords": ["arms searches"]}, [], id="keywords-support-the-subject"),
])
def test_devised_title_rules(fields: dict, codes: list[str]) -> None:
    assert _codes(**fields) == codes
