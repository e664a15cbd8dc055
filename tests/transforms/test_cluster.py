"""ClusterArticles and its helpers (transforms/cluster.py) in a TestPipeline, checked with
assert_that."""

from __future__ import annotations

import random
from pathlib import Path

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.transforms import cluster
from newsdedup.transforms.cluster import ClusterArticles
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.analysis import ArticleAnalyzer
from tests import textgen
from tests.beamgen import count_stories, input_article, nothing, unbatched


def _sketches(texts: dict[str, str]) -> list:  # type: ignore[type-arg]
    analyzer = ArticleAnalyzer(DedupConfig())
    return [
        analyzer.analyze(input_article(k, v, language_hint="en")).sketch for k, v in texts.items()
    ]


# 1: every batch is indexed as it comes; 4096: all at the end of the bundle.
@pytest.mark.parametrize("indexed_sketches", [1, 4096])
def test_cluster_articles_groups_reruns_and_partial_reuse(
    indexed_sketches: int,
    pipeline: beam.Pipeline,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cluster, "INDEXED_SKETCHES", indexed_sketches)
    agency = textgen.article(seed=1, paragraphs=6)
    texts = {
        "agency": textgen.text(agency),
        "rerun": textgen.text(textgen.edited(agency, seed=2)),
        # Own lead and ending around half of the agency paragraphs.
        "follow_up": textgen.text(textgen.article(3, 2) + agency[1:4] + textgen.article(4, 2)),
        "unrelated": textgen.text(textgen.article(5, 6)),
    }
    sketches = _sketches(texts)
    assignments = unbatched(
        (
            {
                "sketches": pipeline | beam.Create([sketches[:2], sketches[2:]]),
                "known": nothing(pipeline, "Known"),
            }
            | ClusterArticles(DedupConfig(), output_shards=2, spill_folder=str(tmp_path))
        ).assignments
    )

    def partition(pairs: list) -> None:  # type: ignore[type-arg]
        by_id = {a.article_id: a for _, a in pairs}
        assert by_id["agency"].dup_group_id == by_id["rerun"].dup_group_id
        assert by_id["follow_up"].dup_group_id != by_id["agency"].dup_group_id
        assert by_id["agency"].story_id == by_id["follow_up"].story_id == by_id["rerun"].story_id
        assert by_id["unrelated"].story_id != by_id["agency"].story_id
        assert [a.is_canonical for a in (by_id["agency"], by_id["rerun"])].count(True) == 1

    assert_that(assignments, partition)


@pytest.mark.parametrize(("max_key_articles", "stories"), [(4, 6), (50, 1)])
def test_fingerprints_shared_by_too_many_articles_are_boilerplate(
    max_key_articles: int, stories: int, pipeline: beam.Pipeline, tmp_path: Path
) -> None:
    # Six different pages with one shared footer: a story link for every pair,
    # unless keys shared by more than `max_key_articles` pages are ignored.
    footer = textgen.paragraph(random.Random(99), words=40)
    texts = {
        f"page{i}": textgen.text([textgen.paragraph(random.Random(i), words=80), footer])
        for i in range(6)
    }
    config = DedupConfig(max_key_articles=max_key_articles)
    assignments = unbatched(
        (
            {
                "sketches": pipeline | beam.Create([_sketches(texts)]),
                "known": nothing(pipeline, "Known"),
            }
            | ClusterArticles(config, output_shards=1, spill_folder=str(tmp_path))
        ).assignments
    )

    assert_that(count_stories(assignments), equal_to([stories]))


@pytest.fixture(autouse=True)
def _quiet_beam_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")


def test_pairs_without_enough_evidence_are_not_verified() -> None:
    from newsdedup.transforms.cluster import min_entity_keys, worth_verifying

    config = DedupConfig(entity_min_shared=1, entity_min_weight=1.75)
    assert min_entity_keys(config) == 2
    counts = np.array([[1, 0, 0], [0, 3, 0], [0, 0, 2], [0, 0, 1]], dtype=np.int64)
    assert worth_verifying(counts, 2).tolist() == [True, True, True, False]
