"""Tests for core.signals.protocol: what a signal is by default, and that the
three core signals compute what analysis stores."""

from __future__ import annotations

import numpy as np

from newsdedup.schemas.records import ArticleSketch, InputArticle
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.analysis import ArticleAnalyzer, content_shingle_hashes
from newsdedup.transforms.core.signals.entities import LEAD_ENTITIES
from newsdedup.transforms.core.signals.fingerprints import PASSAGES
from newsdedup.transforms.core.signals.protocol import (
    ArticleText,
    Signal,
    little_endian_bytes,
    signal_value,
)
from newsdedup.transforms.core.signals.signatures import MINHASH

CONFIG = DedupConfig()
TEXT = (
    "The Senate in Canberra passed the 2026 budget on Tuesday after a long debate about "
    "schools, roads and the harbour, said Treasurer Jim Chalmers in a statement."
)


class Plain(Signal):
    name = "plain"

    def compute(self, text: ArticleText, config: DedupConfig) -> bytes:
        return b"x"


def _sketch(**fields: object) -> ArticleSketch:
    return ArticleSketch(1, "a", None, "en", "h", 1, b"", b"", **fields)  # type: ignore[arg-type]


def test_a_signal_by_default_stores_one_binary_column_and_proposes_nothing() -> None:
    plain = Plain()
    assert [(f.name, f.type, f.nullable) for f in plain.fields()] == [("plain", "binary", False)]
    assert plain.read_back({"plain": b"v"}) == b"v"
    assert plain.level == "plain"
    assert not plain.proposes_candidates(CONFIG)
    assert len(plain.candidate_keys(b"v", CONFIG)) == 0
    assert plain.vote(b"v", b"v", CONFIG) is None


def test_signal_value_is_the_sketchs_value_of_that_name() -> None:
    sketch = _sketch(signal_values=(("plain", b"1"), ("other", b"2")))
    assert signal_value(sketch, "other") == b"2"
    assert signal_value(sketch, "missing") == b""
    assert Plain().value(sketch) == b"1"


def test_little_endian_bytes() -> None:
    assert little_endian_bytes(np.array([1, 256], dtype=np.uint64)) == (
        b"\x01" + b"\x00" * 7 + b"\x00\x01" + b"\x00" * 6
    )


def test_the_core_signals_compute_what_analysis_keeps() -> None:
    article = InputArticle("a", TEXT, title="Budget passes")
    shingled = ArticleAnalyzer(CONFIG).shingle(article)
    hashes = content_shingle_hashes(TEXT, shingled.language, CONFIG)
    text = ArticleText(article, shingled.language, f"Budget passes\n{TEXT}", hashes)
    assert MINHASH.compute(text, CONFIG) == shingled.raw_signature
    assert PASSAGES.compute(text, CONFIG) == shingled.raw_fingerprints
    assert LEAD_ENTITIES.compute(text, CONFIG) == shingled.entities != b""
    assert shingled.signal_values == ()
    off = DedupConfig(entity_threshold=1.0)
    assert LEAD_ENTITIES.compute(text, off) == b""
    assert not LEAD_ENTITIES.proposes_candidates(off)
    assert [s.level for s in (MINHASH, PASSAGES, LEAD_ENTITIES)] == ["dup", "story", "entity"]
