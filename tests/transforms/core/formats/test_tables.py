"""Parquet and CSV tables (transforms/core/formats/tables.py): field options, rows in batches
with row numbers, bad rows rejected in place."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.tables import (
    BATCH_ROWS,
    ColumnMapping,
    parse_csv_stream,
    parse_field_options,
    parse_parquet_stream,
)
from tests.parsed import HOSTILE, LIMIT, split

MAPPING = parse_field_options(["id=article_id", "text=body", "title=headline"])


def parquet_stream(table: pa.Table, row_group_size: int = BATCH_ROWS) -> io.BytesIO:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=row_group_size)
    buffer.seek(0)
    return buffer


def test_field_options() -> None:
    assert ColumnMapping({"id": "article_id", "text": "body", "title": "headline"}) == MAPPING
    assert MAPPING.column("url") == "url"
    assert parse_field_options([]) == ColumnMapping()
    for bad, message in [
        (["text"], "expected NAME=COLUMN"),
        (["text="], "expected NAME=COLUMN"),
        (["body=text"], "NAME must be one of id, text"),
        (["text=a", "text=b"], "given twice"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_field_options(bad)


def test_parquet_rows_in_batches_with_row_numbers() -> None:
    count = BATCH_ROWS * 2 + 5
    table = pa.table(
        {
            "article_id": [f"p{i}" for i in range(count)],
            "body": [f"Row {i} text." for i in range(count)],
            "headline": [f"Headline {i}" for i in range(count)],
            "published_at": pa.array(
                [datetime(2026, 3, 2, 12, tzinfo=UTC)] * count, pa.timestamp("us", tz="UTC")
            ),
            "unrelated": list(range(count)),
        }
    )
    articles, rejects = split(
        parse_parquet_stream(parquet_stream(table, 700), "t.parquet", MAPPING, LIMIT)
    )
    assert rejects == []
    assert [a.line for a in articles] == list(range(1, count + 1))
    last = articles[-1]
    assert (last.article_id, last.text, last.title) == (
        f"p{count - 1}",
        f"Row {count - 1} text.",
        f"Headline {count - 1}",
    )
    assert last.published_at == datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_parquet_bad_rows_are_rejected_and_neighbours_kept() -> None:
    table = pa.table(
        {
            "article_id": ["a", None, "c", "d", "e"],
            "body": ["Text a.", "Text b.", "   ", None, "Text e."],
            "headline": ["A", "B", "C", "D", None],
            "published_at": ["2026-03-02T10:00:00+01:00", None, None, None, "yesterday"],
        }
    )
    articles, rejects = split(
        parse_parquet_stream(parquet_stream(table), "t.parquet", MAPPING, LIMIT)
    )
    assert [(a.article_id, a.line, a.timestamp_invalid) for a in articles] == [
        ("a", 1, False),
        ("e", 5, True),
    ]
    assert articles[0].published_at == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert [(r.line, r.reason) for r in rejects] == [
        (2, RejectReason.MISSING_ID),
        (3, RejectReason.EMPTY_TEXT),
        (4, RejectReason.MISSING_TEXT),
    ]
    assert '"id": null' in rejects[0].excerpt and "Text b." in rejects[0].excerpt


def test_parquet_nanosecond_and_naive_timestamps() -> None:
    table = pa.table(
        {
            "article_id": ["ns", "naive"],
            "body": ["Text.", "Text."],
            "published_at": [
                pa.scalar(1_772_452_800_123_456_789, pa.timestamp("ns", tz="UTC")).cast(
                    pa.timestamp("ns")
                ),
                pa.scalar(datetime(2026, 3, 2, 12), pa.timestamp("ns")),
            ],
        }
    )
    articles, rejects = split(
        parse_parquet_stream(parquet_stream(table), "t.parquet", MAPPING, LIMIT)
    )
    assert rejects == []
    assert [a.published_at for a in articles] == [
        datetime(2026, 3, 2, 12, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 3, 2, 12, tzinfo=UTC),
    ]


def test_parquet_wrong_types_and_missing_columns() -> None:
    numbers = pa.table({"article_id": [1, 2], "body": ["x", "y"]})
    _, rejects = split(parse_parquet_stream(parquet_stream(numbers), "n.parquet", MAPPING, LIMIT))
    assert [(r.line, r.reason) for r in rejects] == [
        (1, RejectReason.WRONG_TYPE),
        (2, RejectReason.WRONG_TYPE),
    ]
    no_body = pa.table({"article_id": ["a"], "text": ["x"]})
    [reject] = parse_parquet_stream(parquet_stream(no_body), "m.parquet", MAPPING, LIMIT)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.line) == (RejectReason.MISSING_TEXT, None)
    assert "'body'" in reject.detail


def test_unreadable_and_empty_parquet() -> None:
    [reject] = parse_parquet_stream(io.BytesIO(b"PAR1 not really"), "x.parquet", MAPPING, LIMIT)
    assert isinstance(reject, Reject) and reject.reason == RejectReason.MALFORMED_RECORD
    empty = pa.table({"article_id": pa.array([], pa.string()), "body": pa.array([], pa.string())})
    [reject] = parse_parquet_stream(parquet_stream(empty), "e.parquet", MAPPING, LIMIT)
    assert isinstance(reject, Reject) and reject.reason == RejectReason.EMPTY_FILE


def test_csv_rows_as_strings_with_bad_rows_in_place() -> None:
    data = (
        b"article_id,headline,body,views\n"
        b'0042,Quay,"First line.\n\nSecond paragraph, quoted.",12\n'
        b"43,Broken,too,many,fields\n"
        b"44,Tide,Text of 44.,many\n"
        b",No id,Text.,1\n"
        b"46,Empty,,1\n"
    )
    articles, rejects = split(parse_csv_stream(io.BytesIO(data), "t.csv", MAPPING, LIMIT))
    assert [(a.article_id, a.line, a.title) for a in articles] == [
        ("0042", 1, "Quay"),
        ("44", 3, "Tide"),
    ]
    assert articles[0].text == "First line.\n\nSecond paragraph, quoted."
    assert [(r.line, r.reason) for r in rejects] == [
        (2, RejectReason.MALFORMED_RECORD),
        (4, RejectReason.MISSING_ID),
        (5, RejectReason.EMPTY_TEXT),
    ]
    assert rejects[0].excerpt == "43,Broken,too,many,fields"


def test_csv_row_numbers_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("newsdedup.transforms.core.formats.tables._CSV_BLOCK_BYTES", 256)
    lines = ["article_id,body"]
    for i in range(1, 200):
        lines.append(f"r{i},extra,field" if i % 50 == 0 else f"r{i},Text number {i}.")
    data = ("\n".join(lines) + "\n").encode()
    articles, rejects = split(parse_csv_stream(io.BytesIO(data), "t.csv", MAPPING, LIMIT))
    assert all(a.article_id == f"r{a.line}" for a in articles)
    assert [r.line for r in rejects] == [50, 100, 150]
    assert len(articles) + len(rejects) == 199


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", RejectReason.EMPTY_FILE),
        (b"article_id,body\n", RejectReason.EMPTY_FILE),
        (b"id,title\n1,x\n", RejectReason.MISSING_ID),
        (b"article_id,title\n1,x\n", RejectReason.MISSING_TEXT),
    ],
)
def test_csv_file_level_rejects(data: bytes, reason: RejectReason) -> None:
    [reject] = parse_csv_stream(io.BytesIO(data), "t.csv", MAPPING, LIMIT)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.line) == (reason, None)


@HOSTILE
@given(st.binary(max_size=400))
def test_any_bytes_in_a_table_are_articles_or_rejects(data: bytes) -> None:
    for parse in (parse_csv_stream, parse_parquet_stream):
        results = list(parse(io.BytesIO(data), "t", MAPPING, LIMIT))
        assert results and all(isinstance(r, InputArticle | Reject) for r in results)
