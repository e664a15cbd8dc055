"""Speed and memory of newsdedup beside the plain loop: the command behind docs/benchmarks.md.

    python scripts/bench.py [--sizes 10000,50000,100000] [--runners inprocess,multiprocess]
        [--seed 7] [--workdir /tmp/newsdedup-bench] [--profile-size N] [--no-loop]
        [--loop-backend langdetect_rs]

For each size it generates a labelled corpus with scripts/make_corpus.py
(`--synthetic-sources`, so that sizes beyond the ~4,600 ids the real texts give
are made of new base articles; reused when its manifest matches), then, one after
the other and each in a subprocess:

- `newsdedup run` end to end (Parquet written) once per runner: `inprocess` is the
  default FnApiRunner, `multiprocess` adds
  `--direct_running_mode=multi_processing --direct_num_workers=2`;
- the plain loop, scripts/baseline.py, with the same language detector
  (`--loop-backend`, langdetect-rs by default, bit-identical to langdetect);
- with `--peers-python PYTHON` (a virtualenv holding datatrove and text-dedup, see
  scripts/peer_dedup.py), datatrove's and text-dedup's MinHash deduplication with their
  own defaults, on the articles as the loop reads them (one {"id", "text"} JSON line
  each, written before the clock starts); their clusters are scored at both levels.

Every run is timed as a whole subprocess (interpreter and Beam start-up
included) while its process tree's resident memory is polled from /proc (the
sum of the RSS of the process and all its descendants, so multi_processing
workers count). Every output is scored against the corpus labels with
scripts/evaluate.py (near-duplicate and story pair F1).

Then one more in-process run under cProfile, on the `--profile-size` corpus
(default: the smallest size), gives the per-stage profile: the cumulative time
of the functions that do each stage's work, as a share of the profiled run
(cProfile slows Python code more than native code, so shares are indicative),
and that share of the unprofiled in-process run's CPU time.

Output: the command line and the machine (CPU, cores, memory, load), then
ready-to-paste markdown tables: throughput and memory per (size, runner), the
10k -> 100k growth, and the stage profile. Progress goes to stderr.

Exit codes: 0 measured; 1 a run failed; 2 wrong usage.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import pstats
import re
import resource
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python scripts/bench.py`
    sys.path.insert(0, str(REPO_ROOT))

from scripts import evaluate  # noqa: E402
from scripts.quality import (  # noqa: E402
    RunError,
    ensure_corpus,
    markdown_table,
    read_labels,
)

PROG = "bench.py"
DEFAULT_SIZES = (10_000, 50_000, 100_000)
DEFAULT_WORKDIR = Path("/tmp/newsdedup-bench")
RUNNER_ARGS = {
    "inprocess": [],
    "multiprocess": ["--direct_running_mode=multi_processing", "--direct_num_workers=2"],
}
LOOP = "loop"
PEERS = ("datatrove", "text-dedup")
POLL_SECONDS = 0.2
DISK_POLLS = 5  # the output folder's size is polled every second
STDERR_TAIL = 5
EXIT_OK, EXIT_FAILED = 0, 1  # wrong usage: argparse exits with 2
MIB = 1024 * 1024

# Stage -> the functions (module:qualified name) whose cumulative profile time is that
# stage's work. A name that is not a module attribute (a local function) is matched by
# its module's file and its own name.
STAGES: dict[str, tuple[str, ...]] = {
    "reading and re-deliveries": (
        "newsdedup.transforms.io.read:SplitLargeFilesFn.process",
        # Both the streaming ParseFileFn and the batch pipeline's subclass parse here.
        "newsdedup.transforms.io.read:ParseFileFn._parse_routed",
        "newsdedup.transforms.redeliveries:record_origin",
        "newsdedup.transforms.redeliveries:repeated_ids",
        "newsdedup.transforms.redeliveries:_SplitByVerdictFn.process_records",
    ),
    "language detection": ("newsdedup.transforms.core.signals.language:LanguageDetector.detect",),
    "shingling and MinHash": (
        "newsdedup.transforms.core.signals.analysis:ArticleAnalyzer.shingle",
        "newsdedup.transforms.core.signals.analysis:sign_article",
        "newsdedup.transforms.analyze:_ShardSiteFingerprintsFn.process",
        "newsdedup.transforms.analyze:_BoilerplateOfShardFn.process",
        "newsdedup.transforms.analyze:_site_day_counts",
    ),
    "candidate generation": (
        "newsdedup.transforms.cluster:ShardKeysFn._index",
        "newsdedup.transforms.cluster:PairsFromShardFn.process_group",
        "newsdedup.transforms.cluster:AttachLeftFactsFn.process_group",
    ),
    "verification": ("newsdedup.transforms.cluster:VerifyPairsFn.process_group",),
    "clustering": ("newsdedup.transforms.cluster:ClusterFn.process",),
    "writing (rows, Parquet)": (
        "newsdedup.transforms.assemble:_WriteArticleFileFn.process_group",
        "newsdedup.transforms.core.formats.rows:story_row",
        "newsdedup.transforms.io.write:shard_of",
        "newsdedup.transforms.io.write:_WriteGroupFn.process",
        "newsdedup.transforms.io.output:commit",
    ),
}
# (outer, inner): the outer stage's functions call the inner's, whose time is subtracted.
NESTED = (("shingling and MinHash", "language detection"),)
OTHER_STAGE = "Beam (coders, shuffles, scheduling) and start-up"


def log(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


# --- measuring a subprocess ----------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process visible in /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants (0 once they are gone)."""
    tree, total, pending = _children(), 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while pending:
        pid = pending.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        pending.extend(tree.get(pid, []))
    return total


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under `folder` (0 if it does not exist); files that vanish
    while it is walked are skipped."""
    total, pending = 0, [folder]
    while pending:
        with contextlib.suppress(OSError), os.scandir(pending.pop()) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
    return total


@dataclass(frozen=True, slots=True)
class Measured:
    seconds: float
    cpu_seconds: float
    peak_rss: int
    stdout: str
    peak_disk: int = 0


def run_measured(command: list[str], what: str, out: Path | None = None) -> Measured:
    """Run `command` from the repository root, polling its process tree's memory and,
    every DISK_POLLS polls, the bytes under `out` (the run's output folder: its
    staging and scratch files included)."""
    started = time.perf_counter()
    # Descendants' CPU time reaches RUSAGE_CHILDREN once waited for (workers by their parent).
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = peak_disk = polls = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak, peak_disk, polls
        while not done.wait(POLL_SECONDS):
            peak = max(peak, tree_rss(process.pid))
            polls += 1
            if out is not None and polls % DISK_POLLS == 0:
                peak_disk = max(peak_disk, folder_bytes(out))

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    done.set()
    poller.join()
    if process.returncode != EXIT_OK:
        tail = " | ".join(stderr.strip().splitlines()[-STDERR_TAIL:])
        raise RunError(f"{what} exited with {process.returncode}: {tail}")
    if out is not None:
        peak_disk = max(peak_disk, folder_bytes(out))
    return Measured(seconds, cpu, peak, stdout, peak_disk)


# --- runs ----------------------------------------------------------------------------------


def newsdedup_command(corpus: Path, out: Path, runner: str) -> list[str]:
    inputs = ["--input", str(corpus / "input"), "--output", str(out)]
    return [sys.executable, "-m", "newsdedup.pipelines.cli", "run", *inputs, *RUNNER_ARGS[runner]]


def loop_command(corpus: Path, out: Path, backend: str) -> list[str]:
    script = str(REPO_ROOT / "scripts" / "baseline.py")
    inputs = ["--input", str(corpus / "input"), "--output", str(out)]
    return [sys.executable, script, *inputs, "--language-backend", backend]


def articles_written(stdout: str, label: str) -> int:
    """The article count a run printed (`articles written N` or `articles N,`)."""
    match = re.search(rf"^{label}\s+(\d+)", stdout, flags=re.MULTILINE)
    if match is None:
        raise RunError(f"no '{label}' in the output: {stdout.strip()[:200]}")
    return int(match.group(1))


def measure_run(
    name: str, command: list[str], out: Path, labels: dict[str, dict[str, str]], label: str
) -> dict[str, Any]:
    """One timed, memory-polled, scored run into an empty folder."""
    shutil.rmtree(out, ignore_errors=True)
    measured = run_measured(command, name, out)
    predicted, _ = evaluate.load_output(out)
    scores = {level: evaluate.score_partitions(predicted[level], labels[level]) for level in labels}
    return scored_result(name, command, articles_written(measured.stdout, label), measured, scores)


def scored_result(
    name: str, command: list[str], articles: int, measured: Measured, scores: dict[str, Any]
) -> dict[str, Any]:
    """One run's row of the report, logged."""
    result = {
        "name": name,
        "command": shlex.join(command),
        "articles": articles,
        "seconds": measured.seconds,
        "articles_per_second": articles / measured.seconds,
        "cpu_seconds": measured.cpu_seconds,
        "peak_rss_mib": measured.peak_rss / MIB,
        "peak_disk_mib": measured.peak_disk / MIB,
        "dup_f1": scores["dup"]["pairwise"]["f1"],
        "story_f1": scores["story"]["pairwise"]["f1"],
    }
    log(
        f"{name}: {articles} articles in {measured.seconds:.1f} s "
        f"({result['articles_per_second']:.0f}/s, {measured.cpu_seconds:.1f} CPU s), "
        f"peak RSS {result['peak_rss_mib']:.0f} MiB, peak disk {result['peak_disk_mib']:.0f} MiB, "
        f"dup F1 {result['dup_f1']:.3f}, story F1 {result['story_f1']:.3f}"
    )
    return result


