"""Everything computed from one article's own text: language, content hash,
shingles, MinHash signature and passage fingerprints."""

from __future__ import annotations

from urllib.parse import urlsplit

import xxhash

from schemas.records import AnalyzedArticle, ArticleSketch, InputArticle
from transforms.core.config import DedupConfig
from transforms.core.fingerprints import passage_fingerprints
from transforms.core.language import UNDETERMINED, LanguageDetector
from transforms.core.normalize import content_hash, normalize_for_matching
from transforms.core.shingles import shingle_hashes, shingle_size_for, tokens_for
from transforms.core.signatures import SignatureBuilder, signature_to_bytes


def article_key(article_id: str) -> int:
    """A 63-bit key for an article id: compact in shuffles, positive as int64."""
    return xxhash.xxh3_64_intdigest(article_id.encode("utf-8")) >> 1


def site_key(source: str | None, url: str | None) -> int:
    """A key for the publishing site: the source if given, else the URL's host;
    0 when neither is known."""
    site = (source or "").strip().casefold()
    if not site and url:
        site = (urlsplit(url).hostname or "").removeprefix("www.")
    return xxhash.xxh3_64_intdigest(site.encode("utf-8")) >> 1 if site else 0


class ArticleAnalyzer:
    """Holds the heavy state (language profiles, permutations); build once per worker."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self.detector = LanguageDetector(
            config.language_seed, config.language_sample_chars, config.language_min_letters
        )
        self.signatures = SignatureBuilder(config.num_perm, config.minhash_seed)

    def analyze(self, article: InputArticle) -> AnalyzedArticle:
        config = self.config
        detection_text = f"{article.title}\n{article.text}" if article.title else article.text
        guess = self.detector.detect(detection_text)
        language, probability = guess.language, guess.probability
        if language == UNDETERMINED and article.language_hint:
            language = article.language_hint
        tokens = tokens_for(normalize_for_matching(article.text), language)
        shingle_size = shingle_size_for(
            language, config.word_shingle_size, config.char_shingle_size
        )
        hashes = shingle_hashes(tokens, shingle_size)
        fingerprints = passage_fingerprints(hashes, config.anchor_window)
        key = article_key(article.article_id)
        digest = content_hash(article.text)
        sketch = ArticleSketch(
            article_key=key,
            article_id=article.article_id,
            published_ts=article.published_at.timestamp() if article.published_at else None,
            language=language,
            content_hash=digest,
            text_length=len(article.text),
            signature=signature_to_bytes(self.signatures.signature(hashes)),
            fingerprints=fingerprints.astype("<u8").tobytes(),
            site_key=site_key(article.source, article.url),
        )
        return AnalyzedArticle(
            article=article,
            article_key=key,
            language=language,
            language_probability=probability if language == guess.language else None,
            content_hash=digest,
            sketch=sketch,
        )
