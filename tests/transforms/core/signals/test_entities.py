"""Lead entities: names, acronyms and numbers a report opens with."""

from __future__ import annotations

import numpy as np
import pytest

from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.clustering import ENTITY_LINK, PairFacts
from newsdedup.transforms.core.decide.facts import classify_pair
from newsdedup.transforms.core.signals.entities import (
    NO_FREQUENCIES,
    EntityFrequencies,
    EntityOverlap,
    entity_hashes,
    entity_overlap,
    lead_entities,
)


def test_names_and_numbers_but_not_sentence_openers() -> None:
    words = lead_entities("The mayor of Zürich said 2025 was good. New plans follow.", 80)
    assert words == ["zurich", "2025"]


def test_german_nouns_count_too() -> None:
    # German capitalises nouns: a known limit of the heuristic, measured in docs/quality.md.
    assert lead_entities("Die Regierung in Wien tagt.", 80) == ["regierung", "wien"]


def test_a_new_line_opens_a_sentence() -> None:
    assert lead_entities("Headline About Tokyo\nTrade talks with Japan", 80) == [
        "about",
        "tokyo",
        "japan",
    ]


def test_only_the_lead_counts() -> None:
    text = "The talks in Geneva went on. " + "word " * 100 + "Later in Vienna."
    assert lead_entities(text, 20) == ["geneva"]


def test_single_digits_and_letters_are_ignored() -> None:
    assert lead_entities("In 5 days a U.S. team met the X group", 80) == []


def stored(names: list[str]) -> bytes:
    return entity_hashes(names).astype("<u8").tobytes()


def test_overlap_is_relative_to_the_lighter_report() -> None:
    short = stored(["pell", "canberra", "78"])
    long = stored(["pell", "canberra", "78", "kardinal", "gericht", "freispruch"])
    overlap = entity_overlap(short, b"", long, b"")
    assert overlap == EntityOverlap(shared=3, shared_weight=3.0, containment=1.0)
    assert entity_overlap(short, b"", b"", b"") == EntityOverlap(0, 0.0, 0.0)


def test_overlap_adds_the_weights_of_shared_entities() -> None:
    left_names, right_names = ["trump", "takaichi", "tokyo"], ["trump", "takaichi"]
    frequencies = EntityFrequencies.of(
        [entity_hashes(["trump"])] * 8 + [entity_hashes(left_names), entity_hashes(right_names)]
    )

    def weighted(names: list[str]) -> tuple[bytes, bytes]:
        hashes = entity_hashes(names)
        return stored(names), frequencies.weights(hashes).astype("<f4").tobytes()

    overlap = entity_overlap(*weighted(left_names), *weighted(right_names))
    takaichi, trump = (frequencies.weights(entity_hashes([n]))[0] for n in ("takaichi", "trump"))
    assert overlap.shared == 2
    assert overlap.shared_weight == pytest.approx(takaichi + trump)
    # The lighter report is the one without "tokyo".
    assert overlap.containment == pytest.approx(1.0)


def test_rare_entities_weigh_more_than_common_ones() -> None:
    names = ["unique", "rare", "everywhere"]
    sets = [entity_hashes(["everywhere"])] * 7 + [entity_hashes(names), entity_hashes(["rare"])]
    frequencies = EntityFrequencies.of(sets)
    assert frequencies.article_count == 9
    weights = dict(
        zip(
            names,
            frequencies.weights(np.concatenate([entity_hashes([n]) for n in names])),
            strict=True,
        )
    )
    assert weights["unique"] == pytest.approx(1.0)
    assert weights["rare"] == pytest.approx((1 - np.log(2) / np.log(9)) ** 2)
    assert weights["everywhere"] == pytest.approx((1 - np.log(8) / np.log(9)) ** 2)
    assert weights["unique"] > weights["rare"] > weights["everywhere"] > 0


def test_entities_in_too_many_articles_weigh_nothing() -> None:
    sets = [entity_hashes(["common"])] * 5 + [entity_hashes(["other"])] * 5
    frequencies = EntityFrequencies.of(sets, max_articles=4)
    assert frequencies.weights(entity_hashes(["common"])).tolist() == [0.0]
    assert frequencies.weights(entity_hashes(["new"])).tolist() == [1.0]


def test_no_frequencies_weigh_everything_one() -> None:
    assert NO_FREQUENCIES.weights(entity_hashes(["a1", "b2"])).tolist() == [1.0, 1.0]
    assert EntityFrequencies.of([]) is NO_FREQUENCIES


def test_counts_add_up_per_hash() -> None:
    hashes = np.array([7, 3, 7, 9, 3, 7], dtype=np.uint64)
    distinct, counts = EntityFrequencies.count(hashes, np.array([1, 2, 1, 1, 1, 1]))
    assert distinct.tolist() == [3, 7, 9]
    assert counts.tolist() == [3, 3, 1]


def test_entity_link_needs_share_weight_and_time() -> None:
    names = ["tokyo", "takaichi", "trump", "summit", "2025"]
    entities = stored(names)
    empty_signature = np.full(128, 0xFFFFFFFF, dtype="<u4").tobytes()
    left = PairFacts(None, 10, empty_signature, entities)
    right = PairFacts(None, 10, empty_signature, entities)

    assert classify_pair(0, left, right, DedupConfig()) == (ENTITY_LINK, 1.0)
    assert classify_pair(0, left, right, DedupConfig(entity_threshold=1.0)) is None
    assert classify_pair(0, left, right, DedupConfig(entity_min_shared=6)) is None
    assert classify_pair(0, left, right, DedupConfig(entity_min_weight=5.5)) is None
    two_days_apart = PairFacts(2 * 86400.0 + 1, 10, empty_signature, entities)
    later = PairFacts(0.0, 10, empty_signature, entities)
    assert classify_pair(0, later, two_days_apart, DedupConfig()) is None
    assert classify_pair(0, later, two_days_apart, DedupConfig(entity_window_hours=72)) == (
        ENTITY_LINK,
        1.0,
    )


def test_one_shared_name_among_many_is_no_link() -> None:
    empty_signature = np.full(128, 0xFFFFFFFF, dtype="<u4").tobytes()
    left = PairFacts(None, 10, empty_signature, stored(["trump", "berlin", "merkel", "2025"]))
    right = PairFacts(None, 10, empty_signature, stored(["trump", "tokyo", "takaichi", "summit"]))
    assert classify_pair(0, left, right, DedupConfig()) is None


def test_overlap_is_symmetric_when_only_one_side_is_weighted() -> None:
    left = stored(["pell", "canberra", "78"])
    weights = np.array([0.5, 0.25, 1.0], dtype="<f4").tobytes()
    right = stored(["pell", "canberra"])
    one_way = entity_overlap(left, weights, right, b"")
    assert one_way == entity_overlap(right, b"", left, weights)
    assert one_way.shared == 2 and one_way.shared_weight < 2.0


def test_any_unicode_digit_makes_a_number() -> None:
    # Superscripts are digits to str.isdigit although they are not letters or \d.
    assert lead_entities("the area is 5km² and x² or x_1 counted", 20) == ["5km²", "x²", "x_1"]
