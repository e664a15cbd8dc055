"""Per-article analysis as Beam transforms: shingle, learn site boilerplate, sign."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from schemas.records import AnalyzedArticle, InputArticle, ShingledArticle
from transforms.core.analysis import NO_BOILERPLATE, ArticleAnalyzer, sign_article
from transforms.core.candidates import site_boilerplate, split_by_shard
from transforms.core.config import DedupConfig
from transforms.core.signatures import SignatureBuilder

# Site key -> that site's boilerplate fingerprints, sorted.
Boilerplate = dict[int, np.ndarray]


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

    def process(self, article: InputArticle) -> Iterator[ShingledArticle]:
        assert self._analyzer is not None, "setup() was not called"
        yield self._analyzer.shingle(article)


class _ShardSiteFingerprintsFn(beam.DoFn):
    """A batch of (site, article, fingerprints) -> per shard: fingerprint, article, site arrays."""

    def __init__(self, shards: int) -> None:
        self._shards = shards

    def process(
        self, batch: Sequence[tuple[int, int, bytes]]
    ) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:
        per_article = [np.frombuffer(fps, dtype="<u8") for _, _, fps in batch]
        counts = [len(f) for f in per_article]
        keys = np.concatenate(per_article).astype(np.uint64)
        owners = np.repeat(np.array([owner for _, owner, _ in batch], dtype=np.int64), counts)
        sites = np.repeat(np.array([site for site, _, _ in batch], dtype=np.int64), counts)
        yield from split_by_shard(keys, self._shards, owners, sites).items()


class _BoilerplateOfShardFn(beam.DoFn):
    def __init__(self, max_site_articles: int) -> None:
        self._max_site_articles = max_site_articles
        self._found = Metrics.counter("newsdedup", "site_boilerplate_fingerprints")

    def process(
        self, element: tuple[int, Iterable[tuple[np.ndarray, ...]]]
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        _, parts = element
        chunks = list(parts)
        sites, keys = site_boilerplate(
            np.concatenate([c[0] for c in chunks]),
            np.concatenate([c[1] for c in chunks]),
            np.concatenate([c[2] for c in chunks]),
            self._max_site_articles,
        )
        self._found.inc(len(keys))
        if len(keys):
            yield sites, keys


class MergeBoilerplateFn(beam.CombineFn):
    """(site array, fingerprint array) parts -> {site: sorted fingerprints}."""

    def create_accumulator(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return []

    def add_input(
        self, accumulator: list[tuple[np.ndarray, np.ndarray]], part: tuple[np.ndarray, np.ndarray]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        accumulator.append(part)
        return accumulator

    def merge_accumulators(
        self, accumulators: Iterable[list[tuple[np.ndarray, np.ndarray]]]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        return [part for accumulator in accumulators for part in accumulator]

    def extract_output(self, accumulator: list[tuple[np.ndarray, np.ndarray]]) -> Boilerplate:
        if not accumulator:
            return {}
        sites = np.concatenate([s for s, _ in accumulator])
        keys = np.concatenate([k for _, k in accumulator])
        return {int(site): np.unique(keys[sites == site]) for site in np.unique(sites).tolist()}


class FindSiteBoilerplate(beam.PTransform):
    """Shingled articles -> one dict: site key -> the site's boilerplate fingerprints.

    A fingerprint is a site's boilerplate when more than `max_site_articles`
    articles of that site have it: navigation, newsletter boxes, cookie notices
    and footers repeat on every page, while text shared between outlets is not
    counted against any one of them. Only ids and fingerprints are shuffled.
    """

    def __init__(self, config: DedupConfig) -> None:
        super().__init__()
        self._config = config

    def expand(self, shingled: beam.PCollection) -> beam.PCollection:
        return (
            shingled
            | "KnownSites" >> beam.Filter(lambda s: s.site_key != 0)
            | "SiteFingerprints"
            >> beam.Map(lambda s: (s.site_key, s.article_key, s.raw_fingerprints + s.entities))
            | "BatchSiteFingerprints" >> beam.BatchElements(min_batch_size=64, max_batch_size=4096)
            | "ShardSiteFingerprints"
            >> beam.ParDo(_ShardSiteFingerprintsFn(self._config.candidate_shards))
            | "GroupSiteShards" >> beam.GroupByKey()
            | "BoilerplateOfShards"
            >> beam.ParDo(_BoilerplateOfShardFn(self._config.max_site_articles))
            | "MergeBoilerplate" >> beam.CombineGlobally(MergeBoilerplateFn())
        )


class SignArticleFn(beam.DoFn):
    """Signature and fingerprints of each article, its site's boilerplate removed.

    Only the MinHash permutations are built in `setup()`; signing needs no
    language profiles.
    """

    def __init__(self, config: DedupConfig) -> None:
        self._config = config
        self._signatures: SignatureBuilder | None = None
        self._fingerprints = Metrics.distribution("newsdedup", "fingerprints_per_article")

    def setup(self) -> None:
        self._signatures = SignatureBuilder(self._config.num_perm, self._config.minhash_seed)

    def process(self, shingled: ShingledArticle, boilerplate: Any) -> Iterator[AnalyzedArticle]:
        assert self._signatures is not None, "setup() was not called"
        analyzed = sign_article(
            shingled,
            self._signatures,
            self._config.anchor_window,
            boilerplate.get(shingled.site_key, NO_BOILERPLATE),
        )
        self._fingerprints.update(len(analyzed.sketch.fingerprints) // 8)
        yield analyzed


class AnalyzeArticles(beam.PTransform):
    """Articles -> analysed articles (language, signature, fingerprints)."""

    def __init__(self, config: DedupConfig) -> None:
        super().__init__()
        self._config = config

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        shingled = articles | "Shingle" >> beam.ParDo(ShingleArticleFn(self._config))
        boilerplate = shingled | "FindSiteBoilerplate" >> FindSiteBoilerplate(self._config)
        return shingled | "Sign" >> beam.ParDo(
            SignArticleFn(self._config), boilerplate=beam.pvalue.AsSingleton(boilerplate)
        )
