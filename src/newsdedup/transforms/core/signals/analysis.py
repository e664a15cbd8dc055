"""Everything computed from one article's text: language, content hash,
shingles, and (once the site's boilerplate is known) the MinHash signature and
passage fingerprints."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

import numpy as np
import xxhash

from newsdedup.schemas.records import AnalyzedArticle, ArticleSketch, InputArticle, ShingledArticle
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.decide.keysets import in_sorted
from newsdedup.transforms.core.signals import registry
from newsdedup.transforms.core.signals.attribution import without_attribution
from newsdedup.transforms.core.signals.daycounts import DayCounts, day_code
from newsdedup.transforms.core.signals.entities import (
    LEAD_ENTITIES,
    NO_FREQUENCIES,
    EntityFrequencies,
    entity_hashes,
    lead_entities,
)
from newsdedup.transforms.core.signals.fingerprints import (
    PASSAGES,
    window_minima,
    without_boilerplate,
)
from newsdedup.transforms.core.signals.language import UNDETERMINED, LanguageDetector
from newsdedup.transforms.core.signals.normalize import content_hash, fold_for_matching
from newsdedup.transforms.core.signals.protocol import ArticleText, little_endian_bytes
from newsdedup.transforms.core.signals.shingles import (
    HashArray,
    shingle_size_for,
    utf8_shingle_hashes,
    utf8_tokens_for,
)
from newsdedup.transforms.core.signals.signatures import (
    MINHASH,
    SignatureBuilder,
    signature_to_bytes,
)
from newsdedup.transforms.core.signals.textboilerplate import NOTHING_KNOWN, DayPassages
from newsdedup.transforms.core.signals.textsites import spread_over_days

NO_BOILERPLATE: HashArray = np.empty(0, dtype=np.uint64)
# A line of the lead whose passage windows are at least this share boilerplate
# is boilerplate: its names are no evidence (a portal's navigation line).
BOILERPLATE_LINE_SHARE = 0.5
# A page that holds a passage found on this share of its site's pages (in the
# window) is under the site's furniture: the site is an outlet, not a feed.
SITE_FURNITURE_SHARE = 0.5
# Counted once per page of a site beside its fingerprints and lead entities: how
# many pages the site has in a window of days. No text hashes to it in practice.
PAGE_HASH = np.uint64(xxhash.xxh64_intdigest(b"newsdedup: one page of the site"))


def _without(hashes: bytes, boilerplate: HashArray) -> bytes:
    if not hashes or not len(boilerplate):
        return hashes
    values = np.frombuffer(hashes, dtype="<u8")
    return values[~in_sorted(values.astype(np.uint64), boilerplate)].astype("<u8").tobytes()


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

    def shingle(self, article: InputArticle) -> ShingledArticle:
        """Language, content hash and shingles: all that needs the article alone."""
        config = self.config
        detection_text = f"{article.title}\n{article.text}" if article.title else article.text
        guess = self.detector.detect(detection_text)
        language, probability = guess.language, guess.probability
        if language == UNDETERMINED and article.language_hint:
            language, probability = article.language_hint, None
        # Credits, copyright and "Read more" lines are no content (see attribution.py).
        matched_text = without_attribution(article.text)
        hashes = content_shingle_hashes(matched_text, language, config)
        title_and_text = f"{article.title}\n{matched_text}" if article.title else matched_text
        values = registry.computed_values(
            ArticleText(article, language, title_and_text, hashes), config
        )
        return ShingledArticle(
            article=article,
            article_key=article_key(article.article_id),
            language=language,
            language_probability=probability,
            content_hash=content_hash(article.text),
            site_key=site_key(article.source, article.url),
            raw_signature=values[MINHASH.name],
            raw_fingerprints=values[PASSAGES.name],
            shingle_hashes=little_endian_bytes(hashes),
            entities=values[LEAD_ENTITIES.name],
            signal_values=registry.voting_values(values),
        )

    def sign(
        self,
        shingled: ShingledArticle,
        boilerplate: HashArray = NO_BOILERPLATE,
        entity_frequencies: EntityFrequencies = NO_FREQUENCIES,
    ) -> AnalyzedArticle:
        return sign_article(shingled, self.signatures, self.config, boilerplate, entity_frequencies)

    def analyze(self, article: InputArticle) -> AnalyzedArticle:
        """Shingle and sign one article on its own (no site boilerplate or entity
        frequencies known)."""
        return self.sign(self.shingle(article))


def content_shingle_hashes(text: str, language: str, config: DedupConfig) -> HashArray:
    """The shingle hashes of a text in its language, in text order."""
    # Whitespace is no part of any token: no need to collapse it first.
    tokens = utf8_tokens_for(fold_for_matching(text), language)
    size = shingle_size_for(language, config.word_shingle_size, config.char_shingle_size)
    return utf8_shingle_hashes(tokens, size)


def sign_article(
    shingled: ShingledArticle,
    signatures: SignatureBuilder,
    config: DedupConfig,
    boilerplate: HashArray = NO_BOILERPLATE,
    entity_frequencies: EntityFrequencies = NO_FREQUENCIES,
    text_boilerplate: HashArray = NO_BOILERPLATE,
) -> AnalyzedArticle:
    """Signature and fingerprints of the article without its boilerplate (site's
    and text's: `boilerplate`); its lead entities weighted by their rarity in the
    corpus, without those of lead lines that are `text_boilerplate` (found from
    the texts alone, see _entities_outside_boilerplate)."""
    article = shingled.article
    # A read-only view of the stored bytes: nothing below writes to it.
    raw_fingerprints = np.frombuffer(shingled.raw_fingerprints, dtype="<u8").astype(
        np.uint64, copy=False
    )
    if in_sorted(raw_fingerprints, boilerplate).any():
        # Carried rather than shingled again: reading them back costs far less than
        # shingling the text.
        hashes = np.frombuffer(shingled.shingle_hashes, dtype="<u8").astype(np.uint64, copy=False)
        content, fingerprints = without_boilerplate(hashes, config.anchor_window, boilerplate)
        signature = signature_to_bytes(signatures.signature(content))
        fingerprint_bytes = little_endian_bytes(fingerprints)
    else:  # no window is boilerplate: the text and its fingerprints stay whole
        signature, fingerprint_bytes = shingled.raw_signature, shingled.raw_fingerprints
    found_entities = shingled.entities
    if in_sorted(raw_fingerprints, text_boilerplate).any():
        found_entities = _entities_outside_boilerplate(shingled, text_boilerplate, config)
    entities = _without(found_entities, boilerplate)
    published_ts = article.published_at.timestamp() if article.published_at else None
    sketch = ArticleSketch(
        article_key=shingled.article_key,
        article_id=article.article_id,
        published_ts=published_ts,
        language=shingled.language,
        content_hash=shingled.content_hash,
        text_length=len(article.text),
        signature=signature,
        fingerprints=fingerprint_bytes,
        entities=entities,
        # Weighed here rather than afterwards: one sketch made, not two.
        entity_weights=_entity_weights(entities, entity_frequencies),
        date_only=article.date_only,
        signal_values=shingled.signal_values,
    )
    return AnalyzedArticle(
        article,
        shingled.language_probability,
        sketch,
        shingled.raw_fingerprints,
        found_entities,
    )


def _entities_outside_boilerplate(
    shingled: ShingledArticle, boilerplate: HashArray, config: DedupConfig
) -> bytes:
    """The article's lead entities but those found only on lines of its lead
    that are boilerplate (BOILERPLATE_LINE_SHARE of their passage windows):
    every page under one navigation line or header names its words, which
    would link unrelated pages when no site tells the line apart. What a line
    alone has too few shingles for a window of its own stays."""
    if not shingled.entities:
        return shingled.entities
    article = shingled.article
    kept, words = [], 0
    for line in without_attribution(article.text).split("\n"):
        minima = window_minima(
            content_shingle_hashes(line, shingled.language, config), config.anchor_window
        )
        if len(minima) > 1 and in_sorted(minima, boilerplate).mean() >= BOILERPLATE_LINE_SHARE:
            continue
        kept.append(line)
        words += len(line.split())
        if words >= config.entity_lead_words:
            break
    lead = "\n".join([article.title, *kept] if article.title else kept)
    found = entity_hashes(lead_entities(lead, config.entity_lead_words))
    entities = np.frombuffer(shingled.entities, dtype="<u8").astype(np.uint64)
    return entities[in_sorted(entities, found)].astype("<u8").tobytes()


def article_boilerplate(
    site_counts: DayCounts | None,
    fingerprints: bytes,
    entities: bytes,
    published_ts: float | None,
    config: DedupConfig,
    text_passages: DayPassages = NOTHING_KNOWN,
) -> HashArray:
    """The fingerprints of an article that are boilerplate by its texts
    (`text_passages`, its day's: see
    newsdedup.transforms.core.signals.textboilerplate), and the fingerprints
    and lead entities of an article that are its site's boilerplate: held by
    more than `max_site_articles` pages of the site (itself included), and by
    more than `site_boilerplate_share` of them, in the
    `count_window_days` days up to its own (see
    newsdedup.transforms.core.signals.daycounts). The share keeps a feed that
    gives all its articles one source (an agency, an aggregator) from being one
    site whose shared wire text is all boilerplate, and a passage counts as
    the texts that hold it (see _texts_counted). A passage found on the
    site's pages on more days than a story lasts is boilerplate whatever its
    share (see newsdedup.transforms.core.signals.textsites)."""
    passages = np.frombuffer(fingerprints, dtype="<u8").astype(np.uint64)
    from_text = passages[in_sorted(passages, text_passages.boilerplate)]
    if site_counts is None:
        return np.unique(from_text)
    hashes = np.concatenate([passages, np.frombuffer(entities, dtype="<u8")]).astype(np.uint64)
    day = day_code(published_ts)
    counts = site_counts.window(hashes, day, config.count_window_days)
    (pages,) = site_counts.window(
        np.array([PAGE_HASH], dtype=np.uint64), day, config.count_window_days
    )
    counts[: len(passages)] = _texts_counted(
        counts[: len(passages)], passages, pages, text_passages
    )
    limit = max(config.max_site_articles, config.site_boilerplate_share * int(pages))
    found = counts > limit
    # Passages (not lead names: a story's names come back on other days) on more
    # days than a story lasts are furniture whatever their share of the pages.
    found[: len(passages)] |= (counts[: len(passages)] > config.max_site_articles) & (
        spread_over_days(site_counts, passages, day, config)
    )
    return np.unique(np.concatenate([hashes[found], from_text]))


def _texts_counted(
    counts: np.ndarray, passages: HashArray, pages: int, text_passages: DayPassages
) -> np.ndarray:
    """A passage's count on the site, by texts: copies of one text are one
    page. On a feed of many outlets' items (one source for all), whose pages
    share no furniture, the few related texts of one story (re-runs, a
    follow-up of a short item) are one page too; on a site, whose furniture is
    on most of its pages (this page holds a passage that is), two of its pages
    that share a passage share furniture unless they are copies."""
    on_site = counts.max(initial=0) >= SITE_FURNITURE_SHARE * pages
    if on_site:
        return np.where(text_passages.units_holding(passages) == 1, 1, counts)
    return np.minimum(counts, text_passages.groups_holding(passages))


def site_count_hashes(fingerprints_and_entities: bytes) -> HashArray:
    """What one page adds to its site's counts: each of its fingerprints and lead
    entities once, and PAGE_HASH, which counts the site's pages."""
    hashes = np.frombuffer(fingerprints_and_entities, dtype="<u8").astype(np.uint64)
    return np.unique(np.append(hashes, PAGE_HASH))


def _entity_weights(entities: bytes, frequencies: EntityFrequencies) -> bytes:
    weights = frequencies.weights(np.frombuffer(entities, dtype="<u8").astype(np.uint64))
    return weights.astype("<f4").tobytes()


def known_sketch(
    sketch: ArticleSketch, boilerplate: HashArray, frequencies: EntityFrequencies
) -> ArticleSketch:
    """The sketch of an article of an earlier run as this run sees it: without
    the site boilerplate learnt since (its signature stays as it was signed)
    and with its lead entities weighted by this run's frequencies."""
    entities = _without(sketch.entities, boilerplate)
    return replace(
        sketch,
        fingerprints=_without(sketch.fingerprints, boilerplate),
        entities=entities,
        entity_weights=_entity_weights(entities, frequencies),
    )
