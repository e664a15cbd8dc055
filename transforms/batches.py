"""How a RecordBatch is encoded where a runner holds it: pickled, then zstd.

A batch of articles waits whole for a side input (the re-delivery verdicts, the
site boilerplate): the in-process runner holds every such batch of the run at
once. Compressed, their text takes less than half the memory, for about 15 µs
per article of compression and decompression. Registering the coder here makes
it the coder of every PCollection declared `with_output_types(RecordBatch)`.
"""

from __future__ import annotations

import functools
import pickle
import struct
from typing import Any

import apache_beam as beam
import pyarrow as pa

from schemas.records import RecordBatch

_SIZE = struct.Struct("<Q")  # the pickled size, which decompression needs
# A rough size per record for Beam's statistics, so that they never encode a batch.
_ESTIMATED_RECORD_BYTES = 4096


@functools.cache
def _zstd() -> pa.Codec:
    # Level 1: nearly all of the gain on news text, at the highest speed.
    return pa.Codec("zstd", compression_level=1)


class RecordBatchCoder(beam.coders.Coder):
    def encode(self, batch: RecordBatch) -> bytes:
        pickled = pickle.dumps(list(batch), protocol=pickle.HIGHEST_PROTOCOL)
        return _SIZE.pack(len(pickled)) + _zstd().compress(pickled, asbytes=True)

    def decode(self, encoded: bytes) -> RecordBatch:
        (size,) = _SIZE.unpack_from(encoded)
        pickled = _zstd().decompress(encoded[_SIZE.size :], decompressed_size=size, asbytes=True)
        return RecordBatch(pickle.loads(pickled))  # only ever bytes that encode() made

    def is_deterministic(self) -> bool:
        return False  # batches are values, never keys

    def estimate_size(self, batch: Any) -> int:
        return _ESTIMATED_RECORD_BYTES * len(batch)

    def to_type_hint(self) -> type:
        return RecordBatch

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


beam.coders.registry.register_coder(RecordBatch, RecordBatchCoder)
