"""End to end: runs that add to an OUT written by earlier runs."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from tests import textgen
from tests.pipelines.test_cli import articles_table, newsdedup, stories_table

pytestmark = pytest.mark.e2e

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


@pytest.fixture
def batches(tmp_path: Path) -> list[Path]:
    """Three days: two agency stories, a follow-up and a re-run, then two reports
    that each reuse copy of both stories (new evidence that they are one; a
    single such report would be a weak bridge, see clustering.merge_stories)."""
    return [
        write_batch(
            tmp_path / "day1.jsonl",
            1,
            {
                "a1": AGENCY_A,
                "a2": textgen.edited(AGENCY_A, 7),
                "b1": AGENCY_B,
                "s1": textgen.article(3),
            },
        ),
        write_batch(
            tmp_path / "day2.jsonl",
            2,
            {
                "a3": textgen.article(10, 2) + AGENCY_A[1:3],
                "b2": textgen.edited(AGENCY_B, 8),
                "n1": textgen.article(4),
            },
        ),
        write_batch(
            tmp_path / "day3.jsonl",
            3,
            {
                "m1": textgen.article(11, 2) + AGENCY_A[3:4] + AGENCY_B[3:4],
                "m2": textgen.article(12, 2) + AGENCY_A[4:5] + AGENCY_B[4:5],
            },
        ),
    ]


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
