"""Streaming story assignment as stateful DoFns (see transforms.core.streaming).

Input: analysed articles, each with its arrival time. Steps:

1. `DropStreamRedeliveries` (state keyed by article id): the first delivery of
   an id passes; the same text again is dropped and counted; another text
   under a known id is rejected as `id_conflict`.
2. `ProbeKeysFn` (state keyed by LSH band key, passage fingerprint or lead
   entity; ids only): reports each article's earlier key-mates.
3. `AssignStoriesFn` (the directory, one key; ids, signatures and story
   summaries, no text): decides each article once its reports are in.
4. `JoinAssignmentFn` (keyed by article id): the text-bearing article meets its
   assignment and becomes an article row.

Every state is bounded by an event-time horizon: an article leaves the state
when the watermark passes its publication time (arrival time when unknown)
plus `--horizon-hours`, through an event-time timer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import apache_beam as beam
import numpy as np
import pyarrow.parquet as pq
from apache_beam.coders import PickleCoder, StrUtf8Coder, VarIntCoder
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms import window
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import (
    BagStateSpec,
    ReadModifyWriteStateSpec,
    TimerSpec,
    on_timer,
)
from apache_beam.utils.timestamp import Timestamp

from schemas.records import ArrivedArticle, ArticleAssignment, Reject, RejectReason
from transforms.core.analysis import ArticleAnalyzer
from transforms.core.clustering import PairFacts
from transforms.core.config import DedupConfig
from transforms.core.jsonl import excerpt
from transforms.core.rows import (
    Row,
    RunContext,
    article_row,
    reject_row,
    story_row,
    written_article,
    written_assignment,
)
from transforms.core.signatures import LshBands, band_keys, signature_from_bytes
from transforms.core.streaming import (
    Directory,
    KeyMember,
    KeyMembers,
    KeyReport,
    ProbedArticle,
    StreamArticle,
    candidate_keys,
    decide,
    expire_directory,
    expire_key,
    expiry_micros,
    gather_reports,
    probe_key,
    stream_member,
)
from transforms.core.tables import ColumnMapping
from transforms.read import REJECTS_TAG, ParseFileFn

STORIES_TAG = "stories"
ARRIVALS_TAG = "arrivals"
DIRECTORY_KEY = "directory"


def state_expiry(arrived: ArrivedArticle, horizon_hours: float) -> int:
    return expiry_micros(arrived.event_micros(), arrived.arrival_micros, horizon_hours)


class ReadArrivedFileFn(ParseFileFn):
    """An arrived file's path -> its analysed articles, stamped with their event
    time (publication, else arrival); rejects go to `rejects`.

    Site boilerplate is not removed: it is learnt from a whole corpus, which a
    stream never has.
    """

    def __init__(
        self, max_record_bytes: int, config: DedupConfig, columns: ColumnMapping | None = None
    ) -> None:
        super().__init__(max_record_bytes, columns)
        self._config = config
        self._analyzer: ArticleAnalyzer | None = None

    def setup(self) -> None:
        self._analyzer = ArticleAnalyzer(self._config)

    def process(self, path: str, arrived_at: Any = beam.DoFn.TimestampParam) -> Iterator[Any]:
        assert self._analyzer is not None, "setup() was not called"
        for result in super().process(path):
            if isinstance(result, TaggedOutput):
                yield result
                continue
            arrived = ArrivedArticle(self._analyzer.analyze(result), arrived_at.micros)
            yield window.TimestampedValue(arrived, Timestamp(micros=arrived.event_micros()))


class RestoreArticlesFn(beam.DoFn):
    """A Parquet file of OUT/articles -> its articles that arrived after
    `since_micros`, analysed again and carrying their written assignment."""

    def __init__(self, config: DedupConfig, since_micros: int) -> None:
        self._config = config
        self._since_micros = since_micros
        self._analyzer: ArticleAnalyzer | None = None
        self._restored = Metrics.counter("newsdedup", "articles_restored")

    def setup(self) -> None:
        self._analyzer = ArticleAnalyzer(self._config)

    def process(self, path: str) -> Iterator[Any]:
        assert self._analyzer is not None, "setup() was not called"
        with FileSystems.open(path) as stream:
            rows = pq.read_table(stream).to_pylist()
        for row in rows:
            arrival = int(row["ingested_at"].timestamp() * 1_000_000)
            if arrival < self._since_micros:
                continue
            self._restored.inc()
            arrived = ArrivedArticle(
                self._analyzer.analyze(written_article(row)), arrival, written_assignment(row)
            )
            yield window.TimestampedValue(arrived, Timestamp(micros=arrived.event_micros()))


class RestoreWrittenArticles(beam.PTransform):
    """The articles a previous run wrote within the horizon, so that new
    articles can join their stories and re-deliveries of them are recognised."""

    def __init__(self, articles_folder: Path, config: DedupConfig, since_micros: int) -> None:
        super().__init__()
        self._files = sorted(str(p) for p in articles_folder.rglob("*.parquet"))
        self._config = config
        self._since_micros = since_micros

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (
            pbegin
            | "WrittenFiles" >> beam.Create(self._files)
            | "RestoreArticles" >> beam.ParDo(RestoreArticlesFn(self._config, self._since_micros))
        )


def run_context_at(arrival_micros: int, run: RunContext) -> RunContext:
    """Rows of a streaming run are stamped with their file's arrival time."""
    ingested_at = datetime.fromtimestamp(arrival_micros / 1_000_000, UTC)
    return RunContext(ingested_at, run.pipeline_version, run.minhash_scheme)


