"""The example newsdedup was built for: two German reports of the Tokyo summit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirun import articles_table, newsdedup

pytestmark = [pytest.mark.e2e, pytest.mark.shared_data]

BLOG = "000_6b53657df75b1364"
ARTICLE = "002_4c3213fa3034c7ae"


def test_summit_reports_share_a_story_and_other_entries_do_not(
    shared_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    newsdedup("run", "--input", str(shared_data / "seeds" / "*.txt"), "--output", str(out))

    rows = {r["article_id"]: r for r in articles_table(out).to_pylist()}
    titles = {article_id: row["title"] for article_id, row in rows.items()}
    assert titles[f"{BLOG}#1"].startswith("Japan will")  # the golden-age remarks
    assert titles[f"{BLOG}#2"].startswith("USA und Japan unterzeichnen")  # rare earths
    assert "2028" in titles[f"{BLOG}#3"] and "dritte Amtszeit" in titles[f"{BLOG}#4"]

    summit = rows[ARTICLE]["story_id"]
    assert rows[f"{BLOG}#1"]["story_id"] == summit
    assert rows[f"{BLOG}#2"]["story_id"] == summit
    assert rows[f"{BLOG}#3"]["story_id"] != summit
    assert rows[f"{BLOG}#4"]["story_id"] != summit
    assert {row["language"] for row in rows.values()} == {"de"}
    assert {rows[f"{BLOG}#{n}"]["parent_id"] for n in range(1, 5)} == {BLOG}
    assert rows[ARTICLE]["parent_id"] is None
    assert str(rows[f"{BLOG}#1"]["published_at"].date()) == "2025-10-28"
