"""Language detection with langdetect, reproducible and without global state.

langdetect's module-level `detect()` shares one factory whose sampling is random
unless `DetectorFactory.seed` is set. Each `LanguageDetector` owns a factory
with its seed set, so every worker gives the same answer for the same text.
"""

from __future__ import annotations

from dataclasses import dataclass

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from transforms.core.normalize import letter_count

UNDETERMINED = "und"


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    language: str
    probability: float | None


class LanguageDetector:
    def __init__(self, seed: int, sample_chars: int, min_letters: int) -> None:
        self._factory = DetectorFactory()
        self._factory.load_profile(PROFILES_DIRECTORY)
        self._factory.set_seed(seed)
        self._sample_chars = sample_chars
        self._min_letters = min_letters

    def detect(self, text: str) -> LanguageGuess:
        """The most probable language of the first `sample_chars` characters,
        or `und` when they hold too few letters to decide."""
        sample = text[: self._sample_chars]
        if letter_count(sample) < self._min_letters:
            return LanguageGuess(UNDETERMINED, None)
        detector = self._factory.create()
        detector.append(sample)
        try:
            best = detector.get_probabilities()[0]
        except (LangDetectException, IndexError):
            return LanguageGuess(UNDETERMINED, None)
        return LanguageGuess(best.lang, round(float(best.prob), 6))
