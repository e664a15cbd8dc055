"""Tests for runtime.introspection: Beam's questions about options, signatures
and DoFn specs answered once, with the same answers."""

from __future__ import annotations

import copy
import functools
import inspect
import pickle
from typing import Any

import apache_beam as beam
from apache_beam.coders import VarIntCoder
from apache_beam.options.pipeline_options import StandardOptions, TypeOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import core, userstate
from apache_beam.transforms.userstate import BagStateSpec
from apache_beam.typehints import decorators

from newsdedup.pipelines.options import NewsdedupOptions
from newsdedup.transforms.runtime import introspection


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

    cached = introspection.cached_specs(lookup)
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
    introspection.install()
    introspection.install()  # idempotent: one wrapper
    assert getattr(userstate.get_dofn_specs, "_newsdedup_cached", False)
    assert userstate.is_stateful_dofn(_StatefulFn())
    assert not userstate.is_stateful_dofn(_PlainFn())


def test_a_class_is_viewed_once_and_views_share_the_values() -> None:
    options = introspection.ViewCachingOptions(["--runner", "DirectRunner", "--output", "/tmp/x"])
    standard = options.view_as(StandardOptions)
    assert options.view_as(StandardOptions) is standard
    assert options.view_as(NewsdedupOptions).output == "/tmp/x"
    standard.runner = "SomeRunner"
    assert options.view_as(StandardOptions).runner == "SomeRunner"
    assert options.get_all_options()["runner"] == "SomeRunner"


def test_a_copy_makes_its_own_views_over_its_own_values() -> None:
    options = introspection.ViewCachingOptions(["--runner", "DirectRunner"])
    original = options.view_as(StandardOptions)
    copied = copy.deepcopy(options)
    assert copied.view_as(StandardOptions) is not original
    copied.view_as(StandardOptions).runner = "Other"
    assert original.runner == "DirectRunner"
    assert options.view_as(StandardOptions).runner == "DirectRunner"


def test_pickled_options_carry_values_not_views() -> None:
    options = introspection.ViewCachingOptions(["--runner", "DirectRunner", "--output", "/tmp/y"])
    options.view_as(TypeOptions)
    restored = pickle.loads(pickle.dumps(options))
    assert "_newsdedup_views" not in restored.__dict__
    assert restored.view_as(NewsdedupOptions).output == "/tmp/y"


def test_a_pipeline_runs_with_them() -> None:
    options = introspection.ViewCachingOptions([])
    with beam.Pipeline(runner=FnApiRunner(), options=options) as pipeline:
        doubled = pipeline | beam.Create([1, 2, 3]) | beam.Map(lambda n: n * 2)
        assert_that(doubled, equal_to([2, 4, 6]))


def _scaled(element: int, factor: int = 2) -> int:
    return element * factor


def test_a_signature_is_asked_once_per_function_bound_or_not() -> None:
    calls: list[Any] = []

    def signature(func: Any) -> inspect.Signature:
        calls.append(func)
        return inspect.signature(func)

    cached = introspection.cached_signatures(signature)
    first, second = _PlainFn(), _PlainFn()
    assert list(cached(first.process).parameters) == ["element"]
    assert list(cached(second.process).parameters) == ["element"]  # same function, bound
    assert list(cached(_PlainFn.process).parameters) == ["self", "element"]
    assert list(cached(_scaled).parameters) == ["element", "factor"]
    assert len(calls) == 3
    partial = functools.partial(_scaled, factor=3)  # not a plain function: asked each time
    cached(partial)
    cached(partial)
    assert calls[3:] == [partial, partial]


def test_installed_everywhere_beam_imported_get_signature() -> None:
    introspection.install()
    introspection.install()
    for module in introspection.SIGNATURE_USERS:
        assert getattr(module.get_signature, "_newsdedup_cached", False)
    assert core.get_signature is decorators.get_signature
    assert list(decorators.get_signature(_scaled).parameters) == ["element", "factor"]
