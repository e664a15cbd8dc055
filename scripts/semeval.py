"""Score newsdedup's same-story decision on human-rated pairs (SemEval-2022 Task 8).

All texts of the dev set are analysed exactly as one pipeline run over them
would analyse its articles (newsdedup.transforms.core.signals.analysis, entity frequencies counted
over every text), and each pair is decided exactly as the pipeline decides a
candidate pair (newsdedup.transforms.core.decide.facts.classify_pair): same story if the two
are near-duplicates, story-linked or entity-linked. Human labels: Overall <= 1.5
is the same story, Overall >= 3.5 is different; pairs in between are left out.

    python scripts/semeval.py [--pairs ../shared/data/semeval/pairs_dev.csv] [--json]
                              [--half all|a|b] [--set story_threshold=0.1,0.2 ...]

Prints, per language pair (German, English and German-English first), the
number of positive and negative pairs, precision, recall, F1 and the
false-merge rate (share of different-story pairs decided as the same story).
`--half a` or `--half b` scores one fixed half of the pairs (stratified by
language group and label, split by a hash of the pair id), to tune on one half
and report on the other. With several
`--set` values (`--set entity_threshold=0.1,0.2`) it prints one markdown row per
configuration instead: F1 and false-merge rate of the headline groups.
`--entities` prints what the pairs' leads share instead: names and numbers.

`--pipeline` scores the pipeline end to end instead: one `newsdedup run` over
every text of the clearly labelled German, English and German-English pairs
(each distinct text one JSON record with id and text only: no title, source, URL
or time), and a pair counts as decided "same story" when both texts got one
story id (clustering, density rule and weak-bridge splits included). `--half`
and `--set` work as above; each configuration is one run (`--workdir` keeps it).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from newsdedup.schemas.records import AnalyzedArticle, InputArticle, ShingledArticle
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.clustering import PairFacts
from newsdedup.transforms.core.decide.facts import classify_pair
from newsdedup.transforms.core.signals.analysis import ArticleAnalyzer
from newsdedup.transforms.core.signals.entities import EntityFrequencies, lead_entities
from newsdedup.transforms.core.signals.fingerprints import shared_count

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PAIRS = REPO_ROOT.parent / "shared/data/semeval/pairs_dev.csv"
SAME_STORY_MAX, DIFFERENT_STORY_MIN = 1.5, 3.5
HEADLINE_GROUPS = ("de", "en", "de-en")
POOLED = "de+en+de-en"


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


def analyze_corpus(
    analyzer: ArticleAnalyzer, rows: list[dict[str, str]]
) -> dict[str, AnalyzedArticle]:
    """Every distinct text of the pairs, analysed as one pipeline run over all of
    them would: shingled, then signed with the entity frequencies of the whole set
    (each text counted once, pairs rated in between included)."""
    shingled: dict[str, ShingledArticle] = {}
    for row in rows:
        for n in (1, 2):
            text = row[f"text{n}"]
            if text not in shingled:
                shingled[text] = analyzer.shingle(
                    InputArticle(
                        article_id=f"{row['pair_id']}/{n}",
                        text=text,
                        language_hint=row[f"lang{n}"],
                    )
                )
    frequencies = EntityFrequencies.of(
        (np.frombuffer(s.entities, dtype="<u8") for s in shingled.values()),
        analyzer.config.max_key_articles,
    )
    return {
        text: analyzer.sign(article, entity_frequencies=frequencies)
        for text, article in shingled.items()
    }


def same_story(left: AnalyzedArticle, right: AnalyzedArticle, config: DedupConfig) -> bool:
    """The pipeline's decision for one pair of analysed texts."""
    shared = shared_count(left.sketch.fingerprints, right.sketch.fingerprints)
    link = classify_pair(shared, PairFacts.of(left.sketch), PairFacts.of(right.sketch), config)
    return link is not None


