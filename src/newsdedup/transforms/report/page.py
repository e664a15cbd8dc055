"""`newsdedup report`: one self-contained HTML page about an output folder.

Everything is inline (SVG charts, CSS; no script, font or stylesheet from
elsewhere), so the page opens offline and can be mailed as one file. Every
value from the data is HTML-escaped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from newsdedup.transforms.report.charts import (
    daily_languages_chart,
    source_duplicates_chart,
    story_size_chart,
)
from newsdedup.transforms.report.tables import (
    NO_SOURCE,
    ReportData,
    SourceDuplicates,
    TopStory,
    report_data,
)
from newsdedup.transforms.runtime.errors import UsageError

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1f2328; line-height: 1.4; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; }
.muted { color: #656d76; font-size: 0.9rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.charts figure { margin: 0; } svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #eaeef2;
         vertical-align: top; }
th { background: #f6f8fa; } td.num, th.num { text-align: right; white-space: nowrap; }
dl.overview { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dl.overview dt { color: #656d76; } dl.overview dd { margin: 0; font-weight: 600; }
details summary { cursor: pointer; color: #3b6ea5; } details table { margin: 0.2rem 0 0.6rem; }
tr.articles td { border-bottom: 1px solid #d0d7de; padding-top: 0; }
#top-stories tbody > tr:first-child td { border-bottom: none; }
.canonical { font-weight: 600; } table#parameters { width: auto; }
td.time { white-space: nowrap; } td.headline { min-width: 18rem; }
"""


def write_report(out: str, path: str, top: int = 20) -> Path:
    """Write the report of output folder `out` to `path`; UsageError if either is wrong."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"--output {path!r} is a folder: give a file name such as report.html")
    if not target.parent.is_dir():
        raise UsageError(f"--output {path!r}: folder {str(target.parent)!r} does not exist")
    page = render_page(report_data(out, top=top))
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write --output {path!r}: {error.strerror}") from error
    return target


def render_page(data: ReportData) -> str:
    overview = "".join(
        f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in data.overview
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsdedup report: {escape(data.out)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>newsdedup report</h1>
<p class="muted">Output folder <code>{escape(data.out)}</code></p>
<dl class="overview">{overview}</dl>

<h2>Stories and articles</h2>
{_charts(data)}

<h2>Top stories</h2>
<p class="muted">The {len(data.top_stories)} stories with the most articles. Open a story's
article list for their sources and headlines; <span class="canonical">bold</span> ones are the
canonical article of their near-duplicate group. The first list is open.</p>
{_top_stories_table(data.top_stories)}

<h2>Duplicates per source</h2>
<p class="muted">A near-duplicate is an article whose text is (nearly) that of an article in
its group published earlier, or longer; “copied” counts a source's canonical articles that
others republished. {_sources_shown(data.sources)}</p>
<div class="charts"><figure id="source-duplicates">
{source_duplicates_chart(data.sources) if data.sources else ""}
</figure></div>
{_sources_table(data.sources)}

<h2>Run parameters</h2>
{_parameters_table(data.parameters)}
</body>
</html>
"""


def _sources_shown(sources: list[SourceDuplicates]) -> str:
    named = sum(1 for s in sources if s.source != NO_SOURCE)
    unnamed = " and the articles without a source" if named < len(sources) else ""
    return f"The {named} sources with the most articles{unnamed}."


def _charts(data: ReportData) -> str:
    if not data.daily.days:
        return '<p class="muted">No articles in this output.</p>'
    return (
        '<div class="charts">'
        f'<figure id="story-sizes">{story_size_chart(data.story_sizes)}</figure>'
        f'<figure id="articles-per-day">{daily_languages_chart(data.daily)}</figure></div>'
    )


def _articles(count: int) -> str:
    return f"{count:,} article" + ("" if count == 1 else "s")


def _time(when: datetime | None, date_only: bool = False) -> str:
    if when is None:
        return "–"
    return f"{when:%Y-%m-%d}" if date_only else f"{when:%Y-%m-%d %H:%M}"


def _top_stories_table(stories: list[TopStory]) -> str:
    """One row per story, and under it a full-width row whose <details> lists its articles."""
    rows = []
    for rank, story in enumerate(stories, start=1):
        articles = "".join(
            f"<tr{' class=canonical' if a.is_canonical else ''}>"
            f'<td class="time">{_time(a.published_at, a.date_only)}</td><td>{escape(a.source)}</td>'
            f"<td>{escape(a.language)}</td><td>{escape(a.title)}</td></tr>"
            for a in story.articles
        )
        rows.append(
            f'<tbody><tr><td class="num">{rank}</td>'
            f'<td class="headline">{escape(story.headline) or "(no headline)"}</td>'
            f'<td class="num">{story.article_count:,}</td>'
            f'<td class="num">{story.dup_group_count:,}</td>'
            f"<td>{escape(', '.join(story.languages))}</td>"
            f"<td>{escape(', '.join(story.sources))}</td>"
            f'<td class="time">{_time(story.first_published_at)}</td></tr>'
            f'<tr class="articles"><td></td><td colspan="6">'
            f"<details{' open' if rank == 1 else ''}><summary>{_articles(len(story.articles))} "
            f'<span class="muted">({escape(story.story_id)})</span></summary>'
            f"<table><tr><th>published (UTC)</th><th>source</th><th>lang</th>"
            f"<th>headline</th></tr>{articles}</table></details></td></tr></tbody>"
        )
    return (
        '<table id="top-stories"><thead><tr><th class="num">#</th><th>headline</th>'
        '<th class="num">articles</th><th class="num">groups</th><th>languages</th>'
        "<th>sources</th><th>first (UTC)</th></tr></thead>" + "".join(rows) + "</table>"
    )


def _sources_table(sources: list[SourceDuplicates]) -> str:
    rows = "".join(
        f'<tr><td>{escape(s.source)}</td><td class="num">{s.articles:,}</td>'
        f'<td class="num">{s.duplicates:,}</td><td class="num">{s.duplicate_rate:.0%}</td>'
        f'<td class="num">{s.copied:,}</td></tr>'
        for s in sources
    )
    return (
        '<table id="sources"><tr><th>source</th><th class="num">articles</th>'
        '<th class="num">near-duplicates</th><th class="num">duplicate rate</th>'
        '<th class="num">copied by others</th></tr>' + rows + "</table>"
    )


def _parameters_table(parameters: dict[str, object]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{escape(str(value))}</td></tr>"
        for name, value in sorted(parameters.items())
    )
    return f'<table id="parameters"><tr><th>parameter</th><th>value</th></tr>{rows}</table>'
