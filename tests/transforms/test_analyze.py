"""AnalyzeArticles and its parts (transforms/analyze.py) in a TestPipeline, checked with
assert_that."""

from __future__ import annotations

import random
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.schemas.records import InputArticle, KnownArticle
from newsdedup.transforms.analyze import AnalyzeArticles
from newsdedup.transforms.cluster import ClusterArticles
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.clustering import stable_id
from newsdedup.transforms.core.signals.analysis import ArticleAnalyzer
from tests import textgen
from tests.beamgen import count_stories, input_article, nothing, unbatched


def test_analyze_articles_detects_language_and_signs(
    pipeline: beam.Pipeline, tmp_path: Path
) -> None:
    articles = [
        input_article(
            "de", "Die Bundesregierung hat am Dienstag in Berlin neue Regeln beschlossen."
        ),
        input_article(
            "en", "The government announced new rules for the harbour on Tuesday morning."
        ),
        input_article("tiny", "12 34"),
    ]
    batches, _ = {
        "articles": pipeline | beam.Create([articles[:2], articles[2:]]),
        "known": nothing(pipeline, "Known"),
    } | AnalyzeArticles(DedupConfig(), str(tmp_path))
    analyzed = batches | "Unbatch" >> beam.FlatMap(lambda batch: batch)

    assert_that(
        analyzed | beam.Map(lambda a: (a.article.article_id, a.sketch.language)),
        equal_to([("de", "de"), ("en", "en"), ("tiny", "und")]),
        label="Languages",
    )
    assert_that(
        analyzed | beam.Map(lambda a: len(a.sketch.signature)),
        equal_to([128 * 4] * 3),
        label="SignatureBytes",
    )


def _footer_pages(count: int) -> list[InputArticle]:
    footer = textgen.paragraph(random.Random(99), words=40)
    return [
        input_article(
            f"page{i}",
            textgen.text([textgen.paragraph(random.Random(i), words=80), footer]),
            url=f"https://www.example-site.test/news/{i}",
            language_hint="en",
        )
        for i in range(count)
    ]


def test_find_site_boilerplate_learns_the_footer(pipeline: beam.Pipeline) -> None:
    from newsdedup.transforms.analyze import (
        FindSiteBoilerplate,
        ShingleArticleFn,
        new_site_fingerprints,
    )
    from newsdedup.transforms.core.signals.daycounts import UNDATED

    config = DedupConfig()
    boilerplate = (
        pipeline
        | beam.Create([_footer_pages(2), _footer_pages(3)[2:]])
        | beam.ParDo(ShingleArticleFn(config))
        | beam.Map(new_site_fingerprints)
        | FindSiteBoilerplate(config)
    )

    def one_site_with_footer(dicts: list[dict]) -> None:  # type: ignore[type-arg]
        (found,) = dicts
        (counts,) = found.values()
        # The 40-word footer yields ~15 fingerprints, each on the three undated
        # pages; page text yields none.
        assert 5 <= len(counts.keys) <= 40
        assert counts.window(counts.keys, UNDATED, 0).tolist() == [3] * len(counts.keys)

    assert_that(boilerplate, one_site_with_footer)


def test_count_entities_counts_articles_per_lead_entity(pipeline: beam.Pipeline) -> None:
    from newsdedup.transforms.analyze import CountEntities, ShingleArticleFn
    from newsdedup.transforms.core.signals.entities import entity_hashes

    texts = [
        "On Monday the mayor of Zurich met Tanaka to talk about trade.",
        "Talks in Zurich: the mayor met Tanaka and Miller again.",
        "A quiet day in Vienna for everyone who lives there today.",
    ]
    articles = [InputArticle(article_id=f"e{i}", text=t) for i, t in enumerate(texts)]
    config = DedupConfig()
    frequencies = (
        pipeline
        | beam.Create([articles[:1], articles[1:]])
        | beam.ParDo(ShingleArticleFn(config))
        | beam.Map(lambda batch: [shingled.entities for shingled in batch])
        | CountEntities(config)
    )

    def counted(found: list) -> None:  # type: ignore[type-arg]
        (result,) = found
        assert result.article_count == 3
        repeated = dict(zip(result.hashes.tolist(), result.counts.tolist(), strict=True))
        assert repeated == {int(h): 2 for h in entity_hashes(["zurich", "tanaka"])}
        weights = result.weights(entity_hashes(["miller", "zurich"]))
        assert sorted(weights.tolist())[1] == 1.0 and sorted(weights.tolist())[0] < 1.0

    assert_that(frequencies, counted)


def test_site_footer_does_not_link_pages_of_that_site(
    pipeline: beam.Pipeline, tmp_path: Path
) -> None:
    analyzed, known = {
        "articles": pipeline | beam.Create([_footer_pages(3)]),
        "known": nothing(pipeline, "Known"),
    } | AnalyzeArticles(DedupConfig(), str(tmp_path))
    assignments = unbatched(
        (
            {"sketches": analyzed | beam.Map(lambda b: [a.sketch for a in b]), "known": known}
            | ClusterArticles(DedupConfig(), output_shards=1, spill_folder=str(tmp_path))
        ).assignments
    )
    assert_that(count_stories(assignments), equal_to([3]))


def test_a_footer_learnt_over_earlier_runs_links_no_new_page(
    pipeline: beam.Pipeline, tmp_path: Path
) -> None:
    """Two pages of a site written by an earlier run, one new: together more than
    max_site_articles, so the footer is boilerplate for all three, as in one run."""
    analyzer = ArticleAnalyzer(DedupConfig())
    pages = _footer_pages(3)
    known_pages = [
        KnownArticle(analyzer.analyze(page).sketch, f"dg_{i}", f"st_{i}", site_key=site)
        for i, page in enumerate(pages[:2])
        if (site := analyzer.shingle(page).site_key)
    ]
    known = pipeline | "Known" >> beam.Create(known_pages)
    analyzed, known_now = {
        "articles": pipeline | "New" >> beam.Create([pages[2:]]),
        "known": known,
    } | AnalyzeArticles(DedupConfig(), str(tmp_path))
    sketches = analyzed | beam.Map(lambda batch: [a.sketch for a in batch])
    assignments = unbatched(
        (
            {"sketches": sketches, "known": known_now}
            | ClusterArticles(DedupConfig(), output_shards=1, spill_folder=str(tmp_path))
        ).assignments
    )
    assert_that(
        assignments | beam.Map(lambda kv: kv[1].story_id), equal_to([stable_id("st", "page2")])
    )
    assert_that(
        known_now
        | beam.Map(lambda k: len(k.sketch.fingerprints) < len(known_pages[0].sketch.fingerprints)),
        equal_to([True, True]),
        label="KnownWithoutFooter",
    )


@pytest.fixture(autouse=True)
def _quiet_beam_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")
