"""The figures of the report (transforms/report/tables.py): story sizes, articles per day and
language, duplicates per source, current and top stories."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from newsdedup.transforms.report.tables import (
    NO_SOURCE,
    articles_per_day_and_language,
    current_stories,
    duplicates_per_source,
    source_name,
    sources_overview,
    story_size_distribution,
    top_stories,
)


def test_story_sizes_fall_into_buckets_empty_ones_kept() -> None:
    distribution = dict(story_size_distribution([1, 1, 1, 2, 5, 9, 10, 75]))
    assert distribution["1"] == 3
    assert distribution["2"] == 1
    assert distribution["4"] == 0
    assert distribution["5–9"] == 2
    assert distribution["10–19"] == 1
    assert distribution["50+"] == 1
    assert sum(distribution.values()) == 8


def test_articles_per_day_fold_rare_languages_into_other() -> None:
    day1 = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
    day2 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    daily = articles_per_day_and_language(
        [day2, day1, day1, None, day2, day2], ["en", "en", "de", "en", "fr", "it"], max_languages=3
    )
    assert daily.days == ["2026-03-01", "2026-03-02", "unknown"]
    assert daily.languages == ["en", "de", "other"]
    assert daily.counts == {"en": [1, 1, 1], "de": [1, 0, 0], "other": [0, 2, 0]}


def test_source_name_falls_back_to_the_url_host() -> None:
    assert source_name(" Meridian Wire ", "https://x.test/a") == "Meridian Wire"
    assert source_name(None, "https://www.example.test/a/b") == "example.test"
    assert source_name("", None) == NO_SOURCE


def _articles(rows: list[tuple[str, str | None, str, bool, str]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "article_id": article_id,
                "source": source,
                "url": None,
                "title": f"title of {article_id}",
                "published_at": datetime(2026, 3, 1, hour, tzinfo=UTC),
                "published_at_precision": "time",
                "language": "en",
                "dup_group_id": group,
                "story_id": story,
                "is_canonical": canonical,
            }
            for hour, (article_id, source, group, canonical, story) in enumerate(rows)
        ]
    )


def test_duplicates_per_source_count_copies_and_copied_originals() -> None:
    articles = _articles(
        [
            ("a1", "Wire", "g1", True, "s1"),
            ("a2", "Paper", "g1", False, "s1"),
            ("a3", "Paper", "g2", True, "s2"),
            ("a4", "Blog", "g1", False, "s1"),
            ("a5", "Wire", "g3", True, "s3"),
        ]
    )
    rows = {row.source: row for row in duplicates_per_source(articles)}
    assert (rows["Wire"].articles, rows["Wire"].duplicates, rows["Wire"].copied) == (2, 0, 1)
    assert (rows["Paper"].duplicates, rows["Paper"].duplicate_rate) == (1, 0.5)
    assert rows["Blog"].duplicate_rate == 1.0
    assert [r.source for r in duplicates_per_source(articles)] == ["Paper", "Wire", "Blog"]


def _stories(rows: list[tuple[str, list[str], str | None, int]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "story_id": story_id,
                "headline": f"headline {story_id}",
                "article_count": len(article_ids),
                "dup_group_count": 1,
                "sources": [],
                "languages": ["en"],
                "first_published_at": None,
                "article_ids": article_ids,
                "merged_into": merged_into,
                "ingested_at": datetime(2026, 3, 1, hour, tzinfo=UTC),
            }
            for story_id, article_ids, merged_into, hour in rows
        ]
    )


def test_current_stories_drop_merged_ones_and_older_rows() -> None:
    stories = _stories(
        [
            ("s1", ["a"], None, 1),
            ("s1", ["a", "b"], None, 2),  # a streaming run appended a bigger row
            ("s2", ["c"], "s1", 1),  # merged into s1 by a later run
            ("s3", ["d"], None, 1),
        ]
    )
    current = current_stories(stories)
    assert current.column("story_id").to_pylist() == ["s1", "s3"]
    assert current.column("article_ids").to_pylist() == [["a", "b"], ["d"]]


def test_top_stories_are_the_biggest_with_their_articles_in_time_order() -> None:
    articles = _articles(
        [
            ("b", "Wire", "g1", True, "s1"),
            ("a", "Paper", "g1", False, "s1"),
            ("c", "Blog", "g2", True, "s2"),
            ("m", "Blog", "g3", True, "s9"),  # of a story merged into s1
        ]
    )
    stories = _stories(
        [("s2", ["c"], None, 1), ("s1", ["a", "b", "m"], None, 1), ("s0", [], None, 1)]
    )
    top = top_stories(stories, articles, top=2)
    assert [s.story_id for s in top] == ["s1", "s2"]
    assert [a.article_id for a in top[0].articles] == ["b", "a", "m"]  # by publication time
    assert [a.article_id for a in top[1].articles] == ["c"]


def test_articles_without_a_source_are_not_counted_as_a_source() -> None:
    articles = _articles(
        [
            ("a1", "", "g1", True, "s1"),
            ("a2", "", "g1", False, "s1"),
            ("a3", "", "g2", True, "s2"),
            ("a4", "Wire", "g3", True, "s3"),
        ]
    )
    sources = duplicates_per_source(articles)
    # The most articles, but not a source: listed last, and not counted.
    assert [s.source for s in sources] == ["Wire", NO_SOURCE]
    assert sources_overview(sources) == "1; 3 articles without a source"
    assert sources_overview(sources[:1]) == "1"
