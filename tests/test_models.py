"""Typed values and the model -> YAML -> model identity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from chilecite.languages import LANGUAGES, is_language_tag
from chilecite.loading import parse_yaml
from chilecite.models import Agent, Essay, Note, Quotation, Work
from chilecite.values import DateSpan, PageSpan, isbn_is_valid
from chilecite.writing import dump_record, record_to_data
from tests import strategies as s


@pytest.mark.parametrize(
    ("text", "parts", "extra"),
    [
        pytest.param("1973", [1973], {}, id="year"),
        pytest.param("1973-08", [1973, 8], {}, id="year-month"),
        pytest.param("1973-08-09", [1973, 8, 9], {}, id="full-date"),
        pytest.param("1984-24", [1984], {"season": "winter"}, id="season-winter"),
        pytest.param("1973~", [1973], {"approximate": True}, id="circa"),
        pytest.param("1973?", [1973], {"uncertain": True}, id="uncertain"),
        pytest.param("1973-09%", [1973, 9], {"uncertain": True, "approximate": True}, id="both"),
    ],
)
def test_partial_dates_parse_and_print_back(text: str, parts: list[int], extra: dict) -> None:
    span = DateSpan.parse(text)
    assert span.start.date_parts() == parts
    for name, value in extra.items():
        assert getattr(span.start, name) == value
    assert str(span) == text


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("1973-13", id="month-13"),
        pytest.param("1973-04-31", id="april-31"),
        pytest.param("1973-02-29", id="not-a-leap-year"),
        pytest.param("1984-24-01", id="season-with-day"),
        pytest.param("73", id="two-digit-year"),
        pytest.param("9 August 1973", id="prose"),
    ],
)
def test_bad_dates_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match=text.split("-")[0][:2]):
        DateSpan.parse(text)


def test_a_range_keeps_both_ends() -> None:
    span = DateSpan.parse("1970/1973")
    assert (span.start.year, span.end.year, str(span)) == (1970, 1973, "1970/1973")


@pytest.mark.parametrize(
    ("text", "first", "last", "canonical"),
    [
        pytest.param("45–86", "45", "86", "45–86", id="en-dash"),
        pytest.param("45--86", "45", "86", "45–86", id="double-hyphen"),
        pytest.param("45-86", "45", "86", "45–86", id="hyphen"),
        pytest.param("269", "269", None, "269", id="single"),
        pytest.param("xii-xiv", "xii", "xiv", "xii–xiv", id="roman"),
    ],
)
def test_page_ranges_normalise_to_an_en_dash(text: str, first: str, last: str | None, canonical: str) -> None:
    span = PageSpan.parse(text)
    assert (span.first, span.last, str(span), span.with_dash("--").replace("--", "–")) == (first, last, canonical, canonical)


def test_page_range_order_is_checked_not_assumed() -> None:
    assert not PageSpan.parse("86-45").in_order
    assert PageSpan.parse("45-86").in_order


@pytest.mark.parametrize(
    ("isbn", "valid"),
    [
        pytest.param("0-14-021785-0", False, id="isbn10-bad-check"),
        pytest.param("0-306-40615-2", True, id="isbn10-good"),
        pytest.param("978-0-306-40615-7", True, id="isbn13-good"),
        pytest.param("978-0-306-40615-6", False, id="isbn13-bad-check"),
        pytest.param("0-8044-2957-X", True, id="isbn10-x-check"),
        pytest.param("12345", False, id="too-short"),
    ],
)
def test_isbn_check_digits(isbn: str, valid: bool) -> None:
    assert isbn_is_valid(isbn) is valid


def test_an_organisation_is_never_split_into_names() -> None:
    agent = TypeAdapter(Agent).validate_python({"kind": "organisation", "name": "Partido Socialista de Chile"})
    assert agent.display_name == "Partido Socialista de Chile"
    with pytest.raises(ValidationError):
        TypeAdapter(Agent).validate_python({"kind": "organisation", "family": "Socialista"})


def test_unknown_fields_are_errors_not_silently_dropped() -> None:
    with pytest.raises(ValidationError, match="publsher"):
        Work.model_validate({"type": "book", "title": "X", "publsher": "Penguin"})


def _round_trip(record, adapter: TypeAdapter):
    parsed = parse_yaml(dump_record(record))
    return adapter.validate_python(parsed.data)


@settings(max_examples=150, deadline=None)
@given(s.works)
def test_work_yaml_round_trip_is_identity(work: Work) -> None:
    assert _round_trip(work, TypeAdapter(Work)) == work


@settings(max_examples=150, deadline=None)
@given(s.notes)
def test_note_yaml_round_trip_is_identity(note: Note) -> None:
    assert _round_trip(note, TypeAdapter(Note)) == note


@settings(max_examples=150, deadline=None)
@given(s.agents)
def test_agent_yaml_round_trip_is_identity(agent) -> None:
    assert _round_trip(agent, TypeAdapter(Agent)) == agent


@settings(max_examples=150, deadline=None)
@given(s.quotations)
def test_quotation_yaml_round_trip_is_identity(quotation: Quotation) -> None:
    assert _round_trip(quotation, TypeAdapter(Quotation)) == quotation


@settings(max_examples=50, deadline=None)
@given(s.essays)
def test_essay_yaml_round_trip_is_identity(essay: Essay) -> None:
    assert _round_trip(essay, TypeAdapter(Essay)) == essay


def test_defaults_are_left_out_of_written_yaml() -> None:
    work = Work.model_validate({"type": "book", "title": "Chile's Road to Socialism"})
    assert record_to_data(work) == {"type": "book", "title": "Chile's Road to Socialism"}


# --------------------------------------------------------------------------- language tags (BCP 47)


@pytest.mark.parametrize("tag", [
    pytest.param("es", id="language"), pytest.param("es-CL", id="region"), pytest.param("es-419", id="un-m49-region"),
    pytest.param("sr-Latn", id="script"), pytest.param("sr-Latn-RS", id="script-region"), pytest.param("de-CH-1996", id="variant"),
])
def test_bcp47_tags_are_accepted(tag: str) -> None:
    assert Work.model_validate({"type": "book", "language": tag, "original_language": tag}).language == tag


@pytest.mark.parametrize(("value", "meant"), [
    pytest.param("Spanish", "es", id="english-name"), pytest.param("spanish", "es", id="biblatex-name"),
    pytest.param("Castilian", "es", id="other-name"), pytest.param("ES", "es", id="upper-case"),
    pytest.param("es_CL", "es-CL", id="underscore"), pytest.param("es-cl", "es-CL", id="region-lower-case"),
    pytest.param("English", "en", id="english"), pytest.param("xx", None, id="no-such-language"),
    pytest.param("e", None, id="too-short"), pytest.param("es-", None, id="empty-subtag"),
])
def test_a_value_that_is_not_a_bcp47_tag_is_refused_with_the_tag_meant(value: str, meant: str | None) -> None:
    from chilecite.values import ValueFault

    with pytest.raises(ValidationError) as caught:
        Work.model_validate({"type": "book", "language": value})
    cause = caught.value.errors()[0]["ctx"]["error"]
    assert isinstance(cause, ValueFault) and f"'{value}' is not a BCP 47 language tag" in str(cause)
    assert (cause.choices[:1] == (meant,)) if meant else meant not in cause.choices


@given(code=st.sampled_from(sorted(LANGUAGES)), region=st.sampled_from(["", "-CL", "-GB", "-419"]))
def test_every_iso_639_1_language_with_a_region_is_a_tag(code: str, region: str) -> None:
    assert is_language_tag(code + region) and not is_language_tag(code.upper() + region)
