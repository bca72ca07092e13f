"""Typed scalar values written as short strings in YAML: dates, page ranges, identifiers, URLs, file names.

Each type parses from the string a contributor writes and serialises back to the same
canonical string, so model -> YAML -> model is the identity.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from chilecite.languages import TAG_PATTERN, is_language_tag, suggest_tags
from chilecite.vocabulary import FILE_NAME_PATTERN, MAX_FILE_NAME_BYTES, NOT_IN_URL_RE, URL_PATTERN, is_plain_file_name, is_web_url

# The one table of seasons and months. Seasons in this order are EDTF's 21-24 and CSL's 1-4.
Season = Literal["spring", "summer", "autumn", "winter"]
SEASONS: tuple[Season, ...] = ("spring", "summer", "autumn", "winter")
SEASON_CODES: dict[str, int] = {name: 21 + i for i, name in enumerate(SEASONS)}  # EDTF: winter is 24
SEASON_BY_CODE: dict[int, Season] = {21 + i: name for i, name in enumerate(SEASONS)}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
MONTH_MACROS = tuple(name[:3].lower() for name in MONTHS)  # BibTeX's month macros: jan ... dec

# EDTF level 0/1 subset: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-21..24 (season), with a
# trailing ? (uncertain), ~ (approximate, "circa") or % (both).
_DATE = r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([?~%])?"
DATE_PATTERN = rf"^{_DATE}(?:/{_DATE})?$"  # for JSON Schema, where $ is the end
_DATE_RE = re.compile(rf"^{_DATE}\Z")


class ValueFault(ValueError):
    """A value that does not parse, with the valid values nearest to it (for "did you mean")."""

    def __init__(self, message: str, choices: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.choices = tuple(choices)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PartialDate(_Frozen):
    """A date known to the year, month, day or season, possibly uncertain or approximate."""

    year: int
    month: int | None = None
    day: int | None = None
    season: Season | None = None
    uncertain: bool = False
    approximate: bool = False

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        match = _DATE_RE.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a date: write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-24 (winter), optionally followed by ? or ~")
        year, month, day, flag = match.groups()
        season: Season | None = None
        month_value = int(month) if month else None
        if month_value is not None and month_value in SEASON_BY_CODE:
            if day:
                raise ValueError(f"{text!r}: a season (21-24) takes no day")
            season, month_value = SEASON_BY_CODE[month_value], None
        elif month_value is not None and not 1 <= month_value <= 12:
            raise ValueError(f"{text!r}: month {month_value} is not 01-12 or a season 21-24")
        day_value = int(day) if day else None
        if day_value is not None:
            _check_day(int(year), month_value or 1, day_value, text)
        return cls(
            year=int(year),
            month=month_value,
            day=day_value,
            season=season,
            uncertain=flag in ("?", "%"),
            approximate=flag in ("~", "%"),
        )

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.season:
            text += f"-{SEASON_CODES[self.season]}"
        elif self.month:
            text += f"-{self.month:02d}"
            if self.day:
                text += f"-{self.day:02d}"
        flag = {(True, True): "%", (True, False): "?", (False, True): "~"}.get((self.uncertain, self.approximate), "")
        return text + flag

    def date_parts(self) -> list[int]:
        """The CSL `date-parts` row: [year], [year, month] or [year, month, day]."""
        parts = [self.year]
        if self.month:
            parts.append(self.month)
            if self.day:
                parts.append(self.day)
        return parts

    def sort_key(self) -> tuple[int, int, int]:
        month = self.month or (3 * (SEASONS.index(self.season) + 1) if self.season else 1)  # a season sorts at its last month
        return (self.year, month, self.day or 1)


def _check_day(year: int, month: int, day: int, text: str) -> None:
    import calendar

    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"{text!r}: month {month:02d} of {year} has no day {day}")


class DateSpan(_Frozen):
    """An issued date: one partial date, or an interval `start/end` (EDTF)."""

    start: PartialDate
    end: PartialDate | None = None

    @classmethod
    def parse(cls, text: str) -> DateSpan:
        if not isinstance(text, str):
            raise ValueError(f"a date must be written as a quoted string such as '1973-08-09', not {type(text).__name__}")
        first, _, second = text.strip().partition("/")
        return cls(start=PartialDate.parse(first), end=PartialDate.parse(second) if second else None)

    def __str__(self) -> str:
        return f"{self.start}/{self.end}" if self.end else str(self.start)

    @property
    def is_range(self) -> bool:
        return self.end is not None


def _parse_span(value: Any) -> Any:
    if isinstance(value, DateSpan):
        return value
    if isinstance(value, int):
        value = str(value)
    return DateSpan.parse(value)


Date = Annotated[
    DateSpan,
    BeforeValidator(_parse_span),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DATE_PATTERN,
            "description": "EDTF date: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-21..24 for spring..winter, "
            "a trailing ? for uncertain, ~ for approximate (circa); START/END for a range.",
        }
    ),
]

_PAGES_RE = re.compile(r"^\s*([0-9ivxlcdm]+)\s*(?:(?:--|–|-|—)\s*([0-9ivxlcdm]+))?\s*$", re.IGNORECASE)


class PageSpan(_Frozen):
    """A page or a range of pages, stored as first and last; written `45–86`, `45--86` or `45-86`."""

    first: str
    last: str | None = None

    @classmethod
    def parse(cls, text: str) -> PageSpan:
        match = _PAGES_RE.match(str(text))
        if not match:
            raise ValueError(f"{text!r} is not a page or page range such as 45 or 45–86")
        first, last = match.groups()
        return cls(first=first, last=last)

    def __str__(self) -> str:
        return f"{self.first}–{self.last}" if self.last else self.first

    def with_dash(self, dash: str) -> str:
        return f"{self.first}{dash}{self.last}" if self.last else self.first

    @property
    def in_order(self) -> bool:
        if self.last is None or not (self.first.isdigit() and self.last.isdigit()):
            return True
        return int(self.first) <= int(self.last)


def _parse_pages(value: Any) -> Any:
    if isinstance(value, PageSpan):
        return value
    return PageSpan.parse(str(value))


PageRange = Annotated[
    PageSpan,
    BeforeValidator(_parse_pages),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": ["string", "integer"],
            "pattern": r"^[0-9ivxlcdmIVXLCDM]+(\s*(--|–|-|—)\s*[0-9ivxlcdmIVXLCDM]+)?$",
            "description": "A page (45) or page range (45–86; 45--86 and 45-86 are accepted and normalised to an en dash).",
        }
    ),
]


def _check_language(value: str) -> str:
    if not is_language_tag(value):
        raise ValueFault(f"'{value}' is not a BCP 47 language tag", suggest_tags(value))
    return value


Language = Annotated[
    str,
    AfterValidator(_check_language),
    WithJsonSchema({"type": "string", "pattern": TAG_PATTERN,
                    "description": "BCP 47 language tag: an ISO 639-1 language (`es`), optionally a script (`sr-Latn`) and a region (`es-CL`)."}),
]


def isbn_is_valid(isbn: str) -> bool:
    """Check an ISBN-10 or ISBN-13 check digit (hyphens and spaces ignored)."""
    digits = re.sub(r"[\s-]", "", isbn).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if re.fullmatch(r"\d{13}", digits):
        total = sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(digits))
        return total % 10 == 0
    return False


DOI_RE = re.compile(r"^10\.\d{4,9}/\S+\Z")


# --------------------------------------------------------------------------- URLs and file names
# A record's value becomes a link in the edition, a `url` field in every export and the target of
# every annotation, and a file name is joined to folders that are read and written: both are typed
# values, refused by the model itself (so no record, and no Python caller, can hold another kind),
# each error of its own type so the loader reports it under its own code (`chilecite.rules.values`).

URL_ERROR = "chilecite_url"
FILE_NAME_ERROR = "chilecite_file_name"
def _check_url(value: str) -> str:
    if not is_web_url(value):
        bad = NOT_IN_URL_RE.search(value)
        why = f"it holds U+{ord(bad.group()):04X}" if bad else "write http:// or https://, then the host"
        raise PydanticCustomError(URL_ERROR, "'{url}' is not an absolute http(s) URL ({why})", {"url": value, "why": why})
    return value


Url = Annotated[
    str,
    AfterValidator(_check_url),
    WithJsonSchema({"type": "string", "pattern": URL_PATTERN, "format": "uri",
                    "description": "An absolute http:// or https:// URL with a host; no white space or control characters."}),
]

def _check_file_name(value: str) -> str:
    if not is_plain_file_name(value):
        raise PydanticCustomError(FILE_NAME_ERROR, "{name} is not a plain file name (no /, \\, .., leading dot or control character)",
                                  {"name": repr(value)})
    return value


FileName = Annotated[
    str,
    AfterValidator(_check_file_name),
    WithJsonSchema({"type": "string", "pattern": FILE_NAME_PATTERN, "maxLength": MAX_FILE_NAME_BYTES,
                    "description": "A plain file name: no folder, no `..`, no leading dot, no control characters."}),
]
