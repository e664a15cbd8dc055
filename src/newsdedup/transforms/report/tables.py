"""The report's tables, computed from the output folder's Parquet with pyarrow.

`open_dataset` and `report_data` read the folder; the rest are pure functions
of the `articles` and `stories` tables (no plotting, no HTML), tested one by one.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from newsdedup.schemas.parquet import SCHEMA_VERSION
from newsdedup.transforms.core.formats.rows import (
    DATE_PRECISION,
    PublicationOrder,
    publication_order,
)
from newsdedup.transforms.runtime.errors import UsageError

# Article columns the report reads: never the text or the signatures.
ARTICLE_COLUMNS = [
    "article_id",
    "source",
    "url",
    "title",
    "published_at",
    "published_at_precision",
    "language",
    "dup_group_id",
    "story_id",
    "is_canonical",
]
STORY_SIZE_BUCKETS: list[tuple[str, int, int | None]] = [
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4", 4, 4),
    ("5–9", 5, 9),
    ("10–19", 10, 19),
    ("20–49", 20, 49),
    ("50+", 50, None),
]
STORY_VERSION_COLUMNS = ["story_id", "article_count", "ingested_at"]
UNKNOWN_DAY = "unknown"
NO_SOURCE = "(no source)"
OTHER_LANGUAGES = "other"


def open_dataset(out: str | Path, name: str) -> ds.Dataset:
    """One dataset of a newsdedup output folder; UsageError if it is not one."""
    folder = Path(out) / name
    files = sorted(folder.rglob("*.parquet")) if folder.is_dir() else []
    if not files:
        raise UsageError(f"{out!s} is not a newsdedup output folder: no {name}/*.parquet")
    found = (pq.read_schema(files[0]).metadata or {}).get(b"schema_version", b"none").decode()
    if found != SCHEMA_VERSION:
        raise UsageError(
            f"{folder} has schema_version {found}; this newsdedup reads {SCHEMA_VERSION}"
        )
    return ds.dataset(folder, format="parquet", partitioning="hive")


def run_parameters(dataset: ds.Dataset) -> dict[str, Any]:
    """The parameters of the run that wrote the dataset (Parquet file metadata)."""
    metadata = dataset.schema.metadata or {}
    return dict(json.loads(metadata.get(b"newsdedup_parameters", b"{}")))


def source_name(source: str | None, url: str | None) -> str:
    """The source as given, else the URL's host without `www.`."""
    if source and source.strip():
        return source.strip()
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.") or NO_SOURCE


def story_size_distribution(article_counts: list[int]) -> list[tuple[str, int]]:
    """(size bucket, number of stories) for every bucket, empty ones included."""
    counts = Counter[str]()
    for size in article_counts:
        for label, lo, hi in STORY_SIZE_BUCKETS:
            if size >= lo and (hi is None or size <= hi):
                counts[label] += 1
                break
    return [(label, counts[label]) for label, _, _ in STORY_SIZE_BUCKETS]


@dataclass(frozen=True)
class DailyLanguages:
    days: list[str]  # UTC dates in order, UNKNOWN_DAY last
    languages: list[str]  # most frequent first, OTHER_LANGUAGES last
    counts: dict[str, list[int]]  # language -> articles per day, aligned with days