def _set_expiry(timer: Any, expires_at: int | None) -> None:
    if expires_at is not None:
        timer.set(Timestamp(micros=expires_at))


class DropStreamRedeliveriesFn(beam.DoFn):
    """(article id, arrived article) -> the first delivery of each id."""

    CONTENT = ReadModifyWriteStateSpec("content_hash", StrUtf8Coder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, horizon_hours: float) -> None:
        self._horizon_hours = horizon_hours
        self._redeliveries = Metrics.counter("newsdedup", "exact_redeliveries")
        self._conflicts = Metrics.counter("newsdedup", "rejected_id_conflict")

    def process(
        self,
        element: tuple[str, ArrivedArticle],
        content: Any = beam.DoFn.StateParam(CONTENT),
        expiry: Any = beam.DoFn.TimerParam(EXPIRY),
    ) -> Iterator[ArrivedArticle | TaggedOutput]:
        _, arrived = element
        content_hash = arrived.analyzed.sketch.content_hash
        known = content.read()
        if known is None:
            content.write(content_hash)
            _set_expiry(expiry, state_expiry(arrived, self._horizon_hours))
            yield arrived
        elif known == content_hash:
            self._redeliveries.inc()
        else:
            self._conflicts.inc()
            article = arrived.analyzed.article
            reject = Reject(
                article.source_file,
                article.line,
                RejectReason.ID_CONFLICT,
                f"id {article.article_id!r} was delivered before with another text",
                excerpt(article.text.encode("utf-8")),
            )
            # Stamped with the arrival, like every reject, not with the event time.
            arrival = Timestamp(micros=arrived.arrival_micros)
            yield TaggedOutput(REJECTS_TAG, window.TimestampedValue(reject, arrival))

    @on_timer(EXPIRY)
    def expire(self, content: Any = beam.DoFn.StateParam(CONTENT)) -> None:
        content.clear()


class ProbeKeysFn(beam.DoFn):
    """(candidate key, member) -> the key's report to that member; state holds ids only."""

    MEMBERS = ReadModifyWriteStateSpec("members", PickleCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, max_key_articles: int) -> None:
        self._max_key_articles = max_key_articles

    def process(
        self,
        element: tuple[tuple[str, int], KeyMember],
        members: Any = beam.DoFn.StateParam(MEMBERS),
        expiry: Any = beam.DoFn.TimerParam(EXPIRY),
    ) -> Iterator[tuple[str, KeyReport]]:
        (kind, _), newcomer = element
        state = members.read() or KeyMembers()
        state, report = probe_key(state, kind, newcomer, self._max_key_articles)
        members.write(state)
        _set_expiry(expiry, state.earliest_expiry())
        yield report.article_id, report

    @on_timer(EXPIRY)
    def expire(
        self,
        members: Any = beam.DoFn.StateParam(MEMBERS),
        expiry: Any = beam.DoFn.TimerParam(EXPIRY),
        fired_at: Any = beam.DoFn.TimestampParam,
    ) -> None:
        state = expire_key(members.read() or KeyMembers(), fired_at.micros)
        if state.members:
            members.write(state)
            _set_expiry(expiry, state.earliest_expiry())
        else:
            members.clear()


