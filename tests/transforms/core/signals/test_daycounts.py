"""Tests for core.signals.daycounts: counts per day, read over windows of days."""

from __future__ import annotations

import numpy as np

from newsdedup.transforms.core.signals.daycounts import (
    UNDATED,
    DayCounts,
    dated_keys,
    day_code,
    key_counts,
    keys_counted_over,
    undated,
)


def hashes(*values: int) -> np.ndarray:
    return np.array([v << 16 for v in values], dtype=np.uint64)


def test_day_codes() -> None:
    assert day_code(None) == UNDATED
    assert day_code(0.0) == 1
    assert day_code(86_400.0 * 3 + 5) == 4
    assert day_code(-5.0) == 1


def test_a_key_is_the_hash_and_the_day() -> None:
    keys = dated_keys(hashes(7, 9) | np.uint64(0xABCD), 12)
    assert (keys & np.uint64(0xFFFF)).tolist() == [12, 12]
    assert undated(keys).tolist() == [7, 9]


def test_counts_add_up_per_key() -> None:
    keys = np.array([7, 3, 7, 9, 3, 7], dtype=np.uint64)
    distinct, counts = key_counts(keys, np.array([1, 2, 1, 1, 1, 1]))
    assert distinct.tolist() == [3, 7, 9]
    assert counts.tolist() == [3, 3, 1]


def test_keys_counted_over_add_up_all_days() -> None:
    keys = np.concatenate(
        [dated_keys(hashes(1), 5), dated_keys(hashes(1), 6), dated_keys(hashes(2), 5)]
    )
    kept, counts = keys_counted_over(keys, np.array([1, 1, 1]), least=1)
    assert undated(kept).tolist() == [1, 1]
    assert counts.tolist() == [1, 1]


def test_window_counts_the_days_up_to_the_given_one() -> None:
    keys = np.concatenate(
        [dated_keys(hashes(1), day) for day in (3, 8, 9, 10)] + [dated_keys(hashes(1), UNDATED)]
    )
    counts = DayCounts.of(*key_counts(keys, np.array([1, 2, 3, 4, 5])))
    assert counts.window(hashes(1), 10, 3).tolist() == [9]  # days 8, 9, 10
    assert counts.window(hashes(1), 9, 2).tolist() == [5]  # days 8, 9
    assert counts.window(hashes(1), 3, 5).tolist() == [1]
    assert counts.window(hashes(1), UNDATED, 3).tolist() == [15]  # undated: everything
    assert counts.window(hashes(1), 10, 0).tolist() == [15]  # no window: everything
    assert counts.window(hashes(2), 10, 3).tolist() == [0]


def test_the_largest_hashes_keep_their_days_apart() -> None:
    top = np.array([2**64 - 1], dtype=np.uint64)
    keys = np.concatenate([dated_keys(top, 5), dated_keys(top, 6)])
    counts = DayCounts.of(*key_counts(keys, np.array([1, 1])))
    assert counts.window(top, 6, 1).tolist() == [1]
    assert counts.window(top, 6, 2).tolist() == [2]


def test_days_counts_the_distinct_days_a_hash_was_seen_on() -> None:
    keys = np.concatenate(
        [dated_keys(hashes(1), day) for day in (3, 8, 9, 10)] + [dated_keys(hashes(1), UNDATED)]
    )
    counts = DayCounts.of(*key_counts(keys, np.array([1, 2, 3, 4, 5])))
    assert counts.days(hashes(1), 10, 3).tolist() == [3]  # days 8, 9, 10, whatever their counts
    assert counts.days(hashes(1), 9, 7).tolist() == [3]  # days 3, 8, 9
    assert counts.days(hashes(1), UNDATED, 3).tolist() == [5]  # every key, undated one too
    assert counts.days(hashes(2), 10, 3).tolist() == [0]
