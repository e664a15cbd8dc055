"""Membership in a sorted set of 64-bit keys (a site's boilerplate, known owners).

`np.isin` sorts both arrays on every call; a set that is already sorted only
needs a binary search per value, which matters when one large set (a site's
boilerplate) is probed once per article.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def in_sorted(
    values: npt.NDArray[np.generic], sorted_keys: npt.NDArray[np.generic]
) -> npt.NDArray[np.bool_]:
    """values[i] in sorted_keys, for each i; `sorted_keys` must be sorted ascending
    and of the same dtype as `values`."""
    if len(sorted_keys) == 0 or len(values) == 0:
        return np.zeros(len(values), dtype=bool)
    positions = np.searchsorted(sorted_keys, values)
    positions[positions == len(sorted_keys)] = 0
    return sorted_keys[positions] == values
