"""JSON Lines records to articles, or to rejects with a stable reason."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.textdocs import clean_text

EXCERPT_CHARS = 200
_OPTIONAL_STRING_FIELDS = ("title", "url", "source", "language")
# Every field an input record can name; `id` and `text` are required.
ARTICLE_FIELDS = ("id", "text", "title", "url", "source", "published_at", "language")
# Dates outside this range are typos or placeholder values, not publication times.
_EARLIEST_YEAR, _LATEST_YEAR = 1900, 2200


def excerpt(raw: str | bytes) -> str:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return text[:EXCERPT_CHARS]


def parse_timestamp(value: str) -> datetime | None:
    """ISO 8601 to an aware UTC datetime; naive times are UTC. None if unparseable
    or absurd."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    # Checked before conversion too: year 1 or 9999 would overflow on conversion.
    if not _EARLIEST_YEAR <= parsed.year <= _LATEST_YEAR:
        return None
    in_utc = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return in_utc if _EARLIEST_YEAR <= in_utc.year <= _LATEST_YEAR else None


def parse_jsonl_record(line: str, source_file: str, line_number: int) -> InputArticle | Reject:
    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(source_file, line_number, reason, detail, excerpt(line))

    try:
        record: Any = json.loads(line)
    except json.JSONDecodeError as error:
        return reject(
            RejectReason.MALFORMED_JSON, f"invalid JSON: {error.msg} at column {error.colno}"
        )
    except RecursionError:
        return reject(RejectReason.MALFORMED_JSON, "invalid JSON: nested too deeply")
    except ValueError as error:  # e.g. an integer longer than Python converts
        return reject(RejectReason.MALFORMED_JSON, f"invalid JSON: {error}"[:200])
    if not isinstance(record, dict):
        return reject(
            RejectReason.NOT_AN_OBJECT, f"expected a JSON object, got {type(record).__name__}"
        )
    return article_from_fields(record, source_file, line_number, excerpt(line))


def article_from_fields(
    record: Mapping[str, Any], source_file: str, line_number: int, raw_excerpt: str
) -> InputArticle | Reject:
    """An article from its named fields (JSON object keys, table columns), or a reject.

    `id` and `text` are required strings; `title`, `url`, `source`, `published_at`
    and `language` are optional strings.
    """

    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(source_file, line_number, reason, detail, raw_excerpt)

    article_id = record.get("id")
    if article_id is None or article_id == "":
        return reject(RejectReason.MISSING_ID, "field 'id' is missing or empty")
    if not isinstance(article_id, str):
        return reject(
            RejectReason.WRONG_TYPE, f"field 'id' must be a string, got {type(article_id).__name__}"
        )
    if "text" not in record or record["text"] is None:
        return reject(RejectReason.MISSING_TEXT, "field 'text' is missing")
    for name in ("text", "published_at", *_OPTIONAL_STRING_FIELDS):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            return reject(
                RejectReason.WRONG_TYPE,
                f"field '{name}' must be a string, got {type(value).__name__}",
            )
    text = clean_text(record["text"])
    if not text:
        return reject(RejectReason.EMPTY_TEXT, "field 'text' is empty or whitespace only")

    raw_time = record.get("published_at")
    published_at = parse_timestamp(raw_time) if raw_time else None

    def optional(name: str) -> str | None:
        value = record.get(name)
        return clean_text(value) or None if isinstance(value, str) else None

    return InputArticle(
        article_id=article_id,
        text=text,
        title=optional("title"),
        url=optional("url"),
        source=optional("source"),
        published_at=published_at,
        language_hint=optional("language"),
        parent_id=None,
        source_file=source_file,
        line=line_number,
        timestamp_invalid=bool(raw_time) and published_at is None,
        # "2024-03-14" (or "20240314"): a day, no time of day.
        date_only=published_at is not None and len(str(raw_time).strip()) in (8, 10),
    )
