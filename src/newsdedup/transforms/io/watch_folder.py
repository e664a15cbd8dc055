"""A watched folder (local or an object-store prefix, polled through Beam's
FileSystems) and the ledger of what earlier micro-batches read from it.

The decisions (what is complete, what to read next) are in
`newsdedup.transforms.core.arrivals`; this module lists, scans and remembers.
"""

from __future__ import annotations

import json
import logging
import stat
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from newsdedup.transforms.core.arrivals import (
    FilePart,
    FileStamp,
    LineScan,
    ReadMark,
    is_line_format,
    is_watched_name,
    line_read_start,
    next_line_part,
    next_whole_part,
)

_LOG = logging.getLogger(__name__)
_SCAN_BLOCK_BYTES = 8 * 1024 * 1024
# Ledger entries are merged into one file when there are more than this many.
_LEDGER_COMPACT_ENTRIES = 64


def _is_regular_local_file(path: str) -> bool:
    """Local FIFOs, sockets and devices are never read: opening one can block."""
    if "://" in path:
        return True
    try:
        return stat.S_ISREG(Path(path).stat().st_mode)
    except OSError:
        return False


def list_folder(folder: str) -> tuple[dict[str, FileStamp], list[str]]:
    """Every watched file below `folder` (hidden and temporary names left out),
    and the local entries that are not regular files (never read)."""
    prefix = folder.rstrip("/") + "/"
    try:
        matches = FileSystems.match([prefix + "**"])[0].metadata_list
    except OSError:  # the folder is gone or unreadable: nothing to read this time
        return {}, []
    found, not_regular = {}, []
    for metadata in matches:
        if not is_watched_name(metadata.path[len(prefix) :]):
            continue
        if not _is_regular_local_file(metadata.path):
            not_regular.append(metadata.path)
            continue
        found[metadata.path] = FileStamp(metadata.size_in_bytes, metadata.last_updated_in_seconds)
    return found, sorted(not_regular)


def _absolute(path: str) -> str:
    return path if "://" in path else str(Path(path).resolve())


def scan_lines(path: str, start: int, end: int) -> LineScan:
    """Count the newlines of bytes [start, end) of a file and find the last one."""
    newlines, last_line_end, position = 0, start, start
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
        stream.seek(start)
        while position < end:
            block = stream.read(min(_SCAN_BLOCK_BYTES, end - position))
            if not block:
                break
            newlines += block.count(b"\n")
            last = block.rfind(b"\n")
            if last >= 0:
                last_line_end = position + last + 1
            position += len(block)
    return LineScan(newlines, last_line_end)


class FolderPoller:
    """Lists a folder and tells which parts of its files are ready to read.

    A file has settled when its listing stayed the same for `settle_seconds`,
    or its modification time is that long ago.
    """

    def __init__(self, folder: str, settle_seconds: float, output: str | None = None) -> None:
        self._folder = folder
        self._settle_seconds = settle_seconds
        # An output folder inside the watched one is never input.
        self._output_prefix = _absolute(output).rstrip("/") + "/" if output else None
        self._first_seen: dict[str, tuple[FileStamp, float]] = {}
        self._not_regular: set[str] = set()

    def ready_parts(self, marks: dict[str, ReadMark]) -> list[FilePart]:
        """The parts to read next, sorted by path."""
        return self.poll(marks)[0]

    def poll(self, marks: dict[str, ReadMark]) -> tuple[list[FilePart], bool]:
        """The parts to read next, sorted by path, and whether a document that
        changed since it was read is still settling (it may belong with them)."""
        listing, not_regular = list_folder(self._folder)
        if self._output_prefix:
            listing = {
                path: stamp
                for path, stamp in listing.items()
                if not _absolute(path).startswith(self._output_prefix)
            }
        for path in set(not_regular) - self._not_regular:
            _LOG.warning("newsdedup watch: %s is not a regular file; not read", path)
        self._not_regular.update(not_regular)
        now = time.monotonic()
        self._first_seen = {
            path: self._first_seen[path]
            if path in self._first_seen and self._first_seen[path][0] == stamp
            else (stamp, now)
            for path, stamp in listing.items()
        }
        parts, settling = [], False
        for path, stamp in sorted(listing.items()):
            settled = (
                now - self._first_seen[path][1] >= self._settle_seconds
                or time.time() - stamp.mtime >= self._settle_seconds
            )
            mark = marks.get(path)
            part = self._next_part(path, stamp, mark, settled)
            if part is not None:
                parts.append(part)
            elif not settled and not is_line_format(path):
                settling = settling or mark is None or mark.stamp != stamp
        return parts, settling

    @staticmethod
    def _next_part(
        path: str, stamp: FileStamp, mark: ReadMark | None, settled: bool
    ) -> FilePart | None:
        if not is_line_format(path):
            return next_whole_part(path, stamp, mark, settled)
        start = line_read_start(stamp, mark)
        if start is None:
            return None
        try:
            scan = scan_lines(path, start, stamp.size)
        except OSError:  # removed since the listing
            return None
        return next_line_part(path, stamp, mark, scan, settled)


class ReadLedger:
    """What earlier micro-batches read, as one small JSON file per committed
    micro-batch under `folder` (written whole, through FileSystems, so a local
    folder and an object-store prefix work alike). Later entries win."""

    def __init__(self, folder: str) -> None:
        self._folder = folder.rstrip("/")

    def _entries(self) -> list[str]:
        try:
            matches = FileSystems.match([f"{self._folder}/*.json"])[0].metadata_list
        except OSError:
            return []
        return sorted(m.path for m in matches)

    def load(self) -> dict[str, ReadMark]:
        marks: dict[str, ReadMark] = {}
        entries = self._entries()
        for entry in entries:
            try:
                with FileSystems.open(entry) as stream:
                    marks.update(_marks_of(json.loads(stream.read())))
            except (OSError, ValueError, KeyError, TypeError):
                # A torn entry is a micro-batch never acknowledged: it is read again.
                _LOG.warning("newsdedup watch: unreadable ledger entry %s ignored", entry)
        if len(entries) > _LEDGER_COMPACT_ENTRIES:
            self.record(marks)
            FileSystems.delete(entries)
        return marks

    def record(self, marks: dict[str, ReadMark]) -> None:
        """Add one entry; it counts once it is complete under its final name."""
        entries = self._entries()
        number = int(entries[-1].rsplit("/", 1)[1].split(".")[0]) + 1 if entries else 1
        final = f"{self._folder}/{number:09d}.json"
        pending = f"{final}.pending"
        if not FileSystems.exists(self._folder):
            FileSystems.mkdirs(self._folder)
        with FileSystems.create(pending) as stream:
            stream.write(json.dumps(_marks_json(marks.items()), sort_keys=True).encode())
        FileSystems.rename([pending], [final])


def _marks_json(marks: Iterable[tuple[str, ReadMark]]) -> dict[str, Any]:
    return {path: asdict(mark) for path, mark in marks}


def _marks_of(data: dict[str, Any]) -> dict[str, ReadMark]:
    return {
        path: ReadMark(
            FileStamp(**fields["stamp"]), fields["consumed"], fields["complete"], fields["lines"]
        )
        for path, fields in data.items()
    }
