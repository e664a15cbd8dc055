"""What a micro-batch of `newsdedup watch` reads next (newsdedup.transforms.core.arrivals)."""

from __future__ import annotations

from newsdedup.transforms.core.arrivals import (
    WHOLE_FILE_END,
    FileStamp,
    LineScan,
    ReadMark,
    is_watched_name,
    next_line_part,
    next_whole_part,
)

STAMP = FileStamp(100, 1.0)


def test_complete_lines_are_read_at_once_and_the_last_line_once_settled() -> None:
    scan = LineScan(newlines=3, last_line_end=80)
    part = next_line_part("a.jsonl", STAMP, None, scan, settled=False)
    assert part is not None
    assert (part.start, part.end, part.first_line) == (0, 80, 1)
    assert part.mark == ReadMark(STAMP, 80, 80, 3)
    settled = next_line_part("a.jsonl", STAMP, None, scan, settled=True)
    assert settled is not None and (settled.end, settled.mark.complete) == (100, 80)


def test_an_empty_line_file_is_read_whole_once_settled_and_then_as_it_grows() -> None:
    empty, no_lines = FileStamp(0, 1.0), LineScan(newlines=0, last_line_end=0)
    assert next_line_part("e.jsonl", empty, None, no_lines, settled=False) is None
    part = next_line_part("e.jsonl", empty, None, no_lines, settled=True)
    assert part is not None and part.end == WHOLE_FILE_END
    assert part.mark == ReadMark(empty, 0, 0, 0)
    assert next_line_part("e.jsonl", empty, part.mark, no_lines, settled=True) is None
    grown = next_line_part("e.jsonl", FileStamp(40, 2.0), part.mark, LineScan(1, 40), True)
    assert grown is not None and (grown.start, grown.end, grown.first_line) == (0, 40, 1)


def test_appended_lines_continue_where_the_last_read_ended() -> None:
    mark = ReadMark(FileStamp(80, 1.0), 80, 80, 3)
    grown = FileStamp(150, 2.0)
    part = next_line_part("a.jsonl", grown, mark, LineScan(2, 150), settled=False)
    assert part is not None
    assert (part.start, part.end, part.first_line) == (80, 150, 4)
    assert part.mark == ReadMark(grown, 150, 150, 5)
    assert next_line_part("a.jsonl", grown, part.mark, LineScan(0, 150), settled=True) is None


def test_a_last_line_read_before_it_was_complete_is_read_again_whole() -> None:
    fragment_read = ReadMark(FileStamp(100, 1.0), 100, 80, 3)
    grown = FileStamp(130, 2.0)
    still_open = next_line_part("a.jsonl", grown, fragment_read, LineScan(0, 80), settled=False)
    assert still_open is None  # nothing new is complete yet
    part = next_line_part("a.jsonl", grown, fragment_read, LineScan(1, 130), settled=False)
    assert part is not None
    assert (part.start, part.end, part.first_line) == (80, 130, 4)


def test_a_shrunk_line_file_is_read_again_from_its_start() -> None:
    mark = ReadMark(FileStamp(100, 1.0), 100, 100, 4)
    part = next_line_part("a.jsonl", FileStamp(50, 2.0), mark, LineScan(2, 50), settled=True)
    assert part is not None and (part.start, part.end, part.first_line) == (0, 50, 1)


def test_whole_files_wait_until_settled_and_are_read_again_when_changed() -> None:
    assert next_whole_part("a.txt", STAMP, None, settled=False) is None
    part = next_whole_part("a.txt", STAMP, None, settled=True)
    assert part is not None and (part.start, part.end) == (0, WHOLE_FILE_END)
    assert next_whole_part("a.txt", STAMP, part.mark, settled=True) is None
    changed = next_whole_part("a.txt", FileStamp(120, 2.0), part.mark, settled=True)
    assert changed is not None


def test_watched_names() -> None:
    assert is_watched_name("day/a.jsonl")
    assert not is_watched_name(".git/a.jsonl")
    assert not is_watched_name("a.jsonl.tmp")
    assert not is_watched_name("a.jsonl.part")
