"""A live, unbounded source of file paths for the local streaming runner.

Beam's Python SDK has no unbounded source that the in-process runners can run
(see docs/streaming.md): the `BundleBasedDirectRunner`, the only local runner
that executes streaming pipelines (watermarks, event-time timers, windowed
writes as data arrives), fails on splittable DoFns such as `PeriodicImpulse` and
`fileio.MatchContinuously`. Its `TestStream` primitive can however read its
events live from a `TestStreamService` over gRPC, the mechanism Interactive Beam
streams with. `FolderEvents` is such a service's reader: it polls the folder
and streams one element per new file (timestamped with its arrival), advancing
the watermark and the processing-time clock on every poll. The stream ends,
and the pipeline drains, when `stop` is set or after `idle_timeout` seconds
without a new file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import apache_beam as beam
from apache_beam.coders import StrUtf8Coder
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.portability.api import beam_runner_api_pb2
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.test_stream_service import TestStreamServiceController

from transforms.core.watchdir import FolderWatch, Ledger, list_files

_Event = beam_runner_api_pb2.TestStreamPayload.Event
_Element = beam_runner_api_pb2.TestStreamPayload.TimestampedElement
_MAIN_TAG = "None"  # how the service protocol names TestStream's main output
PATH_CODER = StrUtf8Coder()


class FolderEvents:
    """Reader for `TestStreamServiceController`: the folder's new files as events."""

    def __init__(
        self,
        folder: Path,
        ledger: Ledger,
        poll_seconds: float,
        idle_timeout: float | None,
        stop: threading.Event,
    ) -> None:
        self._folder = folder
        self._ledger = ledger
        self._watch = FolderWatch(done=ledger.load())
        self._poll_seconds = poll_seconds
        self._idle_timeout = idle_timeout
        self._stop = stop
        self.files_emitted = 0

    def read_multiple(self, _tags: object) -> Iterator[_Event]:
        last_file = last_poll = time.monotonic()
        while not self._stop.is_set():
            listing = list_files(self._folder)
            ready = self._watch.ready(listing)
            now_micros = time.time_ns() // 1000
            if ready:
                # Recorded before the paths enter the pipeline: on a clean stop
                # the pipeline drains every file it was given.
                self._ledger.record(ready, listing)
                self.files_emitted += len(ready)
                last_file = time.monotonic()
                yield _Event(
                    element_event=_Event.AddElements(
                        elements=[
                            _Element(encoded_element=PATH_CODER.encode(p), timestamp=now_micros)
                            for p in ready
                        ],
                        tag=_MAIN_TAG,
                    )
                )
            # The direct runner reads these fields in microseconds.
            yield _Event(
                watermark_event=_Event.AdvanceWatermark(new_watermark=now_micros, tag=_MAIN_TAG)
            )
            elapsed = time.monotonic() - last_poll
            last_poll = time.monotonic()
            yield _Event(
                processing_time_event=_Event.AdvanceProcessingTime(
                    advance_duration=int(elapsed * 1_000_000)
                )
            )
            if self._idle_timeout is not None and time.monotonic() - last_file > self._idle_timeout:
                return
            self._stop.wait(self._poll_seconds)


class FolderEventService:
    """The gRPC service the local source reads from; start before, stop after the run."""

    def __init__(self, events: FolderEvents) -> None:
        self._controller = TestStreamServiceController(events)

    def __enter__(self) -> FolderEventService:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()

    def source(self) -> beam.PTransform:
        """The unbounded PCollection of new file paths, read from this service."""
        return TestStream(coder=PATH_CODER, endpoint=self._controller.endpoint)


class MatchedFiles(beam.PTransform):
    """New files below a folder found by Beam's own polling transform
    (`fileio.MatchContinuously`), for runners that run splittable DoFns in
    streaming mode (Dataflow, Flink, Prism); the runner keeps what was matched."""

    def __init__(self, folder: str, poll_seconds: float) -> None:
        super().__init__()
        self._folder = folder
        self._poll_seconds = poll_seconds

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (
            pbegin
            | "MatchContinuously"
            >> fileio.MatchContinuously(
                FileSystems.join(self._folder, "**"),
                interval=self._poll_seconds,
                has_deduplication=True,
            )
            | "Paths" >> beam.Map(lambda metadata: metadata.path)
        )
