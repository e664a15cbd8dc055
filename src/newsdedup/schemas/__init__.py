"""Record types and Parquet schemas of newsdedup: the one place where they are defined."""

from newsdedup.schemas.parquet import (
    ARTICLES_SCHEMA,
    REJECTS_SCHEMA,
    SCHEMA_VERSION,
    STORIES_SCHEMA,
)
from newsdedup.schemas.records import (
    AnalyzedArticle,
    ArticleAssignment,
    ArticleSketch,
    InputArticle,
    Reject,
    RejectReason,
)

__all__ = [
    "ARTICLES_SCHEMA",
    "REJECTS_SCHEMA",
    "SCHEMA_VERSION",
    "STORIES_SCHEMA",
    "AnalyzedArticle",
    "ArticleAssignment",
    "ArticleSketch",
    "InputArticle",
    "Reject",
    "RejectReason",
]
