"""The per-article core functions made faster give what their first, plainer
versions gave (kept here as `_reference_*`), on tricky and on random text.

scripts/analysis_parity.py checks the same against a git revision on the real corpora.
"""

from __future__ import annotations

import random
import re
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import xxhash
from numpy.lib.stride_tricks import sliding_window_view

from newsdedup.transforms.core.formats.textdocs import (
    _CHAR_TABLE,
    _normalize_line_breaks,
    clean_text,
)
from newsdedup.transforms.core.signals.entities import lead_entities
from newsdedup.transforms.core.signals.fingerprints import passage_fingerprints, window_minima
from newsdedup.transforms.core.signals.normalize import (
    fold_for_matching,
    normalize_for_matching,
    utf8_words,
    words,
)
from newsdedup.transforms.core.signals.shingles import (
    _MIX_MULTIPLIERS,
    HashArray,
    shingle_hashes,
    tokens_for,
    utf8_tokens_for,
)
from scripts import analysis_parity

# Words, separators and sentence ends that exercise every branch: capitals,
# digits of several scripts, underscores, combining accents, sharp s, titlecase,
# Greek, CJK, control and whitespace characters.
_PIECES = (
    "the", "Mayor", "Zürich", "Straße", "STRASSE", "ǅemal", "Σίσυφος", "A380", "x²",
    "x_1", "٣٤", "2025", "e\u0301t\u00e9", "Jose\u0301", "日本", "5", "I", "a", "_",
    " ", " ", " ", "  ", "\n", "\n\n", ". ", "! ", "? ", ", ", " - ", "\u00a0", "\t",
    "\r\n", "\r", "\u0085", "\u2028", "\x00", "\ufeff", "\x7f", "“", "...", "\u3000",
    "©", "…", "·", "é_x", "\u00a0", "\ud800",
)  # fmt: skip


def _random_texts(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(_PIECES, k=rng.randint(0, 300))) for _ in range(count)]


def _reference_lead_entities(text: str, lead_words: int) -> list[str]:
    found: list[str] = []
    previous_end = -1
    sentence_start = True
    for count, match in enumerate(re.finditer(r"\w+", text)):
        if count >= lead_words:
            break
        if previous_end >= 0:
            sentence_start = not frozenset(".!?\n").isdisjoint(
                text[previous_end + 1 : match.start()]
            )
        previous_end = match.end() - 1
        word = match.group(0)
        if not word.isalpha() and any(ch.isdigit() for ch in word):
            if len(word) >= 2:
                found.append(word)
        elif len(word) >= 2 and word[0].isupper() and not sentence_start:
            decomposed = unicodedata.normalize("NFKD", word.casefold())
            found.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return found


def _reference_clean_text(text: str) -> str:
    prepared = unicodedata.normalize("NFC", _normalize_line_breaks(text).translate(_CHAR_TABLE))
    out: list[str] = []
    blank_pending = False
    for line in prepared.split("\n"):
        words = line.split()
        if not words:
            blank_pending = bool(out)
            continue
        if blank_pending:
            out.append("")
            blank_pending = False
        out.append(" ".join(words))
    return "\n".join(out)


def _reference_shingle_hashes(tokens: list[str], size: int) -> HashArray:
    def splitmix(z: HashArray) -> HashArray:
        z = z ^ (z >> np.uint64(30))
        z = z * np.uint64(0xBF58476D1CE4E5B9)
        z = z ^ (z >> np.uint64(27))
        z = z * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))

    if not tokens:
        return np.empty(0, dtype=np.uint64)
    token_hashes = np.array([xxhash.xxh3_64_intdigest(t.encode()) for t in tokens], np.uint64)
    size = min(size, len(token_hashes))
    count = len(token_hashes) - size + 1
    combined = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            multiplier = _MIX_MULTIPLIERS[offset % len(_MIX_MULTIPLIERS)] + np.uint64(2 * offset)
            combined = splitmix(combined ^ (token_hashes[offset : offset + count] * multiplier))
    return combined


@pytest.mark.parametrize(
    ("text", "lead_words", "expected"),
    [
        ("", 120, []),
        ("   \n ", 120, []),
        ("2025 1999 42 7", 120, ["2025", "1999", "42"]),
        ("... !!! ???", 120, []),
        ("Mr. Smith met Dr. Jones. They spoke! Why? Because Berlin", 120, ["dr", "berlin"]),
        ("Die Straße STRASSE Maß", 120, ["strasse", "strasse", "mass"]),
        # A decomposed accent is no word character: it splits the word.
        ("Le ministre Jose\u0301 Garci\u0301a parle", 120, ["jose", "garci"]),
        ("Title Line\nFirst Word In Body", 3, ["line"]),
        ("Short Text With Names", 120, ["text", "with", "names"]),
        ("at Ǆemal and ǅemal or ΑΘΗΝΑ", 120, ["dzemal", "αθηνα"]),
        ("x " * 119 + "Alpha Beta", 120, ["alpha"]),
        ("x " * 120 + "Alpha Beta", 120, []),
        ("the A380 and F-16 in 2024, COVID19 or covid_19 x²", 120, ["A380", "16", "2024",
         "COVID19", "covid_19", "x²"]),
        ("Alpha Beta Gamma", 0, []),
        ("one Two Three", 2, ["two"]),
        ("日本 東京 Tokyo", 120, ["tokyo"]),
    ],
)  # fmt: skip
def test_lead_entities_of_tricky_text(text: str, lead_words: int, expected: list[str]) -> None:
    assert lead_entities(text, lead_words) == expected
    assert _reference_lead_entities(text, lead_words) == expected


