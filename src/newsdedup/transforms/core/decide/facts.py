"""The facts of many articles as columns, and candidate pairs classified in bulk.

`classify_pairs` is the one pair decision of newsdedup: whether two candidate
articles are near-duplicates, one story by shared passages, or one story by
their lead entities. Verification meets hundreds of thousands of candidate
pairs, so it decides all pairs of a shard at once: signatures are rows of one
uint32 matrix, so near-duplicate similarity and the story test are a few numpy
operations, and only pairs that are neither (the entity test, on ragged entity
sets) go through `entity_overlap` one by one. `classify_pair` asks it about a
single pair.

A FactsTable is also how facts travel between verification steps: a few arrays
pickle to far fewer bytes, and far faster, than a tuple of objects per article.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.clustering import DUP_LINK, ENTITY_LINK, STORY_LINK, PairFacts
from newsdedup.transforms.core.signals import registry
from newsdedup.transforms.core.signals.entities import entity_overlap
from newsdedup.transforms.core.signals.protocol import Signal
from newsdedup.transforms.core.signals.registry import SignalValues
from newsdedup.transforms.core.signals.signatures import is_empty_signature, signature_from_bytes

KeyArray = npt.NDArray[np.int64]
LINK_KINDS = (DUP_LINK, STORY_LINK, ENTITY_LINK)


@dataclass(frozen=True)
class FactsTable:
    """PairFacts of articles as parallel columns, sorted by article key.

    An unknown publication time is NaN. `signatures` has one row per article;
    `similar_possible` is False where a signature is empty (a text without a
    single shingle, which is similar to nothing).
    """

    keys: KeyArray
    published_ts: npt.NDArray[np.float64]
    fingerprint_counts: npt.NDArray[np.int64]
    signatures: npt.NDArray[np.uint32]
    similar_possible: npt.NDArray[np.bool_]
    entities: tuple[bytes, ...]
    entity_weights: tuple[bytes, ...]
    # The values of the voting signals of each article (PairFacts.signal_values).
    signal_values: tuple[SignalValues, ...]

    def __len__(self) -> int:
        return len(self.keys)

    @staticmethod
    def of(rows: Iterable[tuple[int, PairFacts]], num_perm: int) -> FactsTable:
        """A table from (article key, facts); a key given twice is kept once."""
        by_key = dict(rows)
        keys = sorted(by_key)
        facts = [by_key[key] for key in keys]
        signatures = np.zeros((len(facts), num_perm), dtype=np.uint32)
        similar_possible = np.zeros(len(facts), dtype=bool)
        for row, fact in enumerate(facts):
            signature = signature_from_bytes(fact.signature)
            if len(signature) != num_perm:
                raise ValueError("signatures of different lengths cannot be compared")
            signatures[row] = signature
            similar_possible[row] = not is_empty_signature(signature)
        return FactsTable(
            keys=np.array(keys, dtype=np.int64),
            published_ts=np.array(
                [np.nan if f.published_ts is None else f.published_ts for f in facts],
                dtype=np.float64,
            ),
            fingerprint_counts=np.array([f.fingerprint_count for f in facts], dtype=np.int64),
            signatures=signatures,
            similar_possible=similar_possible,
            entities=tuple(f.entities for f in facts),
            entity_weights=tuple(f.entity_weights for f in facts),
            signal_values=tuple(f.signal_values for f in facts),
        )

    @staticmethod
    def concatenate(tables: Sequence[FactsTable], num_perm: int) -> FactsTable:
        """One table of all rows, sorted by key; a key in several tables is kept once."""
        if not tables:
            return FactsTable.of([], num_perm)
        keys = np.concatenate([t.keys for t in tables])
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        chosen = order[first]
        entities = [e for t in tables for e in t.entities]
        weights = [w for t in tables for w in t.entity_weights]
        values = [v for t in tables for v in t.signal_values]
        return FactsTable(
            keys=keys[first],
            published_ts=np.concatenate([t.published_ts for t in tables])[chosen],
            fingerprint_counts=np.concatenate([t.fingerprint_counts for t in tables])[chosen],
            signatures=np.concatenate([t.signatures for t in tables])[chosen],
            similar_possible=np.concatenate([t.similar_possible for t in tables])[chosen],
            entities=tuple(entities[i] for i in chosen.tolist()),
            entity_weights=tuple(weights[i] for i in chosen.tolist()),
            signal_values=tuple(values[i] for i in chosen.tolist()),
        )

    def positions(self, keys: KeyArray) -> KeyArray:
        """The row of each key, or -1 where the table has no such key."""
        rows = np.searchsorted(self.keys, keys)
        inside = rows < len(self.keys)
        found = np.zeros(len(keys), dtype=bool)
        found[inside] = self.keys[rows[inside]] == keys[inside]
        return np.where(found, rows, -1).astype(np.int64)

    def take(self, keys: KeyArray) -> FactsTable:
        """The rows of the given keys that the table has, sorted by key."""
        rows = self.positions(np.unique(keys))
        rows = rows[rows >= 0]
        return FactsTable(
            keys=self.keys[rows],
            published_ts=self.published_ts[rows],
            fingerprint_counts=self.fingerprint_counts[rows],
            signatures=self.signatures[rows],
            similar_possible=self.similar_possible[rows],
            entities=tuple(self.entities[i] for i in rows.tolist()),
            entity_weights=tuple(self.entity_weights[i] for i in rows.tolist()),
            signal_values=tuple(self.signal_values[i] for i in rows.tolist()),
        )


def _within_window(
    left: npt.NDArray[np.float64], right: npt.NDArray[np.float64], window_hours: float
) -> npt.NDArray[np.bool_]:
    """Whether two times lie within `window_hours`; an unknown (NaN) time never rules out."""
    unknown = np.isnan(left) | np.isnan(right)
    with np.errstate(invalid="ignore"):
        return unknown | (np.abs(left - right) <= window_hours * 3600.0)


def _estimated_similarity(
    left: FactsTable, left_rows: KeyArray, right: FactsTable, right_rows: KeyArray
) -> npt.NDArray[np.float64]:
    """The estimated Jaccard similarity of each pair; 0 where a text has no shingle."""
    num_perm = left.signatures.shape[1]
    equal = np.count_nonzero(
        left.signatures[left_rows] == right.signatures[right_rows], axis=1
    ).astype(np.int64)
    comparable = left.similar_possible[left_rows] & right.similar_possible[right_rows]
    return np.where(comparable, equal / num_perm, 0.0)


@dataclass(frozen=True)
class ClassifiedPairs:
    """The pairs that are links: their positions among the classified pairs, the
    kind of each (an index into LINK_KINDS) and its score."""

    pair_rows: KeyArray
    kinds: npt.NDArray[np.int8]
    scores: npt.NDArray[np.float64]


def classify_pairs(
    shared: npt.NDArray[np.int64],
    left: FactsTable,
    left_rows: KeyArray,
    right: FactsTable,
    right_rows: KeyArray,
    config: DedupConfig,
) -> ClassifiedPairs:
    """The link of every pair (left.row[left_rows[i]], right.row[right_rows[i]])
    with `shared[i]` shared passage fingerprints, in one pass.

    A pair is a near-duplicate when its estimated Jaccard similarity reaches
    `dup_threshold`; else one story when it shares at least `story_min_shared`
    passages, `story_threshold` of the shorter article's, within
    `story_window_hours`; else, the weakest evidence, one story when their lead
    entities overlap enough within `entity_window_hours`; else a link when a
    signal that votes on its own (newsdedup.transforms.core.signals.registry)
    votes for one, the first in registry order. Unknown times never rule a pair
    out, and a text without a single shingle is similar to nothing.
    """
    count = len(shared)
    kinds = np.full(count, -1, dtype=np.int8)
    scores = np.zeros(count, dtype=np.float64)
    if count == 0:
        return ClassifiedPairs(np.empty(0, dtype=np.int64), kinds, scores)
    similarity = _estimated_similarity(left, left_rows, right, right_rows)
    is_dup = similarity >= config.dup_threshold
    kinds[is_dup] = LINK_KINDS.index(DUP_LINK)
    scores[is_dup] = similarity[is_dup]

    left_ts, right_ts = left.published_ts[left_rows], right.published_ts[right_rows]
    smaller = np.minimum(left.fingerprint_counts[left_rows], right.fingerprint_counts[right_rows])
    with np.errstate(divide="ignore", invalid="ignore"):
        story_score = np.where(smaller > 0, shared / np.maximum(smaller, 1), 0.0)
    is_story = (
        ~is_dup
        & (shared > 0)
        & (shared >= config.story_min_shared)
        & (story_score >= config.story_threshold)
        & _within_window(left_ts, right_ts, config.story_window_hours)
    )
    kinds[is_story] = LINK_KINDS.index(STORY_LINK)
    scores[is_story] = story_score[is_story]

    if config.entity_threshold < 1.0:
        undecided = (kinds < 0) & _within_window(left_ts, right_ts, config.entity_window_hours)
        for row, score in _entity_links(
            np.flatnonzero(undecided), (left, left_rows), (right, right_rows), config
        ):
            kinds[row] = LINK_KINDS.index(ENTITY_LINK)
            scores[row] = score
    for signal in registry.voting_signals():
        pairs = ((left, left_rows), (right, right_rows))
        for row, score in _signal_votes(signal, np.flatnonzero(kinds < 0), pairs, config):
            kinds[row] = LINK_KINDS.index(signal.link)
            scores[row] = score
    links = np.flatnonzero(kinds >= 0)
    return ClassifiedPairs(links.astype(np.int64), kinds[links], scores[links])


def _entity_links(
    candidates: KeyArray,
    left: tuple[FactsTable, KeyArray],
    right: tuple[FactsTable, KeyArray],
    config: DedupConfig,
) -> Iterator[tuple[int, float]]:
    """The pairs among `candidates` whose lead entities overlap enough, with the
    containment as score: ragged sets, so one pair at a time."""
    (left_table, left_rows), (right_table, right_rows) = left, right
    for row in candidates.tolist():
        a, b = int(left_rows[row]), int(right_rows[row])
        overlap = entity_overlap(
            left_table.entities[a],
            left_table.entity_weights[a],
            right_table.entities[b],
            right_table.entity_weights[b],
        )
        if (
            overlap.shared >= config.entity_min_shared
            and overlap.shared_weight >= config.entity_min_weight
            and overlap.containment >= config.entity_threshold
        ):
            yield row, overlap.containment


def _signal_votes(
    signal: Signal,
    candidates: KeyArray,
    pairs: tuple[tuple[FactsTable, KeyArray], tuple[FactsTable, KeyArray]],
    config: DedupConfig,
) -> Iterator[tuple[int, float]]:
    """The pairs among `candidates` that a voting signal links, with its score."""
    (left_table, left_rows), (right_table, right_rows) = pairs
    for row in candidates.tolist():
        left = dict(left_table.signal_values[int(left_rows[row])]).get(signal.name, b"")
        right = dict(right_table.signal_values[int(right_rows[row])]).get(signal.name, b"")
        score = signal.vote(left, right, config)
        if score is not None:
            yield row, score


def classify_pair(
    shared: int, left: PairFacts, right: PairFacts, config: DedupConfig
) -> tuple[str, float] | None:
    """The link between two candidate articles with `shared` passage
    fingerprints in common, with its score, or None: `classify_pairs` for one pair."""
    num_perm = len(signature_from_bytes(left.signature))
    table = FactsTable.of([(0, left), (1, right)], num_perm)
    rows = np.array([0], dtype=np.int64), np.array([1], dtype=np.int64)
    classified = classify_pairs(
        np.array([shared], dtype=np.int64), table, rows[0], table, rows[1], config
    )
    if not len(classified.pair_rows):
        return None
    return LINK_KINDS[int(classified.kinds[0])], float(classified.scores[0])
