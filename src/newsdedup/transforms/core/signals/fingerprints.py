"""Passage fingerprints: the local MinHash of every window of shingles.

Reports of one event often share only some agency paragraphs, so whole-text
similarity is low. For each window of `window` consecutive shingles we keep the
window's minimum hash (winnowing, Schleimer et al. 2003). Two texts that share
a run of at least window + shingle_size - 1 words share at least one
fingerprint, wherever the run sits; on random text about 2 / (window + 1) of
all shingles become fingerprints.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from newsdedup.schemas.records import AnalyzedArticle, ArticleSketch
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.keysets import in_sorted
from newsdedup.transforms.core.signals.protocol import (
    STORY_VOTE,
    ArticleText,
    Signal,
    little_endian_bytes,
)
from newsdedup.transforms.core.signals.shingles import HashArray

# Windows up to this size take their minima as shifted element-wise minima.
_SHIFTED_MINIMA_UP_TO = 16


def window_minima(shingle_hashes: HashArray, window: int) -> HashArray:
    """The minimum hash of every window of `window` consecutive shingles (one
    window for a text shorter than that, none for an empty one)."""
    if len(shingle_hashes) == 0:
        return np.empty(0, dtype=np.uint64)
    if len(shingle_hashes) <= window:
        return shingle_hashes.min(keepdims=True)
    if window > _SHIFTED_MINIMA_UP_TO:
        return sliding_window_view(shingle_hashes, window).min(axis=1)
    # A few shifted element-wise minima: cheaper than a strided view's reduction.
    count = len(shingle_hashes) - window + 1
    minima = shingle_hashes[:count].copy()
    for offset in range(1, window):
        np.minimum(minima, shingle_hashes[offset : offset + count], out=minima)
    return minima


def _sorted_distinct(values: HashArray) -> HashArray:
    # np.unique, without its generic machinery: sort, keep the first of each run.
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def passage_fingerprints(shingle_hashes: HashArray, window: int) -> HashArray:
    """Sorted distinct window minima of the shingle hash sequence."""
    return _sorted_distinct(window_minima(shingle_hashes, window))


def without_boilerplate(
    shingle_hashes: HashArray, window: int, boilerplate: HashArray
) -> tuple[HashArray, HashArray]:
    """The shingles and fingerprints of a text with its site's boilerplate removed.

    `boilerplate` holds the site's boilerplate fingerprints (sorted). Every
    window whose fingerprint is boilerplate is dropped with its shingles; at a
    boundary this also drops up to window - 1 shingles of content, a few words.
    """
    minima = window_minima(shingle_hashes, window)
    flagged = in_sorted(minima, boilerplate)
    if not flagged.any():
        return shingle_hashes, np.unique(minima)
    # Shingle i is covered by the flagged windows starting in [i - window + 1, i].
    starts = np.zeros(len(shingle_hashes) + 1, dtype=np.int64)
    flagged_starts = np.flatnonzero(flagged)
    np.add.at(starts, flagged_starts, 1)
    np.add.at(starts, np.minimum(flagged_starts + window, len(shingle_hashes)), -1)
    covered = np.cumsum(starts[:-1]) > 0
    return shingle_hashes[~covered], np.unique(minima[~flagged])


def shared_count(left: bytes, right: bytes) -> int:
    """How many fingerprints two articles share (both as stored in ArticleSketch)."""
    a = np.frombuffer(left, dtype="<u8")
    b = np.frombuffer(right, dtype="<u8")
    return len(np.intersect1d(a, b, assume_unique=True))


class PassageSignal(Signal):
    """The passage fingerprints of the text; each proposes story candidates.
    Stored as computed (site boilerplate included), so that later runs count a
    site's boilerplate as this one did."""

    name = "passage_fingerprints"
    sketch_parameters = ("word_shingle_size", "char_shingle_size", "anchor_window")
    link = STORY_VOTE
    core = True

    def compute(self, text: ArticleText, config: DedupConfig) -> bytes:
        return little_endian_bytes(passage_fingerprints(text.shingle_hashes, config.anchor_window))

    def stored(self, analyzed: AnalyzedArticle) -> dict[str, Any]:
        return {self.name: analyzed.raw_fingerprints}

    def value(self, sketch: ArticleSketch) -> bytes:
        return sketch.fingerprints

    def proposes_candidates(self, config: DedupConfig) -> bool:
        return True

    def candidate_keys(self, value: bytes, config: DedupConfig) -> HashArray:
        return np.frombuffer(value, dtype="<u8")


PASSAGES = PassageSignal()
