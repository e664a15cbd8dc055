"""Generate a labelled news corpus for evaluating near-duplicate and story clustering.

    python scripts/make_corpus.py --out DIR --size N --seed S
        [--languages en,de] [--start 2026-01-05] [--days 30] [--corpora DIR]
        [--story-share 0.7] [--rerun-max 4] [--followup-max 3] [--blog-count 2] ...

The texts are real: English and German news articles read at run time from
``../shared/data/corpora`` (``news_en.csv``, ``news_de.csv``); nothing of them is
stored in the repository. Each source article is used at most once, by one story
or one singleton, so the only text two stories share is text this generator puts
there on purpose. Sources are cleaned first: broken encodings are skipped or
repaired, sentences found in three or more articles (an outlet's sign-off) are
removed, exact duplicates and articles that share passages with an earlier one (the
same wire story at two outlets) are dropped, and so are articles with fewer than
five sentences. Texts have no paragraphs, so sentences are grouped 2-4 per
paragraph.

The model, per language (a story never mixes languages):

- **Sites**: 12 invented outlets with ``.test`` domains, two of them news agencies.
  About half of the outlets (``--boilerplate-site-share`` of all sites) wrap every
  page in their own boilerplate (navigation line, newsletter box, cookie notice,
  copyright footer; 60-150 words, identical on every page of the site), so pages
  of different stories on one site share long identical passages.
- **Stories**: an agency original (a real article at an agency) plus 0..``--rerun-max``
  re-runs at other outlets (the same text with a dateline, a footer, at most one
  paragraph trimmed or dropped, 1-3 % of the words edited, another headline, other
  quotes, spaces and case: same ``dup`` label), sometimes an exact copy (identical
  text under another id), and 0..``--followup-max`` follow-ups (their own lead and
  ending from an unused article around a third to a half of the agency paragraphs:
  own ``dup``, same ``story``). With ``--background-rate`` a background paragraph
  from an unused article appears in a follow-up of one story and in a follow-up or
  the agency text of another story published around the same time: it must not
  merge them. Members follow the original within 48 hours.
- **Singletons**: unrelated articles; ``--short-page-rate`` of them are short pages
  (1-2 sentences on a boilerplate site, so the page is mostly boilerplate).
- **Newsblogs**: ``--blog-count`` documents per language in the plain-text newsblog
  format, with day headings and entries that repeat 1-2 agency paragraphs of a story
  of that day (label: that story, own ``dup``) or come from unused articles.
- **Re-deliveries**: ``--redelivery-rate`` of the JSON records appear twice.
- **Traps** (off by default): ``--aggregator-rate`` adds an aggregator that carries
  that share of the stories (a re-run crediting the agency in its dateline, "Brussels
  (mw) -") and of the singletons, every item ending in the agency's copyright line and
  a "Read more:" line; ``--portal-rate`` turns that share of the singletons into
  short briefs of a portal under one footer, whose records never carry source or URL;
  ``--short-wire-rate`` makes that share of the stories short wire items (two
  paragraphs) whose follow-ups reuse all of them inside as much text of their own.

Metadata: with ``--metadata-variants`` the same corpus is also written as
``DIR/input-none/`` (no ``source``, no ``url``: a scraped dump) and
``DIR/input-one-source/`` (``source`` the same for every record, no ``url``: an
agency or aggregator feed), same lines in the same order, same newsblogs, same
labels.

Output: ``DIR/input/articles.jsonl`` (shuffled), ``DIR/input/blogs/<id>.txt``,
``DIR/labels.jsonl`` (one line per article id the pipeline outputs:
``article_id, story, dup, kind, language``) and ``DIR/manifest.json`` (arguments,
counts, sites). The same arguments give byte-identical output: all randomness comes
from one ``random.Random(seed)``.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import math
import re
import sys
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = REPO_ROOT.parent / "shared" / "data" / "corpora"
LANGUAGES = ("en", "de")
KINDS = (
    "agency",
    "rerun",
    "exact_copy",
    "followup",
    "singleton",
    "short_page",
    "blog_entry",
    "aggregator_item",
    "portal_brief",
)
TRAP_KINDS = ("aggregator_item", "portal_brief")  # only with --aggregator-rate, --portal-rate
# How the records name their outlet: each corpus can be delivered in all three.
METADATA_VARIANTS = ("full", "none", "one-source")
ONE_SOURCE = "Newsdesk Feed"

MIN_SENTENCES = 5
AGENCY_MIN_SENTENCES = 8
AGENCY_MIN_PARAGRAPHS = 4
MAX_SENTENCES = 40
OVERLAP_SHINGLE_WORDS = 8
OVERLAP_SAMPLE = 4  # keep one shingle hash in four when looking for shared passages
OVERLAP_MAX_SHARED = 1  # sampled shingles an article may share with the ones kept before it
COMMON_ARTICLES = 3
MAX_STORY_HOURS = 48.0
BOILERPLATE_WORDS = (60, 150)
HEADLINE_MAX_CHARS = 160
SHORT_PAGE_WORDS = 45
SYNTHETIC_PERIOD = 5  # --synthetic-sources replace one word in five
SENTENCE_PUNCTUATION = ".,;:!?"
# Stripped from a word before it is read as a name or number.
NAME_PUNCTUATION = SENTENCE_PUNCTUATION + "\"'“”„‘’()"


def _param(
    default: Any, help_text: str, *, lo: float | None = None, hi: float | None = None
) -> Any:
    return field(default=default, metadata={"help": help_text, "lo": lo, "hi": hi})


@dataclass(frozen=True, slots=True)
class MixConfig:
    """How the corpus is composed; every field is a ``--flag`` of the CLI."""

    story_share: float = _param(
        0.7, "share of the non-blog article ids that belong to multi-article stories", lo=0, hi=1
    )
    rerun_max: int = _param(4, "most re-runs of one agency original", lo=0, hi=8)
    followup_max: int = _param(3, "most follow-ups of one story", lo=0, hi=6)
    exact_copy_rate: float = _param(
        0.05, "probability that a story gets an exact copy under another id", lo=0, hi=1
    )
    blog_count: int = _param(2, "newsblog documents per language", lo=0)
    blog_entries_min: int = _param(4, "fewest entries of one newsblog", lo=2)
    blog_entries_max: int = _param(8, "most entries of one newsblog", lo=2)
    blog_story_share: float = _param(
        0.6, "probability that a newsblog entry repeats a story of its day", lo=0, hi=1
    )
    redelivery_rate: float = _param(
        0.03, "share of JSON records delivered twice (same id, same object)", lo=0, hi=1
    )
    boilerplate_site_share: float = _param(
        0.5, "share of the sites that wrap every page in boilerplate", lo=0, hi=10 / 12
    )
    short_page_rate: float = _param(
        0.1, "share of the singletons that are short pages on boilerplate sites", lo=0, hi=1
    )
    background_rate: float = _param(
        0.15,
        "probability that a story with a follow-up shares a background paragraph "
        "with another story",
        lo=0,
        hi=1,
    )
    edit_min: float = _param(0.01, "fewest edited words in a re-run, as a share", lo=0, hi=0.2)
    edit_max: float = _param(0.03, "most edited words in a re-run, as a share", lo=0, hi=0.2)
    trim_rate: float = _param(
        0.5, "probability that a re-run trims or drops one paragraph", lo=0, hi=1
    )
    light_edit_rate: float = _param(
        0.3,
        "probability that a reused paragraph (follow-up, newsblog) is lightly edited",
        lo=0,
        hi=1,
    )
    aggregator_rate: float = _param(
        0.0,
        "trap: probability that a story, and share of the singletons, is also carried by an "
        "aggregator whose every item has agency lines (dateline, copyright, 'Read more')",
        lo=0,
        hi=1,
    )
    portal_rate: float = _param(
        0.0,
        "trap: share of the singletons that are short briefs of a portal with one footer, "
        "delivered without source and URL in every metadata variant",
        lo=0,
        hi=1,
    )
    short_wire_rate: float = _param(
        0.0,
        "trap: probability that a story is a short wire item (two paragraphs) whose "
        "follow-ups reuse all of it",
        lo=0,
        hi=1,
    )


@dataclass(frozen=True, slots=True)
class CorpusConfig:
    out: Path
    size: int
    seed: int
    languages: tuple[str, ...] = LANGUAGES
    start: date = date(2026, 1, 5)
    days: int = 30
    corpora: Path = DEFAULT_CORPORA
    mix: MixConfig = field(default_factory=MixConfig)
    synthetic_sources: bool = False
    metadata_variants: bool = False


# --- source articles -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceArticle:
    key: str  # "<language>:<row>", for tracing only
    language: str
    title: str
    sentences: tuple[str, ...]


def _words(text: str) -> list[str]:
    return text.split()


_ABBREVIATIONS = frozenset(
    _words(
        "mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm st jr sr inc corp "
        "co ltd no vs etc jan feb mar apr jun jul aug sep sept oct nov dec rev hon mt "
        "ft fig approx dept est bzw ca nr vgl usw mio mrd abs ggf inkl zb str tel"
    )
)
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’“)\]]*\s+")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]?\.?")
_ORDINAL = re.compile(r"\d{1,2}\.")
_WORD = re.compile(r"\w+")
_PLAIN_WORD = re.compile(r"[^\W\d_]+")
_GERMAN_DATELINE = re.compile(r"^[^\W\d][\w./ -]{1,40}? – ")


def _starts_sentence(text: str) -> bool:
    stripped = text.lstrip("\"'“„‘(")
    return bool(stripped) and (stripped[0].isupper() or stripped[0].isdigit())


def _is_abbreviation(token: str, language: str) -> bool:
    token = token.lstrip("\"'“„‘(")
    if token.rstrip(".").lower() in _ABBREVIATIONS or _INITIALS.fullmatch(token):
        return True
    return language == "de" and bool(_ORDINAL.fullmatch(token))


def split_sentences(text: str, language: str) -> list[str]:
    """Sentences of a whitespace-collapsed text (a heuristic good enough for news)."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if not _starts_sentence(text[match.end() : match.end() + 3]):
            continue
        before = text[start : match.start() + 1].split()
        if before and _is_abbreviation(before[-1], language):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _repair_english(text: str) -> str:
    """Undo the corpus's mangled typographic characters (``"?`` for a quote or apostrophe)."""
    # "said.- Next", "said.-Next": line breaks lost on the way into the CSV
    text = re.sub(r"(?<=[.!?:\"])-+(?=\s|[A-Z\"])", " ", text)
    text = re.sub(r'(?<=[^\W\d_])"\?(?=[a-z])', "' ", text)
    text = re.sub(r'(?<=\s)"\?', "- ", text)
    text = text.replace('"?', '" ')
    text = text.replace("\u200b", "").replace("\u00a0", " ")
    return " ".join(text.split())


