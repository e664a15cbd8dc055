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
- counts, for the site boilerplate step, as the units its owners make (copies
  of one text are one page of a site), and on a feed without furniture (one
  source for many outlets' items) as the groups they make: the related reports
  of one story (a short wire item and a follow-up that reuses most of it) are
  one, and the feed does not make their text its boilerplate.
  Of two units nothing tells what they share apart from what one holds: they
  are related when they share `story_min_shared` fingerprints and at least
  RELATED_SHARE of the shorter one's (a follow-up of a short item; two pages
  under one footer share less, but for a page that is mostly the footer).

Stream-consistent: the window of an article is the `count_window_days` days up
to its own (the whole run for an undated article, and undated articles only in
that), as for the site counts (newsdedup.transforms.core.signals.daycounts), so
a stream that reads back earlier articles over the window decides as one run.
Copies are joined over every article read (earlier runs' within the horizon
too). A passage is judged only on the days its owners were published (an
article of another day does not hold it), how many units its owners make is
counted with numpy, and how many groups they make is worked out once per set
of owners of two or more units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.candidates import candidate_pairs, repeated, unique_rows
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
    """For an article of one day: the passages (held by articles of that day)
    that are boilerplate whatever its source (sorted), and for each passage that
    two or more articles hold, how many texts hold it in the window up to that
    day (copies of one text count once, and related texts make one group)."""

    boilerplate: HashArray
    shared: HashArray  # sorted
    units: KeyArray  # of each passage of `shared`
    groups: KeyArray  # of each passage of `shared`
    # Boilerplate on twice as many groups: furniture of pages (a navigation line),
    # whose names are no evidence either (a wire paragraph that the test takes
    # for boilerplate is seldom on that many).
    furniture: HashArray

    def units_holding(self, passages: HashArray) -> KeyArray:
        """How many texts (copies of one text counted once) hold each of
        `passages` (the largest int64 for a passage no two articles hold: as
        many as there are articles)."""
        return self._holding(passages, self.units)

    def groups_holding(self, passages: HashArray) -> KeyArray:
        """How many groups of related texts hold each of `passages` (as
        units_holding for a passage no two articles hold)."""
        return self._holding(passages, self.groups)

    def _holding(self, passages: HashArray, values: KeyArray) -> KeyArray:
        many = np.full(len(passages), np.iinfo(np.int64).max, dtype=np.int64)
        if not len(self.shared):
            return many
        at = np.minimum(np.searchsorted(self.shared, passages), len(self.shared) - 1)
        found = self.shared[at] == passages
        many[found] = values[at[found]]
        return many


NOTHING_KNOWN = DayPassages(
    NO_PASSAGES, NO_PASSAGES, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), NO_PASSAGES
)


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
    if count < 3:  # two units share nothing besides what both hold (see RelatedPairs)
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
    """For each article (`keys` sorted): the smallest key of its copies (itself
    included), joined through the copy pairs."""
    joined: UnionFind[int] = UnionFind(keys.tolist())
    for left, right in copies.tolist():
        joined.union(left, right)
    smallest: dict[int, int] = {}
    for key in keys.tolist():
        smallest.setdefault(joined.find(key), key)  # keys ascend: the first is the smallest
    return np.array([smallest[joined.find(k)] for k in keys.tolist()], dtype=np.int64)


class _GroupsOfUnitSets:
    """The groups the units of a passage's owners make, worked out once per set
    of owners."""

    def __init__(self, passages_of: Mapping[int, HashArray], config: DedupConfig) -> None:
        self._passages_of = passages_of
        self._min_shared = config.story_min_shared
        self._many = config.text_boilerplate_groups
        self._groups: dict[tuple[tuple[int, ...], ...], int] = {}

    def groups(self, owners: list[int], units: list[int]) -> int:
        """`owners` (ascending) and the unit of each: a unit holds what its
        owners hold (not what copies that lack the passage hold: those may be
        on other sites, under other footers)."""
        owners_of: dict[int, list[int]] = {}
        for owner, unit in zip(owners, units, strict=True):
            owners_of.setdefault(unit, []).append(owner)
        # A passage on very many units: the first (by key) decide, which
        # bounds the work and does not depend on input order.
        chosen = tuple(tuple(owners_of[u]) for u in sorted(owners_of)[:SAMPLED_UNITS])
        found = self._groups.get(chosen)
        if found is None:  # windows of a passage seen on many days often choose alike
            found = unit_groups([self._held_by(list(o)) for o in chosen], *self._limits)
            self._groups[chosen] = found
        return found

    @property
    def _limits(self) -> tuple[int, int]:
        return self._min_shared, self._many

    def _held_by(self, owners: list[int]) -> HashArray:
        if len(owners) == 1:
            return self._passages_of[owners[0]]  # distinct already
        return np.unique(np.concatenate([self._passages_of[k] for k in owners]))


