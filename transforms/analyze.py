"""Per-article analysis as Beam transforms: shingle, learn boilerplate and
entity frequencies, sign."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from schemas.records import (
    InputArticle,
    KnownArticle,
    RecordBatch,
    ShingledArticle,
)
from transforms import batches  # noqa: F401 - registers the coder of RecordBatch
from transforms.core.analysis import ArticleAnalyzer, sign_article, weigh_entities
from transforms.core.boilerplate import (
    BoilerplateRule,
    Postings,
    passage_boilerplate,
    shard_postings,
)
from transforms.core.candidates import split_by_shard
from transforms.core.config import DedupConfig
from transforms.core.entities import EntityFrequencies
from transforms.core.signatures import SignatureBuilder
from transforms.spill import SpillBatchesFn, SpilledBatch, read_spilled


class ShingleArticleFn(beam.DoFn):
    """Language, content hash and shingles of each article.

    The language profiles are loaded in `setup()`, once per
    worker, not pickled with the DoFn.
    """

    def __init__(self, config: DedupConfig) -> None:
        self._config = config
        self._analyzer: ArticleAnalyzer | None = None

    def setup(self) -> None:
        self._analyzer = ArticleAnalyzer(self._config)

    def process(self, batch: Sequence[InputArticle]) -> Iterator[RecordBatch]:
        assert self._analyzer is not None, "setup() was not called"
        yield RecordBatch(self._analyzer.shingle(article) for article in batch)


class _ShardPassageKeysFn(beam.DoFn):
    """A batch of shingled articles -> per key shard: (keys, owners, text), each
    article's distinct passage fingerprints (text True) and lead entities with its
    article key. Only keys travel, never text."""

    def __init__(self, shards: int) -> None:
        self._shards = shards

    def process(
        self, batch: Sequence[ShingledArticle]
    ) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:
        keys, owners, text = [], [], []
        for shingled in batch:
            fingerprints = article_passage_keys(shingled)
            entities = np.setdiff1d(
                np.frombuffer(shingled.entities, dtype="<u8").astype(np.uint64), fingerprints
            )
            keys += [fingerprints, entities]
            owners.append(np.full(len(fingerprints) + len(entities), shingled.article_key))
            text += [np.ones(len(fingerprints), bool), np.zeros(len(entities), bool)]
        if keys:
            yield from split_by_shard(
                np.concatenate(keys),
                self._shards,
                np.concatenate(owners).astype(np.int64),
                np.concatenate(text),
            ).items()


def article_passage_keys(shingled: ShingledArticle) -> np.ndarray:
    """An article's passage fingerprints (sorted, distinct): what a passage's size
    and its coverage of an article are counted in."""
    return np.frombuffer(shingled.raw_fingerprints, dtype="<u8").astype(np.uint64)


def _postings_of_shard(element: tuple[int, Iterable[tuple[np.ndarray, ...]]]) -> Postings:
    _, parts = element
    keys, owners, text = (np.concatenate(column) for column in zip(*parts, strict=True))
    return shard_postings(keys, owners, text)


ArrayParts = list[tuple[np.ndarray, np.ndarray]]


class _CollectArrayPartsFn(beam.CombineFn):
    """Collects (array, array) parts; subclasses merge them in extract_output."""

    def create_accumulator(self) -> ArrayParts:
        return []

    def add_input(self, accumulator: ArrayParts, part: tuple[np.ndarray, np.ndarray]) -> ArrayParts:
        accumulator.append(part)
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[ArrayParts]) -> ArrayParts:
        return [part for accumulator in accumulators for part in accumulator]


class MergeSizesFn(_CollectArrayPartsFn):
    """(article keys, key counts) parts -> both sorted by article key."""

    def extract_output(self, accumulator: ArrayParts) -> tuple[np.ndarray, np.ndarray]:
        if not accumulator:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        owners = np.concatenate([o for o, _ in accumulator])
        order = np.argsort(owners, kind="stable")
        return owners[order], np.concatenate([s for _, s in accumulator])[order]


class MergePostingsFn(beam.CombineFn):
    """The postings of the key shards -> one Postings."""

    def create_accumulator(self) -> list[Postings]:
        return []

    def add_input(self, accumulator: list[Postings], part: Postings) -> list[Postings]:
        accumulator.append(part)
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[list[Postings]]) -> list[Postings]:
        return [part for accumulator in accumulators for part in accumulator]

    def extract_output(self, accumulator: list[Postings]) -> Postings:
        return Postings.merge(accumulator)


def _sizes_of_batch(batch: Sequence[ShingledArticle]) -> tuple[np.ndarray, np.ndarray]:
    owners = np.array([s.article_key for s in batch], dtype=np.int64)
    sizes = np.array([len(article_passage_keys(s)) for s in batch], dtype=np.int64)
    return owners, sizes


class _DecideBoilerplateFn(beam.DoFn):
    def __init__(self, rule: BoilerplateRule) -> None:
        self._rule = rule
        self._found = Metrics.counter("newsdedup", "boilerplate_keys")

    def process(
        self, postings: Postings, sizes: tuple[np.ndarray, np.ndarray]
    ) -> Iterator[np.ndarray]:
        keys = passage_boilerplate(postings, sizes[0], sizes[1], self._rule)
        self._found.inc(len(keys))
        yield keys


class FindBoilerplate(beam.PTransform):
    """Shingled articles -> one sorted array: the keys (passage fingerprints, lead
    entities) that are boilerplate (see transforms.core.boilerplate): passages
    repeated on articles that share nothing else, found from the texts alone,
    whatever `source` or `url` says. Only keys are shuffled, sharded by key."""

    def __init__(self, config: DedupConfig) -> None:
        super().__init__()
        self._config = config

    def expand(self, shingled: beam.PCollection) -> beam.PCollection:
        sizes = (
            shingled
            | "PassageKeyCounts" >> beam.Map(_sizes_of_batch)
            | "MergeKeyCounts" >> beam.CombineGlobally(MergeSizesFn())
        )
        return (
            shingled
            | "ShardPassageKeys" >> beam.ParDo(_ShardPassageKeysFn(self._config.candidate_shards))
            | "GroupPassageShards" >> beam.GroupByKey()
            | "PostingsOfShards" >> beam.Map(_postings_of_shard)
            | "MergePostings" >> beam.CombineGlobally(MergePostingsFn())
            | "DecideBoilerplate"
            >> beam.ParDo(
                _DecideBoilerplateFn(BoilerplateRule(self._config.max_site_articles)),
                sizes=beam.pvalue.AsSingleton(sizes),
            )
        )


class _ShardEntityCountsFn(beam.DoFn):
    """A batch of entity sets -> per shard: distinct entity hashes and their counts."""

    def __init__(self, shards: int) -> None:
        self._shards = shards

    def process(self, batch: Sequence[bytes]) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:
        if not batch:
            return
        hashes = np.concatenate([np.frombuffer(e, dtype="<u8") for e in batch]).astype(np.uint64)
        distinct, counts = np.unique(hashes, return_counts=True)
        yield from split_by_shard(distinct, self._shards, counts).items()


def _repeated_entities(
    element: tuple[int, Iterable[tuple[np.ndarray, np.ndarray]]],
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One shard's partial counts -> its entities found in two or more articles."""
    _, parts = element
    chunks = list(parts)
    hashes, counts = EntityFrequencies.count(
        np.concatenate([h for h, _ in chunks]), np.concatenate([c for _, c in chunks])
    )
    repeated = counts >= 2
    if repeated.any():
        yield hashes[repeated], counts[repeated]


