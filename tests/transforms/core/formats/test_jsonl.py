"""Tests for core.formats.jsonl: one JSON Lines record to an article or a reject."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.jsonl import (
    EXCERPT_CHARS,
    excerpt,
    parse_jsonl_record,
    parse_timestamp,
)

SOURCE = "in/feed.jsonl"


def parse(line: str, number: int = 7) -> InputArticle | Reject:
    return parse_jsonl_record(line, SOURCE, number)


def parse_record(record: dict[str, Any]) -> InputArticle:
    result = parse(json.dumps(record))
    assert isinstance(result, InputArticle), result
    return result


def reject_of(line: str, number: int = 7) -> Reject:
    result = parse(line, number)
    assert isinstance(result, Reject), result
    return result


# --- valid records -------------------------------------------------------------------------------


def test_valid_record_with_all_fields() -> None:
    record = {
        "id": "art-1",
        "text": "  Der Rat tagt.\r\n\r\n\r\nHeute  wieder. ",
        "title": " Rat\ttagt ",
        "url": "https://example.org/a",
        "source": "Agentur",
        "published_at": "2024-03-14T10:30:00Z",
        "language": "de",
        "extra": {"ignored": True},
    }
    article = parse_record(record)
    assert article == InputArticle(
        article_id="art-1",
        text="Der Rat tagt.\n\nHeute wieder.",
        title="Rat tagt",
        url="https://example.org/a",
        source="Agentur",
        published_at=datetime(2024, 3, 14, 10, 30, tzinfo=UTC),
        language_hint="de",
        parent_id=None,
        source_file=SOURCE,
        line=7,
        timestamp_invalid=False,
    )


def test_minimal_record() -> None:
    article = parse_record({"id": "x", "text": "Hallo Welt"})
    assert article.article_id == "x"
    assert article.text == "Hallo Welt"
    assert (article.title, article.url, article.source, article.language_hint) == (None,) * 4
    assert article.published_at is None
    assert article.timestamp_invalid is False
    assert article.line == 7


def test_null_and_blank_optional_fields_become_none() -> None:
    article = parse_record(
        {"id": "x", "text": "t", "title": None, "url": "  ", "source": "", "published_at": None}
    )
    assert (article.title, article.url, article.source) == (None, None, None)
    assert article.published_at is None
    assert article.timestamp_invalid is False


def test_empty_published_at_is_not_invalid() -> None:
    article = parse_record({"id": "x", "text": "t", "published_at": ""})
    assert article.published_at is None
    assert article.timestamp_invalid is False


def test_naive_timestamp_is_taken_as_utc() -> None:
    article = parse_record({"id": "x", "text": "t", "published_at": "2024-03-14T10:30:00"})
    assert article.published_at == datetime(2024, 3, 14, 10, 30, tzinfo=UTC)
    assert article.published_at.tzinfo is UTC


def test_offset_is_converted_to_utc() -> None:
    article = parse_record({"id": "x", "text": "t", "published_at": "2024-03-14T01:30:00+02:00"})
    assert article.published_at is not None
    assert article.published_at.tzinfo is UTC
    assert article.published_at.utcoffset() == timedelta(0)
    assert (article.published_at.day, article.published_at.hour) == (13, 23)


def test_date_only_timestamp() -> None:
    article = parse_record({"id": "x", "text": "t", "published_at": "2024-03-14"})
    assert article.published_at == datetime(2024, 3, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    ["yesterday", "1500-01-01T00:00:00Z", "2999-01-01", "2024-13-01", "2024-02-30T00:00:00", " "],
)
def test_bad_timestamp_keeps_article_and_flags_it(raw: str) -> None:
    article = parse_record({"id": "x", "text": "Der Text", "published_at": raw})
    assert article.published_at is None
    assert article.timestamp_invalid is True
    assert article.text == "Der Text"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1900-01-01T00:00:00", datetime(1900, 1, 1, tzinfo=UTC)),
        ("2200-12-31T00:00:00", datetime(2200, 12, 31, tzinfo=UTC)),
        ("  2024-01-01T00:00:00-05:00 ", datetime(2024, 1, 1, 5, tzinfo=UTC)),
        ("1899-12-31T23:59:59", None),
        ("2201-01-01T00:00:00", None),
        ("0001-01-01T00:00:00+01:00", None),
        ("9999-12-31T23:59:59-01:00", None),
    ],
)
def test_parse_timestamp_range(raw: str, expected: datetime | None) -> None:
    assert parse_timestamp(raw) == expected


def test_parse_timestamp_result_is_utc() -> None:
    parsed = parse_timestamp("2024-06-01T12:00:00+05:30")
    assert parsed is not None
    assert parsed.tzinfo is UTC
    assert parsed == datetime(2024, 6, 1, 6, 30, tzinfo=UTC)
    other = parse_timestamp("2024-06-01T12:00:00")
    assert other is not None
    assert other.tzinfo is UTC
    assert other.astimezone(timezone(timedelta(hours=1))).hour == 13


def test_record_text_is_cleaned() -> None:
    article = parse_record({"id": "x", "text": "Cafe\u0301\x00 \ud800ok"})
    assert article.text == "Café ok"


# --- rejects -------------------------------------------------------------------------------------


def check_reject(line: str, reason: RejectReason, number: int = 7) -> Reject:
    result = reject_of(line, number)
    assert result.reason is reason
    assert result.line == number
    assert result.source_file == SOURCE
    assert len(result.excerpt) <= EXCERPT_CHARS
    assert result.excerpt == line[:EXCERPT_CHARS]
    assert result.detail
    return result


@pytest.mark.parametrize(
    "line",
    ['{"id": "x", "text": ', "not json", "{'id': 'x'}", '{"id": "x"} trailing', ""],
)
def test_malformed_json(line: str) -> None:
    check_reject(line, RejectReason.MALFORMED_JSON)


def test_deeply_nested_json_is_malformed_not_a_crash() -> None:
    line = "[" * 100_000 + "]" * 100_000
    result = check_reject(line, RejectReason.MALFORMED_JSON)
    assert len(result.excerpt) == EXCERPT_CHARS


@pytest.mark.parametrize(
    ("line", "type_name"),
    [("null", "NoneType"), ("[1, 2]", "list"), ("42", "int"), ('"text"', "str"), ("1.5", "float")],
)
def test_not_an_object(line: str, type_name: str) -> None:
    result = check_reject(line, RejectReason.NOT_AN_OBJECT)
    assert type_name in result.detail


@pytest.mark.parametrize(
    "record", [{"text": "t"}, {"id": None, "text": "t"}, {"id": "", "text": "t"}]
)
def test_missing_id(record: dict[str, Any]) -> None:
    check_reject(json.dumps(record), RejectReason.MISSING_ID)


@pytest.mark.parametrize("record", [{"id": "x"}, {"id": "x", "text": None}])
def test_missing_text(record: dict[str, Any]) -> None:
    check_reject(json.dumps(record), RejectReason.MISSING_TEXT)


@pytest.mark.parametrize("text", ["", "   ", "\n\t \u00a0\r\n", "\x00\x07"])
def test_empty_text(text: str) -> None:
    check_reject(json.dumps({"id": "x", "text": text}), RejectReason.EMPTY_TEXT)


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"id": 5, "text": "t"}, "id"),
        ({"id": 0, "text": "t"}, "id"),
        ({"id": ["x"], "text": "t"}, "id"),
        ({"id": "x", "text": 5}, "text"),
        ({"id": "x", "text": "t", "title": ["a", "b"]}, "title"),
        ({"id": "x", "text": "t", "url": {"href": "u"}}, "url"),
        ({"id": "x", "text": "t", "source": 1}, "source"),
        ({"id": "x", "text": "t", "language": False}, "language"),
        ({"id": "x", "text": "t", "published_at": 1700000000}, "published_at"),
    ],
)
def test_wrong_type(record: dict[str, Any], field: str) -> None:
    result = check_reject(json.dumps(record), RejectReason.WRONG_TYPE)
    assert f"'{field}'" in result.detail


def test_reject_carries_line_number_and_long_excerpt_is_cut() -> None:
    line = json.dumps({"id": 12, "text": "x" * 1000})
    result = check_reject(line, RejectReason.WRONG_TYPE, number=1234)
    assert result.line == 1234
    assert len(result.excerpt) == EXCERPT_CHARS


def test_excerpt_of_bytes_replaces_invalid_utf8() -> None:
    assert excerpt(b"ab\xffcd") == "ab\ufffdcd"
    assert len(excerpt(b"x" * 500)) == EXCERPT_CHARS
    assert len(excerpt("\u00e9" * 500)) == EXCERPT_CHARS


@pytest.mark.parametrize("raw", ["1900-01-01T00:30:00+01:00", "2200-12-31T23:00:00-05:00"])
def test_year_range_applies_to_the_utc_time(raw: str) -> None:
    assert parse_timestamp(raw) is None


def test_a_date_without_a_time_gives_the_day_only() -> None:
    assert parse_record({"id": "x", "text": "t", "published_at": "2024-03-14"}).date_only
    timed = parse_record({"id": "x", "text": "t", "published_at": "2024-03-14T00:00:00Z"})
    assert not timed.date_only
