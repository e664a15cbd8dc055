"""Boilerplate and wire text told apart from the texts alone, by what else the
articles that hold a passage share.

Site boilerplate (newsdedup.transforms.core.signals.analysis.article_boilerplate)
needs a site: a `source` or a URL's host. A scraped dump has neither, and a feed
that gives every article one source is one "site" whose pages share wire text.
What tells a footer from a wire passage without metadata is what else its
articles share: a portal's footer, a newsletter box or a navigation line is on
pages of unrelated stories, which share nothing but that block, while wire text
is on reports of one event, and a re-run shares the whole text with the original.

So, over the articles of a window of days, each passage fingerprint held by two
or more articles is judged by its holders (its owners). Owners that share at
least half of the longer one's fingerprints are copies (a re-run and its
original) and count as one unit. Two units are related when they share at least
`story_min_shared` fingerprints that fewer than `text_boilerplate_groups` of the
units hold (what all or many of them hold is the passage itself, or furniture:
pages of two sites share a line of one template and, within each site, its own
footer); related units make groups. A passage

- whose owners make `text_boilerplate_groups` or more groups is boilerplate: so
  many otherwise unrelated articles hold it (the reports of one story make one
  group, and a follow-up that reuses one agency paragraph alone a group of its
  own, so the threshold leaves room for a few of those);
- whose owners are copies of one text (one unit) is wire text: a site's count of
  it (one source for a whole feed) does not make it that site's boilerplate.

Stream-consistent: the window of an article is the `count_window_days` days up
to its own (the whole run for an undated article, and undated articles only in
that), as for the site counts (newsdedup.transforms.core.signals.daycounts), so
a stream that reads back earlier articles over the window decides as one run.
How many groups a set of owners makes depends on those articles alone, so it is
worked out once per set, whatever the window it is met in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.candidates import candidate_pairs, unique_rows
from newsdedup.transforms.core.decide.unionfind import UnionFind
from newsdedup.transforms.core.signals.daycounts import UNDATED
from newsdedup.transforms.core.signals.shingles import HashArray

KeyArray = npt.NDArray[np.int64]
NO_PASSAGES: HashArray = np.empty(0, dtype=np.uint64)
# Owners sharing at least this share of the longer one's fingerprints are related
# (of the longer one: a short page that is mostly its site's footer shares most of
# itself with every other page of the site).
RELATED_SHARE = 0.5
# A passage on more units than this is judged by this many of them, the first
# by key: enough to tell many groups from one, and it bounds the work.
SAMPLED_UNITS = 16
# Mixes article keys into a hash of a set of owners (a sum: the order does not count).
_SET_MIX = 0x9E3779B97F4A7C15


@dataclass(frozen=True)
class DayPassages:
    """For an article of one day: the passages that are boilerplate whatever its
    source, and those that are wire text whatever its source (both sorted)."""

    boilerplate: HashArray
    wire: HashArray


NOTHING_KNOWN = DayPassages(NO_PASSAGES, NO_PASSAGES)


def copy_pairs(keys: KeyArray, passages_of: Mapping[int, HashArray], most_owners: int) -> KeyArray:
    """The pairs of articles (rows of two keys, smaller first) that are copies of
    each other: they share at least RELATED_SHARE of the longer one's
    fingerprints (counted on fingerprints held by at most `most_owners` articles:
    what more hold is no article's own text)."""
    arrays = [passages_of[k] for k in keys.tolist()]
    if len(arrays) < 2:
        return np.empty((0, 2), dtype=np.int64)
    sizes = np.array([len(a) for a in arrays], dtype=np.int64)
    owners = np.repeat(np.arange(len(arrays), dtype=np.int64), sizes)
    pairs = candidate_pairs(np.concatenate(arrays).astype(np.uint64), owners, most_owners)
    copies = pairs.shared >= RELATED_SHARE * np.maximum(sizes[pairs.left], sizes[pairs.right])
    return np.stack([keys[pairs.left[copies]], keys[pairs.right[copies]]], axis=1)


def unit_groups(unit_passages: Sequence[HashArray], min_shared: int, many: int) -> int:
    """How many groups of related units (copies taken together: each array the
    sorted distinct fingerprints its copies hold) share a passage: two are
    related when they share `min_shared` fingerprints that fewer than `many`
    of the units hold (what all of them or many of them hold is the passage
    itself or furniture around it: one site's footer on many of the pages
    that share a line of another's; see the module docstring)."""
    count = len(unit_passages)
    if count < 3:  # two units share nothing besides what both hold
        return count
    sizes = [len(p) for p in unit_passages]
    _, columns, held = np.unique(
        np.concatenate(unit_passages), return_inverse=True, return_counts=True
    )
    telling = (held >= 2) & (held < min(many, count))
    # Only what tells who shares what with whom: one column each.
    kept = telling[columns]
    column_of = np.cumsum(telling) - 1
    holds = np.zeros((count, int(np.count_nonzero(telling))), dtype=np.int32)
    holds[np.repeat(np.arange(count), sizes)[kept], column_of[columns[kept]]] = 1
    # An integer product: numpy's own loops, no BLAS threads for small matrices.
    linked = np.nonzero(np.triu(holds @ holds.T >= min_shared, 1))
    return _component_count(count, linked[0].tolist(), linked[1].tolist())


def _component_count(count: int, left: list[int], right: list[int]) -> int:
    joined: UnionFind[int] = UnionFind(range(count))
    for one, other in zip(left, right, strict=True):
        joined.union(one, other)
    return len(joined.groups())


def _units_of(keys: KeyArray, copies: KeyArray) -> KeyArray:
    """For each article (`keys` sorted): the smallest key of its copies among
    `keys` (itself included), joined through copy pairs within `keys`."""
    joined: UnionFind[int] = UnionFind(keys.tolist())
    inside = np.isin(copies[:, 0], keys) & np.isin(copies[:, 1], keys)
    for left, right in copies[inside].tolist():
        joined.union(left, right)
    smallest: dict[int, int] = {}
    for key in keys.tolist():
        root = joined.find(key)
        smallest.setdefault(root, key)  # keys ascend: the first is the smallest
    return np.array([smallest[joined.find(k)] for k in keys.tolist()], dtype=np.int64)


class _GroupsOfUnitSets:
    """The groups the units of a passage's owners make, worked out once per set
    of owners."""

    def __init__(self, passages_of: Mapping[int, HashArray], config: DedupConfig) -> None:
        self._passages_of = passages_of
        self._min_shared = config.story_min_shared
        self._many = config.text_boilerplate_groups
        self._groups: dict[int, int] = {}

    def groups(self, set_hash: int, owners: list[int], units: list[int]) -> int:
        """`owners` (ascending) and the unit of each: a unit holds what its
        owners hold (not what copies that lack the passage hold: those may be
        on other sites, under other footers)."""
        found = self._groups.get(set_hash)
        if found is None:
            owners_of: dict[int, list[int]] = {}
            for owner, unit in zip(owners, units, strict=True):
                owners_of.setdefault(unit, []).append(owner)
            # A passage on very many units: the first (by key) decide, which
            # bounds the work and does not depend on input order.
            chosen = sorted(owners_of)[:SAMPLED_UNITS]
            found = unit_groups(
                [
                    np.unique(np.concatenate([self._passages_of[k] for k in owners_of[unit]]))
                    for unit in chosen
                ],
                self._min_shared,
                self._many,
            )
            self._groups[set_hash] = found
        return found


def window_passages(
    keys: KeyArray,
    passages_of: Mapping[int, HashArray],
    copies: KeyArray,
    groups: _GroupsOfUnitSets,
    least: int,
) -> DayPassages:
    """The boilerplate and wire passages among the articles `keys` (sorted,
    distinct) of a window, `copies` the copy pairs of the run."""
    arrays = [passages_of[k] for k in keys.tolist()]
    if not arrays:
        return NOTHING_KNOWN
    sizes = np.array([len(a) for a in arrays], dtype=np.int64)
    # Signed keys: unique_rows sorts int64 columns.
    (passages, owners), _ = unique_rows(
        np.concatenate(arrays).astype(np.uint64).view(np.int64), np.repeat(keys, sizes)
    )
    unit_of = dict(zip(keys.tolist(), _units_of(keys, copies).tolist(), strict=True))
    units = np.array([unit_of[k] for k in owners.tolist()], dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], passages[1:] != passages[:-1]]))
    owner_counts = np.diff(np.append(starts, len(passages)))
    (unit_passages, _), _ = unique_rows(passages, units)
    unit_counts = _run_lengths(unit_passages)  # in the order of `passages`' runs
    set_hashes = np.add.reduceat(owners.astype(np.uint64) * np.uint64(_SET_MIX), starts)
    counted = unit_counts.copy()
    several = np.flatnonzero(unit_counts >= 3)
    distinct, first, inverse = np.unique(
        set_hashes[several], return_index=True, return_inverse=True
    )
    verdicts = []
    for set_hash, row in zip(distinct.tolist(), several[first].tolist(), strict=True):
        run = slice(starts[row], starts[row] + owner_counts[row])
        verdicts.append(groups.groups(set_hash, owners[run].tolist(), units[run].tolist()))
    counted[several] = np.array(verdicts, dtype=np.int64)[inverse]
    held = passages[starts].view(np.uint64)
    # Held by copies of one text alone: related units are no proof (sites' footers
    # made from one template share more than one line).
    wire = (unit_counts == 1) & (owner_counts >= 2)
    # Sorted as signed keys above: sorted again as the hashes they are.
    return DayPassages(boilerplate=np.sort(held[counted >= least]), wire=np.sort(held[wire]))


