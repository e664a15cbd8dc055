"""Where the command's log lines and tracebacks go (pipelines/logfile.py): file descriptor 2
into a log file of its own, the user's lines to the real stderr."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from newsdedup.pipelines.logfile import stderr_to_log, write_traceback


@pytest.fixture(autouse=True)
def _log_folder_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def test_descriptor_2_and_logging_go_to_the_log_and_sys_stderr_to_the_user(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with stderr_to_log("run") as captured:
        print("for the user", file=sys.stderr)
        os.write(2, b"from this process's descriptor 2\n")
        subprocess.run(
            [sys.executable, "-c", "import os; os.write(2, b'from a worker\\n')"], check=True
        )
        logging.getLogger("newsdedup.test").info("a log line")
    os.write(2, b"after the command\n")

    assert captured.path is not None and captured.path.name.startswith("run-")
    log = captured.path.read_text(encoding="utf-8")
    assert "from this process's descriptor 2" in log
    assert "from a worker" in log
    assert "INFO newsdedup.test: a log line" in log
    assert "for the user" not in log
    stderr = capfd.readouterr().err
    assert "for the user" in stderr
    assert "after the command" in stderr
    assert "from a worker" not in stderr


def test_a_discarded_log_is_removed() -> None:
    with stderr_to_log("watch") as captured:
        path = captured.path
        captured.discard()
    assert path is not None and not path.exists()
    assert captured.path is None


def test_write_traceback_appends_and_says_where(tmp_path: Path) -> None:
    try:
        raise ValueError("the cause")
    except ValueError as error:
        written = write_traceback(tmp_path / "run.log", error)
        new_file = write_traceback(None, error)
    assert written == tmp_path / "run.log"
    assert "ValueError: the cause" in written.read_text(encoding="utf-8")
    assert new_file is not None and "ValueError: the cause" in new_file.read_text(encoding="utf-8")


def test_write_traceback_where_no_file_can_be_written_returns_none(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    assert write_traceback(blocker / "run.log", ValueError("x")) is None