class MergeEntityCountsFn(_CollectArrayPartsFn):
    """(hashes, counts) parts of disjoint shards -> one pair of arrays sorted by hash."""

    def extract_output(self, accumulator: ArrayParts) -> tuple[np.ndarray, np.ndarray]:
        if not accumulator:
            return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
        hashes = np.concatenate([h for h, _ in accumulator])
        order = np.argsort(hashes, kind="stable")
        return hashes[order], np.concatenate([c for _, c in accumulator])[order]


class CountEntities(beam.PTransform):
    """Lists of lead entity sets (bytes, one per article) -> one EntityFrequencies: in how
    many articles each lead entity occurs, so that rare names weigh more than
    common ones.

    Only entity hashes are shuffled, sharded by hash; entities found in a single
    article are dropped before the global merge.
    """

    def __init__(self, config: DedupConfig) -> None:
        super().__init__()
        self._config = config

    def expand(self, entity_sets: beam.PCollection) -> beam.PCollection:
        article_count = (
            entity_sets
            | "ArticlesPerBatch" >> beam.Map(len)
            | "CountArticles" >> beam.CombineGlobally(sum)
        )
        return (
            entity_sets
            | "ShardEntityCounts" >> beam.ParDo(_ShardEntityCountsFn(self._config.candidate_shards))
            | "GroupEntityShards" >> beam.GroupByKey()
            | "RepeatedEntities" >> beam.FlatMap(_repeated_entities)
            | "MergeEntityCounts" >> beam.CombineGlobally(MergeEntityCountsFn())
            | "EntityFrequencies"
            >> beam.Map(
                lambda counted, n, most: EntityFrequencies(counted[0], counted[1], n, most),
                n=beam.pvalue.AsSingleton(article_count),
                most=self._config.max_key_articles,
            )
        )


