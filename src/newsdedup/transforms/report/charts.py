"""The report's charts: matplotlib figures rendered to inline SVG text.

Figures are made with matplotlib's object API (no pyplot, so no global figure
state) and saved as SVG whose text stays text (`svg.fonttype: none`): the page
embeds them directly, needs no network, and the browser's own fonts render
every script. A fixed hash salt and no date keep the same data's SVG identical.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from newsdedup.transforms.report.tables import DailyLanguages, SourceDuplicates

_STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "newsdedup",
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
}
_BAR_COLOR = "#3b6ea5"
_DUPLICATE_COLOR = "#d1603d"


def to_svg(figure: Figure) -> str:
    """The figure as an <svg> element (no XML prolog) for inlining in HTML."""
    buffer = io.StringIO()
    with matplotlib.rc_context(_STYLE):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def story_size_chart(distribution: list[tuple[str, int]]) -> str:
    with matplotlib.rc_context(_STYLE):
        figure = _figure(5.0, 3.2)
        axes = figure.add_subplot()
        labels = [label for label, _ in distribution]
        counts = [count for _, count in distribution]
        bars = axes.bar(labels, counts, color=_BAR_COLOR)
        axes.bar_label(bars, labels=[f"{c:,}" if c else "" for c in counts], padding=2)
        # Singletons usually outnumber big stories by orders of magnitude.
        axes.set_yscale("log")
        axes.set_ylim(bottom=0.5, top=max([*counts, 1]) * 3)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.set_xlabel("articles in the story")
        axes.set_ylabel("stories")
        axes.set_title("Story size distribution")
        return to_svg(figure)


def daily_languages_chart(daily: DailyLanguages) -> str:
    with matplotlib.rc_context(_STYLE):
        width = min(12.0, max(5.5, 0.35 * len(daily.days) + 3))
        figure = _figure(width, 3.6)
        axes = figure.add_subplot()
        positions = list(range(len(daily.days)))
        bottom = [0] * len(daily.days)
        colors = matplotlib.colormaps["tab10"]
        for index, language in enumerate(daily.languages):
            counts = daily.counts[language]
            axes.bar(positions, counts, bottom=bottom, label=language, color=colors(index % 10))
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        step = max(1, len(daily.days) // 20)  # at most ~20 date labels
        axes.set_xticks(positions[::step], daily.days[::step], rotation=45, ha="right")
        axes.set_ylabel("articles")
        axes.set_title("Articles per day (UTC) and language")
        axes.legend(title="language", frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
        return to_svg(figure)


def source_duplicates_chart(sources: list[SourceDuplicates]) -> str:
    with matplotlib.rc_context(_STYLE):
        return to_svg(source_duplicates_figure(sources))


def source_duplicates_figure(sources: list[SourceDuplicates]) -> Figure:
    """Bars of own and near-duplicate articles per source, each labelled with its rate.

    The legend sits below the axes and the x axis leaves room after the longest
    bar, so that no label is covered (tests/transforms/report/test_charts.py measures it)."""
    with matplotlib.rc_context(_STYLE):
        figure = _figure(7.5, 0.3 * len(sources) + 1.6)
        axes = figure.add_subplot()
        names = [_shorten(s.source, 34) for s in reversed(sources)]
        originals = [s.articles - s.duplicates for s in reversed(sources)]
        duplicates = [s.duplicates for s in reversed(sources)]
        axes.barh(names, originals, color=_BAR_COLOR, label="own or first published")
        bars = axes.barh(
            names, duplicates, left=originals, color=_DUPLICATE_COLOR, label="near-duplicates"
        )
        rates = [f"{s.duplicate_rate:.0%}" for s in reversed(sources)]
        axes.bar_label(bars, labels=rates, padding=3)
        # Room for the rate label of the longest bar inside the axes.
        axes.set_xlim(0, max([s.articles for s in sources] + [1]) * 1.15)
        axes.set_xlabel("articles (label: share that are near-duplicates of another article)")
        axes.set_title("Duplicates per source")
        # Below the axes, outside them: beside the bars it covered the longest bar's label.
        figure.legend(frameon=False, loc="outside lower center", ncols=2)
        return figure


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
