"""Parameters of the analysis and clustering steps, with their defaults.

One frozen dataclass shared by the pure core, the Beam transforms and the CLI
(newsdedup.pipelines.options derives its flags from the field metadata), so a default is
written down exactly once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

MINHASH_SCHEME = "affine32"


def _param(
    default: Any, help_text: str, *, lo: float | None = None, hi: float | None = None
) -> Any:
    return field(default=default, metadata={"help": help_text, "lo": lo, "hi": hi})


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """Everything that decides which articles end up together."""

    word_shingle_size: int = _param(5, "words per shingle", lo=1, hi=32)
    char_shingle_size: int = _param(
        3, "characters per shingle for languages written without spaces (zh, ja, th)", lo=1, hi=32
    )
    num_perm: int = _param(128, "MinHash permutations per signature", lo=16, hi=1024)
    minhash_seed: int = _param(1, "seed of the MinHash permutations", lo=0)
    dup_threshold: float = _param(
        0.5,
        "estimated Jaccard similarity at or above which two texts are near-duplicates",
        lo=0.0,
        hi=1.0,
    )
    lsh_bands: int = _param(
        0, "LSH bands for near-duplicate candidates (0: derived from dup_threshold)", lo=0
    )
    anchor_window: int = _param(
        4,
        "shingles per winnowing window; a shared run of window+shingle_size-1 words always "
        "yields a shared passage fingerprint",
        lo=1,
        hi=256,
    )
    story_min_shared: int = _param(
        3, "shared passage fingerprints needed before two articles can be one story", lo=1
    )
    story_threshold: float = _param(
        0.15,
        "share of the shorter article's passage fingerprints found in the other one "
        "for the two to be one story",
        lo=0.0,
        hi=1.0,
    )
    story_link_density: float = _param(
        0.6,
        "two partial stories merge only if their links number at least this times the "
        "near-duplicate groups of the smaller one, so one shared paragraph cannot chain them",
        lo=0.0,
        hi=1.0,
    )
    entity_lead_words: int = _param(
        120, "words of title and text whose names and numbers are compared across reports", lo=0
    )
    entity_min_shared: int = _param(
        1, "lead names and numbers two reports must share to be linked by them", lo=1
    )
    entity_min_weight: float = _param(
        1.75,
        "rarity weight of the shared lead names and numbers needed for an entity link; an "
        "entity no other article names weighs 1, one that every article names weighs 0",
        lo=0.0,
    )
    entity_threshold: float = _param(
        0.14,
        "share of the lighter report's lead names and numbers (by rarity weight) that the "
        "other report names too, at or above which two reports are one story even without "
        "shared text; 1.0 turns entity links off",
        lo=0.0,
        hi=1.0,
    )
    count_window_days: int = _param(
        14,
        "days up to an article's own whose pages of its site count for the site's "
        "boilerplate (0: all pages of the run); an incremental run or watch reads earlier "
        "runs' articles back over at least this plus the story window",
        lo=0,
    )
    entity_window_hours: float = _param(
        48.0, "largest gap in publication time between two reports linked by entities", lo=0.0
    )
    story_window_hours: float = _param(
        72.0, "largest gap in publication time between two reports linked into a story", lo=0.0
    )
    max_key_articles: int = _param(
        50,
        "fingerprints or band keys shared by more articles than this are boilerplate "
        "(site navigation, footers) and are ignored",
        lo=2,
    )
    max_site_articles: int = _param(
        1,
        "fingerprints and lead names found in more articles than this from one site (source, "
        "else URL host) within --count-window-days are that site's boilerplate (navigation, "
        "newsletter box, footer) and are ignored",
        lo=1,
    )
    site_boilerplate_share: float = _param(
        0.02,
        "a fingerprint or lead name is a site's boilerplate only when it is also on more than "
        "this share of the site's pages within --count-window-days: furniture is on nearly "
        "every page, while a feed that gives all its articles one source shares wire text "
        "between a few of them",
        lo=0.0,
        hi=1.0,
    )
    text_boilerplate_groups: int = _param(
        4,
        "a passage found, within --count-window-days, on articles that fall into this many "
        "groups sharing nothing else (pages of unrelated stories under one footer) is "
        "boilerplate whatever their source says; copies of one text count as one page of a "
        "site, and on a feed without furniture so do the related reports of one story (0: "
        "all off)",
        lo=0,
    )
    max_band_articles: int = _param(
        1000,
        "LSH band keys shared by more articles than this are skipped, bounding the pairs "
        "one bucket can create (equal texts are grouped by content hash regardless)",
        lo=2,
    )
    language_sample_chars: int = _param(
        2000, "characters of title and text given to language detection", lo=100
    )
    language_min_letters: int = _param(
        20, "letters needed to decide a language; fewer give 'und'", lo=0
    )
    language_seed: int = _param(0, "seed of langdetect's sampling", lo=0)
    candidate_shards: int = _param(
        16, "shards of the fingerprint index built to find candidate pairs", lo=1
    )
    verify_shards: int = _param(
        4,
        "shards of the candidate pairs verified together; an article's facts are sent "
        "to each shard that has one of its partners, so fewer shards send less",
        lo=1,
    )

    def validate(self) -> None:
        """Raise ValueError naming the first parameter outside its allowed range."""
        for f in fields(self):
            value = getattr(self, f.name)
            lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{f.name} must be a finite number, got {value}")
            if lo is not None and value < lo:
                raise ValueError(f"{f.name} must be >= {lo}, got {value}")
            if hi is not None and value > hi:
                raise ValueError(f"{f.name} must be <= {hi}, got {value}")
        if self.lsh_bands and self.num_perm < self.lsh_bands:
            raise ValueError(
                f"lsh_bands ({self.lsh_bands}) cannot exceed num_perm ({self.num_perm})"
            )

    def as_metadata(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