def _allow_long_fields() -> None:
    # Some articles are longer than the csv module's default field limit of 128 KiB.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _read_english(path: Path) -> list[tuple[str, str]]:
    _allow_long_fields()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pairs = []
    for row in rows:
        text, title = row.get("text") or "", " ".join((row.get("title") or "").split())
        if "\ufffd" in text or "\ufffd" in title or not title:
            continue
        pairs.append((_repair_english(title), _repair_english(text)))
    return pairs


def _read_german(path: Path) -> list[tuple[str, str]]:
    _allow_long_fields()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=";", quotechar="'"))
    pairs = []
    for row in rows:
        if len(row) < 2 or "\ufffd" in row[1]:
            continue
        text = " ".join(row[1].split())
        sentences = split_sentences(text, "de")
        if len(sentences) > 1:
            # The first sentence is derStandard's teaser: it serves as the headline.
            pairs.append((sentences[0], " ".join(sentences[1:])))
    return pairs


def _normalised(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _sentence_hashes(sentence: str) -> list[int]:
    """CRC-32 of every run of OVERLAP_SHINGLE_WORDS words in the sentence."""
    words = _WORD.findall(sentence.casefold())
    size = OVERLAP_SHINGLE_WORDS
    return [
        zlib.crc32(" ".join(words[i : i + size]).encode()) for i in range(len(words) - size + 1)
    ]


def _frequent_hashes(hashes: Sequence[Sequence[Sequence[int]]]) -> set[int]:
    """Hashes found in at least COMMON_ARTICLES articles."""
    per_article = [
        np.unique(np.fromiter((h for sentence in article for h in sentence), dtype=np.uint32))
        for article in hashes
    ]
    values, counts = np.unique(np.concatenate(per_article), return_counts=True)
    return set(values[counts >= COMMON_ARTICLES].tolist())


def _clean_bodies(bodies: list[list[str]]) -> list[tuple[list[str], set[int]]]:
    """Per article: its sentences without boilerplate, and a sample of their shingle hashes.

    A sentence is dropped if it occurs in COMMON_ARTICLES or more articles, or shares a run
    of 8 words with that many: outlets' sign-offs, captions, credits and wire copy.
    """
    sentence_articles = Counter(s for body in bodies for s in {_normalised(x) for x in body})
    hashes = [[_sentence_hashes(sentence) for sentence in body] for body in bodies]
    frequent = _frequent_hashes(hashes)
    cleaned = []
    for body, body_hashes in zip(bodies, hashes, strict=True):
        kept = [
            (sentence, sentence_hashes)
            for sentence, sentence_hashes in zip(body, body_hashes, strict=True)
            if sentence_articles[_normalised(sentence)] < COMMON_ARTICLES
            and frequent.isdisjoint(sentence_hashes)
        ]
        sample = {
            h for _, sentence_hashes in kept for h in sentence_hashes if h % OVERLAP_SAMPLE == 0
        }
        cleaned.append(([sentence for sentence, _ in kept], sample))
    return cleaned


@functools.lru_cache(maxsize=4)
def _load_cached(
    path_text: str, language: str, stamp: tuple[int, int]
) -> tuple[SourceArticle, ...]:
    path = Path(path_text)
    pairs = _read_english(path) if language == "en" else _read_german(path)
    seen_texts: set[str] = set()
    titles: list[str] = []
    bodies: list[list[str]] = []
    for title, text in pairs:
        if text in seen_texts:
            continue
        seen_texts.add(text)
        titles.append(title)
        bodies.append(split_sentences(text, language))
    kept: list[SourceArticle] = []
    seen_shingles: set[int] = set()
    for row, (title, (sentences, shingles)) in enumerate(
        zip(titles, _clean_bodies(bodies), strict=True)
    ):
        if len(sentences) < MIN_SENTENCES or max(len(x.split()) for x in sentences) > 90:
            continue  # too short, or a table or list that does not split into sentences
        if len(shingles & seen_shingles) > OVERLAP_MAX_SHARED:
            continue  # shares a passage with an article kept before
        seen_shingles |= shingles
        kept.append(
            SourceArticle(f"{language}:{row}", language, title, tuple(sentences[:MAX_SENTENCES]))
        )
    return tuple(kept)


def load_sources(corpora: Path, language: str) -> tuple[SourceArticle, ...]:
    """The usable source articles of one language, in file order (cached per file version)."""
    path = corpora / f"news_{language}.csv"
    stat = path.stat()
    return _load_cached(str(path.resolve()), language, (stat.st_mtime_ns, stat.st_size))


def paragraphs_of(article: SourceArticle, rng: Random, min_paragraphs: int = 1) -> list[str]:
    """Group the sentences 2-4 per paragraph (fewer only if the article is too short)."""
    count = len(article.sentences)
    low = max(min_paragraphs, math.ceil(count / 4))
    high = max(low, count // 2)
    number = min(rng.randint(low, high), count)
    sizes = [count // number] * number
    for index in rng.sample(range(number), count - sum(sizes)):
        sizes[index] += 1
    # Unequal sizes: move sentences between neighbours while both stay within 2..4.
    for _ in range(number):
        a, b = rng.randrange(number), rng.randrange(number)
        if a != b and sizes[a] > 2 and sizes[b] < 4:
            sizes[a] -= 1
            sizes[b] += 1
    out, position = [], 0
    for size in sizes:
        out.append(" ".join(article.sentences[position : position + size]))
        position += size
    return out


def _replacement(word: str, vocabulary: Sequence[str], rng: Random) -> str:
    """A word of the vocabulary in place of ``word``, keeping its trailing punctuation."""
    stem = word.rstrip(SENTENCE_PUNCTUATION)
    return vocabulary[rng.randrange(len(vocabulary))] + word[len(stem) :]


def _respell(words: list[str], phase: int, vocabulary: Sequence[str], rng: Random) -> list[str]:
    return [
        _replacement(word, vocabulary, rng) if (phase + i) % SYNTHETIC_PERIOD == 0 else word
        for i, word in enumerate(words)
    ]


NAME, NUMBER = 0, 1


def _name_kind(word: str, opens_sentence: bool) -> int | None:
    """NUMBER for a word holding a digit, NAME for one capitalised and not
    opening a sentence (what newsdedup reads as lead entities), else None."""
    if any(c.isdigit() for c in word):
        return NUMBER
    return NAME if not opens_sentence and word[:1].isupper() else None


def _names_of(sources: Sequence[SourceArticle]) -> tuple[list[str], list[str]]:
    """The names (capitalised words inside sentences) and numbers of the
    sources, each as often as it occurs."""
    pools: tuple[list[str], list[str]] = ([], [])
    for article in sources:
        for sentence in article.sentences:
            for i, word in enumerate(sentence.split()):
                stem = word.strip(NAME_PUNCTUATION)
                if stem and (kind := _name_kind(stem, i == 0)) is not None:
                    pools[kind].append(stem)
    return pools


def _rename(
    words: list[str],
    renamed: dict[str, str],
    pools: tuple[list[str], list[str]],
    rng: Random,
) -> list[str]:
    """The words with each name and number replaced by one drawn for this
    article (the same one wherever it recurs in the article)."""
    out = []
    for i, word in enumerate(words):
        stem = word.strip(NAME_PUNCTUATION)
        kind = _name_kind(stem, i == 0) if stem else None
        if kind is not None:
            if pools[kind] and stem not in renamed:
                renamed[stem] = pools[kind][rng.randrange(len(pools[kind]))]
            word = word.replace(stem, renamed.get(stem, stem), 1)
        out.append(word)
    return out


def synthesize_sources(
    sources: Sequence[SourceArticle], count: int, rng: Random
) -> tuple[SourceArticle, ...]:
    """``count`` new source articles of the sources' language, for corpora larger than
    the real texts allow.

    Each takes as many sentences as a random real article has, in runs of 3-8
    consecutive sentences from randomly chosen real articles, and its title from one of
    them. One word in every SYNTHETIC_PERIOD (from a random phase) is replaced by a
    word drawn from the language's whole text, so every run of SYNTHETIC_PERIOD words
    holds a replaced word: two synthetic articles made from the same real sentences,
    or a synthetic article and its donor, share a 5-word shingle only by chance. Each
    name and number (what newsdedup reads as a lead entity) is replaced by one drawn
    for the article from the names or numbers of the language's text, by frequency:
    articles made from one donor's sentences name different people and figures, as
    unrelated events do, while each keeps its own names throughout. The text keeps
    the language, the sentence lengths and the word frequencies of real news.
    """
    names = _names_of(sources)
    vocabulary = [
        stripped
        for article in sources
        for sentence in article.sentences
        for word in sentence.split()
        if (stripped := word.strip(NAME_PUNCTUATION))
    ]
    made = []
    for number in range(1, count + 1):
        length = len(sources[rng.randrange(len(sources))].sentences)
        sentences: list[str] = []
        while len(sentences) < length:
            donor = sources[rng.randrange(len(sources))].sentences
            start = rng.randrange(len(donor))
            sentences += donor[start : start + min(rng.randint(3, 8), length - len(sentences))]
        phase = rng.randrange(SYNTHETIC_PERIOD)
        renamed: dict[str, str] = {}
        respelled = []
        for sentence in sentences:
            words = _rename(sentence.split(), renamed, names, rng)
            respelled.append(" ".join(_respell(words, phase, vocabulary, rng)))
            phase += len(words)
        title = _rename(sources[rng.randrange(len(sources))].title.split(), renamed, names, rng)
        made.append(
            SourceArticle(
                f"{sources[0].language}:synthetic-{number}",
                sources[0].language,
                " ".join(_respell(title, rng.randrange(SYNTHETIC_PERIOD), vocabulary, rng)),
                tuple(respelled),
            )
        )
    return tuple(made)


class Pool:
    """Unused source articles of one language, in a seeded random order."""

    def __init__(self, articles: Sequence[SourceArticle], rng: Random) -> None:
        self._articles = list(articles)
        rng.shuffle(self._articles)
        self.used = 0

    def __len__(self) -> int:
        return len(self._articles)

    def take(self, min_sentences: int = MIN_SENTENCES) -> SourceArticle | None:
        for index, article in enumerate(self._articles):
            if len(article.sentences) >= min_sentences:
                self.used += 1
                return self._articles.pop(index)
        return None


# --- sites and boilerplate -------------------------------------------------------------------

SITE_NAMES = {
    "en": (
        ("Meridian Wire", True),
        ("Pelican Press Agency", True),
        ("Coastal Herald", False),
        ("Northgate Courier", False),
        ("Ashford Ledger", False),
        ("Bellmoor Gazette", False),
        ("Granite Post", False),
        ("Lakemont Tribune", False),
        ("Wexcombe Chronicle", False),
        ("Silverbay Observer", False),
        ("Kestrel Daily", False),
        ("Thornfield Record", False),
    ),
    "de": (
        ("Nachrichtenagentur Elbe", True),
        ("Depeschendienst Mitte", True),
        ("Elbtal-Anzeiger", False),
        ("Havelländer Rundschau", False),
        ("Spreeauen Kurier", False),
        ("Mainufer Zeitung", False),
        ("Alpenblick Nachrichten", False),
        ("Weserbote Online", False),
        ("Ostseewelle Tageblatt", False),
        ("Rheinauen Post", False),
        ("Fichtelberg Echo", False),
        ("Isartal Depesche", False),
    ),
}

# Templates with a slot every few words, so that two sites rarely share a run of 8 words.
BOILERPLATE: dict[str, dict[str, Any]] = {
    "en": {
        "sections": _words(
            "World Business Sport Politics Culture Science Tech Opinion Health Travel "
            "Money Video Podcasts Weather Local Lifestyle Climate Education"
        ),
        "extras": ["Subscribe", "Log in", "Search", "Newsletters", "Puzzles", "Live"],
        "home": "Home",
        "newsletter": [
            "Sign up for our {when} briefing: the {n} stories you need to know, delivered to "
            "your inbox every {slot}. {cta}",
            "Get the {site} newsletter. Our editors pick the {adj} reporting of the {period} for "
            "you, free of charge. {cta}",
            "{site} Briefing - never miss {thing}. Join {readers} readers who start their {slot2} "
            "with us. {cta}",
        ],
        "when": ["morning", "evening", "lunchtime", "weekend"],
        "n": ["five", "six", "seven", "ten", "twelve"],
        "slot": ["weekday before 7am", "evening at six", "day at noon", "Saturday morning"],
        "cta": [
            "Subscribe now, it is free.",
            "Enter your email address to register.",
            "You can unsubscribe at any time.",
            "Sign up with one click.",
        ],
        "adj": ["best", "most important", "sharpest", "most read"],
        "period": ["day", "week", "morning", "weekend"],
        "thing": ["a story", "the headlines", "breaking news", "an update"],
        "readers": ["40,000", "120,000", "a quarter of a million", "85,000"],
        "slot2": ["day", "morning", "commute", "week"],
        "cookie": [
            "We use cookies and similar technologies to {purpose}. By continuing to browse "
            "{site} you agree to our use of cookies. {more}",
            "This website uses cookies to {purpose}. You can change your {setting} at any time "
            "in your browser. {more}",
            "{site} and {partners} store information on your device to {purpose}. {more}",
        ],
        "purpose": [
            "personalise content and ads",
            "analyse our traffic",
            "improve your experience",
            "measure audiences and show relevant offers",
        ],
        "setting": ["cookie settings", "privacy preferences", "consent choices"],
        "partners": ["our partners", "selected advertisers", "its trusted partners"],
        "more": [
            "Read our cookie policy.",
            "Find out more in our privacy notice.",
            "Manage your preferences here.",
            "Accept all | Reject all | Settings",
        ],
        "footer": [
            "© {year} {site}. All rights reserved. {legal}",
            "Copyright {year} {site} Media Group. {legal}",
            "{site} is published by {publisher}. © {year}. {legal}",
        ],
        "publisher": ["Harbourline Media", "Northern Print Ltd", "Quayside Publishing"],
        "legal": [
            "Terms of use | Privacy policy | Contact us | Corrections",
            "Reproduction in whole or in part without written permission is prohibited.",
            "About us | Advertise | Careers | Help centre | Accessibility",
        ],
        "follow": [
            "Follow {site} on {networks}.",
            "Find us on {networks} and share your story tips with the newsroom.",
        ],
        "networks": ["Facebook, X and Instagram", "Mastodon and Bluesky", "YouTube and TikTok"],
    },
    "de": {
        "sections": _words(
            "Politik Wirtschaft Sport Kultur Panorama Wissen Digital Meinung Reise "
            "Gesundheit Regional Video Wetter Karriere Auto Familie Klima Bildung"
        ),
        "extras": ["Abo", "Anmelden", "Suche", "Newsletter", "Rätsel", "Live"],
        "home": "Startseite",
        "newsletter": [
            "Melden Sie sich für unser {when}-Briefing an: die {n} wichtigsten Nachrichten, "
            "jeden {slot} in Ihrem Postfach. {cta}",
            "Der Newsletter von {site}: Unsere Redaktion wählt die {adj} Berichte des {period} "
            "für Sie aus, kostenlos. {cta}",
            "{site} kompakt - nichts mehr verpassen. Schon {readers} Leserinnen und Leser "
            "beginnen ihren {slot2} mit uns. {cta}",
        ],
        "when": ["Morgen", "Abend", "Mittags", "Wochenend"],
        "n": ["fünf", "sechs", "sieben", "zehn", "zwölf"],
        "slot": ["Werktag vor 7 Uhr", "Abend um 18 Uhr", "Tag zur Mittagszeit", "Samstagmorgen"],
        "cta": [
            "Jetzt kostenlos abonnieren.",
            "Geben Sie Ihre E-Mail-Adresse ein.",
            "Sie können sich jederzeit wieder abmelden.",
            "Mit einem Klick anmelden.",
        ],
        "adj": ["besten", "wichtigsten", "meistgelesenen", "spannendsten"],
        "period": ["Tages", "Morgens", "Wochenendes", "Abends"],
        "thing": ["eine Meldung", "die Schlagzeilen", "eine Eilmeldung"],
        "readers": ["40.000", "120.000", "250.000", "85.000"],
        "slot2": ["Tag", "Morgen", "Arbeitsweg", "Feierabend"],
        "cookie": [
            "Wir verwenden Cookies und ähnliche Technologien, um {purpose}. Wenn Sie {site} "
            "weiter nutzen, stimmen Sie der Verwendung zu. {more}",
            "Diese Website nutzt Cookies, um {purpose}. Ihre {setting} können Sie jederzeit im "
            "Browser ändern. {more}",
            "{site} und {partners} speichern Informationen auf Ihrem Gerät, um {purpose}. {more}",
        ],
        "purpose": [
            "Inhalte und Anzeigen zu personalisieren",
            "die Zugriffe auf unsere Seiten zu analysieren",
            "Ihr Nutzungserlebnis zu verbessern",
            "Reichweiten zu messen und passende Angebote zu zeigen",
        ],
        "setting": ["Cookie-Einstellungen", "Datenschutzeinstellungen", "Einwilligungen"],
        "partners": ["unsere Partner", "ausgewählte Werbepartner", "seine Partner"],
        "more": [
            "Mehr dazu in unserer Datenschutzerklärung.",
            "Einstellungen verwalten.",
            "Alle akzeptieren | Alle ablehnen | Einstellungen",
            "Details finden Sie in der Cookie-Richtlinie.",
        ],
        "footer": [
            "© {year} {site}. Alle Rechte vorbehalten. {legal}",
            "Copyright {year} {site} Mediengruppe. {legal}",
            "{site} ist ein Angebot der {publisher}. © {year}. {legal}",
        ],
        "publisher": ["Hafenlicht Medien GmbH", "Nordverlag KG", "Lindenhof Presse GmbH"],
        "legal": [
            "Impressum | Datenschutz | Kontakt | Korrekturen",
            "Vervielfältigung nur mit schriftlicher Genehmigung der Redaktion.",
            "Über uns | Werbung | Karriere | Leserservice | Barrierefreiheit",
        ],
        "follow": [
            "Folgen Sie {site} auf {networks}.",
            "Sie finden uns auf {networks} - schicken Sie uns Ihre Hinweise.",
        ],
        "networks": ["Facebook, X und Instagram", "Mastodon und Bluesky", "YouTube und TikTok"],
    },
}


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    domain: str
    language: str
    agency: bool
    header: tuple[str, ...] = ()
    inline: tuple[str, ...] = ()  # inserted after content paragraph ``inline_after``
    inline_after: int = 0
    footer: tuple[str, ...] = ()
    anonymous: bool = False  # its records never carry source or URL (a portal's export)

    @property
    def boilerplate(self) -> bool:
        return bool(self.header or self.inline or self.footer)

    def boilerplate_words(self) -> int:
        return sum(len(p.split()) for p in (*self.header, *self.inline, *self.footer))

    def wrap(self, content: Sequence[str]) -> list[str]:
        if not self.boilerplate:
            return list(content)
        at = min(self.inline_after, len(content))
        return [*self.header, *content[:at], *self.inline, *content[at:], *self.footer]


def _fill(template: str, words: dict[str, Any], rng: Random, site: str) -> str:
    slots = {
        key: rng.choice(values)
        for key, values in sorted(words.items())
        if isinstance(values, list) and "{" + key + "}" in template
    }
    return template.format(site=site, year=2026, **slots)


def _boilerplate(name: str, language: str, rng: Random) -> tuple[list[str], list[str], list[str]]:
    words = BOILERPLATE[language]
    while True:
        sections = rng.sample(words["sections"], rng.randint(6, 9))
        extras = rng.sample(words["extras"], rng.randint(1, 2))
        nav = " | ".join([words["home"], *sections, *extras])
        newsletter = _fill(rng.choice(words["newsletter"]), words, rng, name)
        cookie = _fill(rng.choice(words["cookie"]), words, rng, name)
        footer = _fill(rng.choice(words["footer"]), words, rng, name)
        follow = _fill(rng.choice(words["follow"]), words, rng, name)
        tail = [cookie, follow, footer] if rng.random() < 0.5 else [follow, cookie, footer]
        parts = [nav, newsletter, *tail]
        total = sum(len(p.split()) for p in parts)
        if BOILERPLATE_WORDS[0] <= total <= BOILERPLATE_WORDS[1]:
            break
    if rng.random() < 0.5:  # newsletter box inside the article
        return [nav], [newsletter], tail
    return [nav], [], [newsletter, *tail]


AGGREGATOR_NAMES = {"en": "Newsfeed Hub", "de": "Nachrichtenticker Sammelfeed"}
PORTAL_NAMES = {"en": "Town Portal", "de": "Stadtportal"}
PORTAL_FOOTERS = {
    "en": "More news from your town every day on our portal. Send tips and photos to the "
    "newsroom. Imprint | Privacy | Contact | Advertise with us",
    "de": "Weitere Nachrichten aus Ihrer Stadt finden Sie täglich auf unserem Portal. Hinweise "
    "und Fotos an die Redaktion. Impressum | Datenschutz | Kontakt | Werbung",
}
AGENCY_LINES = {
    "en": ("Copyright {year} {agency}. All rights reserved.", "Read more: {title}"),
    "de": ("Copyright {year} {agency}. Alle Rechte vorbehalten.", "Mehr lesen: {title}"),
}


def agency_code(name: str) -> str:
    """A wire agency's credit as datelines carry it: "Meridian Wire" -> "mw" (like "dpa")."""
    return "".join(word[0] for word in name.split()).lower()


def trap_sites(language: str, mix: MixConfig) -> tuple[Site | None, Site | None]:
    """The aggregator and the portal, when their traps are on."""
    aggregator = portal = None
    if mix.aggregator_rate > 0:
        name = AGGREGATOR_NAMES[language]
        aggregator = Site(name, f"{_slug(name)}.test", language, False)
    if mix.portal_rate > 0:
        name = PORTAL_NAMES[language]
        footer = (PORTAL_FOOTERS[language],)
        portal = Site(name, f"{_slug(name)}.test", language, False, footer=footer, anonymous=True)
    return aggregator, portal


def _slug(text: str, limit: int = 8) -> str:
    text = text.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())[:limit]) or "article"


def make_sites(language: str, share: float, rng: Random) -> list[Site]:
    names = SITE_NAMES[language]
    outlets = [name for name, agency in names if not agency]
    wrapped = set(rng.sample(outlets, min(len(outlets), round(share * len(names)))))
    sites = []
    for name, agency in names:
        domain = f"{_slug(name)}.test"
        if name in wrapped:
            header, inline, footer = _boilerplate(name, language, rng)
            sites.append(
                Site(
                    name,
                    domain,
                    language,
                    agency,
                    tuple(header),
                    tuple(inline),
                    rng.randint(2, 3),
                    tuple(footer),
                )
            )
        else:
            sites.append(Site(name, domain, language, agency))
    return sites


# --- text edits ------------------------------------------------------------------------------

FILLERS = {
    "en": ["also", "now", "still", "reportedly", "further", "recently", "already", "again"],
    "de": ["auch", "nun", "bereits", "jedoch", "noch", "demnach", "zudem", "offenbar"],
}
SYNONYMS = {
    "en": {
        "said": "stated",
        "says": "states",
        "told": "informed",
        "people": "persons",
        "big": "large",
        "about": "around",
        "government": "administration",
        "but": "yet",
        "after": "following",
        "many": "numerous",
    },
    "de": {
        "sagte": "erklärte",
        "sagt": "erklärt",
        "aber": "doch",
        "nach": "laut",
        "viele": "zahlreiche",
        "Menschen": "Personen",
        "groß": "gewaltig",
        "etwa": "rund",
        "nun": "jetzt",
        "wurde": "worden",
    },
}
CITIES = {
    "en": _words("LISBON LONDON WASHINGTON DUBLIN BRUSSELS OTTAWA GENEVA NAIROBI SYDNEY TORONTO"),
    "de": _words("BERLIN WIEN HAMBURG MÜNCHEN FRANKFURT ZÜRICH LEIPZIG KÖLN BREMEN DRESDEN"),
}
FIRST_NAMES = _words(
    "Anna Ben Clara David Elif Farid Greta Hannes Ines Jonas Katrin Luca Mara Nils"
)
LAST_NAMES = _words("Albers Brandt Costa Dreyer Eckert Fischer Gallo Hartmann Ibsen Janssen Kruger")
HEADLINE_PREFIXES = {
    "en": ["UPDATE:", "Report:", "Breaking:", "Latest:", "Explainer:"],
    "de": ["Eilmeldung:", "Bericht:", "Aktualisiert:", "Neu:", "Hintergrund:"],
}


def edit_words(paragraphs: Sequence[str], edits: int, rng: Random, language: str) -> list[str]:
    """Replace, delete or insert ``edits`` words; punctuation and first words stay as they are."""
    tokens = [paragraph.split(" ") for paragraph in paragraphs]
    positions = [
        (p, t)
        for p, paragraph in enumerate(tokens)
        for t in range(1, len(paragraph))
        if _PLAIN_WORD.fullmatch(paragraph[t])
    ]
    chosen = rng.sample(positions, min(edits, len(positions)))
    for p, t in sorted(chosen, reverse=True):
        operation = rng.choice(("replace", "delete", "insert"))
        word = tokens[p][t]
        if operation == "replace":
            tokens[p][t] = SYNONYMS[language].get(word) or rng.choice(FILLERS[language])
        elif operation == "delete":
            del tokens[p][t]
        else:
            tokens[p].insert(t, rng.choice(FILLERS[language]))
    return [" ".join(paragraph) for paragraph in tokens]


def light_edit(paragraph: str, rng: Random, language: str) -> str:
    edits = max(1, round(len(paragraph.split()) * rng.uniform(0.005, 0.015)))
    return edit_words([paragraph], edits, rng, language)[0]


_TO_STRAIGHT = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


def restyle_quotes(text: str, style: str) -> str:
    """Quotes as ``straight`` "..", ``curly`` “..” or ``german`` „..“ (apostrophes follow)."""
    straight = text.translate(_TO_STRAIGHT)
    if style == "straight":
        return straight
    opening, closing = ("“", "”") if style == "curly" else ("„", "“")
    quoted = re.sub(r'(^|[\s(\[–-])"', lambda m: m.group(1) + opening, straight)
    quoted = quoted.replace('"', closing)
    return re.sub(r"(?<=\w)'(?=\w)", "’", quoted)


def _vary_spacing(text: str, rng: Random) -> str:
    return re.sub(r"(?<=[.!?]) (?=[A-ZÄÖÜ])", lambda _: "  " if rng.random() < 0.25 else " ", text)


def _title_case(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] if len(w) > 3 else w for w in text.split())


