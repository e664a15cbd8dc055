"""Measure `newsdedup watch` against `newsdedup run` on the same stream.

- parity: a generated corpus (scripts/quality.py) is split by publication time
  into `--files` files, dropped one at a time, each once the previous one is
  written (one micro-batch per file, the hardest case); story and
  near-duplicate F1 of the watch output (once every file is read, and after
  the idle timeout ended the stream and watch settled its deferred links) and
  of one batch run over all files;
- latency: `--latency-drops` files of 50 new articles dropped into a running
  watch that holds the corpus, seconds from drop until visible (p50, p95);
- keep-up: the whole corpus as one file dropped into an empty watch, seconds
  until every article is written, beside `newsdedup run` on that file;
- stop: SIGTERM a second after that drop (its micro-batch running), seconds
  to exit; then a restart writes the rest;
- memory: peak resident memory of the watch process tree.

    python scripts/watch_bench.py --seed 2 --size 1000 --files 3 [--flag=--option=value]
    python scripts/watch_bench.py --seed 3 --size 20000 --files 20 --synthetic-sources \
        --latency-drops 0 --no-keep-up      # memory after 20,000 streamed articles
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as `python scripts/watch_bench.py`
    sys.path.insert(0, str(REPO_ROOT))

from newsdedup.pipelines.watch import LEDGER_FOLDER  # noqa: E402
from newsdedup.transforms.io.watch_folder import ReadLedger  # noqa: E402
from scripts import evaluate, incremental, quality  # noqa: E402
from scripts.bench import tree_rss  # noqa: E402

CLI = [sys.executable, "-m", "newsdedup.pipelines.cli"]
FAST = ["--poll-seconds", "0.2", "--settle-seconds", "0.5"]
TIMEOUT = 3600.0
STREAM_IDLE_SECONDS = 10.0


def article_count(out: Path) -> int:
    import pyarrow.dataset as ds

    if not (out / "articles").exists():
        return 0
    return ds.dataset(out / "articles", format="parquet", partitioning="hive").count_rows()


def all_read(out: Path, folder: Path) -> bool:
    """Whether committed micro-batches read every file in `folder` to its end
    (re-deliveries write no article, so counting articles would not tell)."""
    marks = ReadLedger(str(out / LEDGER_FOLDER)).load()
    return all(
        str(path) in marks and marks[str(path)].consumed == path.stat().st_size
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )


def articles_at_least(out: Path, count: int) -> bool:
    return article_count(out) >= count


def wait_until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError("watch wrote nothing in time")
        time.sleep(0.05)
    return time.monotonic() - started


class Watch:
    """`newsdedup watch` in a subprocess, with its peak tree memory sampled."""

    def __init__(self, folder: Path, out: Path, extra: list[str]) -> None:
        command = [*CLI, "watch", "--input-dir", str(folder), "--output", str(out), *FAST]
        self.process = subprocess.Popen([*command, *extra], stdout=subprocess.DEVNULL)
        self.peak_rss = 0
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while self.process.poll() is None:
            self.peak_rss = max(self.peak_rss, tree_rss(self.process.pid))
            time.sleep(0.2)

    def stop(self) -> float:
        """SIGTERM; seconds until it exited."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=TIMEOUT)
        return time.monotonic() - started


def drop(source: Path, folder: Path) -> None:
    """Copy under a hidden name, then rename: complete when it appears."""
    hidden = folder / f".{source.name}"
    shutil.copy(source, hidden)
    hidden.rename(folder / source.name)


def f1s(out: Path, labels: dict[str, dict[str, str]]) -> dict[str, float]:
    predicted = evaluate.load_output(out)[0]
    return {
        level: evaluate.score_partitions(predicted[level], labels[level])["pairwise"]["f1"]
        for level in labels
    }


def parity(work: Path, corpus: Path, files: int, extra: list[str]) -> tuple[dict, Watch]:
    labels = quality.read_labels(corpus)
    parts = incremental.split_corpus(corpus / "input", work / "parts", files)
    batch_out, folder, out = work / "batch", work / "incoming", work / "watch"
    for path in (batch_out, folder, out):
        shutil.rmtree(path, ignore_errors=True)
    folder.mkdir(parents=True)
    inputs = [arg for part in parts for arg in ("--input", str(part))]
    batch_seconds = quality.run_command(
        [*CLI, "run", *inputs, "--output", str(batch_out), "--quiet", *extra], "batch run"
    )
    # The stream ends with the idle timeout, when watch settles deferred links.
    streaming = Watch(folder, out, [*extra, "--idle-timeout", str(STREAM_IDLE_SECONDS)])
    started = time.monotonic()
    for part in parts:
        # A folder per part: text files keep their names, which are their ids.
        (folder / part.name).mkdir()
        for path in sorted(part.iterdir()):
            (folder / part.name / path.name).write_bytes(path.read_bytes())
        wait_until(partial(all_read, out, folder))
    streamed_seconds = time.monotonic() - started
    as_read = f1s(out, labels)
    streaming.process.wait(timeout=TIMEOUT)
    watch = Watch(folder, out, extra)  # for the latency probes
    return {
        "stream_peak_rss": streaming.peak_rss,
        "batch": f1s(batch_out, labels),
        "watch as read": as_read,
        "watch settled": f1s(out, labels),
        "batch_seconds": batch_seconds,
        "watch_seconds": streamed_seconds,
    }, watch


