"""Running the `newsdedup` command in a subprocess and reading its Parquet back; inputs written
for it, shared by the end-to-end tests."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from tests import textgen


def newsdedup(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "newsdedup.pipelines.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def articles_table(out: Path) -> pa.Table:
    dataset = ds.dataset(out / "articles", format="parquet", partitioning="hive")
    return dataset.to_table().sort_by("article_id")


def stories_table(out: Path) -> pa.Table:
    return ds.dataset(out / "stories", format="parquet").to_table().sort_by("story_id")


def comparable(table: pa.Table) -> pa.Table:
    """The table without the columns that legitimately differ between runs."""
    return table.drop_columns(["ingested_at"])


AGENCY_A = textgen.article(1)
AGENCY_B = textgen.article(2)


def write_batch(path: Path, day: int, articles: dict[str, list[str]]) -> Path:
    lines = [
        json.dumps(
            {
                "id": article_id,
                "text": textgen.text(paragraphs),
                "published_at": f"2026-05-0{day}T{8 + i:02d}:00:00Z",
            }
        )
        for i, (article_id, paragraphs) in enumerate(articles.items())
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_articles(path: Path, first: int, count: int) -> Path:
    lines = [
        json.dumps(
            {
                "id": f"n{i:05d}",
                "text": textgen.text(textgen.article(i, 6)),
                "published_at": "2026-05-01T10:00:00Z",
            }
        )
        for i in range(first, first + count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_run(*args: str, preexec: Callable[[], None] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsdedup.pipelines.cli", "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,
    )
