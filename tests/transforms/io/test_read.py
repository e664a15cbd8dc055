"""Reading input files (transforms/io/read.py): parsing JSON Lines and text files, ranges of
large files, and ReadArticles in a TestPipeline."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.schemas.records import InputArticle, Reject, RejectReason
from newsdedup.transforms.core.formats.jsonl import EXCERPT_CHARS
from newsdedup.transforms.io.read import (
    REJECTS_TAG,
    ReadArticles,
    extension_of,
    parse_jsonl_stream,
    parse_text_bytes,
)


def test_read_articles_splits_good_records_from_rejects(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    (tmp_path / "feed.jsonl").write_text(
        json.dumps({"id": "a1", "text": "Erster Text über den Hafen."}) + "\n"
        "{broken\n"
        "\n"
        + json.dumps({"id": "a2", "text": "   "})
        + "\n"
        + json.dumps({"id": "a3", "text": "Second text about the port."})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "story.txt").write_text(
        "A title\n\nThe body of a plain text story.\n", encoding="utf-8"
    )
    (tmp_path / "notes.docx").write_text("id,text\n", encoding="utf-8")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    paths = sorted(str(p) for p in tmp_path.iterdir())

    parsed = pipeline | ReadArticles(paths, max_record_bytes=1 << 20, batch_size=1)

    assert_that(
        parsed.articles | beam.Map(lambda batch: [a.article_id for a in batch]),
        equal_to([["a1"], ["a3"], ["story"]]),
        label="ArticleIds",
    )
    assert_that(
        parsed[REJECTS_TAG] | beam.Map(lambda r: (Path(r.source_file).name, r.line, r.reason)),
        equal_to(
            [
                ("feed.jsonl", 2, RejectReason.MALFORMED_JSON),
                ("feed.jsonl", 4, RejectReason.EMPTY_TEXT),
                ("notes.docx", None, RejectReason.UNSUPPORTED_FORMAT),
                ("empty.jsonl", None, RejectReason.EMPTY_FILE),
            ]
        ),
        label="Rejects",
    )


@pytest.fixture(autouse=True)
def _quiet_beam_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")


def test_read_articles_parses_large_json_lines_files_in_ranges(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    lines = [
        json.dumps({"id": f"r{i}", "text": f"Text number {i} of the feed."}) for i in range(40)
    ]
    lines[17] = "{broken"
    (tmp_path / "big.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "binary.jsonl").write_bytes(b"\x00\x01" * 200)
    paths = sorted(str(p) for p in tmp_path.iterdir())

    # About 100 bytes per range: many ranges, parsed as one file would be.
    parsed = pipeline | ReadArticles(paths, max_record_bytes=1 << 20, split_bytes=100)

    assert_that(
        parsed.articles | beam.FlatMap(lambda batch: [(a.article_id, a.line) for a in batch]),
        equal_to([(f"r{i}", i + 1) for i in range(40) if i != 17]),
        label="ArticlesWithLines",
    )
    assert_that(
        parsed[REJECTS_TAG] | beam.Map(lambda r: (Path(r.source_file).name, r.line, r.reason)),
        equal_to(
            [
                ("big.jsonl", 18, RejectReason.MALFORMED_JSON),
                ("binary.jsonl", None, RejectReason.BINARY_FILE),
            ]
        ),
        label="OneRejectPerProblem",
    )


PATH = "in/feed.jsonl"


LIMIT = 10_000


def record(article_id: str, text: str = "Ein Text.") -> bytes:
    return json.dumps({"id": article_id, "text": text}).encode("utf-8")


def stream(*lines: bytes) -> list[InputArticle | Reject]:
    return list(parse_jsonl_stream(lines, PATH, LIMIT))


def articles(results: list[InputArticle | Reject]) -> list[InputArticle]:
    return [r for r in results if isinstance(r, InputArticle)]


def rejects(results: list[InputArticle | Reject]) -> list[Reject]:
    return [r for r in results if isinstance(r, Reject)]


def test_lines_become_articles_with_line_numbers() -> None:
    results = stream(record("a") + b"\n", record("b") + b"\n", record("c"))
    assert [(a.article_id, a.line, a.source_file) for a in articles(results)] == [
        ("a", 1, PATH),
        ("b", 2, PATH),
        ("c", 3, PATH),
    ]
    assert rejects(results) == []


def test_byte_stream_lines_like_a_file_object() -> None:
    data = record("a") + b"\n" + record("b") + b"\n"
    results = list(parse_jsonl_stream(io.BytesIO(data), PATH, LIMIT))
    assert [a.article_id for a in articles(results)] == ["a", "b"]


def test_bom_on_the_first_line_is_removed() -> None:
    results = stream(b"\xef\xbb\xbf" + record("a") + b"\n", record("b") + b"\n")
    assert [a.article_id for a in articles(results)] == ["a", "b"]
    assert rejects(results) == []


def test_bom_on_a_later_line_is_not_removed() -> None:
    results = stream(record("a") + b"\n", b"\xef\xbb\xbf" + record("b") + b"\n")
    assert [a.article_id for a in articles(results)] == ["a"]
    [bad] = rejects(results)
    assert (bad.line, bad.reason) == (2, RejectReason.MALFORMED_JSON)


def test_crlf_line_endings() -> None:
    results = stream(record("a", "eins") + b"\r\n", record("b", "zwei") + b"\r\n")
    assert [(a.article_id, a.text, a.line) for a in articles(results)] == [
        ("a", "eins", 1),
        ("b", "zwei", 2),
    ]
    assert rejects(results) == []


def test_blank_lines_are_skipped_and_line_numbers_preserved() -> None:
    results = stream(b"\n", record("a") + b"\n", b"   \r\n", b"\t\n", record("b") + b"\n")
    assert [(a.article_id, a.line) for a in articles(results)] == [("a", 2), ("b", 5)]
    assert rejects(results) == []


def test_invalid_utf8_line_is_rejected_and_neighbours_survive() -> None:
    bad_line = b'{"id": "x", "text": "caf\xe9"}'
    results = stream(record("a") + b"\n", bad_line + b"\n", record("c") + b"\n")
    assert [(a.article_id, a.line) for a in articles(results)] == [("a", 1), ("c", 3)]
    [bad] = rejects(results)
    assert bad.reason is RejectReason.INVALID_UTF8
    assert bad.line == 2
    assert bad.source_file == PATH
    assert bad_line.index(b"\xe9") == 24
    assert "byte 24" in bad.detail
    assert bad.excerpt == '{"id": "x", "text": "caf\ufffd"}'


def test_too_large_line_is_rejected_and_neighbours_survive() -> None:
    big = record("big", "x" * LIMIT)
    results = stream(record("a") + b"\n", big + b"\n", record("c"))
    assert [a.article_id for a in articles(results)] == ["a", "c"]
    [bad] = rejects(results)
    assert bad.reason is RejectReason.TOO_LARGE
    assert bad.line == 2
    assert str(LIMIT) in bad.detail
    assert len(bad.excerpt) <= EXCERPT_CHARS
    assert bad.excerpt.startswith('{"id": "big"')


def test_record_of_exactly_the_limit_is_accepted() -> None:
    line = record("a", "x" * 100)
    results = list(parse_jsonl_stream([line + b"\r\n"], PATH, len(line)))
    assert [a.article_id for a in articles(results)] == ["a"]
    over = list(parse_jsonl_stream([line + b"\n"], PATH, len(line) - 1))
    assert [r.reason for r in rejects(over)] == [RejectReason.TOO_LARGE]


def test_record_rejects_keep_their_line_number() -> None:
    results = stream(record("a") + b"\n", b"[1, 2]\n", b'{"id": 3, "text": "t"}\n')
    assert [(r.line, r.reason) for r in rejects(results)] == [
        (2, RejectReason.NOT_AN_OBJECT),
        (3, RejectReason.WRONG_TYPE),
    ]


@pytest.mark.parametrize("lines", [[], [b""]])
def test_empty_file_gives_one_empty_file_reject(lines: list[bytes]) -> None:
    results = list(parse_jsonl_stream(lines, PATH, LIMIT))
    assert len(results) == 1
    [only] = results
    assert isinstance(only, Reject)
    assert only.reason is RejectReason.EMPTY_FILE
    assert only.line is None
    assert only.source_file == PATH


def test_file_with_records_has_no_empty_file_reject() -> None:
    results = stream(b"not json\n")
    assert [r.reason for r in rejects(results)] == [RejectReason.MALFORMED_JSON]


def test_stream_is_lazy() -> None:
    def lines() -> Iterator[bytes]:
        yield record("a") + b"\n"
        raise AssertionError("read past the first record")

    iterator = parse_jsonl_stream(lines(), PATH, LIMIT)
    first = next(iterator)
    assert isinstance(first, InputArticle)
    assert first.article_id == "a"


TEXT_PATH = "gs://bucket/in/2024/doc_42.txt"


def test_normal_text_document() -> None:
    data = b"date 2024-03-14 Wirtschaft Preise steigen\n\nBrot wird teurer.\n"
    [article] = parse_text_bytes(data, TEXT_PATH, LIMIT)
    assert isinstance(article, InputArticle)
    assert article.article_id == "doc_42"
    assert article.source_file == TEXT_PATH
    assert article.title == "Wirtschaft Preise steigen"
    assert article.text == "Brot wird teurer."
    assert article.published_at == datetime(2024, 3, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    ("path", "doc_id"),
    [
        ("doc.txt", "doc"),
        ("a/b/c/Report.Final.TXT", "Report.Final"),
        ("/abs/path/x.text", "x"),
        ("gs://bucket/dir/name with space.txt", "name with space"),
    ],
)
def test_doc_id_is_the_file_stem(path: str, doc_id: str) -> None:
    [article] = parse_text_bytes(b"Titel\n\nText.", path, LIMIT)
    assert isinstance(article, InputArticle)
    assert article.article_id == doc_id
    assert article.source_file == path


def test_bom_is_removed_from_text_document() -> None:
    [article] = parse_text_bytes(b"\xef\xbb\xbfTitel\n\nText.", TEXT_PATH, LIMIT)
    assert isinstance(article, InputArticle)
    assert article.title == "Titel"


def test_newsblog_gives_several_articles() -> None:
    data = (
        "Ticker\n\nMontag, 3. März\n\nErste Meldung\n\nText eins.\n\n"
        "Sonntag, 2. März\n\nZweite Meldung\n\nText zwei.\n"
    ).encode()
    results = parse_text_bytes(data, "blogs/live.txt", LIMIT)
    assert [(r.article_id, r.parent_id) for r in articles(results)] == [
        ("live#1", "live"),
        ("live#2", "live"),
    ]
    assert rejects(results) == []


@pytest.mark.parametrize("data", [b"", b"   ", b"\n\r\n\t \n"])
def test_empty_text_file(data: bytes) -> None:
    [result] = parse_text_bytes(data, TEXT_PATH, LIMIT)
    assert isinstance(result, Reject)
    assert result.reason is RejectReason.EMPTY_FILE
    assert result.line is None
    assert result.source_file == TEXT_PATH


def test_binary_file_is_rejected() -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    [result] = parse_text_bytes(data, TEXT_PATH, LIMIT)
    assert isinstance(result, Reject)
    assert result.reason is RejectReason.BINARY_FILE
    assert len(result.excerpt) <= 64


def test_utf16_file_is_binary() -> None:
    [result] = parse_text_bytes("Titel\n\nText".encode("utf-16"), TEXT_PATH, LIMIT)
    assert isinstance(result, Reject)
    assert result.reason is RejectReason.BINARY_FILE


def test_invalid_utf8_text_file() -> None:
    [result] = parse_text_bytes(b"Titel\n\nCaf\xe9 au lait", TEXT_PATH, LIMIT)
    assert isinstance(result, Reject)
    assert result.reason is RejectReason.INVALID_UTF8
    assert "byte 10" in result.detail
    assert result.excerpt.startswith("Titel")
    assert len(result.excerpt) <= EXCERPT_CHARS


def test_too_large_text_file() -> None:
    data = b"Titel\n\n" + b"x" * LIMIT
    [result] = parse_text_bytes(data, TEXT_PATH, LIMIT)
    assert isinstance(result, Reject)
    assert result.reason is RejectReason.TOO_LARGE
    assert str(LIMIT) in result.detail
    assert len(result.excerpt) <= EXCERPT_CHARS


def test_text_file_of_exactly_the_limit_is_accepted() -> None:
    data = b"Titel\n\nText."
    [article] = parse_text_bytes(data, TEXT_PATH, len(data))
    assert isinstance(article, InputArticle)


def test_text_file_without_text_is_empty_text() -> None:
    [result] = parse_text_bytes(b"date 2024-05-05\n\n", TEXT_PATH, LIMIT)
    assert isinstance(result, Reject)
    assert result.reason is RejectReason.EMPTY_TEXT


@pytest.mark.parametrize(
    ("path", "extension"),
    [
        ("a.jsonl", ".jsonl"),
        ("dir/A.NDJSON", ".ndjson"),
        ("gs://b/x.y/doc.TXT", ".txt"),
        ("noext", ""),
        ("dir.d/noext", ""),
        (".hidden", ""),
        ("archive.jsonl.gz", ".gz"),
    ],
)
def test_extension_of(path: str, extension: str) -> None:
    assert extension_of(path) == extension


@pytest.mark.parametrize("lines", [[b"\n", b"\r\n", b"  \n"], [b"\xef\xbb\xbf"]])
def test_blank_only_jsonl_file_is_an_empty_file(lines: list[bytes]) -> None:
    results = list(parse_jsonl_stream(lines, PATH, LIMIT))
    assert [r.reason for r in rejects(results)] == [RejectReason.EMPTY_FILE]


def _ranges_parsed(data: bytes, split_bytes: int) -> list[InputArticle | Reject]:
    from newsdedup.transforms.io.read import _range_lines, jsonl_ranges

    ranges = list(jsonl_ranges(io.BytesIO(data), split_bytes))
    assert ranges[0][:1] == (0,) and ranges[-1][1] == len(data)
    assert all(left[1] == right[0] for left, right in itertools.pairwise(ranges))
    return [
        result
        for start, end, first_line in ranges
        for result in parse_jsonl_stream(
            _range_lines(io.BytesIO(data), start, end), PATH, LIMIT, first_line, whole_file=False
        )
    ]


@pytest.mark.parametrize("split_bytes", [1, 7, 40, 100, 10_000])
def test_a_file_parsed_in_ranges_gives_what_the_whole_file_gives(split_bytes: int) -> None:
    data = b"\r\n".join(
        [
            b"\xef\xbb\xbf" + record("first"),
            b"",
            record("second", "Zweiter Text mit \\u00fc."),
            b"{broken",
            b"   ",
            record("third", "x" * 150),
            record("last"),  # no line break after the last line
        ]
    )
    whole = list(parse_jsonl_stream(io.BytesIO(data), PATH, LIMIT))
    assert [r.article_id for r in articles(whole)] == ["first", "second", "third", "last"]
    assert _ranges_parsed(data, split_bytes) == whole


def test_a_range_of_blank_lines_is_not_an_empty_file() -> None:
    parsed = _ranges_parsed(b"\n\n\n" + record("only") + b"\n\n\n", 2)
    assert [(r.article_id, r.line) for r in articles(parsed)] == [("only", 4)]
    assert len(parsed) == 1  # no empty_file reject from the blank ranges


def test_a_range_of_a_large_file_splits_within_itself_with_its_line_numbers(
    tmp_path: Path,
) -> None:
    from newsdedup.transforms.io.read import SplitLargeFilesFn

    path = tmp_path / "a.jsonl"
    path.write_bytes(b"".join(b'{"n": %d}\n' % n for n in range(100)))  # 9 or 10 bytes a line
    start = 10 * 9  # the start of line 11 (lines 1 to 10 have 9 bytes)
    ranges = list(SplitLargeFilesFn(split_bytes=50).process((str(path), start, 390, 11)))
    assert ranges[0][1:] == (start, ranges[0][2], 11)
    assert ranges[-1][2] == 390
    assert all(a[2] == b[1] for a, b in itertools.pairwise(ranges))
    data = path.read_bytes()
    for _, range_start, _, first_line in ranges:
        assert data[:range_start].count(b"\n") + 1 == first_line


def test_extensions() -> None:
    assert extension_of("a/B.HTM") == ".htm"
    assert extension_of("crawl/CC-NEWS-1.warc.gz") == ".warc.gz"
    assert extension_of("x.gz") == ".gz"
    assert extension_of("feeds/world.atom") == ".atom"
