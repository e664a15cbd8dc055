"""HTML pages (transforms/core/formats/html.py): main text, title, date and site; rejects;
nothing is ever loaded from outside."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.html import MAX_PAGE_ELEMENTS, html_fragment_text
from newsdedup.transforms.io.read import parse_feed_bytes, parse_html_bytes
from tests import formatgen, textgen
from tests.parsed import HOSTILE, LIMIT, SECRET, everything


def test_html_page_main_text_title_date_and_site(network_calls: list[str]) -> None:
    paragraphs = textgen.article(1, 4)
    page = formatgen.html_page(
        "Harbour bridge reopens", paragraphs, canonical="https://hv.example/b"
    )
    article = parse_html_bytes(page, "in/pages/bridge-story.html", LIMIT)

    assert isinstance(article, InputArticle)
    assert article.article_id == "bridge-story"
    assert article.title == "Harbour bridge reopens"
    assert article.text == "\n\n".join(paragraphs)
    assert article.published_at == datetime(2026, 3, 2, 7, 15, tzinfo=UTC)
    assert (article.url, article.source) == ("https://hv.example/b", "Harbourview Daily")
    assert (article.line, article.source_file) == (None, "in/pages/bridge-story.html")
    for wrapper in (formatgen.COOKIE_BANNER, formatgen.NEWSLETTER, formatgen.FOOTER, "Weather"):
        assert wrapper not in article.text
    assert network_calls == []


def test_html_page_without_date_has_none() -> None:
    page = formatgen.html_page("No date", textgen.article(2, 3), published=None)
    article = parse_html_bytes(page, "p.htm", LIMIT)
    assert isinstance(article, InputArticle)
    assert (article.published_at, article.timestamp_invalid) == (None, False)


def test_html_page_without_main_text_is_rejected() -> None:
    page = b"<html><head><title>Loading</title></head><body><script>load()</script></body></html>"
    reject = parse_html_bytes(page, "menu.html", LIMIT)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.line) == (RejectReason.EMPTY_TEXT, None)
    assert reject.excerpt.startswith("<html>")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", RejectReason.EMPTY_FILE),
        (b"\x00\x01PNG" * 10, RejectReason.BINARY_FILE),
        (b"<html><body><p>" + b"x" * 2000 + b"</p></body></html>", RejectReason.TOO_LARGE),
    ],
)
def test_html_file_rejects(data: bytes, reason: RejectReason) -> None:
    reject = parse_html_bytes(data, "bad.html", 1000)
    assert isinstance(reject, Reject)
    assert reject.reason == reason


def test_html_page_with_too_many_elements_is_too_large() -> None:
    page = b"<html><body>" + b"<p><b><i>" * (MAX_PAGE_ELEMENTS // 3 + 1) + b"</body></html>"
    reject = parse_html_bytes(page, "deep.html", 10 * LIMIT)
    assert isinstance(reject, Reject)
    assert reject.reason == RejectReason.TOO_LARGE and "elements" in reject.detail


def test_html_entities_and_resources_are_never_loaded(
    network_calls: list[str], secret_file: Path
) -> None:
    paragraphs = textgen.article(3, 3)
    page = (
        f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY local SYSTEM "file://{secret_file}">'
        f'<!ENTITY remote SYSTEM "{formatgen.REMOTE}/entity.txt">]>'
    ).encode() + formatgen.html_page("Entities &local; &remote;", [*paragraphs, "End &local;."])
    article = parse_html_bytes(page, "hostile.html", LIMIT)

    assert isinstance(article, InputArticle)
    assert paragraphs[0] in article.text
    assert SECRET not in everything(article)
    assert network_calls == []


def test_html_fragment_text_keeps_paragraphs_and_drops_scripts() -> None:
    fragment = "<p>First &amp; one.</p><script>alert(1)</script><p>Second<br>line</p>tail"
    assert html_fragment_text(fragment) == "First & one.\n\nSecond\n\nline\n\ntail"
    assert html_fragment_text("plain text, no markup") == "plain text, no markup"


# Fragments of each format, so that the fuzzer reaches past the first check.
MARKUP = st.sampled_from(
    ["<", ">", "</p>", "<p>", "<item>", "</item>", "<entry>", "<![CDATA[", "]]>", "&amp;", "&x;"]
)


PROLOGUE = st.sampled_from(
    ["<!DOCTYPE x [", "<!ENTITY e SYSTEM 'http://127.0.0.1:9/'>", "<rss>", "<html>", "\x00"]
)


def _markup(parts: list[str]) -> bytes:
    return "".join(parts).encode("utf-8", errors="surrogatepass")


@HOSTILE
@given(st.lists(MARKUP | PROLOGUE | st.text(max_size=20), max_size=40))
def test_any_markup_is_articles_or_rejects(parts: list[str]) -> None:
    data = _markup(parts)
    for result in [
        parse_html_bytes(data, "f.html", LIMIT),
        *parse_feed_bytes(data, "f.xml", LIMIT),
    ]:
        assert isinstance(result, InputArticle | Reject)
        if isinstance(result, InputArticle):
            assert result.text.strip() and result.article_id
