"""Record batches: how they are made, mapped record by record, and encoded.

- `BatchRecords` makes RecordBatches of records that come one by one, and
  `PerRecord` applies a function to each record of each batch: what the
  algorithm's steps use instead of spelling out batching at every step.
- `RecordBatchCoder` is the coder of every PCollection declared
  `with_output_types(RECORD_BATCH)` (registered on import): one pickle per batch
  instead of one per record, compressed wherever a runner holds or ships it
  between stages.
- `pack` and `unpack` are the same encoding as bytes: the format of spill
  files (newsdedup.transforms.runtime.spill).
"""

from __future__ import annotations

import functools
import pickle
import struct
from collections.abc import Callable, Iterable
from typing import Any

import apache_beam as beam
import pyarrow as pa
from apache_beam.typehints import typehints

from newsdedup.schemas.records import RecordBatch

_SIZE = struct.Struct("<Q")  # the pickled size, which decompression needs
# Records that come one by one (known articles of earlier runs) are batched to this
# many: enough to pay Beam's cost per element once per batch, little enough to stream.
MIN_BATCH_RECORDS, MAX_BATCH_RECORDS = 64, 4096
# A rough size per record for Beam's statistics, so that they never encode a batch.
_ESTIMATED_RECORD_BYTES = 4096


@functools.cache
def _zstd() -> pa.Codec:
    # Level 1: nearly all of the gain on news text, at the highest speed.
    return pa.Codec("zstd", compression_level=1)


def pack(records: Iterable[Any]) -> bytes:
    pickled = pickle.dumps(list(records), protocol=pickle.HIGHEST_PROTOCOL)
    return _SIZE.pack(len(pickled)) + _zstd().compress(pickled, asbytes=True)


def unpack(packed: bytes) -> RecordBatch:
    (size,) = _SIZE.unpack_from(packed)
    pickled = _zstd().decompress(packed[_SIZE.size :], decompressed_size=size, asbytes=True)
    return RecordBatch(pickle.loads(pickled))  # only ever bytes that pack() made


class RecordBatchHint(typehints.ListConstraint):
    """The type hint of a PCollection of RecordBatches (`RECORD_BATCH`).

    A list of any records to Beam's type checks, so that a step whose function
    takes `Iterable[X]` or `Sequence[X]` accepts it (Beam 2.78 resolves such
    annotations and checks them when the pipeline is built; the class
    RecordBatch itself would fail those checks), and the hint that selects
    RecordBatchCoder.
    """

    def __init__(self) -> None:
        super().__init__(Any)

    def __repr__(self) -> str:
        return "RecordBatch"


RECORD_BATCH = RecordBatchHint()


class RecordBatchCoder(beam.coders.Coder):
    def encode(self, batch: RecordBatch) -> bytes:
        return pack(batch)

    def decode(self, encoded: bytes) -> RecordBatch:
        return unpack(encoded)

    def is_deterministic(self) -> bool:
        return False  # batches are values, never keys

    def estimate_size(self, batch: Any) -> int:
        return _ESTIMATED_RECORD_BYTES * len(batch)

    def to_type_hint(self) -> RecordBatchHint:
        return RECORD_BATCH

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


beam.coders.registry.register_coder(RecordBatch, RecordBatchCoder)
beam.coders.registry.register_coder(RecordBatchHint, RecordBatchCoder)


class BatchRecords(beam.PTransform):
    """Records -> RecordBatches of them (Beam's BatchElements, whose last batch
    of a bundle comes from `finish_bundle`: see newsdedup.transforms.runtime.dask_runner)."""

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        return (
            records
            | "Batch"
            >> beam.BatchElements(
                min_batch_size=MIN_BATCH_RECORDS, max_batch_size=MAX_BATCH_RECORDS
            )
            | "AsRecordBatch" >> beam.Map(RecordBatch).with_output_types(RECORD_BATCH)
        )


def _map_records(batch: Iterable[Any], fn: Callable[[Any], Any]) -> RecordBatch:
    return RecordBatch(fn(record) for record in batch)


class PerRecord(beam.PTransform):
    """RecordBatches -> RecordBatches of `fn(record)` for each record: Beam's Map
    over the records of each batch."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        super().__init__()
        self._fn = fn

    def expand(self, batches: beam.PCollection) -> beam.PCollection:
        return batches | "MapRecords" >> beam.Map(_map_records, self._fn).with_output_types(
            RECORD_BATCH
        )
