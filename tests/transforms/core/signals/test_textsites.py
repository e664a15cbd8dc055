"""Tests for core.signals.textsites: passages spread over more days than a story
lasts are site boilerplate whatever their share of the site's pages."""

from __future__ import annotations

import numpy as np

from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.analysis import article_boilerplate, site_count_hashes
from newsdedup.transforms.core.signals.daycounts import (
    UNDATED,
    DayCounts,
    dated_keys,
    key_counts,
)
from newsdedup.transforms.core.signals.textsites import spread_over_days, story_span_days

CONFIG = DedupConfig()
DAY = 86_400.0


def _hashes(numbers: list[int]) -> bytes:
    # Count keys keep a hash's upper 48 bits: these numbers stand for hashes apart there.
    return (np.array(numbers, dtype=np.uint64) << np.uint64(32)).astype("<u8").tobytes()


def _array(numbers: list[int]) -> np.ndarray:
    return np.frombuffer(_hashes(numbers), dtype="<u8").astype(np.uint64)


def _counts(pages: list[tuple[list[int], int]]) -> DayCounts:
    """One site's day counts of (page's hashes, day) pairs, as FindSiteBoilerplate builds them."""
    keys = np.concatenate([dated_keys(site_count_hashes(_hashes(p)), d) for p, d in pages])
    return DayCounts.of(*key_counts(keys, np.ones(len(keys))))


def test_a_story_spans_its_window_and_one_more_calendar_day() -> None:
    assert story_span_days(DedupConfig(story_window_hours=72.0)) == 4
    assert story_span_days(DedupConfig(story_window_hours=1.0)) == 2


def test_a_footer_on_every_day_is_spread_and_wire_text_of_one_event_is_not() -> None:
    # Footer 7 on one page a day for ten days; wire text 5 on four pages of days 8-9.
    pages = [([7, 100 + d], d) for d in range(1, 11)]
    pages += [([5, 200 + n], 8 + n % 2) for n in range(4)]
    counts = _counts(pages)
    spread = spread_over_days(counts, _array([7, 5]), 10, CONFIG)
    assert spread.tolist() == [True, False]
    # Only the days up to the article's own count: on day 4 the footer is young.
    assert spread_over_days(counts, _array([7]), 4, CONFIG).tolist() == [False]
    assert spread_over_days(counts, _array([7]), UNDATED, CONFIG).tolist() == [False]
    no_window = DedupConfig(count_window_days=0)
    assert spread_over_days(counts, _array([7]), 10, no_window).tolist() == [False]


def test_one_source_for_a_whole_feed_still_finds_its_footer() -> None:
    """About 900 pages of one source in ten days: a footer on one page a day (1% of
    the pages, under the share) is boilerplate, wire text on 5 pages of one day is
    not, and neither is a lead name found every day (names are left to the share)."""
    pages = [([1000 + n], 1 + n % 10) for n in range(890)]
    pages += [([7, 3000 + n], 1 + n % 10) for n in range(10)]
    pages += [([5, 4000 + n], 10) for n in range(5)]
    counts = _counts(pages)
    config = DedupConfig(max_site_articles=1, site_boilerplate_share=0.02)
    found = article_boilerplate(counts, _hashes([7, 5]), b"", 9 * DAY, config)
    assert found.tobytes() == _hashes([7])
    found = article_boilerplate(counts, _hashes([5]), _hashes([7]), 9 * DAY, config)
    assert found.tobytes() == b""
