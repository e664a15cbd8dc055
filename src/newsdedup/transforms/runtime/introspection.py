"""Beam's introspection of options and DoFns, answered once instead of each time.

Building and running one pipeline, Beam asks the same questions again and
again, and `newsdedup watch` pays for all of them on every micro-batch:

- a view of the pipeline options (`options.view_as(TypeOptions)`) each time a
  transform is applied and each time two type hints are compared: about 1,700
  in a 50-article micro-batch, each building and running an argparse parser;
- the signature of a DoFn method or function (`get_signature`, which calls
  `inspect.signature`) for every method of every DoFn, each time a ParDo is
  made and each time a bundle processor unpickles the DoFn again: about 54,000;
- a DoFn's state and timer specs (`userstate.get_dofn_specs`), about eight
  times per DoFn object.

The answers cannot change while the objects live: every view of one options
object reads and writes that object's one dictionary of values; a function's
signature is declared in its code (a bound method's is its function's without
the first parameter); a DoFn's specs are declared in its method signatures.
`python scripts/construction_cost.py` counts the questions that reach Beam and
times a 50-article micro-batch with and without these caches.

`ViewCachingOptions` keeps the views; `install()` wraps Beam's two functions
with caches keyed weakly by the DoFn object or the function (objects Beam
drops are forgotten). `install()` is idempotent and changes nothing where a
function is missing.
"""

from __future__ import annotations

import types
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.transforms import core, ptransform, userstate, util
from apache_beam.typehints import decorators

Specs = tuple[set[Any], set[Any]]
ViewT = TypeVar("ViewT", bound=PipelineOptions)
_MARK = "_newsdedup_cached"
_VIEWS = "_newsdedup_views"
# Modules that call get_signature by the name they imported.
SIGNATURE_USERS = (decorators, core, ptransform, util)


class ViewCachingOptions(PipelineOptions):
    """`PipelineOptions` that make each class's view once. The views are neither
    copied nor pickled (Beam deep-copies the options into each Pipeline): a copy
    makes views over its own values."""

    def view_as(self, cls: type[ViewT]) -> ViewT:
        views: dict[type, Any] = self.__dict__.setdefault(_VIEWS, {})
        view = views.get(cls)
        if view is None:
            view = views[cls] = super().view_as(cls)
        return view

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop(_VIEWS, None)
        return state


def cached_specs(lookup: Callable[[Any], Specs]) -> Callable[[Any], Specs]:
    """`lookup` with its answers kept per DoFn object (copies handed out: callers
    may add to the sets)."""
    answers: weakref.WeakKeyDictionary[Any, Specs] = weakref.WeakKeyDictionary()

    def specs(dofn: Any) -> Specs:
        try:
            found = answers.get(dofn)
        except TypeError:  # not weakly referable or not hashable: ask every time
            return lookup(dofn)
        if found is None:
            found = lookup(dofn)
            answers[dofn] = found
        return set(found[0]), set(found[1])

    setattr(specs, _MARK, True)
    specs.__wrapped__ = lookup  # type: ignore[attr-defined]
    return specs


def cached_signatures(signature: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`signature` with its answers kept per plain function, bound or not; other
    callables (partials, objects with `__call__`) are asked every time."""
    answers: weakref.WeakKeyDictionary[types.FunctionType, dict[bool, Any]]
    answers = weakref.WeakKeyDictionary()

    def cached(func: Any) -> Any:
        bound = isinstance(func, types.MethodType)
        function = func.__func__ if bound else func
        if not isinstance(function, types.FunctionType):
            return signature(func)
        per_function = answers.setdefault(function, {})
        if bound not in per_function:
            per_function[bound] = signature(func)
        return per_function[bound]

    setattr(cached, _MARK, True)
    cached.__wrapped__ = signature  # type: ignore[attr-defined]
    return cached


def install() -> None:
    """Cache Beam's spec lookups and signatures in this process (see the module
    docstring)."""
    lookup = getattr(userstate, "get_dofn_specs", None)
    if lookup is not None and not getattr(lookup, _MARK, False):
        setattr(userstate, "get_dofn_specs", cached_specs(lookup))  # noqa: B010 - mypy holds Beam's own signature
    signature = getattr(decorators, "get_signature", None)
    if signature is None:
        return
    if not getattr(signature, _MARK, False):
        signature = cached_signatures(signature)
    beam_signature = getattr(signature, "__wrapped__", None)
    for module in SIGNATURE_USERS:
        if getattr(module, "get_signature", None) is beam_signature:
            setattr(module, "get_signature", signature)  # noqa: B010
