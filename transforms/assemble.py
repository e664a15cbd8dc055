"""Article, story and reject rows from analysed articles and their assignments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.records import AnalyzedArticle, ArticleAssignment
from transforms.core.rows import (
    Row,
    RunContext,
    article_row,
    reject_row,
    story_member,
    story_merge_row,
    story_row,
)
from transforms.core.state import (
    REJECT_KEY_COLUMNS,
    STORY_MEMBER_COLUMNS,
    carried_story_row,
    reject_key,
    story_root,
)
from transforms.state import ReadParquetRows


class _ArticleRowFn(beam.DoFn):
    def __init__(self, run: RunContext) -> None:
        self._run = run

    def process(
        self, analyzed: AnalyzedArticle, assignments: dict[int, ArticleAssignment]
    ) -> Iterator[Row]:
        yield article_row(analyzed, assignments[analyzed.sketch.article_key], self._run)


class AssembleArticleRows(beam.PTransform):
    """Analysed articles + assignments (a side input of ids, no text) -> article rows.

    The text-bearing collection is never shuffled to meet its assignment: the
    assignments are small and travel to it instead.
    """

    def __init__(self, assignments: beam.PCollection, run: RunContext) -> None:
        super().__init__()
        self._assignments = assignments
        self._run = run

    def expand(self, analyzed: beam.PCollection) -> beam.PCollection:
        return analyzed | "ArticleRows" >> beam.ParDo(
            _ArticleRowFn(self._run), assignments=beam.pvalue.AsDict(self._assignments)
        )


def _as_keys(pcoll: beam.PCollection, label: str) -> beam.PCollection:
    return pcoll | label >> beam.Map(lambda key: (key, True))


class BuildStoryRows(beam.PTransform):
    """This run's article rows -> the whole stories table after this run.

    A story that gained articles is rebuilt from all its members: this run's
    rows, and the member columns (no text) of earlier articles of it and of the
    stories merged into it. Other earlier story rows are carried over, with
    `merged_into` updated where this run merged their story.
    """

    def __init__(
        self,
        run: RunContext,
        earlier_stories: beam.PCollection,
        merges: beam.PCollection,
        earlier_article_files: beam.PCollection,
    ) -> None:
        super().__init__()
        self._run = run
        self._earlier_stories = earlier_stories
        self._merges = merges
        self._earlier_article_files = earlier_article_files

    def expand(self, article_rows: beam.PCollection) -> beam.PCollection:
        run = self._run
        new_members = article_rows | "StoryMembers" >> beam.Map(
            lambda row: (row["story_id"], story_member(row))
        )
        touched = beam.pvalue.AsDict(
            _as_keys(
                new_members
                | "TouchedStories" >> beam.Keys()
                | "DistinctStories" >> beam.Distinct(),
                "TouchedAsKeys",
            )
        )
        merges = beam.pvalue.AsDict(self._merges)

        def earlier_member_story(row: Row, merges: dict, touched: dict) -> Iterator:
            root = story_root(row["story_id"], row["merged_into"], merges)
            if root in touched:
                yield row["story_id"], root

        member_stories = self._earlier_stories | "EarlierMemberStories" >> beam.FlatMap(
            earlier_member_story, merges=merges, touched=touched
        )
        earlier_members = (
            self._earlier_article_files
            | "ReadEarlierMembers"
            >> ReadParquetRows(STORY_MEMBER_COLUMNS, only_where=("story_id", member_stories))
            | "KeyByRoot"
            >> beam.Map(
                lambda row, roots: (roots[row["story_id"]], story_member(row)),
                roots=beam.pvalue.AsDict(member_stories),
            )
        )
        rebuilt = (
            (new_members, earlier_members)
            | "AllMembers" >> beam.Flatten()
            | "GroupByStory" >> beam.GroupByKey()
            | "StoryRows"
            >> beam.MapTuple(lambda story_id, members: story_row(story_id, members, run))
        )

        def carried(row: Row, merges: dict, touched: dict) -> Iterator[Row]:
            if row["story_id"] not in touched:
                yield carried_story_row(row, merges)

        unchanged = self._earlier_stories | "CarryStories" >> beam.FlatMap(
            carried, merges=merges, touched=touched
        )
        return (rebuilt, unchanged) | "AllStoryRows" >> beam.Flatten()


class BuildRejectRows(beam.PTransform):
    def __init__(self, run: RunContext) -> None:
        super().__init__()
        self._run = run

    def expand(self, rejects: beam.PCollection) -> beam.PCollection:
        run = self._run
        return rejects | "RejectRows" >> beam.Map(lambda reject: reject_row(reject, run))


KNOWN_REJECTS_COUNTER = "rejects_already_written"


def _only_new_rejects(element: tuple[Any, dict[str, Any]]) -> Iterator[Row]:
    _, joined = element
    new = list(joined["new"])
    if list(joined["earlier"]):
        Metrics.counter("newsdedup", KNOWN_REJECTS_COUNTER).inc(len(new))
    else:
        yield from new


class DropKnownRejects(beam.PTransform):
    """Reject rows -> those OUT does not hold yet, so a second run of the same
    input adds no rejects either."""

    def __init__(self, earlier_reject_files: list[str]) -> None:
        super().__init__()
        self._earlier_reject_files = earlier_reject_files

    def expand(self, reject_rows: beam.PCollection) -> beam.PCollection:
        earlier = (
            reject_rows.pipeline
            | "EarlierRejectFiles" >> beam.Create(self._earlier_reject_files)
            | "ReadEarlierRejects" >> ReadParquetRows(REJECT_KEY_COLUMNS)
            | "EarlierRejectKeys" >> beam.Map(lambda row: (reject_key(row), True))
        )
        return (
            {
                "new": reject_rows | "KeyRejects" >> beam.Map(lambda row: (reject_key(row), row)),
                "earlier": earlier,
            }
            | "JoinEarlierRejects" >> beam.CoGroupByKey()
            | "OnlyNewRejects" >> beam.FlatMap(_only_new_rejects)
        )


class BuildStoryMergeRows(beam.PTransform):
    def __init__(self, run: RunContext) -> None:
        super().__init__()
        self._run = run

    def expand(self, merges: beam.PCollection) -> beam.PCollection:
        run = self._run
        return merges | "StoryMergeRows" >> beam.MapTuple(
            lambda story_id, merged_into: story_merge_row(story_id, merged_into, run)
        )
