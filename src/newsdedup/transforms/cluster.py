"""Near-duplicate groups and stories as Beam transforms.

Only ids, times, hashes and signatures travel here; article text never does.

1. Candidates: every article's LSH band keys (near-duplicates), passage
   fingerprints (stories) and, when entity links are on, lead entities are
   sharded by key; each shard is an inverted index that yields the pairs
   sharing keys, with counts.
2. Verification: the pairs are resharded by their left article, their counts
   summed over levels and shards, and pairs that can be no link dropped; the
   rest meet the facts (signature, fingerprint count, weighted entities, time)
   of their left articles' shard, then of their right articles' shard (one of
   `verify_shards`, fewer than the candidate shards: a left article's facts
   are copied to every shard with one of its partners), and are decided in
   bulk (newsdedup.transforms.core.decide.facts). Pairs travel as arrays per shard, never one
   element per pair; facts as FactsTables. Every shuffle here is a
   SpilledGroupByKey or SpilledCoGroupByKey (newsdedup.transforms.runtime.spill):
   runners move only where the arrays lie.
3. Clustering: verified links and all nodes meet in one element (GatherAll), where union-find
   gives groups and ids (a few small tuples per article).

In an incremental run the articles of earlier runs within the horizon take part
as known articles: pairs of two known articles were decided before and are
dropped before verification.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
import numpy.typing as npt
from apache_beam.metrics import Metrics
from apache_beam.typehints.decorators import no_annotations

from newsdedup.schemas.records import ArticleSketch, KnownArticle, RecordBatch
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.candidates import (
    PairEvidence,
    add_pair_evidence,
    candidate_pairs,
    split_by_shard,
)
from newsdedup.transforms.core.decide.clustering import (
    DUP_LINK,
    ENTITY_LINK,
    STORY_LINK,
    ClusterNode,
    PairFacts,
    cluster,
)
from newsdedup.transforms.core.decide.facts import LINK_KINDS, FactsTable, classify_pairs
from newsdedup.transforms.core.decide.keysets import in_sorted
from newsdedup.transforms.core.formats.rows import FileKey, article_file_key
from newsdedup.transforms.core.signals import registry
from newsdedup.transforms.io.filesystems import LOCAL_FILES, FileAccess
from newsdedup.transforms.runtime.batches import RECORD_BATCH, BatchRecords, PerRecord
from newsdedup.transforms.runtime.routing import Routed, SplitRoutes
from newsdedup.transforms.runtime.shards import GatherAll
from newsdedup.transforms.runtime.spill import (
    GatherSpilled,
    SpilledCoGroupByKey,
    SpilledGroupByKey,
    SpilledGroupFn,
)

DUP_LEVEL = DUP_LINK
STORY_LEVEL = STORY_LINK
ENTITY_LEVEL = ENTITY_LINK
ShardEntries = tuple[np.ndarray, np.ndarray, np.ndarray]  # keys, owners, owner is known
# A sketch, with the known article when an earlier run wrote it.
MarkedSketch = tuple[ArticleSketch, KnownArticle | None]
# Candidate pairs of one right shard: left keys, right keys, shared fingerprints,
# and the facts of their left articles.
LeftFactsPairs = tuple[np.ndarray, np.ndarray, np.ndarray, FactsTable]
Link = tuple[str, int, int, float]  # kind, left key, right key, score
KEYS_TAG = "keys"
ASSIGNMENTS_TAG = "assignments"
STORY_MERGES_TAG = "story_merges"
FACTS_TAG = "facts"
VERIFY_FACTS_TAG = "verify_facts"
# Deferred links that still wait after a run (see core.decide.clustering.cluster).
PENDING_LINKS_COUNTER = "pending_links"


# Sketches indexed at once by ShardKeysFn: a few MB of signatures and fingerprints.
INDEXED_SKETCHES = 4096


class ShardKeysFn(beam.DoFn):
    """A batch of sketches -> per (level, shard): key and owner arrays
    (`keys`), and the facts verification needs per candidate shard of article
    keys (`facts`, for the left articles) and per verification shard
    (`verify_facts`, for the right ones); each as (shard, [arrays or table]).

    Each batch is indexed as it comes, INDEXED_SKETCHES sketches at a time;
    batches come gathered to that size (`GatherSpilled`), so nothing waits for
    `finish_bundle`, whose outputs Beam's DaskRunner drops."""

    def __init__(self, config: DedupConfig) -> None:
        self._config = config

    def process(self, batch: Sequence[MarkedSketch]) -> Iterator[Routed]:
        # Indexed in large batches: each batch spills one part per shard and level,
        # so small batches made many small parts to write, group and read again.
        for start in range(0, len(batch), INDEXED_SKETCHES):
            yield from self._index(batch[start : start + INDEXED_SKETCHES])

    def _index(self, batch: Sequence[MarkedSketch]) -> Iterator[Routed]:
        sketches = [sketch for sketch, _ in batch]
        shards = self._config.candidate_shards
        facts = FactsTable.of(
            ((sketch.article_key, PairFacts.of(sketch)) for sketch in sketches),
            self._config.num_perm,
        )
        for tag, tag_shards in (
            (FACTS_TAG, shards),
            (VERIFY_FACTS_TAG, self._config.verify_shards),
        ):
            article_shards = facts.keys % tag_shards
            for shard in np.unique(article_shards).tolist():
                table = facts.take(facts.keys[article_shards == shard])
                yield Routed(tag, (shard, [table]))
        levels = {
            signal.level: [signal.candidate_keys(signal.value(s), self._config) for s in sketches]
            for signal in registry.SIGNALS
            if signal.proposes_candidates(self._config)
        }
        article_keys = np.array([s.article_key for s in sketches], dtype=np.int64)
        known = np.array([k is not None for _, k in batch], dtype=bool)
        for level, per_article in levels.items():
            keys = np.concatenate(per_article).astype(np.uint64)
            counts = [len(k) for k in per_article]
            owners = np.repeat(article_keys, counts)
            owner_known = np.repeat(known, counts)
            for shard, (shard_keys, shard_owners, shard_known) in split_by_shard(
                keys, shards, owners, owner_known
            ).items():
                yield Routed(KEYS_TAG, ((level, shard), [(shard_keys, shard_owners, shard_known)]))


