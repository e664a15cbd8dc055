"""The Parquet schemas (schemas/parquet.py) as every documented reader sees them, and the
documented queries on the sample output."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.dataset as ds
import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.e2e

QUERIES_DOC = REPO_ROOT / "docs" / "queries.md"
READERS = ["Arrow", "DuckDB", "Polars", "pandas"]


def documented_types(dataset: str) -> dict[str, dict[str, str]]:
    """column -> reader -> type, from the table under `### <dataset>`."""
    section = QUERIES_DOC.read_text(encoding="utf-8").split(f"### {dataset}\n", 1)[1]
    types = {}
    for line in section.split("\n#", 1)[0].splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| `"):
            types[cells[0].strip("`")] = dict(zip(READERS, cells[1:], strict=True))
    return types


def code_blocks(language: str) -> list[str]:
    text = QUERIES_DOC.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def duckdb_types(out: Path, dataset: str) -> dict[str, str]:
    relation = duckdb.sql(
        f"SELECT * FROM read_parquet('{out}/{dataset}/**/*.parquet', hive_partitioning = true)"
    )
    return {c: str(t) for c, t in zip(relation.columns, relation.types, strict=True)}


@pytest.mark.parametrize("dataset", ["articles", "stories", "story_merges"])
def test_every_reader_sees_the_documented_types(sample_output: Path, dataset: str) -> None:
    documented = documented_types(dataset)
    arrow = ds.dataset(sample_output / dataset, format="parquet").schema
    assert [c for c in documented if c != "published_date"] == arrow.names

    seen = {
        "DuckDB": duckdb_types(sample_output, dataset),
        "Polars": {
            c: str(t)
            for c, t in pl.read_parquet(
                sample_output / dataset, hive_partitioning=dataset == "articles"
            ).schema.items()
        },
        "pandas": {c: str(t) for c, t in pd.read_parquet(sample_output / dataset).dtypes.items()},
        "Arrow": {f.name: str(f.type) for f in arrow},
    }
    for column, types in documented.items():
        for reader, expected in types.items():
            if reader == "Arrow" and column == "published_date":
                continue  # a folder name, not a column of the files
            assert seen[reader][column] == expected, (reader, column)


def test_every_documented_sql_query_runs(
    sample_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sample_output.parent)
    queries = code_blocks("sql")
    assert len(queries) >= 4
    results = [duckdb.sql(query).fetchall() for query in queries]
    assert all(results)
    by_day, by_language, per_source = results[:3]
    assert ("2026-03-02", "Fahrradhersteller Radwerk Sachsen stellt Insolvenzantrag") in [
        (str(day), headline) for day, headline, *_ in by_day
    ]
    assert sorted(lang for lang, *_ in by_language) == ["de", "en"]
    assert sum(articles for _, _, _, articles in by_language) == 35
    assert sum(row[1] for row in per_source) == 35  # every article counted once


def test_documented_python_examples_run(
    sample_output: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(sample_output.parent)
    # The object-store example needs an S3 server: tests/transforms/io/test_object_store.py runs it.
    blocks = [block for block in code_blocks("python") if "S3FileSystem" not in block]
    assert len(blocks) == 2
    for block in blocks:
        exec(compile(block, str(QUERIES_DOC), "exec"), {})
    printed = capsys.readouterr().out
    assert "near_duplicates" in printed
    assert "articles" in printed
