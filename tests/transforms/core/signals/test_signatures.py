"""Tests for core.signals.signatures: MinHash equal to datasketch, LSH bands, bytes."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.transforms.core.config import MINHASH_SCHEME
from newsdedup.transforms.core.signals.normalize import words
from newsdedup.transforms.core.signals.shingles import shingle_hashes
from newsdedup.transforms.core.signals.signatures import (
    LshBands,
    SignatureArray,
    SignatureBuilder,
    band_keys,
    estimated_jaccard,
    signature_from_bytes,
    signature_scheme,
    signature_to_bytes,
)

LOW32 = 0xFFFFFFFF


def low32(value: int) -> int:
    return int(value) & LOW32


def datasketch_signature(values: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """The reference: datasketch's own affine32 MinHash over the low 32 bits."""
    reference = MinHash(num_perm=num_perm, seed=seed, hashfunc=low32, scheme="affine32")
    reference.update_batch([int(v) for v in values])
    return np.asarray(reference.hashvalues)


def random_hashes(rng: np.random.Generator, size: int) -> np.ndarray:
    return rng.integers(0, 2**64, size=size, dtype=np.uint64)


_BUILDERS: dict[tuple[int, int], SignatureBuilder] = {}


def builder(num_perm: int = 128, seed: int = 1) -> SignatureBuilder:
    key = (num_perm, seed)
    if key not in _BUILDERS:
        _BUILDERS[key] = SignatureBuilder(num_perm, seed)
    return _BUILDERS[key]


# --- equality with datasketch --------------------------------------------------------------------


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 0), (16, 12345)])
@pytest.mark.parametrize("size", [1, 2, 10, 500])
def test_signature_equals_datasketch_bit_for_bit(num_perm: int, seed: int, size: int) -> None:
    rng = np.random.default_rng(size * 1000 + seed)
    values = random_hashes(rng, size)
    ours = builder(num_perm, seed).signature(values)
    expected = datasketch_signature(values, num_perm, seed)
    assert ours.dtype == np.uint32
    assert expected.dtype == np.uint32
    np.testing.assert_array_equal(ours, expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), min_size=1, max_size=40))
def test_signature_equals_datasketch_on_arbitrary_values(values: list[int]) -> None:
    array = np.array(values, dtype=np.uint64)
    np.testing.assert_array_equal(
        builder(32, 3).signature(array), datasketch_signature(array, 32, 3)
    )


def test_signature_of_real_shingles_equals_datasketch() -> None:
    tokens = words("der bundestag hat am donnerstag das neue gesetz zur rente beschlossen")
    hashes = shingle_hashes(tokens, 3)
    np.testing.assert_array_equal(builder().signature(hashes), datasketch_signature(hashes, 128, 1))


def test_signature_uses_only_low_32_bits_and_ignores_duplicates_and_order() -> None:
    values = np.array([1, 2, 3], dtype=np.uint64)
    high = values | np.uint64(0xABCD_0000_0000_0000)
    shuffled = np.array([3, 1, 2, 2, 1], dtype=np.uint64)
    base = builder().signature(values)
    np.testing.assert_array_equal(builder().signature(high), base)
    np.testing.assert_array_equal(builder().signature(shuffled), base)
    assert not np.array_equal(builder().signature(values[:2]), base)


def test_signature_depends_on_seed() -> None:
    values = np.arange(10, dtype=np.uint64)
    assert not np.array_equal(builder(128, 1).signature(values), builder(128, 2).signature(values))


def test_empty_set_signature_is_all_max_like_datasketch() -> None:
    empty = builder(64, 1).signature(np.empty(0, dtype=np.uint64))
    assert empty.dtype == np.uint32
    assert empty.shape == (64,)
    assert np.all(empty == np.uint32(LOW32))
    np.testing.assert_array_equal(empty, MinHash(num_perm=64, seed=1).hashvalues)


def test_signature_length_is_num_perm() -> None:
    assert builder(64, 1).signature(np.array([5], dtype=np.uint64)).shape == (64,)


# --- Jaccard estimate ----------------------------------------------------------------------------