def _run_lengths(values: npt.NDArray[np.int64]) -> KeyArray:
    """How many times each distinct value occurs, in sorted order of the values."""
    return np.unique(values, return_counts=True)[1].astype(np.int64)


def passages_by_day(
    articles: Sequence[tuple[int, int, HashArray]], config: DedupConfig
) -> dict[int, DayPassages]:
    """(article key, day code, sorted distinct passage fingerprints) of every
    article of a run (earlier runs' within the horizon included) -> for each day
    found, the boilerplate and wire passages for an article of that day (see the
    module docstring). Nothing when `text_boilerplate_groups` is 0."""
    least = config.text_boilerplate_groups
    if least <= 0 or not articles:
        return {}
    passages_of = {key: passages for key, _, passages in articles}
    day_of = {key: day for key, day, _ in articles}
    keys = np.array(sorted(passages_of), dtype=np.int64)
    days = np.array([day_of[k] for k in keys.tolist()], dtype=np.int64)
    copies = copy_pairs(keys, passages_of, config.max_key_articles)
    groups = _GroupsOfUnitSets(passages_of, config)
    found: dict[int, DayPassages] = {}
    for day in sorted(set(days.tolist())):
        if day == UNDATED or config.count_window_days <= 0:
            in_window = np.ones(len(keys), dtype=bool)
        else:
            in_window = (days >= max(day - config.count_window_days + 1, 1)) & (days <= day)
        found[day] = window_passages(keys[in_window], passages_of, copies, groups, least)
    return found
