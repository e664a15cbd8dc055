"""WARC archives (transforms/core/formats/warc.py): HTML responses become articles, broken or
large records are rejected."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.warc import parse_warc_stream
from tests import formatgen, textgen
from tests.parsed import HOSTILE, LIMIT, split


@pytest.mark.parametrize("gzip", [True, False])
def test_warc_html_responses_become_articles(gzip: bool, network_calls: list[str]) -> None:
    paragraphs = textgen.article(20, 3)
    warc = formatgen.WarcBuilder(gzip=gzip)
    warc.warcinfo()
    warc.request("https://hv.example/a")
    page = warc.response("https://hv.example/a", formatgen.html_page("Page A", paragraphs))
    undated = warc.response(
        "https://hv.example/b", formatgen.html_page("Page B", textgen.article(21, 2), None)
    )
    missing = warc.response("https://hv.example/gone", b"not found", status="404 Not Found")
    image = warc.response("https://hv.example/p.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    stream = io.BytesIO(warc.buffer.getvalue())

    articles, rejects = split(parse_warc_stream(stream, "cc.warc.gz", LIMIT))

    assert [(a.article_id, a.url, a.line) for a in articles] == [
        ("https://hv.example/a", "https://hv.example/a", page),
        ("https://hv.example/b", "https://hv.example/b", undated),
    ]
    assert articles[0].text == "\n\n".join(paragraphs)
    # The page's own date wins; without one, the record's WARC-Date.
    assert articles[0].published_at == datetime(2026, 3, 2, 7, 15, tzinfo=UTC)
    assert articles[1].published_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert [(r.line, r.reason) for r in rejects] == [
        (missing, RejectReason.NOT_AN_ARTICLE),
        (image, RejectReason.NOT_AN_ARTICLE),
    ]
    assert "404" in rejects[0].detail and "image/jpeg" in rejects[1].detail
    assert "https://hv.example/gone" in rejects[0].excerpt
    assert network_calls == []


def test_warc_broken_tail_keeps_the_records_before_it() -> None:
    warc = formatgen.WarcBuilder(gzip=True)
    good = warc.response("https://hv.example/a", formatgen.html_page("A", textgen.article(22, 2)))
    broken_at = len(warc.buffer.getvalue())
    stream = io.BytesIO(warc.buffer.getvalue() + b"\x1f\x8b\x08\x00garbage that is no gzip")

    articles, rejects = split(parse_warc_stream(stream, "cc.warc.gz", LIMIT))

    assert [a.line for a in articles] == [good]
    [reject] = rejects
    assert reject.reason == RejectReason.MALFORMED_RECORD
    assert reject.line is not None and good <= reject.line <= broken_at


def test_warc_page_over_the_limit_is_too_large() -> None:
    warc = formatgen.WarcBuilder(gzip=False)
    offset = warc.response("https://hv.example/big", formatgen.html_page("Big", ["x " * 900]))
    [reject] = parse_warc_stream(io.BytesIO(warc.buffer.getvalue()), "w.warc", 1000)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.line) == (RejectReason.TOO_LARGE, offset)


def test_empty_warc() -> None:
    [reject] = parse_warc_stream(io.BytesIO(b""), "w.warc", LIMIT)
    assert isinstance(reject, Reject) and reject.reason == RejectReason.EMPTY_FILE


@HOSTILE
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=2000))
def test_any_bytes_in_a_warc_are_articles_or_rejects(noise: bytes, cut: int) -> None:
    warc = formatgen.WarcBuilder(gzip=cut % 2 == 0)
    warc.response("https://hv.example/a", formatgen.html_page("A", textgen.article(30, 2)))
    raw = warc.buffer.getvalue()
    for data in (noise, raw[:cut] + noise, raw + noise):
        results = list(parse_warc_stream(io.BytesIO(data), "w.warc", LIMIT))
        assert all(isinstance(r, InputArticle | Reject) for r in results)