def _sentence_case(text: str) -> str:
    words = text.split()
    if not words:
        return text
    return " ".join(
        [words[0], *(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in words[1:])]
    )


def headline(text: str) -> str:
    """One line, at most HEADLINE_MAX_CHARS, never ending like prose (. , ; :)."""
    text = " ".join(text.split())
    if len(text) > HEADLINE_MAX_CHARS:
        text = text[:HEADLINE_MAX_CHARS].rsplit(" ", 1)[0]
    text = text.rstrip(" .,;:-–|")
    return text or "News"


def vary_headline(title: str, language: str, rng: Random, site_name: str | None = None) -> str:
    """Another outlet's headline for the same text, sometimes with the site's name appended."""
    options: list[Callable[[str], str]] = [
        lambda t: f"{rng.choice(HEADLINE_PREFIXES[language])} {t}",
        lambda t: " ".join(w for i, w in enumerate(t.split()) if i != len(t.split()) // 2),
        lambda t: t.split(": ", 1)[-1] or t,
    ]
    if language == "en":  # German capitalisation is grammar, not style
        options.append(lambda t: _title_case(t) if _title_case(t) != t else _sentence_case(t))
    varied = title
    for option in rng.sample(options, rng.randint(1, 2)):
        varied = option(varied)
    if headline(varied) == headline(title):
        varied = f"{HEADLINE_PREFIXES[language][0]} {title}"
    varied = headline(varied)
    if site_name and rng.random() < 0.3:
        varied = f"{varied} | {site_name}"
    return varied


# --- documents -------------------------------------------------------------------------------


@dataclass(slots=True)
class Page:
    """One JSON Lines article."""

    language: str
    site: Site
    title: str
    text: str
    published_at: datetime
    story: str
    dup: str
    kind: str
    article_id: str = ""


@dataclass(slots=True)
class Story:
    label: str
    dup: str
    source: SourceArticle
    agency: Site
    paragraphs: list[str]
    published_at: datetime
    reruns: int
    followups: int
    exact_copy: bool
    # paragraph indexes of inserted background paragraphs (never reused on purpose)
    background: set[int] = field(default_factory=set)
    # follow-up number -> background paragraph to insert
    followup_background: dict[int, str] = field(default_factory=dict)
    in_blog: bool = False
    short: bool = False  # a short wire item: its follow-ups reuse all of it

    @property
    def members(self) -> int:
        return 1 + self.reruns + self.followups + int(self.exact_copy)

    def reusable(self) -> list[int]:
        return [i for i in range(len(self.paragraphs)) if i not in self.background]


@dataclass(slots=True)
class BlogEntry:
    headline: str
    paragraphs: list[str]
    day: date
    story: str
    dup: str


@dataclass(slots=True)
class Blog:
    blog_id: str
    language: str
    first_day: date
    section: str
    title: str
    teaser: str
    days: list[date]  # in document order
    entries: list[BlogEntry]

    def entries_in_order(self) -> list[BlogEntry]:
        return [entry for day in self.days for entry in self.entries if entry.day == day]


WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
}
MONTHS = {
    "en": _words(
        "January February March April May June July August September October November December"
    ),
    "de": _words(
        "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"
    ),
}
BLOG_SECTIONS = {
    "en": ["World", "Business", "Politics", "Sport", "Science"],
    "de": ["Politik", "Wirtschaft", "Sport", "Kultur", "Wissen"],
}
BLOG_TITLES = {
    "en": [
        "{section} live: the news of the week as it happens",
        "The {section} newsblog: all the latest in one place",
    ],
    "de": [
        "{section} im Überblick: Die wichtigsten Nachrichten der Woche",
        "Newsblog {section}: Alles Wichtige an einem Ort",
    ],
}
BLOG_TEASERS = {
    "en": "What is happening in {section_lower} this week? In this newsblog our editors collect "
    "the most important reports as they come in, from our own reporters and the agencies. "
    "{order}",
    "de": "Was bewegt die Welt in der Rubrik {section} diese Woche? In unserem Newsblog fassen "
    "wir die wichtigsten Meldungen zusammen, von eigenen Reportern und den Agenturen. {order}",
}
BLOG_ORDER = {
    "en": ("The newest entries are at the top.", "The newest entries are at the bottom."),
    "de": ("Die neuesten Einträge stehen oben.", "Die neuesten Einträge stehen unten."),
}


