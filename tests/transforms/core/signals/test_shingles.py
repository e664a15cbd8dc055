"""Tests for core.signals.shingles: tokens by language and k-token shingle hashes."""

from __future__ import annotations

import numpy as np
import pytest

from newsdedup.transforms.core.signals.normalize import normalize_for_matching
from newsdedup.transforms.core.signals.shingles import (
    CHARACTER_SHINGLE_LANGUAGES,
    shingle_hashes,
    shingle_size_for,
    tokens_for,
)

# --- tokens --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en", "fr", "ru", "und", ""])
def test_word_tokens_for_spaced_languages(language: str) -> None:
    text = normalize_for_matching("Der Rat, heute: tagt!")
    assert tokens_for(text, language) == ["der", "rat", "heute", "tagt"]


@pytest.mark.parametrize("language", ["zh-cn", "zh-tw", "ja", "th"])
def test_character_tokens_for_unspaced_languages(language: str) -> None:
    assert language in CHARACTER_SHINGLE_LANGUAGES
    assert tokens_for("日本 語、です。a1", language) == ["日", "本", "語", "で", "す", "a", "1"]


def test_character_languages_are_exactly_these() -> None:
    assert frozenset({"zh-cn", "zh-tw", "ja", "th"}) == CHARACTER_SHINGLE_LANGUAGES


def test_thai_text_is_split_into_characters() -> None:
    tokens = tokens_for("กขค งจ", "th")
    assert tokens == ["ก", "ข", "ค", "ง", "จ"]
    assert tokens_for("กขค งจ", "en") == ["กขค", "งจ"]


@pytest.mark.parametrize(
    ("language", "expected"), [("ja", 3), ("zh-cn", 3), ("th", 3), ("de", 5), ("und", 5)]
)
def test_shingle_size_for(language: str, expected: int) -> None:
    assert shingle_size_for(language, word_size=5, char_size=3) == expected


# --- shingle_hashes ------------------------------------------------------------------------------


def toks(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize(("n", "k"), [(1, 1), (5, 1), (5, 3), (10, 5), (20, 4), (6, 6)])
def test_shingle_count_is_n_minus_k_plus_one(n: int, k: int) -> None:
    tokens = [f"w{i}" for i in range(n)]
    hashes = shingle_hashes(tokens, k)
    assert len(hashes) == n - k + 1
    assert hashes.dtype == np.uint64


def test_shingles_are_order_sensitive() -> None:
    assert shingle_hashes(toks("a b c"), 3)[0] != shingle_hashes(toks("c b a"), 3)[0]
    assert shingle_hashes(toks("a b"), 2)[0] != shingle_hashes(toks("b a"), 2)[0]


def test_size_one_shingles_are_token_hashes_in_text_order() -> None:
    forward = shingle_hashes(toks("a b c"), 1)
    backward = shingle_hashes(toks("c b a"), 1)
    assert list(forward) == list(backward[::-1])
    assert len(set(forward.tolist())) == 3


def test_short_text_gives_one_hash_of_all_tokens() -> None:
    short = shingle_hashes(toks("a b"), 5)
    assert len(short) == 1
    assert short.dtype == np.uint64
    assert short[0] == shingle_hashes(toks("a b"), 2)[0]
    assert short[0] != shingle_hashes(toks("b a"), 5)[0]


def test_empty_tokens_give_no_hash() -> None:
    hashes = shingle_hashes([], 5)
    assert len(hashes) == 0
    assert hashes.dtype == np.uint64


def test_equal_windows_give_equal_hashes_wherever_they_sit() -> None:
    left = shingle_hashes(toks("x y a b c z"), 3)
    right = shingle_hashes(toks("a b c q"), 3)
    # "a b c" is shingle 2 of left and shingle 0 of right.
    assert left[2] == right[0]
    assert len(set(left.tolist()) & set(right.tolist())) == 1


def test_shingle_hashes_are_deterministic() -> None:
    tokens = [f"tok{i % 7}" for i in range(40)]
    first = shingle_hashes(tokens, 5)
    second = shingle_hashes(list(tokens), 5)
    np.testing.assert_array_equal(first, second)


def test_known_value_is_stable_across_runs() -> None:
    # Pinned: the hashes are persisted (signatures, fingerprints), so they must not drift
    # between processes or library versions without anyone noticing.
    assert int(shingle_hashes(["der", "rat", "tagt"], 3)[0]) == 14591856619629814072
    assert shingle_hashes(["a", "b", "c"], 1).tolist() == [
        13948327846888038863,
        3526041503101325477,
        17028413886466966977,
    ]


def test_repeated_shingles_are_kept_in_sequence() -> None:
    hashes = shingle_hashes(toks("a b a b a b"), 2)
    assert len(hashes) == 5
    assert hashes[0] == hashes[2] == hashes[4]
    assert hashes[1] == hashes[3]
    assert hashes[0] != hashes[1]


def test_distinct_shingles_rarely_collide() -> None:
    tokens = [f"w{i}" for i in range(5000)]
    hashes = shingle_hashes(tokens, 3)
    assert len(np.unique(hashes)) == len(hashes)


def test_unicode_tokens_hash() -> None:
    hashes = shingle_hashes(["日", "本", "語"], 2)
    assert len(hashes) == 2
    assert hashes[0] != hashes[1]
