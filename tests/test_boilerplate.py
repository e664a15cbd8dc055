"""Tests for transforms.core.boilerplate: boilerplate found from the texts alone."""

from __future__ import annotations

import random

import numpy as np
import pytest

from schemas.records import InputArticle, ShingledArticle
from tests import textgen
from transforms.core.analysis import ArticleAnalyzer
from transforms.core.boilerplate import (
    BoilerplateRule,
    Postings,
    passage_boilerplate,
    shard_postings,
)
from transforms.core.config import DedupConfig
from transforms.core.keysets import in_sorted


def _keys(shingled: ShingledArticle) -> np.ndarray:
    return np.unique(np.frombuffer(shingled.raw_fingerprints + shingled.entities, dtype="<u8"))


def boilerplate_of(shingled: list[ShingledArticle], shards: int = 1) -> np.ndarray:
    """What the pipeline computes: postings per key shard, merged, then decided."""
    keys = [_keys(s).astype(np.uint64) for s in shingled]
    owners = [
        np.full(len(k), s.article_key, dtype=np.int64) for s, k in zip(shingled, keys, strict=True)
    ]
    all_keys, all_owners = np.concatenate(keys), np.concatenate(owners)
    shard = all_keys % np.uint64(shards)
    postings = Postings.merge(
        shard_postings(all_keys[shard == i], all_owners[shard == i]) for i in range(shards)
    )
    order = np.argsort([s.article_key for s in shingled])
    article_keys = np.array([s.article_key for s in shingled], dtype=np.int64)[order]
    sizes = np.array([len(k) for k in keys], dtype=np.int64)[order]
    return passage_boilerplate(postings, article_keys, sizes)


@pytest.fixture(scope="module")
def analyzer() -> ArticleAnalyzer:
    return ArticleAnalyzer(DedupConfig(entity_threshold=1.0))


def shingle(
    analyzer: ArticleAnalyzer, texts: dict[str, list[str]], source: str | None = None
) -> list[ShingledArticle]:
    return [
        analyzer.shingle(
            InputArticle(
                article_id=name, text=textgen.text(body), source=source, language_hint="en"
            )
        )
        for name, body in texts.items()
    ]


def removed(shingled: ShingledArticle, boilerplate: np.ndarray) -> float:
    """The share of an article's fingerprints that are boilerplate."""
    keys = np.frombuffer(shingled.raw_fingerprints, dtype="<u8").astype(np.uint64)
    return float(in_sorted(keys, boilerplate).mean())


FOOTER = textgen.paragraph(random.Random(99), words=40)
AGENCY_LINE = "Copyright 2026 Meridian Wire. All rights reserved. Read more on our website today."


def test_a_footer_on_unrelated_pages_is_boilerplate_without_any_source(
    analyzer: ArticleAnalyzer,
) -> None:
    texts = {f"page{i}": [textgen.paragraph(random.Random(i), 80), FOOTER] for i in range(6)}
    shingled = shingle(analyzer, texts)
    found = boilerplate_of(shingled)
    on_every_page = set.intersection(*(set(_keys(s).tolist()) for s in shingled))
    assert len(found) >= 5
    # Only what every page carries (the footer) is found, and it is a small part of each.
    assert set(found.tolist()) == on_every_page
    assert all(0 < removed(s, found) < 0.5 for s in shingled)


@pytest.mark.parametrize("source", [None, "One Feed"])
def test_wire_text_reprinted_by_many_is_kept_whatever_the_source(
    analyzer: ArticleAnalyzer, source: str | None
) -> None:
    wire = textgen.article(7, paragraphs=5)
    texts = {"agency": wire}
    for i in range(4):  # re-runs: a few words edited, a credit line of their own
        texts[f"rerun{i}"] = [*textgen.edited(wire, seed=i), f"Credit line number {i} here."]
    texts["followup"] = [textgen.paragraph(random.Random(50), 60), wire[1], wire[2]]
    texts |= {f"other{i}": textgen.article(100 + i, paragraphs=3) for i in range(5)}
    found = boilerplate_of(shingle(analyzer, texts, source))
    assert len(found) == 0


