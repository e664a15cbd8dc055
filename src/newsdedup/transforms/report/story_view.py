"""`newsdedup inspect OUT --story ID`: one story's articles as a terminal table.

Similarity is the estimated Jaccard similarity of each article's stored MinHash
signature to the signature of the story's canonical article (the same estimate
the pipeline's near-duplicate test uses), so 1.00 means the same shingles and
values at or above the run's dup_threshold mean a near-duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow.dataset as ds

from newsdedup.transforms.core.formats.rows import DATE_PRECISION, publication_order
from newsdedup.transforms.core.signals.signatures import estimated_jaccard, signature_from_bytes
from newsdedup.transforms.report.tables import (
    ARTICLE_COLUMNS,
    open_dataset,
    run_parameters,
    source_name,
)
from newsdedup.transforms.runtime.errors import UsageError

INSPECT_COLUMNS = [*ARTICLE_COLUMNS, "minhash_signature", "minhash_scheme"]
_GROUP_LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def render_story(out: str, story_id: str, width: int | None = None) -> str:
    """The story's view, headlines cut to fit `width` columns (None: not cut).
    The story's current row lists its articles, those of stories merged into it
    included. UsageError if `out` is no output folder, has no such story, or the
    story was merged into another (the message names it)."""
    rows = open_dataset(out, "stories").to_table(filter=ds.field("story_id") == story_id)
    if not rows.num_rows:
        raise UsageError(f"no story {story_id!r} in {out}/stories")
    story = max(rows.to_pylist(), key=lambda row: (row["article_count"], row["ingested_at"]))
    if story["merged_into"]:
        raise UsageError(
            f"story {story_id!r} was merged into {story['merged_into']!r}: "
            f"newsdedup inspect {out} --story {story['merged_into']}"
        )
    articles_dataset = open_dataset(out, "articles")
    articles = articles_dataset.to_table(
        columns=INSPECT_COLUMNS, filter=ds.field("article_id").isin(story["article_ids"])
    ).to_pylist()
    threshold = run_parameters(articles_dataset).get("dup_threshold")
    return story_table(story, articles, width, threshold)


def similarities(articles: Sequence[Mapping[str, Any]], canonical_id: str) -> dict[str, float]:
    """Estimated Jaccard similarity of each article to the canonical one; articles
    signed with another scheme than the canonical one are left out."""
    canonical = next((a for a in articles if a["article_id"] == canonical_id), None)
    if canonical is None:
        return {}
    reference = signature_from_bytes(canonical["minhash_signature"])
    return {
        a["article_id"]: estimated_jaccard(signature_from_bytes(a["minhash_signature"]), reference)
        for a in articles
        if a["minhash_scheme"] == canonical["minhash_scheme"]
    }


def _group_labels(ordered: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for article in ordered:
        group = article["dup_group_id"]
        if group not in labels:
            n = len(labels)
            labels[group] = _GROUP_LABELS[n % 26] + (str(n // 26) if n >= 26 else "")
    return labels


def _time(when: datetime | None, date_only: bool = False) -> str:
    if when is None:
        return "-"
    # A day without a time of day (a newsblog entry that gives none) shows no 00:00.
    return f"{when:%Y-%m-%d} --:--" if date_only else f"{when:%Y-%m-%d %H:%M}"


def _date_only(article: Mapping[str, Any]) -> bool:
    return bool(article["published_at_precision"] == DATE_PRECISION)


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def story_table(
    story: Mapping[str, Any],
    articles: Sequence[Mapping[str, Any]],
    width: int | None,
    dup_threshold: float | None = None,
) -> str:
    """The text view: a header about the story, then one line per article in
    publication order (undated last). Groups are lettered in order of their first
    article; `*` marks each group's canonical article."""
    ordered = sorted(
        articles,
        key=lambda a: (
            publication_order(a["published_at"], _date_only(a)),
            a["article_id"],
        ),
    )
    scores = similarities(ordered, story["canonical_article_id"])
    groups = _group_labels(ordered)
    first, last = story["first_published_at"], story["last_published_at"]
    threshold = f"; near-duplicates from {dup_threshold:.2f}" if dup_threshold else ""
    lines = [
        f"story {story['story_id']}: {story['headline'] or '(no headline)'}",
        f"{story['article_count']} articles in {story['dup_group_count']} near-duplicate "
        f"groups; languages {', '.join(story['languages']) or '-'}; "
        f"published {_time(first)} to {_time(last)} UTC",
        f"similarity: estimated Jaccard to the canonical article "
        f"{story['canonical_article_id']}{threshold}",
        "",
    ]
    rows = [
        [
            f"{scores[a['article_id']]:.2f}" if a["article_id"] in scores else "-",
            groups[a["dup_group_id"]] + ("*" if a["is_canonical"] else ""),
            _time(a["published_at"], _date_only(a)),
            a["language"],
            source_name(a["source"], a["url"]),
            a["article_id"],
            a["title"] or "",
        ]
        for a in ordered
    ]
    header = ["sim", "group", "published (UTC)", "lang", "source", "article", "headline"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    widths[4] = min(widths[4], 28)
    widths[5] = min(widths[5], 24)
    fixed = sum(widths[:-1]) + 2 * (len(widths) - 1)
    if width is not None:
        widths[-1] = max(20, min(widths[-1], width - fixed))
    for row in [header, *rows]:
        cells = [_fit(cell, w) for cell, w in zip(row, widths, strict=True)]
        cells[0] = row[0].rjust(widths[0])
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
