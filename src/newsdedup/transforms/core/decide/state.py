"""What an incremental run needs of earlier runs, as pure functions over the
columns it reads back from OUT (never the article text)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from newsdedup.schemas.records import ArticleSketch, InputArticle, KnownArticle
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.formats.rows import DATE_PRECISION, Row
from newsdedup.transforms.core.signals import registry
from newsdedup.transforms.core.signals.analysis import article_key, site_key
from newsdedup.transforms.core.signals.entities import LEAD_ENTITIES
from newsdedup.transforms.core.signals.fingerprints import PASSAGES
from newsdedup.transforms.core.signals.signatures import MINHASH


def known_article_columns() -> list[str]:
    """The columns of articles/ that rebuild a sketch and its ids."""
    return [
        "article_id",
        "published_at",
        "published_at_precision",
        "language",
        "content_hash",
        "text_length",
        *registry.signal_columns(),
        "dup_group_id",
        "story_id",
        "source",
        "url",
        "pending_story_id",
    ]


# The columns of articles/ that a story row needs of its members.
STORY_MEMBER_COLUMNS = [
    "story_id",
    "article_id",
    "title",
    "source",
    "language",
    "published_at",
    "published_at_precision",
    "dup_group_id",
    "is_canonical",
    "text_length",
]
REJECT_KEY_COLUMNS = ["source_file", "line", "reason", "excerpt"]
_PARTITION_DATE = re.compile(r"/published_date=(\d{4}-\d{2}-\d{2})/")


DateRange = tuple[date, date]


def widen_range(current: DateRange | None, day: date) -> DateRange:
    if current is None:
        return (day, day)
    return (min(current[0], day), max(current[1], day))


def date_bounds(articles: Iterable[InputArticle]) -> list[datetime]:
    """The earliest and latest publication time of the articles that have one:
    all that the date range of a run needs of a batch."""
    times = [a.published_at for a in articles if a.published_at is not None]
    return [min(times), max(times)] if times else []


def within_horizon(
    path: str,
    new_dates: DateRange | None,
    horizon_days: int,
    fallback: DateRange | None = None,
) -> bool:
    """Whether an article file of an earlier run lies within `horizon_days` of
    the new articles' publication dates (`fallback` when they have none).
    Articles without a date are not compared across runs."""
    match = _PARTITION_DATE.search(path)
    new_dates = new_dates or fallback
    if match is None or new_dates is None:
        return False
    day = date.fromisoformat(match.group(1))
    horizon = timedelta(days=horizon_days)
    return new_dates[0] - horizon <= day <= new_dates[1] + horizon


def latest_partition_dates(paths: Iterable[str]) -> DateRange | None:
    """The latest publication date among article files, as a date range."""
    days = [date.fromisoformat(m.group(1)) for p in paths if (m := _PARTITION_DATE.search(p))]
    return (max(days), max(days)) if days else None


def read_back_days(horizon_days: int, config: DedupConfig) -> int:
    """Days around the new articles whose earlier articles a run reads back: the
    horizon, and at least what site boilerplate is counted over for the known
    articles a new one can still link to (the count window before the story
    window), so that every run counts as one run over all of them would."""
    return max(horizon_days, config.count_window_days + math.ceil(stream_window_hours(config) / 24))


def stream_window_hours(config: DedupConfig) -> float:
    """How far publication times must move past a story before no link to it
    can come any more."""
    return max(config.story_window_hours, config.entity_window_hours)


def story_root(story_id: str, merged_into: str | None, merges: Mapping[str, str]) -> str:
    """A story's current id: where it was merged into by earlier runs, then by this one."""
    root = merged_into or story_id
    return merges.get(root, root)


def known_article(row: Mapping[str, Any], roots: Mapping[str, str]) -> KnownArticle:
    published = row["published_at"]
    sketch = ArticleSketch(
        article_key=article_key(row["article_id"]),
        article_id=row["article_id"],
        published_ts=published.timestamp() if published is not None else None,
        language=row["language"],
        content_hash=row["content_hash"],
        text_length=row["text_length"],
        signature=MINHASH.read_back(row),
        fingerprints=PASSAGES.read_back(row),
        entities=LEAD_ENTITIES.read_back(row),
        date_only=row["published_at_precision"] == DATE_PRECISION,
        signal_values=registry.read_back_values(row),
    )
    story, pending = row["story_id"], row["pending_story_id"]
    site = site_key(row["source"], row["url"])
    return KnownArticle(
        sketch,
        row["dup_group_id"],
        roots.get(story, story),
        site,
        None if pending is None else roots.get(pending, pending),
    )


def reject_key(row: Mapping[str, Any]) -> tuple[str, int, str, str]:
    """What makes a reject the same one again when the same input is run twice."""
    return (row["source_file"], row["line"] or 0, row["reason"], row["excerpt"])


def carried_story_row(row: Row, merges: Mapping[str, str]) -> Row:
    """An earlier story row as it stands after this run's merges."""
    root = story_root(row["story_id"], row["merged_into"], merges)
    return {**row, "merged_into": None if root == row["story_id"] else root}


def incompatible_parameters(
    stored: Mapping[str, Any], current: Mapping[str, Any]
) -> list[tuple[str, Any, Any]]:
    """(name, stored, current) for each parameter that shapes stored sketches
    and differs: a run that compares new articles with stored ones must use the
    same values."""
    return [
        (name, stored.get(name), current.get(name))
        for name in registry.sketch_parameters()
        if name in stored and stored.get(name) != current.get(name)
    ]
