"""RSS and Atom feeds (transforms/core/formats/feeds.py): one article per item, bad items
rejected, entities never resolved."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsdedup.schemas.records import Reject, RejectReason
from newsdedup.transforms.core.formats.feeds import parse_feed
from newsdedup.transforms.io.read import parse_feed_bytes
from tests import formatgen, textgen
from tests.parsed import LIMIT, SECRET, everything, split


def test_rss_items_use_full_content_else_summary() -> None:
    full, short = textgen.article(10, 3), textgen.article(11, 1)
    feed = formatgen.rss_feed(
        [
            {
                "guid": "hv-1001",
                "link": "https://hv.example/1001",
                "title": "Ferry strike ends",
                "description": "A teaser that must not win.",
                "content": formatgen.html_paragraphs(full),
                "pubDate": "Mon, 02 Mar 2026 08:00:00 +0100",
            },
            {"link": "https://hv.example/1002", "title": "Summary only", "description": short[0]},
        ]
    )
    articles, rejects = split(parse_feed(feed, "world.rss", LIMIT))

    assert rejects == []
    first, second = articles
    assert (first.article_id, first.url, first.title) == (
        "hv-1001",
        "https://hv.example/1001",
        "Ferry strike ends",
    )
    assert first.text == "\n\n".join(full)
    assert first.published_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert first.source == "Harbourview Daily: World"
    assert (second.article_id, second.text, second.published_at) == (
        "https://hv.example/1002",
        short[0],
        None,
    )
    assert [(a.line, a.source_file) for a in articles] == [(1, "world.rss"), (2, "world.rss")]


def test_atom_entries() -> None:
    body = textgen.article(12, 2)
    feed = formatgen.atom_feed(
        [
            {
                "id": "urn:courier:1",
                "title": "Dam inspection",
                "updated": "2026-03-01T18:30:00+02:00",
                "link": "https://courier.example/dam",
                "content": formatgen.html_paragraphs(body),
                "summary": "teaser",
            },
            {"id": "urn:courier:2", "title": "Short", "summary": "<b>Bold</b> summary text."},
        ]
    )
    articles, rejects = split(parse_feed(feed, "courier.atom", LIMIT))
    assert rejects == []
    assert [(a.article_id, a.url) for a in articles] == [
        ("urn:courier:1", "https://courier.example/dam"),
        ("urn:courier:2", None),
    ]
    assert articles[0].text == "\n\n".join(body)
    assert articles[0].published_at == datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    assert articles[1].text == "Bold summary text."


def test_bad_items_are_rejected_and_their_neighbours_kept() -> None:
    feed = formatgen.rss_feed(
        [
            {"guid": "ok-1", "description": "Fine text one."},
            {"title": "No id, no link", "description": "Orphan text."},
            {"guid": "no-text", "title": "Headline only"},
            {"guid": "ok-2", "description": "Fine text two.", "pubDate": "not a date"},
            {"guid": "markup", "description": "<img src='x.png'>"},
        ]
    )
    articles, rejects = split(parse_feed(feed, "f.xml", LIMIT))
    assert [(a.article_id, a.line) for a in articles] == [("ok-1", 1), ("ok-2", 4)]
    assert (articles[1].published_at, articles[1].timestamp_invalid) == (None, True)
    assert [(r.line, r.reason) for r in rejects] == [
        (2, RejectReason.MISSING_ID),
        (3, RejectReason.MISSING_TEXT),
        (5, RejectReason.EMPTY_TEXT),
    ]
    assert "Orphan text." in rejects[0].excerpt


def test_feed_external_entities_are_never_resolved(
    network_calls: list[str], secret_file: Path
) -> None:
    feed = f"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY local SYSTEM "file://{secret_file}">
  <!ENTITY remote SYSTEM "{formatgen.REMOTE}/entity.xml">
  <!ENTITY % param SYSTEM "{formatgen.REMOTE}/param.dtd"> %param;
]>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Feed &local;</title>
<item><guid>e1</guid><title>T &local; &remote;</title>
<description>Body &local; and &remote; here.</description>
<content:encoded>&local;</content:encoded></item>
</channel></rss>""".encode()
    articles, rejects = split(parse_feed(feed, "hostile.xml", LIMIT))
    assert len(articles) + len(rejects) == 1
    assert all(SECRET not in everything(a) for a in articles)
    assert all(SECRET not in r.excerpt + r.detail for r in rejects)
    assert network_calls == []


def test_entity_expansion_bomb_stays_small() -> None:
    lol = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    feed = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol0 "lol">{lol}]>
<rss version="2.0"><channel><title>t</title>
<item><guid>b1</guid><description>&lol9;</description></item></channel></rss>""".encode()
    started = time.monotonic()
    results = list(parse_feed(feed, "bomb.xml", LIMIT))
    assert time.monotonic() - started < 5
    assert len(results) == 1
    assert len(repr(results[0])) < 10_000


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"this is not xml at all, just words", RejectReason.MALFORMED_RECORD),
        (formatgen.rss_feed([]), RejectReason.EMPTY_FILE),
    ],
)
def test_feed_without_items(data: bytes, reason: RejectReason) -> None:
    [reject] = parse_feed(data, "f.rss", LIMIT)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.line) == (reason, None)


def test_feed_that_looks_like_a_url_or_path_is_not_opened(
    network_calls: list[str], secret_file: Path
) -> None:
    for data in (f"{formatgen.REMOTE}/feed.xml".encode(), str(secret_file).encode()):
        [reject] = parse_feed_bytes(data, "f.xml", LIMIT)
        assert isinstance(reject, Reject) and SECRET not in reject.excerpt + reject.detail
    assert network_calls == []
