"""Streaming story assignment: the pure core, then TestStream pipelines on the
BundleBasedDirectRunner (the only local runner that runs TestStream)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.test_stream import TestStream as EventStream
from apache_beam.testing.util import assert_that
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Timestamp

from schemas.records import ArrivedArticle, ArticleAssignment, InputArticle
from tests import textgen
from transforms.core.analysis import ArticleAnalyzer
from transforms.core.clustering import PairFacts, stable_id
from transforms.core.config import DedupConfig
from transforms.core.rows import RunContext
from transforms.core.streaming import (
    BAND_KEY,
    FINGERPRINT_KEY,
    Directory,
    KeyMember,
    KeyMembers,
    KeyReport,
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
from transforms.read import REJECTS_TAG
from transforms.stream import STORIES_TAG, AssignStoriesStreaming

CONFIG = DedupConfig()
HORIZON_HOURS = 72.0
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOUR = 3600 * 1_000_000


def micros(when: datetime) -> int:
    return int(when.timestamp() * 1_000_000)


# --- the pure core -------------------------------------------------------------------


def member(article_id: str, arrival: int = 0, expires_at: int = 100) -> KeyMember:
    return KeyMember(article_id, (arrival, article_id), expires_at)


def test_probe_key_reports_earlier_members_and_adds_the_newcomer() -> None:
    state, report = probe_key(KeyMembers(), BAND_KEY, member("a"), max_key_articles=5)
    assert report.members == ()
    state, report = probe_key(state, BAND_KEY, member("b", 1), max_key_articles=5)
    assert [m.article_id for m in report.members] == ["a"]
    assert [m.article_id for m in state.members] == ["a", "b"]


def test_probe_key_redelivery_is_not_added_twice() -> None:
    state, _ = probe_key(KeyMembers(), BAND_KEY, member("a"), max_key_articles=5)
    state, report = probe_key(state, BAND_KEY, member("a", 1), max_key_articles=5)
    assert report.members == ()
    assert len(state.members) == 1


def test_probe_key_saturates_into_boilerplate() -> None:
    state = KeyMembers()
    for index in range(3):
        state, _ = probe_key(state, FINGERPRINT_KEY, member(f"a{index}", index), 2)
    assert state.saturated and state.members == ()
    state, report = probe_key(state, FINGERPRINT_KEY, member("late", 9), 2)
    assert report.members == () and state.saturated


def test_expire_key_drops_members_past_the_watermark() -> None:
    state = KeyMembers((member("old", expires_at=10), member("new", expires_at=50)))
    assert [m.article_id for m in expire_key(state, 10).members] == ["new"]
    assert expire_key(state, 50).earliest_expiry() is None


def test_candidate_keys_are_signed_and_distinct() -> None:
    keys = candidate_keys([2**64 - 1, 2**64 - 1], [5], [])
    assert keys == [(BAND_KEY, -1), (FINGERPRINT_KEY, 5)]


def stream_article(
    article_id: str, arrival: int, signature: bytes, content_hash: str | None = None
) -> StreamArticle:
    return StreamArticle(
        article_id=article_id,
        order=(arrival, article_id),
        expected_reports=0,
        expires_at=arrival + 10 * HOUR,
        facts=PairFacts(None, 10, signature),
        content_hash=content_hash or article_id,
        member=stream_member(article_id, None, None, "en", None, 100),
    )


SIGNATURE_A = bytes(range(64)) * 8
SIGNATURE_B = bytes(range(64, 128)) * 8


def test_decide_new_story_then_near_duplicate_joins_it() -> None:
    directory = Directory()
    first = stream_article("a", 1, SIGNATURE_A)
    [decision] = decide(directory, gather_reports(first, []), CONFIG)
    assert decision.assignment.story_id == stable_id("st", "a")
    assert decision.assignment.is_canonical
    rerun = stream_article("z", 2, SIGNATURE_A)
    reports = [KeyReport("z", BAND_KEY, (KeyMember("a", first.order, first.expires_at),))]
    [joined] = decide(directory, gather_reports(rerun, reports), CONFIG)
    assert joined.assignment.story_id == stable_id("st", "a")
    assert joined.assignment.dup_group_id == stable_id("dg", "a")
    assert not joined.assignment.is_canonical
    assert {m.article_id for m in joined.story_members} == {"a", "z"}


def test_restored_article_keeps_its_assignment_and_can_be_joined() -> None:
    directory = Directory()
    written = ArticleAssignment("a", "dg_written", "st_written", True, None)
    restored = replace(stream_article("a", 1, SIGNATURE_A), restored=written)
    assert decide(directory, gather_reports(restored, []), CONFIG) == []  # nothing to write
    rerun = stream_article("b", 2, SIGNATURE_A)
    reports = [KeyReport("b", BAND_KEY, (KeyMember("a", restored.order, restored.expires_at),))]
    [decision] = decide(directory, gather_reports(rerun, reports), CONFIG)
    assert (decision.assignment.story_id, decision.assignment.dup_group_id) == (
        "st_written",
        "dg_written",
    )
    assert {m.article_id for m in decision.story_members} == {"a", "b"}


def test_decide_unrelated_candidate_starts_its_own_story() -> None:
    directory = Directory()
    first = stream_article("a", 1, SIGNATURE_A)
    decide(directory, gather_reports(first, []), CONFIG)
    other = stream_article("b", 2, SIGNATURE_B)
    reports = [KeyReport("b", BAND_KEY, (KeyMember("a", first.order, first.expires_at),))]
    [decision] = decide(directory, gather_reports(other, reports), CONFIG)
    assert decision.assignment.story_id == stable_id("st", "b")


def test_decide_waits_for_an_earlier_candidate() -> None:
    directory = Directory()
    first = stream_article("a", 1, SIGNATURE_A)
    later = stream_article("b", 2, SIGNATURE_A)
    reports = [KeyReport("b", BAND_KEY, (KeyMember("a", first.order, first.expires_at),))]
    assert decide(directory, gather_reports(later, reports), CONFIG) == []
    decisions = decide(directory, gather_reports(first, []), CONFIG)
    assert [d.assignment.article_id for d in decisions] == ["a", "b"]
    assert decisions[1].assignment.story_id == stable_id("st", "a")


def test_decide_later_candidate_considers_the_earlier_one() -> None:
    # "b" (later) found "a" in no key, but "a" found "b": "b" must still join "a".
    directory = Directory()
    first = stream_article("a", 1, SIGNATURE_A)
    later = stream_article("b", 2, SIGNATURE_A)
    reports = [KeyReport("a", BAND_KEY, (KeyMember("b", later.order, later.expires_at),))]
    decide(directory, gather_reports(first, reports), CONFIG)
    [decision] = decide(directory, gather_reports(later, []), CONFIG)
    assert decision.assignment.story_id == stable_id("st", "a")


def test_decide_exact_duplicate_points_to_the_original() -> None:
    directory = Directory()
    first = stream_article("a", 1, SIGNATURE_A, content_hash="same")
    decide(directory, gather_reports(first, []), CONFIG)
    copy = stream_article("b", 2, SIGNATURE_A, content_hash="same")
    reports = [KeyReport("b", BAND_KEY, (KeyMember("a", first.order, first.expires_at),))]
    [decision] = decide(directory, gather_reports(copy, reports), CONFIG)
    assert decision.assignment.exact_duplicate_of == "a"


def test_expired_members_stay_in_a_live_story() -> None:
    directory = Directory()
    first = stream_article("a", 1, SIGNATURE_A)
    decide(directory, gather_reports(first, []), CONFIG)
    later = replace(stream_article("b", 2, SIGNATURE_A), expires_at=first.expires_at + 10)
    reports = [KeyReport("b", BAND_KEY, (KeyMember("a", first.order, first.expires_at),))]
    decide(directory, gather_reports(later, reports), CONFIG)
    assert expire_directory(directory, first.expires_at) == ["a"]
    assert set(directory.stories[stable_id("st", "a")]) == {"a", "b"}
    assert expire_directory(directory, later.expires_at) == ["b"]
    assert directory.stories == {}


def test_expire_directory_forgets_articles_and_empty_stories() -> None:
    directory = Directory()
    first = stream_article("a", 1, SIGNATURE_A)
    decide(directory, gather_reports(first, []), CONFIG)
    assert expire_directory(directory, first.expires_at - 1) == []
    assert expire_directory(directory, first.expires_at) == ["a"]
    assert directory.decided == {} and directory.stories == {}
    # A report naming the expired article no longer makes anyone wait for it.
    late = stream_article("b", 0, SIGNATURE_A)
    gone = replace(late, article_id="gone", order=(-1, "gone"))
    reports = [KeyReport("b", BAND_KEY, (KeyMember("gone", gone.order, 5),))]
    [decision] = decide(directory, gather_reports(late, reports), CONFIG)
    assert decision.assignment.story_id == stable_id("st", "b")


def test_expiry_is_the_horizon_after_publication_or_a_later_arrival() -> None:
    assert expiry_micros(0, 0, 72.0) == 72 * HOUR
    assert expiry_micros(5 * HOUR, 0, 72.0) == 77 * HOUR  # published after arrival
    assert expiry_micros(0, 100 * HOUR, 72.0) == 172 * HOUR  # a backfill


# --- TestStream pipelines --------------------------------------------------------------

ANALYZER = ArticleAnalyzer(CONFIG)
RUN = RunContext(T0, "test", "scheme")
ORIGINAL = textgen.article(101)
OTHER = textgen.article(202)


def arrived(
    article_id: str, paragraphs: list[str], published: datetime, arrival: datetime
) -> ArrivedArticle:
    article = InputArticle(
        article_id, textgen.text(paragraphs), title=article_id, published_at=published
    )
    return ArrivedArticle(ANALYZER.analyze(article), micros(arrival))


def run_stream(
    build: Callable[[EventStream], EventStream],
    check_articles: Callable[[list[dict[str, Any]]], None],
    check_stories: Callable[[list[dict[str, Any]]], None] | None = None,
    check_rejects: Callable[[list[Any]], None] | None = None,
) -> None:
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    events = build(EventStream())
    with BeamTestPipeline(runner="BundleBasedDirectRunner", options=options) as pipeline:
        outputs = pipeline | events | AssignStoriesStreaming(CONFIG, RUN, HORIZON_HOURS)
        assert_that(outputs["articles"], _checked(check_articles), label="CheckArticles")
        if check_stories:
            assert_that(outputs[STORIES_TAG], _checked(check_stories), label="CheckStories")
        if check_rejects:
            assert_that(outputs[REJECTS_TAG], _checked(check_rejects), label="CheckRejects")


def _checked(check: Callable[[list[Any]], None]) -> Callable[[Iterable[Any]], None]:
    def matcher(actual: Iterable[Any]) -> None:
        check(list(actual))

    return matcher


def add(stream: EventStream, *articles: ArrivedArticle) -> EventStream:
    """Articles stamped with their event time, as ReadArrivedFileFn does."""
    return stream.add_elements(
        [TimestampedValue(a, Timestamp(micros=a.event_micros())) for a in articles]
    )


def story_of(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {row["article_id"]: row["story_id"] for row in rows}


def test_stream_new_story() -> None:
    first = arrived("a-1", ORIGINAL, T0, T0)

    def check(rows: list[dict[str, Any]]) -> None:
        assert story_of(rows) == {"a-1": stable_id("st", "a-1")}
        assert rows[0]["is_canonical"] and rows[0]["ingested_at"] == T0

    def check_stories(rows: list[dict[str, Any]]) -> None:
        assert [(r["story_id"], r["article_count"]) for r in rows] == [(stable_id("st", "a-1"), 1)]

    run_stream(lambda s: add(s, first).advance_watermark_to_infinity(), check, check_stories)


def test_stream_join_keeps_the_first_story_id() -> None:
    first = arrived("z-original", ORIGINAL, T0, T0)
    rerun = arrived("a-rerun", textgen.edited(ORIGINAL, 1), T0 + timedelta(hours=2), T0)
    unrelated = arrived("b-other", OTHER, T0, T0)

    def build(stream: EventStream) -> EventStream:
        stream = add(stream, first, unrelated).advance_watermark_to(T0.timestamp() + 60)
        later = replace(rerun, arrival_micros=micros(T0) + 120_000_000)
        return add(stream, later).advance_watermark_to_infinity()

    def check(rows: list[dict[str, Any]]) -> None:
        stories = story_of(rows)
        # The rerun joins the earlier article's story, although its own id sorts first.
        assert stories["a-rerun"] == stories["z-original"] == stable_id("st", "z-original")
        assert stories["b-other"] == stable_id("st", "b-other")
        groups = {row["article_id"]: row["dup_group_id"] for row in rows}
        assert groups["a-rerun"] == groups["z-original"]

    def check_stories(rows: list[dict[str, Any]]) -> None:
        latest: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row["article_count"] > latest.get(row["story_id"], {}).get("article_count", 0):
                latest[row["story_id"]] = row
        joined = latest[stable_id("st", "z-original")]
        assert joined["article_ids"] == ["a-rerun", "z-original"]
        assert joined["canonical_article_id"] == "z-original"

    run_stream(build, check, check_stories)


def test_stream_late_article_is_written_and_joins() -> None:
    # Published before the original and delivered after the watermark passed
    # its publication time: a late, out-of-order article still gets its row.
    first = arrived("b-original", ORIGINAL, T0, T0)
    late = arrived(
        "a-late", textgen.edited(ORIGINAL, 2), T0 - timedelta(hours=30), T0 + timedelta(hours=1)
    )

    def build(stream: EventStream) -> EventStream:
        stream = add(stream, first).advance_watermark_to((T0 + timedelta(hours=1)).timestamp())
        return add(stream, late).advance_watermark_to_infinity()

    def check(rows: list[dict[str, Any]]) -> None:
        assert story_of(rows) == {
            "b-original": stable_id("st", "b-original"),
            "a-late": stable_id("st", "b-original"),
        }

    run_stream(build, check)


def test_stream_duplicate_delivery_yields_one_row() -> None:
    first = arrived("a-1", ORIGINAL, T0, T0)
    again = replace(first, arrival_micros=micros(T0) + 5_000_000)
    changed = arrived("a-1", OTHER, T0, T0 + timedelta(seconds=9))

    def build(stream: EventStream) -> EventStream:
        stream = add(stream, first).advance_watermark_to(T0.timestamp() + 1)
        stream = add(stream, again).advance_watermark_to(T0.timestamp() + 6)
        return add(stream, changed).advance_watermark_to_infinity()

    def check(rows: list[dict[str, Any]]) -> None:
        assert [row["article_id"] for row in rows] == ["a-1"]

    def check_rejects(rejects: list[Any]) -> None:
        assert [r.reason.value for r in rejects] == ["id_conflict"]

    run_stream(build, check, check_rejects=check_rejects)


def test_stream_state_expires_after_the_horizon() -> None:
    first = arrived("a-original", ORIGINAL, T0, T0)
    beyond = T0 + timedelta(hours=HORIZON_HOURS + 1)
    rerun = arrived("b-rerun", textgen.edited(ORIGINAL, 3), beyond, beyond)

    def build(stream: EventStream) -> EventStream:
        stream = add(stream, first).advance_watermark_to(beyond.timestamp())
        return add(stream, rerun).advance_watermark_to_infinity()

    def check(rows: list[dict[str, Any]]) -> None:
        # The original left the state when the watermark passed its horizon.
        assert story_of(rows) == {
            "a-original": stable_id("st", "a-original"),
            "b-rerun": stable_id("st", "b-rerun"),
        }

    run_stream(build, check)


def test_stream_within_the_horizon_still_joins() -> None:
    first = arrived("a-original", ORIGINAL, T0, T0)
    within = T0 + timedelta(hours=HORIZON_HOURS - 1)
    rerun = arrived("b-rerun", textgen.edited(ORIGINAL, 3), within, within)

    def build(stream: EventStream) -> EventStream:
        stream = add(stream, first).advance_watermark_to(within.timestamp())
        return add(stream, rerun).advance_watermark_to_infinity()

    def check(rows: list[dict[str, Any]]) -> None:
        assert story_of(rows)["b-rerun"] == stable_id("st", "a-original")

    run_stream(build, check)
