"""Measure newsdedup's clustering quality on labelled corpora: the command behind docs/quality.md.

    python scripts/quality.py [--seeds 2,3,4] [--size 3000] [--workdir /tmp/newsdedup-quality]
        [--baseline] [--set NAME=V1,V2,...]... [--json] [--runner-args="..."]
        [--traps] [--variants full,none,one-source]

For each seed it generates a labelled corpus with scripts/make_corpus.py into
`WORKDIR/corpus-<seed>-<size>/` (reused when its `manifest.json` records the same
arguments), runs `newsdedup run` on it in a subprocess once per configuration, and,
with `--baseline`, runs scripts/baseline.py (the plain MinHash LSH loop) once too.
Every output is scored with scripts/evaluate.py against the corpus labels.

`--traps` generates the corpora with make_corpus.py's traps (TRAP_ARGS: an
aggregator whose items carry agency lines, portal briefs without source, follow-ups
of short wire items; in `corpus-<seed>-<size>-x<hash>/`). `--variants` runs every
configuration on each named metadata variant of the corpus (`full`: outlet as source
and a URL; `none`: neither; `one-source`: one source for all, no URL), as rows
"NAME [VARIANT]".

Configurations: `--set NAME=V1,V2,...` (repeatable) names a field of
`transforms/core/config.py::DedupConfig` and its values (typed by the field); the
configurations are the cartesian product of all `--set` values, in the order given,
every other parameter at its default. Without `--set` there is one configuration,
the defaults. An unknown name, a value of the wrong type or out of range is a
one-line error and exit code 2.

Output: the command line, then a markdown table with one row per (configuration,
seed): near-duplicate pair precision / recall / F1, story pair precision / recall /
F1, story adjusted Rand index, story B-cubed F1 and the run's wall seconds (the
whole subprocess, interpreter and Beam start-up included); then a summary table per
configuration with the mean and the minimum over seeds of dup F1 and story F1.
`--json` prints one JSON object with the full scores instead. Progress goes to
stderr. `--runner-args` passes extra arguments to every `newsdedup run` (Beam
options such as `--direct_running_mode=multi_processing`); write it as
`--runner-args="..."` when the value starts with a dash.

Exit codes: 0 measured; 1 a run failed; 2 wrong usage.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python scripts/quality.py`
    sys.path.insert(0, str(REPO_ROOT))

from newsdedup.transforms.core.config import DedupConfig  # noqa: E402
from scripts import evaluate, make_corpus  # noqa: E402

PROG = "quality.py"
DEFAULT_SEEDS = (2, 3, 4)
DEFAULT_SIZE = 3000
DEFAULT_WORKDIR = Path("/tmp/newsdedup-quality")
# --traps: the make_corpus.py traps (an aggregator with agency lines on every item, a
# portal's briefs under one footer without source, follow-ups of short wire items).
TRAP_ARGS = ("--aggregator-rate", "0.1", "--portal-rate", "0.15", "--short-wire-rate", "0.2")
BASELINE = "baseline"
DEFAULTS = "defaults"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
STDERR_TAIL = 5


class UsageError(ValueError):
    """Wrong arguments; the message is the one-line error."""


class RunError(RuntimeError):
    """A corpus or pipeline run failed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Configuration:
    """One point of the sweep (or the baseline loop)."""

    name: str
    parameters: dict[str, Any] = field(default_factory=dict)
    baseline: bool = False
    variant: str = "full"  # which metadata variant of the corpus it reads

    def flags(self) -> list[str]:
        """The `newsdedup run` flags of the swept parameters."""
        return [
            item
            for name, value in self.parameters.items()
            for item in ("--" + name.replace("_", "-"), str(value))
        ]

    def folder(self) -> str:
        """A file-system-safe folder name for the configuration's output."""
        return (
            self.name.replace("=", "-")
            .replace(",", "_")
            .replace(" ", "")
            .replace("[", "-")
            .replace("]", "")
        )


def with_variants(
    configurations: list[Configuration], variants: Sequence[str]
) -> list[Configuration]:
    """Every configuration once per metadata variant; named "NAME [VARIANT]" unless the
    only variant is "full"."""
    if list(variants) == ["full"]:
        return configurations
    return [
        replace(configuration, name=f"{configuration.name} [{variant}]", variant=variant)
        for configuration in configurations
        for variant in variants
    ]


# --- the sweep -----------------------------------------------------------------------------


