"""The batch pipeline: input files -> articles, stories and rejects in Parquet.

Usage (see README): newsdedup run --input 'incoming/*.jsonl' --output out/
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions, StandardOptions

from newsdedup.pipelines.options import (
    NewsdedupOptions,
    column_mapping,
    dedup_config,
    reject_unknown_options,
    runner_path,
)
from newsdedup.schemas.parquet import (
    DATASET_SCHEMAS,
    with_run_metadata,
)
from newsdedup.schemas.records import RecordBatch
from newsdedup.transforms.analyze import AnalyzeArticles
from newsdedup.transforms.assemble import (
    KNOWN_REJECTS_COUNTER,
    BuildRejectRows,
    BuildStoryMergeRows,
    BuildStoryRows,
    DropKnownRejects,
    WriteArticles,
)
from newsdedup.transforms.cluster import PENDING_LINKS_COUNTER, ClusterArticles
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.state import (
    date_bounds,
    incompatible_parameters,
    known_article,
    known_article_columns,
    latest_partition_dates,
    read_back_days,
    stream_window_hours,
    within_horizon,
)
from newsdedup.transforms.core.formats.rows import (
    RunContext,
    reject_sort_key,
    story_sort_key,
)
from newsdedup.transforms.core.formats.tables import ColumnMapping
from newsdedup.transforms.core.signals.signatures import signature_scheme
from newsdedup.transforms.io.filesystems import FileAccess, open_input
from newsdedup.transforms.io.inputs import resolve_inputs
from newsdedup.transforms.io.output import (
    Snapshot,
    Staging,
    abandon,
    commit,
    dataset_files,
    exclusive_lock,
    prepare_staging,
    written_files,
)
from newsdedup.transforms.io.read import (
    RECORDS_READ_COUNTER,
    REJECTS_TAG,
    FileRange,
    ReadArticles,
    whole_file,
)
from newsdedup.transforms.io.state import NewDateRangeFn, ReadParquetRows
from newsdedup.transforms.io.write import WriteParquetDataset
from newsdedup.transforms.redeliveries import DropRedeliveries
from newsdedup.transforms.runtime import introspection
from newsdedup.transforms.runtime.batches import RECORD_BATCH
from newsdedup.transforms.runtime.errors import UsageError
from newsdedup.transforms.runtime.progress import CountProgress, ProgressDisplay
from newsdedup.transforms.runtime.summary import RunSummary, summarize

# The in-process runner, chosen explicitly: from Beam 2.68 the DirectRunner first
# tries to download the Prism runner and silently falls back when offline.
DEFAULT_RUNNER = "FnApiRunner"


def pipeline_options(argv: list[str]) -> PipelineOptions:
    options = introspection.ViewCachingOptions(argv)
    standard = options.view_as(StandardOptions)
    if standard.runner is None:
        standard.runner = DEFAULT_RUNNER
    standard.runner = runner_path(standard.runner)  # DaskRunner by its full path
    # Everything workers unpickle lives in installed packages, not in __main__.
    options.view_as(SetupOptions).save_main_session = False
    return options


def shows_progress(own: NewsdedupOptions) -> bool:
    """Progress on a terminal, or anywhere with --verbose; never with --quiet."""
    return not own.quiet and (own.verbose or sys.stderr.isatty())


def run(argv: list[str] | None = None) -> RunSummary:
    """Run the batch pipeline; raises UsageError for wrong options or inputs.

    A run on an OUT that holds earlier runs adds to them (see newsdedup.transforms.io.output
    and README, "Incremental runs").
    """
    started = time.monotonic()
    reject_unknown_options(argv or [])
    options = pipeline_options(argv or [])
    own = options.view_as(NewsdedupOptions)
    # Inputs are matched before the Pipeline exists, which would set these itself.
    FileAccess.of(options).activate()
    paths = resolve_inputs(own.inputs, own.output)
    return run_parts(options, [whole_file(path) for path in paths], started)


def run_parts(
    options: PipelineOptions,
    parts: list[FileRange],
    started: float | None = None,
    wait_for_lock: bool = False,
    micro_batch: bool = False,
) -> RunSummary:
    """One run over input files or parts of them. `newsdedup watch` runs one per
    micro-batch, on the parts of files that arrived, waiting for a run that
    holds the output's lock instead of refusing; its micro-batches defer the
    links that the rest of the stream may still turn into weak bridges, and a
    run over no parts settles them (see newsdedup.transforms.core.decide.clustering.cluster)."""
    started = time.monotonic() if started is None else started
    own = options.view_as(NewsdedupOptions)
    config = _checked_config(options, own)
    files = FileAccess.of(options)
    files.activate()
    context = RunContext(
        ingested_at=datetime.now(UTC),
        pipeline_version=version("newsdedup"),
        minhash_scheme=signature_scheme(config.num_perm, config.minhash_seed),
    )
    parameters = {**config.as_metadata(), "minhash_scheme": context.minhash_scheme}
    schemas = {name: with_run_metadata(s, parameters) for name, s in DATASET_SCHEMAS.items()}
    with exclusive_lock(own.output, wait=wait_for_lock):
        staging = prepare_staging(own.output, files)
        # Progress files stay on the driver's machine (workers elsewhere cannot reach it).
        progress = (
            Path(tempfile.mkdtemp(prefix="newsdedup-progress-")) if shows_progress(own) else None
        )
        try:
            _check_parameters(own.output, staging, parameters)
            plan = _RunPlan(
                parts=parts,
                columns=column_mapping(options),
                staging=staging,
                config=config,
                own=own,
                context=context,
                schemas=schemas,
                progress=progress,
                window_hours=stream_window_hours(config) if micro_batch else None,
            )
            summary = _run_pipeline(options, plan, started)
            commit(staging, schemas)
        except BaseException:
            abandon(staging)
            raise
        finally:
            if progress:
                shutil.rmtree(progress, ignore_errors=True)
    return summary


def _checked_config(options: PipelineOptions, own: NewsdedupOptions) -> DedupConfig:
    try:
        config = dedup_config(options)
    except ValueError as error:
        raise UsageError(f"invalid option: {error}") from error
    if not own.output:
        raise UsageError("no output given: pass --output FOLDER")
    if own.max_record_bytes <= 0 or own.output_shards <= 0 or own.horizon_days <= 0:
        raise UsageError("--max-record-bytes, --output-shards and --horizon-days must be positive")
    return config


def _run_pipeline(options: PipelineOptions, plan: _RunPlan, started: float) -> RunSummary:
    """Runs the pipeline into the staging folder and sums up what it wrote."""
    staging = plan.staging
    display = (
        ProgressDisplay(plan.progress, sys.stderr, live=sys.stderr.isatty())
        if plan.progress
        else contextlib.nullcontext()
    )
    introspection.install()
    with display, beam.Pipeline(options=options) as pipeline:
        _build(pipeline, plan)
    result = pipeline.result
    return summarize(
        {name: written_files(staging, name) for name in DATASET_SCHEMAS},
        plan.own.output,
        records_read=_counter(result, RECORDS_READ_COUNTER),
        exact_redeliveries=_counter(result, "exact_redeliveries"),
        known_rejects=_counter(result, KNOWN_REJECTS_COUNTER),
        wall_seconds=time.monotonic() - started,
        previous=_snapshot_files(staging.previous),
        files=staging.files,
        pending_links=_counter(result, PENDING_LINKS_COUNTER),
    )


def _snapshot_files(snapshot: Snapshot | None) -> dict[str, list[str]] | None:
    """The files of each dataset of the earlier runs' snapshot (None for a new OUT)."""
    if snapshot is None:
        return None
    return {name: dataset_files(snapshot, name) for name in DATASET_SCHEMAS}


