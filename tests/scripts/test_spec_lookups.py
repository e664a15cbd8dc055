"""Tests for scripts/spec_lookups.py: the cache leaves Beam fewer lookups."""

from __future__ import annotations

from apache_beam.transforms import userstate

from newsdedup.transforms.runtime import dofn_specs
from scripts.spec_lookups import REPO_ROOT, count_lookups


def test_the_cache_leaves_beam_fewer_lookups_and_both_are_counted() -> None:
    sample = REPO_ROOT / "examples" / "sample"
    install, lookup = dofn_specs.install, userstate.get_dofn_specs
    uncached, _, _ = count_lookups(sample, cache=False)
    cached, _, _ = count_lookups(sample, cache=True)
    assert cached > 0
    assert cached * 2 < uncached
    # Beam's function and the installer are put back.
    assert dofn_specs.install is install and userstate.get_dofn_specs is lookup
