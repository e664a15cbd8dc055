"""What a micro-batch of `newsdedup watch` reads next (newsdedup.transforms.core.arrivals)
and the folder poller and ledger around it (newsdedup.transforms.io.watch_folder)."""

from __future__ import annotations

import os
from pathlib import Path

from newsdedup.transforms.core.arrivals import (
    WHOLE_FILE_END,
    FileStamp,
    LineScan,
    ReadMark,
    is_watched_name,
    next_line_part,
    next_whole_part,
)
from newsdedup.transforms.io.watch_folder import FolderPoller, ReadLedger, list_folder, scan_lines

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


def test_scan_lines_counts_newlines_of_a_range(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a":1}\n{"b":2}\n{"c"')
    assert scan_lines(str(path), 0, 20) == LineScan(2, 16)
    assert scan_lines(str(path), 8, 20) == LineScan(1, 16)
    assert scan_lines(str(path), 16, 20) == LineScan(0, 16)


def test_poller_reads_growing_lines_and_skips_fifos_and_unsettled_documents(
    tmp_path: Path,
) -> None:
    lines = tmp_path / "a.jsonl"
    lines.write_bytes(b'{"id":"1"}\n{"id":')
    (tmp_path / "b.txt").write_text("title\n\nbody\n")
    os.mkfifo(tmp_path / "pipe.jsonl")
    poller = FolderPoller(str(tmp_path), settle_seconds=3600)
    parts = poller.ready_parts({})
    assert [(Path(p.path).name, p.start, p.end) for p in parts] == [("a.jsonl", 0, 11)]
    assert list_folder(str(tmp_path))[1] == [str(tmp_path / "pipe.jsonl")]
    marks = {p.path: p.mark for p in parts}
    with lines.open("ab") as stream:
        stream.write(b'"2"}\n')
    again = poller.ready_parts(marks)
    assert [(p.start, p.end, p.first_line) for p in again] == [(11, 22, 2)]
    settled = FolderPoller(str(tmp_path), settle_seconds=0).ready_parts(
        {p.path: p.mark for p in again}
    )
    assert [Path(p.path).name for p in settled] == ["b.txt"]


def test_ledger_keeps_the_latest_mark_of_each_file_and_compacts(tmp_path: Path) -> None:
    ledger = ReadLedger(str(tmp_path / "_watch" / "reads"))
    assert ledger.load() == {}
    first, later = ReadMark(STAMP, 50, 40, 2), ReadMark(FileStamp(120, 2.0), 120, 120, 6)
    ledger.record({"/in/a.jsonl": first, "/in/b c.txt": ReadMark(STAMP, 100, 100, 0)})
    ledger.record({"/in/a.jsonl": later})
    assert ledger.load()["/in/a.jsonl"] == later
    for number in range(70):
        ledger.record({f"/in/{number}.txt": ReadMark(STAMP, 100, 100, 0)})
    marks = ledger.load()
    assert len(marks) == 72
    assert len(list((tmp_path / "_watch" / "reads").glob("*.json"))) == 1
    assert ReadLedger(str(tmp_path / "_watch" / "reads")).load() == marks
    (tmp_path / "_watch" / "reads" / "999999999.json").write_text('{"torn')
    assert ReadLedger(str(tmp_path / "_watch" / "reads")).load() == marks


def test_poll_tells_when_a_changed_document_is_still_settling(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(b'{"id":"1"}\n')
    poller = FolderPoller(str(tmp_path), settle_seconds=3600)
    parts, settling = poller.poll({})
    assert len(parts) == 1 and not settling
    (tmp_path / "blog.txt").write_text("title\n\nbody\n")
    parts, settling = poller.poll({})
    assert len(parts) == 1 and settling  # the blog may belong with a.jsonl
    read = {p.path: p.mark for p in FolderPoller(str(tmp_path), 0).ready_parts({})}
    assert poller.poll(read) == ([], False)  # read as it is: nothing is settling


def test_an_output_inside_the_watched_folder_is_never_input(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(b'{"id":"1"}\n')
    (tmp_path / "out" / "articles").mkdir(parents=True)
    (tmp_path / "out" / "articles" / "x.parquet").write_bytes(b"PAR1")
    poller = FolderPoller(str(tmp_path), settle_seconds=0, output=str(tmp_path / "out"))
    assert [Path(p.path).name for p in poller.ready_parts({})] == ["a.jsonl"]