def _check_parameters(output: str, staging: Staging, parameters: dict[str, Any]) -> None:
    files = dataset_files(staging.previous, "articles")
    if not files:
        return
    with open_input(files[0], staging.files) as stream:
        metadata = pq.read_schema(stream).metadata or {}
    stored = json.loads(metadata.get(b"newsdedup_parameters", b"{}"))
    differences = incompatible_parameters(stored, parameters)
    if differences:
        name, before, now = differences[0]
        raise UsageError(
            f"--output {output!r} was built with {name}={before}, this run has {now}: "
            "stored signatures are only comparable with equal values; use the same "
            "parameters or another folder"
        )


@dataclass(frozen=True)
class _RunPlan:
    """What the steps of one run's pipeline are built from."""

    parts: list[FileRange]
    columns: ColumnMapping
    staging: Staging
    config: DedupConfig
    own: NewsdedupOptions
    context: RunContext
    schemas: dict[str, pa.Schema]
    progress: Path | None
    # Set for a micro-batch of `watch`: links it may defer (see cluster()).
    window_hours: float | None

    def earlier(self, name: str) -> list[str]:
        """The files of one dataset that earlier runs published (none for a new OUT)."""
        return dataset_files(self.staging.previous, name)

    def write(self, name: str, sort_key: Callable[[dict[str, Any]], Any]) -> beam.PTransform:
        staging = self.staging
        return WriteParquetDataset(
            str(staging.dataset(name)),
            self.schemas[name],
            sort_key=sort_key,
            file_prefix=staging.file_prefix,
            files=staging.files,
        )


