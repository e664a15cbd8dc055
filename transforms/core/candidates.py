"""Candidate pairs from an inverted index of keys (band keys or fingerprints).

Two articles are candidates when they share a key. Keys shared by more than
`max_owners` articles are boilerplate (site navigation, footers, stock
phrases): they are skipped, which also bounds the quadratic pair count.
Everything here is vectorised; no Python loop runs per key or per pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

KeyArray = npt.NDArray[np.uint64]
OwnerArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PairCounts:
    """Unordered article pairs (left < right) and how many keys each pair shares."""

    left: OwnerArray
    right: OwnerArray
    shared: npt.NDArray[np.int64]
    skipped_keys: int

    def __len__(self) -> int:
        return len(self.left)


def shard_of(keys: KeyArray, shards: int) -> npt.NDArray[np.int64]:
    return (keys % np.uint64(shards)).astype(np.int64)


def split_by_shard(
    keys: KeyArray, shards: int, *columns: OwnerArray
) -> dict[int, tuple[npt.NDArray[Any], ...]]:
    """Partition entries (keys and parallel columns) so that every key lands in
    exactly one shard; each shard gets (keys, *columns)."""
    shard_ids = shard_of(keys, shards)
    result: dict[int, tuple[npt.NDArray[Any], ...]] = {}
    for shard in np.unique(shard_ids):
        mask = shard_ids == shard
        result[int(shard)] = (keys[mask], *(column[mask] for column in columns))
    return result


def site_boilerplate(
    keys: KeyArray, owners: OwnerArray, sites: OwnerArray, max_site_owners: int
) -> tuple[OwnerArray, KeyArray]:
    """(site, key) pairs where the key appears in more than `max_site_owners`
    articles of that site: the site's navigation, newsletter box or footer.
    Site 0 means unknown and has no boilerplate."""
    entries = np.unique(np.stack([keys.astype(np.uint64).view(np.int64), owners, sites]), axis=1)
    key_site, counts = np.unique(entries[[0, 2]], axis=1, return_counts=True)
    boilerplate = (counts > max_site_owners) & (key_site[1] != 0)
    return key_site[1][boilerplate], key_site[0][boilerplate].view(np.uint64)


def candidate_pairs(keys: KeyArray, owners: OwnerArray, max_owners: int) -> PairCounts:
    """All pairs of distinct owners sharing a key, with the number of shared keys."""
    entries = np.unique(np.stack([keys.astype(np.uint64).view(np.int64), owners]), axis=1)
    keys_sorted, owners_sorted = entries[0], entries[1]
    if len(keys_sorted) == 0:
        return _empty(0)
    boundaries = np.flatnonzero(np.diff(keys_sorted)) + 1
    starts = np.concatenate([[0], boundaries])
    sizes = np.diff(np.concatenate([starts, [len(keys_sorted)]]))
    skipped = int(np.count_nonzero(sizes > max_owners))
    keep = (sizes >= 2) & (sizes <= max_owners)
    starts, sizes = starts[keep], sizes[keep]
    if len(starts) == 0:
        return _empty(skipped)

    # Every element of a kept group pairs with each later element of its group.
    rank_in_group = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    element = np.repeat(starts, sizes) + rank_in_group
    partners = np.repeat(sizes, sizes) - rank_in_group - 1
    left_pos = np.repeat(element, partners)
    run_start = np.repeat(np.cumsum(partners) - partners, partners)
    right_pos = left_pos + 1 + (np.arange(partners.sum()) - run_start)

    left = owners_sorted[left_pos]
    right = owners_sorted[right_pos]
    ordered = np.stack([np.minimum(left, right), np.maximum(left, right)])
    pairs, shared = np.unique(ordered, axis=1, return_counts=True)
    return PairCounts(pairs[0], pairs[1], shared.astype(np.int64), skipped)


def _empty(skipped: int) -> PairCounts:
    none = np.empty(0, dtype=np.int64)
    return PairCounts(none, none.copy(), none.copy(), skipped)


@dataclass(frozen=True)
class PairEvidence:
    """Unordered article pairs (left < right) with their shared-key counts per
    level: one row of `counts` per pair, one column per level."""

    left: OwnerArray
    right: OwnerArray
    counts: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.left)

    @staticmethod
    def concatenate(parts: list[PairEvidence], levels: int) -> PairEvidence:
        if not parts:
            none = np.empty(0, dtype=np.int64)
            return PairEvidence(none, none.copy(), np.empty((0, levels), dtype=np.int64))
        return PairEvidence(
            np.concatenate([p.left for p in parts]),
            np.concatenate([p.right for p in parts]),
            np.concatenate([p.counts for p in parts]),
        )

    def select(self, mask: npt.NDArray[np.bool_]) -> PairEvidence:
        return PairEvidence(self.left[mask], self.right[mask], self.counts[mask])


def add_pair_evidence(evidence: PairEvidence) -> PairEvidence:
    """One row per distinct pair, its counts summed over every row of that pair
    (a pair shares keys at several levels and in several shards)."""
    if len(evidence) == 0:
        return evidence
    order = np.lexsort((evidence.right, evidence.left))
    left, right = evidence.left[order], evidence.right[order]
    changes = (np.diff(left) != 0) | (np.diff(right) != 0)
    starts = np.concatenate([[0], np.flatnonzero(changes) + 1])
    counts = np.add.reduceat(evidence.counts[order], starts, axis=0)
    return PairEvidence(left[starts], right[starts], counts)
