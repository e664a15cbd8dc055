"""Messages from a bus (Pub/Sub, Kafka) landed as JSON Lines files that
`newsdedup watch` reads.

Each message is one article as a JSON object, as one line of a JSON Lines
input. Messages are windowed by their timestamp and each window is written as
one file with Beam's `fileio.WriteToFiles`, the file sink that works in
streaming pipelines: it writes under a hidden temporary folder (which `watch`
never reads) and moves a complete file to its final name, so `watch` sees
each landed file whole.
"""

from __future__ import annotations

from typing import BinaryIO

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.transforms.window import FixedWindows

LANDED_PREFIX = "landed"


def message_line(message: bytes) -> bytes:
    """One message as one JSON line: line breaks become spaces (between JSON
    tokens they mean nothing; inside a string they are invalid JSON anyway, and
    `watch` rejects the line as malformed_json)."""
    return message.replace(b"\r", b" ").replace(b"\n", b" ") + b"\n"


class _JsonLinesSink(fileio.FileSink):
    """Lines (bytes ending with a newline) written as they come."""

    def open(self, fh: BinaryIO) -> None:
        self._file = fh

    def write(self, record: bytes) -> None:
        self._file.write(record)

    def flush(self) -> None:
        self._file.flush()


class LandMessages(beam.PTransform):
    """Messages (bytes) -> one JSON Lines file per window of `window_seconds`
    under `folder` (local or an object-store prefix)."""

    def __init__(self, folder: str, window_seconds: float) -> None:
        super().__init__()
        self._folder = folder
        self._window_seconds = window_seconds

    def expand(self, messages: beam.PCollection) -> beam.PCollection:
        return (
            messages
            | "AsLines" >> beam.Map(message_line)
            | "Windows" >> beam.WindowInto(FixedWindows(self._window_seconds))
            | "WriteLandedFiles"
            >> fileio.WriteToFiles(
                path=self._folder,
                file_naming=fileio.default_file_naming(LANDED_PREFIX, ".jsonl"),
                sink=lambda _destination: _JsonLinesSink(),
                shards=1,
            )
        )
