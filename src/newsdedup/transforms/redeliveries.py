"""Exact re-deliveries and id conflicts: one article per id.

Only ids, content hashes and record origins travel through the shuffle; the
verdicts (for the rare ids seen more than once) come back as a side input,
while the articles wait for them on disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.typehints.decorators import no_annotations

from newsdedup.schemas.records import InputArticle, RecordBatch, Reject, RejectReason
from newsdedup.transforms.core.formats.jsonl import excerpt
from newsdedup.transforms.core.signals.normalize import content_hash
from newsdedup.transforms.io.filesystems import LOCAL_FILES, FileAccess
from newsdedup.transforms.io.read import ARTICLES_TAG, REJECTS_TAG
from newsdedup.transforms.runtime.batches import RECORD_BATCH
from newsdedup.transforms.runtime.routing import Routed, SplitRoutes
from newsdedup.transforms.runtime.shards import GroupInShards
from newsdedup.transforms.runtime.spill import ParkedBatchFn, ParkedParDo

# (content hash, source file, line): a record's identity, ordered so that the
# kept record does not depend on input order.
RecordOrigin = tuple[str, str, int]
# The line of an article an earlier run wrote to OUT.
WRITTEN_LINE = -1


def record_origin(article: InputArticle) -> RecordOrigin:
    return (content_hash(article.text), article.source_file, article.line or 0)


def written_origin(content: str) -> RecordOrigin:
    return (content, "", WRITTEN_LINE)


def choose_kept(origins: Iterable[RecordOrigin]) -> RecordOrigin | None:
    """The record kept for an id seen several times (None if seen once): an
    article already written wins (it is never changed), else the smallest
    content hash, then the first origin."""
    ordered = sorted(origins, key=lambda origin: (origin[2] != WRITTEN_LINE, origin))
    return ordered[0] if len(ordered) > 1 else None


def repeated_ids(origins: dict[str, list[RecordOrigin]]) -> Iterator[tuple[str, RecordOrigin]]:
    """Origins by id (of one shard of ids) -> (id, kept origin) of the ids seen
    twice or more."""
    for article_id, seen in origins.items():
        kept = choose_kept(seen)
        if kept is not None:
            yield article_id, kept


class _SplitByVerdictFn(ParkedBatchFn):
    def __init__(self, files: FileAccess) -> None:
        super().__init__(files)
        self._redeliveries = Metrics.counter("newsdedup", "exact_redeliveries")
        self._conflicts = Metrics.counter("newsdedup", f"rejected_{RejectReason.ID_CONFLICT.value}")

    def process_records(
        self, batch: list[InputArticle], kept: dict[str, RecordOrigin]
    ) -> Iterator[Routed]:
        unique = RecordBatch()
        for article in batch:
            winner = kept.get(article.article_id)
            if winner is None:
                unique.append(article)
                continue
            origin = record_origin(article)
            if origin == winner:
                unique.append(article)
            elif origin[0] == winner[0]:
                self._redeliveries.inc()
            else:
                self._conflicts.inc()
                yield Routed(REJECTS_TAG, _conflict(article, winner))
        if unique:
            yield Routed(ARTICLES_TAG, unique)


def _conflict(article: InputArticle, winner: RecordOrigin) -> Reject:
    if winner[2] == WRITTEN_LINE:
        detail = (
            f"id {article.article_id!r} was written by an earlier run with other "
            "content; written articles are never changed"
        )
    else:
        detail = (
            f"id {article.article_id!r} also at {winner[1]}:{winner[2]} with other "
            "content; that record was kept"
        )
    return Reject(
        article.source_file,
        article.line,
        RejectReason.ID_CONFLICT,
        detail,
        excerpt(article.text),
    )


class UniqueArticles(NamedTuple):
    """What DropRedeliveries makes."""

    articles: beam.PCollection  # lists with one article per id
    rejects: beam.PCollection  # Reject: id conflicts


class DropRedeliveries(beam.PTransform):
    """{"articles": lists of articles, "written": (article_id, content_hash) of
    articles in OUT} -> UniqueArticles: lists with one article per id, and id
    conflicts.

    Records with the same id and content are re-deliveries: all but one are
    dropped and counted. Records with the same id and different content keep
    one deterministically; the others are rejected as `id_conflict`. `written`
    holds the articles in OUT that share an id with this run's records: those
    are kept, and records of them are re-deliveries or conflicts. Ids and
    content hashes travel in lists per shard of ids (GroupInShards); the articles wait for the
    verdicts spilled to files in `spill_folder` (see
    newsdedup.transforms.runtime.spill).
    """

    def __init__(self, spill_folder: str, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__()
        self._spill_folder = spill_folder
        self._files = files

    @no_annotations  # a dict or NamedTuple of PCollections: no element type for Beam
    def expand(self, inputs: dict[str, beam.PCollection]) -> UniqueArticles:
        articles = inputs["articles"]
        kept = (
            (
                articles
                | "IdOrigins"
                >> beam.Map(lambda batch: [(a.article_id, record_origin(a)) for a in batch]),
                inputs["written"]
                | "WrittenOrigins"
                >> beam.MapTuple(
                    lambda article_id, content: [(article_id, written_origin(content))]
                ),
            )
            | "AllOrigins" >> beam.Flatten()
            | "OriginsById" >> GroupInShards()
            | "RepeatedIds" >> beam.FlatMap(repeated_ids)
        )
        verdicts = (
            articles
            | "SplitByVerdict"
            >> ParkedParDo(
                _SplitByVerdictFn(self._files),
                self._spill_folder,
                self._files,
                kept=beam.pvalue.AsDict(kept),
            )
            | "RouteVerdicts"
            >> SplitRoutes([ARTICLES_TAG, REJECTS_TAG], types={ARTICLES_TAG: RECORD_BATCH})
        )
        return UniqueArticles(verdicts[ARTICLES_TAG], verdicts[REJECTS_TAG])
