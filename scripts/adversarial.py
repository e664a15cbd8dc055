"""Time the parsers on hostile input: no pattern may backtrack catastrophically.

Builds inputs designed to trip regular expressions (long runs of spaces and
digits, lines that almost look like newsblog day headings, deep JSON nesting,
one giant line, deeply nested or very long HTML and feeds) and times parsing,
normalisation and shingling of each. Every
input is processed in time roughly linear in its size; the script prints the
seconds and the throughput.

    python scripts/adversarial.py [--size 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from newsdedup.transforms.core.formats.feeds import parse_feed
from newsdedup.transforms.core.formats.html import MAX_PAGE_ELEMENTS, PageOrigin, parse_html_page
from newsdedup.transforms.core.formats.jsonl import parse_jsonl_record
from newsdedup.transforms.core.formats.textdocs import clean_text, parse_text_document
from newsdedup.transforms.core.signals.normalize import normalize_for_matching, words
from newsdedup.transforms.core.signals.shingles import shingle_hashes


def hostile_inputs(size: int) -> dict[str, str]:
    heading_like = "Montag, 27. Oktober und dann noch sehr viel mehr Text\n"
    return {
        "spaces": "a" + " " * size + "b",
        "digits": "1" * size,
        "digits and dots": "1." * (size // 2),
        "heading look-alikes": heading_like * (size // len(heading_like)),
        "headings without text": "Montag, 27. Oktober\n\n" * (size // 21),
        "blank lines": "\n" * size,
        "one long word": "x" * size,
        "quotes and dashes": "\u201e\u2013\u201c" * (size // 3),
        "deep json": "[" * (size // 10) + "]" * (size // 10),
        "json with long text": '{"id": "x", "text": "' + "word " * (size // 5) + '"}',
        "nested markup": "<html><body>" + "<p><b><i>" * (size // 9),
        "nested markup at the cap": "<html><body>" + "<p><b><i>" * (MAX_PAGE_ELEMENTS // 3 - 1),
        "many paragraphs": "<html><body>" + "<p>a few words</p>" * (size // 18),
        "feed items": '<rss version="2.0"><channel><title>t</title>'
        + "<item><guid>g</guid><description>a few words</description></item>" * (size // 66),
        "nested feed markup": '<rss version="2.0"><channel><item><guid>g</guid><description>'
        + "&lt;b&gt;" * (size // 9),
    }


def steps() -> dict[str, Callable[[str], object]]:
    return {
        "parse as text document": lambda s: parse_text_document(s, "doc", "doc.txt"),
        "parse as JSON line": lambda s: parse_jsonl_record(s, "f.jsonl", 1),
        "clean": clean_text,
        "normalise + shingle": lambda s: shingle_hashes(words(normalize_for_matching(s)), 5),
        "parse as HTML page": lambda s: parse_html_page(
            s.encode(), PageOrigin("x", "x.html", None)
        ),
        "parse as feed": lambda s: list(parse_feed(s.encode(), "x.xml", len(s) * 4 + 1)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_000_000, help="characters per input")
    args = parser.parse_args(argv)
    print(f"{'input':24} {'step':24} {'seconds':>8} {'MB/s':>8}")
    slowest = 0.0
    for name, text in hostile_inputs(args.size).items():
        for step, run in steps().items():
            started = time.perf_counter()
            run(text)
            seconds = time.perf_counter() - started
            slowest = max(slowest, seconds)
            rate = len(text.encode("utf-8")) / 1e6 / seconds if seconds else float("inf")
            print(f"{name:24} {step:24} {seconds:8.3f} {rate:8.1f}")
    print(f"slowest step: {slowest:.3f} s for {args.size:,} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