def read_pairs(pairs: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with pairs.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def clearly_labelled(row: dict[str, str]) -> bool:
    """Same story or different; pairs rated in between are not scored."""
    return not SAME_STORY_MAX < float(row["Overall"]) < DIFFERENT_STORY_MIN


def split_halves(rows: list[dict[str, str]]) -> dict[str, str]:
    """A fixed split of the clearly labelled pairs into halves "a" and "b",
    stratified: within each language group and label, pairs ordered by a hash of
    their id go alternately to a and b."""
    strata: dict[tuple[str, bool], list[str]] = {}
    for row in rows:
        if clearly_labelled(row):
            key = (
                language_group(row["lang1"], row["lang2"]),
                float(row["Overall"]) <= SAME_STORY_MAX,
            )
            strata.setdefault(key, []).append(row["pair_id"])
    half: dict[str, str] = {}
    for pair_ids in strata.values():
        ordered = sorted(
            pair_ids, key=lambda p: hashlib.blake2b(p.encode("utf-8"), digest_size=8).digest()
        )
        for index, pair_id in enumerate(ordered):
            half[pair_id] = "ab"[index % 2]
    return half


# Parameters that only decide pairs: sweeping them reuses the analysed texts.
DECISION_ONLY = frozenset(
    {
        "dup_threshold",
        "story_min_shared",
        "story_threshold",
        "story_window_hours",
        "entity_min_shared",
        "entity_min_weight",
        "entity_threshold",
        "entity_window_hours",
    }
)


class Evaluator:
    """Scores configurations on one pairs file, analysing its texts once per
    analysis-relevant configuration."""

    def __init__(self, pairs: Path) -> None:
        self.rows = read_pairs(pairs)
        self.halves = split_halves(self.rows)
        self._analyzed: dict[DedupConfig, dict[str, AnalyzedArticle]] = {}

    def analyzed(self, config: DedupConfig) -> dict[str, AnalyzedArticle]:
        defaults = DedupConfig()
        key = replace(config, **{name: getattr(defaults, name) for name in DECISION_ONLY})
        if key not in self._analyzed:
            self._analyzed[key] = analyze_corpus(ArticleAnalyzer(key), self.rows)
        return self._analyzed[key]

    def evaluate(self, config: DedupConfig, half: str = "all") -> dict[str, dict[str, float | int]]:
        analyzed = self.analyzed(config)
        by_group: dict[str, Confusion] = {}
        combined = Confusion()
        for row in self.rows:
            if not clearly_labelled(row) or half not in ("all", self.halves[row["pair_id"]]):
                continue
            group = language_group(row["lang1"], row["lang2"])
            predicted = same_story(analyzed[row["text1"]], analyzed[row["text2"]], config)
            same = float(row["Overall"]) <= SAME_STORY_MAX
            by_group.setdefault(group, Confusion()).add(same, predicted)
            if group in HEADLINE_GROUPS:
                combined.add(same, predicted)
        scores = {group: confusion.scores() for group, confusion in by_group.items()}
        sizes = Counter({g: s["positives"] + s["negatives"] for g, s in scores.items()})
        ordered = [g for g in HEADLINE_GROUPS if g in scores]
        ordered += [g for g, _ in sizes.most_common() if g not in HEADLINE_GROUPS]
        result = {group: scores[group] for group in ordered}
        result[POOLED] = combined.scores()
        return result


def pipeline_input(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The JSON records of a pipeline run over the texts of the clearly labelled
    pairs of the headline groups (id and text only: no title, source, URL or time),
    and text -> its record's id (a text found in several pairs is one article)."""
    records: list[dict[str, str]] = []
    ids: dict[str, str] = {}
    for row in rows:
        group = language_group(row["lang1"], row["lang2"])
        if not clearly_labelled(row) or group not in HEADLINE_GROUPS:
            continue
        for n in (1, 2):
            text = row[f"text{n}"]
            if text.strip() and text not in ids:
                ids[text] = f"{row['pair_id']}/{n}"
                records.append({"id": ids[text], "text": text})
    return records, ids


def run_pipeline(
    records: list[dict[str, str]], overrides: dict[str, Any], workdir: Path
) -> dict[str, str]:
    """`newsdedup run` over the records; article id -> story id."""
    workdir.mkdir(parents=True, exist_ok=True)
    source, out = workdir / "pairs.jsonl", workdir / "out"
    source.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    shutil.rmtree(out, ignore_errors=True)
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in overrides.items()]
    command = [sys.executable, "-m", "newsdedup.pipelines.cli", "run", "--quiet"]
    command += ["--input", str(source), "--output", str(out), *flags]
    subprocess.run(command, cwd=REPO_ROOT, check=True)
    table = pq.read_table(out / "articles", columns=["article_id", "story_id"])
    return dict(zip(table["article_id"].to_pylist(), table["story_id"].to_pylist(), strict=True))


def score_stories(
    rows: list[dict[str, str]],
    halves: dict[str, str],
    half: str,
    ids: dict[str, str],
    stories: dict[str, str],
) -> dict[str, dict[str, float | int]]:
    """Pairs scored on story ids: predicted same story when both texts got one id."""
    by_group: dict[str, Confusion] = {}
    combined = Confusion()
    for row in rows:
        group = language_group(row["lang1"], row["lang2"])
        if not clearly_labelled(row) or group not in HEADLINE_GROUPS:
            continue
        if half not in ("all", halves[row["pair_id"]]):
            continue
        left, right = (stories.get(ids.get(row[f"text{n}"], ""), "") for n in (1, 2))
        predicted = bool(left) and left == right
        same = float(row["Overall"]) <= SAME_STORY_MAX
        by_group.setdefault(group, Confusion()).add(same, predicted)
        combined.add(same, predicted)
    result = {g: by_group[g].scores() for g in HEADLINE_GROUPS if g in by_group}
    result[POOLED] = combined.scores()
    return result


def shared_entities_report(rows: list[dict[str, str]], config: DedupConfig) -> str:
    """What the two texts of a pair still share across languages: per headline
    group and label, the share of pairs whose leads share a name (a word) or a
    number, and the mean number of shared entities."""
    lines = ["group  label      pairs  any  name  number  mean shared"]
    tally: dict[tuple[str, bool], list[tuple[int, int]]] = {}
    for row in rows:
        group = language_group(row["lang1"], row["lang2"])
        if not clearly_labelled(row) or group not in HEADLINE_GROUPS:
            continue
        left, right = (
            set(lead_entities(row[t], config.entity_lead_words)) for t in ("text1", "text2")
        )
        shared = left & right
        numbers = sum(any(ch.isdigit() for ch in word) for word in shared)
        same = float(row["Overall"]) <= SAME_STORY_MAX
        tally.setdefault((group, same), []).append((len(shared) - numbers, numbers))
    for group in HEADLINE_GROUPS:
        for same in (True, False):
            counts = tally.get((group, same), [])
            n = len(counts) or 1
            lines.append(
                f"{group:6} {'same' if same else 'different':9} {len(counts):>6} "
                f"{sum(w + d > 0 for w, d in counts) / n:>4.2f} "
                f"{sum(w > 0 for w, _ in counts) / n:>5.2f} "
                f"{sum(d > 0 for _, d in counts) / n:>7.2f} "
                f"{sum(w + d for w, d in counts) / n:>12.1f}"
            )
    return "\n".join(lines)


def parse_overrides(items: list[str]) -> list[dict[str, Any]]:
    """`NAME=V1,V2,...` items -> the cartesian product of their values, in order."""
    types = {f.name: type(getattr(DedupConfig(), f.name)) for f in fields(DedupConfig)}
    names: list[str] = []
    values: list[list[Any]] = []
    for item in items:
        name, _, listed = item.partition("=")
        if name not in types:
            raise SystemExit(f"unknown parameter {name!r}; known: {', '.join(sorted(types))}")
        names.append(name)
        values.append([types[name](value) for value in listed.split(",")])
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]


