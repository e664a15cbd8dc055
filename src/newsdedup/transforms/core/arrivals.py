"""Which parts of a watched folder's files a micro-batch reads next.

`newsdedup watch` polls a folder and hands what arrived to one batch run at a
time. Two rules decide what is complete:

- JSON Lines files are append-only streams: every line that ends with a
  newline is a complete record and is read at once, wherever the writer is;
  what was read is remembered as a byte offset, so appended lines are read by
  a later micro-batch. A last line without a newline is read only once the
  file stopped changing (`settled`); if the file grows after that, the line
  is read again from its start (the fragment was a reject, the whole line is
  the record; a record read twice is an exact re-delivery).
- Every other file is one document (text, HTML, feed, WARC, Parquet, CSV): it
  is read once it stopped changing, and read again whole if it changes later.

A file that shrinks was replaced and is read again from its start.
"""

from __future__ import annotations

from dataclasses import dataclass

# Extensions whose files grow by whole lines and are read as they grow.
LINE_EXTENSIONS = frozenset({".jsonl", ".ndjson"})
# Names a writer uses while a file is incomplete; such files are never read.
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp")
WHOLE_FILE_END = -1


@dataclass(frozen=True)
class FileStamp:
    """A file as listed: its size and modification time."""

    size: int
    mtime: float


@dataclass(frozen=True)
class ReadMark:
    """How much of one file earlier micro-batches read.

    `consumed` bytes were read; the first `complete` of them end with a newline
    and hold `lines` lines (line formats; a whole file has complete == size).
    `stamp` is the file as it was listed when read.
    """

    stamp: FileStamp
    consumed: int
    complete: int
    lines: int


@dataclass(frozen=True)
class LineScan:
    """Newlines in the bytes of a file from some offset to its listed size."""

    newlines: int
    last_line_end: int  # the offset just after the last newline (the start when none)


@dataclass(frozen=True)
class FilePart:
    """A part of a file to read, and the mark once it is read."""

    path: str
    start: int
    end: int  # WHOLE_FILE_END: the whole file
    first_line: int
    mark: ReadMark

    @property
    def file_range(self) -> tuple[str, int, int, int]:
        return (self.path, self.start, self.end, self.first_line)


def is_watched_name(relative: str) -> bool:
    """Hidden files, files in hidden folders and temporary names are not input."""
    parts = relative.split("/")
    return not any(p.startswith(".") for p in parts) and not relative.endswith(TEMPORARY_SUFFIXES)


def is_line_format(path: str) -> bool:
    lowered = path.lower()
    return any(lowered.endswith(extension) for extension in LINE_EXTENSIONS)


def line_read_start(stamp: FileStamp, mark: ReadMark | None) -> int | None:
    """Where the next read of a line-format file starts, or None when nothing
    was appended since `mark`."""
    if mark is None or stamp.size < mark.consumed:
        return 0  # new, or replaced by a shorter file
    if stamp.size == mark.consumed:
        return None
    return mark.complete


def next_line_part(
    path: str, stamp: FileStamp, mark: ReadMark | None, scan: LineScan, settled: bool
) -> FilePart | None:
    """The complete lines appended to a line-format file since `mark` (and its
    last line without newline once `settled`); `scan` covers the bytes from
    `line_read_start` to `stamp.size`."""
    if mark is None and stamp.size == 0:
        # Read whole once settled, as a run reads it: an `empty_file` reject.
        return next_whole_part(path, stamp, mark, settled)
    start = line_read_start(stamp, mark)
    if start is None:
        return None
    lines_before = mark.lines if mark is not None and start > 0 else 0
    consumed_before = mark.consumed if mark is not None and start > 0 else 0
    end = stamp.size if settled else scan.last_line_end
    if end <= max(start, consumed_before):
        return None
    new_mark = ReadMark(stamp, end, scan.last_line_end, lines_before + scan.newlines)
    return FilePart(path, start, end, lines_before + 1, new_mark)


def next_whole_part(
    path: str, stamp: FileStamp, mark: ReadMark | None, settled: bool
) -> FilePart | None:
    """The whole document once it stopped changing, unless read as it is now."""
    if not settled or (mark is not None and mark.stamp == stamp):
        return None
    return FilePart(path, 0, WHOLE_FILE_END, 1, ReadMark(stamp, stamp.size, stamp.size, 0))
