"""RecordBatch and its coder: what the runner holds while batches wait."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.typehints.native_type_compatibility import convert_to_beam_type
from apache_beam.typehints.typehints import is_consistent_with

from newsdedup.schemas.records import InputArticle, RecordBatch
from newsdedup.transforms.io.read import ReadArticles
from newsdedup.transforms.runtime.batches import (
    MAX_BATCH_RECORDS,
    RECORD_BATCH,
    BatchRecords,
    PerRecord,
    RecordBatchCoder,
    pack,
    unpack,
)


def _articles(count: int) -> RecordBatch:
    return RecordBatch(
        InputArticle(article_id=f"a{i}", text=f"Bericht {i} über den Hafen von Lissabon. " * 60)
        for i in range(count)
    )


def test_a_batch_round_trips_compressed() -> None:
    batch = _articles(50)
    coder = RecordBatchCoder()
    encoded = coder.encode(batch)
    decoded = coder.decode(encoded)
    assert type(decoded) is RecordBatch
    assert decoded == batch
    assert len(encoded) < len(pickle.dumps(list(batch))) / 2
    assert coder.decode(coder.encode(RecordBatch())) == []


def test_parsed_batches_are_coded_as_record_batches() -> None:
    assert isinstance(beam.coders.registry.get_coder(RecordBatch), RecordBatchCoder)
    assert isinstance(beam.coders.registry.get_coder(RECORD_BATCH), RecordBatchCoder)
    pipeline = beam.Pipeline(runner="FnApiRunner")
    parsed = pipeline | ReadArticles(["in.jsonl"], max_record_bytes=1 << 20)
    assert parsed.articles.element_type is RECORD_BATCH


def test_packed_records_come_back_as_a_batch() -> None:
    batch = _articles(3)
    packed = pack(iter(batch))
    assert isinstance(packed, bytes)
    assert unpack(packed) == batch
    assert type(unpack(packed)) is RecordBatch


def test_records_are_batched_as_record_batches(pipeline: beam.Pipeline) -> None:
    batches = pipeline | beam.Create(range(MAX_BATCH_RECORDS + 10)) | BatchRecords()
    assert batches.element_type is RECORD_BATCH
    assert_that(
        batches
        | "TypesAndSizes" >> beam.Map(lambda b: (type(b).__name__, len(b) <= MAX_BATCH_RECORDS))
        | beam.Distinct(),
        equal_to([("RecordBatch", True)]),
        label="RecordBatchesOfAtMostMax",
    )
    assert_that(
        batches | "Records" >> beam.FlatMap(lambda batch: batch),
        equal_to(range(MAX_BATCH_RECORDS + 10)),
        label="EveryRecordOnce",
    )


def test_the_record_batch_hint_passes_for_iterables_and_sequences() -> None:
    # Beam 2.78 checks resolved annotations such as Iterable[X] against it.
    for base in (Iterable[InputArticle], Sequence[tuple[int, bytes]], list[Any]):
        assert is_consistent_with(RECORD_BATCH, convert_to_beam_type(base))
    assert not is_consistent_with(RECORD_BATCH, convert_to_beam_type(int))


def test_per_record_maps_each_record_of_each_batch(pipeline: beam.Pipeline) -> None:
    mapped = (
        pipeline
        # Declared as every RecordBatch collection of the pipeline is (Beam 2.78
        # would infer the class RecordBatch, which Iterable[Any] does not take).
        | beam.Create([RecordBatch([1, 2]), RecordBatch([3]), RecordBatch()]).with_output_types(
            RECORD_BATCH
        )
        | PerRecord(lambda n: n * 10)
    )
    assert mapped.element_type is RECORD_BATCH
    assert_that(mapped | beam.Map(sorted), equal_to([[10, 20], [30], []]))
