"""Measure `newsdedup watch`: how long from dropping a file until its articles
are readable in the output, and how long a clean stop takes.

Starts `newsdedup watch` in a subprocess on an empty temporary folder, drops
the sample files (examples/sample) one at a time, waits for each file's
articles to appear in OUT/articles, then sends SIGTERM and times the drain.

    python scripts/watch_latency.py [--window-seconds 1] [--poll-seconds 0.2]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pyarrow.dataset as ds

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample"


def article_count(out: Path) -> int:
    if not (out / "articles").exists():
        return 0
    return ds.dataset(out / "articles", format="parquet", partitioning="hive").count_rows()


def _has_articles(out: Path, count: int) -> bool:
    return article_count(out) >= count


def wait_until(condition: Callable[[], bool], timeout: float = 300.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError("watch produced nothing in time")
        time.sleep(0.05)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window-seconds", default="1")
    parser.add_argument("--poll-seconds", default="0.2")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp, "incoming"), Path(tmp, "out")
        folder.mkdir()
        started = time.monotonic()
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "pipelines.cli", "watch", "--input-dir", str(folder)),
                *("--output", str(out), "--window-seconds", args.window_seconds),
                *("--poll-seconds", args.poll_seconds),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_until(lambda: (out / "_watch").exists())
        print(f"startup               {time.monotonic() - started:.1f} s")
        expected = {"wire_en.jsonl": 15, "wire_de.jsonl": 15, "liveblog_de.txt": 5}
        total = 0
        for name, articles in expected.items():
            total += articles
            shutil.copy(SAMPLE / name, folder / f".{name}")
            Path(folder, f".{name}").rename(folder / name)
            seconds = wait_until(partial(_has_articles, out, total))
            print(f"{name:<21} {articles} articles visible after {seconds:.1f} s")
        stop = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=300)
        print(f"SIGTERM to exit       {time.monotonic() - stop:.1f} s (exit {process.returncode})")
        print(f"articles written      {article_count(out)}")
    return 0 if process.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
