"""Several outputs of one step without Beam's tagged outputs.

A DoFn that routes its results (articles one way, dead letters another) yields
`Routed(tag, value)`; `SplitRoutes` turns that one PCollection into one
PCollection per tag, each made by a single-output step. Beam's DaskRunner
translates a ParDo with tagged outputs into one Dask bag that every consumer
reads whole (consumers of `rejects` would get the articles too); single-output
steps mean the same on every runner. On the in-process runner the split steps
are fused with the step before them, so the routing costs no coding.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.typehints.decorators import no_annotations


class Routed(NamedTuple):
    """One result of a routing DoFn and the output it belongs to."""

    tag: str
    value: Any


class RoutedOutputs(dict[str, beam.PCollection]):
    """The PCollection of each tag, by key or as an attribute (`outputs.articles`,
    `outputs["rejects"]`), like the result of Beam's `with_outputs`."""

    def __getattr__(self, tag: str) -> beam.PCollection:
        try:
            return self[tag]
        except KeyError as error:
            raise AttributeError(tag) from error


def _values_of(routed: Routed, tag: str) -> Iterator[Any]:
    if routed.tag == tag:
        yield routed.value


def _camel(tag: str) -> str:
    return "".join(part.capitalize() for part in tag.split("_"))


class SplitRoutes(beam.PTransform):
    """Routed elements -> one PCollection per tag (`RoutedOutputs`); `types` gives
    the element type of a tag's output where it has a coder of its own."""

    def __init__(self, tags: Sequence[str], types: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._tags = tuple(tags)
        self._types = types or {}

    @no_annotations  # a dict or NamedTuple of PCollections: no element type for Beam
    def expand(self, routed: beam.PCollection) -> RoutedOutputs:
        outputs = RoutedOutputs()
        for tag in self._tags:
            only = beam.FlatMap(_values_of, tag)
            if tag in self._types:
                only = only.with_output_types(self._types[tag])
            outputs[tag] = routed | f"Only{_camel(tag)}" >> only
        return outputs