def write_probe(path: Path, id_prefix: str, number: int, articles: int = 50) -> None:
    """A JSON Lines file of short new articles (ids `id_prefix`-0, -1, ...)."""
    sentence = "Words of a short report about nothing much. " * 8
    path.write_text(
        "".join(
            json.dumps({"id": f"{id_prefix}-{i}", "text": f"Latency probe {number} item {i}. "
                        + sentence}) + "\n"
            for i in range(articles)
        ),
        encoding="utf-8",
    )  # fmt: skip


def latency(folder: Path, out: Path, drops: int, seed: int) -> list[float]:
    seconds = []
    for number in range(drops):
        before = article_count(out)
        path = folder.parent / f"latency-{number}.jsonl"
        write_probe(path, f"lat-{seed}-{number}", number)
        started = time.monotonic()
        drop(path, folder)
        wait_until(partial(articles_at_least, out, before + 50))
        seconds.append(time.monotonic() - started)
    return seconds


def keep_up(work: Path, corpus: Path, extra: list[str]) -> dict[str, float]:
    whole = work / "whole.jsonl"
    with whole.open("w", encoding="utf-8") as target:
        for path in sorted((corpus / "input").rglob("*.jsonl")):
            target.write(path.read_text(encoding="utf-8"))
    unique = len({json.loads(line)["id"] for line in whole.open() if line.strip()})
    run_seconds = quality.run_command(
        [*CLI, "run", "--input", str(whole), "--output", str(work / "keepup-run"), "--quiet"],
        "batch run of the whole file",
    )
    folder, out = work / "keepup-in", work / "keepup-watch"
    folder.mkdir()
    watch = Watch(folder, out, extra)
    time.sleep(2.0)  # started
    drop(whole, folder)
    watch_seconds = wait_until(partial(articles_at_least, out, unique))
    watch.stop()
    # SIGTERM while the same drop is being processed by a fresh watch with state.
    shutil.rmtree(work / "keepup-watch-2", ignore_errors=True)
    shutil.copytree(out, work / "keepup-watch-2", symlinks=True)
    shutil.rmtree(work / "keepup-watch-2" / "_watch")
    restarted = Watch(folder, work / "keepup-watch-2", extra)
    time.sleep(3.0)
    stop_seconds = restarted.stop()
    return {
        "articles": unique,
        "run_seconds": run_seconds,
        "watch_seconds": watch_seconds,
        "stop_seconds": stop_seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--size", type=quality.positive_int, default=1000)
    parser.add_argument("--files", type=quality.positive_int, default=3)
    parser.add_argument("--latency-drops", type=int, default=10)
    parser.add_argument("--no-keep-up", action="store_true", help="skip keep-up and stop")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/newsdedup-watch-bench"))
    parser.add_argument("--flag", action="append", default=[], help="an option for every run")
    parser.add_argument(
        "--synthetic-sources",
        action="store_true",
        help="corpora beyond the ~4,600 articles of the real texts (make_corpus.py)",
    )
    args = parser.parse_args(argv)
    extra = ["--synthetic-sources"] if args.synthetic_sources else []
    corpus, _ = quality.ensure_corpus(args.workdir, args.seed, args.size, extra)
    work = args.workdir / f"watch-{args.seed}-{args.size}-{args.files}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    scores, watch = parity(work, corpus, args.files, args.flag)
    print(f"corpus                seed {args.seed}, {args.size} articles, {args.files} files")
    for level in ("story", "dup"):
        print(
            f"{level + ' F1':<21} batch {scores['batch'][level]:.3f}, watch "
            f"{scores['watch settled'][level]:.3f} (as read, before the stream ended: "
            f"{scores['watch as read'][level]:.3f})"
        )
    print(f"stream wall time      {scores['watch_seconds']:.1f} s "
          f"(batch run {scores['batch_seconds']:.1f} s)")  # fmt: skip
    if args.latency_drops:
        seconds = latency(work / "incoming", work / "watch", args.latency_drops, args.seed)
        # "inclusive": between the samples, as numpy's percentile; the default
        # extrapolates above the largest of few samples.
        p95 = (
            statistics.quantiles(seconds, n=20, method="inclusive")[-1]
            if len(seconds) > 1
            else seconds[0]
        )
        print(
            f"50-article latency    p50 {statistics.median(seconds):.1f} s, p95 {p95:.1f} s, "
            f"max {max(seconds):.1f} s ({len(seconds)} drops)"
        )
    print(f"SIGTERM to exit       {watch.stop():.1f} s (idle, with state)")
    peak_rss = max(scores["stream_peak_rss"], watch.peak_rss)
    print(f"peak RSS (tree)       {peak_rss / 2**20:,.0f} MiB")
    if not args.no_keep_up:
        figures = keep_up(work, corpus, args.flag)
        print(
            f"keep-up               {figures['articles']} articles in one file: watch "
            f"{figures['watch_seconds']:.1f} s, run {figures['run_seconds']:.1f} s"
        )
        print(f"SIGTERM mid-batch     {figures['stop_seconds']:.1f} s to exit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
