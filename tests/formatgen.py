"""Input files in every format, generated from invented text (tests/textgen.py)."""

from __future__ import annotations

import csv
import io
import json
from html import escape
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests import textgen

# Wrapper text of an invented news site: what main-text extraction must remove.
NAVIGATION = "Home World Business Sport Culture Weather"
COOKIE_BANNER = (
    "We use cookies to improve your experience on Harbourview Daily. Accept all cookies."
)
NEWSLETTER = "Sign up for the Harbourview morning briefing, delivered to your inbox every day."
FOOTER = "Copyright 2026 Harbourview Daily Media Group. All rights reserved. Imprint."
# Nothing may ever load these: a port nobody listens on, and a local file.
REMOTE = "http://127.0.0.1:9"


def html_page(
    title: str,
    paragraphs: list[str],
    published: str | None = "2026-03-02T08:15:00+01:00",
    canonical: str | None = None,
) -> bytes:
    """A complete news page: head metadata, site wrapper, remote resources, the article."""
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | Harbourview Daily</title>
<meta property="og:site_name" content="Harbourview Daily">{meta}{link}
<link rel="stylesheet" href="{REMOTE}/site.css"><script src="{REMOTE}/track.js"></script>
</head><body>
<nav><ul>{"".join(f'<li><a href="/{w}">{w}</a></li>' for w in NAVIGATION.split())}</ul></nav>
<div id="cookie-banner" class="cookie-consent"><p>{COOKIE_BANNER}</p><button>OK</button></div>
<main><article><h1>{escape(title)}</h1>{body}
<img src="{REMOTE}/photo.jpg" alt="photo"><iframe src="{REMOTE}/video"></iframe></article></main>
<aside class="newsletter-signup"><p>{NEWSLETTER}</p><form><input type="email"></form></aside>
<footer><p>{FOOTER}</p></footer>
</body></html>""".encode()


def rss_feed(items: list[dict[str, str]], title: str = "Harbourview Daily: World") -> bytes:
    """RSS 2.0; each item's keys become elements (`content` becomes content:encoded)."""
    parts = []
    for item in items:
        fields = []
        for key, value in item.items():
            if key == "content":
                fields.append(f"<content:encoded><![CDATA[{value}]]></content:encoded>")
            else:
                fields.append(f"<{key}>{escape(value)}</{key}>")
        parts.append(f"<item>{''.join(fields)}</item>")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>{escape(title)}</title><link>https://harbourview.example/</link>
{"".join(parts)}</channel></rss>""".encode()


def atom_feed(entries: list[dict[str, str]]) -> bytes:
    """Atom 1.0; `content` and `summary` are HTML, `link` an alternate link."""
    parts = []
    for entry in entries:
        fields = [f"<id>{escape(entry['id'])}</id>", f"<title>{escape(entry['title'])}</title>"]
        if "updated" in entry:
            fields.append(f"<updated>{entry['updated']}</updated>")
        if "link" in entry:
            fields.append(f'<link rel="alternate" href="{escape(entry["link"])}"/>')
        for kind in ("content", "summary"):
            if kind in entry:
                fields.append(f'<{kind} type="html">{escape(entry[kind])}</{kind}>')
        parts.append(f"<entry>{''.join(fields)}</entry>")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wexmoor Courier</title>
<id>urn:example:courier</id><updated>2026-03-02T10:00:00Z</updated>
{"".join(parts)}</feed>""".encode()


def html_paragraphs(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


class WarcBuilder:
    """Builds a WARC in memory, record by record, remembering each record's offset."""

    def __init__(self, gzip: bool) -> None:
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=gzip)
        self.offsets: list[int] = []

    def _write(self, record: object) -> int:
        offset = self.buffer.tell()
        self.writer.write_record(record)
        self.offsets.append(offset)
        return offset

    def warcinfo(self) -> int:
        return self._write(self.writer.create_warcinfo_record("news.warc", {"software": "tests"}))

    def request(self, uri: str) -> int:
        headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
        return self._write(
            self.writer.create_warc_record(
                uri, "request", payload=io.BytesIO(b""), http_headers=headers
            )
        )

    def response(
        self,
        uri: str,
        payload: bytes,
        status: str = "200 OK",
        content_type: str = "text/html; charset=utf-8",
        date: str = "2026-03-02T09:30:00Z",
    ) -> int:
        headers = StatusAndHeaders(
            status,
            [("Content-Type", content_type), ("Content-Length", str(len(payload)))],
            protocol="HTTP/1.1",
        )
        record = self.writer.create_warc_record(
            uri,
            "response",
            payload=io.BytesIO(payload),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": date},
        )
        return self._write(record)

    def write(self, path: Path) -> Path:
        path.write_bytes(self.buffer.getvalue())
        return path


# The --field options that map the columns of the tables write_every_format writes.
EVERY_FORMAT_FIELDS = [
    "--field",
    "id=article_id",
    "--field",
    "text=body",
    "--field",
    "title=headline",
]


def write_every_format(folder: Path) -> None:
    """Eight formats (read them with EVERY_FORMAT_FIELDS); the wire story (seed 1)
    also arrives as a web page and a table row."""
    wire = textgen.text(textgen.article(1, 4))
    (folder / "wire.jsonl").write_text(
        json.dumps({"id": "wire-1", "text": wire, "source": "Agency"})
        + "\n"
        + json.dumps({"id": "wire-2", "text": textgen.text(textgen.article(2, 4))})
        + "\n",
        encoding="utf-8",
    )
    (folder / "note.txt").write_text(
        "date 2026-03-02 local Tide tables\n\n" + textgen.text(textgen.article(3, 3)),
        encoding="utf-8",
    )
    (folder / "bridge.html").write_bytes(
        html_page("Bridge reopens", textgen.article(1, 4), canonical="https://hv.example/b")
    )
    (folder / "world.rss").write_bytes(
        rss_feed(
            [
                {"guid": "rss-1", "content": html_paragraphs(textgen.article(4, 3))},
                {
                    "link": "https://hv.example/rss-2",
                    "description": textgen.text(textgen.article(5, 1)),
                },
                {"title": "no id and no link", "description": "Lost."},
            ]
        )
    )
    (folder / "courier.atom").write_bytes(
        atom_feed(
            [
                {
                    "id": "urn:courier:1",
                    "title": "Dam",
                    "content": html_paragraphs(textgen.article(6, 3)),
                }
            ]
        )
    )
    warc = WarcBuilder(gzip=True)
    warc.warcinfo()
    warc.response("https://cc.example/news/7", html_page("Seven", textgen.article(7, 3)))
    warc.response("https://cc.example/missing", b"gone", status="404 Not Found")
    warc.write(folder / "crawl.warc.gz")
    _write_tables(folder, wire)


def _write_tables(folder: Path, wire: str) -> None:
    """The Parquet table (with the wire story again) and the CSV of write_every_format."""
    pq.write_table(
        pa.table(
            {
                "article_id": ["wire-1", "pq-8", None],
                "body": [wire, textgen.text(textgen.article(8, 3)), "no id"],
                "headline": ["Wire", "Eight", None],
            }
        ),
        folder / "table.parquet",
    )
    with (folder / "table.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["article_id", "headline", "body"])
        writer.writerow(["csv-9", "Nine", textgen.text(textgen.article(9, 3))])
        writer.writerow(["csv-10", "Ten", "too", "many", "fields"])
