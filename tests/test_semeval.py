"""scripts/semeval.py on a tiny pairs file written by the test."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from scripts import semeval
from tests import textgen

FIELDS = ["pair_id", "lang1", "lang2", "text1", "text2", "Overall"]


def write_pairs(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def test_confusion_scores() -> None:
    confusion = semeval.Confusion()
    for same, predicted in [
        (True, True),
        (True, False),
        (False, True),
        (False, False),
        (False, False),
    ]:
        confusion.add(same, predicted)
    scores = confusion.scores()
    assert (scores["positives"], scores["negatives"]) == (2, 3)
    assert scores["precision"] == 0.5 and scores["recall"] == 0.5
    assert scores["false_merge_rate"] == pytest.approx(0.333)


def test_pairs_are_scored_by_language_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agency = textgen.text(textgen.article(1, 6))
    rerun = textgen.text(textgen.edited(textgen.article(1, 6), seed=3))
    other = textgen.text(textgen.article(2, 6))
    rows = [
        {
            "pair_id": "1",
            "lang1": "en",
            "lang2": "en",
            "text1": agency,
            "text2": rerun,
            "Overall": "1.0",
        },
        {
            "pair_id": "2",
            "lang1": "en",
            "lang2": "en",
            "text1": agency,
            "text2": other,
            "Overall": "4.0",
        },
        {
            "pair_id": "3",
            "lang1": "de",
            "lang2": "en",
            "text1": agency,
            "text2": other,
            "Overall": "1.2",
        },
        {
            "pair_id": "4",
            "lang1": "en",
            "lang2": "en",
            "text1": agency,
            "text2": other,
            "Overall": "2.5",
        },
    ]
    pairs = tmp_path / "pairs.csv"
    write_pairs(pairs, rows)
    assert semeval.main(["--pairs", str(pairs), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["en"] == {
        "positives": 1,
        "negatives": 1,
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "false_merge_rate": 0.0,
    }
    assert result["de-en"]["positives"] == 1 and result["de-en"]["recall"] == 0.0
    assert result["de+en+de-en"]["positives"] == 2


def test_unknown_parameter_is_refused(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    write_pairs(pairs, [])
    with pytest.raises(SystemExit, match="unknown parameter"):
        semeval.main(["--pairs", str(pairs), "--set", "no_such=1"])
