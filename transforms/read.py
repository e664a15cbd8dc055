"""Reading input files into articles, with a dead-letter output for bad records."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from schemas.records import InputArticle, Reject, RejectReason
from transforms.core.feeds import parse_feed
from transforms.core.html import PageOrigin, parse_html_page
from transforms.core.jsonl import excerpt, parse_jsonl_record
from transforms.core.tables import ColumnMapping, parse_csv_stream, parse_parquet_stream
from transforms.core.textdocs import parse_text_document
from transforms.core.warc import parse_warc_stream

REJECTS_TAG = "rejects"
RECORDS_READ_COUNTER = "records_read"
JSONL_EXTENSIONS = frozenset({".jsonl", ".ndjson"})
TEXT_EXTENSIONS = frozenset({".txt", ".text"})
HTML_EXTENSIONS = frozenset({".html", ".htm"})
FEED_EXTENSIONS = frozenset({".xml", ".rss", ".atom"})
WARC_EXTENSIONS = frozenset({".warc", ".warc.gz"})
TABLE_PARSERS = {".parquet": parse_parquet_stream, ".csv": parse_csv_stream}
# A feed file is parsed whole, at about 0.1 to 1 MB/s (feedparser; scripts/adversarial.py):
# it may hold at most this many records of the size limit.
FEED_FILE_RECORDS = 8
_UTF8_BOM = b"\xef\xbb\xbf"
# How much of a text file is inspected for NUL bytes, the mark of a binary file.
_BINARY_SNIFF_BYTES = 8192
_BINARY_DETAIL = "NUL bytes: not a text file"


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


def _reject(
    path: str, line: int | None, reason: RejectReason, detail: str, raw: bytes = b""
) -> Reject:
    return Reject(path, line, reason, detail, excerpt(raw))


def parse_jsonl_stream(
    lines: Iterable[bytes], path: str, max_record_bytes: int
) -> Iterator[InputArticle | Reject]:
    """Articles and rejects of a JSON Lines byte stream; blank lines are skipped."""
    seen_any = False
    for number, raw_line in enumerate(lines, start=1):
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
    if not seen_any:
        yield _reject(path, None, RejectReason.EMPTY_FILE, "the file holds no record")


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


class ParseFileFn(beam.DoFn):
    """One input file to articles; bad records go to the `rejects` output."""

    def __init__(self, max_record_bytes: int, columns: ColumnMapping | None = None) -> None:
        self._max_record_bytes = max_record_bytes
        self._columns = columns or ColumnMapping()
        # Every record parsed, article or reject: a newsblog entry is a record.
        self._records = Metrics.counter("newsdedup", RECORDS_READ_COUNTER)

    def process(self, path: str) -> Iterator[InputArticle | TaggedOutput]:
        try:
            for result in self._parse(path):
                yield self._route(result)
        except OSError as error:
            yield self._route(
                _reject(path, None, RejectReason.UNREADABLE_FILE, f"cannot read: {error}")
            )

    def _parse(self, path: str) -> Iterator[InputArticle | Reject]:
        extension = extension_of(path)
        limit = self._max_record_bytes
        if extension in JSONL_EXTENSIONS:
            with FileSystems.open(path) as stream:
                # Line by line, so that a large file is never held in memory whole.
                yield from parse_jsonl_stream(stream, path, limit)
        elif extension in TEXT_EXTENSIONS:
            yield from parse_text_bytes(_read_head(path, limit + 1), path, limit)
        elif extension in HTML_EXTENSIONS:
            yield parse_html_bytes(_read_head(path, limit + 1), path, limit)
        elif extension in FEED_EXTENSIONS:
            yield from parse_feed_bytes(
                _read_head(path, limit * FEED_FILE_RECORDS + 1), path, limit
            )
        elif extension in WARC_EXTENSIONS:
            # Raw bytes: warcio reads gzip members itself and reports their offsets.
            with _open_raw(path) as stream:
                yield from parse_warc_stream(stream, path, limit)
        elif extension in TABLE_PARSERS:
            with _open_raw(path) as stream:
                yield from TABLE_PARSERS[extension](stream, path, self._columns, limit)
        else:
            detail = f"unsupported file extension {extension or '(none)'!r}"
            yield _reject(path, None, RejectReason.UNSUPPORTED_FORMAT, detail)

    def _route(self, result: InputArticle | Reject) -> InputArticle | TaggedOutput:
        self._records.inc()
        if isinstance(result, Reject):
            Metrics.counter("newsdedup", f"rejected_{result.reason.value}").inc()
            return TaggedOutput(REJECTS_TAG, result)
        return result


class ReadArticles(beam.PTransform):
    """Paths of input files -> articles (main output) and rejects (`rejects`)."""

    def __init__(
        self, paths: list[str], max_record_bytes: int, columns: ColumnMapping | None = None
    ) -> None:
        super().__init__()
        self._paths = sorted(set(paths))
        self._max_record_bytes = max_record_bytes
        self._columns = columns or ColumnMapping()

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.pvalue.DoOutputsTuple:
        return (
            pbegin
            | "InputFiles" >> beam.Create(self._paths)
            # Spread files over workers before the expensive parse.
            | "SpreadFiles" >> beam.Reshuffle()
            | "ParseFiles"
            >> beam.ParDo(ParseFileFn(self._max_record_bytes, self._columns)).with_outputs(
                REJECTS_TAG, main="articles"
            )
        )