def field_types() -> dict[str, type]:
    """DedupConfig field name -> its type (int, float, ...)."""
    hints = typing.get_type_hints(DedupConfig)
    return {f.name: hints[f.name] for f in fields(DedupConfig)}


def parse_value(name: str, kind: type, text: str) -> Any:
    """`text` as a value of the field's type; UsageError if it is not one."""
    text = text.strip()
    if kind is bool:
        lowered = text.lower()
        if lowered in {"true", "1", "yes"}:
            return True
        if lowered in {"false", "0", "no"}:
            return False
    else:
        with contextlib.suppress(ValueError):
            return kind(text)
    raise UsageError(f"--set {name}: {text!r} is not a {kind.__name__}")


def parse_set(text: str, types: dict[str, type]) -> tuple[str, list[Any]]:
    """`NAME=V1,V2,...` -> (NAME, typed values), checked against DedupConfig."""
    name, sep, values = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name or not values.strip():
        raise UsageError(f"--set {text!r}: expected NAME=V1,V2,...")
    if name not in types:
        raise UsageError(f"--set: unknown parameter {name!r}; known: {', '.join(types)}")
    parsed = [parse_value(name, types[name], value) for value in values.split(",")]
    return name, list(dict.fromkeys(parsed))


def check_config(parameters: dict[str, Any]) -> None:
    """UsageError if DedupConfig rejects the combination (a value out of range)."""
    try:
        DedupConfig(**parameters).validate()
    except ValueError as error:
        raise UsageError(f"--set: {error}") from error


def configuration_name(parameters: dict[str, Any]) -> str:
    return ",".join(f"{name}={value}" for name, value in parameters.items()) or DEFAULTS


def expand_sweep(sets: Sequence[str]) -> list[Configuration]:
    """The cartesian product of the `--set NAME=V1,V2,...` values, in the order given."""
    types = field_types()
    axes: dict[str, list[Any]] = {}
    for text in sets:
        name, values = parse_set(text, types)
        if name in axes:
            raise UsageError(f"--set: {name} given twice")
        axes[name] = values
    configurations = []
    for combination in itertools.product(*axes.values()):
        parameters = dict(zip(axes, combination, strict=True))
        check_config(parameters)
        configurations.append(Configuration(configuration_name(parameters), parameters))
    return configurations


# --- corpora -------------------------------------------------------------------------------


def corpus_tag(extra: Sequence[str]) -> str:
    """A short folder tag for a corpus made with extra make_corpus.py arguments."""
    return "x" + hashlib.sha1(shlex.join(extra).encode()).hexdigest()[:8]


def corpus_argv(folder: Path, seed: int, size: int, extra: Sequence[str] = ()) -> list[str]:
    return ["--out", str(folder), "--size", str(size), "--seed", str(seed), *extra]


def expected_arguments(argv: list[str]) -> dict[str, Any]:
    """The `arguments` make_corpus writes into manifest.json for this command line."""
    config = make_corpus.config_from_args(make_corpus.build_parser().parse_args(argv))
    arguments = make_corpus.arguments_of(config)
    loaded: dict[str, Any] = json.loads(json.dumps(arguments))
    return loaded


def reusable(folder: Path, argv: list[str]) -> bool:
    """Whether `folder` holds a complete corpus made with these arguments."""
    manifest = folder / "manifest.json"
    if not (manifest.is_file() and (folder / "labels.jsonl").is_file()):
        return False
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8")).get("arguments")
    except (OSError, ValueError, AttributeError):
        return False
    return bool(recorded == expected_arguments(argv))


def ensure_corpus(
    workdir: Path, seed: int, size: int, extra: Sequence[str] = ()
) -> tuple[Path, bool]:
    """The corpus folder for (seed, size), generated unless reusable; and whether reused.
    `extra` are further make_corpus.py arguments."""
    folder = workdir / (f"corpus-{seed}-{size}" + ("-" + corpus_tag(extra) if extra else ""))
    argv = corpus_argv(folder, seed, size, extra)
    if reusable(folder, argv):
        log(f"corpus seed {seed} size {size}: reused {folder}")
        return folder, True
    log(f"corpus seed {seed} size {size}: generating {folder}")
    (folder / "manifest.json").unlink(missing_ok=True)  # complete only when written anew
    with contextlib.redirect_stdout(sys.stderr):
        code = make_corpus.main(argv)
    if code != EXIT_OK:
        raise RunError(f"make_corpus.py exited with {code} for seed {seed}")
    return folder, False


