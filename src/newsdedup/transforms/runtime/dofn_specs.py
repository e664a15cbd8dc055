"""Beam's state and timer specs of a DoFn, looked up once per DoFn object.

Beam asks for them (`apache_beam.transforms.userstate.get_dofn_specs`) each
time a ParDo is made, turned into its runner proto, checked for keyed input,
and again when a bundle processor is built: eight times or so per DoFn object,
each walking every method of the DoFn with `inspect.signature`, and
`newsdedup watch` pays them on every micro-batch. `python scripts/spec_lookups.py`
counts them on a run over the shipped sample: 1,596 lookups taking 2.8 s of an
8.3 s run without the cache, 396 taking 0.7 s of a 6.2 s run with it (one per
ParDo made and one per DoFn a bundle processor unpickles). The specs are
declared in the DoFn's method signatures, which do not change once the object
exists, so the first answer for an object is its answer for good.

`install()` wraps Beam's function with a cache keyed by the DoFn object (weakly:
objects Beam drops are forgotten). It is idempotent and changes nothing when
the function is missing or objects cannot be weakly referenced.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from apache_beam.transforms import userstate

Specs = tuple[set[Any], set[Any]]
_MARK = "_newsdedup_cached"


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
    return specs


def install() -> None:
    """Cache Beam's DoFn spec lookups in this process (see the module docstring)."""
    lookup = getattr(userstate, "get_dofn_specs", None)
    if lookup is None or getattr(lookup, _MARK, False):
        return
    setattr(userstate, "get_dofn_specs", cached_specs(lookup))  # noqa: B010 - mypy holds Beam's own signature
