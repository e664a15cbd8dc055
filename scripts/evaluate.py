"""Score a newsdedup output folder against labelled articles.

    python scripts/evaluate.py OUT LABELS [--json] [--by FIELD]

OUT is a newsdedup output folder: `OUT/articles/` is read as a Hive-partitioned
Parquet dataset (columns `article_id`, `dup_group_id`, `story_id`). LABELS is a
JSON Lines file with one object per article, `{"article_id", "story", "dup", ...}`;
other fields (`language`, `kind`, ...) are ignored unless named by `--by`.

Both levels are scored: near-duplicate groups (`dup_group_id` against the label
`dup`) and stories (`story_id` against `story`). Every metric comes from the
contingency table of (predicted cluster, true cluster) -> number of articles, so
scoring is linear in the number of articles; pair counts are exact integers.

- pairwise precision / recall / F1: over unordered pairs of articles, a pair is
  predicted when both are in one predicted cluster and true when both are in one
  true cluster;
- adjusted Rand index (Hubert and Arabie, 1985): the pair agreement corrected
  for chance; 1 for identical partitions, about 0 for a random one, negative when
  worse than chance;
- B-cubed precision / recall / F1 (Bagga and Baldwin, 1998): per article, the
  share of its predicted cluster that is in its true cluster (precision) and the
  share of its true cluster that is in its predicted cluster (recall), averaged
  over articles.

Articles in LABELS but not in the output count as singleton predictions and are
reported as `missing`; articles in the output but not in LABELS are reported as
`unlabelled` and otherwise ignored. `--by FIELD` (repeatable) adds, for each value
of that label field, the story-level pairwise recall over pairs whose two articles
both have that value.

Exit codes: 0 scored; 2 unreadable or invalid output folder or labels.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.dataset as ds

LEVELS = (("dup", "dup_group_id"), ("story", "story_id"))
NO_VALUE = "(none)"
MISSING_EXAMPLES = 20

# (predicted cluster, true cluster) -> number of articles in both.
Contingency: TypeAlias = Counter[tuple[Hashable, Hashable]]


class InputError(Exception):
    """The output folder or the labels file cannot be scored; the message says why."""


@dataclass(frozen=True, slots=True)
class _Missing:
    """The cluster of a labelled article absent from the output: its own singleton."""

    article_id: str


@dataclass(frozen=True, slots=True)
class PairCounts:
    """Unordered article pairs: together in both partitions, predicted, true, all."""

    together: int
    predicted: int
    true: int
    total: int


@dataclass(frozen=True, slots=True)
class PairwiseScores:
    """Pairwise precision (true pairs among predicted), recall (predicted among true), F1."""

    precision: float
    recall: float
    f1: float
    together_pairs: int
    predicted_pairs: int
    true_pairs: int


@dataclass(frozen=True, slots=True)
class BCubedScores:
    """B-cubed precision, recall and F1, averaged over articles."""

    precision: float
    recall: float
    f1: float


# --- metrics ---------------------------------------------------------------------------


def pairs(n: int) -> int:
    """Unordered pairs among n items, n*(n-1)/2."""
    return n * (n - 1) // 2


def contingency_table(predicted: Mapping[str, str], truth: Mapping[str, str]) -> Contingency:
    """Articles per (predicted, true) cluster, over the articles in `truth`.

    An article without a prediction is a singleton of its own; predictions for
    articles not in `truth` are ignored.
    """
    table: Contingency = Counter()
    for article_id, true_cluster in truth.items():
        guess: Hashable = predicted.get(article_id, _Missing(article_id))
        table[(guess, true_cluster)] += 1
    return table


def marginals(table: Contingency) -> tuple[Counter[Hashable], Counter[Hashable]]:
    """Sizes of the predicted clusters and of the true clusters."""
    rows: Counter[Hashable] = Counter()
    columns: Counter[Hashable] = Counter()
    for (row, column), count in table.items():
        rows[row] += count
        columns[column] += count
    return rows, columns


def pair_counts(table: Contingency) -> PairCounts:
    """Exact pair counts of a contingency table (sums of n*(n-1)/2)."""
    rows, columns = marginals(table)
    return PairCounts(
        together=sum(pairs(count) for count in table.values()),
        predicted=sum(pairs(count) for count in rows.values()),
        true=sum(pairs(count) for count in columns.values()),
        total=pairs(sum(table.values())),
    )


def _ratio(numerator: float, denominator: float) -> float:
    """numerator/denominator, 1.0 for 0/0 (nothing claimed, nothing wrong)."""
    return numerator / denominator if denominator else 1.0


def _f1(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall, 0.0 when both are 0."""
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def pairwise_scores(table: Contingency) -> PairwiseScores:
    """Pairwise precision, recall and F1 over unordered article pairs.

    Precision is the share of predicted pairs (both in one predicted cluster) that
    are true pairs (both in one true cluster); recall the share of true pairs that
    are predicted. Without predicted pairs precision is 1.0, without true pairs
    recall is 1.0.
    """
    counts = pair_counts(table)
    precision = _ratio(counts.together, counts.predicted)
    recall = _ratio(counts.together, counts.true)
    return PairwiseScores(
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        together_pairs=counts.together,
        predicted_pairs=counts.predicted,
        true_pairs=counts.true,
    )