class GatherReportsFn(beam.DoFn):
    """(article id, directory entry | key report) -> the probed article, once
    all of its keys have reported; runs in parallel over articles, so that the
    directory gets one message per article."""

    ARTICLE = ReadModifyWriteStateSpec("article", PickleCoder())
    REPORTS = BagStateSpec("reports", PickleCoder())
    COUNT = ReadModifyWriteStateSpec("count", VarIntCoder())

    def process(
        self,
        element: tuple[str, StreamArticle | KeyReport],
        article_state: Any = beam.DoFn.StateParam(ARTICLE),
        reports: Any = beam.DoFn.StateParam(REPORTS),
        count: Any = beam.DoFn.StateParam(COUNT),
    ) -> Iterator[tuple[str, ProbedArticle]]:
        _, message = element
        if isinstance(message, StreamArticle):
            article = message
            article_state.write(article)
        else:
            reports.add(message)
            count.write((count.read() or 0) + 1)
            article = article_state.read()
        if article is None or (count.read() or 0) < article.expected_reports:
            return
        gathered = gather_reports(article, list(reports.read()))
        article_state.clear()
        reports.clear()
        count.clear()
        yield DIRECTORY_KEY, gathered


class AssignStoriesFn(beam.DoFn):
    """The directory (one key): probed articles -> assignments and story rows."""

    DIRECTORY = ReadModifyWriteStateSpec("directory", PickleCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, config: DedupConfig, run: RunContext) -> None:
        self._config = config
        self._run = run
        self._new_stories = Metrics.counter("newsdedup", "stories_started")
        self._joined = Metrics.counter("newsdedup", "articles_joined_story")

    def process(
        self,
        element: tuple[str, ProbedArticle],
        directory_state: Any = beam.DoFn.StateParam(DIRECTORY),
        expiry: Any = beam.DoFn.TimerParam(EXPIRY),
    ) -> Iterator[tuple[str, ArticleAssignment] | TaggedOutput]:
        _, probed = element
        directory = directory_state.read() or Directory()
        # A restored article (written before a restart) yields no decision.
        for decision in decide(directory, probed, self._config):
            joined = len(decision.story_members) > 1
            (self._joined if joined else self._new_stories).inc()
            yield decision.assignment.article_id, decision.assignment
            run = run_context_at(decision.article.order[0], self._run)
            yield TaggedOutput(
                STORIES_TAG,
                story_row(decision.assignment.story_id, decision.story_members, run),
            )
        directory_state.write(directory)
        _set_expiry(expiry, directory.earliest_expiry())

    @on_timer(EXPIRY)
    def expire(
        self,
        directory_state: Any = beam.DoFn.StateParam(DIRECTORY),
        expiry: Any = beam.DoFn.TimerParam(EXPIRY),
        fired_at: Any = beam.DoFn.TimestampParam,
    ) -> None:
        directory = directory_state.read() or Directory()
        expire_directory(directory, fired_at.micros)
        directory_state.write(directory)
        _set_expiry(expiry, directory.earliest_expiry())


class JoinAssignmentFn(beam.DoFn):
    """(article id, arrived article | assignment) -> the article row, once both are in."""

    WAITING = ReadModifyWriteStateSpec("waiting", PickleCoder())

    def __init__(self, run: RunContext) -> None:
        self._run = run

    def process(
        self,
        element: tuple[str, ArrivedArticle | ArticleAssignment],
        waiting: Any = beam.DoFn.StateParam(WAITING),
    ) -> Iterator[Row]:
        _, part = element
        other = waiting.read()
        if other is None:
            waiting.write(part)
            return
        waiting.clear()
        arrived, assignment = (part, other) if isinstance(part, ArrivedArticle) else (other, part)
        run = run_context_at(arrived.arrival_micros, self._run)
        yield article_row(arrived.analyzed, assignment, run)


