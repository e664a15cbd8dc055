"""Tests for core.signals.registry and the signal protocol: the registered
signals make the stored columns, and a signal registered by a test alone flows
through analysis, the stored column, reading back, the candidate index and
verification without any other module knowing it."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that

from newsdedup.schemas.parquet import ARTICLES_SCHEMA, articles_schema
from newsdedup.schemas.records import AnalyzedArticle, ArticleAssignment, InputArticle
from newsdedup.transforms.cluster import ClusterArticles
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.clustering import STORY_LINK, PairFacts
from newsdedup.transforms.core.decide.facts import LINK_KINDS, FactsTable, classify_pairs
from newsdedup.transforms.core.decide.state import known_article, known_article_columns
from newsdedup.transforms.core.formats.rows import RunContext, article_row
from newsdedup.transforms.core.signals import registry
from newsdedup.transforms.core.signals.analysis import ArticleAnalyzer
from newsdedup.transforms.core.signals.protocol import (
    STORY_VOTE,
    ArticleText,
    Signal,
    signal_value,
)
from newsdedup.transforms.core.signals.shingles import HashArray

CONFIG = DedupConfig()
RUN = RunContext(datetime(2026, 1, 1, tzinfo=UTC), "test", "scheme")
# Two texts that share no passage, no lead entity and hardly a shingle.
HARBOUR = (
    "the harbour reopened on monday after three weeks of repairs to the old quay, and "
    "the first ferries were full of commuters who had waited for the crossing since march."
)
COUNCIL = (
    "a small bakery in the valley won a prize for its rye bread, baked in a wood oven "
    "that the owner's grandfather built from bricks of a demolished chapel decades ago."
)


class HeadlineLength(Signal):
    """A toy signal: the title's length, stored as an int64 column; articles
    with titles of one length are candidates and one story."""

    name = "headline_length"
    link = STORY_VOTE

    def fields(self) -> tuple[pa.Field, ...]:
        return (pa.field(self.name, pa.int64(), nullable=False),)

    def compute(self, text: ArticleText, config: DedupConfig) -> bytes:
        return struct.pack("<q", len(text.article.title or ""))

    def stored(self, analyzed: AnalyzedArticle) -> dict[str, Any]:
        (length,) = struct.unpack("<q", signal_value(analyzed.sketch, self.name))
        return {self.name: length}

    def read_back(self, row: Any) -> bytes:
        return struct.pack("<q", row[self.name])

    def proposes_candidates(self, config: DedupConfig) -> bool:
        return True

    def candidate_keys(self, value: bytes, config: DedupConfig) -> HashArray:
        return np.frombuffer(value, dtype="<u8")

    def vote(self, left: bytes, right: bytes, config: DedupConfig) -> float | None:
        return 1.0 if left == right else None


@pytest.fixture
def headline_length(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(registry, "SIGNALS", (*registry.SIGNALS, HeadlineLength()))
    yield


def _analyzed() -> list[AnalyzedArticle]:
    analyzer = ArticleAnalyzer(CONFIG)
    return [
        analyzer.analyze(InputArticle("harbour", HARBOUR, title="Harbour reopens")),
        analyzer.analyze(InputArticle("bakery", COUNCIL, title="Bakery wins big")),
    ]


def _classified(table: FactsTable) -> list[tuple[str, float]]:
    rows = np.array([0], dtype=np.int64), np.array([1], dtype=np.int64)
    classified = classify_pairs(np.array([0]), table, rows[0], table, rows[1], CONFIG)
    return [
        (LINK_KINDS[int(kind)], float(score))
        for kind, score in zip(classified.kinds, classified.scores, strict=True)
    ]


def test_the_registered_signals_make_the_stored_columns() -> None:
    names = [field.name for signal in registry.SIGNALS for field in signal.fields()]
    assert names == ["minhash_signature", "minhash_scheme", "passage_fingerprints", "lead_entities"]
    assert [n for n in ARTICLES_SCHEMA.names if n in names] == names
    assert set(registry.signal_columns()) <= set(known_article_columns())
    assert registry.candidate_levels() == ("dup", "story", "entity")
    assert registry.voting_signals() == ()


def test_without_the_toy_signal_the_two_articles_are_no_link() -> None:
    table = FactsTable.of(
        [(a.sketch.article_key, PairFacts.of(a.sketch)) for a in _analyzed()], CONFIG.num_perm
    )
    assert _classified(table) == []


@pytest.mark.usefixtures("headline_length")
def test_a_registered_signal_flows_from_analysis_to_its_column_and_vote() -> None:
    analyzed = _analyzed()
    assert [signal_value(a.sketch, "headline_length") for a in analyzed] == [
        struct.pack("<q", 15)
    ] * 2
    assignments = [ArticleAssignment(a.article.article_id, "d", "s", True, None) for a in analyzed]
    rows = [article_row(a, x, RUN) for a, x in zip(analyzed, assignments, strict=True)]
    table = pa.Table.from_pylist(rows, schema=articles_schema())
    assert table.schema.field("headline_length").type == pa.int64()
    assert table.column("headline_length").to_pylist() == [15, 15]

    assert "headline_length" in known_article_columns()
    known = [known_article(row, {}) for row in table.select(known_article_columns()).to_pylist()]
    assert [k.sketch.signal_values for k in known] == [a.sketch.signal_values for a in analyzed]
    facts = FactsTable.of(
        [(k.sketch.article_key, PairFacts.of(k.sketch)) for k in known], CONFIG.num_perm
    )
    assert _classified(facts) == [(STORY_LINK, 1.0)]


@pytest.mark.usefixtures("headline_length")
def test_a_registered_signal_proposes_candidates_and_links_stories(tmp_path: Path) -> None:
    sketches = [a.sketch for a in _analyzed()]
    assert registry.candidate_levels()[-1] == "headline_length"

    def one_story(pairs: list[Any]) -> None:
        stories = {a.story_id for _, a in pairs}
        dup_groups = {a.dup_group_id for _, a in pairs}
        assert (len(pairs), len(stories), len(dup_groups)) == (2, 1, 2)

    # Run inside the test, so that the toy signal is registered while it runs.
    with test_pipeline.TestPipeline(runner="FnApiRunner") as pipeline:
        assignments = (
            {
                "sketches": pipeline | beam.Create([sketches]),
                "known": pipeline | "Known" >> beam.Create([]),
            }
            | ClusterArticles(CONFIG, output_shards=1, spill_folder=str(tmp_path))
        ).assignments
        assert_that(assignments | beam.FlatMap(lambda keyed: keyed[1]), one_story)
