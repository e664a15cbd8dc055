"""Parquet and CSV tables to articles, by pyarrow, read in batches.

Which column holds which article field is a `ColumnMapping` (the `--field
NAME=COLUMN` options); unmapped fields are read from the column of their own
name when there is one. Each row is checked like a JSON Lines record
(newsdedup.transforms.core.formats.jsonl.article_from_fields): `id` and `text` must be non-empty
strings, the other fields strings or null; `published_at` may also be a Parquet
timestamp. CSV columns are always read as strings. `line` is the row's 1-based
number in the file, the CSV header not counted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.jsonl import ARTICLE_FIELDS, article_from_fields, excerpt

__all__ = ["ColumnMapping", "parse_csv_stream", "parse_field_options", "parse_parquet_stream"]

BATCH_ROWS = 1024
_CSV_BLOCK_BYTES = 1 << 20
_REQUIRED = {"id": RejectReason.MISSING_ID, "text": RejectReason.MISSING_TEXT}


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Article field -> table column, for the fields not read from a column of their name."""

    columns: Mapping[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    def present(self, names: Iterable[str]) -> dict[str, str]:
        """Article field -> column, for the mapped columns a table has."""
        available = set(names)
        return {f: self.column(f) for f in ARTICLE_FIELDS if self.column(f) in available}


def parse_field_options(values: Iterable[str]) -> ColumnMapping:
    """`NAME=COLUMN` values to a mapping; ValueError names what is wrong."""
    columns: dict[str, str] = {}
    for value in values:
        name, sep, column = value.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not column:
            raise ValueError(f"--field {value!r}: expected NAME=COLUMN, e.g. text=body")
        if name not in ARTICLE_FIELDS:
            raise ValueError(f"--field {value!r}: NAME must be one of {', '.join(ARTICLE_FIELDS)}")
        if name in columns:
            raise ValueError(f"--field {name} given twice")
        columns[name] = column
    return ColumnMapping(dict(sorted(columns.items())))


def _row_article(
    row: dict[str, Any], line: int, path: str, max_record_bytes: int
) -> InputArticle | Reject:
    raw = excerpt(json.dumps(row, ensure_ascii=False, default=str))
    # A timestamp or date column is as good as an ISO 8601 string; naive times are UTC.
    published = row.get("published_at")
    if isinstance(published, date):
        row["published_at"] = published.isoformat()
    text = row.get("text")
    if isinstance(text, str) and len(text.encode("utf-8")) > max_record_bytes:
        detail = f"text larger than the limit of {max_record_bytes} bytes"
        return Reject(path, line, RejectReason.TOO_LARGE, detail, raw)
    return article_from_fields(row, path, line, raw)


def _missing_columns(path: str, columns: dict[str, str], mapping: ColumnMapping) -> Reject | None:
    for name, reason in _REQUIRED.items():
        if name not in columns:
            detail = f"no column {mapping.column(name)!r} for the field {name!r} (see --field)"
            return Reject(path, None, reason, detail, "")
    return None


def _python_values(column: pa.Array) -> list[Any]:
    if pa.types.is_timestamp(column.type) and column.type.unit == "ns":
        # Python datetimes hold microseconds; pyarrow refuses to drop nanoseconds itself.
        column = column.cast(pa.timestamp("us", column.type.tz), safe=False)
    values: list[Any] = column.to_pylist()
    return values


def _batch_rows(batch: pa.RecordBatch, columns: dict[str, str]) -> Iterator[dict[str, Any]]:
    values = {f: _python_values(batch.column(c)) for f, c in columns.items()}
    for i in range(batch.num_rows):
        yield {f: v[i] for f, v in values.items()}


def parse_parquet_stream(
    stream: IO[bytes], path: str, mapping: ColumnMapping, max_record_bytes: int
) -> Iterator[InputArticle | Reject]:
    """Articles of a Parquet file (a seekable stream), read BATCH_ROWS rows at a time."""
    line = 0
    try:
        table = pq.ParquetFile(stream)
        columns = mapping.present(table.schema_arrow.names)
        missing = _missing_columns(path, columns, mapping)
        if missing:
            yield missing
            return
        for batch in table.iter_batches(batch_size=BATCH_ROWS, columns=list(columns.values())):
            for row in _batch_rows(batch, columns):
                line += 1
                yield _row_article(row, line, path, max_record_bytes)
    except (pa.ArrowException, OSError, ValueError, OverflowError) as error:
        detail = f"unreadable Parquet: {error}".splitlines()[0][:200]
        yield Reject(path, line + 1 if line else None, RejectReason.MALFORMED_RECORD, detail, "")
        return
    if line == 0:
        yield Reject(path, None, RejectReason.EMPTY_FILE, "the table has no rows", "")


def _csv_header(stream: IO[bytes]) -> list[str]:
    """The column names of a CSV file's first row (which may hold quoted newlines)."""
    # Read apart from pyarrow's reader: a second pyarrow reader on the same stream
    # could race with the first one's read-ahead.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        return next(csv.reader(text), [])
    finally:
        text.detach()


def _csv_batches(
    stream: IO[bytes], names: list[str], on_invalid_row: Callable[[Any], str]
) -> Iterator[pa.RecordBatch]:
    """The named columns of a CSV file, block by block, all as strings: type
    inference per block could fail on a later block of an unrelated column."""
    return iter(
        pa_csv.open_csv(
            stream,
            read_options=pa_csv.ReadOptions(use_threads=False, block_size=_CSV_BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid_row
            ),
            convert_options=pa_csv.ConvertOptions(
                include_columns=names,
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
            ),
        )
    )


def parse_csv_stream(
    stream: IO[bytes], path: str, mapping: ColumnMapping, max_record_bytes: int
) -> Iterator[InputArticle | Reject]:
    """Articles of a CSV file with a header row (a seekable stream), read in blocks.

    A row with the wrong number of fields is a `malformed_record` reject; the
    rows around it are read as usual.
    """
    if not stream.read(1):
        yield Reject(path, None, RejectReason.EMPTY_FILE, "the file is empty", "")
        return
    stream.seek(0)
    bad_rows: dict[int, str] = {}

    def on_invalid_row(row: Any) -> str:
        # pyarrow numbers rows from 1 with the header as row 1.
        bad_rows[(row.number or 1) - 1] = row.text
        return "skip"

    def bad_row(number: int) -> Reject:
        raw = excerpt(bad_rows.pop(number))
        return Reject(path, number, RejectReason.MALFORMED_RECORD, "wrong number of fields", raw)

    line = 0
    try:
        columns = mapping.present(_csv_header(stream))
        missing = _missing_columns(path, columns, mapping)
        if missing:
            yield missing
            return
        stream.seek(0)
        for batch in _csv_batches(stream, sorted(set(columns.values())), on_invalid_row):
            for row in _batch_rows(batch, columns):
                # A skipped row keeps its number in the sequence of rows.
                while line + 1 in bad_rows:
                    line += 1
                    yield bad_row(line)
                line += 1
                yield _row_article(row, line, path, max_record_bytes)
    except (pa.ArrowException, OSError, UnicodeDecodeError, csv.Error) as error:
        detail = f"unreadable CSV: {error}".splitlines()[0][:200]
        yield Reject(path, line + 1, RejectReason.MALFORMED_RECORD, detail, "")
    else:
        if line == 0 and not bad_rows:
            yield Reject(path, None, RejectReason.EMPTY_FILE, "the table has no rows", "")
    for number in sorted(bad_rows):
        yield bad_row(number)
