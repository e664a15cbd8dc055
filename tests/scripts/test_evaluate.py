"""scripts/evaluate.py: clustering metrics on hand-computed cases, and the command."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scripts import evaluate

# predicted {a,b,c},{d} against truth {a,b},{c,d}
PREDICTED = {"a": "p1", "b": "p1", "c": "p1", "d": "p2"}
TRUTH = {"a": "t1", "b": "t1", "c": "t2", "d": "t2"}


def table(predicted: dict[str, str], truth: dict[str, str]) -> evaluate.Contingency:
    return evaluate.contingency_table(predicted, truth)


def partition(groups: list[str]) -> dict[str, str]:
    """'ab cd' -> {a: ab, b: ab, c: cd, d: cd}."""
    return {item: group for group in groups for item in group}


def test_pairwise_scores_by_hand() -> None:
    # predicted pairs ab, ac, bc; true pairs ab, cd; together: ab
    scores = evaluate.pairwise_scores(table(PREDICTED, TRUTH))
    assert (scores.together_pairs, scores.predicted_pairs, scores.true_pairs) == (1, 3, 2)
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == pytest.approx(1 / 2)
    assert scores.f1 == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_pairwise_scores_without_pairs() -> None:
    singletons = partition(["a", "b", "c"])
    scores = evaluate.pairwise_scores(table(singletons, partition(["ab", "c"])))
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 0.0, 0.0)
    scores = evaluate.pairwise_scores(table(singletons, singletons))
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)


def test_adjusted_rand_index_known_values() -> None:
    # sklearn's documented example: adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) == 4/7
    truth = partition(["ab", "cd"])
    assert evaluate.adjusted_rand_index(table(partition(["ab", "c", "d"]), truth)) == 4 / 7
    # index 1 = expected 3*2/6: no better than chance
    assert evaluate.adjusted_rand_index(table(PREDICTED, TRUTH)) == 0.0
    # {ab},{cd} against {ac},{bd}: index 0, expected 2*2/6, max 2 -> (0-2/3)/(2-2/3) = -1/2
    crossed = evaluate.adjusted_rand_index(table(partition(["ab", "cd"]), partition(["ac", "bd"])))
    assert crossed == -0.5


@pytest.mark.parametrize("groups", [["abc", "de"], ["a", "b", "c"], ["abcd"], ["a"], []], ids=str)
def test_adjusted_rand_index_identical_partitions(groups: list[str]) -> None:
    same = partition(groups)
    assert evaluate.adjusted_rand_index(table(same, same)) == 1.0


def test_metrics_match_brute_force_pairs() -> None:
    rng = random.Random(7)
    items = [f"x{i}" for i in range(40)]
    for _ in range(20):
        predicted = {item: str(rng.randrange(8)) for item in items}
        truth = {item: str(rng.randrange(6)) for item in items}
        both = pred_only = true_only = neither = 0
        for left, right in itertools.combinations(items, 2):
            same_p = predicted[left] == predicted[right]
            same_t = truth[left] == truth[right]
            both += same_p and same_t
            pred_only += same_p and not same_t
            true_only += same_t and not same_p
            neither += not same_p and not same_t
        contingency = table(predicted, truth)
        scores = evaluate.pairwise_scores(contingency)
        assert scores.precision == pytest.approx(both / (both + pred_only))
        assert scores.recall == pytest.approx(both / (both + true_only))
        # ARI from the pair confusion matrix, an independent form of the same formula
        expected_ari = (
            2
            * (both * neither - pred_only * true_only)
            / (
                (both + pred_only) * (pred_only + neither)
                + (both + true_only) * (true_only + neither)
            )
        )
        assert evaluate.adjusted_rand_index(contingency) == pytest.approx(expected_ari)


def test_bcubed_by_hand() -> None:
    # a, b: precision 2/3, recall 1; c: precision 1/3, recall 1/2; d: precision 1, recall 1/2
    scores = evaluate.bcubed_scores(table(PREDICTED, TRUTH))
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(3 / 4)
    assert scores.f1 == pytest.approx(12 / 17)


def test_bcubed_identical_and_empty() -> None:
    same = partition(["abc", "d"])
    assert evaluate.bcubed_scores(table(same, same)) == evaluate.BCubedScores(1.0, 1.0, 1.0)
    assert evaluate.bcubed_scores(table({}, {})) == evaluate.BCubedScores(1.0, 1.0, 1.0)


def test_missing_articles_are_singletons() -> None:
    # c and d are missing: as if predicted {a,b},{c},{d}, even though both map to nothing
    scored = evaluate.score_partitions({"a": "p", "b": "p"}, TRUTH)
    assert scored["missing"] == 2
    assert scored["predicted_clusters"] == 3
    assert scored["pairwise"]["precision"] == 1.0
    assert scored["pairwise"]["recall"] == 0.5
    singleton_cd = evaluate.score_partitions({"a": "p", "b": "p", "c": "q", "d": "r"}, TRUTH)
    assert {k: v for k, v in scored.items() if k != "missing"} == {
        k: v for k, v in singleton_cd.items() if k != "missing"
    }


def test_unlabelled_articles_are_ignored() -> None:
    with_extra = {**PREDICTED, "e": "p1", "f": "p2"}
    scored = evaluate.score_partitions(with_extra, TRUTH)
    assert scored["unlabelled"] == 2
    assert scored["articles"] == 4
    assert scored["pairwise"]["precision"] == pytest.approx(1 / 3)
    assert scored == {**evaluate.score_partitions(PREDICTED, TRUTH), "unlabelled": 2}


def test_recall_by_group() -> None:
    truth = partition(["abc", "de"])
    predicted = partition(["ab", "c", "de"])
    groups = {"a": "wire", "b": "wire", "c": "wire", "d": "blog"}
    result = evaluate.recall_by_group(predicted, truth, groups)
    assert result["wire"] == {"articles": 3, "true_pairs": 3, "found_pairs": 1, "recall": 1 / 3}
    # the pair de crosses groups: neither blog nor (none) has a true pair
    assert result["blog"]["recall"] is None
    assert result["(none)"]["articles"] == 1


def write_output(out: Path, rows: list[tuple[str, str, str]]) -> None:
    folder = out / "articles" / "published_date=2026-01-01"
    folder.mkdir(parents=True)
    article_ids, dups, stories = (list(column) for column in zip(*rows, strict=True))
    pq.write_table(
        pa.table({"article_id": article_ids, "dup_group_id": dups, "story_id": stories}),
        folder / "part-00000.parquet",
    )


def write_labels(path: Path, records: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def test_main_json_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    write_output(
        out,
        [
            ("a", "dg_a", "st_a"),
            ("b", "dg_a", "st_a"),
            ("c", "dg_c", "st_a"),
            ("x", "dg_x", "st_x"),
        ],
    )
    labels = tmp_path / "labels.jsonl"
    write_labels(
        labels,
        [
            {"article_id": "a", "dup": "1", "story": "s", "kind": "wire"},
            {"article_id": "b", "dup": "1", "story": "s", "kind": "wire"},
            {"article_id": "c", "dup": "2", "story": "s", "kind": "follow-up"},
            {"article_id": "d", "dup": "3", "story": "s", "kind": "follow-up"},
        ],
    )
    assert evaluate.main([str(out), str(labels), "--json", "--by", "kind"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["articles"], report["missing"], report["unlabelled"]) == (4, 1, 1)
    assert report["missing_examples"] == ["d"]
    assert report["dup"]["pairwise"]["f1"] == 1.0
    assert report["dup"]["ari"] == 1.0
    # story: predicted {a,b,c},{d} against one true story {a,b,c,d}
    assert report["story"]["pairwise"]["precision"] == 1.0
    assert report["story"]["pairwise"]["recall"] == pytest.approx(3 / 6)
    assert report["story"]["bcubed"]["recall"] == pytest.approx((3 / 4 * 3 + 1 / 4) / 4)
    assert (report["story"]["predicted_clusters"], report["story"]["true_clusters"]) == (2, 1)
    assert report["by"]["kind"]["wire"]["recall"] == 1.0
    assert report["by"]["kind"]["follow-up"]["recall"] == 0.0


def test_main_table_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    write_output(out, [("a", "dg_a", "st_a"), ("b", "dg_a", "st_a")])
    labels = tmp_path / "labels.jsonl"
    write_labels(labels, [{"article_id": "a", "dup": "1", "story": "s"}])
    assert evaluate.main([str(out), str(labels)]) == 0
    printed = capsys.readouterr().out
    assert "story" in printed and "ARI" in printed

    assert evaluate.main([str(tmp_path / "nowhere"), str(labels)]) == 2
    labels.write_text('{"article_id": "a", "story": "s"}\n', encoding="utf-8")
    assert evaluate.main([str(out), str(labels)]) == 2
    assert "no 'dup'" in capsys.readouterr().err
