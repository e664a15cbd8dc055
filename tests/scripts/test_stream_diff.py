"""scripts/stream_diff.py: a stream's wrong joins and merges against one run's."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scripts.stream_diff import main, wrongly_joined


def _write(out: Path, stories: dict[str, str], merges: dict[str, str]) -> None:
    articles = out / "articles" / "published_date=2026-01-01"
    articles.mkdir(parents=True)
    ids = sorted(stories)
    pq.write_table(
        pa.table({"article_id": ids, "dup_group_id": ids, "story_id": [stories[a] for a in ids]}),
        articles / "part-0.parquet",
    )
    for dataset in ("stories", "story_merges"):
        (out / dataset).mkdir()
        table = {
            "story_id": pa.array(list(merges), pa.string()),
            "merged_into": pa.array(list(merges.values()), pa.string()),
        }
        pq.write_table(pa.table(table), out / dataset / "part-0.parquet")


def test_wrongly_joined_pairs_are_those_of_different_labels() -> None:
    stories = {"a": "s1", "b": "s1", "c": "s1", "d": "s2"}
    truth = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert wrongly_joined(stories, truth) == {("a", "c"), ("b", "c")}


def test_counts_the_merges_the_run_keeps_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Labels: a, b one story; c, d another; e alone.
    labels = tmp_path / "labels.jsonl"
    truth = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"}
    labels.write_text(
        "".join(
            json.dumps({"article_id": a, "story": s, "dup": a}) + "\n" for a, s in truth.items()
        )
    )
    # The stream wrote a, b, c, d, e as four stories and then merged s_b into s_a
    # (right: the run joins them too) and s_e into s_c (wrong: the run keeps them apart).
    stream_stories = {"a": "s_a", "b": "s_b", "c": "s_c", "d": "s_c", "e": "s_e"}
    _write(tmp_path / "stream", stream_stories, {"s_b": "s_a", "s_e": "s_c"})
    _write(tmp_path / "run", {"a": "r1", "b": "r1", "c": "r2", "d": "r2", "e": "r3"}, {})
    assert main([str(tmp_path / "stream"), str(tmp_path / "run"), str(labels)]) == 0
    lines = capsys.readouterr().out.splitlines()
    # The stream's story of c, d, e holds two wrong pairs, both its own.
    assert lines[0] == "wrongly joined pairs: stream 2 (2 its own), run 0 (0 its own)"
    assert lines[1] == (
        "stream story merges: 2, 1 join stories the run keeps apart, "
        "1 of them stories of different labels"
    )
