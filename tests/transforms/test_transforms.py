"""Each composite transform in a TestPipeline, checked with assert_that."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import apache_beam as beam
import numpy as np
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.util import assert_that, equal_to, is_not_empty

from newsdedup.schemas.parquet import ARTICLES_SCHEMA, REJECTS_SCHEMA
from newsdedup.schemas.records import InputArticle, KnownArticle, RejectReason
from newsdedup.transforms import cluster
from newsdedup.transforms.analyze import AnalyzeArticles
from newsdedup.transforms.assemble import (
    BuildRejectRows,
    BuildStoryRows,
    WriteArticles,
    articles_by_file,
)
from newsdedup.transforms.cluster import ClusterArticles
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.clustering import stable_id
from newsdedup.transforms.core.formats.rows import RunContext, article_file_key, reject_sort_key
from newsdedup.transforms.core.signals.analysis import ArticleAnalyzer
from newsdedup.transforms.core.signals.normalize import content_hash
from newsdedup.transforms.io.read import REJECTS_TAG, ReadArticles
from newsdedup.transforms.io.write import WriteParquetDataset
from newsdedup.transforms.redeliveries import DropRedeliveries
from tests import textgen

RUN = RunContext(datetime(2026, 1, 1, tzinfo=UTC), "test", "scheme")


def _article(article_id: str, text: str, **fields: object) -> InputArticle:
    return InputArticle(article_id=article_id, text=text, source_file="mem", line=1, **fields)  # type: ignore[arg-type]


def test_read_articles_splits_good_records_from_rejects(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    (tmp_path / "feed.jsonl").write_text(
        json.dumps({"id": "a1", "text": "Erster Text über den Hafen."}) + "\n"
        "{broken\n"
        "\n"
        + json.dumps({"id": "a2", "text": "   "})
        + "\n"
        + json.dumps({"id": "a3", "text": "Second text about the port."})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "story.txt").write_text(
        "A title\n\nThe body of a plain text story.\n", encoding="utf-8"
    )
    (tmp_path / "notes.docx").write_text("id,text\n", encoding="utf-8")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    paths = sorted(str(p) for p in tmp_path.iterdir())

    parsed = pipeline | ReadArticles(paths, max_record_bytes=1 << 20, batch_size=1)

    assert_that(
        parsed.articles | beam.Map(lambda batch: [a.article_id for a in batch]),
        equal_to([["a1"], ["a3"], ["story"]]),
        label="ArticleIds",
    )
    assert_that(
        parsed[REJECTS_TAG] | beam.Map(lambda r: (Path(r.source_file).name, r.line, r.reason)),
        equal_to(
            [
                ("feed.jsonl", 2, RejectReason.MALFORMED_JSON),
                ("feed.jsonl", 4, RejectReason.EMPTY_TEXT),
                ("notes.docx", None, RejectReason.UNSUPPORTED_FORMAT),
                ("empty.jsonl", None, RejectReason.EMPTY_FILE),
            ]
        ),
        label="Rejects",
    )


def nothing(pipeline: beam.Pipeline, label: str) -> beam.PCollection:
    """An empty input: what an incremental step reads from a new OUT."""
    return pipeline | label >> beam.Create([])


def test_written_articles_win_over_new_records_with_their_id(
    pipeline: beam.Pipeline, tmp_path: Path
) -> None:
    articles = [_article("same", "identical text"), _article("changed", "new version")]
    written = pipeline | "Written" >> beam.Create(
        [("same", content_hash("identical text")), ("changed", content_hash("old version"))]
    )
    result = {
        "articles": pipeline | beam.Create([articles]),
        "written": written,
    } | DropRedeliveries(str(tmp_path))
    assert_that(result.articles, equal_to([]), label="NothingNew")
    assert_that(
        result.rejects | beam.Map(lambda r: (r.reason, "earlier run" in r.detail)),
        equal_to([(RejectReason.ID_CONFLICT, True)]),
        label="Conflict",
    )


def test_drop_redeliveries_keeps_one_record_per_id(pipeline: beam.Pipeline, tmp_path: Path) -> None:
    articles = [
        _article("same", "identical text"),
        InputArticle("same", "identical text", source_file="other", line=7),
        _article("clash", "version one"),
        _article("clash", "version two"),
        _article("alone", "only once"),
    ]
    # Copies of one id in different lists meet all the same.
    batches = [articles[:1], articles[1:3], articles[3:]]
    result = {
        "articles": pipeline | beam.Create(batches),
        "written": nothing(pipeline, "Written"),
    } | DropRedeliveries(str(tmp_path))

    assert_that(
        result.articles | beam.FlatMap(lambda batch: [a.article_id for a in batch]),
        equal_to(["same", "clash", "alone"]),
        label="OnePerId",
    )
    assert_that(
        result.rejects | beam.Map(lambda r: (r.reason, r.excerpt)),
        # The kept version is chosen by content hash, not by arrival order.
        equal_to([(RejectReason.ID_CONFLICT, _losing_version("version one", "version two"))]),
        label="Conflicts",
    )


def _losing_version(*texts: str) -> str:
    from newsdedup.transforms.core.signals.normalize import content_hash

    return max(texts, key=content_hash)


def test_analyze_articles_detects_language_and_signs(
    pipeline: beam.Pipeline, tmp_path: Path
) -> None:
    articles = [
        _article("de", "Die Bundesregierung hat am Dienstag in Berlin neue Regeln beschlossen."),
        _article("en", "The government announced new rules for the harbour on Tuesday morning."),
        _article("tiny", "12 34"),
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


def _sketches(texts: dict[str, str]) -> list:  # type: ignore[type-arg]
    analyzer = ArticleAnalyzer(DedupConfig())
    return [analyzer.analyze(_article(k, v, language_hint="en")).sketch for k, v in texts.items()]


# 1: every batch is indexed as it comes; 4096: all at the end of the bundle.
@pytest.mark.parametrize("indexed_sketches", [1, 4096])
def test_cluster_articles_groups_reruns_and_partial_reuse(
    indexed_sketches: int,
    pipeline: beam.Pipeline,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cluster, "INDEXED_SKETCHES", indexed_sketches)
    agency = textgen.article(seed=1, paragraphs=6)
    texts = {
        "agency": textgen.text(agency),
        "rerun": textgen.text(textgen.edited(agency, seed=2)),
        # Own lead and ending around half of the agency paragraphs.
        "follow_up": textgen.text(textgen.article(3, 2) + agency[1:4] + textgen.article(4, 2)),
        "unrelated": textgen.text(textgen.article(5, 6)),
    }
    sketches = _sketches(texts)
    assignments = unbatched(
        (
            {
                "sketches": pipeline | beam.Create([sketches[:2], sketches[2:]]),
                "known": nothing(pipeline, "Known"),
            }
            | ClusterArticles(DedupConfig(), output_shards=2, spill_folder=str(tmp_path))
        ).assignments
    )

    def partition(pairs: list) -> None:  # type: ignore[type-arg]
        by_id = {a.article_id: a for _, a in pairs}
        assert by_id["agency"].dup_group_id == by_id["rerun"].dup_group_id
        assert by_id["follow_up"].dup_group_id != by_id["agency"].dup_group_id
        assert by_id["agency"].story_id == by_id["follow_up"].story_id == by_id["rerun"].story_id
        assert by_id["unrelated"].story_id != by_id["agency"].story_id
        assert [a.is_canonical for a in (by_id["agency"], by_id["rerun"])].count(True) == 1

    assert_that(assignments, partition)


def unbatched(assignments: beam.PCollection) -> beam.PCollection:
    """(file key, [(article key, assignment)]) lists -> (article key, assignment)."""
    return assignments | "Unbatch" >> beam.FlatMap(lambda keyed: keyed[1])


def count_stories(assignments: beam.PCollection) -> beam.PCollection:
    return (
        assignments
        | "StoryIds" >> beam.Map(lambda kv: kv[1].story_id)
        | "DistinctStories" >> beam.Distinct()
        | "CountStories" >> beam.combiners.Count.Globally()
    )


@pytest.mark.parametrize(("max_key_articles", "stories"), [(4, 6), (50, 1)])
def test_fingerprints_shared_by_too_many_articles_are_boilerplate(
    max_key_articles: int, stories: int, pipeline: beam.Pipeline, tmp_path: Path
) -> None:
    # Six different pages with one shared footer: a story link for every pair,
    # unless keys shared by more than `max_key_articles` pages are ignored.
    footer = textgen.paragraph(random.Random(99), words=40)
    texts = {
        f"page{i}": textgen.text([textgen.paragraph(random.Random(i), words=80), footer])
        for i in range(6)
    }
    config = DedupConfig(max_key_articles=max_key_articles)
    assignments = unbatched(
        (
            {
                "sketches": pipeline | beam.Create([_sketches(texts)]),
                "known": nothing(pipeline, "Known"),
            }
            | ClusterArticles(config, output_shards=1, spill_folder=str(tmp_path))
        ).assignments
    )

    assert_that(count_stories(assignments), equal_to([stories]))


def _footer_pages(count: int) -> list[InputArticle]:
    footer = textgen.paragraph(random.Random(99), words=40)
    return [
        _article(
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


def test_story_rows_summarise_members(tmp_path: Path, pipeline: beam.Pipeline) -> None:
    analyzer = ArticleAnalyzer(DedupConfig())
    early = datetime(2026, 3, 1, 8, tzinfo=UTC)
    late = datetime(2026, 3, 2, 8, tzinfo=UTC)
    analyzed = [
        analyzer.analyze(
            _article(
                "b",
                "Zweiter Bericht über den Hafen und die Kräne in Lissabon.",
                title="Zweiter",
                source="Blatt",
                published_at=late,
            )
        ),
        analyzer.analyze(
            _article(
                "a",
                "First report about the port and the cranes in Lisbon.",
                title="First",
                source="Herald",
                published_at=early,
            )
        ),
    ]
    from newsdedup.schemas.records import ArticleAssignment
    from newsdedup.transforms.core.signals.analysis import article_key

    assignments = [
        (
            article_file_key(a.article.article_id, a.sketch.published_ts, 2),
            [
                (
                    article_key(a.article.article_id),
                    ArticleAssignment(
                        a.article.article_id, f"dg_{a.article.article_id}", "st_1", True, None
                    ),
                )
            ],
        )
        for a in analyzed
    ]
    members = {
        "articles": pipeline | "Analyzed" >> beam.Create([analyzed]),
        "assignments": pipeline | "Assignments" >> beam.Create(assignments),
    } | WriteArticles(
        RUN,
        str(tmp_path / "articles"),
        ARTICLES_SCHEMA,
        "run",
        shards=2,
        spill_folder=str(tmp_path / "spill"),
    )
    stories = {
        "new_members": members,
        "earlier_stories": nothing(pipeline, "EarlierStories"),
        "merges": nothing(pipeline, "Merges"),
        "earlier_article_files": nothing(pipeline, "EarlierFiles"),
    } | BuildStoryRows(RUN)

    assert_that(
        stories
        | beam.Map(
            lambda s: (
                s["story_id"],
                s["article_ids"],
                s["languages"],
                s["sources"],
                s["first_published_at"],
                s["last_published_at"],
                s["headline"],
            )
        ),
        equal_to([("st_1", ["a", "b"], ["de", "en"], ["Blatt", "Herald"], early, late, "First")]),
    )


def test_write_parquet_dataset_writes_sorted_sharded_files(tmp_path: Path) -> None:
    from tests.conftest import TestPipeline

    rows = [
        {
            "source_file": "f",
            "line": n,
            "reason": "empty_text",
            "detail": "d",
            "excerpt": "",
            "ingested_at": RUN.ingested_at,
            "pipeline_version": "test",
        }
        for n in (3, 1, 2)
    ]
    with TestPipeline(runner="FnApiRunner") as p:
        written = (
            p
            | beam.Create(rows)
            | WriteParquetDataset(
                str(tmp_path),
                REJECTS_SCHEMA,
                reject_sort_key,
                file_prefix="part",
                shards=2,
            )
        )
        assert_that(written, is_not_empty())

    files = sorted(tmp_path.glob("*.parquet"))
    assert {f.name for f in files} <= {"part-00000.parquet", "part-00001.parquet"}
    lines = [pq.read_table(f).column("line").to_pylist() for f in files]
    assert all(part == sorted(part) for part in lines)
    assert sorted(line for part in lines for line in part) == [1, 2, 3]


def test_reject_rows_carry_reason_codes(pipeline: beam.Pipeline) -> None:
    from newsdedup.schemas.records import Reject

    rejects = [Reject("f.jsonl", 4, RejectReason.MALFORMED_JSON, "invalid JSON", "{x")]
    rows = pipeline | beam.Create(rejects) | BuildRejectRows(RUN)
    assert_that(
        rows | beam.Map(lambda r: (r["source_file"], r["line"], r["reason"], r["excerpt"])),
        equal_to([("f.jsonl", 4, "malformed_json", "{x")]),
    )


@pytest.fixture(autouse=True)
def _quiet_beam_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")


def test_pairs_without_enough_evidence_are_not_verified() -> None:
    from newsdedup.transforms.cluster import min_entity_keys, worth_verifying

    config = DedupConfig(entity_min_shared=1, entity_min_weight=1.75)
    assert min_entity_keys(config) == 2
    counts = np.array([[1, 0, 0], [0, 3, 0], [0, 0, 2], [0, 0, 1]], dtype=np.int64)
    assert worth_verifying(counts, 2).tolist() == [True, True, True, False]


def test_articles_by_file_splits_a_batch_by_articles_file() -> None:
    analyzer = ArticleAnalyzer(DedupConfig())
    days = [datetime(2026, 3, 1, 8, tzinfo=UTC), datetime(2026, 3, 2, 8, tzinfo=UTC), None]
    analyzed = [
        analyzer.analyze(_article(f"id{i}", f"Report {i}.", published_at=days[i % 3]))
        for i in range(9)
    ]
    by_file = list(articles_by_file(analyzed, 2))
    assert [key for key, _ in by_file] == sorted({key for key, _ in by_file})
    assert len(by_file) >= 3  # three dates (one of them none) at least
    for key, articles in by_file:
        keys = {article_file_key(a.article.article_id, a.sketch.published_ts, 2) for a in articles}
        assert keys == {key}
    assert sorted(a.article.article_id for _, part in by_file for a in part) == sorted(
        a.article.article_id for a in analyzed
    )


def test_write_articles_joins_assignments_in_files_per_date_and_shard(tmp_path: Path) -> None:
    from apache_beam.testing.test_pipeline import TestPipeline

    from newsdedup.schemas.records import ArticleAssignment
    from newsdedup.transforms.core.signals.analysis import article_key

    analyzer = ArticleAnalyzer(DedupConfig())
    days = [datetime(2026, 3, 1, 8, tzinfo=UTC), datetime(2026, 3, 2, 8, tzinfo=UTC), None]
    analyzed = [
        analyzer.analyze(
            _article(f"id{i}", f"Report number {i} about the harbour.", published_at=days[i % 3])
        )
        for i in range(12)
    ]
    by_file: dict = {}  # type: ignore[type-arg]
    for a in analyzed:
        key = article_file_key(a.article.article_id, a.sketch.published_ts, 2)
        assignment = ArticleAssignment(
            a.article.article_id, "dg", f"st_{a.article.article_id}", True, None
        )
        by_file.setdefault(key, []).append((article_key(a.article.article_id), assignment))
    root = tmp_path / "articles"
    with TestPipeline(runner="FnApiRunner") as test_pipeline:
        members = {
            "articles": test_pipeline | "Analyzed" >> beam.Create([analyzed[:5], analyzed[5:]]),
            "assignments": test_pipeline | "Assignments" >> beam.Create(sorted(by_file.items())),
        } | WriteArticles(
            RUN,
            str(root),
            ARTICLES_SCHEMA,
            "run-000001",
            shards=2,
            spill_folder=str(tmp_path / "spill"),
        )
        assert_that(
            members | beam.FlatMap(lambda member_list: [story for story, _ in member_list]),
            equal_to([f"st_id{i}" for i in range(12)]),
        )

    files = sorted(root.glob("*/*.parquet"))
    assert {f.parent.name for f in files} == {
        "published_date=2026-03-01",
        "published_date=2026-03-02",
        "published_date=unknown",
    }
    assert {f.name for f in files} <= {"run-000001-00000.parquet", "run-000001-00001.parquet"}
    rows = [row for f in files for row in pq.read_table(f).to_pylist()]
    assert sorted(r["article_id"] for r in rows) == sorted(f"id{i}" for i in range(12))
    assert all(r["story_id"] == f"st_{r['article_id']}" for r in rows)
    assert all(r["text"].startswith("Report number") for r in rows)
    for f in files:
        ids = pq.read_table(f, columns=["article_id"]).column(0).to_pylist()
        assert ids == sorted(ids)


def test_read_articles_parses_large_json_lines_files_in_ranges(
    tmp_path: Path, pipeline: beam.Pipeline
) -> None:
    lines = [
        json.dumps({"id": f"r{i}", "text": f"Text number {i} of the feed."}) for i in range(40)
    ]
    lines[17] = "{broken"
    (tmp_path / "big.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "binary.jsonl").write_bytes(b"\x00\x01" * 200)
    paths = sorted(str(p) for p in tmp_path.iterdir())

    # About 100 bytes per range: many ranges, parsed as one file would be.
    parsed = pipeline | ReadArticles(paths, max_record_bytes=1 << 20, split_bytes=100)

    assert_that(
        parsed.articles | beam.FlatMap(lambda batch: [(a.article_id, a.line) for a in batch]),
        equal_to([(f"r{i}", i + 1) for i in range(40) if i != 17]),
        label="ArticlesWithLines",
    )
    assert_that(
        parsed[REJECTS_TAG] | beam.Map(lambda r: (Path(r.source_file).name, r.line, r.reason)),
        equal_to(
            [
                ("big.jsonl", 18, RejectReason.MALFORMED_JSON),
                ("binary.jsonl", None, RejectReason.BINARY_FILE),
            ]
        ),
        label="OneRejectPerProblem",
    )
