"""The streaming driver: files arriving in a folder -> articles, stories and
rejects in Parquet, one micro-batch at a time.

Usage (see docs/streaming.md): newsdedup watch --input-dir incoming/ --output out/

Each micro-batch is an incremental batch run (`newsdedup.pipelines.batch.run_parts`) over
what arrived since the previous one, so a stream is decided by the same core,
with the same parameters, as `newsdedup run`. The loop polls the folder, runs
the micro-batch in a child process it can stop at once, and records what the
micro-batch read in a ledger under OUT once it is published.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import signal
import sys
import threading
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass

from apache_beam.options.pipeline_options import PipelineOptions

from newsdedup.pipelines.batch import pipeline_options, run_parts
from newsdedup.pipelines.options import NewsdedupOptions, all_options_parser, reject_unknown_options
from newsdedup.transforms.core.arrivals import FilePart
from newsdedup.transforms.io.filesystems import FileAccess
from newsdedup.transforms.io.watch_folder import FolderPoller, ReadLedger
from newsdedup.transforms.runtime.child_run import ChildOutcome, ChildRun
from newsdedup.transforms.runtime.errors import UsageError
from newsdedup.transforms.runtime.summary import RunSummary

WATCH_USAGE = (
    "newsdedup watch --input-dir FOLDER --output FOLDER [--idle-timeout SECONDS] [options]"
)
WATCH_DESCRIPTION = """\
Streaming run: what arrives in --input-dir is read in micro-batches, each an
incremental run on --output with the same clustering as `newsdedup run`.
JSON Lines files are read line by line as they grow; other files once they
stopped changing for --settle-seconds. Stops (exit 0) within seconds of
SIGINT/SIGTERM or after --idle-timeout seconds without new input; a restart
reads what was not read. See docs/streaming.md.
"""
WATCH_GROUP = "newsdedup watch"
# Under OUT: the ledger of what each committed micro-batch read.
LEDGER_FOLDER = "_watch/reads"
# How often a running micro-batch is checked for a stop request.
_STOP_CHECK_SECONDS = 0.2


class WatchOptions(PipelineOptions):
    """Options of `newsdedup watch` beside those of `newsdedup run`."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group(WATCH_GROUP)
        group.add_argument(
            "--input-dir", help="folder (or object-store prefix) to watch for new input"
        )
        group.add_argument(
            "--idle-timeout",
            type=float,
            default=None,
            help="stop after this many seconds without new input (default: run until stopped)",
        )
        group.add_argument(
            "--poll-seconds", type=float, default=1.0, help="how often the folder is listed"
        )
        group.add_argument(
            "--settle-seconds",
            type=float,
            default=2.0,
            help="a file other than JSON Lines is read once its size and modification time "
            "stayed the same this long (JSON Lines: every complete line at once)",
        )


@dataclass
class WatchTotals:
    """What a watch run did, summed over its micro-batches."""

    micro_batches: int = 0
    records_read: int = 0
    articles: int = 0
    rejected: int = 0

    def add(self, summary: RunSummary) -> None:
        self.micro_batches += 1
        self.records_read += summary.records_read
        self.articles += summary.articles
        self.rejected += summary.rejected

    def render(self) -> str:
        return (
            f"newsdedup watch stopped: {self.micro_batches} micro-batch(es), "
            f"{self.records_read} records read, {self.articles} articles written, "
            f"{self.rejected} rejected"
        )


def help_parser() -> argparse.ArgumentParser:
    """`newsdedup watch --help`: its own options first, then run's except --input and
    --config, then Beam's."""
    return all_options_parser(
        prog="newsdedup watch",
        usage=WATCH_USAGE,
        description=WATCH_DESCRIPTION,
        first_group=WATCH_GROUP,
        leave_out=frozenset({"inputs", "config"}),
    )


def _validated(argv: list[str]) -> tuple[PipelineOptions, WatchOptions, NewsdedupOptions]:
    reject_unknown_options(argv)
    options = pipeline_options(argv)
    watch = options.view_as(WatchOptions)
    own = options.view_as(NewsdedupOptions)
    if not watch.input_dir:
        raise UsageError("no folder to watch: pass --input-dir FOLDER")
    if own.inputs:
        raise UsageError("watch reads --input-dir; --input belongs to `newsdedup run`")
    if not own.output:
        raise UsageError("no output given: pass --output FOLDER")
    if watch.input_dir.rstrip("/") == own.output.rstrip("/"):
        raise UsageError("--output must not be the --input-dir folder itself")
    if watch.idle_timeout is not None and watch.idle_timeout <= 0:
        raise UsageError("--idle-timeout must be positive")
    if watch.poll_seconds <= 0 or watch.settle_seconds < 0:
        raise UsageError("--poll-seconds must be positive and --settle-seconds not negative")
    return options, watch, own


