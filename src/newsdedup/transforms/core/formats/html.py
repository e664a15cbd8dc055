"""HTML pages to articles: main text, title, date and site name by trafilatura.

Nothing here touches the network. Pages are parsed by lxml's HTML parser, which
never loads external resources (stylesheets, scripts, images, DTDs), and handed
to trafilatura as a parsed tree, so that neither trafilatura nor htmldate ever
sees a string they could take for a URL to download.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import lxml.html
import trafilatura
from lxml.etree import ParserError
from trafilatura.settings import Document

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.jsonl import excerpt, parse_timestamp
from newsdedup.transforms.core.formats.textdocs import clean_text

__all__ = ["MAX_PAGE_ELEMENTS", "PageOrigin", "html_fragment_text", "parse_html_page"]

# News pages have a few thousand elements. Extraction time grows faster than
# the element count on deeply nested markup (scripts/adversarial.py measures it),
# so a page far beyond any real one is rejected before extraction.
MAX_PAGE_ELEMENTS = 50_000

# htmldate reads dates from the page's markup only (meta tags, time elements,
# JSON-LD), never guesses from free text, and does not depend on today's date.
_DATE_PARAMS: dict[str, Any] = {
    "extensive_search": False,
    "original_date": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
    "max_date": "2200-12-31",
}
# Elements after which a line break separates the text of a feed's HTML fragment.
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
    | {"pre", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption"}
)


@dataclass(frozen=True, slots=True)
class PageOrigin:
    """Where a page came from: the id it gets, and what its container knows.

    `url` and `fetched_at` come from the container (a WARC record's target URI
    and date); the page's own canonical URL and publication date win over them.
    """

    article_id: str
    source_file: str
    line: int | None
    url: str | None = None
    fetched_at: datetime | None = None


def _paragraphs(text: str) -> str:
    # trafilatura puts one paragraph on each line; the stored form separates them
    # by a blank line.
    return clean_text(text.replace("\n", "\n\n"))


def parse_html_page(data: bytes, origin: PageOrigin) -> InputArticle | Reject:
    """The article of one HTML page, or a reject: `empty_text` (no main text),
    `too_large` (more than MAX_PAGE_ELEMENTS elements), `malformed_record` (extraction failed)."""

    def reject(detail: str, reason: RejectReason = RejectReason.EMPTY_TEXT) -> Reject:
        return Reject(origin.source_file, origin.line, reason, detail, excerpt(data))

    try:
        tree = trafilatura.load_html(data)
        if tree is None:
            return reject("not an HTML page, or one without content")
        elements = sum(1 for _ in tree.iter())
        if elements > MAX_PAGE_ELEMENTS:
            detail = f"page of {elements} elements exceeds the limit of {MAX_PAGE_ELEMENTS}"
            return reject(detail, RejectReason.TOO_LARGE)
        document = trafilatura.bare_extraction(
            tree,
            url=origin.url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            deduplicate=False,
            date_extraction_params=_DATE_PARAMS,
        )
    except Exception as error:  # heuristics over arbitrary markup: one page never fails a job
        return reject(f"cannot extract the page: {error!r}"[:200], RejectReason.MALFORMED_RECORD)
    body = _paragraphs(document.text or "") if isinstance(document, Document) else ""
    if not isinstance(document, Document) or not body:
        return reject("no main text found in the page")
    title = clean_text(document.title or "") or None
    if title and body.startswith(title + "\n"):
        # The headline is usually the first line of the main text too.
        body = body[len(title) :].lstrip("\n")
    page_date = parse_timestamp(document.date) if document.date else None
    published_at = page_date or origin.fetched_at
    return InputArticle(
        article_id=origin.article_id,
        text=body,
        title=title,
        url=document.url or origin.url,
        source=clean_text(document.sitename or "") or None,
        published_at=published_at,
        language_hint=document.language or None,
        source_file=origin.source_file,
        line=origin.line,
        timestamp_invalid=published_at is None and bool(document.date),
    )


def html_fragment_text(fragment: str) -> str:
    """The readable text of an HTML fragment (a feed item's content), paragraphs kept."""
    if "<" not in fragment and "&" not in fragment:
        return clean_text(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return clean_text(fragment)
    for element in list(root.iter("script", "style")):
        element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
            element.tail = "\n\n" + (element.tail or "")
    return clean_text(root.text_content())