@pytest.mark.parametrize("lead_words", [0, 1, 2, 7, 120, 10_000])
def test_lead_entities_equal_the_reference_on_random_text(lead_words: int) -> None:
    texts = _random_texts(300, seed=lead_words)
    assert [lead_entities(t, lead_words) for t in texts] == [
        _reference_lead_entities(t, lead_words) for t in texts
    ]
    assert any(lead_entities(t, lead_words) for t in texts) == (lead_words > 0)


def test_clean_text_equals_the_reference_on_random_text() -> None:
    texts = [*_random_texts(500), "", "\n\n a \n\n\n b \n", "a\r\n\r\n\r\nb", "\x00\x85"]
    cleaned = [clean_text(t) for t in texts]
    assert cleaned == [_reference_clean_text(t) for t in texts]
    assert clean_text("a\x00b\t c\u2028d\n\n\n\ne ") == "ab c d\n\ne"
    # Text that is clean already comes back as it is; any other whitespace is tidied.
    for tidy in ("", "a b\n\nc d\ne", "Zürich, 5 km²."):
        assert clean_text(tidy) == tidy
    for untidy in ("a\u2009b", "a\u3000b", "a  b", "a \nb", "a\n b", "a\n\n\nb", " a", "a\n"):
        assert clean_text(untidy) == _reference_clean_text(untidy) != untidy
    assert clean_text("Cafe\u0301 a") == "Café a"


def test_no_whitespace_beyond_the_basic_multilingual_plane() -> None:
    # clean_text looks for odd whitespace among the first 65,536 code points only.
    assert not [code for code in range(0x10000, 0x110000) if chr(code).isspace()]


@pytest.mark.parametrize("size", [1, 3, 5, 9])
def test_shingle_hashes_equal_the_reference(size: int) -> None:
    for text in _random_texts(100, seed=size):
        tokens = words(text)
        assert np.array_equal(shingle_hashes(tokens, size), _reference_shingle_hashes(tokens, size))


@pytest.mark.parametrize("window", [1, 2, 4, 16, 17, 40])
def test_window_minima_and_fingerprints_equal_numpys(window: int) -> None:
    rng = np.random.default_rng(window)
    for length in (0, 1, window - 1, window, window + 1, 300):
        hashes = rng.integers(0, 50, size=max(length, 0), dtype=np.uint64)
        if len(hashes) == 0:
            expected = np.empty(0, dtype=np.uint64)
        elif len(hashes) <= window:
            expected = hashes.min(keepdims=True)
        else:
            expected = sliding_window_view(hashes, window).min(axis=1)
        minima = window_minima(hashes, window)
        assert minima.dtype == np.uint64 and np.array_equal(minima, expected)
        fingerprints = passage_fingerprints(hashes, window)
        assert fingerprints.dtype == np.uint64
        assert np.array_equal(fingerprints, np.unique(expected))


def test_words_equal_the_regex_on_ascii_and_other_text() -> None:
    rng = random.Random(1)
    ascii_characters = [chr(code) for code in range(128)]
    texts = ["".join(rng.choices(ascii_characters, k=rng.randint(0, 80))) for _ in range(300)]
    for text in [*texts, *_random_texts(100)]:
        assert words(text) == re.findall(r"\w+", text)
    assert words("don't stop_me, 42x\tA-b") == ["don", "t", "stop_me", "42x", "A", "b"]


def test_word_characters_are_alphanumerics_and_the_underscore() -> None:
    # utf8_words relies on it; Python's re documents \w this way for str patterns.
    every_character = "".join(map(chr, range(0x110000)))
    assert re.findall(r"\w", every_character) == [
        ch for ch in every_character if ch.isalnum() or ch == "_"
    ]


def test_utf8_words_are_the_encoded_words() -> None:
    texts = [*_random_texts(400, seed=3), "", "a © b", "naïve café…", "x\u3000y", "a\ud800b"]
    for text in texts:
        assert utf8_words(text) == [w.encode() for w in re.findall(r"\w+", text)]
    assert utf8_words("Zürich © 2024… über_all") == [b"Z\xc3\xbcrich", b"2024", b"\xc3\xbcber_all"]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_tokens_of_folded_text_are_those_of_normalised_text(language: str) -> None:
    # The analysis tokenises text without collapsing its whitespace first.
    for text in [*_random_texts(300, seed=4), "a\u3000b\u00a0c \u2009 d", "日本 語"]:
        expected = [t.encode() for t in tokens_for(normalize_for_matching(text), language)]
        assert utf8_tokens_for(fold_for_matching(text), language) == expected


def test_parity_script_finds_no_difference(shared_data: Path, tmp_path: Path) -> None:
    reference = "dc4f321"
    known = subprocess.run(["git", "cat-file", "-e", f"{reference}^{{commit}}"], check=False)
    if known.returncode:
        pytest.skip(f"revision {reference} not in this clone")
    bench = tmp_path / "absent.jsonl"
    arguments = ["--limit", "60", "--corpora", str(shared_data / "corpora"), "--bench", str(bench)]
    assert analysis_parity.main(arguments) == 0