# --- runs ----------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def run_command(command: list[str], what: str) -> float:
    """Run `command` from the repository root; its wall seconds, RunError if it fails."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != EXIT_OK:
        tail = " | ".join(result.stderr.strip().splitlines()[-STDERR_TAIL:])
        raise RunError(f"{what} exited with {result.returncode}: {tail}")
    return seconds


def run_command_line(
    configuration: Configuration, corpus: Path, out: Path, extra: list[str]
) -> list[str]:
    folder = corpus / make_corpus.input_folder(configuration.variant)
    inputs = ["--input", str(folder), "--output", str(out)]
    if configuration.baseline:
        return [sys.executable, str(REPO_ROOT / "scripts" / "baseline.py"), *inputs]
    return [
        sys.executable,
        "-m",
        "newsdedup.pipelines.cli",
        "run",
        *inputs,
        *configuration.flags(),
        *extra,
    ]


def measure(
    configuration: Configuration,
    corpus: Path,
    out: Path,
    labels: dict[str, dict[str, str]],
    extra: list[str],
) -> dict[str, Any]:
    """Run one configuration on one corpus, into an empty folder, and score its output."""
    shutil.rmtree(out, ignore_errors=True)
    command = run_command_line(configuration, corpus, out, extra)
    seconds = run_command(command, f"{configuration.name} on {corpus.name}")
    predicted, _ = evaluate.load_output(out)
    scores = {level: evaluate.score_partitions(predicted[level], labels[level]) for level in labels}
    log(
        f"{corpus.name} {configuration.name}: dup F1 {scores['dup']['pairwise']['f1']:.3f}, "
        f"story F1 {scores['story']['pairwise']['f1']:.3f}, {seconds:.1f} s"
    )
    return {"output": str(out), "wall_seconds": seconds, **scores}


def read_labels(corpus: Path) -> dict[str, dict[str, str]]:
    """Level ("dup", "story") -> article -> true cluster."""
    labels = evaluate.load_labels(corpus / "labels.jsonl")
    return {level: evaluate.label_partition(labels, level) for level, _ in evaluate.LEVELS}


def measure_seed(
    args: argparse.Namespace, configurations: list[Configuration], seed: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The corpus record of one seed and one result per configuration."""
    corpus, reused = ensure_corpus(args.workdir, seed, args.size, corpus_extra(args))
    labels = read_labels(corpus)
    runs = args.workdir / "runs" / f"{seed}-{args.size}"
    results = [
        measure(configuration, corpus, runs / configuration.folder(), labels, args.runner_args)
        for configuration in configurations
    ]
    record = {"seed": seed, "path": str(corpus), "articles": len(labels["story"]), "reused": reused}
    return record, results


def corpus_extra(args: argparse.Namespace) -> list[str]:
    """make_corpus.py arguments beyond seed and size: traps and metadata variants."""
    extra = [*TRAP_ARGS] if args.traps else []
    if list(args.variants) != ["full"]:
        extra.append("--metadata-variants")
    return extra


