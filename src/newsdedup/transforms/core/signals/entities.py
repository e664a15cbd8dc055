"""Lead entities: the names, acronyms and numbers a report opens with.

Independent reports of one event rarely share text, but they name the same
people, places, organisations and figures in their first sentences, in any
language that writes names the same way. A word counts when it is capitalised
and does not open a sentence, or holds a digit (two or more characters). Words
are case- and accent-folded (so "Zürich" meets "Zurich"). Names and numbers are
what still matches across languages.

A name says more the rarer it is: two reports naming "BepiColombo" are far
likelier one story than two naming "Trump", and German capitalises every noun,
so "Regierung" counts as an entity too. Each entity is therefore weighted by its
rarity in the corpus being processed, `(1 - ln df / ln N)^2` for an entity found
in `df` of `N` articles (1 for an entity no other article has, 0 for one every
article has); `EntityFrequencies` holds the counts, gathered in one batched pass.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import xxhash

from newsdedup.schemas.records import AnalyzedArticle, ArticleSketch
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.protocol import (
    ENTITY_VOTE,
    ArticleText,
    Signal,
    little_endian_bytes,
)
from newsdedup.transforms.core.signals.shingles import HashArray

_WORD = re.compile(r"\w+")
# A line break ends a sentence too. The first word after one of these opens a sentence.
_SENTENCE_END = re.compile(r"[.!?\n]")


@functools.lru_cache(maxsize=8)
def _lead(lead_words: int) -> re.Pattern[str]:
    # The text up to the end of its `lead_words`-th word (possessive: no backtracking).
    return re.compile(rf"(?:\W*+\w++){{0,{lead_words}}}")


def _fold(word: str) -> str:
    if word.isascii():  # nothing to decompose: most names in most leads
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_number(word: str) -> bool:
    # isalpha() rules digits out at C speed; the check per character is the slow path.
    return not word.isalpha() and any(ch.isdigit() for ch in word)


def lead_entities(text: str, lead_words: int) -> list[str]:
    """Folded entity words among the first `lead_words` words of `text`."""
    if lead_words <= 0:
        return []
    if lead_words < len(text):  # else no text has that many words: all of it is the lead
        lead = _lead(lead_words).match(text)
        text = text[: lead.end()] if lead else text  # {0,n}: it always matches
    found: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        words = _WORD.findall(sentence)
        if not words:
            continue
        opener = words[0]  # opens a sentence: counts only as a number
        if len(opener) >= 2 and _is_number(opener):
            found.append(opener)
        # Lower-case words of letters (nearly all words) are no entities: one cheap test
        # each, in a comprehension, before the slower tests below.
        for word in [w for w in words[1:] if len(w) >= 2 and not (w.islower() and w.isalpha())]:
            if _is_number(word):
                found.append(word)
            elif word[0].isupper():
                found.append(_fold(word))
    return found


def entity_hashes(words: list[str]) -> HashArray:
    """Sorted distinct 64-bit hashes of entity words."""
    if not words:
        return np.empty(0, dtype=np.uint64)
    hashes = np.fromiter(
        (xxhash.xxh3_64_intdigest(w.encode("utf-8"), seed=7) for w in words),
        dtype=np.uint64,
        count=len(words),
    )
    return np.unique(hashes)


@dataclass(frozen=True, slots=True)
class EntityFrequencies:
    """In how many articles of the corpus each entity occurs.

    `hashes` (sorted uint64) and `counts` list the entities found in two or more
    articles; every other entity occurs once. `article_count` is the corpus size.
    An entity found in more than `max_articles` articles (0: no limit) weighs
    nothing, as the candidate index ignores keys that common.
    """

    hashes: HashArray
    counts: np.ndarray
    article_count: int
    max_articles: int = 0

    @classmethod
    def of(cls, entity_sets: Iterable[HashArray], max_articles: int = 0) -> EntityFrequencies:
        """Count the entities of a corpus given as one sorted hash array per article."""
        sets = list(entity_sets)
        if not sets:
            return NO_FREQUENCIES
        hashes = np.concatenate(sets).astype(np.uint64)
        distinct, counts = cls.count(hashes, np.ones(len(hashes)))
        repeated = counts >= 2
        return cls(distinct[repeated], counts[repeated], len(sets), max_articles)

    @staticmethod
    def count(hashes: HashArray, counts: np.ndarray) -> tuple[HashArray, np.ndarray]:
        """Add up the counts of equal hashes: distinct sorted hashes and their totals."""
        distinct, inverse = np.unique(hashes, return_inverse=True)
        return distinct, np.bincount(inverse, weights=counts, minlength=len(distinct)).astype(
            np.int64
        )

    def weights(self, hashes: HashArray) -> np.ndarray:
        """The rarity weight of each hash (float32, in the order given)."""
        counts = np.ones(len(hashes), dtype=np.float64)
        if len(self.hashes) and len(hashes):
            at = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
            found = self.hashes[at] == hashes
            counts[found] = self.counts[at[found]]
        if self.article_count < 2:
            return np.ones(len(hashes), dtype=np.float32)
        rarity = np.clip(1.0 - np.log(counts) / np.log(self.article_count), 0.0, 1.0)
        if self.max_articles:
            rarity[counts > self.max_articles] = 0.0
        return (rarity**2).astype(np.float32)


NO_FREQUENCIES = EntityFrequencies(
    np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64), article_count=0
)


@dataclass(frozen=True, slots=True)
class EntityOverlap:
    """What two reports' lead entities have in common.

    `containment` is the weight of the shared entities over the total weight of
    the report whose entities weigh less: a short English report that names the
    people of a long German one is contained in it, whatever else the German
    lead capitalises.
    """

    shared: int
    shared_weight: float
    containment: float


def entity_overlap(
    left: bytes, left_weights: bytes, right: bytes, right_weights: bytes
) -> EntityOverlap:
    """Overlap of two entity sets as stored: sorted uint64 hashes with float32 weights
    (no weights: every entity weighs 1)."""
    a, b = np.frombuffer(left, dtype="<u8"), np.frombuffer(right, dtype="<u8")
    if len(a) == 0 or len(b) == 0:
        return EntityOverlap(0, 0.0, 0.0)
    wa, wb = _weights_of(a, left_weights), _weights_of(b, right_weights)
    _, in_a, in_b = np.intersect1d(a, b, assume_unique=True, return_indices=True)
    # Both sides weigh an entity the same when weighted in one run; the smaller
    # weight keeps the result symmetric when they were not.
    shared_weight = float(np.minimum(wa[in_a], wb[in_b]).sum())
    lighter = min(float(wa.sum()), float(wb.sum()))
    return EntityOverlap(len(in_a), shared_weight, shared_weight / lighter if lighter else 0.0)


def _weights_of(hashes: np.ndarray, weights: bytes) -> np.ndarray:
    if not weights:
        return np.ones(len(hashes), dtype=np.float64)
    return np.frombuffer(weights, dtype="<f4").astype(np.float64)


class LeadEntitySignal(Signal):
    """The hashes of the lead's names and numbers; each proposes entity-link
    candidates. Only entity links use them, and finding them is not cheap: off
    (empty) when `entity_threshold` is 1. Stored as found (site boilerplate
    included), but for the names of lead lines that the texts show to be page
    furniture (see newsdedup.transforms.core.signals.analysis.sign_article)."""

    name = "lead_entities"
    sketch_parameters = ("entity_lead_words",)
    link = ENTITY_VOTE
    core = True

    def compute(self, text: ArticleText, config: DedupConfig) -> bytes:
        if config.entity_threshold >= 1.0:
            return b""
        lead = lead_entities(text.title_and_text, config.entity_lead_words)
        return little_endian_bytes(entity_hashes(lead))

    def stored(self, analyzed: AnalyzedArticle) -> dict[str, Any]:
        return {self.name: analyzed.raw_entities}

    def value(self, sketch: ArticleSketch) -> bytes:
        return sketch.entities

    def proposes_candidates(self, config: DedupConfig) -> bool:
        return config.entity_threshold < 1.0

    def candidate_keys(self, value: bytes, config: DedupConfig) -> HashArray:
        return np.frombuffer(value, dtype="<u8")


LEAD_ENTITIES = LeadEntitySignal()
