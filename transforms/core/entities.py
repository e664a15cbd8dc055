"""Lead entities: the names, acronyms and numbers a report opens with.

Independent reports of one event rarely share text, but they name the same
people, places, organisations and figures in their first sentences, in any
language that writes names the same way. A word counts when it is capitalised
and does not open a sentence, or holds a digit (two or more characters). Words
are case- and accent-folded (so "Zürich" meets "Zurich"). Matching these sets
with MinHash-style set similarity is what still works across languages.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import xxhash

from transforms.core.shingles import HashArray

_WORD = re.compile(r"\w+")
_SENTENCE_END = frozenset(".!?")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def lead_entities(text: str, lead_words: int) -> list[str]:
    """Folded entity words among the first `lead_words` words of `text`."""
    found: list[str] = []
    previous_end = -1
    sentence_start = True
    for count, match in enumerate(_WORD.finditer(text)):
        if count >= lead_words:
            break
        gap = text[previous_end + 1 : match.start()] if previous_end >= 0 else ""
        if previous_end >= 0:
            sentence_start = any(ch in _SENTENCE_END for ch in gap) or "\n" in gap
        previous_end = match.end() - 1
        word = match.group(0)
        if any(ch.isdigit() for ch in word):
            if len(word) >= 2:
                found.append(word)
        elif len(word) >= 2 and word[0].isupper() and not sentence_start:
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


def entity_overlap(left: bytes, right: bytes) -> tuple[int, float]:
    """Shared entities and their Jaccard similarity (both as stored: sorted uint64)."""
    a = np.frombuffer(left, dtype="<u8")
    b = np.frombuffer(right, dtype="<u8")
    if len(a) == 0 or len(b) == 0:
        return 0, 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared, shared / (len(a) + len(b) - shared)