def _build(pipeline: beam.Pipeline, plan: _RunPlan) -> None:
    staging, config = plan.staging, plan.config
    earlier_article_files = pipeline | "EarlierArticleFiles" >> beam.Create(
        plan.earlier("articles")
    )
    parsed, unique = _new_articles(pipeline, plan, earlier_article_files)
    earlier_stories = (
        pipeline
        | "EarlierStoryFiles" >> beam.Create(plan.earlier("stories"))
        | "ReadEarlierStories" >> ReadParquetRows(files=staging.files)
    )
    known = _known_articles(plan, unique.articles, earlier_article_files, earlier_stories)
    analyzed, weighted_known = {
        "articles": unique.articles,
        "known": known,
    } | "AnalyzeArticles" >> AnalyzeArticles(
        config, staging.spill_folder("shingled"), staging.files
    )
    sketches = analyzed | "Sketches" >> beam.Map(
        lambda batch: RecordBatch(a.sketch for a in batch)
    ).with_output_types(RECORD_BATCH)
    clustered = {
        "sketches": sketches,
        "known": weighted_known,
    } | "ClusterArticles" >> ClusterArticles(
        config,
        plan.own.output_shards,
        staging.spill_folder("keys"),
        staging.files,
        plan.window_hours,
    )
    written = _write_tables(
        plan, analyzed, clustered, earlier_stories, earlier_article_files, parsed, unique
    )
    # One last step that depends on every write: Beam's DaskRunner computes only
    # the graph of the pipeline's last step, and would leave the other writes out.
    _ = (
        written
        | "AllWritten" >> beam.Flatten()
        | "WrittenFiles" >> beam.Map(lambda written: written[0])
    )


def _new_articles(
    pipeline: beam.Pipeline, plan: _RunPlan, earlier_article_files: beam.PCollection
) -> tuple[Any, Any]:
    """The articles read (with their rejects) and those left once re-deliveries of
    articles this run or an earlier one read are dropped (with theirs)."""
    files = plan.staging.files
    parsed = pipeline | "ReadArticles" >> ReadArticles(
        plan.parts, plan.own.max_record_bytes, plan.columns, files=files
    )
    if plan.earlier("articles"):
        new_ids = beam.pvalue.AsSingleton(
            parsed.articles
            | "NewIds" >> beam.Map(lambda batch: {article.article_id for article in batch})
            | "AllNewIds" >> beam.CombineGlobally(lambda parts: set().union(*parts))
        )
        written = (
            earlier_article_files
            | "ReadWrittenIds"
            >> ReadParquetRows(
                ["article_id", "content_hash"], only_where=("article_id", new_ids), files=files
            )
            | "WrittenIds" >> beam.Map(lambda row: (row["article_id"], row["content_hash"]))
        )
    else:  # a first run: no id was written before, and the set of new ids is not needed
        written = pipeline | "WrittenIds" >> beam.Create([])
    unique = {"articles": parsed.articles, "written": written} | "DropRedeliveries" >> (
        DropRedeliveries(plan.staging.spill_folder("parsed"), files)
    )
    if plan.progress:
        _ = parsed.articles | "CountRead" >> CountProgress(
            str(plan.progress), ProgressDisplay.READ, of_lists=True
        )
        _ = unique.articles | "CountAnalysed" >> CountProgress(
            str(plan.progress), ProgressDisplay.ANALYSED, of_lists=True
        )
    return parsed, unique


