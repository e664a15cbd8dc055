"""Continuous, atomic Parquet output for the streaming pipeline.

Rows are windowed by arrival time (`ingested_at`) and written with
`fileio.WriteToFiles`: each window's rows go to a temporary file under
OUT/_watch/tmp/, which is renamed into the dataset folder once complete, so
readers never see a half-written file. Names are unique per firing, so late
panes and restarts never overwrite earlier files.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.value_provider import StaticValueProvider
from apache_beam.transforms import window
from apache_beam.utils.timestamp import Timestamp

from schemas.parquet import ARTICLES_PARTITION_COLUMN
from transforms.core.rows import Row, article_partition
from transforms.write import PARQUET_COMPRESSION

# Late rows (an article decided after its window closed) still get written.
_ALLOWED_LATENESS_SECONDS = 365 * 24 * 3600


class ParquetSink(fileio.FileSink):
    """Buffers one file's rows and writes them as one Parquet table on flush."""

    def __init__(self, schema: pa.Schema) -> None:
        self._schema = schema
        self._rows: list[Row] = []
        self._file: Any = None

    def open(self, fh: Any) -> None:
        self._file = fh
        self._rows = []

    def write(self, record: tuple[str, Row]) -> None:
        self._rows.append(record[1])

    def flush(self) -> None:
        table = pa.Table.from_pylist(self._rows, schema=self._schema)
        pq.write_table(table, self._file, compression=PARQUET_COMPRESSION)


def destination_of(dataset: str, row: Row) -> str:
    if dataset == "articles":
        return f"{dataset}/{ARTICLES_PARTITION_COLUMN}={article_partition(row)}"
    return dataset


class _UniqueFileNaming:
    """Unique names per firing; creates the destination folder, which
    WriteToFiles' final rename expects to exist."""

    def __init__(self, output: str) -> None:
        self._output = output

    def __call__(
        self, win: Any, pane: Any, shard: int, shards: int, compression: Any, destination: str
    ) -> str:
        folder = FileSystems.join(self._output, destination)
        if not FileSystems.exists(folder):
            FileSystems.mkdirs(folder)
        start = (
            win.start.to_utc_datetime().strftime("%Y%m%dT%H%M%S") if hasattr(win, "start") else ""
        )
        return f"{destination}/watch-{start}-{uuid.uuid4().hex[:12]}-{shard:03d}.parquet"


class WriteStreamingDatasets(beam.PTransform):
    """(dataset name, row) -> Parquet files under OUT, one set per window."""

    def __init__(
        self, output: str, schemas: Mapping[str, pa.Schema], window_seconds: float
    ) -> None:
        super().__init__()
        self._output = output
        self._schemas = dict(schemas)
        self._window_seconds = window_seconds

    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        schemas = self._schemas
        return (
            rows
            | "StampArrival"
            >> beam.Map(
                lambda item: window.TimestampedValue(
                    item, Timestamp.from_utc_datetime(item[1]["ingested_at"])
                )
            )
            | "ArrivalWindows"
            >> beam.WindowInto(
                window.FixedWindows(self._window_seconds),
                allowed_lateness=_ALLOWED_LATENESS_SECONDS,
            )
            | "WriteParquetFiles"
            >> fileio.WriteToFiles(
                path=self._output,
                destination=lambda item: destination_of(item[0], item[1]),
                sink=lambda destination: ParquetSink(schemas[destination.split("/")[0]]),
                file_naming=_UniqueFileNaming(self._output),
                temp_directory=StaticValueProvider(str, f"{self._output.rstrip('/')}/_watch/tmp"),
            )
        )
