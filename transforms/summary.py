"""The end-of-run summary, read back from the run's staged output and metrics.

The staged articles and rejects are this run's; stories are the whole table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds

from schemas.parquet import DATASET_SCHEMAS


@dataclass(frozen=True)
class RunSummary:
    output: str
    records_read: int
    articles: int
    rejected: int
    exact_redeliveries: int
    known_rejects: int
    exact_duplicates: int
    near_duplicate_groups: int
    stories: int
    multi_article_stories: int
    story_merges: int
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
                *(
                    [f"rejects in output     {self.known_rejects} (rejected by an earlier run)"]
                    if self.known_rejects
                    else []
                ),
                f"exact re-deliveries   {self.exact_redeliveries}",
                f"exact duplicates      {self.exact_duplicates}",
                f"near-duplicate groups {self.near_duplicate_groups} (with 2+ articles)",
                f"stories               {self.stories}"
                f" ({self.multi_article_stories} with 2+ articles)",
                *([f"story merges          {self.story_merges}"] if self.story_merges else []),
                f"languages             {languages}",
                f"wall time             {self.wall_seconds:.1f} s",
                f"output                {self.output}/{{articles,stories,rejects,story_merges}}",
            ]
        )


def _dataset(folder: Path, name: str) -> ds.Dataset:
    if not (folder / name).is_dir():  # the run wrote no rows to it
        return ds.dataset(DATASET_SCHEMAS[name].empty_table())
    return ds.dataset(folder / name, format="parquet", partitioning="hive")


def summarize(
    staged: Path,
    output: str,
    records_read: int,
    exact_redeliveries: int,
    known_rejects: int,
    wall_seconds: float,
) -> RunSummary:
    """This run's figures from its staged files (`staged`), before the commit
    adds the files of earlier runs; stories are counted after the run."""
    articles = _dataset(staged, "articles").to_table(
        columns=["language", "dup_group_id", "exact_duplicate_of"]
    )
    stories = _dataset(staged, "stories").to_table(
        columns=["article_count"], filter=pc.field("merged_into").is_null()
    )
    merges = _dataset(staged, "story_merges").count_rows()
    reasons = Counter(
        _dataset(staged, "rejects").to_table(columns=["reason"]).column("reason").to_pylist()
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
        known_rejects=known_rejects,
        exact_duplicates=articles.num_rows - articles.column("exact_duplicate_of").null_count,
        near_duplicate_groups=sum(1 for size in group_sizes.values() if size > 1),
        stories=stories.num_rows,
        multi_article_stories=multi_stories,
        story_merges=merges,
        languages=dict(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        reject_reasons=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        wall_seconds=wall_seconds,
    )
