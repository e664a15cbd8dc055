"""Writing Parquet datasets into a staging folder.

File names and row order derive from the data alone, so the same input gives
byte-for-byte comparable datasets whatever the bundling. The driver commits the
staging folder when the pipeline has succeeded (`newsdedup.transforms.io.output.commit`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash
from apache_beam.io.filesystems import FileSystems

from newsdedup.transforms.core.formats.rows import Row
from newsdedup.transforms.io.filesystems import LOCAL_FILES, FileAccess, FileDoFn, open_output

PARQUET_COMPRESSION = "zstd"
ROW_GROUP_ROWS = 64 * 1024


def partition_path(root: str, partition_column: str, partition: str) -> str:
    """The folder of one Hive partition of a dataset."""
    return FileSystems.join(root, f"{partition_column}={partition}")


def write_parquet(
    path: str, rows: list[Row], schema: pa.Schema, files: FileAccess = LOCAL_FILES
) -> None:
    table = pa.Table.from_pylist(rows, schema=schema)
    with open_output(path, files) as sink:
        pq.write_table(table, sink, compression=PARQUET_COMPRESSION, row_group_size=ROW_GROUP_ROWS)


class _WriteGroupFn(FileDoFn):
    def __init__(
        self,
        root: str,
        schema: pa.Schema,
        sort_key: Callable[[Row], Any],
        file_prefix: str,
        files: FileAccess,
    ) -> None:
        super().__init__(files)
        self._root = root
        self._file_prefix = file_prefix
        self._schema = schema
        self._sort_key = sort_key

    def process(self, element: tuple[int, Iterable[Row]]) -> Iterator[tuple[str, int]]:
        shard, rows = element
        ordered = sorted(rows, key=self._sort_key)
        path = FileSystems.join(self._root, f"{self._file_prefix}-{shard:05d}.parquet")
        write_parquet(path, ordered, self._schema, self._files)
        yield path, len(ordered)


class WriteParquetDataset(beam.PTransform):
    """Rows -> Parquet files under `root`, `shards` of them at most, named
    `<file_prefix>-<shard>.parquet`, rows sorted by `sort_key`. (The articles,
    partitioned by date, are written by newsdedup.transforms.assemble.WriteArticles.)"""

    def __init__(
        self,
        root: str,
        schema: pa.Schema,
        sort_key: Callable[[Row], Any],
        file_prefix: str,
        shards: int = 1,
        files: FileAccess = LOCAL_FILES,
    ) -> None:
        super().__init__()
        self._files = files
        self._file_prefix = file_prefix
        self._root = root
        self._schema = schema
        self._sort_key = sort_key
        self._shards = shards

    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        shards = self._shards
        sort_key = self._sort_key

        def shard_of(row: Mapping[str, Any]) -> int:
            return xxhash.xxh3_64_intdigest(repr(sort_key(dict(row))).encode()) % shards

        return (
            rows
            | "KeyByFile"
            >> beam.Map(lambda row: (shard_of(row), row)).with_output_types(
                tuple[int, dict[str, Any]]
            )
            | "GroupByFile" >> beam.GroupByKey()
            | "WriteFiles"
            >> beam.ParDo(
                _WriteGroupFn(self._root, self._schema, sort_key, self._file_prefix, self._files)
            )
        )