class RejectRowFn(beam.DoFn):
    """Rejects -> reject rows, stamped with their file's arrival (the element timestamp)."""

    def __init__(self, run: RunContext) -> None:
        self._run = run

    def process(self, reject: Reject, arrived_at: Any = beam.DoFn.TimestampParam) -> Iterator[Row]:
        yield reject_row(reject, run_context_at(arrived_at.micros, self._run))


class _KeyProbesFn(beam.DoFn):
    """An arrived article -> its probes of every candidate key, and its directory entry."""

    def __init__(self, config: DedupConfig, horizon_hours: float) -> None:
        self._config = config
        self._horizon_hours = horizon_hours
        self._bands = LshBands.for_threshold(
            config.dup_threshold, config.num_perm, config.lsh_bands
        )

    def process(self, arrived: ArrivedArticle) -> Iterator[Any]:
        sketch = arrived.analyzed.sketch
        article = arrived.analyzed.article
        entities = np.frombuffer(sketch.entities, dtype="<u8")
        keys = candidate_keys(
            band_keys(signature_from_bytes(sketch.signature), self._bands).tolist(),
            np.frombuffer(sketch.fingerprints, dtype="<u8").tolist(),
            entities.tolist() if self._config.entity_threshold < 1.0 else [],
        )
        order = (arrived.arrival_micros, sketch.article_id)
        expires_at = state_expiry(arrived, self._horizon_hours)
        member = KeyMember(sketch.article_id, order, expires_at)
        for key in keys:
            yield key, member
        yield TaggedOutput(
            ARRIVALS_TAG,
            (
                sketch.article_id,
                StreamArticle(
                    article_id=sketch.article_id,
                    order=order,
                    expected_reports=len(keys),
                    expires_at=expires_at,
                    facts=PairFacts.of(sketch),
                    content_hash=sketch.content_hash,
                    member=stream_member(
                        sketch.article_id,
                        article.title,
                        article.source,
                        sketch.language,
                        article.published_at,
                        sketch.text_length,
                    ),
                    restored=arrived.restored,
                ),
            ),
        )


class AssignStoriesStreaming(beam.PTransform):
    """Arrived articles -> article rows (main), story rows (`stories`), rejects (`rejects`)."""

    def __init__(self, config: DedupConfig, run: RunContext, horizon_hours: float) -> None:
        super().__init__()
        self._config = config
        self._run = run
        self._horizon_hours = horizon_hours

    def expand(self, arrived: beam.PCollection) -> dict[str, beam.PCollection]:
        unique = (
            arrived
            | "KeyById" >> beam.Map(lambda a: (a.article_id, a)).with_output_types(tuple[str, Any])
            | "DropStreamRedeliveries"
            >> beam.ParDo(DropStreamRedeliveriesFn(self._horizon_hours)).with_outputs(
                REJECTS_TAG, main="articles"
            )
        )
        probes = unique.articles | "KeyProbes" >> beam.ParDo(
            _KeyProbesFn(self._config, self._horizon_hours)
        ).with_output_types(tuple[tuple[str, int], Any]).with_outputs(ARRIVALS_TAG, main="probes")
        reports = probes.probes | "ProbeKeys" >> beam.ParDo(
            ProbeKeysFn(self._config.max_key_articles)
        )
        assigned = (
            (probes[ARRIVALS_TAG], reports)
            | "ArrivalsAndReports" >> beam.Flatten().with_output_types(tuple[str, Any])
            | "GatherReports" >> beam.ParDo(GatherReportsFn()).with_output_types(tuple[str, Any])
            | "AssignStories"
            >> beam.ParDo(AssignStoriesFn(self._config, self._run)).with_outputs(
                STORIES_TAG, main="assignments"
            )
        )
        article_rows = (
            (
                unique.articles
                | "NewArticles" >> beam.Filter(lambda a: a.restored is None)
                | "TextById" >> beam.Map(lambda a: (a.article_id, a)),
                assigned.assignments,
            )
            | "ArticlesAndAssignments" >> beam.Flatten().with_output_types(tuple[str, Any])
            | "JoinAssignments" >> beam.ParDo(JoinAssignmentFn(self._run))
        )
        return {
            "articles": article_rows,
            STORIES_TAG: assigned[STORIES_TAG],
            REJECTS_TAG: unique[REJECTS_TAG],
        }
