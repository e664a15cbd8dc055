"""The end-of-run summary, read back from the committed output and metrics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds


@dataclass(frozen=True)
class RunSummary:
    output: str
    records_read: int
    articles: int
    rejected: int
    exact_redeliveries: int
    exact_duplicates: int
    near_duplicate_groups: int
    stories: int
    multi_article_stories: int
    languages: dict[str, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)
    wall_seconds: float = 0.0

    def render(self) -> str:
        languages = ", ".join(f"{lang} {count}" for lang, count in self.languages.items()) or "-"
        reasons = ", ".join(f"{reason} {count}" for reason, count in self.reject_reasons.items())
        reasons = f" ({reasons})" if reasons else ""
        return "\n".join(
            [
                f"records read          {self.records_read}",
                f"articles written      {self.articles}",
                f"rejected              {self.rejected}{reasons}",
                f"exact re-deliveries   {self.exact_redeliveries}",
                f"exact duplicates      {self.exact_duplicates}",
                f"near-duplicate groups {self.near_duplicate_groups} (with 2+ articles)",
                f"stories               {self.stories}"
                f" ({self.multi_article_stories} with 2+ articles)",
                f"languages             {languages}",
                f"wall time             {self.wall_seconds:.1f} s",
                f"output                {self.output}/{{articles,stories,rejects}}",
            ]
        )


def _dataset(output: str, name: str) -> ds.Dataset:
    return ds.dataset(Path(output) / name, format="parquet", partitioning="hive")


def summarize(
    output: str, records_read: int, exact_redeliveries: int, wall_seconds: float
) -> RunSummary:
    articles = _dataset(output, "articles").to_table(
        columns=["language", "dup_group_id", "exact_duplicate_of"]
    )
    stories = _dataset(output, "stories").to_table(columns=["article_count"])
    reasons = Counter(
        _dataset(output, "rejects").to_table(columns=["reason"]).column("reason").to_pylist()
    )
    rejected = sum(reasons.values())
    group_sizes = Counter(articles.column("dup_group_id").to_pylist())
    languages = Counter(articles.column("language").to_pylist())
    multi_stories = int(pc.sum(pc.greater(stories.column("article_count"), 1)).as_py() or 0)
    return RunSummary(
        output=output,
        records_read=records_read,
        articles=articles.num_rows,
        rejected=rejected,
        exact_redeliveries=exact_redeliveries,
        exact_duplicates=articles.num_rows - articles.column("exact_duplicate_of").null_count,
        near_duplicate_groups=sum(1 for size in group_sizes.values() if size > 1),
        stories=stories.num_rows,
        multi_article_stories=multi_stories,
        languages=dict(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        reject_reasons=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        wall_seconds=wall_seconds,
    )
