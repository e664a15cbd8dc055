"""Counts of keys per day, read over a window of days up to an article's own.

What a run learns from its corpus (which passages are a site's boilerplate)
must not depend on how the stream was cut into runs: a run over a whole
stream and its micro-batches, each with the earlier articles it reads back,
must decide an article alike. So such counts are kept per day and read over
the `window_days` days up to the article's own: every article of that window
has arrived when an article is decided, in one run as in a stream that
arrives in publication order. An article without a date reads the whole run.

A count key is a 64-bit hash's upper 48 bits and a 16-bit day code (1 + days
since 1970; 0 for an article without a date).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newsdedup.transforms.core.signals.shingles import HashArray

_DAY_BITS = np.uint64(16)
_DAY_MASK = np.uint64((1 << 16) - 1)
UNDATED = 0
_SECONDS_PER_DAY = 86_400


def day_code(published_ts: float | None) -> int:
    """The day of a publication time as count keys hold it (0: unknown)."""
    if published_ts is None:
        return UNDATED
    return int(min(max(published_ts // _SECONDS_PER_DAY, 0), int(_DAY_MASK) - 1)) + 1


def dated_keys(hashes: HashArray, day: int) -> HashArray:
    """The count keys of hashes found in an article of `day` (see `day_code`)."""
    return ((hashes.astype(np.uint64) >> _DAY_BITS) << _DAY_BITS) | np.uint64(day)


def undated(keys: HashArray) -> HashArray:
    """What identifies the hash of a count key, whatever its day."""
    return keys >> _DAY_BITS


def key_counts(keys: HashArray, counts: np.ndarray) -> tuple[HashArray, np.ndarray]:
    """Adds up the counts of equal keys: distinct sorted keys and their totals."""
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct, np.bincount(inverse, weights=counts, minlength=len(distinct)).astype(np.int64)


def keys_counted_over(
    keys: HashArray, counts: np.ndarray, least: int
) -> tuple[HashArray, np.ndarray]:
    """The keys (and counts) of the hashes counted more than `least` times over all days."""
    hashes, inverse = np.unique(undated(keys), return_inverse=True)
    totals = np.bincount(inverse, weights=counts, minlength=len(hashes))
    kept = totals[inverse] > least
    return keys[kept], counts[kept]


@dataclass(frozen=True, slots=True)
class DayCounts:
    """Counts per count key: `keys` sorted, `cumulative` their running totals
    (one longer), so that any window of days is two binary searches."""

    keys: HashArray
    cumulative: np.ndarray

    @classmethod
    def of(cls, keys: HashArray, counts: np.ndarray) -> DayCounts:
        """From distinct sorted keys and their counts."""
        return cls(keys.astype(np.uint64), np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]))

    def window(self, hashes: HashArray, day: int, window_days: int) -> np.ndarray:
        """How often each hash was counted on the `window_days` days up to `day`
        (on all days, undated ones too, for an undated article or no window)."""
        first, last = self._bounds(hashes, day, window_days)
        return self.cumulative[last] - self.cumulative[first]

    def days(self, hashes: HashArray, day: int, window_days: int) -> np.ndarray:
        """On how many distinct days (as `window` reads them) each hash was counted."""
        first, last = self._bounds(hashes, day, window_days)
        return last - first

    def _bounds(
        self, hashes: HashArray, day: int, window_days: int
    ) -> tuple[np.ndarray, np.ndarray]:
        # The positions in `keys` of the window's first key and one past its last.
        prefixes = dated_keys(hashes, UNDATED)
        if day == UNDATED or window_days <= 0:
            first, last = prefixes, prefixes | _DAY_MASK
        else:
            first = prefixes | np.uint64(max(day - window_days + 1, 1))
            last = prefixes | np.uint64(day)
        return (
            np.searchsorted(self.keys, first, side="left"),
            np.searchsorted(self.keys, last, side="right"),
        )
