"""The streaming pipeline: files dropped into a folder -> articles, stories and
rejects in Parquet, continuously.

Usage (see docs/streaming.md): newsdedup watch --input-dir incoming/ --output out/
"""

from __future__ import annotations

import argparse
import signal
import threading
import types
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions, StandardOptions

from pipelines.options import (
    NewsdedupOptions,
    column_mapping,
    dedup_config,
    reject_unknown_options,
)
from schemas.parquet import DATASET_SCHEMAS, with_run_metadata
from transforms.core.rows import RunContext
from transforms.core.signatures import signature_scheme
from transforms.core.watchdir import Ledger
from transforms.errors import UsageError
from transforms.folder_source import FolderEvents, FolderEventService, MatchedFiles
from transforms.output import check_schema_version
from transforms.read import REJECTS_TAG
from transforms.stream import (
    STORIES_TAG,
    AssignStoriesStreaming,
    ReadArrivedFileFn,
    RejectRowFn,
    RestoreWrittenArticles,
)
from transforms.stream_write import WriteStreamingDatasets

WATCH_USAGE = (
    "newsdedup watch --input-dir FOLDER --output FOLDER [--idle-timeout SECONDS] [options]"
)
WATCH_DESCRIPTION = """\
Streaming run: every file dropped into --input-dir is read once, its articles
are assigned to stories within seconds and written continuously to --output.
Stops cleanly (exit 0) on SIGINT/SIGTERM or after --idle-timeout seconds
without a new file; a restart skips the files already read. See
docs/streaming.md.
"""

# The only local runner that executes streaming pipelines (see docs/streaming.md).
STREAMING_RUNNER = "BundleBasedDirectRunner"
WATCH_FOLDER = "_watch"
LEDGER_FILE = "ingested.tsv"
SOURCES = ("folder", "match")
ENTITY_LINKS_OFF = 1.0
MAX_POLL_SECONDS = 10.0
LOCAL_RUNNERS = {"BundleBasedDirectRunner", "FnApiRunner", "SwitchingDirectRunner"}


