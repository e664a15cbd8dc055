"""Writing Parquet datasets (transforms/io/write.py): sorted, sharded, zstd files with bounded
row groups and run metadata."""

from __future__ import annotations

import json
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.util import assert_that, is_not_empty

from newsdedup.schemas.parquet import (
    DATASET_SCHEMAS,
    REJECTS_SCHEMA,
    SCHEMA_VERSION,
)
from newsdedup.transforms.core.formats.rows import reject_sort_key
from newsdedup.transforms.io.write import ROW_GROUP_ROWS, WriteParquetDataset
from tests.beamgen import RUN


def test_write_parquet_dataset_writes_sorted_sharded_files(tmp_path: Path) -> None:
    from tests.conftest import TestPipeline

    rows = [
        {
            "source_file": "f",
            "line": n,
            "reason": "empty_text",
            "detail": "d",
            "excerpt": "",
            "ingested_at": RUN.ingested_at,
            "pipeline_version": "test",
        }
        for n in (3, 1, 2)
    ]
    with TestPipeline(runner="FnApiRunner") as p:
        written = (
            p
            | beam.Create(rows)
            | WriteParquetDataset(
                str(tmp_path),
                REJECTS_SCHEMA,
                reject_sort_key,
                file_prefix="part",
                shards=2,
            )
        )
        assert_that(written, is_not_empty())

    files = sorted(tmp_path.glob("*.parquet"))
    assert {f.name for f in files} <= {"part-00000.parquet", "part-00001.parquet"}
    lines = [pq.read_table(f).column("line").to_pylist() for f in files]
    assert all(part == sorted(part) for part in lines)
    assert sorted(line for part in lines for line in part) == [1, 2, 3]


@pytest.fixture(autouse=True)
def _quiet_beam_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")


@pytest.mark.e2e
@pytest.mark.parametrize("dataset", ["articles", "stories", "rejects", "story_merges"])
def test_files_are_zstd_with_bounded_row_groups_and_run_metadata(
    sample_output: Path, dataset: str
) -> None:
    for path in sorted((sample_output / dataset).rglob("*.parquet")):
        metadata = pq.ParquetFile(path).metadata
        for index in range(metadata.num_row_groups):
            group = metadata.row_group(index)
            assert group.num_rows <= ROW_GROUP_ROWS
            assert {group.column(c).compression for c in range(group.num_columns)} == {"ZSTD"}
        schema = pq.read_schema(path)
        assert schema.remove_metadata().equals(DATASET_SCHEMAS[dataset])
        assert schema.metadata[b"schema_version"] == SCHEMA_VERSION.encode()
        assert "dup_threshold" in json.loads(schema.metadata[b"newsdedup_parameters"])