def adjusted_rand_index(table: Contingency) -> float:
    """Adjusted Rand index (Hubert-Arabie) of the two partitions in a contingency table.

    ARI = (index - expected) / (max - expected) with index = sum C(n_ij, 2),
    expected = sum C(a_i, 2) * sum C(b_j, 2) / C(n, 2), max = (sum C(a_i, 2) +
    sum C(b_j, 2)) / 2. Computed on exact integers, doubled to stay integral. The
    denominator is 0 only for identical partitions (all singletons, or one cluster),
    and for fewer than two articles; the ARI is then 1.0.
    """
    counts = pair_counts(table)
    numerator = 2 * (counts.together * counts.total - counts.predicted * counts.true)
    denominator = (counts.predicted + counts.true) * counts.total - 2 * (
        counts.predicted * counts.true
    )
    return numerator / denominator if denominator else 1.0


def bcubed_scores(table: Contingency) -> BCubedScores:
    """B-cubed precision, recall and F1.

    For an article in predicted cluster P and true cluster T, precision is
    |P ∩ T| / |P| and recall |P ∩ T| / |T|; both are averaged over articles. Each
    cell of n articles contributes n * n / |P| (or / |T|). 1.0 for no articles.
    """
    total = sum(table.values())
    if not total:
        return BCubedScores(1.0, 1.0, 1.0)
    rows, columns = marginals(table)
    precision = math.fsum(n * n / rows[row] for (row, _), n in table.items()) / total
    recall = math.fsum(n * n / columns[column] for (_, column), n in table.items()) / total
    return BCubedScores(precision, recall, _f1(precision, recall))


def score_partitions(predicted: Mapping[str, str], truth: Mapping[str, str]) -> dict[str, Any]:
    """Every metric of `predicted` (article -> cluster) against `truth` (article -> cluster).

    Scored over the articles of `truth`: those absent from `predicted` are singletons
    (counted in `missing`), those only in `predicted` are ignored (`unlabelled`).
    """
    table = contingency_table(predicted, truth)
    rows, columns = marginals(table)
    return {
        "articles": len(truth),
        "missing": sum(1 for article_id in truth if article_id not in predicted),
        "unlabelled": sum(1 for article_id in predicted if article_id not in truth),
        "predicted_clusters": len(rows),
        "true_clusters": len(columns),
        "pairwise": asdict(pairwise_scores(table)),
        "ari": adjusted_rand_index(table),
        "bcubed": asdict(bcubed_scores(table)),
    }


