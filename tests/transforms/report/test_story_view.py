"""One story as `newsdedup inspect` shows it (transforms/report/story_view.py): articles in time
order with groups and similarity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pytest

from newsdedup.transforms.core.signals.signatures import signature_to_bytes
from newsdedup.transforms.report.story_view import similarities, story_table
from tests.clirun import newsdedup
from tests.conftest import REPO_ROOT

SCHEME = "datasketch-affine32/perm4/seed1/xxh3-low32"


def _article(article_id: str, signature: list[int], **fields: object) -> dict[str, object]:
    return {
        "article_id": article_id,
        "source": "Wire",
        "url": None,
        "title": f"headline of {article_id}",
        "published_at": datetime(2026, 3, 1, 9, tzinfo=UTC),
        "published_at_precision": "time",
        "language": "en",
        "dup_group_id": "g1",
        "is_canonical": False,
        "minhash_signature": signature_to_bytes(np.array(signature, dtype=np.uint32)),
        "minhash_scheme": SCHEME,
        **fields,
    }


STORY = {
    "story_id": "st_1",
    "headline": "The story",
    "canonical_article_id": "a",
    "article_count": 3,
    "dup_group_count": 2,
    "languages": ["en"],
    "first_published_at": datetime(2026, 3, 1, 8, tzinfo=UTC),
    "last_published_at": datetime(2026, 3, 1, 9, tzinfo=UTC),
}


def test_similarity_is_the_share_of_equal_signature_positions() -> None:
    articles = [
        _article("a", [1, 2, 3, 4]),
        _article("b", [1, 2, 3, 9]),
        _article("c", [1, 2, 3, 4], minhash_scheme="another scheme"),
    ]
    assert similarities(articles, "a") == {"a": 1.0, "b": 0.75}
    assert similarities(articles, "missing") == {}


def test_story_table_lists_articles_in_time_order_with_groups_and_similarity() -> None:
    articles = [
        _article("b", [1, 2, 3, 9], source=None, url="https://www.paper.test/x"),
        _article(
            "a",
            [1, 2, 3, 4],
            is_canonical=True,
            published_at=datetime(2026, 3, 1, 8, tzinfo=UTC),
        ),
        _article("c", [5, 6, 7, 8], dup_group_id="g2", is_canonical=True, published_at=None),
    ]
    lines = story_table(STORY, articles, width=None, dup_threshold=0.5).splitlines()
    assert lines[0] == "story st_1: The story"
    assert "near-duplicates from 0.50" in lines[2]
    header, *rows = lines[4:]
    assert header.split()[:3] == ["sim", "group", "published"]
    assert rows[0].split()[:6] == ["1.00", "A*", "2026-03-01", "08:00", "en", "Wire"]
    assert rows[1].split()[:6] == ["0.75", "A", "2026-03-01", "09:00", "en", "paper.test"]
    assert rows[2].split()[:4] == ["0.00", "B*", "-", "en"]
    assert rows[2].endswith("headline of c")


def test_a_newsblog_entry_without_a_time_follows_the_reports_of_its_day() -> None:
    articles = [
        _article(
            "blog#1",
            [1, 2, 3, 4],
            published_at=datetime(2026, 3, 1, tzinfo=UTC),
            published_at_precision="date",
        ),
        _article("a", [1, 2, 3, 4], is_canonical=True),
    ]
    rows = story_table(STORY, articles, width=None).splitlines()[5:]
    assert rows[0].split()[2:4] == ["2026-03-01", "09:00"]
    assert rows[1].split()[2:4] == ["2026-03-01", "--:--"]  # no time of day to show
    assert "blog#1" in rows[1]


def test_story_table_cuts_headlines_to_the_width() -> None:
    long_title = "a very long headline " * 10
    articles = [_article("a", [1, 2, 3, 4], is_canonical=True, title=long_title)]
    lines = story_table(STORY, articles, width=80).splitlines()
    assert len(lines[-1]) <= 80
    assert lines[-1].endswith("…")


@pytest.mark.e2e
def test_inspect_shows_the_biggest_sample_story(sample_output: Path) -> None:
    stories = ds.dataset(sample_output / "stories").to_table()
    biggest = stories.sort_by([("article_count", "descending")]).slice(0, 1).to_pylist()[0]
    result = newsdedup("inspect", str(sample_output), "--story", biggest["story_id"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert biggest["headline"] in lines[0]
    rows = [line for line in lines if line[:4].strip().replace(".", "").isdigit()]
    assert len(rows) == biggest["article_count"] == 8
    canonical = next(r for r in rows if biggest["canonical_article_id"] in r)
    assert canonical.startswith("1.00")
    # The re-runs of the agency report are near-duplicates; the liveblog entries are not.
    rerun = next(r for r in rows if "de-radwerk-002" in r)
    liveblog = next(r for r in rows if "liveblog_de#1" in r)
    assert float(rerun.split()[0]) >= 0.5 > float(liveblog.split()[0])


@pytest.mark.e2e
def test_inspect_unknown_story_exits_2_with_one_line(sample_output: Path) -> None:
    result = newsdedup("inspect", str(sample_output), "--story", "st_nope", check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == f"newsdedup: no story 'st_nope' in {sample_output}/stories"
    assert result.stdout == ""


@pytest.mark.e2e
def test_inspect_and_report_follow_a_story_merge(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    out = tmp_path / "out"
    for batch in request.getfixturevalue("batches"):  # three runs; the last merges two stories
        newsdedup("run", "--input", str(batch), "--output", str(out), "--quiet")
    merge = ds.dataset(out / "story_merges").to_table().to_pylist()[0]

    merged = newsdedup("inspect", str(out), "--story", merge["story_id"], check=False)
    assert merged.returncode == 2
    assert f"was merged into '{merge['merged_into']}'" in merged.stderr
    survivor = newsdedup("inspect", str(out), "--story", merge["merged_into"]).stdout
    assert {"a1", "a2", "a3", "b1", "b2", "m1", "m2"} <= set(survivor.split())

    newsdedup("report", str(out), "--output", str(tmp_path / "report.html"))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<dt>stories</dt><dd>3 (1 with 2+ articles)</dd>" in page
    top = page.split('<table id="top-stories">', 1)[1].split("</tbody>", 1)[0]
    assert "7 articles" in top


@pytest.mark.e2e
def test_the_readme_shows_what_inspect_prints(sample_output: Path) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    command, shown = (
        readme.split("$ newsdedup inspect out/sample ", 1)[1].split("```", 1)[0].split("\n", 1)
    )
    result = newsdedup("inspect", str(sample_output), *command.split())
    assert result.stdout == shown