class RelatedPairs:
    """Which two units are related, for passages that only two units hold: what
    both hold tells nothing there, so they are related when they share
    `story_min_shared` passages and RELATED_SHARE of the shorter one's (a
    follow-up that reuses most of a short wire item; two pages under one footer
    share less, but for a page that is mostly the footer). Counted over the
    passages that each unit's articles share with any other article, for every
    pair at once."""

    def __init__(self, units: KeyArray, passages: KeyArray, config: DedupConfig) -> None:
        (unit_rows, passage_rows), _ = unique_rows(units, passages)
        self._units, index = np.unique(unit_rows, return_inverse=True)
        sizes = np.bincount(index)
        pairs = candidate_pairs(
            passage_rows.view(np.uint64), index.astype(np.int64), config.max_key_articles
        )
        least = np.maximum(
            config.story_min_shared,
            RELATED_SHARE * np.minimum(sizes[pairs.left], sizes[pairs.right]),
        )
        related = pairs.shared >= least
        self._pairs = np.sort(self._pair_keys(pairs.left[related], pairs.right[related]))

    def __call__(self, one: KeyArray, other: KeyArray) -> npt.NDArray[np.bool_]:
        """For units `one[i]` and `other[i]` (keys of units these were made of)."""
        if not len(self._pairs):
            return np.zeros(len(one), dtype=bool)
        keys = self._pair_keys(
            np.searchsorted(self._units, one), np.searchsorted(self._units, other)
        )
        at = np.minimum(np.searchsorted(self._pairs, keys), len(self._pairs) - 1)
        return self._pairs[at] == keys

    def _pair_keys(self, one: KeyArray, other: KeyArray) -> KeyArray:
        low, high = np.minimum(one, other), np.maximum(one, other)
        return low * len(self._units) + high


@dataclass(frozen=True)
class _Holdings:
    """Every (passage, day, owner) of passages held by two or more articles,
    sorted in that order, with the unit of each owner."""

    passages: KeyArray  # the fingerprints seen as int64 (only equality counts)
    days: KeyArray
    owners: KeyArray
    units: KeyArray

    def shared_passages_of(self) -> dict[int, HashArray]:
        """Article key -> its passages that another article holds too: what
        relates articles (what one article alone holds relates none)."""
        (owners, passages), _ = unique_rows(self.owners, self.passages)
        cuts = np.flatnonzero(owners[1:] != owners[:-1]) + 1
        parts = zip(np.split(owners, cuts), np.split(passages, cuts), strict=True)
        return {int(o[0]): part.view(np.uint64) for o, part in parts if len(o)}


def _holdings(
    keys: KeyArray, days: KeyArray, units: KeyArray, passages_of: Mapping[int, HashArray]
) -> _Holdings:
    """The holdings of the articles `keys` (sorted), of `days` and `units`."""
    arrays = [passages_of[k] for k in keys.tolist()]
    sizes = np.array([len(a) for a in arrays], dtype=np.int64)
    # Signed keys: unique_rows sorts int64 columns.
    held = np.concatenate(arrays).astype(np.uint64).view(np.int64)
    kept = repeated(held)
    (passages, held_days, owners), _ = unique_rows(
        held[kept], np.repeat(days, sizes)[kept], np.repeat(keys, sizes)[kept]
    )
    starts = np.flatnonzero(np.concatenate([[True], passages[1:] != passages[:-1]]))
    owner_counts = np.diff(np.append(starts, len(passages)))
    shared = np.repeat(owner_counts >= 2, owner_counts)
    owners = owners[shared]
    return _Holdings(
        passages[shared], held_days[shared], owners, units[np.searchsorted(keys, owners)]
    )


