"""Whether two newsdedup output folders hold the same data.

    python scripts/compare_outputs.py OUT_A OUT_B

Compares articles, stories, rejects and story merges row by row, every column
except those that say when and by which version a run wrote them
(`ingested_at`, `merged_at`, `pipeline_version`), and the names of the
articles files. Prints one line per dataset; exit code 1 if anything differs.
Use it to check that a change keeps the output, e.g. a run of the previous
commit (from a `git worktree`) against a run of this one on the same input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

RUN_COLUMNS = {"ingested_at", "merged_at", "pipeline_version"}
DATASETS = {
    "articles": "articles/**/*.parquet",
    "stories": "stories/*.parquet",
    "rejects": "rejects/*.parquet",
    "story_merges": "story_merges/*.parquet",
}


def dataset_rows(out: Path, pattern: str) -> list[tuple[object, ...]]:
    relation = duckdb.read_parquet(str(out / pattern), hive_partitioning=True)
    columns = [c for c in relation.columns if c not in RUN_COLUMNS]
    quoted = ", ".join(f'"{c}"' for c in columns)
    return relation.project(quoted).order(quoted).fetchall()


def article_files(out: Path) -> list[str]:
    root = (out / "articles").resolve()
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet"))


def compare(first: Path, second: Path) -> list[str]:
    """One line per dataset, starting with 'same' or 'DIFFERENT'."""
    lines = []
    for name, pattern in DATASETS.items():
        rows = dataset_rows(first, pattern), dataset_rows(second, pattern)
        verdict = "same" if rows[0] == rows[1] else "DIFFERENT"
        lines.append(f"{verdict}: {name} ({len(rows[0])} and {len(rows[1])} rows)")
    files = article_files(first), article_files(second)
    verdict = "same" if files[0] == files[1] else "DIFFERENT"
    lines.append(f"{verdict}: articles file names ({len(files[0])} and {len(files[1])} files)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path, help="an output folder")
    parser.add_argument("second", type=Path, help="another output folder")
    args = parser.parse_args(argv)
    lines = compare(args.first, args.second)
    print("\n".join(lines))
    return 0 if all(line.startswith("same") for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
