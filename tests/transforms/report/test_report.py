"""`newsdedup report`: the tables it computes, and one self-contained HTML page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import Bbox

from newsdedup.transforms.report.charts import source_duplicates_figure, story_size_chart
from newsdedup.transforms.report.tables import (
    NO_SOURCE,
    SourceDuplicates,
    articles_per_day_and_language,
    current_stories,
    duplicates_per_source,
    source_name,
    sources_overview,
    story_size_distribution,
    top_stories,
)
from tests.pipelines.test_cli import newsdedup


def test_story_sizes_fall_into_buckets_empty_ones_kept() -> None:
    distribution = dict(story_size_distribution([1, 1, 1, 2, 5, 9, 10, 75]))
    assert distribution["1"] == 3
    assert distribution["2"] == 1
    assert distribution["4"] == 0
    assert distribution["5–9"] == 2
    assert distribution["10–19"] == 1
    assert distribution["50+"] == 1
    assert sum(distribution.values()) == 8


def test_articles_per_day_fold_rare_languages_into_other() -> None:
    day1 = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
    day2 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    daily = articles_per_day_and_language(
        [day2, day1, day1, None, day2, day2], ["en", "en", "de", "en", "fr", "it"], max_languages=3
    )
    assert daily.days == ["2026-03-01", "2026-03-02", "unknown"]
    assert daily.languages == ["en", "de", "other"]
    assert daily.counts == {"en": [1, 1, 1], "de": [1, 0, 0], "other": [0, 2, 0]}


def test_source_name_falls_back_to_the_url_host() -> None:
    assert source_name(" Meridian Wire ", "https://x.test/a") == "Meridian Wire"
    assert source_name(None, "https://www.example.test/a/b") == "example.test"
    assert source_name("", None) == NO_SOURCE


def _articles(rows: list[tuple[str, str | None, str, bool, str]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "article_id": article_id,
                "source": source,
                "url": None,
                "title": f"title of {article_id}",
                "published_at": datetime(2026, 3, 1, hour, tzinfo=UTC),
                "published_at_precision": "time",
                "language": "en",
                "dup_group_id": group,
                "story_id": story,
                "is_canonical": canonical,
            }
            for hour, (article_id, source, group, canonical, story) in enumerate(rows)
        ]
    )


def test_duplicates_per_source_count_copies_and_copied_originals() -> None:
    articles = _articles(
        [
            ("a1", "Wire", "g1", True, "s1"),
            ("a2", "Paper", "g1", False, "s1"),
            ("a3", "Paper", "g2", True, "s2"),
            ("a4", "Blog", "g1", False, "s1"),
            ("a5", "Wire", "g3", True, "s3"),
        ]
    )
    rows = {row.source: row for row in duplicates_per_source(articles)}
    assert (rows["Wire"].articles, rows["Wire"].duplicates, rows["Wire"].copied) == (2, 0, 1)
    assert (rows["Paper"].duplicates, rows["Paper"].duplicate_rate) == (1, 0.5)
    assert rows["Blog"].duplicate_rate == 1.0
    assert [r.source for r in duplicates_per_source(articles)] == ["Paper", "Wire", "Blog"]


def _stories(rows: list[tuple[str, list[str], str | None, int]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "story_id": story_id,
                "headline": f"headline {story_id}",
                "article_count": len(article_ids),
                "dup_group_count": 1,
                "sources": [],
                "languages": ["en"],
                "first_published_at": None,
                "article_ids": article_ids,
                "merged_into": merged_into,
                "ingested_at": datetime(2026, 3, 1, hour, tzinfo=UTC),
            }
            for story_id, article_ids, merged_into, hour in rows
        ]
    )


def test_current_stories_drop_merged_ones_and_older_rows() -> None:
    stories = _stories(
        [
            ("s1", ["a"], None, 1),
            ("s1", ["a", "b"], None, 2),  # a streaming run appended a bigger row
            ("s2", ["c"], "s1", 1),  # merged into s1 by a later run
            ("s3", ["d"], None, 1),
        ]
    )
    current = current_stories(stories)
    assert current.column("story_id").to_pylist() == ["s1", "s3"]
    assert current.column("article_ids").to_pylist() == [["a", "b"], ["d"]]


def test_top_stories_are_the_biggest_with_their_articles_in_time_order() -> None:
    articles = _articles(
        [
            ("b", "Wire", "g1", True, "s1"),
            ("a", "Paper", "g1", False, "s1"),
            ("c", "Blog", "g2", True, "s2"),
            ("m", "Blog", "g3", True, "s9"),  # of a story merged into s1
        ]
    )
    stories = _stories(
        [("s2", ["c"], None, 1), ("s1", ["a", "b", "m"], None, 1), ("s0", [], None, 1)]
    )
    top = top_stories(stories, articles, top=2)
    assert [s.story_id for s in top] == ["s1", "s2"]
    assert [a.article_id for a in top[0].articles] == ["b", "a", "m"]  # by publication time
    assert [a.article_id for a in top[1].articles] == ["c"]


def test_charts_are_inline_svg_with_text_and_no_date() -> None:
    svg = story_size_chart([("1", 12), ("2", 3)])
    assert svg.startswith("<svg")
    assert "Story size distribution" in svg  # text stays text (svg.fonttype none)
    assert "<dc:date>" not in svg
    assert svg == story_size_chart([("1", 12), ("2", 3)])  # same data, same bytes


# src/href/url() pointing outside the file, and elements that load anything by themselves.
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import|<link\b|<script\b""",
    re.IGNORECASE,
)