def articles_per_day_and_language(
    published: list[datetime | None], languages: list[str], max_languages: int = 6
) -> DailyLanguages:
    """Articles per UTC publication day and language; languages past the
    `max_languages` most frequent are summed as `other`."""
    ranked = [
        lang for lang, _ in sorted(Counter(languages).items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    shown = ranked if len(ranked) <= max_languages else ranked[: max_languages - 1]
    cells = Counter[tuple[str, str]]()
    for when, language in zip(published, languages, strict=True):
        day = when.date().isoformat() if when is not None else UNKNOWN_DAY
        cells[(day, language if language in shown else OTHER_LANGUAGES)] += 1
    days = sorted({day for day, _ in cells}, key=lambda d: (d == UNKNOWN_DAY, d))
    columns = shown + ([OTHER_LANGUAGES] if len(shown) < len(ranked) else [])
    return DailyLanguages(
        days=days,
        languages=columns,
        counts={lang: [cells[(day, lang)] for day in days] for lang in columns},
    )


@dataclass(frozen=True)
class SourceDuplicates:
    source: str
    articles: int
    duplicates: int  # not the canonical article of their near-duplicate group
    copied: int  # canonical articles whose text others republished

    @property
    def duplicate_rate(self) -> float:
        return self.duplicates / self.articles if self.articles else 0.0


def duplicates_per_source(articles: pa.Table) -> list[SourceDuplicates]:
    """Per source: articles, near-duplicates of another article, originals copied by others.
    Sorted by articles, then duplicates (most first), then name; the articles
    without a source (NO_SOURCE) come last: they are not one source."""
    group_sizes = Counter(articles.column("dup_group_id").to_pylist())
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in articles.select(["source", "url", "dup_group_id", "is_canonical"]).to_pylist():
        counts = tally[source_name(row["source"], row["url"])]
        counts[0] += 1
        if not row["is_canonical"]:
            counts[1] += 1
        elif group_sizes[row["dup_group_id"]] > 1:
            counts[2] += 1
    rows = [SourceDuplicates(name, *counts) for name, counts in tally.items()]
    return sorted(rows, key=lambda r: (r.source == NO_SOURCE, -r.articles, -r.duplicates, r.source))


@dataclass(frozen=True)
class StoryArticle:
    article_id: str
    source: str
    title: str
    published_at: datetime | None
    language: str
    is_canonical: bool
    date_only: bool = False  # published_at gives the day only


@dataclass(frozen=True)
class TopStory:
    story_id: str
    headline: str
    article_count: int
    dup_group_count: int
    sources: list[str]
    languages: list[str]
    first_published_at: datetime | None
    articles: list[StoryArticle]  # in publication order (rows.publication_order), then id


def current_stories(stories: pa.Table) -> pa.Table:
    """One row per story, the current one (most articles, then latest: a streaming
    run appends a row each time a story grows), without the stories an incremental
    run merged into another (`merged_into`); what remains lists all its articles."""
    best: dict[str, tuple[tuple[int, Any], int]] = {}
    for index, (story_id, count, at) in enumerate(
        zip(*(stories.column(c).to_pylist() for c in STORY_VERSION_COLUMNS), strict=True)
    ):
        if story_id not in best or (count, at) > best[story_id][0]:
            best[story_id] = ((count, at), index)
    current = stories.take(pa.array(sorted(i for _, i in best.values()), pa.int64()))
    return current.filter(pc.is_null(current.column("merged_into")))


def top_stories(stories: pa.Table, articles: pa.Table, top: int) -> list[TopStory]:
    """The `top` biggest current stories (most articles, then story id), with their
    articles (found by the story's `article_ids`, which include merged stories')."""
    ranked = stories.sort_by([("article_count", "descending"), ("story_id", "ascending")])
    chosen = ranked.slice(0, top).to_pylist()
    story_of = {article_id: row["story_id"] for row in chosen for article_id in row["article_ids"]}
    members: dict[str, list[StoryArticle]] = defaultdict(list)
    of_chosen = articles.filter(
        pc.is_in(articles.column("article_id"), pa.array(sorted(story_of), pa.string()))
    )
    for row in of_chosen.to_pylist():
        members[story_of[row["article_id"]]].append(
            StoryArticle(
                article_id=row["article_id"],
                source=source_name(row["source"], row["url"]),
                title=row["title"] or "",
                published_at=row["published_at"],
                language=row["language"],
                is_canonical=row["is_canonical"],
                date_only=row["published_at_precision"] == DATE_PRECISION,
            )
        )
    return [
        TopStory(
            story_id=row["story_id"],
            headline=row["headline"] or "",
            article_count=row["article_count"],
            dup_group_count=row["dup_group_count"],
            sources=row["sources"],
            languages=row["languages"],
            first_published_at=row["first_published_at"],
            articles=sorted(members[row["story_id"]], key=_by_time),
        )
        for row in chosen
    ]


def _writer(stories: pa.Table) -> str:
    versions = ", ".join(sorted(set(stories.column("pipeline_version").to_pylist())))
    runs = stories.column("ingested_at").to_pylist()
    by = f"newsdedup {versions}, " if versions else ""
    when = f", run of {max(runs):%Y-%m-%d %H:%M} UTC" if runs else ""
    return f"{by}schema_version {SCHEMA_VERSION}{when}"


def _by_time(article: StoryArticle) -> tuple[PublicationOrder, str]:
    return (publication_order(article.published_at, article.date_only), article.article_id)


def sources_overview(sources: list[SourceDuplicates]) -> str:
    """How many sources there are; the articles without one are not a source."""
    named = sum(1 for s in sources if s.source != NO_SOURCE)
    without = sum(s.articles for s in sources if s.source == NO_SOURCE)
    return f"{named:,}" + (f"; {without:,} articles without a source" if without else "")


@dataclass(frozen=True)
class ReportData:
    out: str
    overview: list[tuple[str, str]]
    story_sizes: list[tuple[str, int]]
    daily: DailyLanguages
    top_stories: list[TopStory]
    sources: list[SourceDuplicates]
    parameters: dict[str, Any]


def report_data(out: str | Path, top: int = 20) -> ReportData:
    """Everything the report shows, read from the output folder `out`."""
    articles_dataset = open_dataset(out, "articles")
    articles = articles_dataset.to_table(columns=ARTICLE_COLUMNS)
    stories = current_stories(open_dataset(out, "stories").to_table())
    rejected = open_dataset(out, "rejects").count_rows()
    published = articles.column("published_at").to_pylist()
    dated = [when for when in published if when is not None]
    sizes = stories.column("article_count").to_pylist()
    groups = Counter(articles.column("dup_group_id").to_pylist())
    sources = duplicates_per_source(articles)
    named = [s for s in sources if s.source != NO_SOURCE]
    unnamed = sources[len(named) :]
    span = f"{min(dated):%Y-%m-%d} to {max(dated):%Y-%m-%d} (UTC)" if dated else "no dates"
    overview = [
        ("articles", f"{articles.num_rows:,}"),
        ("stories", f"{stories.num_rows:,} ({sum(1 for s in sizes if s > 1):,} with 2+ articles)"),
        ("near-duplicate groups", f"{sum(1 for n in groups.values() if n > 1):,} with 2+ articles"),
        ("sources", sources_overview(sources)),
        ("published", f"{span}; {len(published) - len(dated):,} without a date"),
        ("rejected records", f"{rejected:,}"),
        ("written by", _writer(stories)),
    ]
    return ReportData(
        out=str(out),
        overview=overview,
        story_sizes=story_size_distribution(sizes),
        daily=articles_per_day_and_language(published, articles.column("language").to_pylist()),
        top_stories=top_stories(stories, articles, top),
        sources=named[:top] + unnamed,
        parameters=run_parameters(articles_dataset),
    )
