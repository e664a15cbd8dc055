"""Arbitrary input never raises, and the outputs keep their invariants."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.schemas.records import InputArticle, Reject
from newsdedup.transforms.core.formats.jsonl import EXCERPT_CHARS, parse_jsonl_record
from newsdedup.transforms.core.signals.normalize import normalize_for_matching
from newsdedup.transforms.core.signals.shingles import shingle_hashes, tokens_for
from newsdedup.transforms.io.read import parse_jsonl_stream

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.text())
def test_any_line_is_an_article_or_a_reject(line: str) -> None:
    result = parse_jsonl_record(line, "f.jsonl", 7)
    assert isinstance(result, InputArticle | Reject)
    if isinstance(result, Reject):
        assert result.line == 7 and len(result.excerpt) <= EXCERPT_CHARS and result.detail


@given(
    st.dictionaries(
        st.sampled_from(["id", "text", "title", "url", "published_at", "x"]), JSON_VALUES
    )
)
def test_any_object_is_an_article_or_a_reject(record: dict[str, object]) -> None:
    result = parse_jsonl_record(json.dumps(record), "f.jsonl", 1)
    if isinstance(result, InputArticle):
        assert isinstance(record.get("id"), str) and result.article_id == record["id"]
        assert result.text.strip()
        assert result.published_at is None or result.published_at.utcoffset() is not None


@given(st.lists(st.binary(max_size=200), max_size=20))
def test_any_bytes_stream_accounts_for_every_non_blank_line(lines: list[bytes]) -> None:
    raw = [line.replace(b"\n", b" ") + b"\n" for line in lines]
    results = list(parse_jsonl_stream(raw, "f.jsonl", max_record_bytes=150))
    # A byte-order mark at the start of the stream is no content.
    unmarked = [raw[0].removeprefix(b"\xef\xbb\xbf"), *raw[1:]] if raw else []
    non_blank = sum(1 for line in unmarked if line.strip())
    binary_first = bool(raw) and b"\x00" in raw[0]
    if binary_first or not non_blank:
        assert len(results) == 1 and isinstance(results[0], Reject)
    else:
        assert len(results) == non_blank


@settings(max_examples=200)
@given(st.text(), st.sampled_from(["en", "de", "zh-cn", "ja", "th", "und"]), st.integers(1, 9))
def test_shingles_of_any_text(text: str, language: str, size: int) -> None:
    tokens = tokens_for(normalize_for_matching(text), language)
    hashes = shingle_hashes(tokens, size)
    assert hashes.dtype == np.uint64
    assert len(hashes) == (max(len(tokens) - size + 1, 1) if tokens else 0)
    assert np.array_equal(hashes, shingle_hashes(tokens, size))


def test_huge_numbers_are_malformed_json_not_a_crash() -> None:
    result = parse_jsonl_record("1" * 5000, "f.jsonl", 3)
    assert isinstance(result, Reject) and result.reason.value == "malformed_json"
    nested = parse_jsonl_record('{"id": "a", "text": "t", "n": ' + "9" * 5000 + "}", "f.jsonl", 4)
    assert isinstance(nested, Reject) and nested.reason.value == "malformed_json"
