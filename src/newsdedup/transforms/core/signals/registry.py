"""The similarity signals of newsdedup: one line per signal.

Analysis computes each of them per article, the schema of `articles/` holds
their columns, an incremental run reads them back, the candidate index takes
the keys they propose and verification lets them vote
(newsdedup.transforms.core.signals.protocol). Adding a signal is one module
and one line here (docs/architecture.md, "Adding a signal").

The functions below read `SIGNALS` when called, not when imported, so that a
test can register a signal of its own for its duration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from newsdedup.schemas.records import AnalyzedArticle, ArticleSketch
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.entities import LEAD_ENTITIES
from newsdedup.transforms.core.signals.fingerprints import PASSAGES
from newsdedup.transforms.core.signals.protocol import ArticleText, Signal
from newsdedup.transforms.core.signals.signatures import MINHASH

SIGNALS: tuple[Signal, ...] = (
    MINHASH,
    PASSAGES,
    LEAD_ENTITIES,
)

SignalValues = tuple[tuple[str, bytes], ...]


def voting_signals() -> tuple[Signal, ...]:
    """The signals decided by their own vote rather than the core's rules."""
    return tuple(signal for signal in SIGNALS if not signal.core)


def signal_fields() -> list[pa.Field]:
    """The Parquet columns of `articles/` that hold signals, in registry order."""
    return [field for signal in SIGNALS for field in signal.fields()]


def signal_columns() -> list[str]:
    """The columns an incremental run reads back to rebuild every signal."""
    return [signal.name for signal in SIGNALS]


def sketch_parameters() -> tuple[str, ...]:
    """The run parameters that shape stored signals, each once."""
    return tuple(dict.fromkeys(p for signal in SIGNALS for p in signal.sketch_parameters))


def candidate_levels() -> tuple[str, ...]:
    """The levels of the candidate index: one per signal, in registry order."""
    return tuple(signal.level for signal in SIGNALS)


def computed_values(text: ArticleText, config: DedupConfig) -> dict[str, bytes]:
    """Every signal's value for one article, by signal name."""
    return {signal.name: signal.compute(text, config) for signal in SIGNALS}


def voting_values(values: dict[str, bytes]) -> SignalValues:
    """The values of the voting signals, as a sketch carries them."""
    return tuple((signal.name, values[signal.name]) for signal in voting_signals())


def read_back_values(row: Mapping[str, Any]) -> SignalValues:
    """The voting signals' values from a row of `articles/`."""
    return tuple((signal.name, signal.read_back(row)) for signal in voting_signals())


def stored_columns(analyzed: AnalyzedArticle) -> dict[str, Any]:
    """The signal columns of an analysed article's row of `articles/`."""
    return {name: value for signal in SIGNALS for name, value in signal.stored(analyzed).items()}


def sketch_values(sketch: ArticleSketch) -> dict[str, bytes]:
    """Every signal's value as a sketch carries it, by signal name."""
    return {signal.name: signal.value(sketch) for signal in SIGNALS}
