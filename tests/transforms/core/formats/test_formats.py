"""The HTML, feed, WARC, Parquet and CSV parsers on files the tests generate."""

from __future__ import annotations

import io
import socket
import time
import urllib.request
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.feeds import parse_feed
from newsdedup.transforms.core.formats.html import MAX_PAGE_ELEMENTS, html_fragment_text
from newsdedup.transforms.core.formats.tables import (
    BATCH_ROWS,
    ColumnMapping,
    parse_csv_stream,
    parse_field_options,
    parse_parquet_stream,
)
from newsdedup.transforms.core.formats.warc import parse_warc_stream
from newsdedup.transforms.io.read import extension_of, parse_feed_bytes, parse_html_bytes
from tests import formatgen, textgen

LIMIT = 1_000_000
SECRET = "LOCAL-FILE-CONTENT-7f3a"


def split(results: Iterable[InputArticle | Reject]) -> tuple[list[InputArticle], list[Reject]]:
    done = list(results)
    return (
        [r for r in done if isinstance(r, InputArticle)],
        [r for r in done if isinstance(r, Reject)],
    )


def everything(article: InputArticle) -> str:
    return repr(article)


@pytest.fixture
def network_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every attempt to open a connection or resolve a host, made to fail and recorded."""
    calls: list[str] = []

    def refuse(name: str) -> object:
        def refused(*args: object, **kwargs: object) -> object:
            calls.append(f"{name}{args[:2]}")
            raise OSError(f"network access in a test: {name}")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse("urlopen"))
    yield calls


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_extensions() -> None:
    assert extension_of("a/B.HTM") == ".htm"
    assert extension_of("crawl/CC-NEWS-1.warc.gz") == ".warc.gz"
    assert extension_of("x.gz") == ".gz"
    assert extension_of("feeds/world.atom") == ".atom"


# --- HTML ----------------------------------------------------------------------------------------


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


# --- feeds ---------------------------------------------------------------------------------------


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


# --- WARC ----------------------------------------------------------------------------------------


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


# --- Parquet and CSV -----------------------------------------------------------------------------

MAPPING = parse_field_options(["id=article_id", "text=body", "title=headline"])


def parquet_stream(table: pa.Table, row_group_size: int = BATCH_ROWS) -> io.BytesIO:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=row_group_size)
    buffer.seek(0)
    return buffer


def test_field_options() -> None:
    assert ColumnMapping({"id": "article_id", "text": "body", "title": "headline"}) == MAPPING
    assert MAPPING.column("url") == "url"
    assert parse_field_options([]) == ColumnMapping()
    for bad, message in [
        (["text"], "expected NAME=COLUMN"),
        (["text="], "expected NAME=COLUMN"),
        (["body=text"], "NAME must be one of id, text"),
        (["text=a", "text=b"], "given twice"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_field_options(bad)


def test_parquet_rows_in_batches_with_row_numbers() -> None:
    count = BATCH_ROWS * 2 + 5
    table = pa.table(
        {
            "article_id": [f"p{i}" for i in range(count)],
            "body": [f"Row {i} text." for i in range(count)],
            "headline": [f"Headline {i}" for i in range(count)],
            "published_at": pa.array(
                [datetime(2026, 3, 2, 12, tzinfo=UTC)] * count, pa.timestamp("us", tz="UTC")
            ),
            "unrelated": list(range(count)),
        }
    )
    articles, rejects = split(
        parse_parquet_stream(parquet_stream(table, 700), "t.parquet", MAPPING, LIMIT)
    )
    assert rejects == []
    assert [a.line for a in articles] == list(range(1, count + 1))
    last = articles[-1]
    assert (last.article_id, last.text, last.title) == (
        f"p{count - 1}",
        f"Row {count - 1} text.",
        f"Headline {count - 1}",
    )
    assert last.published_at == datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_parquet_bad_rows_are_rejected_and_neighbours_kept() -> None:
    table = pa.table(
        {
            "article_id": ["a", None, "c", "d", "e"],
            "body": ["Text a.", "Text b.", "   ", None, "Text e."],
            "headline": ["A", "B", "C", "D", None],
            "published_at": ["2026-03-02T10:00:00+01:00", None, None, None, "yesterday"],
        }
    )
    articles, rejects = split(
        parse_parquet_stream(parquet_stream(table), "t.parquet", MAPPING, LIMIT)
    )
    assert [(a.article_id, a.line, a.timestamp_invalid) for a in articles] == [
        ("a", 1, False),
        ("e", 5, True),
    ]
    assert articles[0].published_at == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert [(r.line, r.reason) for r in rejects] == [
        (2, RejectReason.MISSING_ID),
        (3, RejectReason.EMPTY_TEXT),
        (4, RejectReason.MISSING_TEXT),
    ]
    assert '"id": null' in rejects[0].excerpt and "Text b." in rejects[0].excerpt


def test_parquet_nanosecond_and_naive_timestamps() -> None:
    table = pa.table(
        {
            "article_id": ["ns", "naive"],
            "body": ["Text.", "Text."],
            "published_at": [
                pa.scalar(1_772_452_800_123_456_789, pa.timestamp("ns", tz="UTC")).cast(
                    pa.timestamp("ns")
                ),
                pa.scalar(datetime(2026, 3, 2, 12), pa.timestamp("ns")),
            ],
        }
    )
    articles, rejects = split(
        parse_parquet_stream(parquet_stream(table), "t.parquet", MAPPING, LIMIT)
    )
    assert rejects == []
    assert [a.published_at for a in articles] == [
        datetime(2026, 3, 2, 12, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 3, 2, 12, tzinfo=UTC),
    ]


def test_parquet_wrong_types_and_missing_columns() -> None:
    numbers = pa.table({"article_id": [1, 2], "body": ["x", "y"]})
    _, rejects = split(parse_parquet_stream(parquet_stream(numbers), "n.parquet", MAPPING, LIMIT))
    assert [(r.line, r.reason) for r in rejects] == [
        (1, RejectReason.WRONG_TYPE),
        (2, RejectReason.WRONG_TYPE),
    ]
    no_body = pa.table({"article_id": ["a"], "text": ["x"]})
    [reject] = parse_parquet_stream(parquet_stream(no_body), "m.parquet", MAPPING, LIMIT)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.line) == (RejectReason.MISSING_TEXT, None)
    assert "'body'" in reject.detail


def test_unreadable_and_empty_parquet() -> None:
    [reject] = parse_parquet_stream(io.BytesIO(b"PAR1 not really"), "x.parquet", MAPPING, LIMIT)
    assert isinstance(reject, Reject) and reject.reason == RejectReason.MALFORMED_RECORD
    empty = pa.table({"article_id": pa.array([], pa.string()), "body": pa.array([], pa.string())})
    [reject] = parse_parquet_stream(parquet_stream(empty), "e.parquet", MAPPING, LIMIT)
    assert isinstance(reject, Reject) and reject.reason == RejectReason.EMPTY_FILE


def test_csv_rows_as_strings_with_bad_rows_in_place() -> None:
    data = (
        b"article_id,headline,body,views\n"
        b'0042,Quay,"First line.\n\nSecond paragraph, quoted.",12\n'
        b"43,Broken,too,many,fields\n"
        b"44,Tide,Text of 44.,many\n"
        b",No id,Text.,1\n"
        b"46,Empty,,1\n"
    )
    articles, rejects = split(parse_csv_stream(io.BytesIO(data), "t.csv", MAPPING, LIMIT))
    assert [(a.article_id, a.line, a.title) for a in articles] == [
        ("0042", 1, "Quay"),
        ("44", 3, "Tide"),
    ]
    assert articles[0].text == "First line.\n\nSecond paragraph, quoted."
    assert [(r.line, r.reason) for r in rejects] == [
        (2, RejectReason.MALFORMED_RECORD),
        (4, RejectReason.MISSING_ID),
        (5, RejectReason.EMPTY_TEXT),
    ]
    assert rejects[0].excerpt == "43,Broken,too,many,fields"


def test_csv_row_numbers_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("newsdedup.transforms.core.formats.tables._CSV_BLOCK_BYTES", 256)
    lines = ["article_id,body"]
    for i in range(1, 200):
        lines.append(f"r{i},extra,field" if i % 50 == 0 else f"r{i},Text number {i}.")
    data = ("\n".join(lines) + "\n").encode()
    articles, rejects = split(parse_csv_stream(io.BytesIO(data), "t.csv", MAPPING, LIMIT))
    assert all(a.article_id == f"r{a.line}" for a in articles)
    assert [r.line for r in rejects] == [50, 100, 150]
    assert len(articles) + len(rejects) == 199


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", RejectReason.EMPTY_FILE),
        (b"article_id,body\n", RejectReason.EMPTY_FILE),
        (b"id,title\n1,x\n", RejectReason.MISSING_ID),
        (b"article_id,title\n1,x\n", RejectReason.MISSING_TEXT),
    ],
)
def test_csv_file_level_rejects(data: bytes, reason: RejectReason) -> None:
    [reject] = parse_csv_stream(io.BytesIO(data), "t.csv", MAPPING, LIMIT)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.line) == (reason, None)


# --- hostile input: any bytes give articles or rejects, never an exception ----------------------

HOSTILE = settings(max_examples=60, deadline=None)
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


@HOSTILE
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=2000))
def test_any_bytes_in_a_warc_are_articles_or_rejects(noise: bytes, cut: int) -> None:
    warc = formatgen.WarcBuilder(gzip=cut % 2 == 0)
    warc.response("https://hv.example/a", formatgen.html_page("A", textgen.article(30, 2)))
    raw = warc.buffer.getvalue()
    for data in (noise, raw[:cut] + noise, raw + noise):
        results = list(parse_warc_stream(io.BytesIO(data), "w.warc", LIMIT))
        assert all(isinstance(r, InputArticle | Reject) for r in results)


@HOSTILE
@given(st.binary(max_size=400))
def test_any_bytes_in_a_table_are_articles_or_rejects(data: bytes) -> None:
    for parse in (parse_csv_stream, parse_parquet_stream):
        results = list(parse(io.BytesIO(data), "t", MAPPING, LIMIT))
        assert results and all(isinstance(r, InputArticle | Reject) for r in results)
