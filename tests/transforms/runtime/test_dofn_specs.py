"""Tests for runtime.dofn_specs: Beam's spec lookups answered once per DoFn
object, with the same answers."""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam.coders import VarIntCoder
from apache_beam.transforms import userstate
from apache_beam.transforms.userstate import BagStateSpec

from newsdedup.transforms.runtime import dofn_specs


class _PlainFn(beam.DoFn):
    def process(self, element: Any) -> Any:
        yield element


class _StatefulFn(beam.DoFn):
    SEEN = BagStateSpec("seen", VarIntCoder())

    def process(self, element: Any, seen: Any = beam.DoFn.StateParam(SEEN)) -> Any:
        yield element


def test_each_object_is_looked_up_once_with_the_same_answer() -> None:
    calls: list[Any] = []

    def lookup(dofn: Any) -> tuple[set[Any], set[Any]]:
        calls.append(dofn)
        return userstate.get_dofn_specs(dofn)

    cached = dofn_specs.cached_specs(lookup)
    plain, stateful = _PlainFn(), _StatefulFn()
    for _ in range(3):
        assert cached(plain) == (set(), set())
        assert cached(stateful) == ({_StatefulFn.SEEN}, set())
    assert calls == [plain, stateful]
    # Copies: a caller that adds to a set does not change the next answer.
    cached(stateful)[0].clear()
    assert cached(stateful) == ({_StatefulFn.SEEN}, set())
    assert len(calls) == 2


def test_installed_beam_still_tells_stateful_dofns_apart() -> None:
    dofn_specs.install()
    dofn_specs.install()  # idempotent: one wrapper
    assert getattr(userstate.get_dofn_specs, "_newsdedup_cached", False)
    assert userstate.is_stateful_dofn(_StatefulFn())
    assert not userstate.is_stateful_dofn(_PlainFn())
