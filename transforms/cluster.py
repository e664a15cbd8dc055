"""Near-duplicate groups and stories as Beam transforms.

Only ids, times, hashes and signatures travel here; article text never does.

1. Candidates: every article's LSH band keys (near-duplicates), passage
   fingerprints (stories) and, when entity links are on, lead entities are
   sharded by key; each shard is an inverted index that yields the pairs
   sharing keys, with counts.
2. Verification: each candidate pair is joined with both articles' facts
   (signature, fingerprint count, weighted entities, time) and kept if it passes.
3. Clustering: verified links and all nodes meet on one key, where union-find
   gives groups and ids (a few small tuples per article).

In an incremental run the articles of earlier runs within the horizon take part
as known articles: pairs of two known articles were decided before and are
dropped before verification.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from schemas.records import ArticleAssignment, ArticleSketch, KnownArticle
from transforms.core.candidates import candidate_pairs, split_by_shard
from transforms.core.clustering import (
    DUP_LINK,
    ENTITY_LINK,
    STORY_LINK,
    ClusterNode,
    PairFacts,
    classify_pair,
    cluster,
)
from transforms.core.config import DedupConfig
from transforms.core.signatures import (
    LshBands,
    band_keys,
    signature_from_bytes,
)

DUP_LEVEL = DUP_LINK
STORY_LEVEL = STORY_LINK
ENTITY_LEVEL = ENTITY_LINK
LEVELS = (DUP_LEVEL, STORY_LEVEL, ENTITY_LEVEL)  # the order of PairCounts
PairKey = tuple[int, int]
PairCounts = tuple[int, int, int]  # shared band keys, fingerprints, lead entities
ShardEntries = tuple[np.ndarray, np.ndarray, np.ndarray]  # keys, owners, owner is known
MarkedSketch = tuple[ArticleSketch, bool]  # (sketch, written by an earlier run)
STORY_MERGES_TAG = "story_merges"


class ShardKeysFn(beam.DoFn):
    """A batch of sketches -> per (level, shard): key and owner arrays."""

    def __init__(self, config: DedupConfig) -> None:
        self._config = config
        self._bands = LshBands.for_threshold(
            config.dup_threshold, config.num_perm, config.lsh_bands
        )

    def process(
        self, batch: Sequence[MarkedSketch]
    ) -> Iterator[tuple[tuple[str, int], ShardEntries]]:
        sketches = [sketch for sketch, _ in batch]
        levels = {
            DUP_LEVEL: [
                band_keys(signature_from_bytes(s.signature), self._bands) for s in sketches
            ],
            STORY_LEVEL: [np.frombuffer(s.fingerprints, dtype="<u8") for s in sketches],
        }
        if self._config.entity_threshold < 1.0:
            levels[ENTITY_LEVEL] = [np.frombuffer(s.entities, dtype="<u8") for s in sketches]
        article_keys = np.array([s.article_key for s in sketches], dtype=np.int64)
        known = np.array([is_known for _, is_known in batch], dtype=bool)
        for level, per_article in levels.items():
            keys = np.concatenate(per_article).astype(np.uint64)
            counts = [len(k) for k in per_article]
            owners = np.repeat(article_keys, counts)
            owner_known = np.repeat(known, counts)
            shards = split_by_shard(keys, self._config.candidate_shards, owners, owner_known)
            for shard, (shard_keys, shard_owners, shard_known) in shards.items():
                yield (level, shard), (shard_keys, shard_owners, shard_known)


class PairsFromShardFn(beam.DoFn):
    """One shard's inverted index -> candidate pairs with shared-key counts."""

    def __init__(self, config: DedupConfig) -> None:
        self._max_owners = {
            DUP_LEVEL: config.max_band_articles,
            STORY_LEVEL: config.max_key_articles,
            ENTITY_LEVEL: config.max_key_articles,
        }
        self._skipped = Metrics.counter("newsdedup", "boilerplate_keys_skipped")

    def process(
        self, element: tuple[tuple[str, int], Iterable[ShardEntries]]
    ) -> Iterator[tuple[PairKey, PairCounts]]:
        (level, _shard), parts = element
        chunks = list(parts)
        keys = np.concatenate([k for k, _, _ in chunks])
        owners = np.concatenate([o for _, o, _ in chunks])
        known_owners = np.unique(np.concatenate([o[known] for _, o, known in chunks]))
        pairs = candidate_pairs(keys, owners, self._max_owners[level])
        if level == STORY_LEVEL:
            self._skipped.inc(pairs.skipped_keys)
        # Two known articles were compared by the run that wrote them.
        new = ~(np.isin(pairs.left, known_owners) & np.isin(pairs.right, known_owners))
        position = LEVELS.index(level)
        for left, right, shared in zip(
            pairs.left[new].tolist(),
            pairs.right[new].tolist(),
            pairs.shared[new].tolist(),
            strict=True,
        ):
            counts = [0, 0, 0]
            counts[position] = shared
            yield (left, right), (counts[0], counts[1], counts[2])


def add_counts(counts: Iterable[PairCounts]) -> PairCounts:
    dup, story, entity = 0, 0, 0
    for d, s, e in counts:
        dup += d
        story += s
        entity += e
    return dup, story, entity


def min_entity_keys(config: DedupConfig) -> int:
    """The fewest shared lead entities an entity link can have: every entity
    weighs at most 1, so `entity_min_weight` needs at least that many."""
    return max(config.entity_min_shared, math.ceil(config.entity_min_weight), 1)


def worth_verifying(counts: PairCounts, entity_keys_needed: int) -> bool:
    """A pair that shares no band key and no passage, and too few lead entities
    for an entity link, can be no link at all: it is dropped before the joins."""
    dup, story, entity = counts
    return dup > 0 or story > 0 or entity >= entity_keys_needed


