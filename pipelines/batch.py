"""The batch pipeline: input files -> articles, stories and rejects in Parquet.

Usage (see README): newsdedup run --input 'incoming/*.jsonl' --output out/
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions, StandardOptions

from pipelines.options import NewsdedupOptions, dedup_config, reject_unknown_options
from schemas.parquet import (
    ARTICLES_PARTITION_COLUMN,
    DATASET_SCHEMAS,
    with_run_metadata,
)
from transforms.analyze import AnalyzeArticles
from transforms.assemble import AssembleArticleRows, BuildRejectRows, BuildStoryRows
from transforms.cluster import ClusterArticles
from transforms.core.rows import (
    RunContext,
    article_partition,
    article_sort_key,
    reject_sort_key,
    story_sort_key,
)
from transforms.core.signatures import signature_scheme
from transforms.errors import UsageError
from transforms.inputs import resolve_inputs
from transforms.output import abandon, commit, prepare_staging
from transforms.progress import CountProgress, ProgressDisplay
from transforms.read import RECORDS_READ_COUNTER, REJECTS_TAG, ReadArticles
from transforms.redeliveries import DropRedeliveries
from transforms.summary import RunSummary, summarize
from transforms.write import WriteParquetDataset

# The in-process runner, chosen explicitly: from Beam 2.68 the DirectRunner first
# tries to download the Prism runner and silently falls back when offline.
DEFAULT_RUNNER = "FnApiRunner"


def pipeline_options(argv: list[str]) -> PipelineOptions:
    options = PipelineOptions(argv)
    standard = options.view_as(StandardOptions)
    if standard.runner is None:
        standard.runner = DEFAULT_RUNNER
    # Everything workers unpickle lives in installed packages, not in __main__.
    options.view_as(SetupOptions).save_main_session = False
    return options


def shows_progress(own: NewsdedupOptions) -> bool:
    """Progress on a terminal, or anywhere with --verbose; never with --quiet."""
    return not own.quiet and (own.verbose or sys.stderr.isatty())


def run(argv: list[str] | None = None) -> RunSummary:
    """Run the batch pipeline; raises UsageError for wrong options or inputs."""
    started = time.monotonic()
    reject_unknown_options(argv or [])
    options = pipeline_options(argv or [])
    own = options.view_as(NewsdedupOptions)
    try:
        config = dedup_config(options)
    except ValueError as error:
        raise UsageError(f"invalid option: {error}") from error
    if not own.output:
        raise UsageError("no output given: pass --output FOLDER")
    if own.max_record_bytes <= 0 or own.output_shards <= 0:
        raise UsageError("--max-record-bytes and --output-shards must be positive")
    paths = resolve_inputs(own.inputs)
    staging = prepare_staging(own.output)
    run_context = RunContext(
        ingested_at=datetime.now(UTC),
        pipeline_version=version("newsdedup"),
        minhash_scheme=signature_scheme(config.num_perm, config.minhash_seed),
    )
    parameters = {**config.as_metadata(), "minhash_scheme": run_context.minhash_scheme}
    schemas = {name: with_run_metadata(s, parameters) for name, s in DATASET_SCHEMAS.items()}
    progress = (staging / "_progress").resolve() if shows_progress(own) else None
    display = (
        ProgressDisplay(progress, sys.stderr, live=sys.stderr.isatty())
        if progress
        else contextlib.nullcontext()
    )
    try:
        with display, beam.Pipeline(options=options) as pipeline:
            parsed = pipeline | "ReadArticles" >> ReadArticles(paths, own.max_record_bytes)
            unique = parsed.articles | "DropRedeliveries" >> DropRedeliveries()
            if progress:
                _ = parsed.articles | "CountRead" >> CountProgress(
                    str(progress), ProgressDisplay.READ
                )
                _ = unique.articles | "CountAnalysed" >> CountProgress(
                    str(progress), ProgressDisplay.ANALYSED
                )
            analyzed = unique.articles | "AnalyzeArticles" >> AnalyzeArticles(config)
            assignments = (
                analyzed
                | "Sketches" >> beam.Map(lambda a: a.sketch)
                | "ClusterArticles" >> ClusterArticles(config)
            )
            article_rows = analyzed | "AssembleArticleRows" >> AssembleArticleRows(
                assignments, run_context
            )
            _ = article_rows | "WriteArticles" >> WriteParquetDataset(
                str(staging / "articles"),
                schemas["articles"],
                sort_key=article_sort_key,
                partition=article_partition,
                partition_column=ARTICLES_PARTITION_COLUMN,
                shards=own.output_shards,
            )
            _ = (
                article_rows
                | "BuildStoryRows" >> BuildStoryRows(run_context)
                | "WriteStories"
                >> WriteParquetDataset(
                    str(staging / "stories"),
                    schemas["stories"],
                    sort_key=story_sort_key,
                )
            )
            _ = (
                (parsed[REJECTS_TAG], unique[REJECTS_TAG])
                | "AllRejects" >> beam.Flatten()
                | "BuildRejectRows" >> BuildRejectRows(run_context)
                | "WriteRejects"
                >> WriteParquetDataset(
                    str(staging / "rejects"),
                    schemas["rejects"],
                    sort_key=reject_sort_key,
                )
            )
        result = pipeline.result
    except BaseException:
        abandon(staging)
        raise
    commit(staging, own.output, schemas)
    return summarize(
        own.output,
        records_read=_counter(result, RECORDS_READ_COUNTER),
        exact_redeliveries=_counter(result, "exact_redeliveries"),
        wall_seconds=time.monotonic() - started,
    )


def _counter(result: beam.runners.runner.PipelineResult, name: str) -> int:
    counters = result.metrics().query(MetricsFilter().with_name(name))["counters"]
    return sum(c.committed or 0 for c in counters)


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.WARNING)
    print(run().render())
