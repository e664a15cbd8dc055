"""End to end: the `newsdedup` command in a subprocess, its Parquet read back."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from newsdedup.schemas.parquet import ARTICLES_SCHEMA, SCHEMA_VERSION, STORIES_SCHEMA
from newsdedup.transforms.core.config import DedupConfig
from tests import textgen
from tests.conftest import EXPECTED_SAMPLE_GROUPS, SAMPLE_DIR

pytestmark = pytest.mark.e2e


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


def groups(table: pa.Table, column: str) -> list[list[str]]:
    members: dict[str, list[str]] = {}
    for article_id, group in zip(
        table.column("article_id").to_pylist(), table.column(column).to_pylist(), strict=True
    ):
        members.setdefault(group, []).append(article_id)
    return sorted(sorted(m) for m in members.values() if len(m) > 1)


def comparable(table: pa.Table) -> pa.Table:
    """The table without the columns that legitimately differ between runs."""
    return table.drop_columns(["ingested_at"])


def test_sample_run_matches_the_documented_groups(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = newsdedup("run", "--input", str(SAMPLE_DIR), "--output", str(out))

    expected = json.loads(EXPECTED_SAMPLE_GROUPS.read_text(encoding="utf-8"))
    articles = articles_table(out)
    assert groups(articles, "dup_group_id") == sorted(sorted(g) for g in expected["dup_groups"])
    assert groups(articles, "story_id") == sorted(sorted(g) for g in expected["stories"])
    assert "articles written      35" in result.stdout
    assert "exact re-deliveries   2" in result.stdout


def test_output_contract_types_and_metadata(tmp_path: Path) -> None:
    out = tmp_path / "out"
    newsdedup("run", "--input", str(SAMPLE_DIR), "--output", str(out))

    files = sorted((out / "articles").rglob("*.parquet"))
    assert files and all(f.parent.name.startswith("published_date=") for f in files)
    file_schema = pa.parquet.read_schema(files[0])
    assert file_schema.metadata[b"schema_version"] == SCHEMA_VERSION.encode()
    assert file_schema.remove_metadata().equals(ARTICLES_SCHEMA)
    parameters = json.loads(file_schema.metadata[b"newsdedup_parameters"])
    assert parameters["dup_threshold"] == DedupConfig().dup_threshold
    assert "affine32" in parameters["minhash_scheme"]
    story_schema = pa.parquet.read_schema(next((out / "stories").glob("*.parquet")))
    assert story_schema.remove_metadata().equals(STORIES_SCHEMA)

    con = duckdb.connect()
    per_story = con.sql(
        f"""
        SELECT s.story_id, s.article_count, count(a.article_id) AS rows
        FROM read_parquet('{out}/stories/*.parquet') s
        JOIN read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true) a
          USING (story_id)
        GROUP BY ALL
        """
    ).fetchall()
    assert per_story and all(count == rows for _, count, rows in per_story)
    dates = con.sql(
        f"SELECT DISTINCT published_date FROM read_parquet("
        f"'{out}/articles/**/*.parquet', hive_partitioning=true) ORDER BY 1"
    ).fetchall()
    assert ("2026-03-02",) in [(str(d),) for (d,) in dates]
    canonical_per_group = con.sql(
        f"SELECT dup_group_id, count(*) FILTER (WHERE is_canonical) FROM read_parquet("
        f"'{out}/articles/**/*.parquet', hive_partitioning=true) GROUP BY 1"
    ).fetchall()
    assert all(n == 1 for _, n in canonical_per_group)


def _write_corpus(folder: Path, order_seed: int | None) -> None:
    """A small JSON Lines corpus with re-runs, partial reuse, re-deliveries and a bad line."""
    records = []
    for story in range(6):
        agency = textgen.article(seed=100 + story, paragraphs=6)
        day = f"2026-02-{10 + story:02d}"
        records += [
            {
                "id": f"s{story}-agency",
                "text": textgen.text(agency),
                "published_at": f"{day}T08:00:00Z",
            },
            {
                "id": f"s{story}-rerun",
                "text": textgen.text(textgen.edited(agency, story)),
                "published_at": f"{day}T09:00:00+01:00",
                "source": "Other Outlet",
            },
            {
                "id": f"s{story}-follow",
                "published_at": f"{day}T12:00:00",
                "text": textgen.text(textgen.article(200 + story, 2) + agency[1:4]),
            },
        ]
    records.append(dict(records[0]))  # an exact re-delivery
    lines = [json.dumps(r) for r in records] + ['{"id": "bad", "text": 5}']
    if order_seed is not None:
        random.Random(order_seed).shuffle(lines)
    half = len(lines) // 2
    (folder / "a.jsonl").write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
    (folder / "b.jsonl").write_text("\n".join(lines[half:]) + "\n", encoding="utf-8")


def test_jsonl_corpus_one_row_per_distinct_id(tmp_path: Path) -> None:
    _write_corpus(tmp_path, order_seed=None)
    out = tmp_path / "out"
    newsdedup("run", "--input", str(tmp_path / "*.jsonl"), "--output", str(out))

    articles = articles_table(out)
    ids = articles.column("article_id").to_pylist()
    assert len(ids) == len(set(ids)) == 18
    assert len(groups(articles, "story_id")) == 6
    assert len(groups(articles, "dup_group_id")) == 6
    rejects = ds.dataset(out / "rejects", format="parquet").to_table()
    assert rejects.column("reason").to_pylist() == ["wrong_type"]


def test_same_output_for_any_input_order_and_worker_count(tmp_path: Path) -> None:
    runs = {}
    for name, order_seed, extra in [
        ("ordered", None, []),
        ("shuffled", 7, []),
        ("processes", 11, ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]),
    ]:
        folder = tmp_path / name
        folder.mkdir()
        _write_corpus(folder, order_seed)
        result = newsdedup(
            "run", "--input", str(folder / "*.jsonl"), "--output", str(folder / "out"), *extra
        )
        assert result.stderr == ""  # Beam's log lines (worker processes' too) go to a log file
        articles = comparable(articles_table(folder / "out")).drop_columns(["source_file"])
        runs[name] = (articles, comparable(stories_table(folder / "out")))
        # What waited in spill files (worker processes wrote some) is gone after the commit.
        assert not list((folder / "out").rglob("*.spill"))
        assert not list((folder / "out").rglob("_scratch"))
    assert runs["ordered"][0].equals(runs["shuffled"][0])
    assert runs["ordered"][0].equals(runs["processes"][0])
    assert runs["ordered"][1].equals(runs["shuffled"][1])
    assert runs["ordered"][1].equals(runs["processes"][1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "/nonexistent/*.jsonl"], "matches no file"),
        (["--input", "{sample}", "--dup-threshold", "1.5"], "dup_threshold must be <= 1.0"),
        (["--input", "{sample}", "--max-key-articles", "-3"], "max_key_articles must be >= 2"),
        (["--output", "{tmp}/out"], "no input given"),
        (["--input", "{sample}", "--dup-thresold", "0.3"], "did you mean --dup-threshold?"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    filled = [a.format(sample=SAMPLE_DIR, tmp=tmp_path) for a in args]
    if "--output" not in filled:
        filled += ["--output", str(tmp_path / "out")]
    result = newsdedup("run", *filled, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "articles").exists()


def test_output_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("not a folder", encoding="utf-8")
    result = newsdedup("run", "--input", str(SAMPLE_DIR), "--output", str(target), check=False)
    assert result.returncode == 2
    assert "is a file" in result.stderr
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_output_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = out / "stories"
    old.mkdir(parents=True)
    pa.parquet.write_table(
        pa.table({"story_id": ["st_1"]}).replace_schema_metadata({"schema_version": "0"}),
        old / "part-00000.parquet",
    )
    result = newsdedup("run", "--input", str(SAMPLE_DIR), "--output", str(out), check=False)
    assert result.returncode == 2
    assert "schema_version 0" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in old.iterdir()] == ["part-00000.parquet"]


def test_every_record_is_accounted_for(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    good = [{"id": f"a{i}", "text": textgen.text(textgen.article(i, 3))} for i in range(4)]
    lines = [json.dumps(r) for r in good]
    lines += [lines[0], '{"id": "a1", "text": "other content"}', "[1, 2]", "{oops", '{"id": "x"}']
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "blob.jsonl").write_bytes(b"\x00\x01\x02binary")
    out = tmp_path / "out"
    result = newsdedup("run", "--input", str(tmp_path / "*.jsonl"), "--output", str(out))

    articles = articles_table(out).num_rows
    reasons = ds.dataset(out / "rejects", format="parquet").to_table().column("reason").to_pylist()
    assert sorted(reasons) == sorted(
        ["id_conflict", "not_an_object", "malformed_json", "missing_text", "binary_file"]
    )
    read = 4 + 1 + 1 + 3 + 1  # good, re-delivery, conflict, three bad lines, one binary file
    assert f"records read          {read}" in result.stdout
    assert read == articles + len(reasons) + 1  # + 1 exact re-delivery
    assert "rejected              5 (" in result.stdout
