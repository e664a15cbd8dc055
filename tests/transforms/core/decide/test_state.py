"""What incremental runs read back from OUT: pure helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from newsdedup.schemas.records import InputArticle
from newsdedup.transforms.core.decide.state import (
    carried_story_row,
    date_bounds,
    incompatible_parameters,
    known_article,
    latest_partition_dates,
    reject_key,
    story_root,
    widen_range,
    within_horizon,
)
from newsdedup.transforms.core.signals.analysis import article_key, site_key

FILE = "/out/_snapshots/000001-abcdef12/articles/published_date={}/run-000001-00000.parquet"


def test_horizon_spans_the_new_dates_both_ways() -> None:
    new = (date(2026, 5, 10), date(2026, 5, 12))
    inside = [FILE.format(d) for d in ("2026-05-03", "2026-05-11", "2026-05-19")]
    outside = [FILE.format(d) for d in ("2026-05-02", "2026-05-20", "unknown")]
    assert all(within_horizon(path, new, 7) for path in inside)
    assert not any(within_horizon(path, new, 7) for path in outside)
    assert not within_horizon(inside[1], None, 7)


def test_widen_range() -> None:
    day = date(2026, 5, 10)
    assert widen_range(None, day) == (day, day)
    assert widen_range((day, day), date(2026, 5, 1)) == (date(2026, 5, 1), day)


def test_story_root_follows_earlier_then_new_merges() -> None:
    assert story_root("st_a", None, {}) == "st_a"
    assert story_root("st_a", "st_b", {}) == "st_b"
    assert story_root("st_a", "st_b", {"st_b": "st_c"}) == "st_c"
    assert story_root("st_b", None, {"st_b": "st_c"}) == "st_c"


def test_carried_story_row_points_at_the_current_root() -> None:
    row = {"story_id": "st_a", "merged_into": "st_b", "article_count": 3}
    assert carried_story_row(row, {"st_b": "st_c"})["merged_into"] == "st_c"
    assert carried_story_row({**row, "merged_into": None}, {})["merged_into"] is None


def test_known_article_uses_the_current_story_id() -> None:
    row = {
        "article_id": "a1",
        "published_at": datetime(2026, 5, 1, tzinfo=UTC),
        "published_at_precision": "time",
        "language": "de",
        "content_hash": "h",
        "text_length": 10,
        "minhash_signature": b"\x01" * 8,
        "passage_fingerprints": b"",
        "lead_entities": b"",
        "dup_group_id": "dg_1",
        "story_id": "st_a",
        "source": None,
        "url": "https://www.example.org/a1",
        "pending_story_id": "st_p",
    }
    known = known_article(row, {"st_a": "st_b", "st_p": "st_q"})
    assert (known.dup_group_id, known.story_id) == ("dg_1", "st_b")
    assert known.pending_story_id == "st_q"
    assert known_article({**row, "pending_story_id": None}, {}).pending_story_id is None
    assert known.site_key == site_key(None, "https://www.example.org/a1") != 0
    assert known.sketch.article_key == article_key("a1")
    assert known.sketch.published_ts == datetime(2026, 5, 1, tzinfo=UTC).timestamp()


def test_reject_key_treats_a_missing_line_as_zero() -> None:
    row = {"source_file": "f", "line": None, "reason": "empty_file", "excerpt": ""}
    assert reject_key(row) == ("f", 0, "empty_file", "")


def test_incompatible_parameters_names_sketch_parameters_only() -> None:
    stored = {"minhash_scheme": "s128", "word_shingle_size": 5, "dup_threshold": 0.5}
    current = {"minhash_scheme": "s64", "word_shingle_size": 5, "dup_threshold": 0.7}
    assert incompatible_parameters(stored, current) == [("minhash_scheme", "s128", "s64")]


def _published(published: datetime | None) -> InputArticle:
    return InputArticle(article_id="a", text="t", source_file="f", line=1, published_at=published)


def test_date_bounds_are_the_earliest_and_latest_known_times() -> None:
    early, middle, late = (datetime(2026, 3, day, tzinfo=UTC) for day in (1, 5, 9))
    batch = [_published(middle), _published(None), _published(late), _published(early)]
    assert date_bounds(batch) == [early, late]
    assert date_bounds([_published(None)]) == []
    assert date_bounds([]) == []


def test_a_run_over_no_input_looks_around_the_latest_articles() -> None:
    paths = [FILE.format(d) for d in ("2026-05-03", "2026-05-19", "unknown")]
    latest = latest_partition_dates(paths)
    assert latest == (date(2026, 5, 19), date(2026, 5, 19))
    assert within_horizon(paths[0], None, 30, fallback=latest)
    assert not within_horizon(paths[0], None, 7, fallback=latest)
    assert latest_partition_dates([FILE.format("unknown")]) is None
