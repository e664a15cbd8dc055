"""WARC files (CC-NEWS crawls) to articles, by warcio: one per HTML response.

Each HTML response with a 2xx status is extracted like an HTML page
(newsdedup.transforms.core.formats.html); its id and fallback URL are the record's
WARC-Target-URI, its fallback date the WARC-Date. `line` is the record's byte
offset in the file (in the compressed file for .warc.gz), the offset
`warcio extract FILE OFFSET` takes. warcinfo, request, metadata and revisit
records describe the crawl, not pages: they are skipped and not counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.html import PageOrigin, parse_html_page
from newsdedup.transforms.core.formats.jsonl import excerpt, parse_timestamp

__all__ = ["parse_warc_stream"]

_PAGE_RECORD_TYPES = frozenset({"response", "resource"})
_HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")


def _content_type(record: Any) -> str:
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    return (headers.get_header("Content-Type") or "").split(";")[0].strip().lower()


def _page(
    record: Any, offset_of: Callable[[], int], path: str, max_record_bytes: int
) -> InputArticle | Reject:
    """The article of a response record. `offset_of` gives the record's offset once
    its payload has been read (warcio skips to the record's end to find it)."""
    target = record.rec_headers.get_header("WARC-Target-URI") or None
    head = f"{record.rec_type} {target or ''}"

    def reject(reason: RejectReason, detail: str, raw: bytes = b"") -> Reject:
        return Reject(path, offset_of(), reason, detail, excerpt(f"{head}\n".encode() + raw))

    status = record.http_headers.get_statuscode() if record.http_headers is not None else "200"
    if not status.startswith("2"):
        return reject(RejectReason.NOT_AN_ARTICLE, f"HTTP status {status}, not a page")
    content_type = _content_type(record)
    if content_type not in _HTML_CONTENT_TYPES:
        return reject(RejectReason.NOT_AN_ARTICLE, f"content type {content_type!r}, not HTML")
    record_id = target or record.rec_headers.get_header("WARC-Record-ID")
    if not record_id:
        return reject(RejectReason.MISSING_ID, "no WARC-Target-URI and no WARC-Record-ID")
    try:
        data = record.content_stream().read(max_record_bytes + 1)
    except Exception as error:  # chunked or compressed payloads can be broken in many ways
        return reject(RejectReason.MALFORMED_RECORD, f"cannot decode the payload: {error!r}")
    if len(data) > max_record_bytes:
        return reject(
            RejectReason.TOO_LARGE,
            f"page larger than the limit of {max_record_bytes} bytes",
            data[:256],
        )
    warc_date = record.rec_headers.get_header("WARC-Date")
    origin = PageOrigin(
        article_id=record_id,
        source_file=path,
        line=offset_of(),
        url=target,
        fetched_at=parse_timestamp(warc_date) if warc_date else None,
    )
    return parse_html_page(data, origin)


def parse_warc_stream(
    stream: IO[bytes], path: str, max_record_bytes: int
) -> Iterator[InputArticle | Reject]:
    """Articles of a WARC stream (plain or record-wise gzipped). A broken record
    ends the file with one `malformed_record` reject at the end of the last good
    record; the records before it are kept."""
    records = ArchiveIterator(stream)
    # Where the next record starts: the end of the last one read whole.
    next_offset = 0
    seen_any = False
    try:
        for record in records:
            seen_any = True
            if record.rec_type in _PAGE_RECORD_TYPES:
                yield _page(record, records.get_record_offset, path, max_record_bytes)
            next_offset = records.get_record_offset() + records.get_record_length()
    except Exception as error:  # warcio fails in many ways on broken input
        detail = f"unreadable WARC record: {error!r}".splitlines()[0][:200]
        yield Reject(path, next_offset, RejectReason.MALFORMED_RECORD, detail, "")
        return
    if not seen_any:
        yield Reject(path, None, RejectReason.EMPTY_FILE, "the file holds no WARC record", "")