def render_sweep(results: list[tuple[str, dict[str, dict[str, float | int]]]]) -> str:
    """One markdown row per configuration: F1 and false-merge rate of the headline groups."""
    groups = (*HEADLINE_GROUPS, POOLED)
    header = ["configuration"] + [f"{g} {m}" for g in groups for m in ("F1", "false-merge")]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for name, result in results:
        cells = [
            f"{result[g][m]:.3f}" if g in result else "-"
            for g in groups
            for m in ("f1", "false_merge_rate")
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
        "--entities",
        action="store_true",
        help="instead of scores: which lead names and numbers the pairs share, per group",
    )
    parser.add_argument(
        "--half",
        choices=("all", "a", "b"),
        default="all",
        help="score only one fixed half of the pairs (stratified by language group and "
        "label, split by a hash of the pair id); "
        "the entity frequencies always come from all texts",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="override a clustering parameter (see `newsdedup run --help`); several values "
        "(and several --set) sweep their cartesian product, one table row per configuration",
    )
    parser.add_argument(
        "--pipeline",
        action="store_true",
        help="run `newsdedup run` over the texts of the German, English and German-English "
        "pairs (id and text only) and score the story ids it gives, not single pair decisions",
    )
    parser.add_argument("--workdir", type=Path, help="where --pipeline runs (default: a temp dir)")
    args = parser.parse_args(argv)
    if not args.pairs.is_file():
        print(f"semeval: no pairs file at {args.pairs}", file=sys.stderr)
        return 2
    if args.entities:
        print(shared_entities_report(read_pairs(args.pairs), DedupConfig()))
        return 0
    if args.pipeline:
        return pipeline_main(args)
    evaluator = Evaluator(args.pairs)
    results = []
    for overrides in parse_overrides(args.set):
        config = replace(DedupConfig(), **overrides)
        config.validate()
        name = ",".join(f"{k}={v}" for k, v in overrides.items()) or "defaults"
        results.append((name, evaluator.evaluate(config, args.half)))
    if args.json:
        print(json.dumps(dict(results) if len(results) > 1 else results[0][1], indent=2))
    else:
        print(render(results[0][1]) if len(results) == 1 else render_sweep(results))
    return 0


def pipeline_main(args: argparse.Namespace) -> int:
    """--pipeline: one run per configuration, scored on the chosen half."""
    rows = read_pairs(args.pairs)
    halves = split_halves(rows)
    records, ids = pipeline_input(rows)
    results = []
    with tempfile.TemporaryDirectory(prefix="semeval-") as temporary:
        workdir = args.workdir or Path(temporary)
        for overrides in parse_overrides(args.set):
            replace(DedupConfig(), **overrides).validate()
            stories = run_pipeline(records, overrides, workdir)
            name = ",".join(f"{k}={v}" for k, v in overrides.items()) or "defaults"
            results.append((name, score_stories(rows, halves, args.half, ids, stories)))
    if args.json:
        print(json.dumps(dict(results) if len(results) > 1 else results[0][1], indent=2))
    else:
        print(render(results[0][1]) if len(results) == 1 else render_sweep(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
