"""Tests for core.formats.rows: story rows, date partitions and row helpers."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsdedup.schemas.parquet import UNKNOWN_DATE_PARTITION
from newsdedup.schemas.records import Reject, RejectReason
from newsdedup.transforms.core.formats.rows import (
    RunContext,
    StoryMember,
    date_partition,
    publication_order,
    reject_row,
    reject_sort_key,
    story_member,
    story_row,
)

RUN = RunContext(
    ingested_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    pipeline_version="test-1",
    minhash_scheme="datasketch-affine32/perm128/seed1/xxh3-low32",
)


def t(day: int, hour: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=UTC)


def member(
    article_id: str,
    group: str,
    *,
    canonical: bool = False,
    published: datetime | None = None,
    length: int = 100,
    title: str | None = None,
    source: str | None = None,
    language: str = "de",
) -> StoryMember:
    return StoryMember(
        story_id="st_1",
        article_id=article_id,
        title=title if title is not None else f"Title {article_id}",
        source=source,
        language=language,
        published_at=published,
        dup_group_id=group,
        is_canonical=canonical,
        text_length=length,
    )


# --- story_row -----------------------------------------------------------------------------------


def test_face_is_the_canonical_of_the_largest_group() -> None:
    members = [
        member("a", "g1", canonical=True, published=t(1)),  # earliest, but a group of one
        member("b", "g2", canonical=True, published=t(3)),
        member("c", "g2", published=t(2)),  # earlier than b but not the group's canonical
        member("d", "g2", published=t(4)),
    ]
    row = story_row("st_1", members, RUN)
    assert row["canonical_article_id"] == "b"
    assert row["headline"] == "Title b"


def test_face_among_equal_groups_is_the_earliest_canonical() -> None:
    members = [
        member("a", "g1", canonical=True, published=t(5)),
        member("b", "g1", published=t(6)),
        member("c", "g2", canonical=True, published=t(2)),
        member("d", "g2", published=t(3)),
    ]
    assert story_row("st_1", members, RUN)["canonical_article_id"] == "c"


def test_face_prefers_known_time_then_longest_then_smallest_id() -> None:
    unknown = member("a", "g1", canonical=True, published=None, length=999)
    known = member("z", "g2", canonical=True, published=t(9), length=1)
    assert story_row("st_1", [unknown, known], RUN)["canonical_article_id"] == "z"
    short = member("a", "g1", canonical=True, published=t(1), length=10)
    long = member("b", "g2", canonical=True, published=t(1), length=20)
    assert story_row("st_1", [short, long], RUN)["canonical_article_id"] == "b"
    first = member("m", "g1", canonical=True, published=t(1))
    second = member("k", "g2", canonical=True, published=t(1))
    assert story_row("st_1", [first, second], RUN)["canonical_article_id"] == "k"


def test_missing_headline_is_none() -> None:
    row = story_row("st_1", [member("a", "g1", canonical=True, title="")], RUN)
    assert row["headline"] is None


def test_story_row_lists_and_counts() -> None:
    members = [
        member("c", "g2", canonical=True, source="Zeit", language="de", published=t(5, 12)),
        member("a", "g1", canonical=True, source="AP", language="en", published=t(2, 8)),
        member("b", "g1", source=None, language="de", published=None),
        member("d", "g3", canonical=True, source="AP", language="fr", published=t(9, 23)),
        member("e", "g3", source="", language="en", published=t(4)),
    ]
    row = story_row("st_1", members, RUN)
    assert row["story_id"] == "st_1"
    assert row["article_ids"] == ["a", "b", "c", "d", "e"]
    assert row["article_count"] == 5
    assert row["dup_group_count"] == 3
    assert row["languages"] == ["de", "en", "fr"]
    assert row["sources"] == ["AP", "Zeit"]
    assert row["first_published_at"] == t(2, 8)
    assert row["last_published_at"] == t(9, 23)
    assert row["ingested_at"] == RUN.ingested_at
    assert row["pipeline_version"] == "test-1"


def test_story_without_times_has_no_first_or_last() -> None:
    row = story_row("st_1", [member("a", "g1", canonical=True)], RUN)
    assert row["first_published_at"] is None
    assert row["last_published_at"] is None


def test_story_row_does_not_depend_on_member_order() -> None:
    members = [
        member(f"m{i}", f"g{i % 3}", canonical=i < 3, published=t(1 + i % 5), length=50 + i)
        for i in range(9)
    ]
    reference = story_row("st_1", members, RUN)
    rng = random.Random(1)
    for _ in range(5):
        assert story_row("st_1", rng.sample(members, len(members)), RUN) == reference


def test_story_row_accepts_an_iterator() -> None:
    members = [member("b", "g1", canonical=True), member("a", "g1")]
    row = story_row("st_1", iter(members), RUN)
    assert row["article_ids"] == ["a", "b"]
    assert row["canonical_article_id"] == "b"


def test_story_member_from_article_row() -> None:
    row = {
        "story_id": "st_x",
        "article_id": "a1",
        "title": "T",
        "source": "S",
        "language": "de",
        "published_at": t(1),
        "published_at_precision": "date",
        "dup_group_id": "dg_x",
        "is_canonical": True,
        "text_length": 5,
    }
    member = StoryMember("st_x", "a1", "T", "S", "de", t(1), "dg_x", True, 5, date_only=True)
    assert story_member(row) == member


# --- partitions ----------------------------------------------------------------------------------


def test_date_partition_of_unknown_time() -> None:
    assert date_partition(None) == UNKNOWN_DATE_PARTITION == "unknown"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2024, 3, 1, 23, 59, 59, tzinfo=UTC), "2024-03-01"),
        (datetime(2024, 3, 2, 0, 30, tzinfo=timezone(timedelta(hours=2))), "2024-03-01"),
        (datetime(2024, 3, 1, 22, 0, tzinfo=timezone(timedelta(hours=-5))), "2024-03-02"),
        (datetime(2024, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1))), "2025-01-01"),
    ],
)
def test_date_partition_is_the_utc_date(moment: datetime, expected: str) -> None:
    assert date_partition(moment) == expected


# --- rejects -------------------------------------------------------------------------------------


def test_reject_row() -> None:
    reject = Reject("in/a.jsonl", 3, RejectReason.MALFORMED_JSON, "bad", "{x")
    row = reject_row(reject, RUN)
    assert row == {
        "source_file": "in/a.jsonl",
        "line": 3,
        "reason": "malformed_json",
        "detail": "bad",
        "excerpt": "{x",
        "ingested_at": RUN.ingested_at,
        "pipeline_version": "test-1",
    }
    assert isinstance(row["reason"], str)


def test_reject_sort_key_puts_file_level_rejects_first() -> None:
    rows = [
        reject_row(Reject("b", 1, RejectReason.MISSING_ID, "", "x"), RUN),
        reject_row(Reject("a", 10, RejectReason.MISSING_ID, "", "x"), RUN),
        reject_row(Reject("a", None, RejectReason.EMPTY_FILE, "", ""), RUN),
        reject_row(Reject("a", 2, RejectReason.MISSING_ID, "", "x"), RUN),
    ]
    ordered = sorted(rows, key=reject_sort_key)
    assert [(r["source_file"], r["line"]) for r in ordered] == [
        ("a", None),
        ("a", 2),
        ("a", 10),
        ("b", 1),
    ]


def test_entries_that_give_the_day_only_follow_the_timed_reports_of_that_day() -> None:
    blog_entry = replace(member("blog#1", "g1", published=t(2)), date_only=True)
    report = member("wire", "g2", canonical=True, published=t(2, 14))
    next_day = member("later", "g3", canonical=True, published=t(3, 1))
    row = story_row("st_1", [blog_entry, report, next_day], RUN)
    assert row["first_published_at"] == t(2, 14)  # not the blog's 00:00
    assert row["last_published_at"] == t(3, 1)
    alone = story_row("st_1", [blog_entry, next_day], RUN)
    assert alone["first_published_at"] == t(2)  # the day still comes before the next
    order = sorted(
        [(t(3), True), (t(2), True), (t(2, 23), False), (None, False), (t(2, 1), False)],
        key=lambda p: publication_order(*p),
    )
    assert order == [(t(2, 1), False), (t(2, 23), False), (t(2), True), (t(3), True), (None, False)]
