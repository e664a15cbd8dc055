"""The end-of-run summary, read back from the run's staged output and metrics.

The staged articles and rejects are this run's; stories are the whole table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow.compute as pc

from transforms.export import read_dataset
from transforms.filesystems import LOCAL_FILES, FileAccess


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

    def _tables(self) -> str:
        if "://" in self.output:  # an object store: readers follow the manifest
            return f"{self.output} (newsdedup export {self.output} --table ...)"
        return f"{self.output}/{{articles,stories,rejects,story_merges}}"

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
                f"output                {self._tables()}",
            ]
        )


def summarize(
    staged: Mapping[str, list[str]],
    output: str,
    records_read: int,
    exact_redeliveries: int,
    known_rejects: int,
    wall_seconds: float,
    files: FileAccess = LOCAL_FILES,
) -> RunSummary:
    """This run's figures from the files it wrote (`staged`: the paths of each
    dataset's), not those of earlier runs; stories are counted after the run."""
    articles = read_dataset(
        "articles", staged["articles"], ["language", "dup_group_id", "exact_duplicate_of"], files
    )
    stories = read_dataset("stories", staged["stories"], ["article_count", "merged_into"], files)
    stories = stories.filter(pc.is_null(stories.column("merged_into")))
    merges = read_dataset("story_merges", staged["story_merges"], ["story_id"], files).num_rows
    reasons = Counter(
        read_dataset("rejects", staged["rejects"], ["reason"], files).column("reason").to_pylist()
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
