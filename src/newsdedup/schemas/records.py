"""Typed records that flow between the steps of the pipeline.

They are plain frozen dataclasses so that the pure core functions can build and
test them without Beam, and Beam can pickle them between workers.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any, TypeVar

RecordType = TypeVar("RecordType", bound=type)


def record(cls: RecordType) -> RecordType:
    """A frozen slots dataclass that pickles as (class, field values).

    The pickling that dataclasses generate for frozen slots classes looks the
    fields up again for every object; Beam pickles every record each time it
    crosses a stage, so this is most of the cost of moving records otherwise.
    """
    names = [f.name for f in fields(cls)]
    getter = attrgetter(*names)
    values: Callable[[Any], tuple[Any, ...]] = (
        (lambda obj: (getter(obj),)) if len(names) == 1 else getter
    )

    def reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = reduce  # type: ignore[assignment]
    return cls


class RecordBatch(list[Any]):
    """Records of one kind that move between steps as one element.

    Beam's cost per element (coding, dispatch) is then paid once per batch, and
    a batch that waits for a side input is held compressed (newsdedup.transforms.runtime.batches).
    """


class RejectReason(enum.StrEnum):
    """Stable codes for input records that cannot become articles."""

    MALFORMED_JSON = "malformed_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_ID = "missing_id"
    MISSING_TEXT = "missing_text"
    EMPTY_TEXT = "empty_text"
    WRONG_TYPE = "wrong_type"
    INVALID_UTF8 = "invalid_utf8"
    BINARY_FILE = "binary_file"
    EMPTY_FILE = "empty_file"
    TOO_LARGE = "too_large"
    ID_CONFLICT = "id_conflict"
    UNSUPPORTED_FORMAT = "unsupported_format"
    UNREADABLE_FILE = "unreadable_file"
    # A feed, WARC or table record (or whole file) its format's parser cannot read.
    MALFORMED_RECORD = "malformed_record"
    # A WARC response that is not an HTML page with status 2xx (redirect, error, image).
    NOT_AN_ARTICLE = "not_an_article"
    # A FIFO, device or socket: opening one can block for ever, so it is never opened.
    NOT_A_REGULAR_FILE = "not_a_regular_file"


@record
@dataclass(frozen=True, slots=True)
class Reject:
    """An input record that could not become an article, and why."""

    source_file: str
    line: int | None
    reason: RejectReason
    detail: str
    excerpt: str


@record
@dataclass(frozen=True, slots=True)
class InputArticle:
    """One article as parsed from input, before any analysis.

    `text` is the readable body (Unicode NFC, whitespace tidied, paragraphs kept
    as blank-line separated blocks). `published_at` is timezone-aware UTC.
    """

    article_id: str
    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    language_hint: str | None = None
    parent_id: str | None = None
    source_file: str = ""
    line: int | None = None
    timestamp_invalid: bool = False
    # `published_at` gives the day only (at 00:00 UTC): a newsblog entry without a
    # time of day, a text file's date line. Such articles sort after the timed
    # ones of their day (newsdedup.transforms.core.formats.rows.publication_order).
    date_only: bool = False


@record
@dataclass(frozen=True, slots=True)
class ArticleSketch:
    """What clustering needs of an article: ids, times and signatures, no text.

    `article_key` is a 63-bit hash of `article_id`, used as a compact
    deterministic key in shuffles. `fingerprints` are the passage fingerprints
    (see newsdedup.transforms.core.signals.fingerprints): sorted little-endian uint64 values.
    `entities` are the hashes of
    the lead's names and numbers (see newsdedup.transforms.core.signals.entities), sorted uint64,
    and `entity_weights` their rarity weights in the corpus (float32, same
    order; empty: every entity weighs 1). `signal_values` are the values of the
    signals that vote on their own (name, value; see
    newsdedup.transforms.core.signals.registry), empty when there are none.
    """

    article_key: int
    article_id: str
    published_ts: float | None
    language: str
    content_hash: str
    text_length: int
    signature: bytes
    fingerprints: bytes
    entities: bytes = b""
    entity_weights: bytes = b""
    date_only: bool = False  # published_ts is a day's midnight (InputArticle.date_only)
    signal_values: tuple[tuple[str, bytes], ...] = ()


@record
@dataclass(frozen=True, slots=True)
class ShingledArticle:
    """An article after language detection and shingling, before signing.

    `raw_signature` is the MinHash signature and `raw_fingerprints` (sorted
    little-endian uint64) the passage fingerprints of the whole text, site
    boilerplate included. Signing keeps them for a page without any of its
    site's boilerplate; for a page with some, it signs `shingle_hashes` (the
    text's shingle hashes in text order, little-endian uint64) without the
    boilerplate's windows.
    """

    article: InputArticle
    article_key: int
    language: str
    language_probability: float | None
    content_hash: str
    site_key: int
    raw_signature: bytes
    raw_fingerprints: bytes
    shingle_hashes: bytes
    entities: bytes
    signal_values: tuple[tuple[str, bytes], ...] = ()  # as ArticleSketch.signal_values


@record
@dataclass(frozen=True, slots=True)
class AnalyzedArticle:
    """An article with everything computed from its text; its key, language and
    content hash are those of its sketch."""

    article: InputArticle
    language_probability: float | None
    sketch: ArticleSketch
    # Fingerprints and lead entities before site boilerplate was taken out: what
    # is stored, so that later runs count the site's boilerplate as this one did.
    raw_fingerprints: bytes = b""
    raw_entities: bytes = b""


@record
@dataclass(frozen=True, slots=True)
class ArticleAssignment:
    """The clustering result for one article."""

    article_id: str
    dup_group_id: str
    story_id: str
    is_canonical: bool
    exact_duplicate_of: str | None
    # A deferred entity link of a stream: the story this article's story joins
    # once the link settles (see newsdedup.transforms.core.decide.clustering.cluster).
    pending_story_id: str | None = None


@record
@dataclass(frozen=True, slots=True)
class KnownArticle:
    """An article written by an earlier run, as an incremental run reads it back:
    its sketch, the ids it was given (`story_id` is its story's current id,
    after any later merges) and its site (see newsdedup.transforms.core.signals.analysis.site_key),
    so that site boilerplate is learnt over earlier runs' articles too."""

    sketch: ArticleSketch
    dup_group_id: str
    story_id: str
    site_key: int = 0
    pending_story_id: str | None = None
