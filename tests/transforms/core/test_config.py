"""Tests for core.config.DedupConfig."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from newsdedup.transforms.core.config import MINHASH_SCHEME, DedupConfig

THRESHOLDS = ["dup_threshold", "story_threshold", "story_link_density"]
SIZES = [
    "word_shingle_size",
    "char_shingle_size",
    "num_perm",
    "anchor_window",
    "story_min_shared",
    "max_key_articles",
    "max_band_articles",
    "language_sample_chars",
    "candidate_shards",
    "verify_shards",
]


def config_with(name: str, value: object) -> DedupConfig:
    overrides: dict[str, Any] = {name: value}
    return DedupConfig(**overrides)


def test_defaults_validate() -> None:
    DedupConfig().validate()


def test_defaults() -> None:
    config = DedupConfig()
    assert config.word_shingle_size == 5
    assert config.char_shingle_size == 3
    assert config.num_perm == 128
    assert config.dup_threshold == 0.5
    assert config.lsh_bands == 0
    assert config.anchor_window == 4
    assert MINHASH_SCHEME == "affine32"


def test_config_is_frozen() -> None:
    config = DedupConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.num_perm = 64  # type: ignore[misc]


@pytest.mark.parametrize("name", THRESHOLDS)
@pytest.mark.parametrize("value", [-0.01, 1.01, -1.0, 2.0])
def test_threshold_outside_unit_interval_is_rejected(name: str, value: float) -> None:
    config = config_with(name, value)
    with pytest.raises(ValueError, match=name):
        config.validate()


@pytest.mark.parametrize("name", THRESHOLDS)
@pytest.mark.parametrize("value", [0.0, 1.0, 0.5])
def test_threshold_bounds_are_inclusive(name: str, value: float) -> None:
    config_with(name, value).validate()


@pytest.mark.parametrize("name", SIZES)
@pytest.mark.parametrize("value", [-1, 0])
def test_negative_or_zero_sizes_are_rejected(name: str, value: int) -> None:
    with pytest.raises(ValueError, match=name):
        config_with(name, value).validate()


@pytest.mark.parametrize(
    "name",
    ["minhash_seed", "lsh_bands", "language_min_letters", "language_seed", "story_window_hours"],
)
def test_negative_values_are_rejected_where_zero_is_allowed(name: str) -> None:
    config_with(name, 0).validate()
    with pytest.raises(ValueError, match=name):
        config_with(name, -1).validate()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("word_shingle_size", 33),
        ("char_shingle_size", 33),
        ("num_perm", 1025),
        ("num_perm", 15),
        ("anchor_window", 257),
        ("max_key_articles", 1),
        ("max_band_articles", 1),
        ("language_sample_chars", 99),
    ],
)
def test_values_outside_their_range_are_rejected(name: str, value: int) -> None:
    with pytest.raises(ValueError, match=name):
        config_with(name, value).validate()


def test_error_message_names_field_and_value() -> None:
    with pytest.raises(ValueError, match=r"dup_threshold must be <= 1\.0, got 1\.5"):
        DedupConfig(dup_threshold=1.5).validate()
    with pytest.raises(ValueError, match=r"anchor_window must be >= 1, got 0"):
        DedupConfig(anchor_window=0).validate()


def test_lsh_bands_cannot_exceed_num_perm() -> None:
    DedupConfig(num_perm=64, lsh_bands=64).validate()
    with pytest.raises(ValueError, match="lsh_bands"):
        DedupConfig(num_perm=64, lsh_bands=65).validate()


def test_every_field_has_help_text() -> None:
    for f in dataclasses.fields(DedupConfig):
        assert f.metadata["help"], f.name


def test_as_metadata_lists_every_field() -> None:
    config = DedupConfig(num_perm=64, story_threshold=0.3)
    metadata: dict[str, Any] = config.as_metadata()
    assert set(metadata) == {f.name for f in dataclasses.fields(DedupConfig)}
    assert metadata["num_perm"] == 64
    assert metadata["story_threshold"] == 0.3
    assert DedupConfig(**metadata) == config


@pytest.mark.parametrize("name", THRESHOLDS)
def test_nan_threshold_is_rejected(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        config_with(name, float("nan")).validate()