def recall_by_group(
    predicted: Mapping[str, str], truth: Mapping[str, str], groups: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Pairwise recall per group value, over true pairs whose two articles share that value.

    `groups` maps an article to its value (articles without one are in `(none)`).
    Recall is None for a value without true pairs.
    """
    tables: defaultdict[str, Contingency] = defaultdict(Counter)
    for article_id, true_cluster in truth.items():
        guess: Hashable = predicted.get(article_id, _Missing(article_id))
        tables[groups.get(article_id, NO_VALUE)][(guess, true_cluster)] += 1
    result: dict[str, dict[str, Any]] = {}
    for value, table in sorted(tables.items()):
        counts = pair_counts(table)
        result[value] = {
            "articles": sum(table.values()),
            "true_pairs": counts.true,
            "found_pairs": counts.together,
            "recall": counts.together / counts.true if counts.true else None,
        }
    return result


# --- reading ---------------------------------------------------------------------------


def load_labels(path: Path) -> dict[str, dict[str, Any]]:
    """Label records by article id; each needs `article_id`, `story` and `dup`."""
    records: dict[str, dict[str, Any]] = {}
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read labels {path}: {error}") from error
    for number, line in enumerate(lines, start=1):
        if line.strip():
            record = _label_record(line, path, number)
            if record["article_id"] in records:
                raise InputError(f"{path}:{number}: article_id {record['article_id']!r} repeated")
            records[record["article_id"]] = record
    if not records:
        raise InputError(f"{path}: no labels")
    return records


def _label_record(line: str, path: Path, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}:{number}: not JSON: {error.msg}") from error
    if not isinstance(record, dict):
        raise InputError(f"{path}:{number}: not a JSON object")
    for key in ("article_id", "story", "dup"):
        if record.get(key) is None:
            raise InputError(f"{path}:{number}: no {key!r}")
    return {**record, "article_id": str(record["article_id"])}


def label_partition(labels: Mapping[str, Mapping[str, Any]], field: str) -> dict[str, str]:
    """Article -> the label field's value as a string (the true cluster or a group)."""
    return {
        article_id: str(record[field])
        for article_id, record in labels.items()
        if record.get(field) is not None
    }


def load_output(out: Path) -> tuple[dict[str, dict[str, str]], int]:
    """Predicted partitions by level ("dup", "story") from `OUT/articles/`.

    A story merged into another by a later incremental run counts as that one
    (`merged_into` in `OUT/stories/`). Returns the partitions with the number
    of repeated article ids (the first row is kept).
    """
    folder = out / "articles"
    if not folder.is_dir():
        raise InputError(f"no articles dataset at {folder}")
    columns = ["article_id"] + [column for _, column in LEVELS]
    try:
        dataset = ds.dataset(folder, format="parquet", partitioning="hive")
        table = dataset.to_table(columns=columns).to_pydict()
    except (OSError, pa.ArrowException) as error:
        raise InputError(f"cannot read {folder}: {error}") from error
    current = current_story_ids(out)
    table["story_id"] = [current.get(story, story) for story in table["story_id"]]
    partitions: dict[str, dict[str, str]] = {level: {} for level, _ in LEVELS}
    seen: set[str] = set()
    repeated = 0
    for index, article_id in enumerate(table["article_id"]):
        if article_id in seen:
            repeated += 1
            continue
        seen.add(article_id)
        for level, column in LEVELS:
            if table[column][index] is not None:
                partitions[level][article_id] = table[column][index]
    return partitions, repeated


def current_story_ids(out: Path) -> dict[str, str]:
    """story_id -> the story it was merged into, for merged stories."""
    folder = out / "stories"
    if not folder.is_dir():
        return {}
    dataset = ds.dataset(folder, format="parquet")
    if "merged_into" not in dataset.schema.names:
        return {}
    table = dataset.to_table(columns=["story_id", "merged_into"]).to_pydict()
    return {
        story: merged
        for story, merged in zip(table["story_id"], table["merged_into"], strict=True)
        if merged is not None
    }


# --- report ----------------------------------------------------------------------------


def evaluate(out: Path, labels_path: Path, by: Iterable[str] = ()) -> dict[str, Any]:
    """The full report: counts, both levels' scores and the optional per-group recall."""
    labels = load_labels(labels_path)
    predicted, repeated = load_output(out)
    story_truth = label_partition(labels, "story")
    missing = sorted(article_id for article_id in labels if article_id not in predicted["story"])
    report: dict[str, Any] = {
        "output": str(out),
        "labels": str(labels_path),
        "articles": len(labels),
        "missing": len(missing),
        "missing_examples": missing[:MISSING_EXAMPLES],
        "unlabelled": sum(1 for article_id in predicted["story"] if article_id not in labels),
        "repeated_output_ids": repeated,
    }
    for level, _ in LEVELS:
        report[level] = score_partitions(predicted[level], label_partition(labels, level))
    report["by"] = {
        field: recall_by_group(predicted["story"], story_truth, label_partition(labels, field))
        for field in by
    }
    return report


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_report(report: Mapping[str, Any]) -> str:
    """A compact human-readable table of the report."""
    lines = [
        f"{report['output']} against {report['labels']}",
        f"articles {report['articles']} labelled, {report['missing']} missing from the output "
        f"(scored as singletons), {report['unlabelled']} unlabelled (ignored)",
    ]
    if report["missing_examples"]:
        lines.append("missing: " + ", ".join(report["missing_examples"]))
    if report["repeated_output_ids"]:
        lines.append(f"warning: {report['repeated_output_ids']} repeated article ids in output")
    columns = ("pair P", "pair R", "pair F1", "ARI", "B3 P", "B3 R", "B3 F1")
    lines += ["", f"{'level':<6}{'clusters p/t':>14}" + "".join(f"{c:>8}" for c in columns)]
    for level, _ in LEVELS:
        scores = report[level]
        clusters = f"{scores['predicted_clusters']}/{scores['true_clusters']}"
        values = (
            scores["pairwise"]["precision"],
            scores["pairwise"]["recall"],
            scores["pairwise"]["f1"],
            scores["ari"],
            scores["bcubed"]["precision"],
            scores["bcubed"]["recall"],
            scores["bcubed"]["f1"],
        )
        lines.append(f"{level:<6}{clusters:>14}" + "".join(f"{v:>8.3f}" for v in values))
    for field, groups in report["by"].items():
        lines += ["", f"story pair recall by {field}"]
        lines.append(f"{field:<16}{'articles':>9}{'found/true pairs':>18}{'recall':>8}")
        for value, group in groups.items():
            found = f"{group['found_pairs']}/{group['true_pairs']}"
            lines.append(
                f"{value:<16}{group['articles']:>9}{found:>18}{_number(group['recall']):>8}"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="evaluate.py", description="Score a newsdedup output folder against labels."
    )
    parser.add_argument("out", type=Path, help="newsdedup output folder (reads OUT/articles/)")
    parser.add_argument("labels", type=Path, help='JSON Lines: {"article_id", "story", "dup"}')
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="FIELD",
        help="story-level pair recall per value of this label field (kind, language); repeatable",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = evaluate(args.out, args.labels, args.by)
    except InputError as error:
        print(f"evaluate.py: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report, sort_keys=True) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
