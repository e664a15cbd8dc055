"""Tests for core.signals.analysis: a site's boilerplate, and signing a shingled
article without it."""

from __future__ import annotations

import numpy as np

from newsdedup.schemas.records import InputArticle
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.analysis import (
    ArticleAnalyzer,
    article_boilerplate,
    content_shingle_hashes,
    sign_article,
    site_count_hashes,
)
from newsdedup.transforms.core.signals.daycounts import DayCounts, dated_keys, key_counts
from newsdedup.transforms.core.signals.entities import entity_hashes
from newsdedup.transforms.core.signals.fingerprints import passage_fingerprints, without_boilerplate
from newsdedup.transforms.core.signals.signatures import signature_to_bytes

CONFIG = DedupConfig()
CONTENT = (
    "The city council approved the new budget on Tuesday after a long debate about "
    "schools, roads and the harbour. Opposition members said the plan spends too "
    "little on housing, while the mayor called it the most balanced budget in years."
)
FOOTER = (
    "Subscribe to our newsletter for the latest news from the region, delivered to "
    "your inbox every morning. Follow us on social media and share your stories."
)


def test_signing_removes_boilerplate_from_the_shingles_it_carries() -> None:
    analyzer = ArticleAnalyzer(CONFIG)
    shingled = analyzer.shingle(InputArticle("a1", f"{CONTENT}\n\n{FOOTER}"))
    hashes = content_shingle_hashes(f"{CONTENT}\n\n{FOOTER}", shingled.language, CONFIG)
    assert np.frombuffer(shingled.shingle_hashes, dtype="<u8").tolist() == hashes.tolist()
    footer_hashes = content_shingle_hashes(FOOTER, shingled.language, CONFIG)
    boilerplate = passage_fingerprints(footer_hashes, CONFIG.anchor_window)

    sketch = analyzer.sign(shingled, boilerplate).sketch

    # What shingling the text again and removing the boilerplate windows gives.
    content, fingerprints = without_boilerplate(hashes, CONFIG.anchor_window, boilerplate)
    assert len(content) < len(hashes)
    assert sketch.signature == signature_to_bytes(analyzer.signatures.signature(content))
    assert sketch.signature != shingled.raw_signature
    assert np.frombuffer(sketch.fingerprints, dtype="<u8").tolist() == fingerprints.tolist()


def test_a_page_without_boilerplate_keeps_its_whole_text_signature() -> None:
    analyzer = ArticleAnalyzer(CONFIG)
    shingled = analyzer.shingle(InputArticle("a1", CONTENT))
    unrelated = passage_fingerprints(
        content_shingle_hashes(FOOTER, shingled.language, CONFIG), CONFIG.anchor_window
    )
    sketch = analyzer.sign(shingled, unrelated).sketch
    assert sketch.signature == shingled.raw_signature
    assert sketch.fingerprints == shingled.raw_fingerprints


NAVIGATION = "Home | Politics | Business | Science | Culture | Health | Sports | Log in"


def _entity_words(text: bytes) -> set[int]:
    return set(np.frombuffer(text, dtype="<u8").tolist())


def test_names_on_a_lead_line_that_is_page_furniture_are_no_entities() -> None:
    """A navigation line above every page of a portal names the same words on
    all of them: once its windows are furniture, its names leave the lead
    entities, and are stored so; the report's own names stay."""
    analyzer = ArticleAnalyzer(CONFIG)
    story = f"{CONTENT} Mayor Jane Holloway thanked Councillor Ortiz."
    shingled = analyzer.shingle(
        InputArticle("a1", f"{NAVIGATION}\n\n{story}", title="Budget approved")
    )
    plain = analyzer.shingle(InputArticle("a1", story, title="Budget approved"))
    navigation = passage_fingerprints(
        content_shingle_hashes(NAVIGATION, shingled.language, CONFIG), CONFIG.anchor_window
    )
    nav_names = _entity_words(shingled.entities) - _entity_words(plain.entities)
    own_names = set(entity_hashes(["jane", "holloway", "ortiz"]).tolist())
    assert len(nav_names) >= 5 and own_names <= _entity_words(plain.entities)

    signed = sign_article(
        shingled, analyzer.signatures, CONFIG, navigation, text_boilerplate=navigation
    )
    assert not nav_names & _entity_words(signed.sketch.entities)
    assert own_names <= _entity_words(signed.sketch.entities)
    assert _entity_words(signed.raw_entities) == _entity_words(signed.sketch.entities)
    # Boilerplate that is no furniture (a passage a few groups share) keeps them.
    kept = sign_article(shingled, analyzer.signatures, CONFIG, navigation)
    assert nav_names <= _entity_words(kept.raw_entities)


def _hashes(numbers: list[int]) -> bytes:
    # Count keys keep a hash's upper 48 bits: these numbers stand for hashes apart there.
    return (np.array(numbers, dtype=np.uint64) << np.uint64(32)).astype("<u8").tobytes()


def _site_counts(pages: list[list[int]], day: int) -> DayCounts:
    """A site's day counts, as FindSiteBoilerplate builds them, of pages of one day."""
    keys = np.concatenate([dated_keys(site_count_hashes(_hashes(p)), day) for p in pages])
    return DayCounts.of(*key_counts(keys, np.ones(len(keys))))


def test_a_passage_on_two_pages_of_a_small_site_is_its_boilerplate() -> None:
    config = DedupConfig(max_site_articles=1, site_boilerplate_share=0.02)
    counts = _site_counts([[1, 2], [1, 3]], day=100)
    found = article_boilerplate(counts, _hashes([1, 2]), b"", 100 * 86_400.0 - 86_400, config)
    assert found.tobytes() == _hashes([1])


def test_wire_text_a_few_pages_of_a_large_feed_share_is_not_its_boilerplate() -> None:
    """One source for a whole agency feed: 4 of its 300 pages share a paragraph
    (2 is more than max_site_articles, but not more than 2% of the pages), while a
    footer on every page is still boilerplate."""
    pages = [[7, 1000 + n] for n in range(296)] + [[7, 5, 2000 + n] for n in range(4)]
    counts = _site_counts(pages, day=100)
    at = 100 * 86_400.0 - 86_400
    config = DedupConfig(max_site_articles=1, site_boilerplate_share=0.02)
    found = article_boilerplate(counts, _hashes([5, 7]), b"", at, config)
    assert found.tobytes() == _hashes([7])
    # Without the share, every passage two pages share is the feed's boilerplate.
    without_share = DedupConfig(max_site_articles=1, site_boilerplate_share=0.0)
    found = article_boilerplate(counts, _hashes([5, 7]), b"", at, without_share)
    assert found.tobytes() == _hashes([5, 7])
