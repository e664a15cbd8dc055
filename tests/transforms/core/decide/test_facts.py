"""FactsTable and classify_pairs, the one pair decision: it gives what a plain
one-pair-at-a-time reference gives, and keeps every threshold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.clustering import (
    DUP_LINK,
    ENTITY_LINK,
    STORY_LINK,
    PairFacts,
)
from newsdedup.transforms.core.decide.facts import (
    LINK_KINDS,
    FactsTable,
    classify_pair,
    classify_pairs,
)
from newsdedup.transforms.core.signals.entities import entity_overlap
from newsdedup.transforms.core.signals.normalize import normalize_for_matching
from newsdedup.transforms.core.signals.shingles import shingle_hashes, tokens_for
from newsdedup.transforms.core.signals.signatures import (
    SignatureBuilder,
    estimated_jaccard,
    signature_from_bytes,
    signature_to_bytes,
)

NUM_PERM = 8
EMPTY = signature_to_bytes(np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32))
# Entity hashes from a small alphabet, so that sets overlap.
ENTITY_ALPHABET = [11, 22, 33, 44, 55, 66]
HOUR = 3600.0


def _reference_within_window(left: float | None, right: float | None, hours: float) -> bool:
    return left is None or right is None or abs(left - right) <= hours * HOUR


def _reference_classify_pair(
    shared: int, left: PairFacts, right: PairFacts, config: DedupConfig
) -> tuple[str, float] | None:
    """The pair decision written plainly, one pair at a time (its first version)."""
    similarity = estimated_jaccard(
        signature_from_bytes(left.signature), signature_from_bytes(right.signature)
    )
    if similarity >= config.dup_threshold:
        return DUP_LINK, similarity
    smaller = min(left.fingerprint_count, right.fingerprint_count)
    story_score = shared / smaller if smaller else 0.0
    if (
        shared
        and shared >= config.story_min_shared
        and story_score >= config.story_threshold
        and _reference_within_window(
            left.published_ts, right.published_ts, config.story_window_hours
        )
    ):
        return STORY_LINK, story_score
    if config.entity_threshold < 1.0 and _reference_within_window(
        left.published_ts, right.published_ts, config.entity_window_hours
    ):
        overlap = entity_overlap(
            left.entities, left.entity_weights, right.entities, right.entity_weights
        )
        if (
            overlap.shared >= config.entity_min_shared
            and overlap.shared_weight >= config.entity_min_weight
            and overlap.containment >= config.entity_threshold
        ):
            return ENTITY_LINK, overlap.containment
    return None


@st.composite
def pair_facts(draw: st.DrawFn) -> PairFacts:
    # Values from {1, 2} make equal positions, and so every similarity, likely.
    signature = (
        EMPTY
        if draw(st.booleans()) and draw(st.booleans())
        else signature_to_bytes(
            np.array(draw(st.lists(st.sampled_from([1, 2]), min_size=8, max_size=8)), np.uint32)
        )
    )
    entities = sorted(draw(st.sets(st.sampled_from(ENTITY_ALPHABET), max_size=5)))
    weights = draw(
        st.one_of(
            st.just(b""),
            st.lists(
                st.floats(0.125, 2.0, width=32), min_size=len(entities), max_size=len(entities)
            ).map(lambda w: np.array(w, dtype="<f4").tobytes()),
        )
    )
    return PairFacts(
        published_ts=draw(st.one_of(st.none(), st.sampled_from([0.0, 3600.0, 40 * 3600.0]))),
        fingerprint_count=draw(st.integers(0, 12)),
        signature=signature,
        entities=np.array(entities, dtype="<u8").tobytes(),
        entity_weights=weights,
    )


CONFIGS = [
    DedupConfig(num_perm=NUM_PERM, lsh_bands=4),
    DedupConfig(
        num_perm=NUM_PERM,
        lsh_bands=4,
        dup_threshold=0.5,
        story_min_shared=1,
        story_threshold=0.3,
        story_window_hours=24.0,
        entity_threshold=0.3,
        entity_min_shared=1,
        entity_min_weight=0.5,
        entity_window_hours=24.0,
    ),
    DedupConfig(num_perm=NUM_PERM, lsh_bands=4, entity_threshold=1.0),
]


@settings(max_examples=150, deadline=None)
@given(
    facts=st.lists(pair_facts(), min_size=2, max_size=8),
    pair_picks=st.lists(
        st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(0, 6)), max_size=30
    ),
    config_index=st.integers(0, len(CONFIGS) - 1),
)
def test_classify_pairs_gives_what_the_plain_reference_gives(
    facts: list[PairFacts], pair_picks: list[tuple[int, int, int]], config_index: int
) -> None:
    config = CONFIGS[config_index]
    keys = [100 + 7 * i for i in range(len(facts))]
    table = FactsTable.of(zip(keys, facts, strict=True), NUM_PERM)
    pairs = [(a % len(facts), b % len(facts), shared) for a, b, shared in pair_picks]
    left_rows = table.positions(np.array([keys[a] for a, _, _ in pairs], dtype=np.int64))
    right_rows = table.positions(np.array([keys[b] for _, b, _ in pairs], dtype=np.int64))
    shared = np.array([s for _, _, s in pairs], dtype=np.int64)

    classified = classify_pairs(shared, table, left_rows, table, right_rows, config)

    expected = {}
    for row, (a, b, s) in enumerate(pairs):
        link = _reference_classify_pair(s, facts[a], facts[b], config)
        if link is not None:
            expected[row] = link
    got = {
        row: (LINK_KINDS[kind], score)
        for row, kind, score in zip(
            classified.pair_rows.tolist(),
            classified.kinds.tolist(),
            classified.scores.tolist(),
            strict=True,
        )
    }
    assert got == expected


def test_facts_table_sorts_by_key_and_finds_rows() -> None:
    signature = signature_to_bytes(np.arange(NUM_PERM, dtype=np.uint32))
    table = FactsTable.of(
        [(30, PairFacts(None, 3, signature)), (10, PairFacts(5.0, 1, EMPTY))], NUM_PERM
    )
    assert table.keys.tolist() == [10, 30]
    assert table.similar_possible.tolist() == [False, True]
    assert np.isnan(table.published_ts[1]) and table.published_ts[0] == 5.0
    assert table.positions(np.array([30, 20, 10, 99], dtype=np.int64)).tolist() == [1, -1, 0, -1]
    taken = table.take(np.array([30, 30, 99], dtype=np.int64))
    assert taken.keys.tolist() == [30] and taken.fingerprint_counts.tolist() == [3]


def test_facts_tables_concatenate_sorted_and_keep_a_key_once() -> None:
    signature = signature_to_bytes(np.arange(NUM_PERM, dtype=np.uint32))
    first = FactsTable.of([(5, PairFacts(1.0, 1, signature, b"a"))], NUM_PERM)
    second = FactsTable.of(
        [(2, PairFacts(2.0, 2, EMPTY, b"b")), (5, PairFacts(1.0, 1, signature, b"a"))], NUM_PERM
    )
    merged = FactsTable.concatenate([first, second], NUM_PERM)
    assert merged.keys.tolist() == [2, 5]
    assert merged.entities == (b"b", b"a")
    assert merged.fingerprint_counts.tolist() == [2, 1]
    assert len(FactsTable.concatenate([], NUM_PERM)) == 0


def test_facts_table_refuses_signatures_of_another_length() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        FactsTable.of([(1, PairFacts(None, 1, signature_to_bytes(np.ones(4, np.uint32))))], 8)


def test_classify_pairs_keeps_the_boundaries_of_every_threshold() -> None:
    """Scores exactly at a threshold are links, as in the plain reference."""
    config = CONFIGS[1]  # dup 0.5, story ratio 0.3 within 24 h, entities within 24 h
    half_equal = signature_to_bytes(np.array([1, 1, 1, 1, 2, 2, 2, 2], dtype=np.uint32))
    ones = signature_to_bytes(np.ones(NUM_PERM, dtype=np.uint32))
    twos = signature_to_bytes(np.full(NUM_PERM, 2, dtype=np.uint32))
    entity = np.array([11], dtype="<u8").tobytes()
    facts = [
        PairFacts(0.0, 10, ones),  # 0
        PairFacts(0.0, 10, half_equal),  # 1: similarity 0.5 with 0
        PairFacts(24 * 3600.0, 10, twos, entity),  # 2: exactly 24 h after 0
        PairFacts(24 * 3600.0 + 1, 10, twos, entity),  # 3
        PairFacts(0.0, 10, EMPTY, entity),  # 4
    ]
    table = FactsTable.of(enumerate(facts), NUM_PERM)
    pairs = [(0, 1, 0), (0, 2, 3), (0, 3, 3), (2, 4, 0), (3, 4, 0), (0, 4, 2)]
    shared = np.array([s for _, _, s in pairs], dtype=np.int64)
    left = np.array([a for a, _, _ in pairs], dtype=np.int64)
    right = np.array([b for _, b, _ in pairs], dtype=np.int64)
    classified = classify_pairs(shared, table, left, table, right, config)
    kinds = [LINK_KINDS[k] for k in classified.kinds.tolist()]
    got = dict(
        zip(
            classified.pair_rows.tolist(),
            zip(kinds, classified.scores.tolist(), strict=True),
            strict=True,
        )
    )
    expected = {
        row: link
        for row, (a, b, s) in enumerate(pairs)
        if (link := _reference_classify_pair(s, facts[a], facts[b], config)) is not None
    }
    assert got == expected
    assert got[0] == ("dup", 0.5) and got[1] == ("story", 0.3) and 2 not in got
    assert got[3] == ("entity", 1.0) and 4 not in got


# One pair at a time, through classify_pair.
DISTINCT = signature_to_bytes(np.arange(NUM_PERM, dtype=np.uint32))
OTHER = signature_to_bytes(np.arange(NUM_PERM, 2 * NUM_PERM, dtype=np.uint32))
STORY_CONFIG = DedupConfig(
    num_perm=NUM_PERM,
    lsh_bands=4,
    story_min_shared=3,
    story_threshold=0.15,
    story_window_hours=72.0,
    entity_threshold=1.0,
)


def facts(count: int, published: float | None = 0.0, signature: bytes = DISTINCT) -> PairFacts:
    return PairFacts(published_ts=published, fingerprint_count=count, signature=signature)


@pytest.mark.parametrize(
    ("left", "right", "hours", "expected"),
    [
        (None, None, 1.0, True),
        (None, 1e12, 1.0, True),
        (0.0, None, 0.0, True),
        (0.0, 72 * HOUR, 72.0, True),
        (72 * HOUR, 0.0, 72.0, True),
        (0.0, 72 * HOUR + 1, 72.0, False),
        (100.0, 100.0, 0.0, True),
        (100.0, 101.0, 0.0, False),
    ],
)
def test_a_story_link_needs_both_times_within_the_window_unless_one_is_unknown(
    left: float | None, right: float | None, hours: float, expected: bool
) -> None:
    config = DedupConfig(
        num_perm=NUM_PERM, lsh_bands=4, story_window_hours=hours, entity_threshold=1.0
    )
    link = classify_pair(10, facts(10, left, DISTINCT), facts(10, right, OTHER), config)
    assert (link == (STORY_LINK, 1.0)) is expected
    assert link is None or expected


def test_the_story_score_is_taken_over_the_smaller_fingerprint_count() -> None:
    other = facts(100, signature=OTHER)
    assert classify_pair(5, facts(10), other, STORY_CONFIG) == (STORY_LINK, 0.5)
    assert classify_pair(5, other, facts(10), STORY_CONFIG) == (STORY_LINK, 0.5)
    assert classify_pair(3, facts(0), facts(10, signature=OTHER), STORY_CONFIG) is None


def test_a_story_link_needs_every_threshold() -> None:
    other = signature_to_bytes(np.arange(NUM_PERM, 2 * NUM_PERM, dtype=np.uint32))
    assert classify_pair(3, facts(20), facts(20, signature=other), STORY_CONFIG) == (
        STORY_LINK,
        0.15,
    )  # 3 / 20 = 0.15 exactly
    # ratio 0.5 but only 2 shared; then 3 / 21 < 0.15
    assert classify_pair(2, facts(4), facts(4, signature=other), STORY_CONFIG) is None
    assert classify_pair(3, facts(21), facts(100, signature=other), STORY_CONFIG) is None


def test_near_duplicates_are_decided_on_the_signatures() -> None:
    config = DedupConfig(num_perm=4, lsh_bands=2, dup_threshold=0.5, entity_threshold=1.0)
    left = signature_to_bytes(np.array([1, 2, 3, 4], dtype=np.uint32))
    right = signature_to_bytes(np.array([1, 2, 9, 9], dtype=np.uint32))
    assert classify_pair(0, facts(1, signature=left), facts(1, signature=right), config) == (
        DUP_LINK,
        0.5,
    )
    assert classify_pair(0, facts(1, signature=left), facts(1, signature=left), config) == (
        DUP_LINK,
        1.0,
    )
    strict = DedupConfig(num_perm=4, lsh_bands=2, dup_threshold=0.75, entity_threshold=1.0)
    assert classify_pair(0, facts(1, signature=left), facts(1, signature=right), strict) is None


def test_texts_without_tokens_are_not_near_duplicates() -> None:
    builder = SignatureBuilder(128, 1)

    def signature_of(text: str) -> bytes:
        tokens = tokens_for(normalize_for_matching(text), "und")
        return signature_to_bytes(builder.signature(shingle_hashes(tokens, 5)))

    left, right = signature_of("\U0001f389\U0001f389"), signature_of("??? !!!")
    assert left == right  # both empty: equal signatures, yet similar to nothing
    assert (
        classify_pair(0, facts(0, signature=left), facts(0, signature=right), DedupConfig()) is None
    )
