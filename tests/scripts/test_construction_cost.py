"""Tests for scripts/construction_cost.py: the caches leave Beam fewer questions
in a micro-batch, and the script puts Beam back as it found it."""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.transforms import userstate
from apache_beam.typehints import decorators

from newsdedup.transforms.runtime import introspection
from scripts.construction_cost import QUESTIONS, REPO_ROOT, measure


def test_the_caches_leave_beam_fewer_questions_and_beam_is_put_back() -> None:
    sample = REPO_ROOT / "examples" / "sample"
    before = (PipelineOptions.view_as, userstate.get_dofn_specs, decorators.get_signature)
    uncached_seconds, uncached = measure(sample, batches=1, cache=False)
    cached_seconds, cached = measure(sample, batches=1, cache=True)
    assert len(uncached_seconds) == len(cached_seconds) == 1
    for name in QUESTIONS:
        assert 0 < cached[name] * 2 < uncached[name], name
    assert (PipelineOptions.view_as, userstate.get_dofn_specs, decorators.get_signature) == before
    assert introspection.ViewCachingOptions is not PipelineOptions
