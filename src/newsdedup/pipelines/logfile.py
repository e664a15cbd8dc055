"""Where the command's log lines and tracebacks go: a log file, not the terminal.

Beam logs INFO and WARNING lines (and, when a run fails, ERROR lines with
tracebacks) from the driver and from every worker process it starts with
`--direct_running_mode=multi_processing`; workers write to the file
descriptor they inherit, not through this process's `logging`. So during a
run, file descriptor 2 itself points to a log file, and the user sees one or
two lines of their own on the real stderr, naming the log file when there is
something to look at. `--verbose` keeps everything on stderr instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path


def log_folder() -> Path:
    return Path(tempfile.gettempdir()) / "newsdedup-logs"


def new_log_path(command: str) -> Path:
    """A log file name of its own for this command and process (UTC time, pid)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return log_folder() / f"{command}-{stamp}-{os.getpid()}.log"


def write_traceback(path: Path | None, error: BaseException) -> Path | None:
    """Append the error's traceback to `path` (a new log file if None); the
    path written, or None when it cannot be written (a full disk)."""
    target = path or new_log_path("newsdedup")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(error)))
    except OSError:
        return None
    return target


class CapturedStderr:
    """The log file that file descriptor 2 points to, if it could be opened."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def discard(self) -> None:
        """Nothing went wrong (or only the user's options): the log is of no use."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


@contextlib.contextmanager
def stderr_to_log(command: str) -> Iterator[CapturedStderr]:
    """While inside, file descriptor 2 (this process's and its children's) writes
    to a new log file and `sys.stderr` is the real stderr; Python warnings and
    `logging` go to the log. Nothing is captured if the log cannot be created."""
    candidate = new_log_path(command)
    path: Path | None = candidate
    try:
        candidate.parent.mkdir(parents=True, exist_ok=True)
        log_fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        path, log_fd = None, os.open(os.devnull, os.O_WRONLY)
    sys.stderr.flush()
    saved_fd = os.dup(2)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    real_stderr = os.fdopen(os.dup(saved_fd), "w", buffering=1, encoding="utf-8")
    log_stream = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8")
    handler = logging.StreamHandler(log_stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    previous = (sys.stderr, root.handlers[:], root.level)
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    sys.stderr = real_stderr
    try:
        yield CapturedStderr(path)
    finally:
        sys.stderr, root.handlers[:], level = previous
        root.setLevel(level)
        logging.captureWarnings(False)
        real_stderr.close()
        log_stream.close()
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
