"""SplitRoutes (transforms/runtime/routing.py): routed elements become one PCollection
per tag, each holding only its own values."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from newsdedup.transforms.runtime.routing import Routed, RoutedOutputs, SplitRoutes


def test_each_tag_gets_only_its_own_values(pipeline: beam.Pipeline) -> None:
    routed = (
        pipeline
        | beam.Create(range(7))
        | beam.Map(lambda number: Routed("odd_numbers" if number % 2 else "even_numbers", number))
    )
    outputs = routed | SplitRoutes(["even_numbers", "odd_numbers", "none"], types={"none": int})

    assert_that(outputs.even_numbers, equal_to([0, 2, 4, 6]), label="Even")
    assert_that(outputs["odd_numbers"], equal_to([1, 3, 5]), label="Odd")
    assert_that(outputs.none, equal_to([]), label="Nothing")
    assert outputs.none.element_type is int


def test_an_unknown_tag_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="rejects"):
        RoutedOutputs().rejects  # noqa: B018
