"""The report page (transforms/report/page.py): one self-contained HTML page, and `newsdedup
report` end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.clirun import newsdedup

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