def summarise(runs: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Mean and minimum over seeds of dup and story pair F1, and the mean wall seconds."""
    summary: dict[str, float] = {}
    for level in ("dup", "story"):
        values = [run[level]["pairwise"]["f1"] for run in runs]
        summary[f"{level}_f1_mean"] = statistics.fmean(values)
        summary[f"{level}_f1_min"] = min(values)
    summary["wall_seconds_mean"] = statistics.fmean(run["wall_seconds"] for run in runs)
    return summary


def measure_all(args: argparse.Namespace, configurations: list[Configuration]) -> dict[str, Any]:
    """Every configuration on every seed's corpus: the report."""
    runs: list[list[dict[str, Any]]] = [[] for _ in configurations]
    corpora = []
    for seed in args.seeds:
        record, results = measure_seed(args, configurations, seed)
        corpora.append(record)
        for bucket, result in zip(runs, results, strict=True):
            bucket.append({"seed": seed, **result})
    return {
        "command": args.command,
        "seeds": list(args.seeds),
        "size": args.size,
        "workdir": str(args.workdir),
        "runner_args": args.runner_args,
        "corpora": corpora,
        "configurations": [
            {
                "name": configuration.name,
                "baseline": configuration.baseline,
                "parameters": configuration.parameters,
                "runs": bucket,
                "summary": summarise(bucket),
            }
            for configuration, bucket in zip(configurations, runs, strict=True)
        ],
    }


# --- report --------------------------------------------------------------------------------


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    aligns = ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(aligns) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def run_row(name: str, run: dict[str, Any]) -> list[str]:
    dup, story = run["dup"], run["story"]
    scores = [
        dup["pairwise"]["precision"],
        dup["pairwise"]["recall"],
        dup["pairwise"]["f1"],
        story["pairwise"]["precision"],
        story["pairwise"]["recall"],
        story["pairwise"]["f1"],
        story["ari"],
        story["bcubed"]["f1"],
    ]
    return [
        name,
        str(run["seed"]),
        *(f"{value:.3f}" for value in scores),
        f"{run['wall_seconds']:.1f}",
    ]


def summary_row(configuration: dict[str, Any]) -> list[str]:
    summary = configuration["summary"]
    keys = ("dup_f1_mean", "dup_f1_min", "story_f1_mean", "story_f1_min")
    return [
        configuration["name"],
        str(len(configuration["runs"])),
        *(f"{summary[key]:.3f}" for key in keys),
        f"{summary['wall_seconds_mean']:.1f}",
    ]


def format_report(report: dict[str, Any]) -> str:
    """The command line, the per-run table and the per-configuration summary, as markdown."""
    corpora = ", ".join(f"seed {c['seed']}: {c['articles']} articles" for c in report["corpora"])
    run_header = [
        "configuration",
        "seed",
        "dup P",
        "dup R",
        "dup F1",
        "story P",
        "story R",
        "story F1",
        "story ARI",
        "story B3 F1",
        "wall s",
    ]
    summary_header = [
        "configuration",
        "seeds",
        "dup F1 mean",
        "dup F1 min",
        "story F1 mean",
        "story F1 min",
        "wall s mean",
    ]
    configurations = report["configurations"]
    rows = [run_row(c["name"], run) for c in configurations for run in c["runs"]]
    lines = [f"$ {report['command']}", "", f"Corpora of size {report['size']} ({corpora}).", ""]
    lines += markdown_table(run_header, rows)
    lines += ["", *markdown_table(summary_header, [summary_row(c) for c in configurations])]
    return "\n".join(lines)


# --- command line --------------------------------------------------------------------------


def seed_list(text: str) -> tuple[int, ...]:
    try:
        seeds = tuple(dict.fromkeys(int(part) for part in text.split(",") if part.strip()))
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of integers: {text}"
        ) from error
    if not seeds:
        raise argparse.ArgumentTypeError("no seeds")
    return seeds


def variant_list(text: str) -> tuple[str, ...]:
    variants = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [v for v in variants if v not in make_corpus.METADATA_VARIANTS]
    if not variants or unknown:
        known = ",".join(make_corpus.METADATA_VARIANTS)
        raise argparse.ArgumentTypeError(f"variants must be among {known}: {text}")
    return variants


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an integer: {text}") from error
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Measure newsdedup's quality on labelled corpora."
    )
    parser.add_argument(
        "--seeds", type=seed_list, default=DEFAULT_SEEDS, help="corpus seeds (default 2,3,4)"
    )
    parser.add_argument(
        "--size",
        type=positive_int,
        default=DEFAULT_SIZE,
        help=f"articles per corpus (default {DEFAULT_SIZE})",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"corpora and outputs (default {DEFAULT_WORKDIR})",
    )
    parser.add_argument("--baseline", action="store_true", help="also score scripts/baseline.py")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="sweep a DedupConfig parameter over these values; repeatable (cartesian product)",
    )
    parser.add_argument(
        "--variants",
        type=variant_list,
        default=("full",),
        help="metadata variants to run: full, none, one-source (comma-separated; default full)",
    )
    parser.add_argument(
        "--traps",
        action="store_true",
        help="generate the corpora with the traps: " + " ".join(TRAP_ARGS),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--runner-args",
        type=shlex.split,
        default=[],
        help='extra arguments for every newsdedup run, e.g. --runner-args="--direct_num_workers=2"',
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(arguments)
    args.command = shlex.join(["python", "scripts/quality.py", *arguments])
    args.workdir = args.workdir.resolve()  # the runs start in the repository root
    try:
        configurations = expand_sweep(args.sets)
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.baseline:
        configurations.append(Configuration(BASELINE, baseline=True))
    configurations = with_variants(configurations, args.variants)
    log(f"{len(configurations)} configurations x {len(args.seeds)} seeds, in {args.workdir}")
    try:
        report = measure_all(args, configurations)
    except (RunError, evaluate.InputError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