def run(argv: list[str] | None = None, stop: threading.Event | None = None) -> WatchTotals:
    """Run micro-batches until `stop` is set, SIGINT/SIGTERM arrives or the idle
    timeout passes. Raises UsageError for wrong options; RuntimeError when a
    micro-batch failed (what it read is read again after a restart)."""
    options, watch, own = _validated(argv or [])
    FileAccess.of(options).activate()  # the ledger and the listing may be on an object store
    stop = stop or threading.Event()
    ledger = ReadLedger(f"{own.output.rstrip('/')}/{LEDGER_FOLDER}")
    marks = ledger.load()
    poller = FolderPoller(watch.input_dir, watch.settle_seconds, own.output)
    totals = WatchTotals()
    last_input = time.monotonic()
    ready_since: float | None = None
    pending_links = 0
    with _stop_on_signals(stop):
        while not stop.is_set():
            parts, settling = poller.poll(marks)
            now = time.monotonic()
            if not parts:
                if watch.idle_timeout and now - last_input >= watch.idle_timeout:
                    if pending_links:
                        _settle(options, stop, totals, quiet=own.quiet)
                    break
                stop.wait(watch.poll_seconds)
                continue
            ready_since = ready_since or now
            if settling and now - ready_since < watch.settle_seconds:
                # A file dropped with these is still settling: read it in the same run.
                stop.wait(watch.poll_seconds)
                continue
            summary = _micro_batch(options, parts, stop)
            if summary is None:
                break  # stopped: the micro-batch is done again after a restart
            read = {part.path: part.mark for part in parts}
            ledger.record(read)
            marks.update(read)
            totals.add(summary)
            if summary.articles:
                # One that wrote no article (re-deliveries only) clustered nothing: the
                # links still pending are those the last one that did reported.
                pending_links = summary.pending_links
            if not own.quiet:
                print(_progress_line(totals.micro_batches, parts, summary), flush=True)
            last_input, ready_since = time.monotonic(), None
    return totals


def _settle(
    options: PipelineOptions, stop: threading.Event, totals: WatchTotals, quiet: bool
) -> None:
    """The stream has ended (idle timeout): a run over no input settles the
    links that micro-batches deferred, as one run over the stream would."""
    summary = _micro_batch(options, [], stop)
    if summary is None:
        return  # stopped: a later micro-batch or run settles them
    totals.add(summary)
    if not quiet:
        print(
            f"settled deferred links at the end of the stream: {summary.story_merges} "
            "story merge(s)",
            flush=True,
        )


def _micro_batch(
    options: PipelineOptions, parts: list[FilePart], stop: threading.Event
) -> RunSummary | None:
    """One incremental run over `parts` in a child process; None when `stop`
    was set first (the child is killed, the output stays as it was)."""
    child = ChildRun(functools.partial(_run_quietly, options, [p.file_range for p in parts]))
    outcome: ChildOutcome[RunSummary] | None = None
    while outcome is None:
        if stop.is_set():
            child.kill()
            return None
        outcome = child.wait(_STOP_CHECK_SECONDS)
    if outcome.error == "usage":
        raise UsageError(outcome.message)
    if outcome.error or outcome.value is None:
        raise RuntimeError(f"a micro-batch failed, output unchanged: {outcome.message}")
    return outcome.value


def _run_quietly(options: PipelineOptions, ranges: list[tuple[str, int, int, int]]) -> RunSummary:
    # The child's progress line would interleave with the parent's lines.
    options.view_as(NewsdedupOptions).quiet = True
    return run_parts(options, ranges, wait_for_lock=True, micro_batch=bool(ranges))


def _progress_line(number: int, parts: list[FilePart], summary: RunSummary) -> str:
    return (
        f"micro-batch {number}: {len(parts)} file part(s), {summary.records_read} records, "
        f"{summary.articles} articles written, {summary.rejected} rejected, "
        f"{summary.exact_redeliveries} re-deliveries; {summary.stories} stories in the output; "
        f"{summary.wall_seconds:.1f} s"
    )


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set `stop`: the loop kills a running micro-batch and ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(_number: int, _frame: types.FrameType | None) -> None:
        stop.set()

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


if __name__ == "__main__":
    print(run(sys.argv[1:]).render())