# Candidate pairs of one level: the level's index in the candidate levels (the
# columns of PairEvidence.counts: newsdedup.transforms.core.signals.registry), left and right
# article keys, and how many of the level's keys each pair shares.
LevelPairs = tuple[int, np.ndarray, np.ndarray, np.ndarray]


class PairsFromShardFn(SpilledGroupFn):
    """One shard's inverted index -> candidate pairs with shared-key counts,
    sharded by their left article (LevelPairs: 20 bytes a pair)."""

    def __init__(self, config: DedupConfig, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__(files)
        self._shards = config.candidate_shards
        self._config = config
        self._max_owners = {
            DUP_LEVEL: config.max_band_articles,
            STORY_LEVEL: config.max_key_articles,
            ENTITY_LEVEL: config.max_key_articles,
        }
        self._skipped = Metrics.counter("newsdedup", "boilerplate_keys_skipped")

    def process_group(
        self, key: tuple[str, int], records: Iterable[ShardEntries]
    ) -> Iterator[tuple[int, list[LevelPairs]]]:
        level, _shard = key
        chunks = list(records)
        keys = np.concatenate([k for k, _, _ in chunks])
        owners = np.concatenate([o for _, o, _ in chunks])
        known_owners = np.unique(np.concatenate([o[known] for _, o, known in chunks]))
        pairs = candidate_pairs(
            keys, owners, self._max_owners.get(level, self._config.max_key_articles)
        )
        if level == STORY_LEVEL:
            self._skipped.inc(pairs.skipped_keys)
        # Two known articles were compared by the run that wrote them.
        new = ~(in_sorted(pairs.left, known_owners) & in_sorted(pairs.right, known_owners))
        level_index = registry.candidate_levels().index(level)
        for shard, (left, right, shared) in split_by_shard(
            pairs.left[new].astype(np.uint64),
            self._shards,
            pairs.right[new],
            pairs.shared[new].astype(np.int32),
        ).items():
            yield shard, [(level_index, left.astype(np.int64), right, shared)]


def pair_evidence(parts: Iterable[LevelPairs]) -> PairEvidence:
    """Candidate pairs of several levels -> one row per pair with its counts per level."""
    rows = []
    level_count = len(registry.candidate_levels())
    for level_index, left, right, shared in parts:
        counts = np.zeros((len(left), level_count), dtype=np.int64)
        counts[:, level_index] = shared
        rows.append(PairEvidence(left, right, counts))
    return add_pair_evidence(PairEvidence.concatenate(rows, level_count))


def min_entity_keys(config: DedupConfig) -> int:
    """The fewest shared lead entities an entity link can have: every entity
    weighs at most 1, so `entity_min_weight` needs at least that many."""
    return max(config.entity_min_shared, math.ceil(config.entity_min_weight), 1)


def worth_verifying(
    counts: npt.NDArray[np.int64], entity_keys_needed: int
) -> npt.NDArray[np.bool_]:
    """Which pairs (rows of shared band keys, fingerprints, lead entities, then
    keys of other signals) can be a link: a pair that shares no band key, no
    passage, too few lead entities for an entity link and no other signal's key
    is dropped before the joins."""
    return (
        (counts[:, 0] > 0)
        | (counts[:, 1] > 0)
        | (counts[:, 2] >= entity_keys_needed)
        | (counts[:, 3:] > 0).any(axis=1)
    )


class AttachLeftFactsFn(SpilledGroupFn):
    """One shard of left articles: their candidate pairs, counts summed, and
    their facts -> the pairs worth verifying with the left facts attached,
    in `verify_shards` shards of their right article."""

    def __init__(self, config: DedupConfig, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__(files)
        self._shards = config.verify_shards
        self._num_perm = config.num_perm
        self._entity_keys_needed = min_entity_keys(config)
        self._candidates = Metrics.counter("newsdedup", "candidate_pairs")

    def process_group(
        self, key: int, records: dict[str, Iterator[Any]]
    ) -> Iterator[tuple[int, list[LeftFactsPairs]]]:
        facts = FactsTable.concatenate(list(records["facts"]), self._num_perm)
        evidence = pair_evidence(records["pairs"])
        evidence = evidence.select(worth_verifying(evidence.counts, self._entity_keys_needed))
        self._candidates.inc(len(evidence))
        for shard, (right, left, shared) in split_by_shard(
            evidence.right.astype(np.uint64),
            self._shards,
            evidence.left,
            evidence.counts[:, registry.candidate_levels().index(STORY_LEVEL)],
        ).items():
            yield shard, [(left, right.astype(np.int64), shared, facts.take(left))]


class VerifyPairsFn(SpilledGroupFn):
    """One shard of right articles: candidate pairs with the left facts, and the
    right facts -> one batch of verified links."""

    def __init__(self, config: DedupConfig, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__(files)
        self._config = config
        self._links = {
            level: Metrics.counter("newsdedup", f"{level}_links")
            for level in (DUP_LEVEL, STORY_LEVEL, ENTITY_LEVEL)
        }

    def process_group(self, key: int, records: dict[str, Iterator[Any]]) -> Iterator[list[Link]]:
        right_facts = FactsTable.concatenate(list(records["facts"]), self._config.num_perm)
        links: list[Link] = []
        pairs: Iterator[LeftFactsPairs] = records["pairs"]
        for lefts, rights, shared_counts, left_facts in pairs:
            left_rows, right_rows = left_facts.positions(lefts), right_facts.positions(rights)
            known = (left_rows >= 0) & (right_rows >= 0)
            # Any candidate, from band keys or fingerprints, may be a near-duplicate.
            classified = classify_pairs(
                shared_counts[known],
                left_facts,
                left_rows[known],
                right_facts,
                right_rows[known],
                self._config,
            )
            pair_lefts = lefts[known][classified.pair_rows].tolist()
            pair_rights = rights[known][classified.pair_rows].tolist()
            for left, right, kind, score in zip(
                pair_lefts,
                pair_rights,
                classified.kinds.tolist(),
                classified.scores.tolist(),
                strict=True,
            ):
                links.append((LINK_KINDS[kind], left, right, score))
        for kind, counter in self._links.items():
            counter.inc(sum(1 for link in links if link[0] == kind))
        if links:
            yield links


class ClusterFn(beam.DoFn):
    """All nodes and links of the run -> the assignments of the new articles, in
    one list per articles file they are written to."""

    def __init__(
        self, config: DedupConfig, output_shards: int, stream_window_hours: float | None
    ) -> None:
        self._config = config
        self._output_shards = output_shards
        self._stream_window_hours = stream_window_hours
        self._dup_groups = Metrics.counter("newsdedup", "dup_groups")
        self._stories = Metrics.counter("newsdedup", "stories")
        self._pending = Metrics.counter("newsdedup", PENDING_LINKS_COUNTER)

    def process(self, joined: dict[str, list[Any]]) -> Iterator[Routed]:
        links = [link for batch in joined["links"] for link in batch]
        nodes = [node for batch in joined["nodes"] for node in batch]
        result = cluster(
            nodes,
            dup_links=[(a, b) for level, a, b, _ in links if level == DUP_LEVEL],
            story_links=[(a, b, score) for level, a, b, score in links if level == STORY_LEVEL],
            min_link_density=self._config.story_link_density,
            entity_links=[(a, b, score) for level, a, b, score in links if level == ENTITY_LEVEL],
            stream_window_hours=self._stream_window_hours,
        )
        self._dup_groups.inc(result.dup_group_count)
        self._stories.inc(result.story_count)
        self._pending.inc(result.pending_links)
        by_file: dict[FileKey, RecordBatch] = {}
        for node in nodes:
            assignment = result.assignments.get(node.article_key)
            if assignment is not None:
                key = article_file_key(node.article_id, node.published_ts, self._output_shards)
                by_file.setdefault(key, RecordBatch()).append((node.article_key, assignment))
        for assignments in sorted(by_file.items()):
            yield Routed(ASSIGNMENTS_TAG, assignments)
        for merge in result.story_merges:
            yield Routed(STORY_MERGES_TAG, merge)


def _marked_node(marked: MarkedSketch) -> ClusterNode:
    sketch, known = marked
    return ClusterNode(
        sketch.article_key,
        sketch.article_id,
        sketch.published_ts,
        sketch.text_length,
        sketch.content_hash,
        dup_group_id=known.dup_group_id if known else None,
        story_id=known.story_id if known else None,
        date_only=sketch.date_only,
        pending_story_id=known.pending_story_id if known else None,
    )


class ClusteredOutputs(NamedTuple):
    """What ClusterArticles makes."""

    # (file key, [(article_key, ArticleAssignment)]) per articles file
    assignments: beam.PCollection
    story_merges: beam.PCollection  # (story_id, merged_into)


class ClusterArticles(beam.PTransform):
    """{"sketches": lists of ArticleSketch, "known": the KnownArticles of
    earlier runs within the horizon} -> ClusteredOutputs: the new articles'
    assignments as (file key, [(article_key, ArticleAssignment)]) per articles
    file (see `article_file_key` with `output_shards`), and (story_id,
    merged_into) for known stories that new evidence joined. The keys of the
    candidate index are spilled to files in
    `spill_folder` (see newsdedup.transforms.runtime.spill). A micro-batch of a stream passes
    `stream_window_hours` (see newsdedup.transforms.core.decide.clustering.cluster)."""

    def __init__(
        self,
        config: DedupConfig,
        output_shards: int,
        spill_folder: str,
        files: FileAccess = LOCAL_FILES,
        stream_window_hours: float | None = None,
    ) -> None:
        super().__init__()
        self._config = config
        self._output_shards = output_shards
        self._spill_folder = spill_folder
        self._files = files
        self._stream_window_hours = stream_window_hours

    @no_annotations  # a dict or NamedTuple of PCollections: no element type for Beam
    def expand(self, inputs: dict[str, beam.PCollection]) -> ClusteredOutputs:
        config = self._config
        # New and known sketches are indexed apart, each in the stage that makes them:
        # a Flatten of the two would hold every sketch of the run between two stages.
        marked_by_origin = {
            "New": inputs["sketches"] | "MarkNew" >> PerRecord(lambda s: (s, None)),
            "Known": inputs["known"]
            | "MarkKnown" >> beam.Map(lambda k: (k.sketch, k))
            | "BatchKnown" >> BatchRecords(),
        }
        indexed = [
            marked
            | f"GatherSketches{origin}"
            >> GatherSpilled(INDEXED_SKETCHES, self._spill_folder, self._files)
            | f"ShardKeys{origin}" >> beam.ParDo(ShardKeysFn(config))
            | f"RouteShardKeys{origin}" >> SplitRoutes([KEYS_TAG, FACTS_TAG, VERIFY_FACTS_TAG])
            for origin, marked in marked_by_origin.items()
        ]
        # Each origin's keys and facts are parked where they are made, not flattened
        # first: a Flatten of the two would hold them all between stages.
        shard_keys = {
            output: tuple(outputs[output] for outputs in indexed)
            for output in (KEYS_TAG, FACTS_TAG, VERIFY_FACTS_TAG)
        }
        verified = self._verified_links(shard_keys)
        nodes = tuple(
            marked | f"Nodes{origin}" >> PerRecord(_marked_node)
            for origin, marked in marked_by_origin.items()
        ) | "AllNodes" >> beam.Flatten().with_output_types(RECORD_BATCH)
        clustered = (
            {"nodes": nodes, "links": verified}
            | "GatherGraph" >> GatherAll()
            | "Cluster"
            >> beam.ParDo(ClusterFn(config, self._output_shards, self._stream_window_hours))
            | "RouteClusters" >> SplitRoutes([ASSIGNMENTS_TAG, STORY_MERGES_TAG])
        )
        return ClusteredOutputs(clustered[ASSIGNMENTS_TAG], clustered[STORY_MERGES_TAG])

    def _verified_links(
        self, shard_keys: dict[str, tuple[beam.PCollection, ...]]
    ) -> beam.PCollection:
        """Candidate pairs from the index keys of each shard, joined with the facts
        of their left, then of their right articles, and decided."""
        config, folder, files = self._config, self._spill_folder, self._files
        pairs = (
            shard_keys[KEYS_TAG]
            | "GroupShards" >> SpilledGroupByKey(folder, files)
            | "PairsFromShards" >> beam.ParDo(PairsFromShardFn(config, files))
        )
        with_left_facts = (
            {"pairs": pairs, "facts": shard_keys[FACTS_TAG]}
            | "JoinLeftFacts" >> SpilledCoGroupByKey(folder, files)
            | "AttachLeftFacts" >> beam.ParDo(AttachLeftFactsFn(config, files))
        )
        return (
            {"pairs": with_left_facts, "facts": shard_keys[VERIFY_FACTS_TAG]}
            | "JoinRightFacts" >> SpilledCoGroupByKey(folder, files)
            | "VerifyPairs" >> beam.ParDo(VerifyPairsFn(config, files))
        )
