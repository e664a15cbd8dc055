"""Passage fingerprints: the local MinHash of every window of shingles.

Reports of one event often share only some agency paragraphs, so whole-text
similarity is low. For each window of `window` consecutive shingles we keep the
window's minimum hash (winnowing, Schleimer et al. 2003). Two texts that share
a run of at least window + shingle_size - 1 words share at least one
fingerprint, wherever the run sits; on random text about 2 / (window + 1) of
all shingles become fingerprints.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from transforms.core.shingles import HashArray


def passage_fingerprints(shingle_hashes: HashArray, window: int) -> HashArray:
    """Sorted distinct window minima of the shingle hash sequence."""
    if len(shingle_hashes) == 0:
        return np.empty(0, dtype=np.uint64)
    if len(shingle_hashes) <= window:
        return np.unique(shingle_hashes.min(keepdims=True))
    minima = sliding_window_view(shingle_hashes, window).min(axis=1)
    return np.unique(minima)


def shared_count(left: bytes, right: bytes) -> int:
    """How many fingerprints two articles share (both as stored in ArticleSketch)."""
    a = np.frombuffer(left, dtype="<u8")
    b = np.frombuffer(right, dtype="<u8")
    return len(np.intersect1d(a, b, assume_unique=True))