@pytest.mark.parametrize("true_jaccard", [0.0, 0.2, 0.5, 0.8, 1.0])
def test_estimated_jaccard_is_close_to_true_jaccard(true_jaccard: float) -> None:
    rng = np.random.default_rng(int(true_jaccard * 100))
    union = 1000
    shared = round(union * true_jaccard)
    pool = np.unique(random_hashes(rng, union * 2))[:union]
    assert len(pool) == union
    only = (union - shared) // 2
    left = pool[: shared + only]
    right = np.concatenate([pool[:shared], pool[shared + only : shared + 2 * only]])
    actual = shared / len(np.union1d(left, right))
    sigs = builder(256, 1)
    estimate = estimated_jaccard(sigs.signature(left), sigs.signature(right))
    assert abs(estimate - actual) <= 0.1


def test_estimated_jaccard_of_identical_signatures_is_one() -> None:
    sig = builder().signature(np.arange(50, dtype=np.uint64))
    assert estimated_jaccard(sig, sig.copy()) == 1.0


def test_estimated_jaccard_counts_equal_positions() -> None:
    left = np.array([1, 2, 3, 4], dtype=np.uint32)
    right = np.array([1, 9, 3, 9], dtype=np.uint32)
    assert estimated_jaccard(left, right) == 0.5


def test_estimated_jaccard_rejects_different_lengths() -> None:
    with pytest.raises(ValueError):
        estimated_jaccard(np.zeros(4, dtype=np.uint32), np.zeros(8, dtype=np.uint32))


def test_estimated_jaccard_agrees_with_datasketch() -> None:
    rng = np.random.default_rng(5)
    pool = random_hashes(rng, 300)
    left, right = pool[:200], pool[100:]
    sigs = builder(128, 1)
    ours = estimated_jaccard(sigs.signature(left), sigs.signature(right))
    theirs = MinHash(num_perm=128, seed=1, hashfunc=low32)
    other = MinHash(num_perm=128, seed=1, hashfunc=low32)
    theirs.update_batch([int(v) for v in left])
    other.update_batch([int(v) for v in right])
    assert ours == theirs.jaccard(other)


# --- LSH bands -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("threshold", "num_perm"), [(0.6, 128), (0.9, 64), (0.3, 64), (0.8, 256), (0.5, 16)]
)
def test_bands_for_threshold_are_datasketch_optimal(threshold: float, num_perm: int) -> None:
    bands = LshBands.for_threshold(threshold, num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.1, 0.9))
    assert (bands.bands, bands.rows) == (lsh.b, lsh.r)
    assert bands.bands * bands.rows <= num_perm
    assert bands.bands >= 1
    assert bands.rows >= 1


def test_bands_favour_recall_over_precision() -> None:
    recall_first = LshBands.for_threshold(0.6, 128)
    balanced = MinHashLSH(threshold=0.6, num_perm=128, weights=(0.5, 0.5))
    # More bands of fewer rows: a lower effective threshold, fewer missed pairs.
    assert recall_first.bands >= balanced.b


@pytest.mark.parametrize(
    ("bands", "num_perm", "rows"), [(16, 128, 8), (32, 128, 4), (20, 128, 6), (1, 64, 64)]
)
def test_explicit_band_count_is_honoured(bands: int, num_perm: int, rows: int) -> None:
    chosen = LshBands.for_threshold(0.6, num_perm, bands=bands)
    assert chosen == LshBands(bands, rows)
    assert chosen.bands * chosen.rows <= num_perm


def test_band_keys_equal_for_identical_signatures() -> None:
    bands = LshBands(16, 8)
    sig = builder().signature(np.arange(30, dtype=np.uint64))
    keys = band_keys(sig, bands)
    assert keys.dtype == np.uint64
    assert keys.shape == (16,)
    np.testing.assert_array_equal(keys, band_keys(sig.copy(), bands))


