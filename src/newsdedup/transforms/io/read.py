"""Reading input files into articles, with a dead-letter output for bad records."""

from __future__ import annotations

import posixpath
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Protocol

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.typehints.decorators import no_annotations

from newsdedup.schemas.records import InputArticle, RecordBatch, Reject, RejectReason
from newsdedup.transforms.core.formats.feeds import parse_feed
from newsdedup.transforms.core.formats.html import PageOrigin, parse_html_page
from newsdedup.transforms.core.formats.jsonl import excerpt, parse_jsonl_record
from newsdedup.transforms.core.formats.tables import (
    ColumnMapping,
    parse_csv_stream,
    parse_parquet_stream,
)
from newsdedup.transforms.core.formats.textdocs import parse_text_document
from newsdedup.transforms.core.formats.warc import parse_warc_stream
from newsdedup.transforms.io.filesystems import LOCAL_FILES, FileAccess, FileDoFn
from newsdedup.transforms.runtime.batches import RECORD_BATCH
from newsdedup.transforms.runtime.routing import Routed, RoutedOutputs, SplitRoutes

ARTICLES_TAG = "articles"
REJECTS_TAG = "rejects"
RECORDS_READ_COUNTER = "records_read"
JSONL_EXTENSIONS = frozenset({".jsonl", ".ndjson"})
TEXT_EXTENSIONS = frozenset({".txt", ".text"})
# A feed file is parsed whole, at about 0.1 to 1 MB/s (feedparser; scripts/adversarial.py):
# it may hold at most this many records of the size limit.
FEED_FILE_RECORDS = 8
_UTF8_BOM = b"\xef\xbb\xbf"
# How much of a text file is inspected for NUL bytes, the mark of a binary file.
_BINARY_SNIFF_BYTES = 8192
_BINARY_DETAIL = "NUL bytes: not a text file"
# JSON Lines files larger than this are parsed in ranges of about this size, by
# several workers at once.
JSONL_SPLIT_BYTES = 8 * 1024 * 1024


def extension_of(path: str) -> str:
    """The lower-case extension; `.warc.gz` counts as one."""
    lowered = path.lower()
    return ".warc.gz" if lowered.endswith(".warc.gz") else posixpath.splitext(lowered)[1]


def _read_head(path: str, size: int) -> bytes:
    with FileSystems.open(path) as stream:
        data: bytes = stream.read(size)
    return data


def _open_raw(path: str) -> BinaryIO:
    stream: BinaryIO = FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)
    return stream


def _not_regular_reject(path: str) -> Reject | None:
    """The reject of a local path that is not a regular file (a FIFO, a device,
    a socket), else None. It is never opened: opening a FIFO waits for a writer.
    Object stores hold regular objects only."""
    if FileSystems.get_scheme(path) is not None:
        return None
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return None  # parsing reports what is wrong with the path
    if stat.S_ISREG(mode):
        return None
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
    return _reject(path, None, RejectReason.NOT_A_REGULAR_FILE, f"{kind}, not a regular file")


def _reject(
    path: str, line: int | None, reason: RejectReason, detail: str, raw: bytes = b""
) -> Reject:
    return Reject(path, line, reason, detail, excerpt(raw))


def parse_jsonl_stream(
    lines: Iterable[bytes],
    path: str,
    max_record_bytes: int,
    first_line: int = 1,
    whole_file: bool = True,
) -> Iterator[InputArticle | Reject]:
    """Articles and rejects of a JSON Lines byte stream; blank lines are skipped.

    `lines` may be a range of a file that starts at line `first_line`; only a
    whole file without records is rejected as empty.
    """
    seen_any = False
    for number, raw_line in enumerate(lines, start=first_line):
        if number == 1 and b"\x00" in raw_line[:_BINARY_SNIFF_BYTES]:
            yield _reject(path, None, RejectReason.BINARY_FILE, _BINARY_DETAIL, raw_line[:64])
            return
        raw = raw_line.removeprefix(_UTF8_BOM) if number == 1 else raw_line
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue
        seen_any = True
        if len(raw) > max_record_bytes:
            yield _reject(
                path,
                number,
                RejectReason.TOO_LARGE,
                f"record of {len(raw)} bytes exceeds the limit of {max_record_bytes}",
                raw,
            )
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield _reject(
                path, number, RejectReason.INVALID_UTF8, f"invalid UTF-8 at byte {error.start}", raw
            )
            continue
        yield parse_jsonl_record(line, path, number)
    if not seen_any and whole_file:
        yield _reject(path, None, RejectReason.EMPTY_FILE, "the file holds no record")


