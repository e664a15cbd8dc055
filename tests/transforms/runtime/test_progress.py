"""Live progress: DoFns count into files of their own, the driver sums and prints them."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import apache_beam as beam
import pytest

from newsdedup.transforms.runtime.progress import (
    CountProgress,
    ProgressDisplay,
    progress_line,
    read_counts,
)
from tests.conftest import SAMPLE_DIR


def test_counting_dofns_write_counts_that_sum_to_the_elements(tmp_path: Path) -> None:
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        numbers = pipeline | beam.Create(range(1000))
        _ = numbers | "CountAll" >> CountProgress(str(tmp_path), "read")
        _ = (
            numbers
            | beam.Filter(lambda n: n % 4 == 0)
            | "CountSome" >> CountProgress(str(tmp_path), "analysed")
        )
    assert read_counts(tmp_path) == {"read": 1000, "analysed": 250}


def test_read_counts_skips_half_written_or_foreign_files(tmp_path: Path) -> None:
    (tmp_path / "read-1.count").write_text("7", encoding="ascii")
    (tmp_path / "read-2.count").write_text("5", encoding="ascii")
    (tmp_path / "read-3.count").write_text("", encoding="ascii")
    (tmp_path / "read-4.partial").write_text("100", encoding="ascii")
    assert read_counts(tmp_path) == {"read": 12}
    assert read_counts(tmp_path / "absent") == {}


def test_progress_line_reads_well() -> None:
    line = progress_line(read=12345, analysed=6000, rate=1234.4, elapsed=75.2)
    assert line == "newsdedup: 12,345 articles read, 6,000 analysed (1,234/s), 1:15"


def test_a_log_gets_plain_lines_and_a_final_count(tmp_path: Path) -> None:
    stream = io.StringIO()
    with ProgressDisplay(tmp_path, stream, live=False, log_interval=3600):
        (tmp_path / "read-a.count").write_text("40", encoding="ascii")
        (tmp_path / "analysed-a.count").write_text("30", encoding="ascii")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("newsdedup: 40 articles read, 30 analysed (")
    assert "\r" not in stream.getvalue()


def test_a_terminal_gets_one_line_redrawn_then_cleared(tmp_path: Path) -> None:
    (tmp_path / "read-a.count").write_text("3", encoding="ascii")
    stream = io.StringIO()
    display = ProgressDisplay(tmp_path, stream, live=True)
    with display:
        display._show()
    assert stream.getvalue().startswith("\r\033[Knewsdedup: 3 articles read, 0 analysed")
    assert stream.getvalue().endswith("\r\033[K")
    assert "\n" not in stream.getvalue()


def newsdedup_run(*args: str, stderr_tty: bool = False) -> tuple[int, str, str]:
    command = [sys.executable, "-m", "newsdedup.pipelines.cli", "run", *args]
    if not stderr_tty:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        return result.returncode, result.stdout, result.stderr
    main, child = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=child, text=True)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    stdout, _ = process.communicate(timeout=600)
    os.close(main)
    return process.returncode, stdout, b"".join(chunks).decode()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("flags", "tty", "progress", "summary"),
    [
        ([], False, False, True),  # CI and logs: quiet unless asked
        (["--verbose"], False, True, True),
        ([], True, True, True),  # a terminal: progress
        (["--quiet"], True, False, False),
        (["--quiet", "--verbose"], False, False, False),
    ],
)
def test_progress_and_summary_follow_the_flags_and_the_terminal(
    tmp_path: Path, flags: list[str], tty: bool, progress: bool, summary: bool
) -> None:
    code, stdout, stderr = newsdedup_run(
        "--input", str(SAMPLE_DIR), "--output", str(tmp_path / "out"), *flags, stderr_tty=tty
    )
    assert code == 0, stderr
    assert ("articles written      35" in stdout) is summary
    assert ("newsdedup: " in stderr) is progress
    if progress and not tty:
        assert "37 articles read, 35 analysed" in stderr.splitlines()[-1]
    if progress and tty:
        assert "\r\033[K" in stderr  # redrawn in place, cleared before the summary


@pytest.mark.e2e
def test_verbose_progress_under_multi_processing(tmp_path: Path) -> None:
    code, stdout, stderr = newsdedup_run(
        "--input",
        str(SAMPLE_DIR),
        "--output",
        str(tmp_path / "out"),
        "--verbose",
        "--direct_running_mode=multi_processing",
        "--direct_num_workers=2",
    )
    assert code == 0, stderr
    assert "newsdedup: 37 articles read, 35 analysed" in stderr
    assert "articles written      35" in stdout
    assert not list((tmp_path / "out").rglob("_progress"))  # not part of the output
