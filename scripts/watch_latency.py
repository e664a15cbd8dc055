"""Measure `newsdedup watch`: how long from dropping a file until its articles
are readable in the output, how long a clean stop takes, and how its groups
compare with a batch run's.

Starts `newsdedup watch` in a subprocess on an empty temporary folder, drops
the sample files (examples/sample) one at a time, waits for each file's
articles to appear in OUT/articles, sends SIGTERM and times the drain, then
compares the groups of 2+ articles with examples/expected.json.

    python scripts/watch_latency.py [--window-seconds 1] [--poll-seconds 0.2] [watch options]
"""

from __future__ import annotations

import argparse
import json
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
EXPECTED = SAMPLE.parent / "expected.json"


def article_count(out: Path) -> int:
    if not (out / "articles").exists():
        return 0
    return ds.dataset(out / "articles", format="parquet", partitioning="hive").count_rows()


def compare_with_expected(out: Path) -> None:
    """The groups of 2+ articles against those a batch run gives (examples/expected.json)."""
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    table = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table()
    for column, key in (("dup_group_id", "dup_groups"), ("story_id", "stories")):
        members: dict[str, list[str]] = {}
        for article_id, group in zip(
            table.column("article_id").to_pylist(), table.column(column).to_pylist(), strict=True
        ):
            members.setdefault(group, []).append(article_id)
        found = sorted(sorted(m) for m in members.values() if len(m) > 1)
        wanted = sorted(sorted(g) for g in expected[key])
        same = [g for g in found if g in wanted]
        print(f"{key:<21} {len(same)} of {len(wanted)} as in a batch run", end="")
        missing = sorted({a for g in wanted for a in g} - {a for g in found for a in g})
        print(f"; not grouped: {', '.join(missing)}" if missing else "")


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
    args, watch_options = parser.parse_known_args(argv)  # the rest goes to newsdedup watch
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp, "incoming"), Path(tmp, "out")
        folder.mkdir()
        started = time.monotonic()
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "pipelines.cli", "watch", "--input-dir", str(folder)),
                *("--output", str(out), "--window-seconds", args.window_seconds),
                *("--poll-seconds", args.poll_seconds),
                *watch_options,
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
        compare_with_expected(out)
    return 0 if process.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