# A part of an input file: path, first byte, end byte (-1: the whole file), and
# the number of its first line.
FileRange = tuple[str, int, int, int]
WHOLE_FILE_END = -1


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...
    def readline(self, size: int = -1, /) -> bytes: ...


def jsonl_ranges(stream: _Readable, split_bytes: int) -> Iterator[tuple[int, int, int]]:
    """(start, end, first line) of consecutive ranges of about `split_bytes`
    bytes that each begin at the start of a line, in one pass over `stream`."""
    start, line = 0, 1
    while True:
        block = stream.read(split_bytes)
        rest = stream.readline() if block and not block.endswith(b"\n") else b""
        if not block:
            return
        end = start + len(block) + len(rest)
        yield start, end, line
        line += block.count(b"\n") + rest.count(b"\n")
        start = end


def _range_lines(stream: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    stream.seek(start)
    position = start
    for raw_line in stream:
        if position >= end:
            return
        position += len(raw_line)
        yield raw_line


def whole_file(path: str) -> FileRange:
    return (path, 0, WHOLE_FILE_END, 1)


class SplitLargeFilesFn(FileDoFn):
    """FileRanges -> FileRanges: JSON Lines files or ranges larger than
    `split_bytes` in ranges that several workers parse at once, others as given."""

    def __init__(self, split_bytes: int, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__(files)
        self._split_bytes = split_bytes

    def process(self, part: FileRange) -> Iterator[FileRange]:
        path, start, end, first_line = part
        if extension_of(path) not in JSONL_EXTENSIONS or _not_regular_reject(path):
            yield part
            return
        try:
            if end == WHOLE_FILE_END:
                end = FileSystems.match([path])[0].metadata_list[0].size_in_bytes
            if end - start <= self._split_bytes:
                yield part
                return
            with _open_raw(path) as stream:
                if start == 0 and b"\x00" in stream.read(_BINARY_SNIFF_BYTES):
                    yield part  # a binary file is one reject, never split
                    return
                stream.seek(start)
                ranges = list(jsonl_ranges(_Bounded(stream, end - start), self._split_bytes))
        except (OSError, IndexError):
            yield part  # parsing reports what is wrong with the file
            return
        for range_start, range_end, line in ranges:
            yield path, start + range_start, start + range_end, first_line + line - 1


class _Bounded:
    """The first `size` bytes of a stream, for `jsonl_ranges`."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._left = size

    def read(self, size: int, /) -> bytes:
        data = self._stream.read(min(size, self._left))
        self._left -= len(data)
        return data

    def readline(self, size: int = -1, /) -> bytes:
        data = self._stream.readline(self._left) if self._left > 0 else b""
        self._left -= len(data)
        return data


def _document_reject(data: bytes, path: str, limit: int) -> Reject | None:
    """The reject of a whole-file document that is empty, too large or binary, else None."""
    if not data.strip():
        return _reject(path, None, RejectReason.EMPTY_FILE, "the file is empty", data)
    if len(data) > limit:
        detail = f"document larger than the limit of {limit} bytes"
        return _reject(path, None, RejectReason.TOO_LARGE, detail, data[:256])
    if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        return _reject(path, None, RejectReason.BINARY_FILE, _BINARY_DETAIL, data[:64])
    return None


def _document_id(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0]


def parse_text_bytes(data: bytes, path: str, max_record_bytes: int) -> list[InputArticle | Reject]:
    """Articles of one plain text document (several for a newsblog), or a reject."""
    rejected = _document_reject(data, path, max_record_bytes)
    if rejected:
        return [rejected]
    try:
        text = data.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as error:
        return [
            _reject(
                path, None, RejectReason.INVALID_UTF8, f"invalid UTF-8 at byte {error.start}", data
            )
        ]
    articles = parse_text_document(text, _document_id(path), path)
    if not articles:
        return [_reject(path, None, RejectReason.EMPTY_TEXT, "no text after the title line", data)]
    return list(articles)


def parse_html_bytes(data: bytes, path: str, max_record_bytes: int) -> InputArticle | Reject:
    """The article of one HTML page file (its id is the file name without extension)."""
    rejected = _document_reject(data, path, max_record_bytes)
    if rejected:
        return rejected
    return parse_html_page(data, PageOrigin(_document_id(path), path, None))


def parse_feed_bytes(
    data: bytes, path: str, max_record_bytes: int
) -> Iterator[InputArticle | Reject]:
    """Articles of one RSS or Atom feed file, read whole (up to FEED_FILE_RECORDS records)."""
    rejected = _document_reject(data, path, max_record_bytes * FEED_FILE_RECORDS)
    if rejected:
        yield rejected
        return
    yield from parse_feed(data, path, max_record_bytes)


@dataclass(frozen=True)
class FileToRead:
    """What a format's reader gets: the file, the size limit of one record, the
    columns of a table, and for a JSON Lines file read in ranges (start, end,
    number of the first line)."""

    path: str
    max_record_bytes: int
    columns: ColumnMapping
    byte_range: tuple[int, int, int] | None = None


def _read_jsonl(file: FileToRead) -> Iterator[InputArticle | Reject]:
    if file.byte_range is not None:
        start, end, first_line = file.byte_range
        with _open_raw(file.path) as stream:
            lines = _range_lines(stream, start, end)
            yield from parse_jsonl_stream(
                lines, file.path, file.max_record_bytes, first_line, whole_file=False
            )
        return
    with FileSystems.open(file.path) as stream:
        # Line by line, so that a large file is never held in memory whole.
        yield from parse_jsonl_stream(stream, file.path, file.max_record_bytes)


def _read_text(file: FileToRead) -> Iterator[InputArticle | Reject]:
    data = _read_head(file.path, file.max_record_bytes + 1)
    yield from parse_text_bytes(data, file.path, file.max_record_bytes)


def _read_html(file: FileToRead) -> Iterator[InputArticle | Reject]:
    data = _read_head(file.path, file.max_record_bytes + 1)
    yield parse_html_bytes(data, file.path, file.max_record_bytes)


def _read_feed(file: FileToRead) -> Iterator[InputArticle | Reject]:
    data = _read_head(file.path, file.max_record_bytes * FEED_FILE_RECORDS + 1)
    yield from parse_feed_bytes(data, file.path, file.max_record_bytes)


def _read_warc(file: FileToRead) -> Iterator[InputArticle | Reject]:
    # Raw bytes: warcio reads gzip members itself and reports their offsets.
    with _open_raw(file.path) as stream:
        yield from parse_warc_stream(stream, file.path, file.max_record_bytes)


TableParser = Callable[[IO[bytes], str, ColumnMapping, int], Iterator[InputArticle | Reject]]


def _table_reader(parse: TableParser) -> Callable[[FileToRead], Iterator[InputArticle | Reject]]:
    def read(file: FileToRead) -> Iterator[InputArticle | Reject]:
        with _open_raw(file.path) as stream:
            yield from parse(stream, file.path, file.columns, file.max_record_bytes)

    return read


# Every input format, by file extension (lower case; see extension_of): a new
# format is a reader in transforms/core/formats/ and a line here.
FORMATS: dict[str, Callable[[FileToRead], Iterator[InputArticle | Reject]]] = {
    **dict.fromkeys(JSONL_EXTENSIONS, _read_jsonl),
    **dict.fromkeys(TEXT_EXTENSIONS, _read_text),
    ".html": _read_html,
    ".htm": _read_html,
    ".xml": _read_feed,
    ".rss": _read_feed,
    ".atom": _read_feed,
    ".warc": _read_warc,
    ".warc.gz": _read_warc,
    ".parquet": _table_reader(parse_parquet_stream),
    ".csv": _table_reader(parse_csv_stream),
}


# Articles per list in the batch pipeline: large enough that Beam's per-element
# cost vanishes, small enough to spread over workers and keep bundles small.
ARTICLE_BATCH_SIZE = 256


class ParseFileFn(FileDoFn):
    """One input file to articles; bad records go to the `rejects` output."""

    def __init__(
        self,
        max_record_bytes: int,
        columns: ColumnMapping | None = None,
        files: FileAccess = LOCAL_FILES,
    ) -> None:
        super().__init__(files)
        self._max_record_bytes = max_record_bytes
        self._columns = columns or ColumnMapping()
        # Every record parsed, article or reject: a newsblog entry is a record.
        self._records = Metrics.counter("newsdedup", RECORDS_READ_COUNTER)

    def process(self, path: str) -> Iterator[Routed]:
        yield from self._parse_routed(path)

    def _parse_routed(
        self, path: str, byte_range: tuple[int, int, int] | None = None
    ) -> Iterator[Routed]:
        try:
            for result in self._parse(path, byte_range):
                yield self._route(result)
        except OSError as error:
            yield self._route(
                _reject(path, None, RejectReason.UNREADABLE_FILE, f"cannot read: {error}")
            )

    def _parse(
        self, path: str, byte_range: tuple[int, int, int] | None = None
    ) -> Iterator[InputArticle | Reject]:
        extension = extension_of(path)
        file_format = FORMATS.get(extension)
        not_regular = _not_regular_reject(path)
        if not_regular:
            yield not_regular
        elif file_format is None:
            detail = f"unsupported file extension {extension or '(none)'!r}"
            yield _reject(path, None, RejectReason.UNSUPPORTED_FORMAT, detail)
        else:
            yield from file_format(
                FileToRead(path, self._max_record_bytes, self._columns, byte_range)
            )

    def _route(self, result: InputArticle | Reject) -> Routed:
        self._records.inc()
        if isinstance(result, Reject):
            Metrics.counter("newsdedup", f"rejected_{result.reason.value}").inc()
            return Routed(REJECTS_TAG, result)
        return Routed(ARTICLES_TAG, result)


class ParseFileInBatchesFn(ParseFileFn):
    """One input file or range (FileRange) to lists of up to `batch_size`
    articles; rejects one by one.

    The batch pipeline moves articles in lists, so that Beam's cost per element
    (coding, dispatch) is paid once per list rather than once per article.
    """

    def __init__(
        self,
        max_record_bytes: int,
        columns: ColumnMapping | None,
        batch_size: int,
        files: FileAccess = LOCAL_FILES,
    ) -> None:
        super().__init__(max_record_bytes, columns, files)
        self._batch_size = batch_size

    def process(self, file_range: FileRange) -> Iterator[Routed]:  # type: ignore[override]
        path, start, end, first_line = file_range
        byte_range = None if end == WHOLE_FILE_END else (start, end, first_line)
        batch: list[InputArticle] = []
        for routed in self._parse_routed(path, byte_range):
            if routed.tag != ARTICLES_TAG:
                yield routed
                continue
            batch.append(routed.value)
            if len(batch) >= self._batch_size:
                yield Routed(ARTICLES_TAG, RecordBatch(batch))
                batch = []
        if batch:
            yield Routed(ARTICLES_TAG, RecordBatch(batch))


class ReadArticles(beam.PTransform):
    """Input files, or parts of them (FileRange), -> lists of articles (main
    output) and rejects (`rejects`)."""

    def __init__(
        self,
        paths: list[str] | list[FileRange],
        max_record_bytes: int,
        columns: ColumnMapping | None = None,
        batch_size: int = ARTICLE_BATCH_SIZE,
        split_bytes: int = JSONL_SPLIT_BYTES,
        files: FileAccess = LOCAL_FILES,
    ) -> None:
        super().__init__()
        self._files = files
        self._parts = sorted({whole_file(p) if isinstance(p, str) else p for p in paths})
        self._max_record_bytes = max_record_bytes
        self._columns = columns or ColumnMapping()
        self._batch_size = batch_size
        self._split_bytes = split_bytes

    @no_annotations  # a dict or NamedTuple of PCollections: no element type for Beam
    def expand(self, pbegin: beam.pvalue.PBegin) -> RoutedOutputs:
        return (
            pbegin
            | "InputFiles" >> beam.Create(self._parts)
            | "SplitLargeFiles" >> beam.ParDo(SplitLargeFilesFn(self._split_bytes, self._files))
            # Spread files and ranges over workers before the expensive parse.
            | "SpreadFiles" >> beam.Reshuffle()
            | "ParseFiles"
            >> beam.ParDo(
                ParseFileInBatchesFn(
                    self._max_record_bytes, self._columns, self._batch_size, self._files
                )
            )
            | "RouteParsed"
            >> SplitRoutes([ARTICLES_TAG, REJECTS_TAG], types={ARTICLES_TAG: RECORD_BATCH})
        )
