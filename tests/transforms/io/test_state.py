"""Reading back what earlier runs wrote (newsdedup.transforms.io.state)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.transforms.io.state import NewDateRangeFn, ReadParquetRows


def _write(path: Path, rows: list[dict[str, object]]) -> str:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return str(path)


def test_read_parquet_rows_reads_only_the_columns_asked_for(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    paths = [
        _write(tmp_path / "a.parquet", [{"id": "a1", "story_id": "s1", "text": "x"}]),
        _write(tmp_path / "b.parquet", [{"id": "b1", "story_id": "s2", "text": "y"}]),
    ]
    rows = pipeline | beam.Create(paths) | ReadParquetRows(["id", "story_id"])
    assert_that(rows, equal_to([{"id": "a1", "story_id": "s1"}, {"id": "b1", "story_id": "s2"}]))


def test_only_rows_the_side_input_asks_for(tmp_path: Path, pipeline: beam.Pipeline) -> None:
    path = _write(
        tmp_path / "a.parquet",
        [{"id": f"a{i}", "story_id": story} for i, story in ((1, "s1"), (2, "s2"), (3, "s1"))],
    )
    wanted = pipeline | "Wanted" >> beam.Create([("s1", "root")])
    rows = (
        pipeline
        | "Paths" >> beam.Create([path])
        | ReadParquetRows(["id", "story_id"], only_where=("story_id", beam.pvalue.AsDict(wanted)))
    )
    assert_that(rows | beam.Map(lambda row: row["id"]), equal_to(["a1", "a3"]))


def test_nothing_asked_for_reads_nothing(tmp_path: Path, pipeline: beam.Pipeline) -> None:
    path = _write(tmp_path / "a.parquet", [{"id": "a1", "story_id": "s1"}])
    wanted = pipeline | "Wanted" >> beam.Create([])
    rows = (
        pipeline
        | "Paths" >> beam.Create([path])
        | ReadParquetRows(only_where=("story_id", beam.pvalue.AsDict(wanted)))
    )
    assert_that(rows, equal_to([]))


def test_new_date_range_spans_the_dated_articles() -> None:
    combine = NewDateRangeFn()
    parts = [
        combine.add_input(combine.create_accumulator(), datetime(2026, 3, 4, 23, tzinfo=UTC)),
        combine.add_input(combine.create_accumulator(), None),
        combine.add_input(
            combine.add_input(combine.create_accumulator(), datetime(2026, 3, 1, tzinfo=UTC)),
            datetime(2026, 3, 2, tzinfo=UTC),
        ),
    ]
    merged = combine.merge_accumulators(parts)
    assert combine.extract_output(merged) == (date(2026, 3, 1), date(2026, 3, 4))
    assert combine.extract_output(combine.add_input(None, None)) is None
