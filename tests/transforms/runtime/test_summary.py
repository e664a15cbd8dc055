"""The end-of-run summary when the runner reports no metrics (Beam's DaskRunner)."""

from __future__ import annotations

from typing import Any

import pytest

from newsdedup.pipelines.batch import _counter
from newsdedup.transforms.runtime.summary import NOT_REPORTED, summarize

EMPTY_RUN: dict[str, list[str]] = {
    "articles": [],
    "stories": [],
    "rejects": [],
    "story_merges": [],
}


class _ResultWithoutMetrics:
    """Like DaskRunner's pipeline result, whose metrics() raises."""

    def metrics(self) -> Any:
        raise NotImplementedError("collecting metrics will come later!")


def test_a_runner_without_metrics_gives_no_counter() -> None:
    assert _counter(_ResultWithoutMetrics(), "records_read") is None  # type: ignore[arg-type]


def test_the_summary_says_which_figures_it_does_not_know() -> None:
    summary = summarize(EMPTY_RUN, "out", None, None, None, wall_seconds=1.0)
    text = summary.render()
    assert not summary.metrics_reported
    assert f"records read          {NOT_REPORTED}" in text
    assert f"exact re-deliveries   {NOT_REPORTED}" in text
    assert "articles written      0" in text


@pytest.mark.parametrize("known_rejects", [0, 3])
def test_the_summary_shows_the_counters_a_runner_reports(known_rejects: int) -> None:
    summary = summarize(EMPTY_RUN, "out", 7, 2, known_rejects, wall_seconds=1.0)
    text = summary.render()
    assert summary.metrics_reported
    assert NOT_REPORTED not in text
    assert "records read          7" in text
    assert "exact re-deliveries   2" in text
    assert ("rejects in output     3" in text) == (known_rejects == 3)
