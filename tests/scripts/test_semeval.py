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


def tiny_pairs() -> list[dict[str, str]]:
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
    return rows


def test_pairs_are_scored_by_language_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = tmp_path / "pairs.csv"
    write_pairs(pairs, tiny_pairs())
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


@pytest.mark.e2e
def test_pipeline_mode_scores_story_ids_of_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = tmp_path / "pairs.csv"
    write_pairs(pairs, tiny_pairs())
    records, _ = semeval.pipeline_input(semeval.read_pairs(pairs))
    # Three distinct texts of clearly labelled pairs, id and text only.
    assert len(records) == 3 and all(set(r) == {"id", "text"} for r in records)
    workdir = tmp_path / "work"
    argv = ["--pairs", str(pairs), "--pipeline", "--workdir", str(workdir), "--json"]
    assert semeval.main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    # The re-run joins the agency text's story; the other text stays apart.
    assert result["en"]["precision"] == 1.0 and result["en"]["recall"] == 1.0
    assert result["de-en"]["recall"] == 0.0
    assert (workdir / "out" / "articles").exists()


def test_unknown_parameter_is_refused(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    write_pairs(pairs, [])
    with pytest.raises(SystemExit, match="unknown parameter"):
        semeval.main(["--pairs", str(pairs), "--set", "no_such=1"])


def test_halves_split_each_group_and_label_evenly() -> None:
    rows = [
        {"pair_id": f"{n}_{lang}_{overall}", "lang1": lang, "lang2": "en", "Overall": overall}
        for n in range(40)
        for lang, overall in (("de", "1.0"), ("en", "4.0"), ("en", "2.5"))
    ]
    halves = semeval.split_halves(rows)
    assert set(halves.values()) == {"a", "b"}
    assert len(halves) == 80  # pairs rated in between belong to no half
    for lang in ("de", "en"):
        in_a = [
            halves[r["pair_id"]] == "a"
            for r in rows
            if r["lang1"] == lang and r["Overall"] != "2.5"
        ]
        assert sum(in_a) == 20


def test_several_values_sweep_one_row_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agency = textgen.text(textgen.article(1, 6))
    rerun = textgen.text(textgen.edited(textgen.article(1, 6), seed=3))
    row = {"pair_id": "1", "lang1": "en", "lang2": "en", "Overall": "1.0"}
    pairs = tmp_path / "pairs.csv"
    write_pairs(pairs, [{**row, "text1": agency, "text2": rerun}])
    args = ["--pairs", str(pairs), "--set", "dup_threshold=0.5,1.0", "--set", "story_threshold=1.0"]
    assert semeval.main(args) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == [
        "| dup_threshold=0.5,story_threshold=1.0",
        "| dup_threshold=1.0,story_threshold=1.0",
    ]
    # The rerun is a near-duplicate at 0.5; at 1.0 nothing links it.
    assert rows[0].split(" | ")[3] == "1.000" and rows[1].split(" | ")[3] == "0.000"


def test_entities_report_counts_shared_names_and_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = {"pair_id": "1", "lang1": "de", "lang2": "en", "Overall": "1.0"}
    text1 = "Heute traf Kardinal Pell in Canberra ein, er ist 78 Jahre alt."
    text2 = "Today Cardinal Pell, 78, arrived in Canberra for the appeal."
    pairs = tmp_path / "pairs.csv"
    write_pairs(pairs, [{**row, "text1": text1, "text2": text2}])
    assert semeval.main(["--pairs", str(pairs), "--entities"]) == 0
    lines = capsys.readouterr().out.splitlines()
    same = next(line for line in lines if line.startswith("de-en  same"))
    # "pell", "canberra" and "78" are shared: a name and a number.
    assert same.split()[2:] == ["1", "1.00", "1.00", "1.00", "3.0"]
