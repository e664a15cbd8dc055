"""Live progress of a run: workers count elements into small files, the driver sums them.

Beam's metrics reach the driver only when the pipeline has finished, so each
counting DoFn instance keeps its own count and rewrites one file of its own
under a progress folder (a temporary folder of the driver) at most twice a second
and at the end of every bundle. The driver reads the folder in a thread and
prints one line. This works in-process and with worker processes on the same
machine (`--direct_running_mode=multi_processing`); workers on other machines
cannot reach the folder, their writes fail quietly and the line stays at zero.
No state is shared: every DoFn instance owns its count and its file.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import apache_beam as beam

WRITE_INTERVAL_SECONDS = 0.5


class _CountFn(beam.DoFn):
    def __init__(self, folder: str, counter: str, of_lists: bool) -> None:
        self._folder = folder
        self._counter = counter
        self._of_lists = of_lists
        self._path: Path | None = None
        self._count = 0
        self._written_at = 0.0

    def setup(self) -> None:
        self._path = Path(self._folder) / f"{self._counter}-{uuid.uuid4().hex}.count"
        self._count = 0
        self._written_at = 0.0

    def process(self, element: Any) -> Iterator[None]:
        self._count += len(element) if self._of_lists else 1
        now = time.monotonic()
        if now - self._written_at >= WRITE_INTERVAL_SECONDS:
            self._write(now)
        return iter(())

    def finish_bundle(self) -> None:
        self._write(time.monotonic())

    def _write(self, now: float) -> None:
        assert self._path is not None, "setup() was not called"
        self._written_at = now
        partial = self._path.with_suffix(".partial")
        with contextlib.suppress(OSError):  # progress is best effort, never a failure
            self._path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(str(self._count), encoding="ascii")
            partial.replace(self._path)


class CountProgress(beam.PTransform):
    """Counts the elements of a PCollection under `counter` for a ProgressDisplay;
    with `of_lists`, the items of its elements (lists)."""

    def __init__(self, folder: str, counter: str, of_lists: bool = False) -> None:
        super().__init__()
        self._folder = folder
        self._counter = counter
        self._of_lists = of_lists

    def expand(self, pcoll: beam.PCollection) -> beam.PCollection:
        return pcoll | "Count" >> beam.ParDo(_CountFn(self._folder, self._counter, self._of_lists))


def read_counts(folder: Path) -> dict[str, int]:
    """The sum of every counter's files in `folder`."""
    totals: dict[str, int] = {}
    for path in folder.glob("*.count"):
        counter = path.name.rsplit("-", 1)[0]
        with contextlib.suppress(OSError, ValueError):
            totals[counter] = totals.get(counter, 0) + int(path.read_text(encoding="ascii"))
    return totals


def progress_line(read: int, analysed: int, rate: float, elapsed: float) -> str:
    minutes, seconds = divmod(int(elapsed), 60)
    return (
        f"newsdedup: {read:,} articles read, {analysed:,} analysed"
        f" ({rate:,.0f}/s), {minutes}:{seconds:02d}"
    )


class ProgressDisplay:
    """A thread that prints the counts of `folder` to `stream` while a run goes on,
    and removes the folder at the end.

    On a terminal (`live`) one line is redrawn in place; otherwise (--verbose in
    CI or a log) a plain line is printed every `log_interval` seconds and at the end.
    """

    READ = "read"
    ANALYSED = "analysed"

    def __init__(self, folder: Path, stream: TextIO, live: bool, log_interval: float = 10.0):
        self._folder = folder
        self._stream = stream
        self._live = live
        self._interval = WRITE_INTERVAL_SECONDS if live else log_interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="newsdedup-progress", daemon=True)
        self._started = time.monotonic()
        # The rate is articles analysed per second until the count last grew, so it
        # holds still while the run clusters and writes after the last article.
        self._analysed = 0
        self._analysed_by = 0.0

    def __enter__(self) -> ProgressDisplay:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        if self._live:
            self._stream.write("\r\033[K")  # the summary replaces the progress line
            self._stream.flush()
        else:
            self._show()  # a log gets the final counts even from a short run
        shutil.rmtree(self._folder, ignore_errors=True)  # not part of the run's output

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self._show()

    def _show(self) -> None:
        counts = read_counts(self._folder)
        elapsed = time.monotonic() - self._started
        analysed = counts.get(self.ANALYSED, 0)
        if analysed > self._analysed:
            self._analysed, self._analysed_by = analysed, elapsed
        rate = self._analysed / self._analysed_by if self._analysed_by else 0.0
        line = progress_line(counts.get(self.READ, 0), analysed, rate, elapsed)
        self._stream.write(f"\r\033[K{line}" if self._live else f"{line}\n")
        self._stream.flush()
