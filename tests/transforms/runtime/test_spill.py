"""Batches spilled to files and read back (newsdedup.transforms.runtime.spill)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.schemas.records import RecordBatch
from newsdedup.transforms.runtime import spill
from newsdedup.transforms.runtime.spill import (
    GatherSpilled,
    ParkedBatchFn,
    ParkedParDo,
    SpillBatchesFn,
    SpilledBatch,
    SpilledCoGroupByKey,
    SpilledGroupByKey,
    SpilledGroupFn,
    SpillWriter,
    iter_spilled,
    plan_groups,
    read_spilled,
    spilled_records,
)


def test_spilled_batches_read_back_from_one_file(tmp_path: Path) -> None:
    writer = SpillWriter(str(tmp_path / "spill"))
    first = writer.write(["a", "b"])
    second = writer.write([{"text": "ü" * 1000}])
    # Readable before the writer is closed: readers may run in another process.
    assert read_spilled(second) == [{"text": "ü" * 1000}]
    writer.close()
    assert first.path == second.path
    assert second.offset == first.offset + first.size
    assert read_spilled(first) == ["a", "b"]
    assert [p.name for p in (tmp_path / "spill").iterdir()] == [Path(first.path).name]


def test_a_cut_short_spill_file_is_an_error(tmp_path: Path) -> None:
    writer = SpillWriter(str(tmp_path))
    spilled = writer.write(["a"])
    writer.close()
    with pytest.raises(OSError, match="cut short"):
        read_spilled(SpilledBatch(spilled.path, spilled.offset, spilled.size + 10))


def test_each_writer_has_its_own_file(tmp_path: Path) -> None:
    first, second = SpillWriter(str(tmp_path)), SpillWriter(str(tmp_path))
    assert first.write([1]).path != second.write([2]).path
    first.close()
    second.close()


class _SortedGroupFn(SpilledGroupFn):
    def process_group(self, key: Any, records: Any) -> Iterator[tuple[Any, Any]]:
        if isinstance(records, dict):
            yield key, {name: sorted(values) for name, values in records.items()}
        else:
            yield key, sorted(records)


def test_spilled_group_by_key_moves_only_references(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    keyed = pipeline | beam.Create([("a", [1, 2]), ("b", [3]), ("a", [4]), ("b", [])])
    grouped = keyed | SpilledGroupByKey(str(tmp_path / "grouped"))
    assert_that(
        grouped | "Kinds" >> beam.FlatMap(lambda kv: {type(r).__name__ for r in kv[1]}),
        equal_to(["SpilledBatch", "SpilledBatch"]),
        label="OnlyReferences",
    )
    assert_that(
        grouped | "ReadBack" >> beam.ParDo(_SortedGroupFn()),
        equal_to([("a", [1, 2, 4]), ("b", [3])]),
        label="Records",
    )


def test_spilled_cogroup_by_key_joins_records_by_name(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    left = pipeline | "Left" >> beam.Create([(1, ["x"]), (2, ["y"]), (1, ["z"])])
    right = pipeline | "Right" >> beam.Create([(1, [10, 11]), (3, [30])])
    joined = {"left": left, "right": right} | SpilledCoGroupByKey(str(tmp_path / "joined"))
    assert_that(
        joined | beam.ParDo(_SortedGroupFn()),
        equal_to(
            [
                (1, {"left": ["x", "z"], "right": [10, 11]}),
                (2, {"left": ["y"], "right": []}),
                (3, {"left": [], "right": [30]}),
            ]
        ),
    )


def test_parts_made_in_several_stages_are_grouped_as_one(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    first = pipeline | "First" >> beam.Create([("a", [1, 2]), ("b", [3])])
    second = pipeline | "Second" >> beam.Create([("a", [4]), ("c", [5])])
    grouped = (first, second) | "Group" >> SpilledGroupByKey(str(tmp_path / "grouped"))
    assert_that(
        grouped | "ReadBack" >> beam.ParDo(_SortedGroupFn()),
        equal_to([("a", [1, 2, 4]), ("b", [3]), ("c", [5])]),
        label="Grouped",
    )
    other = pipeline | "Other" >> beam.Create([("a", ["x"])])
    joined = {"parts": (first, second), "other": other} | "Join" >> SpilledCoGroupByKey(
        str(tmp_path / "joined")
    )
    assert_that(
        joined | "ReadJoined" >> beam.ParDo(_SortedGroupFn()),
        equal_to(
            [
                ("a", {"parts": [1, 2, 4], "other": ["x"]}),
                ("b", {"parts": [3], "other": []}),
                ("c", {"parts": [5], "other": []}),
            ]
        ),
        label="Joined",
    )


def test_spill_batches_fn_emits_references_that_read_back(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    batches = pipeline | beam.Create([[1, 2, 3, 4], [5, 6], []])
    whole = batches | beam.ParDo(SpillBatchesFn(str(tmp_path / "whole")))
    assert_that(whole | beam.Map(lambda s: len(read_spilled(s))), equal_to([4, 2]))


def test_spilled_records_come_in_the_given_order_across_files(tmp_path: Path) -> None:
    first, second = SpillWriter(str(tmp_path)), SpillWriter(str(tmp_path))
    references = [first.write([1, 2]), second.write([3]), first.write([4]), second.write([])]
    first.close()
    second.close()
    assert list(spilled_records(references)) == [1, 2, 3, 4]
    assert list(spilled_records(reversed(references))) == [4, 3, 1, 2]
    assert list(spilled_records([])) == []


def _open_spill_files(folder: Path) -> int:
    count = 0
    for fd in list(Path("/proc/self/fd").iterdir()):
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone
            count += str(fd.readlink()).startswith(str(folder))
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_iter_spilled_keeps_a_bounded_number_of_files_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill, "MAX_OPEN_SPILL_FILES", 2)
    writers = [SpillWriter(str(tmp_path)) for _ in range(5)]
    # Batches of five files, interleaved, and each file visited again later.
    references = [writers[i % 5].write([i]) for i in range(15)]
    for writer in writers:
        writer.close()

    batches = iter_spilled(references)
    seen, most_open = [], 0
    for batch in batches:
        seen.extend(batch)
        most_open = max(most_open, _open_spill_files(tmp_path))
    assert seen == list(range(15))
    assert most_open == 2
    assert _open_spill_files(tmp_path) == 0


def test_plan_groups_keeps_each_group_within_the_limit() -> None:
    counted = [
        (3, SpilledBatch("b", 0, 1)),
        (2, SpilledBatch("a", 5, 1)),
        (9, SpilledBatch("a", 0, 1)),
    ]
    groups = list(plan_groups(counted, max_records=4))
    # In the order of where they lie; a batch over the limit makes a group of its own.
    assert groups == [
        [SpilledBatch("a", 0, 1)],
        [SpilledBatch("a", 5, 1)],
        [SpilledBatch("b", 0, 1)],
    ]
    assert list(plan_groups(counted, max_records=5)) == [
        [SpilledBatch("a", 0, 1)],
        [SpilledBatch("a", 5, 1), SpilledBatch("b", 0, 1)],
    ]
    assert list(plan_groups([], max_records=5)) == []


def test_gather_spilled_gathers_the_batches_of_all_bundles(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    batches = pipeline | beam.Create(
        [RecordBatch([1, 2]), RecordBatch([3]), RecordBatch([4, 5, 6])]
    )
    gathered = batches | GatherSpilled(6, str(tmp_path / "gathered"))
    assert_that(gathered | "Sorted" >> beam.Map(sorted), equal_to([[1, 2, 3, 4, 5, 6]]))


class _KeepListedFn(ParkedBatchFn):
    """The records of a batch that the side input lists, with the batch's size."""

    def process_records(self, batch: RecordBatch, listed: list[int]) -> Iterator[tuple[int, int]]:
        for record in batch:
            if record in listed:
                yield record, len(batch)


def test_parked_par_do_applies_the_fn_to_batches_back_from_their_files(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    listed = pipeline | "Listed" >> beam.Create([2, 3, 6])
    kept = (
        pipeline
        | "Batches" >> beam.Create([RecordBatch([1, 2]), RecordBatch([3]), RecordBatch([4, 5, 6])])
        | ParkedParDo(_KeepListedFn(), str(tmp_path / "parked"), listed=beam.pvalue.AsList(listed))
    )
    assert_that(kept, equal_to([(2, 2), (3, 1), (6, 3)]))
    pipeline.run().wait_until_finish()
    assert list((tmp_path / "parked").glob("*.spill")), "the batches were not parked in files"
