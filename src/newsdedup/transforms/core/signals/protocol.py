"""What a similarity signal is: the one protocol every signal follows.

A signal computes a value (bytes) per article from its analysed text, stores
it in one or more Parquet columns of `articles/` so that later runs can compare
new articles with it, reads it back from such a row, may propose candidate keys
(articles sharing a key are compared), and votes on a candidate pair.

The signals of newsdedup are listed once, in
newsdedup.transforms.core.signals.registry.SIGNALS; analysis, the Parquet
schema, the read-back of earlier runs, verification and the candidate index
iterate over that list. The three signals the decision core was built around
(MinHash signatures, passage fingerprints, lead entities) keep their own
combination rules there (site boilerplate, LSH bands, rarity weights, time
windows: `core = True`); any other signal links two articles when its `vote`
says so.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from newsdedup.schemas.records import AnalyzedArticle, ArticleSketch, InputArticle
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.shingles import HashArray

# The kinds of link a signal's vote can make (see newsdedup.transforms.core.decide.clustering):
# near-duplicates share a dup group, one story joins two articles' stories, and
# an entity link (lead entities only) is a deferred story link.
DUP_VOTE = "dup"
STORY_VOTE = "story"
ENTITY_VOTE = "entity"


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What a signal computes from: the article, its language, its title and
    text as matching sees them (attribution lines left out, see attribution.py),
    and its shingle hashes in text order."""

    article: InputArticle
    language: str
    title_and_text: str
    shingle_hashes: HashArray


def little_endian_bytes(hashes: HashArray) -> bytes:
    """uint64 values as stored: little-endian bytes."""
    # No copy when the array already is little-endian uint64 (on every common machine).
    return np.asarray(hashes, dtype="<u8").tobytes()


def signal_value(sketch: ArticleSketch, name: str) -> bytes:
    """The value of signal `name` carried by a sketch (b"" when it has none)."""
    for signal_name, value in sketch.signal_values:
        if signal_name == name:
            return value
    return b""


class Signal(ABC):
    """One similarity signal. Subclasses set `name` (its column in `articles/`
    unless they override `fields`) and implement `compute` and `vote`."""

    name: str
    # Names of DedupConfig fields that shape the stored value: an incremental run
    # refuses earlier output written with other values of them.
    sketch_parameters: tuple[str, ...] = ()
    # The kind of link a vote makes (DUP_VOTE or STORY_VOTE); for core signals,
    # also the level of the candidate keys they propose.
    link: str = STORY_VOTE
    # Combined by the decision core's own rules (newsdedup.transforms.core.decide.facts)
    # from the sketch's own fields, rather than by `vote`.
    core: bool = False

    def fields(self) -> tuple[pa.Field, ...]:
        """The Parquet columns of `articles/` that hold the signal."""
        return (pa.field(self.name, pa.binary(), nullable=False),)

    @abstractmethod
    def compute(self, text: ArticleText, config: DedupConfig) -> bytes:
        """The signal's value for one article."""

    def stored(self, analyzed: AnalyzedArticle) -> dict[str, Any]:
        """The values of `fields()` written for an analysed article."""
        return {self.name: signal_value(analyzed.sketch, self.name)}

    def read_back(self, row: Mapping[str, Any]) -> bytes:
        """The value again from a row written by `stored`."""
        value: bytes = row[self.name]
        return value

    def value(self, sketch: ArticleSketch) -> bytes:
        """The signal's value as a sketch carries it."""
        return signal_value(sketch, self.name)

    @property
    def level(self) -> str:
        """The name of the signal's candidate keys in the candidate index: a core
        signal's link kind, else its name."""
        return self.link if self.core else self.name

    def proposes_candidates(self, config: DedupConfig) -> bool:
        """Whether the signal proposes candidate keys under `config`; one that
        does not only judges the candidates of others."""
        return False

    def candidate_keys(self, value: bytes, config: DedupConfig) -> HashArray:
        """Keys (uint64) whose articles are compared with each other."""
        return np.empty(0, dtype=np.uint64)

    def vote(self, left: bytes, right: bytes, config: DedupConfig) -> float | None:
        """The score of a link of kind `link` between two candidates, or None for
        no link. Core signals are decided in bulk by the core's own rules instead."""
        return None
