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


def unique_rows(
    *columns: npt.NDArray[np.int64],
) -> tuple[tuple[npt.NDArray[np.int64], ...], npt.NDArray[np.int64]]:
    """The distinct rows of parallel int64 columns, sorted by the first column,
    then the second, and so on, with how often each occurs (what
    `np.unique(np.stack(columns), axis=1, return_counts=True)` gives, without
    its slow structured sort)."""
    if len(columns[0]) == 0:
        return tuple(c[:0] for c in columns), np.empty(0, dtype=np.int64)
    # Stable sorts from the last column to the first: np.lexsort's order, faster.
    order = np.argsort(columns[-1], kind="stable")
    for column in columns[-2::-1]:
        order = order[np.argsort(column[order], kind="stable")]
    ordered = [c[order] for c in columns]
    starts_new = np.zeros(len(order), dtype=bool)
    starts_new[0] = True
    for column in ordered:
        starts_new[1:] |= column[1:] != column[:-1]
    starts = np.flatnonzero(starts_new)
    counts = np.diff(np.append(starts, len(order)))
    return tuple(c[starts] for c in ordered), counts.astype(np.int64)


def repeated(values: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which values occur more than once: only their rows can make a pair or a
    shared passage. Most hashes of a corpus occur once, so sorting only these
    rows by several columns saves time and memory."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    twice = np.zeros(len(values), dtype=bool)
    same = ordered[1:] == ordered[:-1]
    twice[1:] |= same
    twice[:-1] |= same
    found = np.empty(len(values), dtype=bool)
    found[order] = twice
    return found


# Rows of owner pairs expanded at once: the expansion's temporaries are about
# ten int64 arrays of this length (~80 MB), however many pairs a shard has.
MAX_PAIR_ROWS = 1_000_000


def candidate_pairs(
    keys: KeyArray, owners: OwnerArray, max_owners: int, max_rows: int = MAX_PAIR_ROWS
) -> PairCounts:
    """All pairs of distinct owners sharing a key, with the number of shared keys.

    Key groups are expanded into owner pairs in chunks of whole groups of at
    most `max_rows` pairs (a larger group is a chunk of its own), each reduced
    to distinct pairs before the next: pairs sharing many keys collapse, so the
    peak is the distinct pairs plus one chunk, not every shared key's row."""
    signed = keys.astype(np.uint64).view(np.int64)
    kept = repeated(signed)
    (keys_sorted, owners_sorted), _ = unique_rows(signed[kept], owners[kept])
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

    rows_through = np.cumsum(sizes * (sizes - 1) // 2)
    merged: list[PairCounts] = []  # none or one part: the pairs summed so far
    pending: list[PairCounts] = []
    pending_rows = 0
    first = 0
    while first < len(starts):
        done = int(rows_through[first - 1]) if first else 0
        end = max(int(np.searchsorted(rows_through, done + max_rows, side="right")), first + 1)
        pending.append(_group_pairs(owners_sorted, starts[first:end], sizes[first:end]))
        pending_rows += len(pending[-1])
        first = end
        # Merging once the pending pairs outnumber the merged ones (or
        # max_rows) keeps the memory near twice the distinct pairs plus one
        # chunk, and each merge sorts at most twice the rows that arrived
        # since the last one, so the total merge work stays near linear.
        if pending_rows >= max(max_rows, sum(len(part) for part in merged)):
            merged = [_sum_pair_counts(merged + pending)]
            pending, pending_rows = [], 0
    total = _sum_pair_counts(merged + pending)
    return PairCounts(total.left, total.right, total.shared, skipped)


def _group_pairs(owners_sorted: OwnerArray, starts: OwnerArray, sizes: OwnerArray) -> PairCounts:
    """The distinct owner pairs of some key groups (each a run of distinct,
    ascending owners of `owners_sorted`) and how many of the groups hold each."""
    # Every element of a group pairs with each later element of its group.
    rank_in_group = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    element = np.repeat(starts, sizes) + rank_in_group
    partners = np.repeat(sizes, sizes) - rank_in_group - 1
    left_pos = np.repeat(element, partners)
    run_start = np.repeat(np.cumsum(partners) - partners, partners)
    right_pos = left_pos + 1 + (np.arange(partners.sum()) - run_start)
    # Owners ascend within a group, so the left owner is always the smaller.
    (left, right), shared = unique_rows(owners_sorted[left_pos], owners_sorted[right_pos])
    return PairCounts(left, right, shared, 0)


def _sum_pair_counts(parts: list[PairCounts]) -> PairCounts:
    """Distinct pairs of several parts, each already distinct and sorted, with
    their shared-key counts summed."""
    if len(parts) == 1:
        return parts[0]
    left, right, shared = _sum_by_pair(
        np.concatenate([p.left for p in parts]),
        np.concatenate([p.right for p in parts]),
        np.concatenate([p.shared for p in parts]),
    )
    return PairCounts(left, right, shared, 0)


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
    return PairEvidence(*_sum_by_pair(evidence.left, evidence.right, evidence.counts))


def _sum_by_pair(
    left: OwnerArray, right: OwnerArray, counts: npt.NDArray[np.int64]
) -> tuple[OwnerArray, OwnerArray, npt.NDArray[np.int64]]:
    """Distinct (left, right) rows sorted by left then right, with the `counts`
    rows (a value or a row of values each) of every row of a pair summed."""
    order = np.lexsort((right, left))
    left, right = left[order], right[order]
    changes = (np.diff(left) != 0) | (np.diff(right) != 0)
    starts = np.concatenate([[0], np.flatnonzero(changes) + 1])
    return left[starts], right[starts], np.add.reduceat(counts[order], starts, axis=0)
