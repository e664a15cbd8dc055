"""Faults during a run: SIGKILL at any moment, a full disk, a permission error.

Each leaves OUT as the last successful run left it (what readers see of it),
and the next run completes with nothing twice.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from tests.clirun import (
    articles_table,
    comparable,
    newsdedup,
    start_run,
    stories_table,
    write_articles,
)

pytestmark = pytest.mark.e2e


def visible(out: Path) -> tuple[pa.Table, pa.Table, list[str]]:
    """What readers of OUT see: the tables, and the files behind the dataset links."""
    files = sorted(
        str(path.relative_to(out))
        for name in ("articles", "stories", "rejects", "story_merges")
        for path in (out / name).rglob("*.parquet")
    )
    return articles_table(out), stories_table(out), files


def same(
    left: tuple[pa.Table, pa.Table, list[str]], right: tuple[pa.Table, pa.Table, list[str]]
) -> bool:
    return left[0].equals(right[0]) and left[1].equals(right[1]) and left[2] == right[2]


def test_sigkill_at_any_moment_leaves_the_last_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    newsdedup(
        "run", "--input", str(write_articles(tmp_path / "a.jsonl", 0, 20)), "--output", str(out)
    )
    before = visible(out)
    batch = write_articles(tmp_path / "b.jsonl", 20, 300)
    args = ["--input", str(batch), "--output", str(out)]

    started = time.monotonic()
    scratch = tmp_path / "scratch"
    shutil.copytree(out, scratch, symlinks=True)
    newsdedup("run", "--input", str(batch), "--output", str(scratch))
    duration = time.monotonic() - started

    for fraction in (0.2, 0.5, 0.8, 0.95):
        process = start_run(*args)
        time.sleep(duration * fraction)
        process.kill()
        process.communicate()
        now = visible(out)
        if process.returncode == 0 or not same(now, before):
            # The run got past its commit point before the kill: OUT must be complete.
            assert comparable(now[0]).equals(comparable(articles_table(scratch)))
            break

    newsdedup("run", *args)
    articles = articles_table(out)
    ids = articles.column("article_id").to_pylist()
    assert len(ids) == len(set(ids)) == 320
    assert comparable(articles).equals(comparable(articles_table(scratch)))
    assert not (out / "_staging").exists()


def test_a_full_disk_fails_the_run_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    newsdedup(
        "run", "--input", str(write_articles(tmp_path / "a.jsonl", 0, 5)), "--output", str(out)
    )
    before = visible(out)

    def small_disk() -> None:
        # Writes beyond 256 KiB fail with EFBIG, as on a full disk (ENOSPC); the run needs
        # more, the log of its failure (Beam's tracebacks) less.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

    batch = write_articles(tmp_path / "b.jsonl", 5, 300)
    process = start_run("--input", str(batch), "--output", str(out), preexec=small_disk)
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 1, stderr
    # One line of what went wrong, one naming the log with Beam's lines and the traceback.
    failed, details = stderr.strip().splitlines()
    assert "output unchanged" in failed
    assert "Traceback" not in stderr and "ERROR" not in stderr
    log = Path(details.removeprefix("newsdedup: details in ").split(" (")[0])
    assert log.is_file() and "Traceback" in log.read_text(encoding="utf-8", errors="replace")
    log.unlink()
    assert same(visible(out), before)
    newsdedup("run", "--input", str(batch), "--output", str(out))
    assert articles_table(out).num_rows == 305


# Root ignores file permissions unless it gives up the capabilities that let it.
AS_ORDINARY_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None,
    reason="as root, this needs setpriv (util-linux) to respect permissions",
)
def test_a_permission_error_at_commit_fails_the_run_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    newsdedup(
        "run", "--input", str(write_articles(tmp_path / "a.jsonl", 0, 5)), "--output", str(out)
    )
    before = visible(out)
    later = write_articles(tmp_path / "b.jsonl", 5, 5)
    snapshots = out / "_snapshots"
    snapshots.chmod(0o555)
    prefix = AS_ORDINARY_USER if os.geteuid() == 0 else []
    run_args = ["--input", str(later), "--output", str(out)]
    try:
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "newsdedup.pipelines.cli", "run", *run_args],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        snapshots.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert "Permission denied" in result.stderr
    assert "output unchanged" in result.stderr
    assert same(visible(out), before)
    newsdedup("run", "--input", str(later), "--output", str(out))
    assert articles_table(out).num_rows == 10
