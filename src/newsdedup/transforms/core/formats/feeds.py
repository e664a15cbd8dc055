"""RSS and Atom feeds to articles, one per item, by feedparser.

feedparser is given the bytes as a stream, never a string: a string or bytes
value that looks like a URL or a file name would be downloaded or opened. Its
XML parser has external entities switched off, and feedparser drops entity
declarations from the DOCTYPE before parsing, so neither `file:` nor `http:`
entities are ever resolved (tests/transforms/core/formats/test_feeds.py checks both).
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.html import html_fragment_text
from newsdedup.transforms.core.formats.jsonl import excerpt, parse_timestamp
from newsdedup.transforms.core.formats.textdocs import clean_text

__all__ = ["parse_feed"]

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def _text_of(detail: Any, fallback: str) -> str:
    """Readable text of a feedparser content or text construct."""
    value = detail.get("value", fallback) if detail else fallback
    kind = detail.get("type", "text/html") if detail else "text/html"
    return html_fragment_text(value) if kind in _HTML_TYPES else clean_text(value)


def _timestamp(entry: Any) -> tuple[datetime | None, bool]:
    """(publication time in UTC, whether a given time was unusable)."""
    for name in ("published", "updated"):
        if not entry.get(name):
            continue
        parsed: time.struct_time | None = entry.get(f"{name}_parsed")
        if parsed is None:
            return None, True
        value = parse_timestamp(datetime(*parsed[:6], tzinfo=UTC).isoformat())
        return value, value is None
    return None, False


def _entry_article(
    entry: Any, number: int, source: str | None, path: str, max_record_bytes: int
) -> InputArticle | Reject:
    raw = "\n".join(str(entry.get(k, "")) for k in ("id", "link", "title", "summary"))

    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(path, number, reason, detail, excerpt(raw))

    # A link feedparser made up from a guid is not in `links`.
    links = [link["href"] for link in entry.get("links", []) if link.get("rel") == "alternate"]
    url = clean_text(links[0]) if links else None
    article_id = clean_text(entry.get("id") or "") or url
    if not article_id:
        return reject(RejectReason.MISSING_ID, "the item has neither a guid/id nor a link")
    # content:encoded (RSS) or <content> (Atom) carries the full text; else the summary.
    contents = entry.get("content") or []
    detail = contents[0] if contents else entry.get("summary_detail")
    raw_body = detail.get("value", "") if detail else entry.get("summary", "")
    if not raw_body:
        return reject(RejectReason.MISSING_TEXT, "the item has no content and no summary")
    if len(raw_body.encode("utf-8")) > max_record_bytes:
        return reject(
            RejectReason.TOO_LARGE, f"item content exceeds the limit of {max_record_bytes} bytes"
        )
    text = _text_of(detail, raw_body)
    if not text:
        return reject(RejectReason.EMPTY_TEXT, "the item's content is empty or markup only")
    published_at, timestamp_invalid = _timestamp(entry)
    title = _text_of(entry.get("title_detail"), entry.get("title", "")) or None
    return InputArticle(
        article_id=article_id,
        text=text,
        title=title,
        url=url,
        source=source,
        published_at=published_at,
        language_hint=(detail or {}).get("language") or None,
        source_file=path,
        line=number,
        timestamp_invalid=timestamp_invalid,
    )


def parse_feed(data: bytes, path: str, max_record_bytes: int) -> Iterator[InputArticle | Reject]:
    """Articles of an RSS or Atom feed; `line` is the item's 1-based number in the feed."""
    try:
        parsed = feedparser.parse(
            io.BytesIO(data), resolve_relative_uris=False, sanitize_html=False
        )
    except Exception as error:  # feedparser's fallback parser is lenient but not infallible
        detail = f"not a readable feed: {error!r}"[:200]
        yield Reject(path, None, RejectReason.MALFORMED_RECORD, detail, excerpt(data))
        return
    if not parsed.entries:
        if parsed.version:
            yield Reject(path, None, RejectReason.EMPTY_FILE, "the feed has no items", "")
        else:
            problem = parsed.get("bozo_exception") or "no RSS or Atom structure found"
            yield Reject(
                path,
                None,
                RejectReason.MALFORMED_RECORD,
                f"not a readable feed: {problem}"[:200],
                excerpt(data),
            )
        return
    source = clean_text(parsed.feed.get("title", "")) or None
    for number, entry in enumerate(parsed.entries, start=1):
        yield _entry_article(entry, number, source, path, max_record_bytes)
