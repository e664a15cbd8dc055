"""End to end: `newsdedup run` (pipelines/batch.py) in a subprocess, its Parquet read back: one
run, every input format, and runs that add to an OUT written by earlier runs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from newsdedup.schemas.parquet import ARTICLES_SCHEMA, SCHEMA_VERSION, STORIES_SCHEMA
from newsdedup.transforms.core.config import DedupConfig
from tests import formatgen, textgen
from tests.clirun import AGENCY_A, articles_table, comparable, newsdedup, stories_table, write_batch
from tests.conftest import EXPECTED_SAMPLE_GROUPS, SAMPLE_DIR

pytestmark = pytest.mark.e2e


def groups(table: pa.Table, column: str) -> list[list[str]]:
    members: dict[str, list[str]] = {}
    for article_id, group in zip(
        table.column("article_id").to_pylist(), table.column(column).to_pylist(), strict=True
    ):
        members.setdefault(group, []).append(article_id)
    return sorted(sorted(m) for m in members.values() if len(m) > 1)


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


def current_stories(out: Path) -> dict[str, list[str]]:
    """Each article's story as it stands now (following merges), as groups of ids."""
    stories = stories_table(out)
    root = {
        story: merged or story
        for story, merged in zip(
            stories.column("story_id").to_pylist(),
            stories.column("merged_into").to_pylist(),
            strict=True,
        )
    }
    groups: dict[str, list[str]] = {}
    articles = articles_table(out)
    for article_id, story in zip(
        articles.column("article_id").to_pylist(),
        articles.column("story_id").to_pylist(),
        strict=True,
    ):
        groups.setdefault(root[story], []).append(article_id)
    return {min(members): sorted(members) for members in groups.values()}


def ids_of(table: pa.Table, *columns: str) -> dict[str, tuple[str, ...]]:
    return {
        row["article_id"]: tuple(row[c] for c in columns)
        for row in table.select(["article_id", *columns]).to_pylist()
    }


def test_three_batches_extend_stories_and_record_the_merge(
    tmp_path: Path, batches: list[Path]
) -> None:
    out = tmp_path / "out"
    newsdedup("run", "--input", str(batches[0]), "--output", str(out))
    first = ids_of(articles_table(out), "story_id", "dup_group_id")
    newsdedup("run", "--input", str(batches[1]), "--output", str(out))
    second = ids_of(articles_table(out), "story_id", "dup_group_id")
    result = newsdedup("run", "--input", str(batches[2]), "--output", str(out))
    final = ids_of(articles_table(out), "story_id", "dup_group_id")

    # Written articles never change their ids.
    assert {key: final[key] for key in first} == first
    assert {key: final[key] for key in second} == second
    # New articles take the ids of what they join.
    assert second["a3"][0] == first["a1"][0]
    assert second["b2"] == first["b1"]
    assert second["n1"][0] not in {ids[0] for ids in first.values()}
    # m1 and m2 join both agency stories: the merge is recorded, not written over.
    merges = ds.dataset(out / "story_merges", format="parquet").to_table().to_pylist()
    story_a, story_b = first["a1"][0], first["b1"][0]
    survivor, merged = min(story_a, story_b), max(story_a, story_b)
    assert [(m["story_id"], m["merged_into"]) for m in merges] == [(merged, survivor)]
    assert final["m1"][0] == final["m2"][0] == survivor
    assert "story merges          1" in result.stdout
    stories = {row["story_id"]: row for row in stories_table(out).to_pylist()}
    assert stories[merged]["merged_into"] == survivor
    assert stories[survivor]["merged_into"] is None
    assert stories[survivor]["article_ids"] == ["a1", "a2", "a3", "b1", "b2", "m1", "m2"]
    assert stories[survivor]["article_count"] == 7
    assert stories[survivor]["dup_group_count"] == 5
    assert current_stories(out) == {
        "a1": ["a1", "a2", "a3", "b1", "b2", "m1", "m2"],
        "n1": ["n1"],
        "s1": ["s1"],
    }


def test_batches_give_the_partition_of_one_run(tmp_path: Path, batches: list[Path]) -> None:
    step_by_step, at_once = tmp_path / "steps", tmp_path / "once"
    workers = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
    for batch in batches:
        newsdedup("run", "--input", str(batch), "--output", str(step_by_step), *workers)
    newsdedup(
        "run", *[arg for b in batches for arg in ("--input", str(b))], "--output", str(at_once)
    )
    assert current_stories(step_by_step) == current_stories(at_once)
    assert len(current_stories(at_once)) == 3


def test_the_same_input_twice_adds_nothing(tmp_path: Path, batches: list[Path]) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "x1"}\n{oops\n', encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", "--input", str(batches[0]), "--input", str(broken), "--output", str(out)]
    newsdedup(*args)
    before = [articles_table(out), stories_table(out), rejects(out)]
    result = newsdedup(*args)
    after = [articles_table(out), stories_table(out), rejects(out)]
    assert all(b.equals(a) for b, a in zip(before, after, strict=True))
    assert before[2].num_rows == 2
    assert "articles written      0" in result.stdout
    assert "rejects in output     2" in result.stdout
    assert "exact re-deliveries   4" in result.stdout


def rejects(out: Path) -> pa.Table:
    return ds.dataset(out / "rejects", format="parquet").to_table().sort_by("line")


def test_changed_text_under_a_written_id_is_an_id_conflict(
    tmp_path: Path, batches: list[Path]
) -> None:
    out = tmp_path / "out"
    newsdedup("run", "--input", str(batches[0]), "--output", str(out))
    changed = write_batch(tmp_path / "changed.jsonl", 2, {"s1": textgen.article(99)})
    newsdedup("run", "--input", str(changed), "--output", str(out))
    assert articles_table(out).num_rows == 4
    (row,) = rejects(out).to_pylist()
    assert row["reason"] == "id_conflict"
    assert "written by an earlier run" in row["detail"]


def test_other_sketch_parameters_on_the_same_output_are_refused(
    tmp_path: Path, batches: list[Path]
) -> None:
    out = tmp_path / "out"
    newsdedup("run", "--input", str(batches[0]), "--output", str(out))
    result = newsdedup(
        "run", "--input", str(batches[1]), "--output", str(out), "--num-perm", "64", check=False
    )
    assert result.returncode == 2
    assert "was built with minhash_scheme=" in result.stderr
    assert articles_table(out).num_rows == 4


def test_articles_outside_the_horizon_are_not_compared(tmp_path: Path) -> None:
    out = tmp_path / "out"
    newsdedup(
        "run",
        "--input",
        str(write_batch(tmp_path / "old.jsonl", 1, {"old": AGENCY_A})),
        "--output",
        str(out),
    )
    later = tmp_path / "later.jsonl"
    later.write_text(
        json.dumps({"id": "new", "text": textgen.text(AGENCY_A), "published_at": "2026-05-30"})
        + "\n"
        + json.dumps({"id": "spacer", "text": "x " * 50, "published_at": "2026-05-29"})
        + "\n",
        encoding="utf-8",
    )
    newsdedup("run", "--input", str(later), "--output", str(out), "--horizon-days", "3")
    # Not compared: the same text under a new id becomes a group of its own.
    ids = ids_of(articles_table(out), "dup_group_id")
    assert ids["new"] != ids["old"]
