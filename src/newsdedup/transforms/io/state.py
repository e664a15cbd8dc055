"""Reading back what earlier runs wrote to OUT: only the columns a step needs,
file by file on the workers, optionally only the rows a side input asks for."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsdedup.transforms.core.decide.state import DateRange, widen_range
from newsdedup.transforms.io.filesystems import LOCAL_FILES, FileAccess, FileDoFn, open_input


class _ReadColumnsFn(FileDoFn):
    def __init__(
        self, columns: list[str] | None, filter_column: str | None, files: FileAccess
    ) -> None:
        super().__init__(files)
        self._columns = columns
        self._filter_column = filter_column

    def process(self, path: str, wanted: Collection[Any] | None = None) -> Iterator[dict]:
        with open_input(path, self._files) as stream:
            table = pq.read_table(stream, columns=self._columns)
        if self._filter_column is not None:
            if not wanted:
                return
            keep = pc.is_in(table[self._filter_column], value_set=pa.array(list(wanted)))
            table = table.filter(keep)
        yield from table.to_pylist()


class ReadParquetRows(beam.PTransform):
    """Paths of Parquet files -> their rows (dicts of `columns`, all if None).

    With `only_where=(column, side)`, only rows whose `column` is in the side
    input (a view of a collection of values: `AsDict` keys, or `AsSingleton` of a
    set) are read out.
    """

    def __init__(
        self,
        columns: list[str] | None = None,
        only_where: tuple[str, beam.pvalue.AsSideInput] | None = None,
        files: FileAccess = LOCAL_FILES,
    ) -> None:
        super().__init__()
        self._files = files
        self._columns = columns
        self._only_where = only_where

    def expand(self, paths: beam.PCollection) -> beam.PCollection:
        files = paths | "SpreadFiles" >> beam.Reshuffle()
        if self._only_where is None:
            return files | "ReadColumns" >> beam.ParDo(
                _ReadColumnsFn(self._columns, None, self._files)
            )
        column, wanted = self._only_where
        return files | "ReadColumns" >> beam.ParDo(
            _ReadColumnsFn(self._columns, column, self._files), wanted=wanted
        )


class NewDateRangeFn(beam.CombineFn):
    """The first and last publication date of new articles (None if none has one)."""

    def create_accumulator(self) -> DateRange | None:
        return None

    def add_input(self, accumulator: DateRange | None, published: datetime | None) -> Any:
        return accumulator if published is None else widen_range(accumulator, published.date())

    def merge_accumulators(self, accumulators: Iterable[DateRange | None]) -> DateRange | None:
        merged: DateRange | None = None
        for part in accumulators:
            if part is not None:
                merged = widen_range(widen_range(merged, part[0]), part[1])
        return merged

    def extract_output(self, accumulator: DateRange | None) -> DateRange | None:
        return accumulator
