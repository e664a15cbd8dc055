"""Language detection: both backends, same answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdedup.transforms.core.signals.language import UNDETERMINED, LanguageDetector, load_backend
from scripts.langdetect_parity import corpus_texts

TEXTS = [
    "Die Bundesregierung hat am Dienstag in Berlin neue Regeln für Häfen beschlossen.",
    "The harbour authority said repairs to the crane would take several weeks.",
    "Le gouvernement a présenté mardi un nouveau plan pour les ports du pays.",
    "El ayuntamiento anunció el martes nuevas normas para el puerto de Valencia.",
    "Rząd przedstawił we wtorek nowe przepisy dotyczące portów morskich.",
    "港口管理局周二表示，起重机的维修工作将持续数周。",
    "12 34 !!",
    "",
]


def both(seed: int = 0, sample_chars: int = 2000) -> tuple[LanguageDetector, LanguageDetector]:
    return (
        LanguageDetector(seed, sample_chars, 20, "langdetect"),
        LanguageDetector(seed, sample_chars, 20, "langdetect_rs"),
    )


def test_default_backend_is_the_fast_one() -> None:
    assert LanguageDetector(0, 2000, 20).backend == "langdetect_rs"
    assert load_backend("langdetect").__name__ == "langdetect.detector_factory"


@pytest.mark.parametrize("text", TEXTS)
def test_backends_agree_bit_for_bit(text: str) -> None:
    reference, fast = both()
    assert fast.detect(text) == reference.detect(text)


def test_known_answers() -> None:
    _, fast = both()
    assert fast.detect(TEXTS[0]).language == "de"
    assert fast.detect(TEXTS[1]).language == "en"
    assert fast.detect(TEXTS[6]).language == UNDETERMINED


def test_backends_agree_on_real_news(shared_data: Path) -> None:
    texts = list(corpus_texts(shared_data / "corpora"))[::20]
    reference, fast = both()
    assert len(texts) > 200
    assert [fast.detect(t) for t in texts] == [reference.detect(t) for t in texts]


@pytest.mark.parametrize("text", TEXTS)
def test_backends_agree_without_a_letter_minimum(text: str) -> None:
    # min_letters 0 sends featureless text ("12 34 !!", "") to the detectors themselves.
    reference = LanguageDetector(0, 2000, 0, "langdetect")
    fast = LanguageDetector(0, 2000, 0, "langdetect_rs")
    assert fast.detect(text) == reference.detect(text)
