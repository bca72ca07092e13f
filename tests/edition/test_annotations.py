"""`chilecite export annotations`: the quotations and note anchors as W3C Web Annotations, checked
against the W3C annotation-model JSON Schemas of the web-platform-tests (../shared/w3c-annotation-model/).

As that folder's README says, validating against a schema file's root proves nothing (the roots only
hold definitions); each check names a definition: `annotations.json#/definitions/annotationTypeValueFound`
and so on. Refs between the files resolve through a `referencing` registry keyed by the files' ids.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from chilecite.citing import NotAnchored
from chilecite.cli import cli
from chilecite.corpus import Corpus
from chilecite.export.annotations import annotation_collection, annotation_id, export_annotations, text_iri
from chilecite.text import ReferenceText
from tests.support import ROOT

DEFINITIONS = ROOT.parent / "shared" / "w3c-annotation-model" / "definitions"

# What must hold of every annotation, and of each of its parts.
ANNOTATION_CHECKS = [
    "annotations.json#/definitions/annotationTypeValueFound",
    "annotations.json#/definitions/motivationRecognizedIfPresent",
    "annotations.json#/definitions/motivationSingularIfPresent",
    "annotations.json#/definitions/bodyValueValidIfPresent",
    "id.json#/definitions/idValueFound",
    "otherProperties.json#/definitions/createdValidIfPresent",
    "otherProperties.json#/definitions/creatorValidIfPresent",
    "otherProperties.json#/definitions/rightsValidIfPresent",
    "otherProperties.json#/definitions/canonicalValidIfPresent",
    "otherProperties.json#/definitions/viaValidIfPresent",
]
BODY_CHECKS = [
    "bodyTarget.json#/definitions/bodyResourcesFound",
    "bodyTarget.json#/definitions/textualBodyFound",
    "bodyTarget.json#/definitions/formatValidIfPresent",
    "bodyTarget.json#/definitions/languageValidIfPresent",
    "otherProperties.json#/definitions/purposeRecognizedIfPresent",
]
TARGET_CHECKS = [
    "bodyTarget.json#/definitions/targetResourcesFound",
    "specificResource.json#/definitions/specificeResourceDetected",  # upstream's spelling
    "specificResource.json#/definitions/sourceDetected",
    "specificResource.json#/definitions/selectorDetected",
]
SELECTOR_CHECKS = {
    "TextQuoteSelector": ["specificResource.json#/definitions/textQuoteSelectorDetected"],
    "TextPositionSelector": ["specificResource.json#/definitions/textPositionSelectorDetected"],
}
COLLECTION_CHECKS = [
    "collections.json#/definitions/annotationCollectionTypeValueFound",
    "collections.json#/definitions/labelFound",
    "collections.json#/definitions/totalFound",
    "collections.json#/definitions/totalMoreThanZero",
    "collections.json#/definitions/firstFound",
    "collections.json#/definitions/firstRequiredIfTotalMoreThanZero",
    "collections.json#/definitions/lastValidIfPresent",
    "id.json#/definitions/idValueFound",
]
PAGE_CHECKS = [
    "collections.json#/definitions/annotationPageTypeValueFound",
    "collections.json#/definitions/itemsFound",
    "collections.json#/definitions/partOfFound",
    "collections.json#/definitions/startIndexFound",
    "collections.json#/definitions/nextValidIfPresent",
    "collections.json#/definitions/prevValidIfPresent",
]
CONTEXT_CHECK = "annotations.json#/definitions/contextValueFound"
COLLECTION_CONTEXT_CHECK = "collections.json#/definitions/contextValueFound"
IRI = re.compile(r"^(?:urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|ni:///sha-256;[A-Za-z0-9_-]{43}|https?://\S+)$")


@pytest.fixture(scope="module")
def validate():
    """validate(instance, ref) -> list of error messages, against the wpt definitions."""
    if not DEFINITIONS.is_dir():
        pytest.skip(f"the W3C annotation-model schemas are absent ({DEFINITIONS}; they live in ../shared beside a checkout, CI has them)")
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    registry = Registry().with_resources(
        (path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT4))
        for path in sorted(DEFINITIONS.glob("*.json"))
    )
    validators: dict[str, Draft4Validator] = {}

    def errors(instance: object, ref: str) -> list[str]:
        validator = validators.get(ref) or validators.setdefault(ref, Draft4Validator({"$ref": ref}, registry=registry))
        return [f"{ref}: {e.message}" for e in validator.iter_errors(instance)]

    return errors


@pytest.fixture(scope="module")
def collection(corpus: Corpus, text: ReferenceText) -> dict:
    return json.loads(export_annotations(corpus, text))


def annotation_problems(validate, annotation: dict) -> list[str]:
    problems = [p for ref in ANNOTATION_CHECKS for p in validate(annotation, ref)]
    standalone = {"@context": "http://www.w3.org/ns/anno.jsonld", **annotation}  # as an annotation published on its own
    problems += validate(standalone["@context"], CONTEXT_CHECK)
    for body in annotation["body"]:
        problems += [p for ref in BODY_CHECKS for p in validate(body, ref)]
    problems += [p for ref in TARGET_CHECKS for p in validate(annotation["target"], ref)]
    for selector in annotation["target"]["selector"]:
        problems += [p for ref in SELECTOR_CHECKS[selector["type"]] for p in validate(selector, ref)]
    return problems


def test_the_collection_is_valid(validate, collection: dict) -> None:
    assert validate(collection["@context"], COLLECTION_CONTEXT_CHECK) == []
    assert [p for ref in COLLECTION_CHECKS for p in validate(collection, ref)] == []
    assert [p for ref in PAGE_CHECKS for p in validate(collection["first"], ref)] == []


def test_every_annotation_is_valid(validate, collection: dict) -> None:
    items = collection["first"]["items"]
    assert len(items) == collection["total"] == 92 + 86
    problems = {item["id"]: annotation_problems(validate, item) for item in items}
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize(("ref", "part", "break_it"), [
    pytest.param("annotations.json#/definitions/annotationTypeValueFound", lambda a: a, lambda a: a.update(type="Note"), id="wrong-type"),
    pytest.param("annotations.json#/definitions/motivationRecognizedIfPresent", lambda a: a, lambda a: a.update(motivation="quoting"), id="unknown-motivation"),
    pytest.param("bodyTarget.json#/definitions/targetResourcesFound", lambda a: a["target"], lambda a: a["target"].clear(), id="empty-target"),
    pytest.param("bodyTarget.json#/definitions/bodyResourcesFound", lambda a: a["body"][0], lambda a: a["body"][0].pop("value"), id="body-without-value"),
    pytest.param("specificResource.json#/definitions/textQuoteSelectorDetected", lambda a: a["target"]["selector"][0],
                 lambda a: a["target"]["selector"][0].pop("exact"), id="selector-without-exact"),
    pytest.param("otherProperties.json#/definitions/purposeRecognizedIfPresent", lambda a: a["body"][0],
                 lambda a: a["body"][0].update(purpose="quoting"), id="unknown-purpose"),
])
def test_the_schemas_bite(validate, collection: dict, ref: str, part, break_it) -> None:
    """Negative controls: each check used above passes our annotation and rejects it once broken."""
    annotation = copy.deepcopy(collection["first"]["items"][0])
    assert validate(part(annotation), ref) == []
    break_it(annotation)
    assert validate(part(annotation), ref) != []


def test_selectors_point_at_the_words(collection: dict, text: ReferenceText, corpus: Corpus) -> None:
    for item in collection["first"]["items"]:
        quote, position = item["target"]["selector"]
        assert text.text[position["start"]:position["end"]] == quote["exact"]
        assert text.text[:position["start"]].endswith(quote["prefix"])
        assert text.text[position["end"]:].startswith(quote["suffix"])
    by_id = {item["id"]: item for item in collection["first"]["items"]}
    note = by_id[annotation_id("gonzalez1984left", "note", 32)]
    assert note["target"]["selector"][0]["exact"] == "[32]"
    assert note["target"]["selector"][0]["prefix"].endswith("exclusively on the left. ")
    quotation = by_id[annotation_id("gonzalez1984left", "quotation", "allende-history-is-ours")]
    assert quotation["target"]["selector"][0]["exact"] == corpus.quotations["allende-history-is-ours"].text


def test_ids_and_source_are_stable_iris(collection: dict, text: ReferenceText) -> None:
    ids = [collection["id"], collection["first"]["id"], *(item["id"] for item in collection["first"]["items"])]
    assert len(set(ids)) == len(ids)
    assert all(IRI.match(i) for i in ids)
    assert annotation_id("gonzalez1984left", "quotation", "allende-history-is-ours") == uuid.uuid5(
        uuid.NAMESPACE_URL, "chilecite:gonzalez1984left:quotation:allende-history-is-ours").urn
    # the records give no transcription URL, so the source is the reference text named by its digest
    assert {item["target"]["source"] for item in collection["first"]["items"]} == {text_iri(text)}
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.text.encode("utf-8")).digest()).decode().rstrip("=")
    assert text_iri(text) == f"ni:///sha-256;{digest}"


def test_bodies_describe_and_cite(collection: dict) -> None:
    items = {item["id"]: item for item in collection["first"]["items"]}
    note = items[annotation_id("gonzalez1984left", "note", 32)]
    assert note["motivation"] == "identifying"
    assert note["body"][0]["value"].startswith("Note 32 (stated: named by the essay)")
    assert "[stated] “[Report on Arms Searches by the Armed Forces],” Financial Times, August 9, 1973" in note["body"][1]["value"]
    unidentified = items[annotation_id("gonzalez1984left", "note", 1)]
    assert unidentified["motivation"] == "describing" and len(unidentified["body"]) == 1
    quotation = items[annotation_id("gonzalez1984left", "quotation", "allende-history-is-ours")]
    assert "quoted in Mike Gonzalez" in quotation["body"][1]["value"]
    assert quotation["body"][2]["format"] == "text/html"


def test_output_is_deterministic(corpus: Corpus, text: ReferenceText, collection: dict) -> None:
    assert json.loads(export_annotations(corpus, text)) == collection


def test_another_text_is_refused(corpus: Corpus, text: ReferenceText) -> None:
    with pytest.raises(NotAnchored, match="not the one the records are anchored in"):
        annotation_collection(corpus, ReferenceText(text.text + "\n"))


def test_cli(essay_path: Path, tmp_path: Path, collection: dict) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["--essay", str(essay_path), "export", "annotations"], catch_exceptions=False)
    assert out.exit_code == 0 and json.loads(out.stdout) == collection
    target = tmp_path / "annotations.jsonld"
    written = runner.invoke(cli, ["--essay", str(essay_path), "export", "annotations", "-o", str(target)], catch_exceptions=False)
    assert written.exit_code == 0 and json.loads(target.read_text()) == collection


def test_cli_without_the_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHILECITE_ESSAY", str(tmp_path / "absent.txt"))
    out = CliRunner().invoke(cli, ["export", "annotations"], catch_exceptions=False)
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr.splitlines()[-1] == (f"Error: the essay's reference text was not found (looked for CHILECITE_ESSAY: {tmp_path / 'absent.txt'}) "
                                           "(`chilecite essay` says how to get it)")
