"""Tests for core.signals.fingerprints: winnowing over shingle hashes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.transforms.core.signals.fingerprints import passage_fingerprints, without_boilerplate
from newsdedup.transforms.core.signals.shingles import HashArray, shingle_hashes


def arr(*values: int) -> HashArray:
    return np.array(values, dtype=np.uint64)


def fingerprints_of(tokens: list[str], shingle_size: int, window: int) -> set[int]:
    return set(passage_fingerprints(shingle_hashes(tokens, shingle_size), window).tolist())


# --- basic behaviour -----------------------------------------------------------------------------


def test_empty_input_gives_no_fingerprints() -> None:
    result = passage_fingerprints(np.empty(0, dtype=np.uint64), 4)
    assert result.dtype == np.uint64
    assert len(result) == 0


@pytest.mark.parametrize("values", [(9,), (9, 3, 7), (5, 8, 2, 6)])
def test_input_no_longer_than_window_gives_its_minimum(values: tuple[int, ...]) -> None:
    result = passage_fingerprints(arr(*values), 4)
    assert result.tolist() == [min(values)]
    assert result.dtype == np.uint64


def test_window_minima_are_sorted_and_distinct() -> None:
    # windows of 2: (5,3) (3,8) (8,1) (1,1) (1,9) (9,4) -> minima 3 3 1 1 1 4
    result = passage_fingerprints(arr(5, 3, 8, 1, 1, 9, 4), 2)
    assert result.tolist() == [1, 3, 4]
    assert result.dtype == np.uint64


def test_window_of_one_keeps_every_distinct_hash() -> None:
    assert passage_fingerprints(arr(7, 2, 7, 5), 1).tolist() == [2, 5, 7]


def test_large_hashes_are_kept_exactly() -> None:
    big = 2**64 - 1
    assert passage_fingerprints(arr(big, big - 1, big), 2).tolist() == [big - 1]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=60),
    st.integers(min_value=1, max_value=10),
)
def test_matches_naive_winnowing(values: list[int], window: int) -> None:
    result = passage_fingerprints(np.array(values, dtype=np.uint64), window).tolist()
    if not values:
        expected: list[int] = []
    elif len(values) <= window:
        expected = [min(values)]
    else:
        expected = sorted({min(values[i : i + window]) for i in range(len(values) - window + 1)})
    assert result == expected
    assert result == sorted(set(result))


def test_density_on_random_text_is_about_two_over_window_plus_one() -> None:
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**64, size=20_000, dtype=np.uint64)
    window = 4
    density = len(passage_fingerprints(hashes, window)) / len(hashes)
    assert 0.3 < density < 0.5  # 2 / (4 + 1) = 0.4


# --- the winnowing guarantee ---------------------------------------------------------------------


def random_tokens(rng: np.random.Generator, count: int, vocabulary: int) -> list[str]:
    return [f"w{i}" for i in rng.integers(0, vocabulary, size=count)]


@pytest.mark.parametrize(("window", "shingle_size"), [(4, 5), (1, 1), (2, 3), (8, 2), (4, 1)])
def test_shared_run_always_yields_a_shared_fingerprint(window: int, shingle_size: int) -> None:
    rng = np.random.default_rng(window * 100 + shingle_size)
    run_length = window + shingle_size - 1
    for _ in range(300):
        run = random_tokens(rng, run_length, 50)
        before_a = random_tokens(rng, int(rng.integers(0, 40)), 1000)
        after_a = random_tokens(rng, int(rng.integers(0, 40)), 1000)
        before_b = random_tokens(rng, int(rng.integers(0, 40)), 1000)
        after_b = random_tokens(rng, int(rng.integers(0, 40)), 1000)
        left = fingerprints_of(before_a + run + after_a, shingle_size, window)
        right = fingerprints_of(before_b + run + after_b, shingle_size, window)
        assert left & right, (before_a, run, after_a, before_b, after_b)


@settings(max_examples=200, deadline=None)
@given(
    st.data(),
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=1, max_value=6),
)
def test_shared_run_property(data: st.DataObject, window: int, shingle_size: int) -> None:
    word = st.sampled_from([f"t{i}" for i in range(12)])
    run = data.draw(
        st.lists(word, min_size=window + shingle_size - 1, max_size=window + shingle_size + 5)
    )
    left = data.draw(st.lists(word, max_size=20)) + run + data.draw(st.lists(word, max_size=20))
    right = data.draw(st.lists(word, max_size=20)) + run + data.draw(st.lists(word, max_size=20))
    assert fingerprints_of(left, shingle_size, window) & fingerprints_of(
        right, shingle_size, window
    )


def test_unrelated_texts_share_no_fingerprint() -> None:
    # The guarantee tests above would be vacuous if everything shared fingerprints.
    rng = np.random.default_rng(3)
    left = random_tokens(rng, 200, 10**6)
    right = random_tokens(rng, 200, 10**6)
    assert not fingerprints_of(left, 5, 4) & fingerprints_of(right, 5, 4)


def test_without_boilerplate_removes_the_sites_passages_only() -> None:
    rng = np.random.default_rng(5)
    content = rng.integers(0, 2**63, size=60, dtype=np.uint64)
    footer = rng.integers(0, 2**63, size=30, dtype=np.uint64)
    page = np.concatenate([content, footer])
    boilerplate = passage_fingerprints(footer, 4)

    kept, fingerprints = without_boilerplate(page, 4, boilerplate)

    assert not np.isin(footer, kept).any()
    # At most window - 1 content shingles are lost at the boundary.
    assert len(content) - 3 <= np.isin(content, kept).sum() <= len(content)
    assert not np.isin(fingerprints, boilerplate).any()
    assert set(passage_fingerprints(content[:-3], 4).tolist()) <= set(fingerprints.tolist())


def test_without_boilerplate_keeps_everything_when_none_is_known() -> None:
    hashes = np.arange(20, dtype=np.uint64) * np.uint64(7919)
    kept, fingerprints = without_boilerplate(hashes, 4, np.empty(0, dtype=np.uint64))
    assert kept.tolist() == hashes.tolist()
    assert fingerprints.tolist() == passage_fingerprints(hashes, 4).tolist()
