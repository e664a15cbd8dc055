"""How close consecutive incremental runs come to one run over everything.

For each seed, builds (or reuses) the labelled corpus of scripts/quality.py,
splits its records by publication time into `--batches` consecutive batches
(a newsblog file goes into the batch of its date line), runs `newsdedup run`
on them one after another into one OUT, and once over everything into another
OUT. It prints both runs' scores against the labels (scripts/evaluate.py,
story ids resolved through `merged_into`) and how far the incremental story
partition is from the one-run partition.

    python scripts/incremental.py --seeds 2,3,4 --size 3000 --batches 3 [--flag=...]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as `python scripts/incremental.py`
    sys.path.insert(0, str(REPO_ROOT))

from scripts import evaluate, quality  # noqa: E402

PROG = "incremental.py"
_DATE_LINE = re.compile(r"^date (\d{4}-\d{2}-\d{2})")
FAR_FUTURE = "9999"


def record_time(record: dict[str, Any]) -> str:
    """Sortable publication time; records without one go last."""
    return str(record.get("published_at") or FAR_FUTURE)


def split_corpus(input_folder: Path, target: Path, batches: int) -> list[Path]:
    """Consecutive batches of the corpus by publication time, as input folders."""
    records = []
    for path in sorted(input_folder.rglob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            records += [json.loads(line) for line in lines if line.strip()]
    records.sort(key=lambda r: (record_time(r), r["id"]))
    size = -(-len(records) // batches)
    chunks = [records[i * size : (i + 1) * size] for i in range(batches)]
    folders = []
    for number, chunk in enumerate(chunks, start=1):
        folder = target / f"batch-{number}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        with (folder / "articles.jsonl").open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in chunk)
        folders.append(folder)
    ends = [record_time(chunk[-1]) if chunk else FAR_FUTURE for chunk in chunks]
    for path in sorted(input_folder.rglob("*.txt")):
        match = _DATE_LINE.match(path.read_text(encoding="utf-8"))
        day = match.group(1) if match else FAR_FUTURE
        number = next((i for i, end in enumerate(ends) if day <= end), batches - 1)
        shutil.copy(path, folders[number] / path.name)
    return folders


def newsdedup(inputs: list[Path], out: Path, extra: list[str]) -> float:
    args = [arg for folder in inputs for arg in ("--input", str(folder))]
    command = [
        sys.executable,
        "-m",
        "newsdedup.pipelines.cli",
        "run",
        *args,
        "--output",
        str(out),
        *extra,
    ]
    return quality.run_command(command, f"newsdedup on {out.name}")


def measure_seed(
    workdir: Path, seed: int, size: int, batches: int, extra: list[str]
) -> dict[str, Any]:
    corpus, _ = quality.ensure_corpus(workdir, seed, size)
    labels = quality.read_labels(corpus)
    runs = workdir / "incremental" / f"{seed}-{size}"
    folders = split_corpus(corpus / "input", runs, batches)
    once, steps = runs / "once", runs / "steps"
    for out in (once, steps):
        shutil.rmtree(out, ignore_errors=True)
    once_seconds = newsdedup([corpus / "input"], once, extra)
    step_seconds = [newsdedup([folder], steps, extra) for folder in folders]
    predicted = {
        name: evaluate.load_output(out)[0] for name, out in (("once", once), ("steps", steps))
    }
    scores = {
        name: {level: evaluate.score_partitions(p[level], labels[level]) for level in labels}
        for name, p in predicted.items()
    }
    agreement = evaluate.score_partitions(predicted["steps"]["story"], predicted["once"]["story"])
    quality.log(f"seed {seed}: story partitions agree at pair F1 {agreement['pairwise']['f1']:.3f}")
    return {
        "seed": seed,
        "articles": len(labels["story"]),
        "once_seconds": once_seconds,
        "step_seconds": step_seconds,
        "scores": scores,
        "agreement": agreement,
    }


def format_report(results: list[dict[str, Any]], batches: int) -> str:
    header = [
        "seed",
        "articles",
        "story F1, one run",
        f"story F1, {batches} runs",
        "dup F1, one run",
        f"dup F1, {batches} runs",
        "story partitions: pair F1 / ARI",
        "seconds: one run / runs",
    ]
    rows = []
    for r in results:
        once, steps = r["scores"]["once"], r["scores"]["steps"]
        rows.append(
            [
                str(r["seed"]),
                str(r["articles"]),
                f"{once['story']['pairwise']['f1']:.3f}",
                f"{steps['story']['pairwise']['f1']:.3f}",
                f"{once['dup']['pairwise']['f1']:.3f}",
                f"{steps['dup']['pairwise']['f1']:.3f}",
                f"{r['agreement']['pairwise']['f1']:.3f} / {r['agreement']['ari']:.3f}",
                f"{r['once_seconds']:.1f} / " + " + ".join(f"{s:.1f}" for s in r["step_seconds"]),
            ]
        )
    return "\n".join(quality.markdown_table(header, rows))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=quality.seed_list, default=(2,), help="e.g. 2,3,4")
    parser.add_argument("--size", type=quality.positive_int, default=3000, help="corpus size")
    parser.add_argument("--batches", type=quality.positive_int, default=3)
    parser.add_argument(
        "--workdir", type=Path, default=Path("/tmp/newsdedup-quality"), help="corpora and runs"
    )
    parser.add_argument(
        "--flag",
        action="append",
        default=[],
        help="an option for every newsdedup run, e.g. --flag=--entity-threshold=1.0; repeatable",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    results = [
        measure_seed(args.workdir, seed, args.size, args.batches, args.flag) for seed in args.seeds
    ]
    print(format_report(results, args.batches))
    return 0


if __name__ == "__main__":
    sys.exit(main())
