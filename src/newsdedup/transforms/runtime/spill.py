"""Article text parked in files while only ids and signatures move.

The text of an article is needed twice: to shingle it, and to write its row at
the end. In between it waits, first for the site boilerplate and entity
weights (whole-input side inputs), then for clustering. A runner holds what
waits: the in-process runner in memory, the whole input at once, and at 100k
articles that was most of its peak. So the batches that carry text are written
to files in the run's scratch folder (`Staging.scratch`, removed at commit) and
only a `SpilledBatch` (file, offset, size) goes through the runner. So are the
keys of the candidate index, the largest shuffle of ids (newsdedup.transforms.cluster).

Steps say it with the transforms of this module, never with spill files of
their own:
- `ParkedParDo`: `beam.ParDo(fn, **side_inputs)` over batches that wait in
  files for the side inputs; `fn` is a `ParkedBatchFn`.
- `SpilledGroupByKey` and `SpilledCoGroupByKey`: Beam's GroupByKey and
  CoGroupByKey over (key, records) whose records are parked on the way; the
  step after them is a `SpilledGroupFn`, which reads them back lazily.
- `GatherSpilled`: batches regrouped to a size, from all bundles and workers.

On a local disk a worker appends each batch to its bundle's own file (named
uniquely, so that a retried bundle never touches the file of its failed
attempt) and flushes it before the reference is emitted; readers open, seek and
read. On an object store (an `s3://` or `gs://` output), where an object
appears only when it is closed, every batch is one object of its own, closed
before its reference is emitted. All of it goes through Beam's FileSystems: the
scratch folder lies under `--output`, so workers on other machines read what
others spilled from the output's bucket, never from a local disk.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.typehints.decorators import no_annotations

from newsdedup.schemas.records import RecordBatch
from newsdedup.transforms.io.filesystems import (
    LOCAL_FILES,
    FileAccess,
    FileDoFn,
    is_local,
    open_input,
    open_output,
)
from newsdedup.transforms.runtime.batches import RECORD_BATCH, pack, unpack
from newsdedup.transforms.runtime.shards import GatherAll


class SpilledBatch(NamedTuple):
    """Where one packed batch lies: its file, offset and size in bytes."""

    path: str
    offset: int
    size: int


class SpillWriter:
    """Appends packed batches to one new file in a local `folder`, or writes
    each as an object of its own in a folder of another filesystem."""

    def __init__(self, folder: str, files: FileAccess = LOCAL_FILES) -> None:
        self._folder = folder
        self._files = files
        self._local = is_local(folder)
        self._file: IO[bytes] | None = None
        self._path = ""

    def write(self, records: Iterable[Any]) -> SpilledBatch:
        if not self._local:
            return self._write_object(pack(records))
        if self._file is None:
            folder = Path(self._folder)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{uuid.uuid4().hex}.spill"
            self._path = str(path)
            self._file = path.open("ab")
        packed = pack(records)
        offset = self._file.tell()
        self._file.write(packed)
        # Readers may run in other processes as soon as the reference is out.
        self._file.flush()
        return SpilledBatch(self._path, offset, len(packed))

    def _write_object(self, packed: bytes) -> SpilledBatch:
        path = FileSystems.join(self._folder, f"{uuid.uuid4().hex}.spill")
        with open_output(path, self._files) as sink:
            sink.write(packed)
        return SpilledBatch(path, 0, len(packed))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


# Spill files iter_spilled keeps open at once: a shard may read batches of thousands
# of bundles' files on a large runner, more than a process may have open.
MAX_OPEN_SPILL_FILES = 32


def _read_at(file: IO[bytes], spilled: SpilledBatch) -> RecordBatch:
    file.seek(spilled.offset)
    packed = file.read(spilled.size)
    if len(packed) != spilled.size:
        raise OSError(f"{spilled.path}: spilled batch cut short")
    return unpack(packed)


def _open(path: str, files: FileAccess) -> IO[bytes]:
    if is_local(path):
        return Path(path).open("rb")
    return open_input(path, files)


def read_spilled(spilled: SpilledBatch, files: FileAccess = LOCAL_FILES) -> RecordBatch:
    with _open(spilled.path, files) as file:
        return _read_at(file, spilled)


def iter_spilled(
    references: Iterable[SpilledBatch], files: FileAccess = LOCAL_FILES
) -> Iterator[RecordBatch]:
    """The batches, in the order given. Files stay open between their batches (a
    shard reads hundreds from one bundle's file), at most MAX_OPEN_SPILL_FILES at
    a time: the file unused longest is closed first."""
    opened: dict[str, IO[bytes]] = {}  # in order of last use
    try:
        for spilled in references:
            file = opened.pop(spilled.path, None)
            if file is None:
                if len(opened) >= MAX_OPEN_SPILL_FILES:
                    opened.pop(next(iter(opened))).close()
                file = _open(spilled.path, files)
            opened[spilled.path] = file
            yield _read_at(file, spilled)
    finally:
        for file in opened.values():
            file.close()


def spilled_records(
    references: Iterable[SpilledBatch], files: FileAccess = LOCAL_FILES
) -> Iterator[Any]:
    """The records of all the batches, one after the other."""
    for batch in iter_spilled(references, files):
        yield from batch


class SpillingDoFn(FileDoFn):
    """Base of the DoFns that spill: one writer, and so one file, per bundle."""

    def __init__(self, folder: str, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__(files)
        self._folder = folder
        self._writer: SpillWriter | None = None
        self._spilled_bytes = Metrics.counter("newsdedup", "spilled_bytes")

    def start_bundle(self) -> None:
        self._writer = SpillWriter(self._folder, self._files)

    def __getstate__(self) -> dict[str, Any]:
        # An open writer stays out: a DoFn may be pickled again within a bundle
        # (Beam's DaskRunner ships a side input's graph from inside a task).
        return {**self.__dict__, "_writer": None}

    def finish_bundle(self) -> None:
        # Nothing is emitted here: Beam's DaskRunner drops outputs of finish_bundle.
        if self._writer is not None:
            self._writer.close()

    def spill(self, records: Iterable[Any]) -> SpilledBatch:
        assert self._writer is not None, "start_bundle() was not called"
        spilled = self._writer.write(records)
        self._spilled_bytes.inc(spilled.size)
        return spilled


class SpillBatchesFn(SpillingDoFn):
    """A batch of records -> where it was spilled."""

    def process(self, batch: Sequence[Any]) -> Iterator[SpilledBatch]:
        if batch:
            yield self.spill(batch)


class ParkedBatchFn(FileDoFn):
    """Base of the DoFns that `ParkedParDo` applies: `process_records` gets each
    batch back from its file, with the side inputs by name."""

    # Beam would check the side inputs against the annotations of `*args`.
    @no_annotations
    def process(self, element: SpilledBatch, *args: Any, **side_inputs: Any) -> Iterable[Any]:
        return self.process_records(read_spilled(element, self._files), *args, **side_inputs)

    def process_records(self, batch: RecordBatch, *args: Any, **side_inputs: Any) -> Iterable[Any]:
        raise NotImplementedError


class ParkedParDo(beam.PTransform):
    """RecordBatches -> `beam.ParDo(fn, **side_inputs)` over them, the batches
    parked in files in `folder` while the side inputs are computed: the runner
    holds only where each batch lies (see the module's docstring)."""

    def __init__(
        self,
        fn: ParkedBatchFn,
        folder: str,
        files: FileAccess = LOCAL_FILES,
        output_type: Any = None,
        **side_inputs: Any,
    ) -> None:
        super().__init__()
        self._fn = fn
        self._folder = folder
        self._files = files
        self._output_type = output_type
        self._side_inputs = side_inputs

    def expand(self, batches: beam.PCollection) -> beam.PCollection:
        apply = beam.ParDo(self._fn, **self._side_inputs)
        if self._output_type is not None:
            apply = apply.with_output_types(self._output_type)
        return (
            batches
            | "Park" >> beam.ParDo(SpillBatchesFn(self._folder, self._files))
            | "Unpark" >> apply
        )


class SpillCountedFn(SpillingDoFn):
    """A batch of records -> (how many records, where it was spilled)."""

    def process(self, batch: Sequence[Any]) -> Iterator[tuple[int, SpilledBatch]]:
        if batch:
            yield len(batch), self.spill(batch)


def plan_groups(
    counted: Iterable[tuple[int, SpilledBatch]], max_records: int
) -> Iterator[list[SpilledBatch]]:
    """The spilled batches in groups of at most `max_records` records (a larger
    batch makes a group of its own), in the order of where they lie."""
    group: list[SpilledBatch] = []
    records = 0
    for count, spilled in sorted(counted, key=lambda c: (c[1].path, c[1].offset)):
        if group and records + count > max_records:
            yield group
            group, records = [], 0
        group.append(spilled)
        records += count
    if group:
        yield group


class ReadGroupFn(FileDoFn):
    """A group of spilled batches -> their records as one RecordBatch."""

    def process(self, group: list[SpilledBatch]) -> Iterator[RecordBatch]:
        yield RecordBatch(spilled_records(group, self._files))


class GatherSpilled(beam.PTransform):
    """Batches of records -> batches of up to `max_records` records gathered from
    all bundles and workers (a larger input batch stays whole).

    The records are spilled to files in `folder`; only the references meet, in
    one element (GatherAll), and are planned into groups that are read back after a reshuffle.
    This replaces a DoFn that buffers across elements and emits what is left in
    `finish_bundle`: Beam's DaskRunner drops the outputs of `finish_bundle`.
    Which records share a batch depends on where they were spilled: use it where
    the result does not depend on the batching.
    """

    def __init__(self, max_records: int, folder: str, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__()
        self._max_records = max_records
        self._folder = folder
        self._files = files

    def expand(self, batches: beam.PCollection) -> beam.PCollection:
        max_records = self._max_records
        return (
            batches
            | "SpillBatches" >> beam.ParDo(SpillCountedFn(self._folder, self._files))
            | "GatherReferences" >> GatherAll()
            | "PlanGroups" >> beam.FlatMap(plan_groups, max_records)
            | "SpreadGroups" >> beam.Reshuffle()
            | "ReadGroups" >> beam.ParDo(ReadGroupFn(self._files)).with_output_types(RECORD_BATCH)
        )


class ParkKeyedFn(SpillingDoFn):
    """(key, records) -> (key, where the records were spilled)."""

    def process(self, element: tuple[Any, Iterable[Any]]) -> Iterator[tuple[Any, SpilledBatch]]:
        key, records = element
        yield key, self.spill(records)


# (key, records) elements: one PCollection, or parts that several stages make.
KeyedParts = beam.PCollection | tuple[beam.PCollection, ...]


def _parked(keyed: KeyedParts, label: str, folder: str, files: FileAccess) -> beam.PCollection:
    """(key, where the records were spilled) of each element. Each part is
    parked in the stage that makes it and only then flattened: the in-process
    runner holds a Flatten's input between stages, so it holds references."""
    if isinstance(keyed, beam.PCollection):
        return keyed | label >> beam.ParDo(ParkKeyedFn(folder, files))
    parked = tuple(
        part | f"{label}Part{number}" >> beam.ParDo(ParkKeyedFn(folder, files))
        for number, part in enumerate(keyed)
    )
    return parked | f"{label}Parts" >> beam.Flatten()


class SpilledGroupByKey(beam.PTransform):
    """(key, records), in one PCollection or in parts, -> (key, where each
    element's records lie): a GroupByKey that moves only references (see the
    module's docstring). Apply a `SpilledGroupFn` to the result."""

    def __init__(self, folder: str, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__()
        self._folder = folder
        self._files = files

    @no_annotations  # a tuple of PCollections: no element type for Beam
    def expand(self, keyed: KeyedParts) -> beam.PCollection:
        parked = _parked(keyed, "Park", self._folder, self._files)
        return parked | "Group" >> beam.GroupByKey()


class SpilledCoGroupByKey(beam.PTransform):
    """{name: (key, records), in one PCollection or in parts} -> (key, {name:
    where the records lie}): a CoGroupByKey that moves only references. Apply
    a `SpilledGroupFn` to the result."""

    def __init__(self, folder: str, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__()
        self._folder = folder
        self._files = files

    @no_annotations  # a dict or NamedTuple of PCollections: no element type for Beam
    def expand(self, inputs: dict[str, KeyedParts]) -> beam.PCollection:
        parked = {
            name: _parked(keyed, f"Park{name.capitalize()}", self._folder, self._files)
            for name, keyed in inputs.items()
        }
        return parked | "Group" >> beam.CoGroupByKey()


class SpilledGroupFn(FileDoFn):
    """Base of the DoFns after `SpilledGroupByKey` or `SpilledCoGroupByKey`:
    `process_group` gets the key and the records, read from their files as it
    iterates (all of one key's records need not fit in memory): one iterator
    after a GroupByKey, an iterator per name after a CoGroupByKey."""

    def process(self, element: tuple[Any, Any]) -> Iterable[Any]:
        key, grouped = element
        if isinstance(grouped, dict):
            records: Any = {
                name: spilled_records(refs, self._files) for name, refs in grouped.items()
            }
        else:
            records = spilled_records(grouped, self._files)
        return self.process_group(key, records)

    def process_group(self, key: Any, records: Any) -> Iterable[Any]:
        raise NotImplementedError
