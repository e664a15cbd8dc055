"""End to end: options of `newsdedup run` (pipelines/options.py) that are wrong exit 2 with one
line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirun import newsdedup
from tests.conftest import SAMPLE_DIR

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "/nonexistent/*.jsonl"], "matches no file"),
        (["--input", "{sample}", "--dup-threshold", "1.5"], "dup_threshold must be <= 1.0"),
        (["--input", "{sample}", "--max-key-articles", "-3"], "max_key_articles must be >= 2"),
        (["--output", "{tmp}/out"], "no input given"),
        (["--input", "{sample}", "--dup-thresold", "0.3"], "did you mean --dup-threshold?"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    filled = [a.format(sample=SAMPLE_DIR, tmp=tmp_path) for a in args]
    if "--output" not in filled:
        filled += ["--output", str(tmp_path / "out")]
    result = newsdedup("run", *filled, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "articles").exists()


@pytest.mark.parametrize(
    ("field", "message"),
    [("body", "expected NAME=COLUMN"), ("headline=title", "NAME must be one of")],
)
def test_bad_field_option_exits_2(tmp_path: Path, field: str, message: str) -> None:
    (tmp_path / "t.csv").write_text("id,text\na,b\n", encoding="utf-8")
    out = tmp_path / "out"
    result = newsdedup(
        "run",
        "--input",
        str(tmp_path / "t.csv"),
        "--output",
        str(out),
        "--field",
        field,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
