"""Inputs shared by the TestPipeline tests of transforms/: articles, empty inputs, the run
context, and views of cluster assignments."""

from __future__ import annotations

from datetime import UTC, datetime

import apache_beam as beam

from newsdedup.schemas.records import InputArticle
from newsdedup.transforms.core.formats.rows import RunContext

RUN = RunContext(datetime(2026, 1, 1, tzinfo=UTC), "test", "scheme")


def input_article(article_id: str, text: str, **fields: object) -> InputArticle:
    return InputArticle(article_id=article_id, text=text, source_file="mem", line=1, **fields)  # type: ignore[arg-type]


def nothing(pipeline: beam.Pipeline, label: str) -> beam.PCollection:
    """An empty input: what an incremental step reads from a new OUT."""
    return pipeline | label >> beam.Create([])


def unbatched(assignments: beam.PCollection) -> beam.PCollection:
    """(file key, [(article key, assignment)]) lists -> (article key, assignment)."""
    return assignments | "Unbatch" >> beam.FlatMap(lambda keyed: keyed[1])


def count_stories(assignments: beam.PCollection) -> beam.PCollection:
    return (
        assignments
        | "StoryIds" >> beam.Map(lambda kv: kv[1].story_id)
        | "DistinctStories" >> beam.Distinct()
        | "CountStories" >> beam.combiners.Count.Globally()
    )
