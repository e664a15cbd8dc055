"""Score newsdedup's same-story decision on human-rated pairs (SemEval-2022 Task 8).

Each pair of the dev set is analysed exactly as the pipeline analyses articles
(transforms.core.analysis) and decided exactly as the pipeline decides a
candidate pair (transforms.core.clustering.classify_pair): same story if the two
are near-duplicates or story-linked. Human labels: Overall <= 1.5 is the same
story, Overall >= 3.5 is different; pairs in between are left out.

    python scripts/semeval.py [--pairs ../shared/data/semeval/pairs_dev.csv] [--json]
                              [--set story_threshold=0.1 ...]

Prints, per language pair (German, English and German-English first), the
number of positive and negative pairs, precision, recall, F1 and the
false-merge rate (share of different-story pairs decided as the same story).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from schemas.records import InputArticle
from transforms.core.analysis import ArticleAnalyzer
from transforms.core.clustering import PairFacts, classify_pair
from transforms.core.config import DedupConfig
from transforms.core.fingerprints import shared_count

DEFAULT_PAIRS = Path(__file__).resolve().parents[1].parent / "shared/data/semeval/pairs_dev.csv"
SAME_STORY_MAX, DIFFERENT_STORY_MIN = 1.5, 3.5
HEADLINE_GROUPS = ("de", "en", "de-en")


@dataclass
class Confusion:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0

    def add(self, same: bool, predicted: bool) -> None:
        if same and predicted:
            self.true_positive += 1
        elif same:
            self.false_negative += 1
        elif predicted:
            self.false_positive += 1
        else:
            self.true_negative += 1

    def scores(self) -> dict[str, float | int]:
        tp, fp, fn, tn = (
            self.true_positive,
            self.false_positive,
            self.false_negative,
            self.true_negative,
        )
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "positives": tp + fn,
            "negatives": fp + tn,
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "false_merge_rate": round(fp / (fp + tn), 3) if fp + tn else 0.0,
        }


def language_group(lang1: str, lang2: str) -> str:
    return "-".join(sorted({lang1, lang2}))


def same_story(analyzer: ArticleAnalyzer, row: dict[str, str]) -> bool:
    """The pipeline's decision for one pair of texts."""
    left, right = (
        analyzer.analyze(
            InputArticle(
                article_id=f"{row['pair_id']}/{n}",
                text=row[f"text{n}"],
                language_hint=row[f"lang{n}"],
            )
        )
        for n in (1, 2)
    )
    shared = shared_count(left.sketch.fingerprints, right.sketch.fingerprints)

    def facts(sketch: Any) -> PairFacts:
        return PairFacts(None, len(sketch.fingerprints) // 8, sketch.signature, sketch.entities)

    return (
        classify_pair(shared, facts(left.sketch), facts(right.sketch), analyzer.config) is not None
    )


def evaluate(pairs: Path, config: DedupConfig) -> dict[str, dict[str, float | int]]:
    csv.field_size_limit(1 << 30)
    analyzer = ArticleAnalyzer(config)
    by_group: dict[str, Confusion] = {}
    combined = Confusion()
    with pairs.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            overall = float(row["Overall"])
            if SAME_STORY_MAX < overall < DIFFERENT_STORY_MIN:
                continue
            group = language_group(row["lang1"], row["lang2"])
            predicted = same_story(analyzer, row)
            by_group.setdefault(group, Confusion()).add(overall <= SAME_STORY_MAX, predicted)
            if group in HEADLINE_GROUPS:
                combined.add(overall <= SAME_STORY_MAX, predicted)
    scores = {group: confusion.scores() for group, confusion in by_group.items()}
    sizes = Counter({g: s["positives"] + s["negatives"] for g, s in scores.items()})
    ordered = [g for g in HEADLINE_GROUPS if g in scores]
    ordered += [g for g, _ in sizes.most_common() if g not in HEADLINE_GROUPS]
    result = {group: scores[group] for group in ordered}
    result["de+en+de-en"] = combined.scores()
    return result


def parse_overrides(items: list[str]) -> dict[str, Any]:
    types = {f.name: type(getattr(DedupConfig(), f.name)) for f in fields(DedupConfig)}
    overrides: dict[str, Any] = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in types:
            raise SystemExit(f"unknown parameter {name!r}; known: {', '.join(sorted(types))}")
        overrides[name] = types[name](value)
    return overrides


def render(result: dict[str, dict[str, float | int]]) -> str:
    header = ("pairs", "pos", "neg", "prec", "recall", "F1", "false-merge")
    lines = ["{:12} {:>4} {:>4} {:>6} {:>6} {:>6} {:>11}".format(*header)]
    for group, s in result.items():
        lines.append(
            f"{group:12} {s['positives']:>4} {s['negatives']:>4} {s['precision']:>6.3f} "
            f"{s['recall']:>6.3f} {s['f1']:>6.3f} {s['false_merge_rate']:>11.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a clustering parameter (see `newsdedup run --help`)",
    )
    args = parser.parse_args(argv)
    if not args.pairs.is_file():
        print(f"semeval: no pairs file at {args.pairs}", file=sys.stderr)
        return 2
    config = replace(DedupConfig(), **parse_overrides(args.set))
    config.validate()
    result = evaluate(args.pairs, config)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
