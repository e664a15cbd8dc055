"""Output rows (plain dicts matching newsdedup.schemas.parquet) built from records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import xxhash

from newsdedup.schemas.parquet import UNKNOWN_DATE_PARTITION
from newsdedup.schemas.records import (
    AnalyzedArticle,
    ArticleAssignment,
    Reject,
    record,
)
from newsdedup.transforms.core.signals import registry

Row = dict[str, Any]


@record
@dataclass(frozen=True, slots=True)
class RunContext:
    ingested_at: datetime
    pipeline_version: str
    minhash_scheme: str


# `published_at_precision`: the time of day is known, or only the day (00:00 UTC).
TIME_PRECISION = "time"
DATE_PRECISION = "date"


def precision_of(published_at: datetime | None, date_only: bool) -> str | None:
    if published_at is None:
        return None
    return DATE_PRECISION if date_only else TIME_PRECISION


PublicationOrder = tuple[bool, date, bool, datetime]
_NO_TIME = datetime.min.replace(tzinfo=UTC)


def publication_order(published_at: datetime | None, date_only: bool) -> PublicationOrder:
    """Articles in publication order: by day, on a day the timed ones before those
    that give the day only (a newsblog entry without a time follows the report
    it repeats), then by time; undated last."""
    when = published_at or _NO_TIME
    return (published_at is None, when.astimezone(UTC).date(), date_only, when)


def article_row(analyzed: AnalyzedArticle, assignment: ArticleAssignment, run: RunContext) -> Row:
    article = analyzed.article
    return {
        "article_id": article.article_id,
        "parent_id": article.parent_id,
        "source": article.source,
        "url": article.url,
        "title": article.title,
        "text": article.text,
        "text_length": analyzed.sketch.text_length,
        "published_at": article.published_at,
        "published_at_precision": precision_of(article.published_at, article.date_only),
        "published_at_invalid": article.timestamp_invalid,
        "language": analyzed.sketch.language,
        "language_probability": analyzed.language_probability,
        "content_hash": analyzed.sketch.content_hash,
        "dup_group_id": assignment.dup_group_id,
        "story_id": assignment.story_id,
        "is_canonical": assignment.is_canonical,
        "exact_duplicate_of": assignment.exact_duplicate_of,
        "pending_story_id": assignment.pending_story_id,
        **registry.stored_columns(analyzed),
        "minhash_scheme": run.minhash_scheme,
        "source_file": article.source_file,
        "ingested_at": run.ingested_at,
        "pipeline_version": run.pipeline_version,
    }


def reject_row(reject: Reject, run: RunContext) -> Row:
    return {
        "source_file": reject.source_file,
        "line": reject.line,
        "reason": reject.reason.value,
        "detail": reject.detail,
        "excerpt": reject.excerpt,
        "ingested_at": run.ingested_at,
        "pipeline_version": run.pipeline_version,
    }


def date_partition(published_at: datetime | None) -> str:
    if published_at is None:
        return UNKNOWN_DATE_PARTITION
    return published_at.astimezone(UTC).date().isoformat()


FileKey = tuple[str, int]  # (date partition, shard)


def article_file_key(article_id: str, published_ts: float | None, shards: int) -> FileKey:
    """The articles file an article is written to: its publication date's
    partition, and a shard by id. Computed from the id and the time alone, so
    that the article and its assignment (which carries no text) can meet in
    the write's shuffle."""
    published_at = None if published_ts is None else datetime.fromtimestamp(published_ts, UTC)
    shard = xxhash.xxh3_64_intdigest(repr(article_id).encode("utf-8")) % shards
    return date_partition(published_at), shard


@record
@dataclass(frozen=True, slots=True)
class StoryMember:
    """What a story row needs of one of its articles."""

    story_id: str
    article_id: str
    title: str | None
    source: str | None
    language: str
    published_at: datetime | None
    dup_group_id: str
    is_canonical: bool
    text_length: int
    date_only: bool = False


def story_member(row: Mapping[str, Any]) -> StoryMember:
    return StoryMember(
        story_id=row["story_id"],
        article_id=row["article_id"],
        title=row["title"],
        source=row["source"],
        language=row["language"],
        published_at=row["published_at"],
        dup_group_id=row["dup_group_id"],
        is_canonical=row["is_canonical"],
        text_length=row["text_length"],
        date_only=row["published_at_precision"] == DATE_PRECISION,
    )


def _headline_order(member: StoryMember, group_sizes: Mapping[str, int]) -> tuple[Any, ...]:
    # The story's face: the original of its most re-published text.
    return (
        not member.is_canonical,
        -group_sizes[member.dup_group_id],
        publication_order(member.published_at, member.date_only),
        -member.text_length,
        member.article_id,
    )


def story_row(story_id: str, members: Iterable[StoryMember], run: RunContext) -> Row:
    members = sorted(members, key=lambda m: m.article_id)
    group_sizes: dict[str, int] = {}
    for member in members:
        group_sizes[member.dup_group_id] = group_sizes.get(member.dup_group_id, 0) + 1
    face = min(members, key=lambda m: _headline_order(m, group_sizes))
    dated = [m for m in members if m.published_at is not None]
    first = min(dated, key=lambda m: publication_order(m.published_at, m.date_only), default=None)
    times = [m.published_at for m in dated if m.published_at is not None]
    return {
        "story_id": story_id,
        "headline": face.title or None,
        "canonical_article_id": face.article_id,
        "article_count": len(members),
        "dup_group_count": len(group_sizes),
        "languages": sorted({m.language for m in members}),
        "sources": sorted({m.source for m in members if m.source}),
        "first_published_at": first.published_at if first else None,
        "last_published_at": max(times) if times else None,
        "article_ids": [m.article_id for m in members],
        "merged_into": None,
        "ingested_at": run.ingested_at,
        "pipeline_version": run.pipeline_version,
    }


def story_merge_row(story_id: str, merged_into: str, run: RunContext) -> Row:
    return {
        "story_id": story_id,
        "merged_into": merged_into,
        "merged_at": run.ingested_at,
        "pipeline_version": run.pipeline_version,
    }


def article_sort_key(row: Row) -> str:
    return str(row["article_id"])


def story_sort_key(row: Row) -> str:
    return str(row["story_id"])


def reject_sort_key(row: Row) -> tuple[str, int, str, str]:
    return (row["source_file"], row["line"] or 0, row["reason"], row["excerpt"])


def article_partition(row: Row) -> str:
    return date_partition(row["published_at"])
