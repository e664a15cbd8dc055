"""The folder poller and read ledger of `newsdedup watch` (newsdedup.transforms.io.watch_folder)."""

from __future__ import annotations

import os
from pathlib import Path

from newsdedup.transforms.core.arrivals import (
    FileStamp,
    LineScan,
    ReadMark,
)
from newsdedup.transforms.io.watch_folder import FolderPoller, ReadLedger, list_folder, scan_lines

STAMP = FileStamp(100, 1.0)


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
