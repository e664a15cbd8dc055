"""scripts/baseline.py: the plain MinHash LSH loop groups identical texts only."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from scripts import baseline, evaluate

HARBOR = (
    "The harbour authority of Lindmark announced on Tuesday that the northern pier will close "
    "for six months while engineers replace the wooden pilings that storms damaged last winter. "
    "Ferries to the islands will leave from the southern basin during the works, and the "
    "authority expects short delays in the first weeks. Fishing boats keep their moorings. "
    "The repairs cost an estimated four million crowns, paid from the regional climate fund."
)
OBSERVATORY = (
    "A small observatory in the hills above Varnhem has opened its telescope to school classes "
    "on clear evenings. Volunteers from the astronomy club explain the moon, the planets and "
    "the winter constellations, and pupils may photograph Saturn through the eyepiece. The "
    "club hopes that the visits will bring new members, since most of its volunteers are "
    "retired teachers who have run the evenings for more than twenty years."
)
BAKERY = (
    "Bakers in Oster Ravn will hold their annual bread market on the town square this weekend, "
    "with rye loaves, cardamom buns and a competition for the best sourdough."
)


def write_corpus(path: Path) -> None:
    records = [
        {"id": "harbor-1", "text": HARBOR},
        {"id": "harbor-2", "text": HARBOR},  # the same text under another id
        {"id": "harbor-3", "text": HARBOR.replace("on Tuesday", "on Tuesday morning")},
        {"id": "observatory-1", "text": OBSERVATORY},
        {"id": "bakery-1", "text": BAKERY},
        {"id": "harbor-1", "text": "a later record with a repeated id is ignored"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_baseline_groups_identical_texts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "in" / "corpus.jsonl"
    corpus.parent.mkdir()
    write_corpus(corpus)
    out = tmp_path / "out"

    assert baseline.main(["--input", str(corpus.parent), "--output", str(out)]) == 0
    assert "articles/s" in capsys.readouterr().out

    rows = pq.read_table(out / "articles" / "part-00000.parquet").to_pylist()
    by_id = {row["article_id"]: row for row in rows}
    assert sorted(by_id) == ["bakery-1", "harbor-1", "harbor-2", "harbor-3", "observatory-1"]
    assert all(row["dup_group_id"] == row["story_id"] for row in rows)
    assert by_id["harbor-1"]["language"] == "en"
    harbor = by_id["harbor-1"]["dup_group_id"]
    assert harbor == "harbor-1"  # named after the smallest id
    assert by_id["harbor-2"]["dup_group_id"] == harbor
    assert by_id["harbor-3"]["dup_group_id"] == harbor  # one word added
    assert by_id["observatory-1"]["dup_group_id"] == "observatory-1"
    assert by_id["bakery-1"]["dup_group_id"] == "bakery-1"

    # the output is scored like a newsdedup output
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        "".join(
            json.dumps({"article_id": i, "dup": d, "story": d}) + "\n"
            for i, d in [("harbor-1", "h"), ("harbor-2", "h"), ("harbor-3", "h"), ("bakery-1", "b")]
        ),
        encoding="utf-8",
    )
    assert evaluate.main([str(out), str(labels), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dup"]["ari"] == 1.0
    assert report["unlabelled"] == 1


def test_baseline_refuses_foreign_output(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus)
    foreign = tmp_path / "out" / "articles" / "published_date=2026-01-01"
    foreign.mkdir(parents=True)
    assert baseline.main(["--input", str(corpus), "--output", str(tmp_path / "out")]) == 2
    assert (
        baseline.main(["--input", str(tmp_path / "none.jsonl"), "--output", str(tmp_path / "x")])
        == 2
    )
