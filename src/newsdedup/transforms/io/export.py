"""Reading a dataset of OUT's current state whole, and `newsdedup export`.

Files are opened through Beam's FileSystems, so OUT may be a local folder or
an object store (`s3://`, `gs://`). The articles' Hive partition column
`published_date` lives in the folder names, as DuckDB and Polars read it; the
export writes it as a column.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from newsdedup.schemas.parquet import ARTICLES_PARTITION_COLUMN, DATASET_SCHEMAS
from newsdedup.transforms.io.filesystems import LOCAL_FILES, FileAccess, open_input, open_output
from newsdedup.transforms.io.output import EMPTY_DATASET_FILE, current_snapshot, dataset_files
from newsdedup.transforms.io.write import PARQUET_COMPRESSION, ROW_GROUP_ROWS
from newsdedup.transforms.runtime.errors import UsageError

EXPORTABLE_TABLES = tuple(DATASET_SCHEMAS)


def _partition_value(path: str) -> str | None:
    prefix = f"{ARTICLES_PARTITION_COLUMN}="
    for part in path.split("/"):
        if part.startswith(prefix):
            return part[len(prefix) :]
    return None


def read_file(
    path: str, columns: list[str] | None = None, files: FileAccess = LOCAL_FILES
) -> pa.Table:
    with open_input(path, files) as stream:
        return pq.read_table(stream, columns=columns)


def _with_partition(table: pa.Table, path: str) -> pa.Table:
    value = _partition_value(path)
    return table.append_column(
        pa.field(ARTICLES_PARTITION_COLUMN, pa.string()),
        pa.array([value] * table.num_rows, pa.string()),
    )


def export_schema(name: str) -> pa.Schema:
    schema: pa.Schema = DATASET_SCHEMAS[name]
    if name == "articles":
        schema = schema.append(pa.field(ARTICLES_PARTITION_COLUMN, pa.string()))
    return schema


def iter_tables(
    name: str,
    paths: list[str],
    columns: list[str] | None = None,
    files: FileAccess = LOCAL_FILES,
) -> Iterator[pa.Table]:
    """The tables of a dataset's files, one file at a time (articles with their
    partition column when all columns are read)."""
    for path in paths:
        if path.endswith(EMPTY_DATASET_FILE):
            continue
        table = read_file(path, columns, files)
        if name == "articles" and columns is None:
            table = _with_partition(table, path)
        yield table


def read_dataset(
    name: str,
    paths: list[str],
    columns: list[str] | None = None,
    files: FileAccess = LOCAL_FILES,
) -> pa.Table:
    """A dataset's files as one table (the schema's empty table if there are none)."""
    tables = list(iter_tables(name, paths, columns, files))
    if not tables:
        schema = export_schema(name)
        return schema.empty_table() if columns is None else schema.empty_table().select(columns)
    return pa.concat_tables(tables)


def export_table(output: str, name: str, target: str, files: FileAccess = LOCAL_FILES) -> int:
    """The current state of one table of OUT as one Parquet file; returns its rows."""
    if name not in EXPORTABLE_TABLES:
        raise UsageError(f"--table must be one of {', '.join(EXPORTABLE_TABLES)}, not {name!r}")
    snapshot = current_snapshot(output)
    if snapshot is None:
        raise UsageError(f"{output!s} is not a newsdedup output: no published run found")
    paths = dataset_files(snapshot, name)
    metadata = read_file(paths[0], files=files).schema.metadata if paths else None
    schema = export_schema(name).with_metadata(metadata or {})
    rows = 0
    with (
        open_output(target, files) as sink,
        pq.ParquetWriter(sink, schema, compression=PARQUET_COMPRESSION) as writer,
    ):
        for table in iter_tables(name, paths, files=files):
            writer.write_table(table.cast(schema), row_group_size=ROW_GROUP_ROWS)
            rows += table.num_rows
    return rows