def test_agency_lines_on_every_aggregator_item_are_boilerplate(analyzer: ArticleAnalyzer) -> None:
    texts = {
        f"item{i}": [f"Berlin (mw) - {textgen.paragraph(random.Random(i), 70)}", AGENCY_LINE]
        for i in range(8)
    }
    shingled = shingle(analyzer, texts, source="Aggregator")
    found = boilerplate_of(shingled)
    assert len(found) >= 1
    # What the items share is the agency line: after it is gone no key is on 3 of them.
    rest = np.concatenate([np.setdiff1d(_keys(s).astype(np.uint64), found) for s in shingled])
    assert np.unique(rest, return_counts=True)[1].max() <= 2


def test_follow_ups_reusing_a_short_wire_item_keep_it(analyzer: ArticleAnalyzer) -> None:
    short = [textgen.paragraph(random.Random(3), 40), textgen.paragraph(random.Random(4), 40)]
    texts = {"wire": short}
    for i in range(4):
        own = [
            textgen.paragraph(random.Random(60 + i), 45),
            textgen.paragraph(random.Random(70 + i), 45),
        ]
        texts[f"followup{i}"] = [own[0], *short, own[1]]
    found = boilerplate_of(shingle(analyzer, texts, source="One Feed"))
    assert len(found) == 0


def test_shards_give_the_same_answer(analyzer: ArticleAnalyzer) -> None:
    texts = {f"page{i}": [textgen.paragraph(random.Random(i), 80), FOOTER] for i in range(6)}
    wire = textgen.article(8, paragraphs=4)
    texts |= {f"wire{i}": textgen.edited(wire, seed=i) for i in range(4)}
    shingled = shingle(analyzer, texts)
    one = boilerplate_of(shingled, shards=1)
    assert len(one)
    assert boilerplate_of(shingled, shards=7).tolist() == one.tolist()
    assert boilerplate_of(list(reversed(shingled)), shards=3).tolist() == one.tolist()


def test_a_template_shared_by_two_portals_goes_with_their_own_footers() -> None:
    # Keys: footer of portal A (1-5), of portal B (11-15), a legal line on both (21-24);
    # each page has 20 keys of its own.
    pages: dict[int, list[int]] = {}
    next_key = 1000
    for page in range(12):
        own = list(range(next_key, next_key + 20))
        next_key += 20
        footer = list(range(1, 6)) if page < 6 else list(range(11, 16))
        pages[page] = own + footer + [21, 22, 23, 24]
    keys = np.array([k for p in pages for k in pages[p]], dtype=np.uint64)
    owners = np.array([p for p in pages for _ in pages[p]], dtype=np.int64)
    postings = shard_postings(keys, owners)
    sizes = np.array([len(pages[p]) for p in sorted(pages)], dtype=np.int64)
    found = passage_boilerplate(postings, np.arange(12, dtype=np.int64), sizes)
    assert found.tolist() == [1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 21, 22, 23, 24]


def test_two_carriers_are_never_boilerplate() -> None:
    keys = np.array([1, 2, 3, 1, 2, 3], dtype=np.uint64)
    owners = np.array([10, 10, 10, 11, 11, 11], dtype=np.int64)
    postings = shard_postings(keys, owners)
    assert len(postings.passages) == 1
    sizes = np.array([40, 40], dtype=np.int64)
    assert passage_boilerplate(postings, np.array([10, 11]), sizes).tolist() == []
    loose = BoilerplateRule(max_carriers_kept=1)
    assert passage_boilerplate(postings, np.array([10, 11]), sizes, loose).tolist() == [1, 2, 3]


def test_empty_input() -> None:
    empty = shard_postings(np.empty(0, np.uint64), np.empty(0, np.int64))
    assert passage_boilerplate(empty, np.empty(0, np.int64), np.empty(0, np.int64)).size == 0
    assert len(Postings.merge([empty, empty]).keys) == 0