@pytest.mark.e2e
def test_report_is_one_self_contained_page_with_charts_and_tables(
    sample_output: Path, tmp_path: Path
) -> None:
    target = tmp_path / "report.html"
    result = newsdedup("report", str(sample_output), "--output", str(target))
    assert result.returncode == 0, result.stderr
    page = target.read_text(encoding="utf-8")

    assert page.count("<svg") == 3
    for chart in ["story-sizes", "articles-per-day", "source-duplicates"]:
        assert re.search(rf'<figure id="{chart}">\s*<svg', page), chart
    for title in ["Story size distribution", "Articles per day (UTC) and language"]:
        assert title in page
    assert EXTERNAL.search(page) is None
    # The biggest story comes first, with its sources and its articles' headlines.
    top = page.split('<table id="top-stories">', 1)[1].split("</tbody>", 1)[0]
    assert "Fahrradhersteller Radwerk Sachsen stellt Insolvenzantrag" in top
    assert "Nachrichtenagentur Elbe" in top
    assert "Radwerk Sachsen ist zahlungsunfähig – 1.400 Jobs in Gefahr" in top
    sources = page.split('<table id="sources">', 1)[1].split("</table>", 1)[0]
    assert re.search(r"<td>Coastal Herald</td><td[^>]*>1</td><td[^>]*>1</td><td[^>]*>100%", sources)
    assert "<code>dup_threshold</code></td><td>0.5</td>" in page
    assert "Harbour &amp; Haulage" in page  # data is escaped


def test_the_external_reference_check_catches_what_it_must() -> None:
    for snippet in [
        '<script src="https://cdn.test/x.js"></script>',
        '<img src="//cdn.test/x.png">',
        "<style>@import 'x.css';</style>",
        '<link rel="stylesheet" href="x.css">',
        "background: url('https://cdn.test/bg.png')",
    ]:
        assert EXTERNAL.search(snippet), snippet
    assert EXTERNAL.search('<svg xmlns="http://www.w3.org/2000/svg">') is None


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/missing", "--output", "{tmp}/r.html"], "is not a newsdedup output folder"),
        (["{out}", "--output", "{tmp}/no/such/dir/r.html"], "does not exist"),
        (["{out}"], "the following arguments are required: --output"),
        (["{out}", "--output", "{tmp}/r.html", "--top", "0"], "--top must be at least 1"),
    ],
)
def test_report_usage_errors_exit_2_with_one_line(
    sample_output: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    filled = [a.format(tmp=tmp_path, out=sample_output) for a in args]
    result = newsdedup("report", *filled, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.e2e
def test_report_of_an_output_without_articles(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "only-a-bad-record"}\n', encoding="utf-8")
    out = tmp_path / "out"
    newsdedup("run", "--input", str(feed), "--output", str(out), "--quiet")
    newsdedup("report", str(out), "--output", str(tmp_path / "report.html"))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No articles in this output." in page
    assert "<svg" not in page
    assert "<dt>rejected records</dt><dd>1</dd>" in page


@pytest.mark.e2e
def test_an_unreadable_output_fails_with_one_line(tmp_path: Path) -> None:
    for name in ["articles", "stories", "rejects"]:
        (tmp_path / "out" / name).mkdir(parents=True)
        (tmp_path / "out" / name / "part-00000.parquet").write_bytes(b"not parquet")
    target = str(tmp_path / "r.html")
    result = newsdedup("report", str(tmp_path / "out"), "--output", target, check=False)
    assert result.returncode == 1
    # What failed, then where the traceback is.
    failed, details = result.stderr.strip().splitlines()
    assert failed.startswith("newsdedup: report failed: ")
    log = Path(details.removeprefix("newsdedup: details in ").split(" (")[0])
    assert "Traceback" in log.read_text(encoding="utf-8")
    log.unlink()


def test_articles_without_a_source_are_not_counted_as_a_source() -> None:
    articles = _articles(
        [
            ("a1", "", "g1", True, "s1"),
            ("a2", "", "g1", False, "s1"),
            ("a3", "", "g2", True, "s2"),
            ("a4", "Wire", "g3", True, "s3"),
        ]
    )
    sources = duplicates_per_source(articles)
    # The most articles, but not a source: listed last, and not counted.
    assert [s.source for s in sources] == ["Wire", NO_SOURCE]
    assert sources_overview(sources) == "1; 3 articles without a source"
    assert sources_overview(sources[:1]) == "1"


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