@pytest.mark.parametrize("changed_row", [0, 7, 8, 63, 127])
def test_band_keys_differ_only_in_the_changed_band(changed_row: int) -> None:
    bands = LshBands(16, 8)
    sig = builder().signature(np.arange(30, dtype=np.uint64))
    other = sig.copy()
    other[changed_row] ^= np.uint32(1)
    keys, other_keys = band_keys(sig, bands), band_keys(other, bands)
    differing = np.flatnonzero(keys != other_keys).tolist()
    assert differing == [changed_row // bands.rows]


def test_equal_rows_in_different_bands_give_different_keys() -> None:
    bands = LshBands(4, 2)
    sig = np.full(8, 7, dtype=np.uint32)
    keys = band_keys(sig, bands)
    assert len(set(keys.tolist())) == 4


def test_rows_beyond_bands_times_rows_are_ignored() -> None:
    bands = LshBands(20, 6)  # 120 of 128 rows
    sig = builder().signature(np.arange(30, dtype=np.uint64))
    other = sig.copy()
    other[120:] ^= np.uint32(1)
    np.testing.assert_array_equal(band_keys(sig, bands), band_keys(other, bands))


# --- bytes, scheme and datasketch objects --------------------------------------------------------


def test_signature_bytes_round_trip() -> None:
    sig = builder().signature(random_hashes(np.random.default_rng(1), 100))
    raw = signature_to_bytes(sig)
    assert isinstance(raw, bytes)
    assert len(raw) == 4 * 128
    back = signature_from_bytes(raw)
    assert back.dtype == np.uint32
    np.testing.assert_array_equal(back, sig)


def test_signature_bytes_are_little_endian() -> None:
    sig: SignatureArray = np.array([1, 0x01020304], dtype=np.uint32)
    assert signature_to_bytes(sig) == b"\x01\x00\x00\x00\x04\x03\x02\x01"
    big = np.array([1, 0x01020304], dtype=">u4")
    assert signature_to_bytes(big) == b"\x01\x00\x00\x00\x04\x03\x02\x01"


def test_signature_from_bytes_is_writable_copy() -> None:
    back = signature_from_bytes(b"\x01\x00\x00\x00")
    back[0] = 5
    assert back.tolist() == [5]


def test_signature_scheme_names_scheme_and_parameters() -> None:
    scheme = signature_scheme(128, 1)
    assert MINHASH_SCHEME == "affine32"
    assert "affine32" in scheme
    assert "perm128" in scheme
    assert "seed1" in scheme
    assert signature_scheme(64, 1) != scheme
    assert signature_scheme(128, 2) != scheme


def test_to_datasketch_is_a_lean_minhash_equal_to_itself() -> None:
    sigs = builder(128, 1)
    sig = sigs.signature(np.arange(40, dtype=np.uint64))
    lean = sigs.to_datasketch(sig)
    assert isinstance(lean, LeanMinHash)
    assert lean.scheme == "affine32"
    assert lean.seed == 1
    assert lean.jaccard(lean) == 1.0
    np.testing.assert_array_equal(lean.hashvalues, sig)


def test_to_datasketch_jaccard_matches_estimate_and_datasketch_minhash() -> None:
    sigs = builder(128, 1)
    left_values = np.arange(0, 60, dtype=np.uint64)
    right_values = np.arange(30, 90, dtype=np.uint64)
    left, right = sigs.signature(left_values), sigs.signature(right_values)
    lean = sigs.to_datasketch(left)
    assert lean.jaccard(sigs.to_datasketch(right)) == estimated_jaccard(left, right)
    reference = MinHash(num_perm=128, seed=1, hashfunc=low32)
    reference.update_batch([int(v) for v in right_values])
    assert lean.jaccard(reference) == estimated_jaccard(left, right)


def test_to_datasketch_works_in_a_datasketch_lsh_index() -> None:
    sigs = builder(128, 1)
    values = np.arange(100, dtype=np.uint64)
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    lsh.insert("a", sigs.to_datasketch(sigs.signature(values)))
    lsh.insert("b", sigs.to_datasketch(sigs.signature(values + np.uint64(10_000))))
    assert lsh.query(sigs.to_datasketch(sigs.signature(values[:98]))) == ["a"]
