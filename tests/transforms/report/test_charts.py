"""The charts of the report (transforms/report/charts.py): inline SVG with text, legends that
cover no label."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import Bbox

from newsdedup.transforms.report.charts import source_duplicates_figure, story_size_chart
from newsdedup.transforms.report.tables import (
    SourceDuplicates,
)


def test_charts_are_inline_svg_with_text_and_no_date() -> None:
    svg = story_size_chart([("1", 12), ("2", 3)])
    assert svg.startswith("<svg")
    assert "Story size distribution" in svg  # text stays text (svg.fonttype none)
    assert "<dc:date>" not in svg
    assert svg == story_size_chart([("1", 12), ("2", 3)])  # same data, same bytes


def _overlap(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_source_chart_legend_covers_no_bar_label() -> None:
    sources = [
        SourceDuplicates("A very long source name that gets cut", 40, 30, 2),
        SourceDuplicates("Paper", 25, 5, 1),
        SourceDuplicates("Blog", 3, 3, 0),
    ]
    figure = source_duplicates_figure(sources)
    FigureCanvasAgg(figure)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    figure.draw(renderer)
    axes = figure.axes[0]
    legends = [*figure.legends, *([axes.get_legend()] if axes.get_legend() else [])]
    assert len(legends) == 1
    legend_box = legends[0].get_window_extent(renderer)
    labels = [text for text in axes.texts if text.get_text().endswith("%")]
    assert [text.get_text() for text in labels] == ["100%", "20%", "75%"]
    figure_box = figure.bbox
    for text in labels:
        box = text.get_window_extent(renderer)
        assert not _overlap(box, legend_box), text.get_text()
        assert figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1  # not cut off either
