"""Tests for core.signals.textboilerplate: a passage on articles that share
nothing else is boilerplate, one on copies of one text or on the related texts
of one story is one group's, whatever the source says."""

from __future__ import annotations

import random

import numpy as np

from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.analysis import article_boilerplate, site_count_hashes
from newsdedup.transforms.core.signals.daycounts import (
    UNDATED,
    DayCounts,
    dated_keys,
    day_code,
    key_counts,
)
from newsdedup.transforms.core.signals.textboilerplate import (
    NOTHING_KNOWN,
    RelatedPairs,
    copy_pairs,
    passages_by_day,
    unit_groups,
)

CONFIG = DedupConfig()
DAY = 86_400.0
FOOTER = list(range(1, 31))  # 30 fingerprints on every page of a portal
PARAGRAPH = list(range(101, 121))  # an agency paragraph reused by follow-ups


def _fp(numbers: list[int]) -> np.ndarray:
    # Spread over the 64 bits (signed order differs from unsigned order there).
    return np.unique(np.array(numbers, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))


def _own(article: int, count: int = 60) -> list[int]:
    return [1_000_000 * article + n for n in range(count)]


def _day(number: int) -> int:
    return day_code(number * DAY)


def test_copies_are_pairs_sharing_half_of_the_longer_text() -> None:
    passages = {
        1: _fp(_own(1)),
        2: _fp(_own(1)[:50] + _own(2, 10)),  # a re-run: 50 of 60 shared
        3: _fp(_own(1)[:20] + _own(3)),  # a follow-up: 20 of 80 shared
    }
    keys = np.array([1, 2, 3], dtype=np.int64)
    assert copy_pairs(keys, passages, 50).tolist() == [[1, 2]]


def test_units_sharing_only_what_all_hold_are_groups_of_their_own() -> None:
    footer_pages = [_fp(FOOTER + _own(n)) for n in range(5)]
    assert unit_groups(footer_pages, 3, 4) == 5
    # Follow-ups that share more of the agency text with it than the paragraph
    # all hold hang together with it: one group.
    agency = _fp(PARAGRAPH + _own(9))
    follow_ups = [_fp(PARAGRAPH + _own(9)[10 * n : 10 * n + 10] + _own(n)) for n in range(3)]
    assert unit_groups([agency, *follow_ups], 3, 4) == 1
    assert unit_groups(footer_pages[:2], 3, 4) == 2  # see RelatedPairs
    # Two sites whose footers share one template line: within each site the
    # pages share their own footer too, which many of them hold and so relates none.
    line = list(range(201, 211))
    two_sites = [_fp(line + FOOTER + _own(n)) for n in range(4)]
    two_sites += [_fp(line + PARAGRAPH + _own(10 + n)) for n in range(4)]
    assert unit_groups(two_sites, 3, 4) == 8
    assert unit_groups(two_sites, 3, 99) == 2  # counted as related: one group a site


def test_two_units_are_related_when_one_is_mostly_the_others_text() -> None:
    item = _own(70, 30)
    texts = {
        1: item,
        2: item[:25] + _own(2, 40),  # a follow-up of the short item
        3: FOOTER + _own(3),  # two pages under one footer: 30 of 90 shared
        4: FOOTER + _own(4),
        5: item[:2] + _own(5),  # shares two passages with the item: too few
    }
    units = np.concatenate([np.full(len(t), k, dtype=np.int64) for k, t in texts.items()])
    passages = np.concatenate([_fp(t) for t in texts.values()]).view(np.int64)
    related = RelatedPairs(units, passages, CONFIG)
    one, other = np.array([1, 2, 3, 1, 1]), np.array([2, 1, 4, 5, 3])
    assert related(one, other).tolist() == [True, True, False, False, False]


def _portal_and_story(day: int) -> list[tuple[int, int, np.ndarray]]:
    """Five pages of unrelated stories under one footer, and an agency text with
    two re-runs and two follow-ups reusing one of its paragraphs, all of one day."""
    articles = [(10 + n, _day(day), _fp(FOOTER + _own(10 + n))) for n in range(5)]
    agency = PARAGRAPH + _own(50)
    articles += [(50 + n, _day(day), _fp(agency[: 80 - 5 * n])) for n in range(3)]
    articles += [(60 + n, _day(day), _fp(PARAGRAPH + _own(60 + n))) for n in range(2)]
    return articles


def test_a_footer_of_unrelated_pages_is_boilerplate_and_a_reused_paragraph_is_not() -> None:
    found = passages_by_day(_portal_and_story(3), CONFIG)[_day(3)]
    assert found.boilerplate.tolist() == _fp(FOOTER).tolist()
    # The agency text beyond the paragraph is on its copies alone: one group.
    # The paragraph is on three (the copies, two follow-ups): not boilerplate.
    assert set(found.groups_holding(_fp(_own(50)[:40])).tolist()) == {1}
    assert set(found.groups_holding(_fp(PARAGRAPH)).tolist()) == {3}
    assert set(found.groups_holding(_fp(FOOTER)).tolist()) == {5}
    # What no two articles hold is on as many groups as there are articles.
    assert found.groups_holding(_fp(_own(60))).min() == np.iinfo(np.int64).max


def test_a_passage_on_twice_as_many_groups_is_furniture() -> None:
    pages = [(10 + n, _day(3), _fp(FOOTER + _own(10 + n))) for n in range(8)]
    found = passages_by_day(pages, CONFIG)[_day(3)]
    assert found.furniture.tolist() == found.boilerplate.tolist() == _fp(FOOTER).tolist()
    fewer = passages_by_day(pages[:7], CONFIG)[_day(3)]
    assert fewer.boilerplate.tolist() == _fp(FOOTER).tolist()
    assert len(fewer.furniture) == 0


