"""DropRedeliveries (transforms/redeliveries.py) in a TestPipeline, checked with assert_that."""

from __future__ import annotations

from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.schemas.records import InputArticle, RejectReason
from newsdedup.transforms.core.signals.normalize import content_hash
from newsdedup.transforms.redeliveries import DropRedeliveries
from tests.beamgen import input_article, nothing


def test_written_articles_win_over_new_records_with_their_id(
    pipeline: beam.Pipeline, tmp_path: Path
) -> None:
    articles = [input_article("same", "identical text"), input_article("changed", "new version")]
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
        input_article("same", "identical text"),
        InputArticle("same", "identical text", source_file="other", line=7),
        input_article("clash", "version one"),
        input_article("clash", "version two"),
        input_article("alone", "only once"),
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


@pytest.fixture(autouse=True)
def _quiet_beam_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")