def day_heading(day: date, language: str) -> str:
    weekday = WEEKDAYS[language][day.weekday()]
    month = MONTHS[language][day.month - 1]
    if language == "de":
        return f"{weekday}, {day.day}. {month}"
    return f"{weekday}, {month} {day.day}"


def is_blog_paragraph(paragraph: str) -> bool:
    """Read as body by the newsblog splitter: long, or ending like a sentence."""
    return len(" ".join(paragraph.split())) > 200 or paragraph.rstrip().endswith(".")


def render_blog(blog: Blog) -> str:
    lines = [f"date {blog.first_day.isoformat()} Newsblog {blog.section} {blog.title}", ""]
    lines += [blog.teaser, ""]
    for day in blog.days:
        lines += [day_heading(day, blog.language), ""]
        for entry in blog.entries:
            if entry.day == day:
                lines += [entry.headline, ""]
                for paragraph in entry.paragraphs:
                    lines += [paragraph, ""]
    return "\n".join(lines)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- one language ----------------------------------------------------------------------------


class LanguageBuilder:
    """Stories, singletons and newsblogs of one language, drawn from its source pool."""

    def __init__(
        self, config: CorpusConfig, language: str, sources: Sequence[SourceArticle], rng: Random
    ) -> None:
        self.config = config
        self.mix = config.mix
        self.language = language
        self.rng = rng
        self.pool = Pool(sources, rng)
        self.sites = make_sites(language, self.mix.boilerplate_site_share, rng)
        self.agencies = [site for site in self.sites if site.agency]
        self.outlets = [site for site in self.sites if not site.agency]
        self.aggregator, self.portal = trap_sites(language, self.mix)
        self.sites += [site for site in (self.aggregator, self.portal) if site is not None]
        self.stories: list[Story] = []
        self.pages: list[Page] = []
        self.blogs: list[Blog] = []
        self.background_pairs = 0
        self._labels = Counter[str]()
        self.city = CITIES[language]

    # labels
    def label(self, kind: str) -> str:
        self._labels[kind] += 1
        return f"{self.language}-{kind}-{self._labels[kind]:04d}"

    def ids(self) -> int:
        return len(self.pages) + sum(len(blog.entries) for blog in self.blogs)

    # time
    def random_moment(self) -> datetime:
        day = self.rng.randrange(self.config.days)
        minute = self.rng.randrange(6 * 60, 22 * 60)
        first = self.config.start
        start = datetime(first.year, first.month, first.day, tzinfo=UTC)
        return start + timedelta(days=day, minutes=minute)

    def later(self, moment: datetime, low_hours: float = 0.25) -> datetime:
        minutes = round(self.rng.uniform(low_hours, MAX_STORY_HOURS) * 60)
        return moment + timedelta(minutes=minutes)

    # --- build
    def capacity(self) -> int:
        """About how many article ids the pool can supply with this mix (with a margin)."""
        return int(0.9 * len(self.pool) / sources_per_id(self.mix))

    def build(self, quota: int) -> None:
        """Add about ``quota`` article ids, fewer if the pool of source articles is too small."""
        quota = min(quota, self.capacity())
        low, high = (
            self.mix.blog_entries_min,
            max(self.mix.blog_entries_min, self.mix.blog_entries_max),
        )
        blog_plan = [self.rng.randint(low, high) for _ in range(self.mix.blog_count)]
        blog_ids = min(sum(blog_plan), quota // 4)
        story_target = round(self.mix.story_share * (quota - blog_ids))
        self.plan_stories(story_target)
        self.assign_backgrounds()
        for story in self.stories:
            self.render_story(story)
        for number, entries in enumerate(blog_plan, start=1):
            if self.ids() + entries > quota:
                break
            blog = self.make_blog(number, entries)
            if blog is None:
                break
            self.blogs.append(blog)
        while self.ids() < quota and self.add_singleton():
            pass

    def plan_stories(self, target: int) -> None:
        planned = 0
        while planned < target:
            source = self.pool.take(AGENCY_MIN_SENTENCES)
            if source is None:
                return
            reruns = self.rng.randint(0, self.mix.rerun_max)
            followups = self.rng.randint(0, self.mix.followup_max)
            if reruns + followups == 0:
                reruns = 1
            agency = self.rng.choice(self.agencies)  # drawn first, as it always was
            paragraphs = paragraphs_of(source, self.rng, AGENCY_MIN_PARAGRAPHS)
            short = self.mix.short_wire_rate > 0 and self.rng.random() < self.mix.short_wire_rate
            if short:
                paragraphs, followups = paragraphs[:2], max(1, followups)
            story = Story(
                label=self.label("story"),
                dup=self.label("dup"),
                source=source,
                agency=agency,
                paragraphs=paragraphs,
                published_at=self.random_moment(),
                reruns=reruns,
                followups=followups,
                exact_copy=self.rng.random() < self.mix.exact_copy_rate,
                short=short,
            )
            self.stories.append(story)
            planned += story.members

    def assign_backgrounds(self) -> None:
        """Share a background paragraph between a follow-up and a story of about the same time."""
        taken: set[str] = set()
        for story in self.stories:
            if story.followups == 0 or story.label in taken:
                continue
            if self.rng.random() >= self.mix.background_rate:
                continue
            partners = [
                other
                for other in self.stories
                if other.label not in taken
                and other is not story
                and abs((other.published_at - story.published_at).total_seconds()) < 2 * 86400
            ]
            source = self.pool.take() if partners else None
            if source is None:
                continue
            partner = self.rng.choice(partners)
            candidates = [p for p in paragraphs_of(source, self.rng, 2) if len(p) > 200]
            paragraph = (candidates or paragraphs_of(source, self.rng, 2))[0]
            story.followup_background[0] = paragraph
            if partner.followups and self.rng.random() < 0.5:
                partner.followup_background[0] = paragraph
            else:
                at = self.rng.randint(1, len(partner.paragraphs) - 1)
                partner.paragraphs.insert(at, paragraph)
                partner.background = {i + (i >= at) for i in partner.background} | {at}
            taken |= {story.label, partner.label}
            self.background_pairs += 1

    def add_page(
        self,
        site: Site,
        title: str,
        paragraphs: Sequence[str],
        moment: datetime,
        story: str,
        dup: str,
        kind: str,
    ) -> Page:
        text = "\n\n".join(site.wrap(paragraphs))
        page = Page(self.language, site, title, text, moment, story, dup, kind)
        self.pages.append(page)
        return page

    def render_story(self, story: Story) -> None:
        agency = self.add_page(
            story.agency,
            headline(story.source.title),
            story.paragraphs,
            story.published_at,
            story.label,
            story.dup,
            "agency",
        )
        members = story.reruns + story.followups
        outlets = self.rng.sample(self.outlets, min(members, len(self.outlets)))
        city = self.rng.choice(self.city)
        for site in outlets[: story.reruns]:
            title, paragraphs = self.rerun(story, site, city)
            self.add_page(
                site,
                title,
                paragraphs,
                self.later(story.published_at),
                story.label,
                story.dup,
                "rerun",
            )
        if story.exact_copy:
            plain = [s for s in self.outlets if not s.boilerplate and s not in outlets]
            if plain:
                copy = Page(
                    self.language,
                    self.rng.choice(plain),
                    agency.title,
                    agency.text,
                    self.later(story.published_at),
                    story.label,
                    story.dup,
                    "exact_copy",
                )
                self.pages.append(copy)
        if self.aggregator and self.rng.random() < self.mix.aggregator_rate:
            self.add_aggregator_item(story, self.aggregator, city)
        for number, site in enumerate(outlets[story.reruns :]):
            made = self.followup(story, number)
            if made is None:
                break
            title, paragraphs = made
            self.add_page(
                site,
                title,
                paragraphs,
                self.later(story.published_at),
                story.label,
                self.label("dup"),
                "followup",
            )

    def add_aggregator_item(self, story: Story, aggregator: Site, city: str) -> None:
        """The agency text as the aggregator carries it: a re-run crediting the agency."""
        title, paragraphs = self.rerun(story, aggregator, city, story.agency)
        self.add_page(
            aggregator,
            title,
            self.with_agency_lines(paragraphs, story.agency),
            self.later(story.published_at),
            story.label,
            story.dup,
            "aggregator_item",
        )

    def with_agency_lines(self, paragraphs: list[str], agency: Site) -> list[str]:
        """An aggregator's item: the agency's copyright line and a "Read more" link below."""
        copyright_line, more = AGENCY_LINES[self.language]
        other = self.rng.choice(self.pages).title if self.pages else agency.name
        return [
            *paragraphs,
            copyright_line.format(year=2026, agency=agency.name),
            more.format(title=other),
        ]

    def rerun(
        self, story: Story, site: Site, city: str, credit: Site | None = None
    ) -> tuple[str, list[str]]:
        """The agency text as `site` re-runs it; the dateline credits `credit` (an
        aggregator credits the agency, as in "Berlin (dpa) -") or else the site."""
        rng, language = self.rng, self.language
        paragraphs = list(story.paragraphs)
        if rng.random() < self.mix.trim_rate:
            paragraphs = self.trim(paragraphs)
        words = sum(len(p.split()) for p in paragraphs)
        edits = max(1, round(words * rng.uniform(self.mix.edit_min, self.mix.edit_max)))
        paragraphs = edit_words(paragraphs, edits, rng, language)
        styles = ["straight", "curly", "german"] if language == "de" else ["straight", "curly"]
        style = rng.choice(styles)
        paragraphs = [_vary_spacing(restyle_quotes(p, style), rng) for p in paragraphs]
        if rng.random() < 0.3:  # some outlets set the opening words in capitals
            first = paragraphs[0].split(" ")
            cut = rng.randint(2, 4)
            paragraphs[0] = " ".join([*(w.upper() for w in first[:cut]), *first[cut:]])
        dash = "–" if language == "de" else "-"
        lead = _GERMAN_DATELINE.sub("", paragraphs[0]) if language == "de" else paragraphs[0]
        credited = agency_code(credit.name) if credit else site.name
        paragraphs[0] = f"{city} ({credited}) {dash} {lead}"
        paragraphs.append(self.footer_line())
        return vary_headline(headline(story.source.title), language, rng, site.name), paragraphs

    def trim(self, paragraphs: list[str]) -> list[str]:
        """Drop one paragraph (only from six on) or the last sentence of one paragraph."""
        rng = self.rng
        if len(paragraphs) >= 6 and rng.random() < 0.5:
            del paragraphs[rng.randrange(1, len(paragraphs))]
            return paragraphs
        index = rng.randrange(1, len(paragraphs))
        sentences = split_sentences(paragraphs[index], self.language)
        if len(sentences) >= 2:
            paragraphs[index] = " ".join(sentences[:-1])
        return paragraphs

    def footer_line(self) -> str:
        names = [f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}" for _ in range(3)]
        if self.language == "de":
            return f"Mitarbeit: {names[0]}, {names[1]}; Redaktion: {names[2]}"
        return f"Reporting by {names[0]} and {names[1]}; editing by {names[2]}"

    def followup(self, story: Story, number: int) -> tuple[str, list[str]] | None:
        """Own lead and ending around a third to a half of the agency paragraphs."""
        source = self.pool.take()
        if source is None:
            return None
        rng = self.rng
        own = paragraphs_of(source, rng, 2)
        lead, ending = own[: rng.randint(1, max(1, len(own) - 1))][:2], own[-1:]
        if story.short:  # all of the short item, inside as much text of its own
            lead = own[:-1][:3]
        chosen = story.reusable() if story.short else self.choose_agency_paragraphs(story)
        keep = rng.choice(chosen)  # at least one paragraph stays verbatim
        reused = [
            story.paragraphs[i]
            if i == keep or rng.random() >= self.mix.light_edit_rate
            else light_edit(story.paragraphs[i], rng, self.language)
            for i in chosen
        ]
        background = story.followup_background.get(number)
        middle = [*reused, background] if background else reused
        if background and rng.random() < 0.5:
            middle = [background, *reused]
        return headline(source.title), [*lead, *middle, *ending]

    def choose_agency_paragraphs(self, story: Story) -> list[int]:
        rng = self.rng
        usable = story.reusable()
        total = len(story.paragraphs)
        count = min(len(usable), rng.randint(math.ceil(total / 3), max(1, total // 2)))
        if rng.random() < 0.5:
            start = rng.randrange(len(usable) - count + 1)
            chosen = usable[start : start + count]
        else:
            chosen = sorted(rng.sample(usable, count))
        limit = 0.5 * sum(len(p.split()) for p in story.paragraphs)
        while len(chosen) > 1 and sum(len(story.paragraphs[i].split()) for i in chosen) > limit:
            chosen.pop(rng.randrange(len(chosen)))
        return chosen

    # --- singletons
    def add_singleton(self) -> bool:
        source = self.pool.take()
        if source is None:
            return False
        wrapped = [site for site in self.outlets if site.boilerplate]
        moment = self.random_moment()
        if self.add_trap_singleton(source, moment):
            return True
        if wrapped and self.rng.random() < self.mix.short_page_rate:
            self.add_page(
                self.rng.choice(wrapped),
                headline(source.title),
                [self.short_content(source)],
                moment,
                self.label("story"),
                self.label("dup"),
                "short_page",
            )
        else:
            self.add_page(
                self.rng.choice(self.sites),
                headline(source.title),
                paragraphs_of(source, self.rng),
                moment,
                self.label("story"),
                self.label("dup"),
                "singleton",
            )
        return True

    def add_trap_singleton(self, source: SourceArticle, moment: datetime) -> bool:
        """A portal brief or an aggregator item, when those traps are on and drawn."""
        if self.portal and self.rng.random() < self.mix.portal_rate:
            site, kind = self.portal, "portal_brief"
            paragraphs = [self.short_content(source)]
        elif self.aggregator and self.rng.random() < self.mix.aggregator_rate:
            site, kind = self.aggregator, "aggregator_item"
            agency = self.rng.choice(self.agencies)
            paragraphs = paragraphs_of(source, self.rng)
            dash = "–" if self.language == "de" else "-"
            city = self.rng.choice(self.city)
            paragraphs[0] = f"{city} ({agency_code(agency.name)}) {dash} {paragraphs[0]}"
            paragraphs = self.with_agency_lines(paragraphs, agency)
        else:
            return False
        title = headline(source.title)
        self.add_page(site, title, paragraphs, moment, self.label("story"), self.label("dup"), kind)
        return True

    def short_content(self, source: SourceArticle) -> str:
        """The first one or two sentences of at most SHORT_PAGE_WORDS words (else the shortest)."""
        sentences = source.sentences
        for start in range(len(sentences)):
            for count in (self.rng.randint(1, 2), 1):
                text = " ".join(sentences[start : start + count])
                if len(text.split()) <= SHORT_PAGE_WORDS:
                    return text
        return min(sentences, key=lambda sentence: (len(sentence.split()), sentence))

    # --- newsblogs
    def make_blog(self, number: int, entries: int) -> Blog | None:
        rng, language = self.rng, self.language
        span = rng.randint(2, 3)
        offset = rng.randint(0, max(0, self.config.days - span))
        first = self.config.start + timedelta(days=offset)
        days = [first + timedelta(days=i) for i in range(span)]
        newest_first = rng.random() < 0.6
        section = rng.choice(BLOG_SECTIONS[language])
        blog = Blog(
            blog_id=f"newsblog-{language}-{number:02d}",
            language=language,
            first_day=first,
            section=section,
            title=rng.choice(BLOG_TITLES[language]).format(section=section),
            teaser=BLOG_TEASERS[language].format(
                section=section,
                section_lower=section.lower(),
                order=BLOG_ORDER[language][0 if newest_first else 1],
            ),
            days=list(reversed(days)) if newest_first else days,
            entries=[],
        )
        # Every day gets an entry; the rest go to random days.
        entry_days = [*days, *(rng.choice(days) for _ in range(max(0, entries - span)))]
        for day in sorted(entry_days):
            entry = self.story_entry(day) if rng.random() < self.mix.blog_story_share else None
            entry = entry or self.singleton_entry(day)
            if entry is None:
                return None
            blog.entries.append(entry)
        return blog

    def story_entry(self, day: date) -> BlogEntry | None:
        candidates = [
            story
            for story in self.stories
            if not story.in_blog
            and story.published_at.date() == day
            and any(is_blog_paragraph(story.paragraphs[i]) for i in story.reusable())
        ]
        if not candidates:
            return None
        story = self.rng.choice(candidates)
        story.in_blog = True
        usable = [i for i in story.reusable() if is_blog_paragraph(story.paragraphs[i])]
        count = 2 if len(story.paragraphs) >= 6 and len(usable) >= 2 else 1
        chosen = sorted(self.rng.sample(usable, min(count, len(usable))))
        paragraphs = [self.maybe_edit(story.paragraphs[i]) for i in chosen]
        title = vary_headline(headline(story.source.title), self.language, self.rng)
        return BlogEntry(title, paragraphs, day, story.label, self.label("dup"))

    def maybe_edit(self, paragraph: str) -> str:
        """The paragraph, lightly edited with light_edit_rate, still readable as a blog body."""
        if self.rng.random() >= self.mix.light_edit_rate:
            return paragraph
        edited = light_edit(paragraph, self.rng, self.language)
        return edited if is_blog_paragraph(edited) else paragraph

    def singleton_entry(self, day: date) -> BlogEntry | None:
        source = self.pool.take()
        if source is None:
            return None
        paragraphs = [p for p in paragraphs_of(source, self.rng) if is_blog_paragraph(p)]
        if not paragraphs:
            paragraphs = [" ".join(source.sentences[:3]).rstrip(" !?\"'”“") + "."]
        paragraphs = paragraphs[: self.rng.randint(1, 2)]
        return BlogEntry(
            headline(source.title), paragraphs, day, self.label("story"), self.label("dup")
        )


# --- output ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Corpus:
    pages: list[Page]
    blogs: list[Blog]
    sites: list[Site]
    background_pairs: int
    usable_sources: dict[str, int]
    used_sources: dict[str, int]


def language_quotas(size: int, languages: Sequence[str]) -> dict[str, int]:
    base, extra = divmod(size, len(languages))
    return {language: base + (i < extra) for i, language in enumerate(languages)}


def sources_per_id(mix: MixConfig) -> float:
    """About how many source articles one article id uses with this mix."""
    reruns, followups = mix.rerun_max / 2, mix.followup_max / 2
    sources = 1 + followups + mix.background_rate
    story_cost = sources / (1 + reruns + followups + mix.exact_copy_rate)
    return mix.story_share * story_cost + (1 - mix.story_share)


def build_corpus(config: CorpusConfig, rng: Random) -> Corpus:
    sources = {language: load_sources(config.corpora, language) for language in config.languages}
    quotas = language_quotas(config.size, config.languages)
    if config.synthetic_sources:
        for language in config.languages:
            # The margin of capacity(), and a blog's worth of ids: blogs round up.
            needed = math.ceil((quotas[language] + 16) * sources_per_id(config.mix) / 0.9)
            extra = needed - len(sources[language])
            if extra > 0:
                synthetic_rng = Random(f"{config.seed}:{language}:synthetic")
                synthetic = synthesize_sources(sources[language], extra, synthetic_rng)
                sources[language] += synthetic
    # The smallest pool goes first; what it cannot fill passes on to the next language.
    order = sorted(config.languages, key=lambda language: (len(sources[language]), language))
    pages: list[Page] = []
    blogs: list[Blog] = []
    sites: list[Site] = []
    background = 0
    used: dict[str, int] = {}
    carry = 0
    for language in order:
        builder = LanguageBuilder(config, language, sources[language], rng)
        builder.build(quotas[language] + carry)
        carry = quotas[language] + carry - builder.ids()
        pages += builder.pages
        blogs += builder.blogs
        sites += builder.sites
        background += builder.background_pairs
        used[language] = builder.pool.used
    assign_ids(pages, rng)
    usable = {language: len(sources[language]) for language in config.languages}
    return Corpus(pages, blogs, sites, background, usable, used)


def assign_ids(pages: list[Page], rng: Random) -> None:
    numbers = rng.sample(range(1_000_000, 10_000_000), len(pages))
    for page, number in zip(pages, numbers, strict=True):
        page.article_id = f"art-{number}"


def page_record(page: Page, metadata: str = "full") -> dict[str, str]:
    """The JSON record of a page: with its outlet as source and a URL on its host
    ("full"), with neither ("none"), or with one source for every record and no URL
    ("one-source", an agency or aggregator feed). An anonymous site's records never
    name it."""
    slug = f"{_slug(page.title)}-{page.article_id.split('-')[-1]}"
    record = {"id": page.article_id, "title": page.title, "text": page.text}
    if metadata == "full" and not page.site.anonymous:
        record |= {"url": f"https://{page.site.domain}/{slug}", "source": page.site.name}
    elif metadata == "one-source":
        record["source"] = ONE_SOURCE
    record["published_at"] = iso(page.published_at)
    return record


def line_order(count: int, rate: float, rng: Random) -> list[int]:
    """Which record each JSON line holds: every record once, ``rate`` of them twice, shuffled."""
    order = [*range(count), *rng.sample(range(count), round(rate * count))]
    rng.shuffle(order)
    return order


def json_lines(corpus: Corpus, order: Sequence[int], metadata: str = "full") -> list[str]:
    records = [json.dumps(page_record(page, metadata), ensure_ascii=False) for page in corpus.pages]
    return [records[i] for i in order]


def label_rows(corpus: Corpus) -> list[dict[str, str]]:
    rows = [
        {
            "article_id": page.article_id,
            "story": page.story,
            "dup": page.dup,
            "kind": page.kind,
            "language": page.language,
        }
        for page in corpus.pages
    ]
    for blog in corpus.blogs:
        for number, entry in enumerate(blog.entries_in_order(), start=1):
            rows.append(
                {
                    "article_id": f"{blog.blog_id}#{number}",
                    "story": entry.story,
                    "dup": entry.dup,
                    "kind": "blog_entry",
                    "language": blog.language,
                }
            )
    return sorted(rows, key=lambda row: row["article_id"])


def _group_counts(rows: Iterable[dict[str, str]], key: str) -> dict[str, int]:
    sizes = Counter(row[key] for row in rows)
    return {"total": len(sizes), "with_2_or_more": sum(1 for n in sizes.values() if n >= 2)}


def arguments_of(config: CorpusConfig) -> dict[str, Any]:
    """The generator's arguments as recorded in manifest.json (JSON types)."""
    return {
        "size": config.size,
        "seed": config.seed,
        "languages": list(config.languages),
        "start": config.start.isoformat(),
        "days": config.days,
        **{f.name: getattr(config.mix, f.name) for f in fields(MixConfig)},
        # The generator's version: corpora of an earlier one are made anew.
        **({"synthetic_sources": "names drawn per article"} if config.synthetic_sources else {}),
        **({"metadata_variants": True} if config.metadata_variants else {}),
    }


def manifest(
    config: CorpusConfig, corpus: Corpus, labels: list[dict[str, str]], lines: list[str]
) -> dict[str, Any]:
    kinds = Counter(row["kind"] for row in labels)
    entries = sum(len(blog.entries) for blog in corpus.blogs)
    return {
        "generator": "scripts/make_corpus.py",
        "arguments": arguments_of(config),
        "sources": {
            language: {
                "file": f"news_{language}.csv",
                "usable_articles": corpus.usable_sources[language],
                "used_articles": corpus.used_sources[language],
            }
            for language in config.languages
        },
        "articles": len(labels),
        "kinds": {kind: kinds.get(kind, 0) for kind in KINDS},
        "languages": dict(sorted(Counter(row["language"] for row in labels).items())),
        "stories": _group_counts(labels, "story"),
        "dup_groups": _group_counts(labels, "dup"),
        "background_pairs": corpus.background_pairs,
        "json_records": len(corpus.pages),
        "json_lines": len(lines),
        "redeliveries": len(lines) - len(corpus.pages),
        "blog_documents": len(corpus.blogs),
        "blog_entries": entries,
        "expected_records": len(lines) + entries,
        "sites": [
            {
                "name": site.name,
                "domain": site.domain,
                "language": site.language,
                "agency": site.agency,
                "boilerplate_words": site.boilerplate_words(),
            }
            for site in corpus.sites
        ],
    }


def _write_lines(path: Path, lines: Iterable[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line + "\n")


def input_folder(metadata: str) -> str:
    """The input folder of a metadata variant: ``input`` (full), ``input-none``, ..."""
    return "input" if metadata == "full" else f"input-{metadata}"


def write_input(folder: Path, corpus: Corpus, lines: list[str]) -> None:
    blog_dir = folder / "blogs"
    blog_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(blog_dir.glob("*.txt")):
        stale.unlink()
    _write_lines(folder / "articles.jsonl", lines)
    for blog in corpus.blogs:
        (blog_dir / f"{blog.blog_id}.txt").write_text(render_blog(blog), encoding="utf-8")


def write_corpus(config: CorpusConfig) -> dict[str, Any]:
    rng = Random(config.seed)
    corpus = build_corpus(config, rng)
    order = line_order(len(corpus.pages), config.mix.redelivery_rate, rng)
    lines = json_lines(corpus, order)
    labels = label_rows(corpus)
    variants = METADATA_VARIANTS if config.metadata_variants else METADATA_VARIANTS[:1]
    for metadata in variants:
        write_input(
            config.out / input_folder(metadata), corpus, json_lines(corpus, order, metadata)
        )
    _write_lines(
        config.out / "labels.jsonl", (json.dumps(row, ensure_ascii=False) for row in labels)
    )
    summary = manifest(config, corpus, labels, lines)
    (config.out / "manifest.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return summary


# --- command line ----------------------------------------------------------------------------


def _bounded(kind: type, lo: float | None, hi: float | None, name: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"{name}: not a {kind.__name__}: {text}") from error
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"{name}: {text} is outside [{lo}, {hi}]")
        return value

    return parse


def _languages(text: str) -> tuple[str, ...]:
    languages = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [language for language in languages if language not in LANGUAGES]
    if not languages or unknown:
        raise argparse.ArgumentTypeError(f"languages must be among {','.join(LANGUAGES)}")
    return languages


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="make_corpus.py",
        description="Generate a labelled news corpus from the shared real article texts.",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--size",
        type=_bounded(int, 1, None, "--size"),
        required=True,
        help="distinct article ids (approximately)",
    )
    parser.add_argument("--seed", type=int, required=True, help="random seed")
    parser.add_argument("--languages", type=_languages, default=LANGUAGES, help="e.g. en,de")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 5))
    parser.add_argument("--days", type=_bounded(int, 1, 3660, "--days"), default=30)
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument(
        "--synthetic-sources",
        action="store_true",
        help="when the real articles do not suffice for --size, add source articles made "
        "from their sentences with one word in five replaced and names and numbers drawn "
        "anew for each (for benchmarks at scale)",
    )
    parser.add_argument(
        "--metadata-variants",
        action="store_true",
        help="also write the corpus without source and URL (input-none/) and with one source "
        "for every record and no URL (input-one-source/); labels are the same",
    )
    for item in fields(MixConfig):
        flag = "--" + item.name.replace("_", "-")
        kind = type(item.default)
        parser.add_argument(
            flag,
            dest=item.name,
            type=_bounded(kind, item.metadata["lo"], item.metadata["hi"], flag),
            default=item.default,
            help=f"{item.metadata['help']} (default {item.default})",
        )
    return parser


def config_from_args(args: argparse.Namespace) -> CorpusConfig:
    mix = MixConfig(**{item.name: getattr(args, item.name) for item in fields(MixConfig)})
    return CorpusConfig(
        out=args.out,
        size=args.size,
        seed=args.seed,
        languages=args.languages,
        start=args.start,
        days=args.days,
        corpora=args.corpora,
        mix=mix,
        synthetic_sources=args.synthetic_sources,
        metadata_variants=args.metadata_variants,
    )


def describe(summary: dict[str, Any], seconds: float, out: Path) -> str:
    kinds = ", ".join(f"{kind} {count}" for kind, count in summary["kinds"].items())
    languages = ", ".join(f"{lang} {count}" for lang, count in summary["languages"].items())
    return (
        f"Wrote {summary['articles']} articles ({languages}) to {out}: {kinds}; "
        f"{summary['stories']['total']} stories ({summary['stories']['with_2_or_more']} with 2+ "
        f"articles), {summary['dup_groups']['total']} dup groups "
        f"({summary['dup_groups']['with_2_or_more']} with 2+), "
        f"{summary['background_pairs']} shared background paragraphs; "
        f"{summary['json_lines']} JSON lines ({summary['redeliveries']} re-deliveries) and "
        f"{summary['blog_documents']} newsblogs with {summary['blog_entries']} entries, "
        f"{summary['expected_records']} records expected; {seconds:.1f} s."
    )


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = build_parser().parse_args(argv)
    config = config_from_args(args)
    if config.mix.blog_entries_max < config.mix.blog_entries_min:
        print("make_corpus.py: --blog-entries-max is below --blog-entries-min", file=sys.stderr)
        return 2
    for language in config.languages:
        if not (config.corpora / f"news_{language}.csv").is_file():
            print(f"make_corpus.py: no news_{language}.csv in {config.corpora}", file=sys.stderr)
            return 2
    summary = write_corpus(config)
    print(describe(summary, time.perf_counter() - started, config.out))
    if summary["articles"] < 0.98 * config.size:
        print(
            f"make_corpus.py: only {summary['articles']} of {config.size} articles: "
            "the source articles are used up",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
