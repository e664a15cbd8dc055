"""Exact re-deliveries and id conflicts: one article per id.

Only ids, content hashes and record origins travel through the shuffle; the
verdicts (for the rare ids seen more than once) come back as a side input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from schemas.records import InputArticle, Reject, RejectReason
from transforms.core.jsonl import excerpt
from transforms.core.normalize import content_hash
from transforms.read import REJECTS_TAG

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


class _SplitByVerdictFn(beam.DoFn):
    def __init__(self) -> None:
        self._redeliveries = Metrics.counter("newsdedup", "exact_redeliveries")
        self._conflicts = Metrics.counter("newsdedup", f"rejected_{RejectReason.ID_CONFLICT.value}")

    def process(
        self, article: InputArticle, kept: dict[str, RecordOrigin]
    ) -> Iterator[InputArticle | TaggedOutput]:
        winner = kept.get(article.article_id)
        if winner is None:
            yield article
            return
        origin = record_origin(article)
        if origin == winner:
            yield article
        elif origin[0] == winner[0]:
            self._redeliveries.inc()
        else:
            self._conflicts.inc()
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
            yield TaggedOutput(
                REJECTS_TAG,
                Reject(
                    article.source_file,
                    article.line,
                    RejectReason.ID_CONFLICT,
                    detail,
                    excerpt(article.text),
                ),
            )


class DropRedeliveries(beam.PTransform):
    """Articles -> one article per id (main) and id conflicts (`rejects`).

    Records with the same id and content are re-deliveries: all but one are
    dropped and counted. Records with the same id and different content keep
    one deterministically; the others are rejected as `id_conflict`. `written`
    holds (article_id, content_hash) of articles in OUT that share an id with
    this run's records: those are kept, and records of them are re-deliveries
    or conflicts.
    """

    def __init__(self, written: beam.PCollection) -> None:
        super().__init__()
        self._written = written

    def expand(self, articles: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        kept = (
            (
                articles | "KeyOriginById" >> beam.Map(lambda a: (a.article_id, record_origin(a))),
                self._written
                | "KeyWrittenById"
                >> beam.MapTuple(lambda article_id, content: (article_id, written_origin(content))),
            )
            | "AllOrigins" >> beam.Flatten()
            | "GroupOriginsById" >> beam.GroupByKey()
            | "ChooseKept" >> beam.Map(lambda kv: (kv[0], choose_kept(kv[1])))
            | "OnlyRepeatedIds" >> beam.Filter(lambda kv: kv[1] is not None)
        )
        return articles | "SplitByVerdict" >> beam.ParDo(
            _SplitByVerdictFn(), kept=beam.pvalue.AsDict(kept)
        ).with_outputs(REJECTS_TAG, main="articles")