class SignArticleFn(beam.DoFn):
    """Signature and fingerprints of each article of a spilled batch of shingled
    articles, its boilerplate removed.

    Only the MinHash permutations are built in `setup()`; signing needs no
    language profiles.
    """

    def __init__(self, config: DedupConfig) -> None:
        self._config = config
        self._signatures: SignatureBuilder | None = None
        self._fingerprints = Metrics.distribution("newsdedup", "fingerprints_per_article")

    def setup(self) -> None:
        self._signatures = SignatureBuilder(self._config.num_perm, self._config.minhash_seed)

    def process(
        self,
        spilled: SpilledBatch,
        boilerplate: np.ndarray,
        entity_frequencies: EntityFrequencies,
    ) -> Iterator[RecordBatch]:
        assert self._signatures is not None, "setup() was not called"
        batch: Sequence[ShingledArticle] = read_spilled(spilled)
        analyzed = [
            sign_article(
                shingled,
                self._signatures,
                self._config,
                boilerplate,
                entity_frequencies,
            )
            for shingled in batch
        ]
        for article in analyzed:
            self._fingerprints.update(len(article.sketch.fingerprints) // 8)
        yield RecordBatch(analyzed)


def _weigh_known(known: KnownArticle, frequencies: EntityFrequencies) -> KnownArticle:
    return replace(known, sketch=weigh_entities(known.sketch, frequencies))


class AnalyzeArticles(beam.PTransform):
    """Lists of articles -> lists of analysed articles (language, signature,
    fingerprints), and the
    known articles of earlier runs with their lead entities weighted by the same
    frequencies: entities are counted over new and known articles alike, as one
    run over all of them would.

    Shingled articles wait for the site boilerplate and entity weights spilled
    to files in `spill_folder` (see transforms.spill).
    """

    def __init__(self, config: DedupConfig, known: beam.PCollection, spill_folder: str) -> None:
        super().__init__()
        self._config = config
        self._known = known
        self._spill_folder = spill_folder

    def expand(self, articles: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        shingled = articles | "Shingle" >> beam.ParDo(
            ShingleArticleFn(self._config)
        ).with_output_types(RecordBatch)
        boilerplate = shingled | "FindBoilerplate" >> FindBoilerplate(self._config)
        entity_sets = (
            shingled | "NewEntities" >> beam.Map(lambda batch: [s.entities for s in batch]),
            self._known
            | "KnownEntities" >> beam.Map(lambda k: k.sketch.entities)
            | "BatchKnownEntities" >> beam.BatchElements(min_batch_size=64, max_batch_size=4096),
        ) | "AllEntities" >> beam.Flatten()
        entity_frequencies = beam.pvalue.AsSingleton(
            entity_sets | "CountEntities" >> CountEntities(self._config)
        )
        analyzed = (
            shingled | "SpillShingled" >> beam.ParDo(SpillBatchesFn(self._spill_folder))
        ) | "Sign" >> beam.ParDo(
            SignArticleFn(self._config),
            boilerplate=beam.pvalue.AsSingleton(boilerplate),
            entity_frequencies=entity_frequencies,
        ).with_output_types(RecordBatch)
        known = self._known | "WeighKnownEntities" >> beam.Map(
            _weigh_known, frequencies=entity_frequencies
        )
        return analyzed, known
