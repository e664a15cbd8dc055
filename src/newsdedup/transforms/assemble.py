"""Article, story and reject rows from analysed articles and their assignments;
the articles files written where their rows meet."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.typehints.decorators import no_annotations

from newsdedup.schemas.parquet import ARTICLES_PARTITION_COLUMN
from newsdedup.schemas.records import AnalyzedArticle
from newsdedup.transforms.core.decide.state import (
    REJECT_KEY_COLUMNS,
    STORY_MEMBER_COLUMNS,
    carried_story_row,
    reject_key,
    story_root,
)
from newsdedup.transforms.core.formats.rows import (
    FileKey,
    Row,
    RunContext,
    StoryMember,
    article_file_key,
    article_row,
    article_sort_key,
    reject_row,
    story_member,
    story_merge_row,
    story_row,
)
from newsdedup.transforms.io.filesystems import LOCAL_FILES, FileAccess
from newsdedup.transforms.io.state import ReadParquetRows
from newsdedup.transforms.io.write import partition_path, write_parquet
from newsdedup.transforms.runtime.shards import GroupInShards
from newsdedup.transforms.runtime.spill import SpilledCoGroupByKey, SpilledGroupFn

# The story members of one articles file, or of one earlier article: (story id, member).
MemberList = list[tuple[str, StoryMember]]


def articles_by_file(
    batch: Iterable[AnalyzedArticle], shards: int
) -> Iterator[tuple[FileKey, list[AnalyzedArticle]]]:
    """A batch of analysed articles -> (file key, the batch's articles of that
    articles file), one per file the batch has articles of."""
    by_file: dict[FileKey, list[AnalyzedArticle]] = {}
    for analyzed in batch:
        key = article_file_key(analyzed.article.article_id, analyzed.sketch.published_ts, shards)
        by_file.setdefault(key, []).append(analyzed)
    yield from sorted(by_file.items())


class _WriteArticleFileFn(SpilledGroupFn):
    """One articles file: its analysed articles and their assignments -> the
    Parquet file (rows sorted by id), and the story members of its rows."""

    def __init__(
        self, root: str, schema: pa.Schema, file_prefix: str, run: RunContext, files: FileAccess
    ) -> None:
        super().__init__(files)
        self._root = root
        self._schema = schema
        self._file_prefix = file_prefix
        self._run = run

    def process_group(
        self, key: FileKey, records: dict[str, Iterator[Any]]
    ) -> Iterator[MemberList]:
        partition, shard = key
        assignments = dict(records["assignments"])
        rows = sorted(
            (
                article_row(analyzed, assignments[analyzed.sketch.article_key], self._run)
                for analyzed in records["articles"]
            ),
            key=article_sort_key,
        )
        if not rows:
            return
        folder = partition_path(self._root, ARTICLES_PARTITION_COLUMN, partition)
        write_parquet(
            FileSystems.join(folder, f"{self._file_prefix}-{shard:05d}.parquet"),
            rows,
            self._schema,
            self._files,
        )
        yield [(row["story_id"], story_member(row)) for row in rows]


class WriteArticles(beam.PTransform):
    """{"articles": lists of analysed articles, "assignments": their assignments
    (lists per articles file, from ClusterArticles; no text)} -> Parquet files
    under `root`, partitioned by
    publication date, `shards` files per date; returns the story members of the
    written rows, one MemberList per articles file.

    The articles and assignments meet in a SpilledCoGroupByKey through
    `spill_folder` (see newsdedup.transforms.runtime.spill): the shuffle that
    gathers each file's rows carries only where they lie.
    """

    def __init__(
        self,
        run: RunContext,
        root: str,
        schema: pa.Schema,
        file_prefix: str,
        shards: int,
        spill_folder: str,
        files: FileAccess = LOCAL_FILES,
    ) -> None:
        super().__init__()
        self._spill_folder = spill_folder
        self._files = files
        self._run = run
        self._root = root
        self._schema = schema
        self._file_prefix = file_prefix
        self._shards = shards

    @no_annotations  # a dict or NamedTuple of PCollections: no element type for Beam
    def expand(self, inputs: dict[str, beam.PCollection]) -> beam.PCollection:
        return (
            {
                "articles": inputs["articles"]
                | "ArticlesByFile" >> beam.FlatMap(articles_by_file, self._shards),
                "assignments": inputs["assignments"],
            }
            | "JoinAssignments" >> SpilledCoGroupByKey(self._spill_folder, self._files)
            | "WriteArticleFiles"
            >> beam.ParDo(
                _WriteArticleFileFn(
                    self._root, self._schema, self._file_prefix, self._run, self._files
                )
            )
        )


def _story_ids(members: MemberList) -> set[str]:
    return {story_id for story_id, _ in members}


def _story_rows(by_story: dict[str, list[StoryMember]], run: RunContext) -> Iterator[Row]:
    for story_id in sorted(by_story):
        yield story_row(story_id, by_story[story_id], run)


class BuildStoryRows(beam.PTransform):
    """{"new_members": this run's story members (MemberLists from
    WriteArticles), "earlier_stories": the stories table's rows before this run,
    "merges": (story_id, merged_into) of this run, "earlier_article_files": the
    articles files of earlier runs} -> the whole stories table after this run.

    A story that gained articles is rebuilt from all its members: this run's
    rows, and the member columns (no text) of earlier articles of it and of the
    stories merged into it. Other earlier story rows are carried over, with
    `merged_into` updated where this run merged their story.
    """

    def __init__(self, run: RunContext, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__()
        self._files = files
        self._run = run

    @no_annotations  # a dict or NamedTuple of PCollections: no element type for Beam
    def expand(self, inputs: dict[str, beam.PCollection]) -> beam.PCollection:
        run, new_members, earlier_stories = (
            self._run,
            inputs["new_members"],
            inputs["earlier_stories"],
        )
        touched = beam.pvalue.AsSingleton(
            new_members
            | "TouchedStories" >> beam.Map(_story_ids)
            | "AllTouchedStories" >> beam.CombineGlobally(lambda parts: set().union(*parts))
        )
        merges = beam.pvalue.AsDict(inputs["merges"])

        def earlier_member_story(row: Row, merges: dict, touched: set[str]) -> Iterator:
            root = story_root(row["story_id"], row["merged_into"], merges)
            if root in touched:
                yield row["story_id"], root

        member_stories = earlier_stories | "EarlierMemberStories" >> beam.FlatMap(
            earlier_member_story, merges=merges, touched=touched
        )
        earlier_members = (
            inputs["earlier_article_files"]
            | "ReadEarlierMembers"
            >> ReadParquetRows(
                STORY_MEMBER_COLUMNS,
                only_where=("story_id", beam.pvalue.AsDict(member_stories)),
                files=self._files,
            )
            | "EarlierMembers"
            >> beam.Map(
                lambda row, roots: [(roots[row["story_id"]], story_member(row))],
                roots=beam.pvalue.AsDict(member_stories),
            )
        )
        rebuilt = (
            (new_members, earlier_members)
            | "AllMembers" >> beam.Flatten()
            | "MembersByStory" >> GroupInShards()
            | "StoryRows" >> beam.FlatMap(_story_rows, run)
        )

        def carried(row: Row, merges: dict, touched: set[str]) -> Iterator[Row]:
            if row["story_id"] not in touched:
                yield carried_story_row(row, merges)

        unchanged = earlier_stories | "CarryStories" >> beam.FlatMap(
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

    def __init__(self, earlier_reject_files: list[str], files: FileAccess = LOCAL_FILES) -> None:
        super().__init__()
        self._files = files
        self._earlier_reject_files = earlier_reject_files

    def expand(self, reject_rows: beam.PCollection) -> beam.PCollection:
        earlier = (
            reject_rows.pipeline
            | "EarlierRejectFiles" >> beam.Create(self._earlier_reject_files)
            | "ReadEarlierRejects" >> ReadParquetRows(REJECT_KEY_COLUMNS, files=self._files)
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
