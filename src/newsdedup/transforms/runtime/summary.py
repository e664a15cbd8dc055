"""The end-of-run summary, read back from the run's staged output and metrics.

Most figures come from the written files. Three come from the runner's counters
only (records read, exact re-deliveries, rejects already in the output): they
leave no row behind. Runners without metrics (Beam's DaskRunner) report them as
not known instead of failing the run.

The staged articles and rejects are this run's; stories are the whole table. A
run into an output of earlier runs reports what it added and, apart, what the
output holds now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pyarrow as pa
import pyarrow.compute as pc

from newsdedup.transforms.io.export import read_dataset
from newsdedup.transforms.io.filesystems import LOCAL_FILES, FileAccess

# Shown for a figure only the runner's counters know, on a runner without metrics.
NOT_REPORTED = "unknown (the runner reports no metrics)"


@dataclass(frozen=True)
class OutputTotals:
    """What the output holds after a run that added to earlier ones."""

    articles: int
    rejects: int
    near_duplicate_groups: int
    stories: int
    multi_article_stories: int
    languages: dict[str, int] = field(default_factory=dict)


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
    # For a run into an output of earlier runs: the stories this run started and
    # the earlier ones it added to, and what the output holds now (None: a first
    # run, whose output is what it added).
    new_stories: int = 0
    grown_stories: int = 0
    totals: OutputTotals | None = None
    # Deferred links of a stream that still wait (see newsdedup.transforms.core.decide.clustering).
    pending_links: int = 0
    # False when the runner reported no metrics: records_read, exact_redeliveries
    # and known_rejects are then 0 and shown as unknown.
    metrics_reported: bool = True

    def _tables(self) -> str:
        if "://" in self.output:  # an object store: readers follow the manifest
            return f"{self.output} (newsdedup export {self.output} --table ...)"
        return f"{self.output}/{{articles,stories,rejects,story_merges}}"

    def render(self) -> str:
        if self.totals is None:
            lines = self._first_run_lines()
        else:
            lines = ["this run", *self._added_lines(), "output now", *_total_lines(self.totals)]
        return "\n".join(
            [
                *lines,
                f"wall time             {self.wall_seconds:.1f} s",
                f"output                {self._tables()}",
            ]
        )

    def _record_lines(self) -> list[str]:
        reasons = ", ".join(f"{reason} {count}" for reason, count in self.reject_reasons.items())
        reasons = f" ({reasons})" if reasons else ""
        if not self.metrics_reported:
            return [
                f"records read          {NOT_REPORTED}",
                f"articles written      {self.articles}",
                f"rejected              {self.rejected}{reasons}",
                f"exact re-deliveries   {NOT_REPORTED}",
                f"exact duplicates      {self.exact_duplicates}",
            ]
        return [
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
        ]

    def _first_run_lines(self) -> list[str]:
        return [
            *self._record_lines(),
            f"near-duplicate groups {self.near_duplicate_groups} (with 2+ articles)",
            f"stories               {self.stories} ({self.multi_article_stories} with 2+ articles)",
            *([f"story merges          {self.story_merges}"] if self.story_merges else []),
            f"languages             {_languages(self.languages)}",
        ]

    def _added_lines(self) -> list[str]:
        return [
            "  " + line
            for line in [
                *self._record_lines(),
                f"near-duplicate groups {self.near_duplicate_groups} with new articles",
                f"stories               {self.new_stories} new,"
                f" {self.grown_stories} earlier ones with new articles",
                *([f"story merges          {self.story_merges}"] if self.story_merges else []),
                f"languages             {_languages(self.languages)}",
            ]
        ]


def _languages(languages: dict[str, int]) -> str:
    return ", ".join(f"{lang} {count}" for lang, count in languages.items()) or "-"


def _total_lines(totals: OutputTotals) -> list[str]:
    return [
        f"  articles              {totals.articles}",
        f"  rejects               {totals.rejects}",
        f"  near-duplicate groups {totals.near_duplicate_groups} (with 2+ articles)",
        f"  stories               {totals.stories}"
        f" ({totals.multi_article_stories} with 2+ articles)",
        f"  languages             {_languages(totals.languages)}",
    ]


def _by_count(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _multi(sizes: Counter[str]) -> int:
    return sum(1 for size in sizes.values() if size > 1)


def summarize(
    staged: Mapping[str, list[str]],
    output: str,
    records_read: int | None,
    exact_redeliveries: int | None,
    known_rejects: int | None,
    wall_seconds: float,
    previous: Mapping[str, list[str]] | None = None,
    files: FileAccess = LOCAL_FILES,
    pending_links: int | None = 0,
) -> RunSummary:
    """This run's figures from the files it wrote (`staged`: the paths of each
    dataset's), before the commit adds the files of earlier runs; with the files
    of the earlier runs (`previous`), also what the output holds after the commit.
    The counters are None when the runner reports no metrics."""
    articles = read_dataset(
        "articles",
        staged["articles"],
        ["language", "dup_group_id", "story_id", "exact_duplicate_of", "pending_story_id"],
        files,
    )
    stories = read_dataset(
        "stories", staged["stories"], ["story_id", "article_count", "merged_into"], files
    )
    stories = stories.filter(pc.is_null(stories.column("merged_into")))
    merges = read_dataset("story_merges", staged["story_merges"], ["story_id"], files).num_rows
    reasons = Counter(
        read_dataset("rejects", staged["rejects"], ["reason"], files).column("reason").to_pylist()
    )
    group_sizes = Counter(articles.column("dup_group_id").to_pylist())
    multi_stories = int(pc.sum(pc.greater(stories.column("article_count"), 1)).as_py() or 0)
    summary = RunSummary(
        output=output,
        records_read=records_read or 0,
        articles=articles.num_rows,
        rejected=sum(reasons.values()),
        exact_redeliveries=exact_redeliveries or 0,
        known_rejects=known_rejects or 0,
        exact_duplicates=articles.num_rows - articles.column("exact_duplicate_of").null_count,
        near_duplicate_groups=_multi(group_sizes),
        stories=stories.num_rows,
        multi_article_stories=multi_stories,
        story_merges=merges,
        # Without metrics: at least the links this run deferred.
        pending_links=(
            pending_links
            if pending_links is not None
            else articles.num_rows - articles.column("pending_story_id").null_count
        ),
        languages=_by_count(Counter(articles.column("language").to_pylist())),
        reject_reasons=_by_count(reasons),
        wall_seconds=wall_seconds,
        metrics_reported=None not in (records_read, exact_redeliveries, known_rejects),
    )
    if previous is None:
        return summary
    return _with_totals(summary, articles, previous, files)


def _with_totals(
    summary: RunSummary, new: pa.Table, previous: Mapping[str, list[str]], files: FileAccess
) -> RunSummary:
    """The summary of a run into an output of earlier runs: what it added, and the totals."""
    earlier = read_dataset("articles", previous["articles"], ["language", "dup_group_id"], files)
    earlier_stories = set(
        read_dataset("stories", previous["stories"], ["story_id"], files)
        .column("story_id")
        .to_pylist()
    )
    group_sizes = Counter(earlier.column("dup_group_id").to_pylist())
    group_sizes.update(new.column("dup_group_id").to_pylist())
    languages = Counter(earlier.column("language").to_pylist())
    languages.update(new.column("language").to_pylist())
    touched_stories = set(new.column("story_id").to_pylist())
    grown = len(touched_stories & earlier_stories)
    touched_groups = set(new.column("dup_group_id").to_pylist())
    totals = OutputTotals(
        articles=earlier.num_rows + new.num_rows,
        rejects=read_dataset("rejects", previous["rejects"], ["reason"], files).num_rows
        + summary.rejected,
        near_duplicate_groups=_multi(group_sizes),
        stories=summary.stories,
        multi_article_stories=summary.multi_article_stories,
        languages=_by_count(languages),
    )
    return replace(
        summary,
        near_duplicate_groups=sum(1 for g in touched_groups if group_sizes[g] > 1),
        new_stories=len(touched_stories) - grown,
        grown_stories=grown,
        totals=totals,
    )
