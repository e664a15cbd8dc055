"""Lead entities: names, acronyms and numbers a report opens with."""

from __future__ import annotations

import numpy as np

from transforms.core.clustering import ENTITY_LINK, PairFacts, classify_pair
from transforms.core.config import DedupConfig
from transforms.core.entities import entity_hashes, entity_overlap, lead_entities


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


def test_overlap_is_the_jaccard_of_the_sets() -> None:
    left = entity_hashes(["tokyo", "takaichi", "trump"]).astype("<u8").tobytes()
    right = entity_hashes(["tokio", "takaichi", "trump", "2025"]).astype("<u8").tobytes()
    assert entity_overlap(left, right) == (2, 2 / 5)
    assert entity_overlap(left, b"") == (0, 0.0)


def test_entity_link_only_when_switched_on() -> None:
    names = ["tokyo", "takaichi", "trump", "summit", "2025"]
    entities = entity_hashes(names).astype("<u8").tobytes()
    empty_signature = np.full(128, 0xFFFFFFFF, dtype="<u4").tobytes()
    left = PairFacts(None, 10, empty_signature, entities)
    right = PairFacts(None, 10, empty_signature, entities)

    assert classify_pair(0, left, right, DedupConfig()) is None
    link = classify_pair(0, left, right, DedupConfig(entity_threshold=0.5))
    assert link == (ENTITY_LINK, 1.0)
    too_few = DedupConfig(entity_threshold=0.5, entity_min_shared=6)
    assert classify_pair(0, left, right, too_few) is None