def peer_input(corpus: Path, target: Path) -> Path:
    """The corpus's articles as the loop reads them, one {"id", "text"} line each."""
    from scripts.baseline import read_articles

    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as sink:
        for article in read_articles([str(corpus / "input")]):
            sink.write(json.dumps({"id": article.article_id, "text": article.text}) + "\n")
    return target


def measure_peer(
    peer: str, python: str, articles: Path, work: Path, labels: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """One timed, memory-polled run of a peer; an article it left out of its index is alone."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    assignments = work / "assignments.jsonl"
    script = str(REPO_ROOT / "scripts" / "peer_dedup.py")
    command = [python, script, peer, "--input", str(articles), "--work", str(work)]
    command += ["--assignments", str(assignments)]
    measured = run_measured(command, peer, work)
    clusters = {}
    for line in assignments.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        clusters[record["id"]] = f"cluster-{record['cluster']}"
    ids = next(iter(labels.values()))
    predicted = {article_id: clusters.get(article_id, article_id) for article_id in ids}
    scores = {level: evaluate.score_partitions(predicted, labels[level]) for level in labels}
    return scored_result(peer, command, len(ids), measured, scores)


def measure_size(args: argparse.Namespace, size: int) -> dict[str, Any]:
    corpus, _ = ensure_corpus(args.workdir, args.seed, size, ["--synthetic-sources"])
    labels = read_labels(corpus)
    runs = args.workdir / "runs" / str(size)
    results: dict[str, Any] = {}
    for runner in args.runners:
        command = newsdedup_command(corpus, runs / runner, runner)
        results[runner] = measure_run(
            f"newsdedup {runner} {size}", command, runs / runner, labels, "articles written"
        )
    if args.loop:
        command = loop_command(corpus, runs / LOOP, args.loop_backend)
        results[LOOP] = measure_run(f"loop {size}", command, runs / LOOP, labels, "articles")
    if args.peers_python:
        articles = peer_input(corpus, runs / "peer-input.jsonl")
        for peer in PEERS:
            results[peer] = measure_peer(peer, args.peers_python, articles, runs / peer, labels)
    return {"size": size, "corpus": str(corpus), "results": results}


# --- stage profile -------------------------------------------------------------------------


def function_keys(spec: str) -> tuple[str, int | None, str]:
    """(file, first line or None for any, name) of a `module:qualified.name` spec, as
    cProfile keys functions."""
    module_name, _, qualified = spec.partition(":")
    module = importlib.import_module(module_name)
    target: Any = module
    for part in qualified.split("."):
        target = getattr(target, part, None)
    code = getattr(target, "__code__", None)
    if code is None:
        return str(module.__file__), None, qualified.rsplit(".", 1)[-1]
    return code.co_filename, code.co_firstlineno, code.co_name


def profile_stages(stats: pstats.Stats) -> dict[str, float]:
    """Stage -> profiled seconds of its own work (nested stages subtracted); the rest
    of the run's total under OTHER_STAGE."""
    keys = {stage: [function_keys(spec) for spec in specs] for stage, specs in STAGES.items()}
    cumulative: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    for (filename, line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        for stage, functions in keys.items():
            if any(
                Path(filename) == Path(file) and function == name and first in (None, line)
                for file, first, name in functions
            ):
                cumulative[stage] += row[3]
    for outer, inner in NESTED:
        cumulative[outer] = max(0.0, cumulative[outer] - cumulative[inner])
    total = stats.total_tt  # type: ignore[attr-defined]
    cumulative[OTHER_STAGE] = max(0.0, total - sum(cumulative.values()))
    return cumulative


def measure_profile(args: argparse.Namespace, size: int, cpu: float | None) -> dict[str, Any]:
    """Per-stage seconds of one in-process run under cProfile."""
    corpus, _ = ensure_corpus(args.workdir, args.seed, size, ["--synthetic-sources"])
    out = args.workdir / "runs" / str(size) / "profiled"
    shutil.rmtree(out, ignore_errors=True)
    profile = args.workdir / f"profile-{size}.pstats"
    command = [
        sys.executable,
        "-m",
        "cProfile",
        "-o",
        str(profile),
        "-m",
        "newsdedup.pipelines.cli",
        "run",
        "--input",
        str(corpus / "input"),
        "--output",
        str(out),
    ]
    log(f"profiling an in-process run on {size} articles")
    run_measured(command, f"profiled run {size}")
    stages = profile_stages(pstats.Stats(str(profile)))
    total = sum(stages.values())
    log(f"profiled run: {total:.1f} s under cProfile")
    return {"size": size, "profiled_seconds": total, "cpu_seconds": cpu, "stages": stages}


# --- report --------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU model, cores, memory and load of this machine, read from /proc."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, flags=re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, flags=re.MULTILINE)
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "memory": f"{int(total.group(1)) / 1024 / 1024:.1f} GiB" if total else "unknown",
        "python": platform.python_version(),
        "load average": load,
    }


def _thousands(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def throughput_rows(sizes: Sequence[dict[str, Any]]) -> Iterable[list[str]]:
    for entry in sizes:
        results = entry["results"]
        loop = results.get(LOOP)
        for name, run in results.items():
            ratio = (
                f"{run['articles_per_second'] / loop['articles_per_second']:.1f}x"
                if loop and name != LOOP
                else "-"
            )
            yield [
                _thousands(entry["size"]),
                name,
                str(run["articles"]),
                f"{run['seconds']:.1f}",
                f"{run['articles_per_second']:.0f}",
                ratio,
                f"{run['cpu_seconds']:.1f}",
                f"{1000 * run['cpu_seconds'] / run['articles']:.2f}",
                f"{run['peak_rss_mib']:.0f}",
                f"{run.get('peak_disk_mib', 0):.0f}",
                f"{run['dup_f1']:.3f}",
                f"{run['story_f1']:.3f}",
            ]


def growth_rows(sizes: Sequence[dict[str, Any]]) -> Iterable[list[str]]:
    """Wall-time growth from the smallest to the largest size, per run kind."""
    if len(sizes) < 2:
        return
    first, last = sizes[0], sizes[-1]
    for name in first["results"]:
        if name in last["results"]:
            before, after = first["results"][name], last["results"][name]
            yield [
                name,
                f"{_thousands(first['size'])} -> {_thousands(last['size'])}",
                f"{last['size'] / first['size']:.1f}x",
                f"{after['seconds'] / before['seconds']:.1f}x",
                f"{after['cpu_seconds'] / before['cpu_seconds']:.1f}x",
            ]


def profile_rows(profile: dict[str, Any]) -> Iterable[list[str]]:
    total = profile["profiled_seconds"]
    cpu = profile["cpu_seconds"]
    for stage, seconds in profile["stages"].items():
        share = seconds / total if total else 0.0
        yield [
            stage,
            f"{seconds:.1f}",
            f"{100 * share:.0f} %",
            f"{share * cpu:.1f}" if cpu else "-",
        ]


def format_report(report: dict[str, Any]) -> str:
    lines = ["Command:", "", f"    {report['command']}", "", "Machine:", ""]
    lines += [f"- {key}: {value}" for key, value in report["machine"].items()]
    lines += [
        "",
        "Throughput (whole subprocess, start-up included; CPU time and peak RSS of the process "
        "tree; CPU time is the figure least disturbed by other load on the machine):",
    ]
    header = [
        "articles",
        "run",
        "written",
        "wall s",
        "articles/s",
        "vs loop",
        "CPU s",
        "CPU ms/article",
        "peak RSS MiB",
        "peak disk MiB",
        "dup F1",
        "story F1",
    ]
    lines += ["", *markdown_table(header, throughput_rows(report["sizes"]))]
    growth = list(growth_rows(report["sizes"]))
    if growth:
        lines += ["", "Growth from the smallest to the largest size:", ""]
        lines += markdown_table(["run", "sizes", "articles", "wall time", "CPU time"], growth)
    profile = report.get("profile")
    if profile:
        lines += [
            "",
            f"Stage profile (in-process run on {_thousands(profile['size'])} articles under "
            "cProfile; shares are indicative):",
            "",
        ]
        header = ["stage", "profiled s", "share", "est. CPU s unprofiled"]
        lines += markdown_table(header, profile_rows(profile))
    return "\n".join(lines)


# --- command line --------------------------------------------------------------------------


def size_list(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from error
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("sizes must be at least 100")
    return tuple(sorted(set(sizes)))


def runner_list(text: str) -> tuple[str, ...]:
    runners = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [runner for runner in runners if runner not in RUNNER_ARGS]
    if unknown:
        raise argparse.ArgumentTypeError(f"runners must be among {','.join(RUNNER_ARGS)}")
    return runners


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--sizes", type=size_list, default=DEFAULT_SIZES, help="e.g. 10000,50000")
    parser.add_argument(
        "--runners", type=runner_list, default=tuple(RUNNER_ARGS), help="inprocess,multiprocess"
    )
    parser.add_argument("--seed", type=int, default=7, help="corpus seed")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="corpora, outputs")
    parser.add_argument(
        "--profile-size", type=int, default=None, help="size of the profiled run (0: none)"
    )
    parser.add_argument("--no-loop", dest="loop", action="store_false", help="skip the loop")
    parser.add_argument(
        "--loop-backend",
        choices=("langdetect_rs", "langdetect"),
        default="langdetect_rs",
        help="the loop's language detector (newsdedup uses langdetect_rs)",
    )
    parser.add_argument(
        "--peers-python",
        default=None,
        help="python of a virtualenv with datatrove and text-dedup: run them too",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    profile_size = args.sizes[0] if args.profile_size is None else args.profile_size
    report: dict[str, Any] = {
        "command": shlex.join(
            ["python", "scripts/bench.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "machine": machine(),
    }
    try:
        report["sizes"] = [measure_size(args, size) for size in args.sizes]
        if profile_size:
            cpu = next(
                (
                    entry["results"]["inprocess"]["cpu_seconds"]
                    for entry in report["sizes"]
                    if entry["size"] == profile_size and "inprocess" in entry["results"]
                ),
                None,
            )
            report["profile"] = measure_profile(args, profile_size, cpu)
    except (RunError, evaluate.InputError) as error:
        log(str(error))
        return EXIT_FAILED
    report["machine"]["load average after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(format_report(report))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
