"""Tests for core.signals.normalize: matching form, words, letters and content hashes."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.transforms.core.signals.normalize import (
    content_hash,
    has_letters,
    letter_count,
    normalize_for_matching,
    words,
)

# --- normalize_for_matching ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("\u201eWir gehen\u201c, sagte sie.", '"wir gehen", sagte sie.'),
        ("\u00abNon\u00bb", '"non"'),
        ("\u2018yes\u2019", "'yes'"),
        ("\u201cOK\u201d", '"ok"'),
        ("\u2039a\u203a", "'a'"),
        ("Nord\u2013S\u00fcd", "nord-s\u00fcd"),
        ("Nord\u2014S\u00fcd", "nord-s\u00fcd"),
        ("minus \u2212 5", "minus - 5"),
        ("non\u2011breaking", "non-breaking"),
    ],
)
def test_quotes_and_dashes_are_folded(left: str, right: str) -> None:
    assert normalize_for_matching(left) == normalize_for_matching(right)


def test_folded_quote_and_dash_are_ascii() -> None:
    assert normalize_for_matching("\u201eA\u201c \u2013 \u2019b\u2019") == "\"a\" - 'b'"


def test_case_is_folded_including_sharp_s() -> None:
    assert normalize_for_matching("STRASSE Straße") == "strasse strasse"


def test_nfd_and_nfc_match() -> None:
    nfc = "Caf\u00e9 in M\u00fcnchen"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert normalize_for_matching(nfd) == normalize_for_matching(nfc) == "café in münchen"


def test_whitespace_is_collapsed_and_stripped() -> None:
    raw = "  Der\t\tRat \u00a0 tagt\nheute\u202f\u2007jetzt  "
    assert normalize_for_matching(raw) == "der rat tagt heute jetzt"


def test_zero_width_space_and_soft_hyphen_are_removed() -> None:
    assert normalize_for_matching("Bundes\u00adtag Zu\u200bsammen") == "bundestag zusammen"


def test_different_words_stay_different() -> None:
    assert normalize_for_matching("Der Rat tagt") != normalize_for_matching("Der Rat tagte")


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_for_matching(text)
    assert normalize_for_matching(once) == once


@given(st.text())
def test_normalized_text_has_single_spaces_only(text: str) -> None:
    out = normalize_for_matching(text)
    assert out == out.strip()
    assert "  " not in out
    assert not any(ch.isspace() and ch != " " for ch in out)


# --- words and letter_count ----------------------------------------------------------------------


def test_words_drop_punctuation() -> None:
    text = normalize_for_matching("„Wir gehen!“, sagte sie – (heute) ... 3,5 % mehr?")
    assert words(text) == ["wir", "gehen", "sagte", "sie", "heute", "3", "5", "mehr"]


def test_words_keep_non_latin_letters() -> None:
    assert words("привет, мир! Ελλάδα") == ["привет", "мир", "Ελλάδα"]


def test_words_of_punctuation_only_is_empty() -> None:
    assert words(" -- ... !? ") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("abc", 3),
        ("a1b2_c3", 3),
        ("Straße 12!", 6),
        ("日本語です", 5),
        ("   ...  123 ", 0),
    ],
)
def test_letter_count(text: str, expected: int) -> None:
    assert letter_count(text) == expected


# --- content_hash --------------------------------------------------------------------------------


def test_content_hash_ignores_whitespace_differences() -> None:
    assert content_hash("Der Rat  tagt\nheute.") == content_hash("  Der Rat tagt heute. \n")
    assert content_hash("a\tb") == content_hash("a b")


def test_content_hash_ignores_unicode_composition() -> None:
    nfc = "Caf\u00e9 M\u00fcnchen"
    assert content_hash(unicodedata.normalize("NFD", nfc)) == content_hash(nfc)


@pytest.mark.parametrize(
    "edited",
    [
        "Der Rat tagt heute!",
        "der Rat tagt heute.",
        "Der Rat tagt heute..",
        "Der Rat tagte heute.",
        "DerRat tagt heute.",
        "\u201eDer Rat tagt heute.\u201c",
    ],
)
def test_content_hash_changes_with_any_visible_edit(edited: str) -> None:
    assert content_hash(edited) != content_hash("Der Rat tagt heute.")


def test_content_hash_format_is_stable_hex() -> None:
    digest = content_hash("x")
    assert len(digest) == 32
    int(digest, 16)
    assert content_hash("x") == digest


@pytest.mark.parametrize("count", [0, 1, 5, 6, 20])
@pytest.mark.parametrize("text", ["", "abc12 def", "Zürich 2026: ÉTÉ", "1234 -- !!"])
def test_has_letters_agrees_with_letter_count(text: str, count: int) -> None:
    assert has_letters(text, count) == (letter_count(text) >= count)
