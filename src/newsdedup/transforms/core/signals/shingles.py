"""Shingling: text to a sequence of 64-bit shingle hashes.

Tokens are hashed once each; k-token shingle hashes are combined from them with
vectorised numpy arithmetic, so no Python loop runs per shingle.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import xxhash

from newsdedup.transforms.core.signals.normalize import utf8_words, words

# langdetect codes of languages written without spaces between words.
CHARACTER_SHINGLE_LANGUAGES = frozenset({"zh-cn", "zh-tw", "ja", "th"})

_MIX_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63],
    dtype=np.uint64,
)

HashArray = npt.NDArray[np.uint64]


def tokens_for(matching_text: str, language: str) -> list[str]:
    """Words, or single characters (spaces and punctuation dropped) for languages
    written without spaces."""
    if language in CHARACTER_SHINGLE_LANGUAGES:
        return [ch for ch in matching_text if ch.isalnum()]
    return words(matching_text)


def utf8_tokens_for(matching_text: str, language: str) -> list[bytes]:
    """`tokens_for`, each token UTF-8 encoded (as hashed, and found faster so)."""
    if language in CHARACTER_SHINGLE_LANGUAGES:
        return [token.encode() for token in tokens_for(matching_text, language)]
    return utf8_words(matching_text)


def shingle_size_for(language: str, word_size: int, char_size: int) -> int:
    return char_size if language in CHARACTER_SHINGLE_LANGUAGES else word_size


# numpy scalars made once: building them per call costs more than the arithmetic.
_SPLITMIX_STEPS = (
    (np.uint64(30), np.uint64(0xBF58476D1CE4E5B9)),
    (np.uint64(27), np.uint64(0x94D049BB133111EB)),
)
_SPLITMIX_LAST_SHIFT = np.uint64(31)


@functools.cache
def _position_multiplier(offset: int) -> np.uint64:
    return np.uint64(_MIX_MULTIPLIERS[offset % len(_MIX_MULTIPLIERS)] + np.uint64(2 * offset))


def _splitmix(values: HashArray, scratch: HashArray) -> None:
    """The splitmix64 finaliser, an avalanching bijection on 64-bit integers,
    applied to `values` in place (`scratch`: a buffer of the same size)."""
    for shift, multiplier in _SPLITMIX_STEPS:
        values ^= np.right_shift(values, shift, out=scratch)
        values *= multiplier
    values ^= np.right_shift(values, _SPLITMIX_LAST_SHIFT, out=scratch)


def shingle_hashes(tokens: Iterable[str], size: int) -> HashArray:
    """Hashes of every run of `size` consecutive tokens, in text order.

    A text shorter than one shingle yields one hash for all its tokens, so
    short texts still have a signature; an empty token list yields none.
    """
    # map() over C functions: no Python frame per token (str.encode defaults to UTF-8).
    return utf8_shingle_hashes(map(str.encode, tokens), size)


def utf8_shingle_hashes(tokens: Iterable[bytes], size: int) -> HashArray:
    """`shingle_hashes` of the tokens given UTF-8 encoded."""
    # The digests (big-endian) joined into one buffer: no Python int per token.
    token_hashes = np.frombuffer(b"".join(map(xxhash.xxh3_64_digest, tokens)), dtype=">u8").astype(
        np.uint64
    )
    if not len(token_hashes):
        return np.empty(0, dtype=np.uint64)
    size = min(size, len(token_hashes))
    count = len(token_hashes) - size + 1
    # In place, in two buffers: no temporary array per operation.
    combined = np.zeros(count, dtype=np.uint64)
    scratch = np.empty(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            # Position-dependent mixing, so "a b" and "b a" differ.
            multiplier = _position_multiplier(offset)
            combined ^= np.multiply(token_hashes[offset : offset + count], multiplier, out=scratch)
            _splitmix(combined, scratch)
    return combined
