"""`newsdedup export` (transforms/io/export.py): one table of OUT's current state as one
Parquet file, the articles with their partition column."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from newsdedup.transforms.io.export import export_table, read_dataset
from newsdedup.transforms.runtime.errors import UsageError


@pytest.mark.e2e
def test_exported_articles_are_the_dataset_with_its_published_date(
    sample_output: Path, tmp_path: Path
) -> None:
    target = tmp_path / "articles.parquet"
    rows = export_table(str(sample_output), "articles", str(target))

    exported = pq.read_table(target).sort_by("article_id")
    dataset = ds.dataset(sample_output / "articles", partitioning="hive").to_table()
    assert rows == exported.num_rows == dataset.num_rows == 35
    assert exported.column("published_date").to_pylist() == [
        str(day) if day is not None else None
        for day in dataset.sort_by("article_id").column("published_date").to_pylist()
    ]
    assert b"schema_version" in pq.read_schema(target).metadata


@pytest.mark.e2e
def test_export_refuses_unknown_tables_and_folders_without_a_run(
    sample_output: Path, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="--table must be one of"):
        export_table(str(sample_output), "clusters", str(tmp_path / "x.parquet"))
    with pytest.raises(UsageError, match="no published run found"):
        export_table(str(tmp_path), "articles", str(tmp_path / "x.parquet"))


def test_a_dataset_without_files_is_the_empty_table_of_its_schema() -> None:
    assert read_dataset("articles", []).num_rows == 0
    assert "published_date" in read_dataset("articles", []).column_names
    assert read_dataset("stories", [], columns=["story_id"]).column_names == ["story_id"]