def _facts_of(sketch: ArticleSketch) -> tuple[int, PairFacts]:
    return sketch.article_key, PairFacts.of(sketch)


def _attach_left(element: tuple[int, dict[str, list[Any]]]) -> Iterator[tuple[int, Any]]:
    left, joined = element
    if not joined["facts"]:
        return
    facts = joined["facts"][0]
    for right, counts in joined["pairs"]:
        yield right, (left, counts, facts)


class VerifyPairsFn(beam.DoFn):
    """Candidate pair with both articles' facts -> verified links."""

    def __init__(self, config: DedupConfig) -> None:
        self._config = config
        self._links = {
            level: Metrics.counter("newsdedup", f"{level}_links")
            for level in (DUP_LEVEL, STORY_LEVEL, ENTITY_LEVEL)
        }

    def process(
        self, element: tuple[int, dict[str, list[Any]]]
    ) -> Iterator[tuple[str, int, int, float]]:
        right, joined = element
        if not joined["facts"]:
            return
        right_facts = joined["facts"][0]
        for left, (_, shared, _), left_facts in joined["pairs"]:
            # Any candidate, from band keys or fingerprints, may be a near-duplicate.
            link = classify_pair(shared, left_facts, right_facts, self._config)
            if link is not None:
                kind, score = link
                self._links[kind].inc()
                yield kind, left, right, score


class ClusterFn(beam.DoFn):
    """All nodes and links of the run -> one assignment per article."""

    def __init__(self, config: DedupConfig) -> None:
        self._config = config
        self._dup_groups = Metrics.counter("newsdedup", "dup_groups")
        self._stories = Metrics.counter("newsdedup", "stories")

    def process(
        self, element: tuple[int, dict[str, list[Any]]]
    ) -> Iterator[tuple[int, ArticleAssignment] | TaggedOutput]:
        _, joined = element
        links = joined["links"]
        result = cluster(
            joined["nodes"],
            dup_links=[(a, b) for level, a, b, _ in links if level == DUP_LEVEL],
            story_links=[(a, b, score) for level, a, b, score in links if level != DUP_LEVEL],
            min_link_density=self._config.story_link_density,
        )
        self._dup_groups.inc(result.dup_group_count)
        self._stories.inc(result.story_count)
        yield from sorted(result.assignments.items())
        for merge in result.story_merges:
            yield TaggedOutput(STORY_MERGES_TAG, merge)


def _node_of(sketch: ArticleSketch, known: KnownArticle | None = None) -> ClusterNode:
    return ClusterNode(
        sketch.article_key,
        sketch.article_id,
        sketch.published_ts,
        sketch.text_length,
        sketch.content_hash,
        dup_group_id=known.dup_group_id if known else None,
        story_id=known.story_id if known else None,
    )


class ClusterArticles(beam.PTransform):
    """ArticleSketch -> (article_key, ArticleAssignment) for every new article
    (main output) and (story_id, merged_into) for known stories that new
    evidence joined (`story_merges`). `known` holds the KnownArticles of earlier
    runs within the horizon."""

    def __init__(self, config: DedupConfig, known: beam.PCollection) -> None:
        super().__init__()
        self._config = config
        self._known = known

    def expand(self, new_sketches: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        config = self._config
        marked = (
            new_sketches | "MarkNew" >> beam.Map(lambda s: (s, False)),
            self._known | "MarkKnown" >> beam.Map(lambda k: (k.sketch, True)),
        ) | "AllSketches" >> beam.Flatten()
        sketches = marked | "Sketches" >> beam.Map(lambda marked_sketch: marked_sketch[0])
        candidates = (
            marked
            | "BatchSketches" >> beam.BatchElements(min_batch_size=64, max_batch_size=4096)
            | "ShardKeys" >> beam.ParDo(ShardKeysFn(config))
            | "GroupShards" >> beam.GroupByKey()
            | "PairsFromShards" >> beam.ParDo(PairsFromShardFn(config))
            | "AddPairCounts" >> beam.CombinePerKey(add_counts)
            | "WorthVerifying"
            >> beam.Filter(
                lambda kv, needed: worth_verifying(kv[1], needed), min_entity_keys(config)
            )
        )
        facts = sketches | "FactsByArticle" >> beam.Map(_facts_of)
        links = (
            {
                "pairs": candidates
                | "KeyByLeft" >> beam.Map(lambda kv: (kv[0][0], (kv[0][1], kv[1]))),
                "facts": facts,
            }
            | "JoinLeftFacts" >> beam.CoGroupByKey()
            | "AttachLeftFacts" >> beam.FlatMap(_attach_left)
        )
        verified = (
            {"pairs": links, "facts": facts}
            | "JoinRightFacts" >> beam.CoGroupByKey()
            | "VerifyPairs" >> beam.ParDo(VerifyPairsFn(config))
        )
        nodes = (
            new_sketches | "NewNodes" >> beam.Map(_node_of),
            self._known | "KnownNodes" >> beam.Map(lambda k: _node_of(k.sketch, k)),
        ) | "AllNodes" >> beam.Flatten()
        return (
            {
                "nodes": nodes | "NodesToOneKey" >> beam.Map(lambda n: (0, n)),
                "links": verified | "LinksToOneKey" >> beam.Map(lambda link: (0, link)),
            }
            | "GatherGraph" >> beam.CoGroupByKey()
            | "Cluster"
            >> beam.ParDo(ClusterFn(config)).with_outputs(STORY_MERGES_TAG, main="assignments")
        )
