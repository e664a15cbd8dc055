"""Tests for core.decide.keysets and candidates.unique_rows against numpy's own."""

from __future__ import annotations

import numpy as np
import pytest

from newsdedup.transforms.core.decide.candidates import unique_rows
from newsdedup.transforms.core.decide.keysets import in_sorted


@pytest.mark.parametrize("seed", range(5))
def test_in_sorted_equals_isin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 60, size=200).astype(np.uint64)
    values[:3] = [0, 59, 2**64 - 1]  # both ends and past the largest key
    keys = np.unique(rng.integers(0, 60, size=25).astype(np.uint64))
    assert in_sorted(values, keys).tolist() == np.isin(values, keys).tolist()
    assert not in_sorted(values, keys[:0]).any()
    assert in_sorted(values[:0], keys).shape == (0,)


@pytest.mark.parametrize("seed", range(5))
def test_unique_rows_equals_unique_along_axis(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Large negative values: keys are unsigned 64-bit hashes viewed as int64.
    first = rng.integers(-3, 3, size=500).astype(np.int64) * (2**61)
    second = rng.integers(0, 7, size=500).astype(np.int64)
    expected, expected_counts = np.unique(np.stack([first, second]), axis=1, return_counts=True)
    (got_first, got_second), counts = unique_rows(first, second)
    assert got_first.tolist() == expected[0].tolist()
    assert got_second.tolist() == expected[1].tolist()
    assert counts.tolist() == expected_counts.tolist()
    (empty,), no_counts = unique_rows(first[:0])
    assert len(empty) == 0 and len(no_counts) == 0
