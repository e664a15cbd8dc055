"""Language detection with langdetect, reproducible and without global state.

langdetect's module-level `detect()` shares one factory whose sampling is random
unless `DetectorFactory.seed` is set. Each `LanguageDetector` owns a factory
with its seed set, so every worker gives the same answer for the same text.

The factory comes from `langdetect-rs` (a Rust port with bit-identical results,
about 28 times faster here: `python scripts/langdetect_parity.py`) when it is
installed, else from pure-Python `langdetect`, the reference.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from newsdedup.transforms.core.signals.normalize import has_letters

BACKENDS = ("langdetect_rs", "langdetect")

UNDETERMINED = "und"


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    language: str
    probability: float | None


def load_backend(name: str | None = None) -> ModuleType:
    """The `detector_factory` module of the named backend, or of the first one
    installed (langdetect-rs, then langdetect)."""
    for candidate in (name,) if name else BACKENDS:
        try:
            return importlib.import_module(f"{candidate}.detector_factory")
        except ImportError:
            if name:
                raise
    raise ImportError("neither langdetect-rs nor langdetect is installed")


class LanguageDetector:
    def __init__(
        self, seed: int, sample_chars: int, min_letters: int, backend: str | None = None
    ) -> None:
        module = load_backend(backend)
        self.backend: str = module.__name__.split(".")[0]
        self._factory: Any = module.DetectorFactory()
        self._factory.load_profile(module.PROFILES_DIRECTORY)
        self._factory.set_seed(seed)
        self._no_features: tuple[type[Exception], ...] = (
            importlib.import_module(f"{self.backend}.lang_detect_exception").LangDetectException,
            IndexError,
        )
        self._sample_chars = sample_chars
        self._min_letters = min_letters
        self._seed_state: Any = None
        if self.backend == "langdetect_rs":
            # Its detector runs the Rust core twice: once without trials only to see
            # whether the text has features, then the real run, which reports a
            # featureless text itself. One run gives the same result in 2/3 of the time.
            self._seed_state = importlib.import_module("langdetect_rs._seed").seed_state(seed)

    def detect(self, text: str) -> LanguageGuess:
        """The most probable language of the first `sample_chars` characters,
        or `und` when they hold too few letters to decide."""
        sample = text[: self._sample_chars]
        if not has_letters(sample, self._min_letters):
            return LanguageGuess(UNDETERMINED, None)
        detector = self._factory.create()
        detector.append(sample)
        try:
            if self._seed_state is None:
                probabilities = detector.get_probabilities()
            else:
                probabilities = self._rust_probabilities(detector)
            best = probabilities[0]
        except self._no_features:
            return LanguageGuess(UNDETERMINED, None)
        return LanguageGuess(best.lang, round(float(best.prob), 6))

    def _rust_probabilities(self, detector: Any) -> list[Any]:
        """`detector.get_probabilities()` of langdetect-rs with one run of its core
        (its `Detector._detect_block` with the defaults that `detect` never changes)."""
        detector.cleaning_text()
        probabilities, error = detector._core.detect_block(
            detector.text, detector.alpha, detector.n_trial, None, self._seed_state
        )
        if error == "features":
            raise IndexError("no features in text")
        if error is not None:
            raise error
        return list(detector._sort_probability(probabilities))
