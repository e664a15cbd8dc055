"""Site boilerplate told from wire text by the days it is found on, not its share.

The site boilerplate step (newsdedup.transforms.core.signals.analysis.article_boilerplate)
counts a passage's pages per site. A feed that gives every article one `source`
(an agency or aggregator feed) is one "site" whose pages share wire text, so a
passage there must also be on more than `--site-boilerplate-share` of the site's
pages; a footer of one of the feed's outlets can be on fewer, and then stays and
chains unrelated stories.

What the share misses, time tells: a passage found on a site's pages on more
distinct days than one story lasts (`story_span_days`, from
`--story-window-hours`) is furniture (a footer, a navigation line, a newsletter
box is on every day's pages), whatever its share of the pages, while the reports
of one event, which share wire text, come within a story's window. Lead names are
left to the share: a story's names come back on other days.

Only the days up to an article's own are read, as the counts are
(newsdedup.transforms.core.signals.daycounts), so a stream decides as one run.
"""

from __future__ import annotations

import math

import numpy as np

from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.daycounts import UNDATED, DayCounts
from newsdedup.transforms.core.signals.shingles import HashArray

# A story of `story_window_hours` can touch one calendar day more than its length
# in days (from late on one day to early on another).
_EXTRA_DAYS = 1


def story_span_days(config: DedupConfig) -> int:
    """How many distinct calendar days the reports of one story can fall on."""
    return math.ceil(config.story_window_hours / 24) + _EXTRA_DAYS


def spread_over_days(
    site_counts: DayCounts, hashes: HashArray, day: int, config: DedupConfig
) -> np.ndarray:
    """Which hashes the site's pages held on more distinct days than a story
    lasts, within the `count_window_days` days up to `day` (none for an
    undated article, which has no days to compare, or without a window)."""
    span = story_span_days(config)
    if day == UNDATED or config.count_window_days <= span:
        return np.zeros(len(hashes), dtype=bool)
    return site_counts.days(hashes, day, config.count_window_days) > span
