"""Grouping by key in shards, and gathering to one element (newsdedup.transforms.runtime.shards)."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.transforms.runtime.shards import (
    GatherAll,
    GroupInShards,
    key_shard,
    split_by_key_shard,
    values_by_key,
)


def test_key_shard_is_stable_and_in_range() -> None:
    shards = [key_shard(f"id{i}", 4) for i in range(200)]
    assert set(shards) == {0, 1, 2, 3}
    # xxh3 of the key's UTF-8 bytes, not Python's salted hash(): the same on
    # every worker and in every run.
    assert key_shard("a", 1 << 62) == 0xE6C632B61E964E1F % (1 << 62)


def test_split_by_key_shard_keeps_every_pair_in_its_shard() -> None:
    pairs = [(f"id{i % 7}", i) for i in range(30)]
    parts = list(split_by_key_shard(pairs, 3))
    assert [shard for shard, _ in parts] == sorted({shard for shard, _ in parts})
    assert sorted(p for _, part in parts for p in part) == sorted(pairs)
    for shard, part in parts:
        assert {key_shard(key, 3) for key, _ in part} == {shard}


def test_values_by_key_merges_the_parts_of_a_shard() -> None:
    assert values_by_key([[("a", 1), ("b", 2)], [("a", 3)]]) == {"a": [1, 3], "b": [2]}


def test_group_in_shards_gives_each_key_all_its_values(pipeline: beam.Pipeline) -> None:
    lists = pipeline | beam.Create([[("a", 1), ("b", 2)], [("a", 3), ("c", 4)], []])
    grouped = lists | GroupInShards(shards=2)
    assert_that(
        grouped | beam.FlatMap(lambda by_key: [(k, sorted(v)) for k, v in by_key.items()]),
        equal_to([("a", [1, 3]), ("b", [2]), ("c", [4])]),
    )


def test_one_shard_holds_every_key(pipeline: beam.Pipeline) -> None:
    lists = pipeline | beam.Create([[("a", 1)], [("b", 2)], [("a", 3)]])
    grouped = lists | GroupInShards(shards=1)
    assert_that(
        grouped | beam.Map(lambda by_key: sorted((k, sorted(v)) for k, v in by_key.items())),
        equal_to([[("a", [1, 3]), ("b", [2])]]),
    )


def test_gather_all_brings_a_collection_to_one_element(pipeline: beam.Pipeline) -> None:
    gathered = pipeline | beam.Create([3, 1, 2]) | GatherAll()
    assert_that(gathered | beam.Map(sorted), equal_to([[1, 2, 3]]))


def test_gather_all_brings_named_collections_to_one_element(pipeline: beam.Pipeline) -> None:
    nodes = pipeline | "Nodes" >> beam.Create(["n1", "n2"])
    links = pipeline | "Links" >> beam.Create([("n1", "n2")])
    gathered = {"nodes": nodes, "links": links} | GatherAll()
    assert_that(
        gathered | beam.Map(lambda named: {k: sorted(v) for k, v in named.items()}),
        equal_to([{"nodes": ["n1", "n2"], "links": [("n1", "n2")]}]),
    )
