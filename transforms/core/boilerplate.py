"""Boilerplate found from the texts themselves, whatever source or URL they carry.

A passage is the set of keys (passage fingerprints, with the lead entities that
go with them) that occur in exactly the same articles, its carriers. A site's
navigation, a portal's footer or an agency's copyright line is a passage with
many carriers that covers a small part of each of them, and whose carriers share
no other text with each other: they are different stories. Text that a story's reports share is a
passage too, but its carriers are related beyond it: the agency original and its
re-runs share the rest of the wire text, a follow-up shares other paragraphs
with them, and a short wire item covers most of each report that repeats it.

So a passage is boilerplate when

- more than `max_carriers_kept` articles carry it (two pages of one event are no
  template),
- it covers less than `max_coverage` of its median carrier, not counting the
  carrier's passages found on more articles (a re-run on a page with a footer is
  still mostly the wire text),
- it is not, on at most `max_quoting_carriers` articles, `whole_text` of one of
  them (a short wire item quoted whole by its follow-ups), and
- fewer than `max_related` of its carriers (`sample` of them, chosen by a hash)
  share `min_related_overlap` of their fingerprints beyond it with another
  carrier, counting only passages on at most `wider` more articles (a site's
  footer does not relate the pages of a template shared with other sites), in
  `rounds` rounds, each leaving out what the round before found.

Lead entities are never boilerplate on their own (independent reports of one
event share names and no text): those in the passage's group go with it, and so
do entities found on more than `max_carriers_kept` carriers of a boilerplate
passage of `min_template_carriers` or more and mostly there (a navigation line's
section names).

Nothing here looks at `source` or `url`: a feed that gives every article one
source, or none, gets the same answer as one with full metadata.

Shards: `shard_postings` runs on the keys of one key shard (every occurrence of
a key lands in one shard), `Postings.merge` joins the shards' results, and
`passage_boilerplate` decides over all passages at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

KeyArray = npt.NDArray[np.uint64]
OwnerArray = npt.NDArray[np.int64]

_EMPTY_KEYS: KeyArray = np.empty(0, dtype=np.uint64)
_EMPTY_OWNERS: OwnerArray = np.empty(0, dtype=np.int64)
# splitmix64 constants: owners are mixed before they are summed into a posting hash.
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mixed(values: npt.NDArray[np.int64]) -> KeyArray:
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX_1
        z = (z ^ (z >> np.uint64(27))) * _MIX_2
        return z ^ (z >> np.uint64(31))


@dataclass(frozen=True, slots=True)
class Postings:
    """Keys found in two or more articles, each with the hash of its carrier set
    (`passage`); and, per distinct passage, its carriers (sorted owners,
    `carriers[offsets[i]:offsets[i + 1]]` for `passages[i]`)."""

    keys: KeyArray
    passage: KeyArray
    text: npt.NDArray[np.bool_]  # a passage fingerprint, not a lead entity
    passages: KeyArray
    offsets: OwnerArray
    carriers: OwnerArray

    @staticmethod
    def empty() -> Postings:
        return Postings(
            _EMPTY_KEYS,
            _EMPTY_KEYS,
            np.zeros(0, dtype=bool),
            _EMPTY_KEYS,
            np.zeros(1, np.int64),
            _EMPTY_OWNERS,
        )

    @staticmethod
    def merge(parts: Iterable[Postings]) -> Postings:
        """The postings of disjoint key shards as one (a passage found in several
        shards keeps one carrier list)."""
        parts = [p for p in parts if len(p.keys)]
        if not parts:
            return Postings.empty()
        passages = np.concatenate([p.passages for p in parts])
        lists = [
            p.carriers[p.offsets[i] : p.offsets[i + 1]]
            for p in parts
            for i in range(len(p.passages))
        ]
        order = np.argsort(passages, kind="stable")
        first = np.ones(len(order), dtype=bool)
        first[1:] = passages[order][1:] != passages[order][:-1]
        kept = order[first]
        lengths = np.array([len(lists[i]) for i in kept], dtype=np.int64)
        return Postings(
            keys=np.concatenate([p.keys for p in parts]),
            passage=np.concatenate([p.passage for p in parts]),
            text=np.concatenate([p.text for p in parts]),
            passages=passages[kept],
            offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            carriers=np.concatenate([lists[i] for i in kept]) if len(kept) else _EMPTY_OWNERS,
        )


def shard_postings(
    keys: KeyArray, owners: OwnerArray, text: npt.NDArray[np.bool_] | None = None
) -> Postings:
    """The postings of one key shard: `keys[i]` occurs in article `owners[i]` (each
    article lists a key once); `text[i]` says it is a passage fingerprint (default),
    not a lead entity."""
    if len(keys) == 0:
        return Postings.empty()
    if text is None:
        text = np.ones(len(keys), dtype=bool)
    order = np.lexsort((owners, keys))
    keys, owners, text = keys[order], owners[order], text[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    counts = np.diff(np.append(starts, len(keys)))
    with np.errstate(over="ignore"):
        sums = np.add.reduceat(_mixed(owners), starts)
        hashes = sums ^ _mixed(counts.astype(np.int64))
    repeated = counts >= 2
    passage_of_key = hashes[repeated]
    distinct, first = np.unique(passage_of_key, return_index=True)
    chosen_starts = starts[repeated][first]
    chosen_counts = counts[repeated][first]
    rows = np.repeat(chosen_starts, chosen_counts) + _ranks(chosen_counts)
    return Postings(
        keys=keys[starts[repeated]],
        passage=passage_of_key,
        text=np.maximum.reduceat(text, starts)[repeated],
        passages=distinct,
        offsets=np.concatenate([[0], np.cumsum(chosen_counts)]).astype(np.int64),
        carriers=owners[rows],
    )


def _ranks(lengths: OwnerArray) -> OwnerArray:
    """0..n-1 for every run of length n, one run after the other."""
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)


@dataclass(frozen=True, slots=True)
class BoilerplateRule:
    """The thresholds of passage_boilerplate (see the module docstring); only
    max_carriers_kept is a flag (--max-site-articles), the rest were set on
    generated corpora (docs/quality.md)."""

    max_carriers_kept: int = 2
    max_coverage: float = 0.6
    whole_text: float = 0.8
    max_quoting_carriers: int = 10
    min_template_carriers: int = 5
    max_related: float = 0.4
    min_related_overlap: float = 0.2
    sample: int = 6
    rounds: int = 2
    wider: int = 3


def passage_boilerplate(
    postings: Postings,
    owners: OwnerArray,
    sizes: OwnerArray,
    rule: BoilerplateRule = BoilerplateRule(),
) -> KeyArray:
    """The sorted boilerplate keys. `owners` (sorted) and `sizes` give each
    article's number of distinct keys."""
    if len(postings.passages) == 0:
        return _EMPTY_KEYS
    groups = len(postings.passages)
    group_of_key = np.searchsorted(postings.passages, postings.passage)
    # Lead entities go with the passage they share carriers with (a navigation
    # line's section names), never on their own: independent reports of one event
    # share names and no text.
    keys_per_group = np.bincount(group_of_key, weights=postings.text, minlength=groups).astype(
        np.int64
    )
    carriers_per_group = np.diff(postings.offsets)
    row_group = np.repeat(np.arange(groups, dtype=np.int64), carriers_per_group)
    row_owner = postings.carriers
    at = np.clip(np.searchsorted(owners, row_owner), 0, max(len(owners) - 1, 0))
    known = owners[at] == row_owner if len(owners) else np.zeros(len(row_owner), bool)
    row_size = np.where(known, sizes[at] if len(sizes) else 1, 1).astype(np.float64)
    # What a passage covers of a carrier leaves out the carrier's passages found on
    # more articles (its site's footer, common names): a re-run on a wrapped page is
    # still mostly the wire text.
    wider = _keys_in_wider_groups(row_group, row_owner, carriers_per_group, keys_per_group)
    coverage = keys_per_group[row_group] / np.maximum(row_size - wider, 1.0)
    order = np.lexsort((coverage, row_group))
    median = coverage[order][postings.offsets[:-1] + (carriers_per_group - 1) // 2]
    # A passage on a few articles that is (nearly) all of one of them is that
    # article's text, quoted by the others (a short wire item and its follow-ups).
    # A template on many pages can be most of a short page too: not exempt.
    largest = coverage[order][postings.offsets[1:] - 1]
    quoted = (largest >= rule.whole_text) & (carriers_per_group <= rule.max_quoting_carriers)
    candidate = (
        (carriers_per_group > rule.max_carriers_kept)
        & (median < rule.max_coverage)
        & ~quoted
        & (keys_per_group > 0)
    )
    # A page's footer must not make two pages of its site look related: a second
    # round counts only the text the first round kept.
    boilerplate = np.zeros(len(candidate), dtype=bool)
    for _ in range(rule.rounds):
        kept_keys = np.where(boilerplate, 0, keys_per_group)
        related = _related_share(
            row_group, row_owner, row_size, carriers_per_group, kept_keys, candidate, rule
        )
        boilerplate = candidate & (related < rule.max_related)
    boilerplate |= _template_entities(
        row_group, row_owner, carriers_per_group, boilerplate, keys_per_group == 0, rule
    )
    return np.sort(postings.keys[boilerplate[group_of_key]])


def _template_entities(
    row_group: OwnerArray,
    row_owner: OwnerArray,
    carriers: OwnerArray,
    boilerplate: npt.NDArray[np.bool_],
    entity_only: npt.NDArray[np.bool_],
    rule: BoilerplateRule,
) -> npt.NDArray[np.bool_]:
    """Groups of lead entities found on more than `max_carriers_kept` carriers of a
    boilerplate passage of at least `min_template_carriers` articles, and mostly
    there: the section names of a navigation line, the words of a newsletter box
    in the lead of a short page. (They are found on other pages too, so they are
    not in the passage's own group.) A name that many reports use is mostly
    elsewhere and stays."""
    found = np.zeros(len(carriers), dtype=bool)
    templates = boilerplate & (carriers >= rule.min_template_carriers)
    t_rows = np.flatnonzero(templates[row_group])
    e_rows = np.flatnonzero(entity_only[row_group])
    if not len(t_rows) or not len(e_rows):
        return found
    e_rows = e_rows[np.argsort(row_owner[e_rows], kind="stable")]
    e_owner = row_owner[e_rows]
    lo = np.searchsorted(e_owner, row_owner[t_rows], "left")
    count = np.searchsorted(e_owner, row_owner[t_rows], "right") - lo
    t_group = np.repeat(row_group[t_rows], count)
    e_group = row_group[e_rows][np.repeat(lo, count) + _ranks(count)]
    pair = t_group * len(carriers) + e_group
    values, shared = np.unique(pair, return_counts=True)
    entity = values % len(carriers)
    inside = (shared > rule.max_carriers_kept) & (2 * shared >= carriers[entity])
    found[entity[inside]] = True
    return found


def _keys_in_wider_groups(
    row_group: OwnerArray, row_owner: OwnerArray, carriers: OwnerArray, keys: OwnerArray
) -> npt.NDArray[np.float64]:
    """Per (group, carrier) row: the carrier's keys in groups with more carriers."""
    _, owner_rank = np.unique(row_owner, return_inverse=True)
    span = int(carriers.max()) + 1
    combined = owner_rank.reshape(-1).astype(np.int64) * span + carriers[row_group]
    order = np.argsort(combined, kind="stable")
    totals = np.concatenate([[0], np.cumsum(keys[row_group][order])])
    sorted_combined = combined[order]
    above = np.searchsorted(sorted_combined, combined, "right")
    block_end = np.searchsorted(sorted_combined, (combined // span + 1) * span, "left")
    return (totals[block_end] - totals[above]).astype(np.float64)


def _sampled_pairs(
    row_group: OwnerArray, row_owner: OwnerArray, candidate: npt.NDArray[np.bool_], sample: int
) -> tuple[OwnerArray, OwnerArray, OwnerArray]:
    """Up to sample * (sample - 1) / 2 carrier pairs of every candidate group, chosen by
    a hash of the carriers (so whatever the input order): (group, left row, right row)."""
    rows = np.flatnonzero(candidate[row_group])
    order = np.lexsort((_mixed(row_owner[rows]), row_group[rows]))
    rows = rows[order]
    groups = row_group[rows]
    starts = np.flatnonzero(np.concatenate([[True], groups[1:] != groups[:-1]]))
    lengths = np.minimum(np.diff(np.append(starts, len(rows))), sample)
    left_rank, right_rank = np.triu_indices(sample, k=1)
    # The first n(n-1)/2 pairs of triu_indices(sample) are not those of n carriers:
    # keep the pairs whose both ranks are below n instead.
    group_index = np.repeat(np.arange(len(starts)), len(left_rank))
    lefts = np.tile(left_rank, len(starts))
    rights = np.tile(right_rank, len(starts))
    keep = rights < lengths[group_index]
    group_index, lefts, rights = group_index[keep], lefts[keep], rights[keep]
    first = starts[group_index]
    return groups[first], rows[first + lefts], rows[first + rights]


def _related_share(
    row_group: OwnerArray,
    row_owner: OwnerArray,
    row_size: npt.NDArray[np.float64],
    carriers_per_group: OwnerArray,
    kept_keys: OwnerArray,
    candidate: npt.NDArray[np.bool_],
    rule: BoilerplateRule,
) -> npt.NDArray[np.float64]:
    """Per candidate group: the share of its sampled carrier pairs that share, beyond
    this passage, at least `min_related_overlap` of the smaller carrier's keys."""
    share = np.zeros(len(kept_keys), dtype=np.float64)
    pair_group, left, right = _sampled_pairs(row_group, row_owner, candidate, rule.sample)
    if not len(pair_group):
        return share
    # Each article's groups, to intersect the two lists of every pair.
    by_owner = np.lexsort((row_group, row_owner))
    owners_sorted = row_owner[by_owner]
    pair_ids = np.arange(len(pair_group), dtype=np.int64)
    expanded = []
    for side in (left, right):
        lo = np.searchsorted(owners_sorted, row_owner[side], "left")
        count = np.searchsorted(owners_sorted, row_owner[side], "right") - lo
        groups = row_group[by_owner][np.repeat(lo, count) + _ranks(count)]
        expanded.append(np.repeat(pair_ids, count) * len(kept_keys) + groups)
    both = np.concatenate(expanded)
    values, counts = np.unique(both, return_counts=True)
    common = values[counts == 2]
    pair_of, group_of = common // len(kept_keys), common % len(kept_keys)
    # Only passages on at most as many articles count: the pages of one site all
    # carry its footer, and a footer must not relate the pages of a template
    # shared with other sites (nor the other way round).
    narrower = carriers_per_group[group_of] <= carriers_per_group[pair_group[pair_of]] + rule.wider
    shared = np.bincount(pair_of, weights=kept_keys[group_of] * narrower, minlength=len(pair_group))
    outside = shared - kept_keys[pair_group]
    smaller = np.minimum(row_size[left], row_size[right])
    related = outside >= rule.min_related_overlap * np.maximum(smaller, 1.0)
    sampled = np.unique(np.concatenate([left, right]))
    linked = np.unique(np.concatenate([left[related], right[related]]))
    carriers = np.bincount(row_group[sampled], minlength=len(share))
    hits = np.bincount(row_group[linked], minlength=len(share))
    np.divide(hits, carriers, out=share, where=carriers > 0)
    return share
