"""Check that langdetect-rs gives langdetect's results bit for bit, and time both.

Runs newsdedup's `LanguageDetector` (same seed, same text sample) with each
backend over the real articles in ../shared/data/corpora and compares every
language and probability.

    python scripts/langdetect_parity.py [--corpora DIR] [--limit N] [--sample-chars 2000]

Exits 1 if any result differs.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.language import LanguageDetector, LanguageGuess

DEFAULT_CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "corpora"


def corpus_texts(corpora: Path) -> Iterator[str]:
    """Title and text of every English article, then every German article."""
    csv.field_size_limit(1 << 30)
    with (corpora / "news_en.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield f"{row['title']}\n{row['text']}"
    with (corpora / "news_de.csv").open(encoding="utf-8", newline="") as handle:
        for fields in csv.reader(handle, delimiter=";", quotechar="'"):
            yield fields[1]


def detect_all(
    backend: str, texts: list[str], sample_chars: int
) -> tuple[list[LanguageGuess], float]:
    config = DedupConfig()
    detector = LanguageDetector(
        config.language_seed, sample_chars, config.language_min_letters, backend
    )
    started = time.perf_counter()
    guesses = [detector.detect(text) for text in texts]
    return guesses, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--limit", type=int, default=0, help="only the first N texts (0: all)")
    parser.add_argument("--sample-chars", type=int, default=DedupConfig().language_sample_chars)
    args = parser.parse_args(argv)
    texts = list(corpus_texts(args.corpora))
    if args.limit:
        texts = texts[: args.limit]
    reference, reference_seconds = detect_all("langdetect", texts, args.sample_chars)
    fast, fast_seconds = detect_all("langdetect_rs", texts, args.sample_chars)
    differing = sum(1 for a, b in zip(reference, fast, strict=True) if a != b)
    print(f"{len(texts)} texts, first {args.sample_chars} characters each")
    print(
        f"langdetect     {reference_seconds:7.2f} s  {len(texts) / reference_seconds:8.0f} texts/s"
    )
    print(f"langdetect-rs  {fast_seconds:7.2f} s  {len(texts) / fast_seconds:8.0f} texts/s")
    print(f"speed-up {reference_seconds / fast_seconds:.1f}x; results differing: {differing}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
