"""Grouping by key at the cost of a few elements.

Beam pays per element (coding, dispatch, a state lookup per key), and a run
shuffles a few small values per article (an id and where it came from, a story
member). One element per value, or per key, would cost more than the work.

- `GroupInShards` groups lists of (key, value) by key in a fixed number of
  shards: one element per shard in, one `{key: [values]}` per shard out.
- `GatherAll` brings a whole PCollection, or several by name, to one element,
  for a decision that needs all of it at once (union-find over every link).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
import xxhash
from apache_beam.typehints.decorators import no_annotations

# Shards of GroupInShards unless told: enough to spread over a few workers, few
# enough that each carries many values.
DEFAULT_SHARDS = 16


def key_shard(key: str, shards: int) -> int:
    """The shard of a string key: the same on every worker and in every run."""
    return xxhash.xxh3_64_intdigest(key.encode("utf-8")) % shards


def split_by_key_shard(
    pairs: Iterable[tuple[str, Any]], shards: int
) -> Iterator[tuple[int, list[tuple[str, Any]]]]:
    """(key, value) pairs -> (shard, the pairs of that shard), in shard order."""
    by_shard: dict[int, list[tuple[str, Any]]] = {}
    for key, value in pairs:
        by_shard.setdefault(key_shard(key, shards), []).append((key, value))
    yield from sorted(by_shard.items())


def values_by_key(parts: Iterable[list[tuple[str, Any]]]) -> dict[str, list[Any]]:
    """The (key, value) lists of one shard -> each key's values."""
    grouped: dict[str, list[Any]] = {}
    for part in parts:
        for key, value in part:
            grouped.setdefault(key, []).append(value)
    return grouped


class GroupInShards(beam.PTransform):
    """Lists of (key, value) with string keys -> one `{key: [values]}` per
    shard of keys that has any (`shards` of them). The order of a key's values
    is the runner's: sort them where it matters."""

    def __init__(self, shards: int = DEFAULT_SHARDS) -> None:
        super().__init__()
        self._shards = shards

    def expand(self, pair_lists: beam.PCollection) -> beam.PCollection:
        shards = self._shards
        return (
            pair_lists
            | "SplitByShard" >> beam.FlatMap(split_by_key_shard, shards)
            | "GroupShards" >> beam.GroupByKey()
            | "ValuesByKey" >> beam.MapTuple(lambda _shard, parts: values_by_key(parts))
        )


class GatherAll(beam.PTransform):
    """A PCollection -> one element, the list of all its elements; or
    {name: PCollection} -> one element, {name: all the elements of that one}."""

    @no_annotations  # a dict or NamedTuple of PCollections: no element type for Beam
    def expand(self, inputs: beam.PCollection | dict[str, beam.PCollection]) -> beam.PCollection:
        if isinstance(inputs, dict):
            keyed = {
                name: pcoll | f"ToOneKey{name.capitalize()}" >> beam.Map(_on_one_key)
                for name, pcoll in inputs.items()
            }
            return keyed | "Gather" >> beam.CoGroupByKey() | "DropKey" >> beam.Map(_named_lists)
        return (
            inputs
            | "ToOneKey" >> beam.Map(_on_one_key)
            | "Gather" >> beam.GroupByKey()
            | "DropKey" >> beam.MapTuple(lambda _key, values: list(values))
        )


def _on_one_key(element: Any) -> tuple[int, Any]:
    return 0, element


def _named_lists(keyed: tuple[int, dict[str, Iterable[Any]]]) -> dict[str, list[Any]]:
    return {name: list(values) for name, values in keyed[1].items()}
