"""Parquet schemas of the output datasets.

Nullability is part of the contract: readers may rely on a non-nullable column
never holding nulls. `schema_version` goes into every file's metadata; bump it
on any change a reader could notice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from newsdedup.transforms.core.signals import registry

# 5: signatures, fingerprints and lead entities leave attribution lines out
# (transforms/core/signals/attribution.py); an earlier run's would not compare alike.
SCHEMA_VERSION = "5"
UTC_MICROS = pa.timestamp("us", tz="UTC")

# The Hive partition column of `articles/`: it lives in the directory names only.
ARTICLES_PARTITION_COLUMN = "published_date"
UNKNOWN_DATE_PARTITION = "unknown"

_ARTICLE_FIELDS = [
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("parent_id", pa.string()),
    pa.field("source", pa.string()),
    pa.field("url", pa.string()),
    pa.field("title", pa.string()),
    pa.field("text", pa.string(), nullable=False),
    pa.field("text_length", pa.int64(), nullable=False),
    pa.field("published_at", UTC_MICROS),
    # "time", or "date" when the input gave the day only (published_at is 00:00 UTC).
    pa.field("published_at_precision", pa.string()),
    pa.field("published_at_invalid", pa.bool_(), nullable=False),
    pa.field("language", pa.string(), nullable=False),
    pa.field("language_probability", pa.float64()),
    pa.field("content_hash", pa.string(), nullable=False),
    pa.field("dup_group_id", pa.string(), nullable=False),
    pa.field("story_id", pa.string(), nullable=False),
    pa.field("is_canonical", pa.bool_(), nullable=False),
    pa.field("exact_duplicate_of", pa.string()),
    pa.field("pending_story_id", pa.string()),
]
_RUN_FIELDS = [
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("ingested_at", UTC_MICROS, nullable=False),
    pa.field("pipeline_version", pa.string(), nullable=False),
]


def articles_schema() -> pa.Schema:
    """The schema of `articles/`: the article, its ids, then the columns of each
    similarity signal (newsdedup.transforms.core.signals.registry: what a later
    incremental run compares new articles with, no text needed)."""
    return pa.schema([*_ARTICLE_FIELDS, *registry.signal_fields(), *_RUN_FIELDS])


ARTICLES_SCHEMA = articles_schema()

STORIES_SCHEMA = pa.schema(
    [
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("headline", pa.string()),
        pa.field("canonical_article_id", pa.string(), nullable=False),
        pa.field("article_count", pa.int64(), nullable=False),
        pa.field("dup_group_count", pa.int64(), nullable=False),
        pa.field("languages", pa.list_(pa.string()), nullable=False),
        pa.field("sources", pa.list_(pa.string()), nullable=False),
        pa.field("first_published_at", UTC_MICROS),
        pa.field("last_published_at", UTC_MICROS),
        pa.field("article_ids", pa.list_(pa.string()), nullable=False),
        # Set when a later run found this story to be part of another one.
        pa.field("merged_into", pa.string()),
        pa.field("ingested_at", UTC_MICROS, nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
    ]
)

REJECTS_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("line", pa.int64()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("excerpt", pa.string(), nullable=False),
        pa.field("ingested_at", UTC_MICROS, nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
    ]
)

# One row per merge: `story_id` was found to be part of `merged_into`.
STORY_MERGES_SCHEMA = pa.schema(
    [
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("merged_into", pa.string(), nullable=False),
        pa.field("merged_at", UTC_MICROS, nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
    ]
)

DATASET_SCHEMAS: Mapping[str, pa.Schema] = {
    "articles": ARTICLES_SCHEMA,
    "stories": STORIES_SCHEMA,
    "rejects": REJECTS_SCHEMA,
    "story_merges": STORY_MERGES_SCHEMA,
}


def with_run_metadata(schema: pa.Schema, parameters: Mapping[str, Any]) -> pa.Schema:
    """The schema with `schema_version` and the run's parameters as file metadata."""
    return schema.with_metadata(
        {
            "schema_version": SCHEMA_VERSION,
            "newsdedup_parameters": json.dumps(dict(parameters), sort_keys=True, default=str),
        }
    )
