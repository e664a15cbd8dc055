"""Tests for core.decide.candidates: pairs from an inverted key index, and sharding."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.transforms.core.decide import candidates
from newsdedup.transforms.core.decide.candidates import (
    KeyArray,
    OwnerArray,
    PairCounts,
    PairEvidence,
    add_pair_evidence,
    candidate_pairs,
    repeated,
    shard_of,
    split_by_shard,
)


def keys_of(*values: int) -> KeyArray:
    return np.array(values, dtype=np.uint64)


def owners_of(*values: int) -> OwnerArray:
    return np.array(values, dtype=np.int64)


def as_dict(pairs: PairCounts) -> dict[tuple[int, int], int]:
    result = {
        (int(left), int(right)): int(shared)
        for left, right, shared in zip(pairs.left, pairs.right, pairs.shared, strict=True)
    }
    assert len(result) == len(pairs)
    return result


def brute_force(
    keys: list[int], owners: list[int], max_owners: int
) -> tuple[dict[tuple[int, int], int], int]:
    by_key: dict[int, set[int]] = defaultdict(set)
    for key, owner in zip(keys, owners, strict=True):
        by_key[key].add(owner)
    counts: Counter[tuple[int, int]] = Counter()
    skipped = 0
    for members in by_key.values():
        if len(members) > max_owners:
            skipped += 1
            continue
        for pair in combinations(sorted(members), 2):
            counts[pair] += 1
    return dict(counts), skipped


# --- candidate_pairs -----------------------------------------------------------------------------


def test_each_unordered_pair_once_with_left_smaller() -> None:
    pairs = candidate_pairs(keys_of(10, 10, 10), owners_of(3, 1, 2), max_owners=10)
    assert list(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True)) == [
        (1, 2),
        (1, 3),
        (2, 3),
    ]
    assert np.all(pairs.left < pairs.right)
    assert pairs.shared.tolist() == [1, 1, 1]
    assert pairs.skipped_keys == 0


def test_shared_key_count() -> None:
    keys = keys_of(1, 1, 2, 2, 3, 3, 4)
    owners = owners_of(5, 9, 9, 5, 5, 9, 5)
    assert as_dict(candidate_pairs(keys, owners, max_owners=10)) == {(5, 9): 3}


def test_keys_with_too_many_owners_are_skipped_and_reported() -> None:
    keys = keys_of(1, 1, 1, 2, 2, 3, 3, 3, 3)
    owners = owners_of(1, 2, 3, 1, 2, 4, 5, 6, 7)
    pairs = candidate_pairs(keys, owners, max_owners=2)
    assert as_dict(pairs) == {(1, 2): 1}
    assert pairs.skipped_keys == 2


def test_key_with_exactly_max_owners_is_kept() -> None:
    pairs = candidate_pairs(keys_of(1, 1, 1), owners_of(1, 2, 3), max_owners=3)
    assert len(pairs) == 3
    assert pairs.skipped_keys == 0


def test_repeated_key_owner_entries_count_once() -> None:
    keys = keys_of(7, 7, 7, 7, 7)
    owners = owners_of(1, 1, 2, 2, 1)
    pairs = candidate_pairs(keys, owners, max_owners=2)
    assert as_dict(pairs) == {(1, 2): 1}
    assert pairs.skipped_keys == 0


def test_single_owner_keys_give_no_pairs_and_are_not_skipped() -> None:
    pairs = candidate_pairs(keys_of(1, 2, 3, 3), owners_of(1, 2, 3, 3), max_owners=1)
    assert len(pairs) == 0
    assert pairs.skipped_keys == 0


def test_empty_input() -> None:
    pairs = candidate_pairs(keys_of(), owners_of(), max_owners=5)
    assert len(pairs) == 0
    assert pairs.skipped_keys == 0
    assert pairs.left.dtype == pairs.right.dtype == pairs.shared.dtype == np.int64


def test_keys_with_the_high_bit_set_are_distinct_keys() -> None:
    high = 2**64 - 1
    keys = np.array([high, high, 2**63, 2**63, 1, 1], dtype=np.uint64)
    owners = owners_of(1, 2, 1, 3, 2, 3)
    assert as_dict(candidate_pairs(keys, owners, max_owners=5)) == {(1, 2): 1, (1, 3): 1, (2, 3): 1}


def test_result_dtypes() -> None:
    pairs = candidate_pairs(keys_of(1, 1), owners_of(4, 2), max_owners=5)
    assert pairs.left.dtype == np.int64
    assert pairs.right.dtype == np.int64
    assert pairs.shared.dtype == np.int64
    assert (pairs.left.tolist(), pairs.right.tolist()) == ([2], [4])


def test_large_owner_ids_survive() -> None:
    big = 2**62 + 12345
    pairs = candidate_pairs(keys_of(3, 3), owners_of(big, 1), max_owners=5)
    assert as_dict(pairs) == {(1, big): 1}


@pytest.mark.parametrize("seed", range(25))
def test_matches_brute_force_on_random_input(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(0, 400))
    key_space = int(rng.integers(1, 80))
    owner_space = int(rng.integers(1, 40))
    max_owners = int(rng.integers(1, 12))
    keys = rng.integers(0, key_space, size=size).astype(np.uint64)
    if seed % 2:
        keys = keys * np.uint64(0x9E3779B97F4A7C15)  # spread over the full 64-bit range
    owners = rng.integers(0, owner_space, size=size).astype(np.int64)
    pairs = candidate_pairs(keys, owners, max_owners)
    expected, skipped = brute_force(keys.tolist(), owners.tolist(), max_owners)
    assert as_dict(pairs) == expected
    assert pairs.skipped_keys == skipped
    assert np.all(pairs.left < pairs.right)
    ordered = list(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))
    assert ordered == sorted(ordered)


def test_input_order_does_not_matter() -> None:
    rng = np.random.default_rng(99)
    keys = rng.integers(0, 30, size=300).astype(np.uint64)
    owners = rng.integers(0, 25, size=300).astype(np.int64)
    reference = as_dict(candidate_pairs(keys, owners, 8))
    for _ in range(5):
        order = rng.permutation(len(keys))
        assert as_dict(candidate_pairs(keys[order], owners[order], 8)) == reference


def assert_same_pairs(got: PairCounts, expected: PairCounts) -> None:
    assert np.array_equal(got.left, expected.left)
    assert np.array_equal(got.right, expected.right)
    assert np.array_equal(got.shared, expected.shared)
    assert got.left.dtype == got.right.dtype == got.shared.dtype == np.int64
    assert got.skipped_keys == expected.skipped_keys


# Few distinct keys and owners, so that groups of many owners, repeated
# (key, owner) entries and pairs sharing keys in several chunks are common.
KEY_POOL = [0, 1, 2, 3, 5, 8, 13, 2**63, 2**64 - 1, 0x9E3779B97F4A7C15]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(KEY_POOL), st.integers(min_value=0, max_value=15)),
        max_size=120,
    ),
    st.integers(min_value=1, max_value=16),
    st.integers(min_value=1, max_value=40),
)
def test_chunked_expansion_equals_expansion_at_once(
    entries: list[tuple[int, int]], max_owners: int, max_rows: int
) -> None:
    keys = np.array([key for key, _ in entries], dtype=np.uint64)
    owners = np.array([owner for _, owner in entries], dtype=np.int64)
    at_once = candidate_pairs(keys, owners, max_owners, max_rows=10**12)
    assert_same_pairs(candidate_pairs(keys, owners, max_owners, max_rows=max_rows), at_once)


def test_one_row_chunks_sum_the_shared_keys_of_each_pair() -> None:
    keys = keys_of(1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 4)
    owners = owners_of(5, 9, 9, 5, 5, 9, 5, 1, 5, 9, 7)
    pairs = candidate_pairs(keys, owners, max_owners=3, max_rows=1)
    assert as_dict(pairs) == {(5, 9): 3}
    assert pairs.skipped_keys == 1

    rng = np.random.default_rng(7)
    keys = rng.integers(0, 300, size=3000).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    owners = rng.integers(0, 200, size=3000).astype(np.int64)
    at_once = candidate_pairs(keys, owners, 14, max_rows=10**12)
    assert len(at_once) > 1000  # enough pairs, and shared counts above 1, to merge
    assert at_once.shared.max() > 1
    assert_same_pairs(candidate_pairs(keys, owners, 14, max_rows=1), at_once)


@pytest.mark.parametrize("max_rows", [1, 10, 45, 100])
def test_chunks_are_whole_groups_of_at_most_max_rows_pairs(
    max_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(max_rows)
    keys = rng.integers(0, 200, size=1500).astype(np.uint64)
    owners = rng.integers(0, 100, size=1500).astype(np.int64)
    chunk_sizes: list[list[int]] = []
    expand = candidates._group_pairs

    def recording(owners_sorted: OwnerArray, starts: OwnerArray, sizes: OwnerArray) -> PairCounts:
        chunk_sizes.append(sizes.tolist())
        return expand(owners_sorted, starts, sizes)

    monkeypatch.setattr(candidates, "_group_pairs", recording)
    candidate_pairs(keys, owners, 12, max_rows=max_rows)
    rows = [sum(size * (size - 1) // 2 for size in sizes) for sizes in chunk_sizes]
    assert all(
        row <= max_rows or len(sizes) == 1 for row, sizes in zip(rows, chunk_sizes, strict=True)
    )
    # Greedy: a chunk stops only where its next group would not fit.
    for row, following in zip(rows[:-1], chunk_sizes[1:], strict=True):
        assert row + following[0] * (following[0] - 1) // 2 > max_rows
    # Every kept group once, in key order.
    distinct = np.unique(np.stack([keys, owners.astype(np.uint64)]), axis=1)
    _, group_sizes = np.unique(distinct[0], return_counts=True)
    kept = group_sizes[(group_sizes >= 2) & (group_sizes <= 12)]
    assert [size for sizes in chunk_sizes for size in sizes] == kept.tolist()


# --- sharding ------------------------------------------------------------------------------------


def test_shard_of_is_key_modulo_shards() -> None:
    keys = np.array([0, 1, 15, 16, 2**64 - 1], dtype=np.uint64)
    assert shard_of(keys, 16).tolist() == [0, 1, 15, 0, (2**64 - 1) % 16]


@pytest.mark.parametrize("shards", [1, 3, 16])
def test_split_by_shard_keeps_every_entry_and_each_key_in_one_shard(shards: int) -> None:
    rng = np.random.default_rng(shards)
    keys = rng.integers(0, 2**64, size=500, dtype=np.uint64)
    keys = np.concatenate([keys, keys[:100]])  # repeated keys with other owners
    owners = rng.integers(0, 50, size=len(keys)).astype(np.int64)
    sites = owners % 3
    parts = split_by_shard(keys, shards, owners, sites)
    assert set(parts) <= set(range(shards))
    shard_of_key: dict[int, int] = {}
    entries: list[tuple[int, int, int]] = []
    for shard, (shard_keys, shard_owners, shard_sites) in parts.items():
        assert len(shard_keys) == len(shard_owners) == len(shard_sites)
        for key, owner, site in zip(
            shard_keys.tolist(), shard_owners.tolist(), shard_sites.tolist(), strict=True
        ):
            assert shard_of_key.setdefault(key, shard) == shard
            entries.append((key, owner, site))
    expected = list(zip(keys.tolist(), owners.tolist(), sites.tolist(), strict=True))
    assert sorted(entries) == sorted(expected)


def test_sharded_pairs_equal_unsharded_pairs() -> None:
    rng = np.random.default_rng(4)
    keys = rng.integers(0, 200, size=600).astype(np.uint64)
    owners = rng.integers(0, 40, size=600).astype(np.int64)
    whole = as_dict(candidate_pairs(keys, owners, 6))
    combined: Counter[tuple[int, int]] = Counter()
    skipped = 0
    for shard_keys, shard_owners in split_by_shard(keys, 7, owners).values():
        pairs = candidate_pairs(shard_keys, shard_owners, 6)
        combined.update(as_dict(pairs))
        skipped += pairs.skipped_keys
    assert dict(combined) == whole
    assert skipped == candidate_pairs(keys, owners, 6).skipped_keys


def test_split_of_empty_input_is_empty() -> None:
    assert split_by_shard(keys_of(), 4, owners_of()) == {}


def test_pair_evidence_is_summed_per_pair_over_levels_and_shards() -> None:
    rows = [
        (1, 5, (1, 0, 0)),
        (2, 3, (0, 2, 0)),
        (1, 5, (0, 4, 0)),
        (1, 5, (0, 0, 3)),
        (1, 2, (0, 1, 0)),
    ]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(rows))
    parts = [
        PairEvidence(
            np.array([rows[i][0]], dtype=np.int64),
            np.array([rows[i][1]], dtype=np.int64),
            np.array([rows[i][2]], dtype=np.int64),
        )
        for i in order
    ]
    summed = add_pair_evidence(PairEvidence.concatenate(parts, 3))
    got = {
        (left, right): tuple(counts)
        for left, right, counts in zip(
            summed.left.tolist(), summed.right.tolist(), summed.counts.tolist(), strict=True
        )
    }
    assert got == {(1, 2): (0, 1, 0), (1, 5): (1, 4, 3), (2, 3): (0, 2, 0)}
    assert len(add_pair_evidence(PairEvidence.concatenate([], 3))) == 0


def test_repeated_marks_the_rows_of_values_found_twice_or_more() -> None:
    values = np.array([5, -3, 7, 5, 9, -3, 5], dtype=np.int64)
    assert repeated(values).tolist() == [True, True, False, True, False, True, True]
    assert repeated(np.empty(0, dtype=np.int64)).tolist() == []
