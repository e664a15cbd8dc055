"""Article, story and reject rows from analysed articles and their assignments."""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam

from schemas.records import AnalyzedArticle, ArticleAssignment
from transforms.core.rows import Row, RunContext, article_row, reject_row, story_member, story_row


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


class BuildStoryRows(beam.PTransform):
    """Article rows -> one row per story (only the members' metadata is shuffled)."""

    def __init__(self, run: RunContext) -> None:
        super().__init__()
        self._run = run

    def expand(self, article_rows: beam.PCollection) -> beam.PCollection:
        run = self._run
        return (
            article_rows
            | "StoryMembers" >> beam.Map(lambda row: (row["story_id"], story_member(row)))
            | "GroupByStory" >> beam.GroupByKey()
            | "StoryRows"
            >> beam.MapTuple(lambda story_id, members: story_row(story_id, members, run))
        )


class BuildRejectRows(beam.PTransform):
    def __init__(self, run: RunContext) -> None:
        super().__init__()
        self._run = run

    def expand(self, rejects: beam.PCollection) -> beam.PCollection:
        run = self._run
        return rejects | "RejectRows" >> beam.Map(lambda reject: reject_row(reject, run))