def test_whatever_the_order_and_only_the_days_up_to_an_articles_own() -> None:
    articles = _portal_and_story(3)
    # Four more pages under the footer, two days later: not seen on day 3.
    later = [(90 + n, _day(5), _fp(FOOTER[:20] + _own(90 + n))) for n in range(4)]
    shuffled = articles + later
    random.Random(1).shuffle(shuffled)
    for found in (passages_by_day(articles + later, CONFIG), passages_by_day(shuffled, CONFIG)):
        assert found[_day(3)].boilerplate.tolist() == _fp(FOOTER).tolist()
        # Listed for a day: what its articles hold.
        assert found[_day(5)].boilerplate.tolist() == _fp(FOOTER[:20]).tolist()
    alone = passages_by_day(articles, CONFIG)[_day(3)]
    assert (
        alone.boilerplate.tolist()
        == passages_by_day(shuffled, CONFIG)[_day(3)].boilerplate.tolist()
    )
    # Three pages alone make three groups: under the default of four, no boilerplate.
    few = passages_by_day(articles[:3], CONFIG)[_day(3)]
    assert len(few.boilerplate) == 0


def test_a_window_of_days_and_undated_articles() -> None:
    early = [(10 + n, _day(1), _fp(FOOTER + _own(10 + n))) for n in range(5)]
    late = [(30, _day(40), _fp(FOOTER + _own(30)))]
    undated = [(40, UNDATED, _fp(FOOTER + _own(40)))]
    found = passages_by_day(early + late + undated, CONFIG)
    assert len(found[_day(40)].boilerplate) == 0  # the early pages are out of its window
    assert found[UNDATED].boilerplate.tolist() == _fp(FOOTER).tolist()
    assert passages_by_day(early, DedupConfig(text_boilerplate_groups=0)) == {}


def _site_counts(pages: list[np.ndarray], day: int) -> DayCounts:
    keys = np.concatenate(
        [dated_keys(site_count_hashes(p.astype("<u8").tobytes()), day) for p in pages]
    )
    return DayCounts.of(*key_counts(keys, np.ones(len(keys))))


def test_wire_text_is_no_sites_boilerplate_and_text_boilerplate_needs_no_site() -> None:
    """One source for a whole feed on its first day: an agency text and its
    re-run are two of the site's few pages, so the site counts alone call their
    text boilerplate; the text's copies say it is wire text."""
    articles = _portal_and_story(3)
    found = passages_by_day(articles, CONFIG)[_day(3)]
    agency = articles[5][2]
    raw = agency.astype("<u8").tobytes()
    counts = _site_counts([p for _, _, p in articles], _day(3))
    config = DedupConfig(max_site_articles=1, site_boilerplate_share=0.02)
    by_site = article_boilerplate(counts, raw, b"", 3 * DAY, config)
    assert set(_fp(_own(50)[:40]).tolist()) <= set(by_site.tolist())
    with_text = article_boilerplate(counts, raw, b"", 3 * DAY, config, found)
    assert not set(_fp(_own(50)[:40]).tolist()) & set(with_text.tolist())
    # No site at all: the footer is still found on a portal page.
    page = articles[0][2].astype("<u8").tobytes()
    assert article_boilerplate(None, page, b"", 3 * DAY, config, found).tolist() == (
        _fp(FOOTER).tolist()
    )
    assert len(article_boilerplate(None, page, b"", 3 * DAY, config, NOTHING_KNOWN)) == 0


def test_the_related_reports_of_one_story_are_no_sites_boilerplate() -> None:
    """One source for a feed: a short wire item and a follow-up that reuses most
    of it (not copies) share their text, a footer is on three unrelated pages;
    the site counts two pages for the first and three for the footer."""
    item = _own(70, 30)
    follow_up = item[:25] + _own(71, 40)
    pages = [_fp(FOOTER + _own(80 + n)) for n in range(3)]
    articles = [(70, _day(3), _fp(item)), (71, _day(3), _fp(follow_up))]
    articles += [(80 + n, _day(3), page) for n, page in enumerate(pages)]
    found = passages_by_day(articles, CONFIG)[_day(3)]
    counts = _site_counts([p for _, _, p in articles], _day(3))
    config = DedupConfig(max_site_articles=1, site_boilerplate_share=0.02)
    raw = _fp(follow_up).astype("<u8").tobytes()
    assert len(article_boilerplate(counts, raw, b"", 3 * DAY, config)) == 25  # by pages
    assert len(article_boilerplate(counts, raw, b"", 3 * DAY, config, found)) == 0
    page = pages[0].astype("<u8").tobytes()
    assert article_boilerplate(counts, page, b"", 3 * DAY, config, found).tolist() == (
        _fp(FOOTER).tolist()
    )


def test_on_a_site_under_its_furniture_two_pages_that_are_no_copies_share_furniture() -> None:
    """The same two texts on an outlet whose footer is on all its pages: two of
    its pages sharing a passage share furniture unless they are copies."""
    item = _own(70, 30)
    texts = [item + FOOTER, item[:25] + _own(71, 90) + FOOTER]  # no copies
    texts += [FOOTER + _own(80 + n) for n in range(3)]
    articles = [(70 + n, _day(3), _fp(text)) for n, text in enumerate(texts)]
    found = passages_by_day(articles, CONFIG)[_day(3)]
    counts = _site_counts([p for _, _, p in articles], _day(3))
    config = DedupConfig(max_site_articles=1, site_boilerplate_share=0.02)
    raw = articles[1][2].astype("<u8").tobytes()
    found_here = article_boilerplate(counts, raw, b"", 3 * DAY, config, found)
    assert set(_fp(item[:25]).tolist()) <= set(found_here.tolist())
