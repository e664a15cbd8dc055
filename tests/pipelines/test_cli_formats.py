"""End to end: one run over every input format, its Parquet read back."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
import pytest

from tests import formatgen
from tests.pipelines.test_cli import articles_table, newsdedup

pytestmark = pytest.mark.e2e

FIELDS = formatgen.EVERY_FORMAT_FIELDS


def test_all_formats_in_one_run(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    formatgen.write_every_format(inputs)
    out = tmp_path / "out"
    result = newsdedup("run", "--input", str(inputs), "--output", str(out), *FIELDS)

    articles = articles_table(out)
    ids = articles.column("article_id").to_pylist()
    assert ids == sorted(
        [
            "bridge",
            "csv-9",
            "https://cc.example/news/7",
            "https://hv.example/rss-2",
            "note",
            "pq-8",
            "rss-1",
            "urn:courier:1",
            "wire-1",
            "wire-2",
        ]
    )
    by_id = {row["article_id"]: row for row in articles.to_pylist()}
    # The page without its site wrapper is the wire text: one near-duplicate group.
    assert by_id["bridge"]["dup_group_id"] == by_id["wire-1"]["dup_group_id"]
    assert by_id["bridge"]["content_hash"] == by_id["wire-1"]["content_hash"]
    assert by_id["https://cc.example/news/7"]["source_file"].endswith("crawl.warc.gz")
    assert by_id["csv-9"]["title"] == "Nine"

    rejects = ds.dataset(out / "rejects", format="parquet").to_table().to_pylist()
    found = sorted((Path(r["source_file"]).name, r["line"], r["reason"]) for r in rejects)
    warc_offsets = [r["line"] for r in rejects if r["reason"] == "not_an_article"]
    assert found == [
        ("crawl.warc.gz", warc_offsets[0], "not_an_article"),
        ("table.csv", 2, "malformed_record"),
        ("table.parquet", 3, "missing_id"),
        ("world.rss", 3, "missing_id"),
    ]
    assert warc_offsets[0] > 0
    # The wire story's Parquet row repeats its JSON line: one exact re-delivery.
    records = len(ids) + len(rejects) + 1
    assert f"records read          {records}" in result.stdout
    assert "exact re-deliveries   1" in result.stdout


@pytest.mark.parametrize(
    ("field", "message"),
    [("body", "expected NAME=COLUMN"), ("headline=title", "NAME must be one of")],
)
def test_bad_field_option_exits_2(tmp_path: Path, field: str, message: str) -> None:
    (tmp_path / "t.csv").write_text("id,text\na,b\n", encoding="utf-8")
    out = tmp_path / "out"
    result = newsdedup(
        "run",
        "--input",
        str(tmp_path / "t.csv"),
        "--output",
        str(out),
        "--field",
        field,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
