"""Per-article analysis as Beam transforms: shingle, learn site boilerplate and
entity frequencies, sign."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics
from apache_beam.typehints.decorators import no_annotations

from newsdedup.schemas.records import (
    InputArticle,
    KnownArticle,
    RecordBatch,
    ShingledArticle,
)
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.candidates import split_by_shard
from newsdedup.transforms.core.signals.analysis import (
    PAGE_HASH,
    ArticleAnalyzer,
    article_boilerplate,
    known_sketch,
    sign_article,
    site_count_hashes,
)
from newsdedup.transforms.core.signals.daycounts import (
    DayCounts,
    dated_keys,
    day_code,
    key_counts,
    keys_counted_over,
    undated,
)
from newsdedup.transforms.core.signals.entities import EntityFrequencies
from newsdedup.transforms.core.signals.signatures import SignatureBuilder
from newsdedup.transforms.core.signals.textboilerplate import (
    NOTHING_KNOWN,
    DayPassages,
    passages_by_day,
)
from newsdedup.transforms.io.filesystems import LOCAL_FILES, FileAccess
from newsdedup.transforms.runtime.batches import RECORD_BATCH, BatchRecords, PerRecord
from newsdedup.transforms.runtime.spill import ParkedBatchFn, ParkedParDo

# Site key -> how many of that site's articles of each day hold each fingerprint
# or entity found in more than max_site_articles of them (see article_boilerplate).
Boilerplate = dict[int, DayCounts]
# The fingerprints and lead entities of one article of a site, with its day.
SiteFingerprints = tuple[int, bytes, int]
# One article's key, day and passage fingerprints (as stored: sorted uint64 bytes).
ArticlePassages = tuple[int, int, bytes]
# Day code -> the boilerplate and wire passages for an article of that day.
TextPassages = dict[int, DayPassages]


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

    def __getstate__(self) -> dict[str, Any]:
        # What setup() built stays out: a DoFn may be pickled again after setup()
        # (Beam's DaskRunner ships a side input's graph from inside a task).
        return {**self.__dict__, "_analyzer": None}

    def process(self, batch: Sequence[InputArticle]) -> Iterator[RecordBatch]:
        assert self._analyzer is not None, "setup() was not called"
        yield RecordBatch(self._analyzer.shingle(article) for article in batch)


class _ShardSiteFingerprintsFn(beam.DoFn):
    """A batch of SiteFingerprints -> per site: (site shard, (site, the distinct
    count keys of each of its articles, one after the other)). Only keys travel:
    an article's site is its group's, and each article adds a key once."""

    def __init__(self, shards: int) -> None:
        self._shards = shards

    def process(
        self, batch: Sequence[SiteFingerprints]
    ) -> Iterator[tuple[int, tuple[int, np.ndarray]]]:
        by_site: dict[int, list[np.ndarray]] = {}
        for site, fingerprints, day in batch:
            hashes = site_count_hashes(fingerprints)
            by_site.setdefault(site, []).append(np.unique(dated_keys(hashes, day)))
        for site, article_keys in sorted(by_site.items()):
            yield site % self._shards, (site, np.concatenate(article_keys))


_PAGE_KEY = np.array([PAGE_HASH], dtype=np.uint64)


class _BoilerplateOfShardFn(beam.DoFn):
    """One shard's sites -> (site, count keys, counts) of the keys that more
    than `max_site_articles` articles of the site hold over all days: only
    those can be boilerplate on any day."""

    def __init__(self, max_site_articles: int) -> None:
        self._max_site_articles = max_site_articles
        self._found = Metrics.counter("newsdedup", "site_boilerplate_fingerprints")

    def process(
        self, element: tuple[int, Iterable[tuple[int, np.ndarray]]]
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        _, parts = element
        by_site: dict[int, list[np.ndarray]] = {}
        for site, keys in parts:
            by_site.setdefault(site, []).append(keys)
        for site, site_keys in sorted(by_site.items()):
            keys = np.concatenate(site_keys)
            kept, counts = keys_counted_over(
                *key_counts(keys, np.ones(len(keys))), least=self._max_site_articles
            )
            self._found.inc(len(np.setdiff1d(undated(kept), undated(_PAGE_KEY))))
            if len(kept):
                yield site, kept, counts


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


def _site_day_counts(parts: Iterable[tuple[int, np.ndarray, np.ndarray]]) -> Boilerplate:
    return {site: DayCounts.of(keys, counts) for site, keys, counts in parts}


class FindSiteBoilerplate(beam.PTransform):
    """Lists of SiteFingerprints (one per article of a known site) -> one
    Boilerplate dict: per site, the day counts of what may be its boilerplate.

    A fingerprint (or lead entity) is a site's boilerplate for an article when
    more than `max_site_articles` articles of that site in the days up to the
    article's have it (see newsdedup.transforms.core.signals.analysis.article_boilerplate):
    navigation, newsletter boxes, cookie notices, footers and the outlet's name
    repeat on every page, while text shared between outlets is not counted
    against any one of them. Only fingerprints are shuffled, grouped by site.
    """

    def __init__(self, config: DedupConfig) -> None:
        super().__init__()
        self._config = config

    def expand(self, site_fingerprints: beam.PCollection) -> beam.PCollection:
        return (
            site_fingerprints
            | "ShardSiteFingerprints"
            >> beam.ParDo(_ShardSiteFingerprintsFn(self._config.candidate_shards))
            | "GroupSiteShards" >> beam.GroupByKey()
            | "BoilerplateOfShards"
            >> beam.ParDo(_BoilerplateOfShardFn(self._config.max_site_articles))
            | "MergeBoilerplate" >> beam.CombineGlobally(beam.combiners.ToListCombineFn())
            | "SiteDayCounts" >> beam.Map(_site_day_counts)
        )


def _text_passages(parts: Iterable[list[ArticlePassages]], config: DedupConfig) -> TextPassages:
    articles = [
        (key, day, np.frombuffer(passages, dtype="<u8").astype(np.uint64))
        for part in parts
        for key, day, passages in part
    ]
    return passages_by_day(articles, config)


class FindTextPassages(beam.PTransform):
    """Lists of ArticlePassages (article key, day, passage fingerprints; one per
    article, known ones included) -> one TextPassages dict: per day, the passages
    that are boilerplate, and those that are wire text, for an article of that
    day whatever its source (see newsdedup.transforms.core.signals.textboilerplate).
    Only fingerprints travel."""

    def __init__(self, config: DedupConfig) -> None:
        super().__init__()
        self._config = config

    def expand(self, article_passages: beam.PCollection) -> beam.PCollection:
        return (
            article_passages
            # Not GatherAll: a run with no article must still give the side input one element.
            | "MergePassages" >> beam.CombineGlobally(beam.combiners.ToListCombineFn())
            | "TextPassagesByDay" >> beam.Map(_text_passages, config=self._config)
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
    element: tuple[int, Iterable[tuple[np.ndarray, ...]]],
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


class SignArticleFn(ParkedBatchFn):
    """Signature and fingerprints of each article of a batch of shingled
    articles, its site's boilerplate removed.

    Only the MinHash permutations are built in `setup()`; signing needs no
    language profiles.
    """

    def __init__(self, config: DedupConfig, files: FileAccess = LOCAL_FILES) -> None:
        super().__init__(files)
        self._config = config
        self._signatures: SignatureBuilder | None = None
        self._fingerprints = Metrics.distribution("newsdedup", "fingerprints_per_article")

    def setup(self) -> None:
        super().setup()
        self._signatures = SignatureBuilder(self._config.num_perm, self._config.minhash_seed)

    def process_records(
        self,
        batch: Sequence[ShingledArticle],
        boilerplate: Boilerplate,
        entity_frequencies: EntityFrequencies,
        text_passages: TextPassages,
    ) -> Iterator[RecordBatch]:
        assert self._signatures is not None, "setup() was not called"
        analyzed = []
        for shingled in batch:
            of_day = _of_day(text_passages, _published_ts(shingled))
            found = article_boilerplate(
                boilerplate.get(shingled.site_key),
                shingled.raw_fingerprints,
                shingled.entities,
                _published_ts(shingled),
                self._config,
                of_day,
            )
            analyzed.append(
                sign_article(
                    shingled,
                    self._signatures,
                    self._config,
                    found,
                    entity_frequencies,
                    of_day.furniture,
                )
            )
        for article in analyzed:
            self._fingerprints.update(len(article.sketch.fingerprints) // 8)
        yield RecordBatch(analyzed)


def _known_as_now(
    known: KnownArticle,
    boilerplate: Boilerplate,
    frequencies: EntityFrequencies,
    config: DedupConfig,
    text_passages: TextPassages,
) -> KnownArticle:
    sketch = known.sketch
    site_boilerplate = article_boilerplate(
        boilerplate.get(known.site_key),
        sketch.fingerprints,
        sketch.entities,
        sketch.published_ts,
        config,
        _of_day(text_passages, sketch.published_ts),
    )
    return replace(known, sketch=known_sketch(sketch, site_boilerplate, frequencies))


def _of_day(text_passages: TextPassages, published_ts: float | None) -> DayPassages:
    return text_passages.get(day_code(published_ts), NOTHING_KNOWN)


def _published_ts(shingled: ShingledArticle) -> float | None:
    published = shingled.article.published_at
    return published.timestamp() if published else None


def new_site_fingerprints(batch: Sequence[ShingledArticle]) -> list[SiteFingerprints]:
    """(site, fingerprints and entities, day) of each article of a known site."""
    return [
        (s.site_key, s.raw_fingerprints + s.entities, day_code(_published_ts(s)))
        for s in batch
        if s.site_key != 0
    ]


def new_article_passages(shingled: ShingledArticle) -> ArticlePassages:
    """(article key, day, passage fingerprints) of an article."""
    return (shingled.article_key, day_code(_published_ts(shingled)), shingled.raw_fingerprints)


def _known_article_passages(known: KnownArticle) -> ArticlePassages:
    sketch = known.sketch  # as stored: before boilerplate was taken out
    return (sketch.article_key, day_code(sketch.published_ts), sketch.fingerprints)


def _known_site_fingerprints(known: KnownArticle) -> list[SiteFingerprints]:
    if known.site_key == 0:
        return []
    sketch = known.sketch  # as stored: before boilerplate was taken out
    return [(known.site_key, sketch.fingerprints + sketch.entities, day_code(sketch.published_ts))]


class AnalyzedOutputs(NamedTuple):
    """What AnalyzeArticles makes."""

    analyzed: beam.PCollection  # lists of AnalyzedArticle
    known: beam.PCollection  # KnownArticle, as this run sees it


class AnalyzeArticles(beam.PTransform):
    """{"articles": lists of articles, "known": the KnownArticles of earlier
    runs} -> AnalyzedOutputs: lists of analysed articles (language, signature,
    fingerprints), and the known articles with their lead entities weighted by
    the same frequencies: entities are counted over new and known articles
    alike, as one run over all of them would.

    Shingled articles wait for the site boilerplate and entity weights spilled
    to files in `spill_folder` (see newsdedup.transforms.runtime.spill).
    """

    def __init__(
        self, config: DedupConfig, spill_folder: str, files: FileAccess = LOCAL_FILES
    ) -> None:
        super().__init__()
        self._config = config
        self._spill_folder = spill_folder
        self._files = files

    @no_annotations  # a dict or NamedTuple of PCollections: no element type for Beam
    def expand(self, inputs: dict[str, beam.PCollection]) -> AnalyzedOutputs:
        articles, known_before = inputs["articles"], inputs["known"]
        shingled = articles | "Shingle" >> beam.ParDo(
            ShingleArticleFn(self._config)
        ).with_output_types(RECORD_BATCH)
        # Learnt over the earlier runs' articles within the horizon too, as one run
        # over all of them would: a site's footer is found however runs are cut.
        site_fingerprints = (
            shingled | "NewSiteFingerprints" >> beam.Map(new_site_fingerprints),
            known_before
            | "KnownSiteFingerprints" >> beam.FlatMap(_known_site_fingerprints)
            | "BatchKnownSiteFingerprints" >> BatchRecords(),
        ) | "AllSiteFingerprints" >> beam.Flatten()
        boilerplate = beam.pvalue.AsSingleton(
            site_fingerprints | "FindSiteBoilerplate" >> FindSiteBoilerplate(self._config)
        )
        article_passages = (
            shingled | "NewArticlePassages" >> PerRecord(new_article_passages),
            known_before
            | "KnownArticlePassages" >> beam.Map(_known_article_passages)
            | "BatchKnownArticlePassages" >> BatchRecords(),
        ) | "AllArticlePassages" >> beam.Flatten()
        text_passages = beam.pvalue.AsSingleton(
            article_passages | "FindTextPassages" >> FindTextPassages(self._config)
        )
        entity_sets = (
            shingled | "NewEntities" >> PerRecord(lambda s: s.entities),
            known_before
            | "KnownEntities" >> beam.Map(lambda k: k.sketch.entities)
            | "BatchKnownEntities" >> BatchRecords(),
        ) | "AllEntities" >> beam.Flatten()
        entity_frequencies = beam.pvalue.AsSingleton(
            entity_sets | "CountEntities" >> CountEntities(self._config)
        )
        analyzed = shingled | "Sign" >> ParkedParDo(
            SignArticleFn(self._config, self._files),
            self._spill_folder,
            self._files,
            output_type=RECORD_BATCH,
            boilerplate=boilerplate,
            entity_frequencies=entity_frequencies,
            text_passages=text_passages,
        )
        known = known_before | "KnownAsNow" >> beam.Map(
            _known_as_now,
            boilerplate=boilerplate,
            frequencies=entity_frequencies,
            config=self._config,
            text_passages=text_passages,
        )
        return AnalyzedOutputs(analyzed, known)