def _windows(holdings: _Holdings, window_days: int) -> tuple[KeyArray, KeyArray, KeyArray]:
    """For each distinct (passage, day) of the holdings: its first row, and the
    rows [start, end) of the passage's owners in the window of that day: the
    `window_days` days up to it (every owner for an undated day or no window)."""
    row_is_new = np.ones(len(holdings.passages), dtype=bool)
    row_is_new[1:] = (holdings.passages[1:] != holdings.passages[:-1]) | (
        holdings.days[1:] != holdings.days[:-1]
    )
    new_passage = np.ones(len(holdings.passages), dtype=bool)
    new_passage[1:] = holdings.passages[1:] != holdings.passages[:-1]
    # One sorted int64 per row: passage rank, then day (day codes fit 16 bits).
    span = 1 << 17
    rank = (np.cumsum(new_passage) - 1) * span + holdings.days
    firsts = np.flatnonzero(row_is_new)
    passage_rank, day = rank[firsts] // span, holdings.days[firsts]
    everything = (day == UNDATED) | (window_days <= 0)
    lowest = np.where(everything, 0, np.maximum(day - window_days + 1, 1))
    highest = np.where(everything, span - 1, day)
    starts = np.searchsorted(rank, passage_rank * span + lowest, side="left")
    ends = np.searchsorted(rank, passage_rank * span + highest, side="right")
    return firsts, starts, ends


def _unit_counts(
    holdings: _Holdings,
    starts: KeyArray,
    ends: KeyArray,
    groups: _GroupsOfUnitSets,
    related: RelatedPairs,
) -> tuple[KeyArray, KeyArray]:
    """For each window [start, end) of a passage's owners: how many units hold
    it, and how many groups they make (worked out once per set of owners; 0 for
    one unit)."""
    mixed = np.concatenate(
        [[0], np.cumsum(holdings.owners.astype(np.uint64) * np.uint64(_SET_MIX))]
    )
    set_hashes = mixed[ends] - mixed[starts]  # a sum: the order of the owners does not count
    _, first, inverse = np.unique(set_hashes, return_index=True, return_inverse=True)
    set_starts, set_ends = starts[first], ends[first]
    # The distinct units of each set: rows (set, unit) made distinct, counted per set.
    sizes = set_ends - set_starts
    rows = np.repeat(set_starts - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
    (set_rows, unit_values), _ = unique_rows(
        np.repeat(np.arange(len(first), dtype=np.int64), sizes), holdings.units[rows]
    )
    units = np.bincount(set_rows, minlength=len(first)).astype(np.int64)
    counted = np.zeros(len(first), dtype=np.int64)
    two = units == 2
    # Sets of two units are the most: judged at once (their two units are
    # consecutive in the distinct (set, unit) rows).
    at = (np.cumsum(units) - units)[two]
    counted[two] = np.where(related(unit_values[at], unit_values[at + 1]), 1, 2)
    for row in np.flatnonzero(units >= 3).tolist():
        window = slice(set_starts[row], set_ends[row])
        counted[row] = groups.groups(
            holdings.owners[window].tolist(), holdings.units[window].tolist()
        )
    return units[inverse], counted[inverse]


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
    held = _holdings(keys, days, _units_of(keys, copies), passages_of)
    groups = _GroupsOfUnitSets(held.shared_passages_of(), config)
    firsts, starts, ends = _windows(held, config.count_window_days)
    related = RelatedPairs(held.units, held.passages, config)
    unit_counts, counted = _unit_counts(held, starts, ends, groups, related)
    passages, passage_days = held.passages[firsts].view(np.uint64), held.days[firsts]
    boilerplate = counted >= least
    furniture = counted >= 2 * least
    group_counts = np.where(unit_counts >= 2, counted, unit_counts)
    by_day: dict[int, DayPassages] = {}
    for day in sorted(set(days.tolist())):
        of_day = passage_days == day
        order = np.argsort(passages[of_day], kind="stable")
        by_day[day] = DayPassages(
            boilerplate=np.sort(passages[boilerplate & of_day]),
            shared=passages[of_day][order],
            units=unit_counts[of_day][order],
            groups=group_counts[of_day][order],
            furniture=np.sort(passages[furniture & of_day]),
        )
    return by_day
