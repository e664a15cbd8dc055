"""Per-article analysis as a Beam transform."""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.records import AnalyzedArticle, InputArticle
from transforms.core.analysis import ArticleAnalyzer
from transforms.core.config import DedupConfig


class AnalyzeArticleFn(beam.DoFn):
    """Language, content hash, MinHash signature and fingerprints of each article.

    The language profiles and permutations are loaded in `setup()`, once per
    worker, not pickled with the DoFn.
    """

    def __init__(self, config: DedupConfig) -> None:
        self._config = config
        self._analyzer: ArticleAnalyzer | None = None
        self._fingerprints = Metrics.distribution("newsdedup", "fingerprints_per_article")

    def setup(self) -> None:
        self._analyzer = ArticleAnalyzer(self._config)

    def process(self, article: InputArticle) -> Iterator[AnalyzedArticle]:
        assert self._analyzer is not None, "setup() was not called"
        analyzed = self._analyzer.analyze(article)
        self._fingerprints.update(len(analyzed.sketch.fingerprints) // 8)
        yield analyzed


class AnalyzeArticles(beam.PTransform):
    def __init__(self, config: DedupConfig) -> None:
        super().__init__()
        self._config = config

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        return articles | "Analyze" >> beam.ParDo(AnalyzeArticleFn(self._config))