class WatchOptions(PipelineOptions):
    """Options of `newsdedup watch` beside the clustering parameters."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--input-dir", help="folder to watch for new input files")
        parser.add_argument(
            "--idle-timeout",
            type=float,
            default=None,
            help="stop after this many seconds without a new file (default: run until stopped)",
        )
        parser.add_argument(
            "--poll-seconds", type=float, default=1.0, help="how often the folder is listed"
        )
        parser.add_argument(
            "--source",
            choices=SOURCES,
            default="folder",
            help="where new files come from: 'folder' (local runner: a live TestStream fed by "
            "a folder watcher, with a ledger of files done) or 'match' (fileio.MatchContinuously, "
            "for runners that run splittable DoFns in streaming mode: Dataflow, Flink, Prism)",
        )
        parser.add_argument(
            "--horizon-hours",
            type=float,
            default=72.0,
            help="event-time horizon: articles leave the state this long after publication",
        )
        parser.add_argument(
            "--window-seconds",
            type=float,
            default=5.0,
            help="output files are written once per window of this many seconds of arrivals",
        )


def _validated(argv: list[str]) -> tuple[PipelineOptions, WatchOptions, NewsdedupOptions]:
    reject_unknown_options(argv)
    options = PipelineOptions(argv)
    standard = options.view_as(StandardOptions)
    if standard.runner is None:
        standard.runner = STREAMING_RUNNER
    standard.streaming = True
    options.view_as(SetupOptions).save_main_session = False
    watch = options.view_as(WatchOptions)
    own = options.view_as(NewsdedupOptions)
    if not watch.input_dir:
        raise UsageError("no folder to watch: pass --input-dir FOLDER")
    if watch.source == "match" and standard.runner in LOCAL_RUNNERS:
        raise UsageError(
            f"--source match needs a runner that runs splittable DoFns in streaming mode "
            f"(Dataflow, Flink, Prism), not {standard.runner}: see docs/streaming.md"
        )
    if watch.source == "folder" and not Path(watch.input_dir).is_dir():
        raise UsageError(f"--input-dir {watch.input_dir!r} is not a folder")
    if not own.output:
        raise UsageError("no output given: pass --output FOLDER")
    if Path(own.output).exists() and not Path(own.output).is_dir():
        raise UsageError(f"--output {own.output!r} is a file: give a folder path")
    if any(Path(own.output, name).is_symlink() for name in DATASET_SCHEMAS):
        # A batch run's datasets are links into immutable snapshots.
        raise UsageError(
            f"--output {own.output!r} holds the output of `newsdedup run`; "
            "watch writes into a folder of its own"
        )
    if watch.idle_timeout is not None and watch.idle_timeout <= 0:
        raise UsageError("--idle-timeout must be positive")
    if min(watch.poll_seconds, watch.horizon_hours, watch.window_seconds) <= 0:
        raise UsageError("--poll-seconds, --horizon-hours and --window-seconds must be positive")
    if watch.poll_seconds > MAX_POLL_SECONDS:
        # The local runner stops a TestStream that sends nothing for 30 seconds.
        raise UsageError(f"--poll-seconds must be at most {MAX_POLL_SECONDS}")
    if own.inputs:
        raise UsageError("watch reads --input-dir; --input belongs to `newsdedup run`")
    return options, watch, own


def run(argv: list[str] | None = None, stop: threading.Event | None = None) -> int:
    """Run until `stop` is set, SIGINT/SIGTERM arrives or the idle timeout passes;
    returns the number of files read. Raises UsageError for wrong options."""
    options, watch, own = _validated(argv or [])
    try:
        config = dedup_config(options)
    except ValueError as error:
        raise UsageError(f"invalid option: {error}") from error
    columns = column_mapping(options)
    if not any(arg.split("=", 1)[0] == "--entity-threshold" for arg in argv or []):
        # Entity links weigh names by their rarity across the corpus, which a
        # stream never has: off unless asked for (then every name weighs 1).
        config = replace(config, entity_threshold=ENTITY_LINKS_OFF)
    if watch.source == "folder":  # the ledger and the restore read a local --output
        check_schema_version(own.output)
        Path(own.output, WATCH_FOLDER).mkdir(parents=True, exist_ok=True)
    run_context = RunContext(
        ingested_at=datetime.now(UTC),
        pipeline_version=version("newsdedup"),
        minhash_scheme=signature_scheme(config.num_perm, config.minhash_seed),
    )
    parameters = {
        **config.as_metadata(),
        "minhash_scheme": run_context.minhash_scheme,
        "horizon_hours": watch.horizon_hours,
    }
    schemas = {name: with_run_metadata(s, parameters) for name, s in DATASET_SCHEMAS.items()}
    stop = stop or threading.Event()
    events = FolderEvents(
        Path(watch.input_dir),
        Ledger(Path(own.output, WATCH_FOLDER, LEDGER_FILE)),
        watch.poll_seconds,
        watch.idle_timeout,
        stop,
    )
    with (
        _stop_on_signals(stop),
        FolderEventService(events) as service,
        beam.Pipeline(options=options) as pipeline,
    ):
        new_files = (
            service.source()
            if watch.source == "folder"
            else MatchedFiles(watch.input_dir, watch.poll_seconds)
        )
        parsed = (
            pipeline
            | "NewFiles" >> new_files
            | "ReadArrivedFiles"
            >> beam.ParDo(ReadArrivedFileFn(own.max_record_bytes, config, columns)).with_outputs(
                REJECTS_TAG, main="articles"
            )
        )
        since = run_context.ingested_at - timedelta(hours=watch.horizon_hours)
        restored = pipeline | "RestoreWrittenArticles" >> RestoreWrittenArticles(
            Path(own.output, "articles"), config, int(since.timestamp() * 1_000_000)
        )
        assigned = (
            (restored, parsed.articles)
            | "RestoredAndNew" >> beam.Flatten()
            | "AssignStories" >> AssignStoriesStreaming(config, run_context, watch.horizon_hours)
        )
        rejects = (
            (parsed[REJECTS_TAG], assigned[REJECTS_TAG])
            | "AllRejects" >> beam.Flatten()
            | "RejectRows" >> beam.ParDo(RejectRowFn(run_context))
        )
        _ = (
            (
                assigned["articles"] | "TagArticles" >> beam.Map(lambda row: ("articles", row)),
                assigned[STORIES_TAG] | "TagStories" >> beam.Map(lambda row: ("stories", row)),
                rejects | "TagRejects" >> beam.Map(lambda row: ("rejects", row)),
            )
            | "AllRows" >> beam.Flatten()
            | "WriteDatasets" >> WriteStreamingDatasets(own.output, schemas, watch.window_seconds)
        )
    return events.files_emitted


class _stop_on_signals:
    """SIGINT and SIGTERM set `stop` (the source ends, the pipeline drains)."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop
        self._previous: dict[int, object] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for number in (signal.SIGINT, signal.SIGTERM):
            self._previous[number] = signal.signal(number, self._handle)

    def _handle(self, _number: int, _frame: types.FrameType | None) -> None:
        self._stop.set()

    def __exit__(self, *_: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
