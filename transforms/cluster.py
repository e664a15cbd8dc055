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
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from schemas.records import ArticleAssignment, ArticleSketch
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
PairKey = tuple[int, int]
PairCounts = tuple[int, int]  # (shared band keys, shared fingerprints)
ShardEntries = tuple[np.ndarray, np.ndarray]  # keys, owners


class ShardKeysFn(beam.DoFn):
    """A batch of sketches -> per (level, shard): key and owner arrays."""

    def __init__(self, config: DedupConfig) -> None:
        self._config = config
        self._bands = LshBands.for_threshold(
            config.dup_threshold, config.num_perm, config.lsh_bands
        )

    def process(
        self, batch: Sequence[ArticleSketch]
    ) -> Iterator[tuple[tuple[str, int], ShardEntries]]:
        levels = {
            DUP_LEVEL: [band_keys(signature_from_bytes(s.signature), self._bands) for s in batch],
            STORY_LEVEL: [np.frombuffer(s.fingerprints, dtype="<u8") for s in batch],
        }
        if self._config.entity_threshold < 1.0:
            levels[ENTITY_LEVEL] = [np.frombuffer(s.entities, dtype="<u8") for s in batch]
        for level, per_article in levels.items():
            keys = np.concatenate(per_article).astype(np.uint64)
            counts = [len(k) for k in per_article]
            owners = np.repeat(np.array([s.article_key for s in batch], dtype=np.int64), counts)
            shards = split_by_shard(keys, self._config.candidate_shards, owners)
            for shard, (shard_keys, shard_owners) in shards.items():
                yield (level, shard), (shard_keys, shard_owners)


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
        keys = np.concatenate([k for k, _ in chunks])
        owners = np.concatenate([o for _, o in chunks])
        pairs = candidate_pairs(keys, owners, self._max_owners[level])
        if level == STORY_LEVEL:
            self._skipped.inc(pairs.skipped_keys)
        # Entity keys only make candidates; the verification compares the sets.
        counts_band, counts_fingerprints = level == DUP_LEVEL, level == STORY_LEVEL
        for left, right, shared in zip(
            pairs.left.tolist(), pairs.right.tolist(), pairs.shared.tolist(), strict=True
        ):
            yield (left, right), (shared * counts_band, shared * counts_fingerprints)


def add_counts(counts: Iterable[PairCounts]) -> PairCounts:
    dup, story = 0, 0
    for d, s in counts:
        dup += d
        story += s
    return dup, story


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
        for left, (_, shared), left_facts in joined["pairs"]:
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
    ) -> Iterator[tuple[int, ArticleAssignment]]:
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


class ClusterArticles(beam.PTransform):
    """ArticleSketch -> (article_key, ArticleAssignment)."""

    def __init__(self, config: DedupConfig) -> None:
        super().__init__()
        self._config = config

    def expand(self, sketches: beam.PCollection) -> beam.PCollection:
        config = self._config
        candidates = (
            sketches
            | "BatchSketches" >> beam.BatchElements(min_batch_size=64, max_batch_size=4096)
            | "ShardKeys" >> beam.ParDo(ShardKeysFn(config))
            | "GroupShards" >> beam.GroupByKey()
            | "PairsFromShards" >> beam.ParDo(PairsFromShardFn(config))
            | "AddPairCounts" >> beam.CombinePerKey(add_counts)
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
        nodes = sketches | "Nodes" >> beam.Map(
            lambda s: ClusterNode(
                s.article_key, s.article_id, s.published_ts, s.text_length, s.content_hash
            )
        )
        return (
            {
                "nodes": nodes | "NodesToOneKey" >> beam.Map(lambda n: (0, n)),
                "links": verified | "LinksToOneKey" >> beam.Map(lambda link: (0, link)),
            }
            | "GatherGraph" >> beam.CoGroupByKey()
            | "Cluster" >> beam.ParDo(ClusterFn(config))
        )