def _known_articles(
    plan: _RunPlan,
    articles: beam.PCollection,
    earlier_article_files: beam.PCollection,
    earlier_stories: beam.PCollection,
) -> beam.PCollection:
    """The articles of earlier runs that this run's articles may join: those
    published within the read-back days of the new ones (KnownArticle, no text)."""
    merged_earlier = earlier_stories | "MergedEarlier" >> beam.FlatMap(
        lambda row: [(row["story_id"], row["merged_into"])] if row["merged_into"] else []
    )
    new_dates = (
        articles
        | "PublishedAt" >> beam.FlatMap(date_bounds)
        | "NewDateRange" >> beam.CombineGlobally(NewDateRangeFn())
    )
    return (
        earlier_article_files
        | "FilesInHorizon"
        >> beam.Filter(
            within_horizon,
            new_dates=beam.pvalue.AsSingleton(new_dates),
            horizon_days=read_back_days(plan.own.horizon_days, plan.config),
            # A run over no input settles deferred links: around the latest articles.
            fallback=None if plan.parts else latest_partition_dates(plan.earlier("articles")),
        )
        | "ReadKnownArticles" >> ReadParquetRows(known_article_columns(), files=plan.staging.files)
        | "KnownArticles" >> beam.Map(known_article, roots=beam.pvalue.AsDict(merged_earlier))
    )


def _write_tables(
    plan: _RunPlan,
    analyzed: beam.PCollection,
    clustered: Any,
    earlier_stories: beam.PCollection,
    earlier_article_files: beam.PCollection,
    parsed: Any,
    unique: Any,
) -> tuple[beam.PCollection, ...]:
    """Articles, stories, story merges and rejects written to the staging folder;
    returns the written files of the last three (articles are written with stories)."""
    staging, context = plan.staging, plan.context
    merges = clustered.story_merges
    story_members = {
        "articles": analyzed,
        "assignments": clustered.assignments,
    } | "WriteArticles" >> WriteArticles(
        context,
        str(staging.dataset("articles")),
        plan.schemas["articles"],
        staging.file_prefix,
        plan.own.output_shards,
        staging.spill_folder("articles"),
        staging.files,
    )
    stories_written = (
        {
            "new_members": story_members,
            "earlier_stories": earlier_stories,
            "merges": merges,
            "earlier_article_files": earlier_article_files,
        }
        | "BuildStoryRows" >> BuildStoryRows(context, staging.files)
        | "WriteStories" >> plan.write("stories", story_sort_key)
    )
    merges_written = (
        merges
        | "BuildStoryMergeRows" >> BuildStoryMergeRows(context)
        | "WriteStoryMerges" >> plan.write("story_merges", story_sort_key)
    )
    rejects_written = (
        (parsed[REJECTS_TAG], unique.rejects)
        | "AllRejects" >> beam.Flatten()
        | "BuildRejectRows" >> BuildRejectRows(context)
        | "DropKnownRejects" >> DropKnownRejects(plan.earlier("rejects"), staging.files)
        | "WriteRejects" >> plan.write("rejects", reject_sort_key)
    )
    return stories_written, merges_written, rejects_written


def _counter(result: beam.runners.runner.PipelineResult, name: str) -> int | None:
    """A counter's total; None on a runner that reports no metrics (DaskRunner)."""
    try:
        counters = result.metrics().query(MetricsFilter().with_name(name))["counters"]
    except NotImplementedError:
        return None
    return sum(c.committed or 0 for c in counters)


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.WARNING)
    print(run().render())
