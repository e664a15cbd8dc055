"""Invented text for tests: deterministic, with controllable overlap.

Words are drawn from a large made-up vocabulary, so two texts share a run of
words only where a test puts one on purpose.
"""

from __future__ import annotations

import random

_SYLLABLES = [
    "ka",
    "lo",
    "mer",
    "tin",
    "sa",
    "vor",
    "el",
    "dun",
    "pri",
    "os",
    "ta",
    "ben",
    "ru",
    "gal",
]
_FUNCTION_WORDS = ["the", "and", "of", "to", "in", "said", "with", "for", "on", "was"]


def word(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(_FUNCTION_WORDS)
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


def paragraph(rng: random.Random, words: int = 45) -> str:
    return " ".join(word(rng) for _ in range(words)).capitalize() + "."


def article(seed: int, paragraphs: int = 5) -> list[str]:
    """Paragraphs of an invented article; the same seed gives the same text."""
    rng = random.Random(seed)
    return [paragraph(rng) for _ in range(paragraphs)]


def edited(paragraphs: list[str], seed: int) -> list[str]:
    """A re-run: a dateline, one word changed per paragraph, the last paragraph dropped."""
    rng = random.Random(seed)
    result = []
    for text in paragraphs[:-1]:
        words = text.split()
        words[rng.randrange(len(words))] = "reportedly"
        result.append(" ".join(words))
    result[0] = "PORTO (Wire) - " + result[0]
    return result


def text(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)
