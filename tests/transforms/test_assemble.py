"""The output rows of articles, stories and rejects (transforms/assemble.py), checked with
assert_that."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.schemas.parquet import ARTICLES_SCHEMA
from newsdedup.schemas.records import AnalyzedArticle, ArticleAssignment, RejectReason
from newsdedup.transforms.assemble import (
    BuildRejectRows,
    BuildStoryRows,
    WriteArticles,
    articles_by_file,
)
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.formats.rows import article_file_key
from newsdedup.transforms.core.signals.analysis import ArticleAnalyzer, article_key
from tests.beamgen import RUN, input_article, nothing


def _one_story(analyzed: list[AnalyzedArticle], story_id: str) -> list[tuple[Any, list[Any]]]:
    """The assignments of ClusterArticles that put every article in `story_id`."""
    return [
        (
            article_file_key(a.article.article_id, a.sketch.published_ts, 2),
            [
                (
                    article_key(a.article.article_id),
                    ArticleAssignment(
                        a.article.article_id, f"dg_{a.article.article_id}", story_id, True, None
                    ),
                )
            ],
        )
        for a in analyzed
    ]


def test_story_rows_summarise_members(tmp_path: Path, pipeline: beam.Pipeline) -> None:
    analyzer = ArticleAnalyzer(DedupConfig())
    early = datetime(2026, 3, 1, 8, tzinfo=UTC)
    late = datetime(2026, 3, 2, 8, tzinfo=UTC)
    analyzed = [
        analyzer.analyze(
            input_article(
                "b",
                "Zweiter Bericht über den Hafen und die Kräne in Lissabon.",
                title="Zweiter",
                source="Blatt",
                published_at=late,
            )
        ),
        analyzer.analyze(
            input_article(
                "a",
                "First report about the port and the cranes in Lisbon.",
                title="First",
                source="Herald",
                published_at=early,
            )
        ),
    ]
    members = {
        "articles": pipeline | "Analyzed" >> beam.Create([analyzed]),
        "assignments": pipeline | "Assignments" >> beam.Create(_one_story(analyzed, "st_1")),
    } | WriteArticles(
        RUN,
        str(tmp_path / "articles"),
        ARTICLES_SCHEMA,
        "run",
        shards=2,
        spill_folder=str(tmp_path / "spill"),
    )
    stories = {
        "new_members": members,
        "earlier_stories": nothing(pipeline, "EarlierStories"),
        "merges": nothing(pipeline, "Merges"),
        "earlier_article_files": nothing(pipeline, "EarlierFiles"),
    } | BuildStoryRows(RUN)

    assert_that(
        stories
        | beam.Map(
            lambda s: (
                s["story_id"],
                s["article_ids"],
                s["languages"],
                s["sources"],
                s["first_published_at"],
                s["last_published_at"],
                s["headline"],
            )
        ),
        equal_to([("st_1", ["a", "b"], ["de", "en"], ["Blatt", "Herald"], early, late, "First")]),
    )


def test_reject_rows_carry_reason_codes(pipeline: beam.Pipeline) -> None:
    from newsdedup.schemas.records import Reject

    rejects = [Reject("f.jsonl", 4, RejectReason.MALFORMED_JSON, "invalid JSON", "{x")]
    rows = pipeline | beam.Create(rejects) | BuildRejectRows(RUN)
    assert_that(
        rows | beam.Map(lambda r: (r["source_file"], r["line"], r["reason"], r["excerpt"])),
        equal_to([("f.jsonl", 4, "malformed_json", "{x")]),
    )


@pytest.fixture(autouse=True)
def _quiet_beam_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")


def test_articles_by_file_splits_a_batch_by_articles_file() -> None:
    analyzer = ArticleAnalyzer(DedupConfig())
    days = [datetime(2026, 3, 1, 8, tzinfo=UTC), datetime(2026, 3, 2, 8, tzinfo=UTC), None]
    analyzed = [
        analyzer.analyze(input_article(f"id{i}", f"Report {i}.", published_at=days[i % 3]))
        for i in range(9)
    ]
    by_file = list(articles_by_file(analyzed, 2))
    assert [key for key, _ in by_file] == sorted({key for key, _ in by_file})
    assert len(by_file) >= 3  # three dates (one of them none) at least
    for key, articles in by_file:
        keys = {article_file_key(a.article.article_id, a.sketch.published_ts, 2) for a in articles}
        assert keys == {key}
    assert sorted(a.article.article_id for _, part in by_file for a in part) == sorted(
        a.article.article_id for a in analyzed
    )


def test_write_articles_joins_assignments_in_files_per_date_and_shard(tmp_path: Path) -> None:
    from apache_beam.testing.test_pipeline import TestPipeline

    analyzer = ArticleAnalyzer(DedupConfig())
    days = [datetime(2026, 3, 1, 8, tzinfo=UTC), datetime(2026, 3, 2, 8, tzinfo=UTC), None]
    analyzed = [
        analyzer.analyze(
            input_article(
                f"id{i}", f"Report number {i} about the harbour.", published_at=days[i % 3]
            )
        )
        for i in range(12)
    ]
    by_file: dict = {}  # type: ignore[type-arg]
    for a in analyzed:
        key = article_file_key(a.article.article_id, a.sketch.published_ts, 2)
        assignment = ArticleAssignment(
            a.article.article_id, "dg", f"st_{a.article.article_id}", True, None
        )
        by_file.setdefault(key, []).append((article_key(a.article.article_id), assignment))
    root = tmp_path / "articles"
    with TestPipeline(runner="FnApiRunner") as test_pipeline:
        members = {
            "articles": test_pipeline | "Analyzed" >> beam.Create([analyzed[:5], analyzed[5:]]),
            "assignments": test_pipeline | "Assignments" >> beam.Create(sorted(by_file.items())),
        } | WriteArticles(
            RUN,
            str(root),
            ARTICLES_SCHEMA,
            "run-000001",
            shards=2,
            spill_folder=str(tmp_path / "spill"),
        )
        assert_that(
            members | beam.FlatMap(lambda member_list: [story for story, _ in member_list]),
            equal_to([f"st_id{i}" for i in range(12)]),
        )

    files = sorted(root.glob("*/*.parquet"))
    assert {f.parent.name for f in files} == {
        "published_date=2026-03-01",
        "published_date=2026-03-02",
        "published_date=unknown",
    }
    assert {f.name for f in files} <= {"run-000001-00000.parquet", "run-000001-00001.parquet"}
    rows = [row for f in files for row in pq.read_table(f).to_pylist()]
    assert sorted(r["article_id"] for r in rows) == sorted(f"id{i}" for i in range(12))
    assert all(r["story_id"] == f"st_{r['article_id']}" for r in rows)
    assert all(r["text"].startswith("Report number") for r in rows)
    for f in files:
        ids = pq.read_table(f, columns=["article_id"]).column(0).to_pylist()
        assert ids == sorted(ids)
