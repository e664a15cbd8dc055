"""What a new user runs into (issue 20): odd files among the inputs, output
folders in odd places, and what a refused or failed run leaves behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from tests.clirun import articles_table, newsdedup, start_run, write_articles
from tests.conftest import SAMPLE_DIR

pytestmark = pytest.mark.e2e


def _jsonl(path: Path, ids: list[str]) -> None:
    lines = [
        json.dumps({"id": i, "text": f"Report {i}: the harbour reopened after the storm {i}."})
        for i in ids
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rejects(out: Path) -> list[dict[str, object]]:
    return ds.dataset(out / "rejects", format="parquet").to_table().to_pylist()


def test_a_fifo_among_the_inputs_is_rejected_never_opened(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _jsonl(folder / "a.jsonl", ["a1", "a2"])
    os.mkfifo(folder / "pipe.jsonl")  # opening it would wait for a writer for ever
    out = tmp_path / "out"
    result = newsdedup("run", "--input", str(folder), "--output", str(out))
    assert "articles written      2" in result.stdout
    assert "not_a_regular_file 1" in result.stdout
    [reject] = _rejects(out)
    assert reject["reason"] == "not_a_regular_file"
    assert str(reject["source_file"]).endswith("pipe.jsonl")


def test_an_output_inside_the_input_folder_is_not_read_back(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SAMPLE_DIR, folder)
    out = folder / "out"
    first = newsdedup("run", "--input", str(folder), "--output", str(out))
    second = newsdedup("run", "--input", str(folder), "--output", str(out))
    assert "records read          37" in first.stdout
    assert "records read          37" in second.stdout  # not its own Parquet files too
    assert "missing_id" not in second.stdout
    assert articles_table(out).num_rows == 35


def test_an_output_that_is_also_an_input_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _jsonl(folder / "a.jsonl", ["a1"])
    result = newsdedup("run", "--input", str(folder), "--output", str(folder), check=False)
    assert result.returncode == 2
    assert "also an --input" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["a.jsonl"]


def test_a_folder_of_other_files_is_refused_and_left_untouched(tmp_path: Path) -> None:
    inputs = tmp_path / "a.jsonl"
    _jsonl(inputs, ["a1"])
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "letter.txt").write_text("Dear reader", encoding="utf-8")
    result = newsdedup("run", "--input", str(inputs), "--output", str(mine), check=False)
    assert result.returncode == 2
    assert "not a newsdedup output" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in mine.iterdir()) == ["letter.txt"]


def test_refused_runs_leave_nothing_behind(tmp_path: Path) -> None:
    inputs = tmp_path / "a.jsonl"
    _jsonl(inputs, ["a1"])
    # A folder with an `articles/` newsdedup did not make: refused after taking the lock.
    theirs = tmp_path / "theirs"
    (theirs / "articles").mkdir(parents=True)
    result = newsdedup("run", "--input", str(inputs), "--output", str(theirs), check=False)
    assert result.returncode == 2
    assert sorted(p.name for p in theirs.iterdir()) == ["articles"]
    # Bad parameters for an existing output: refused; the output is as it was.
    out = tmp_path / "out"
    newsdedup("run", "--input", str(inputs), "--output", str(out))
    before = sorted(p.name for p in out.iterdir())
    result = newsdedup(
        "run", "--input", str(inputs), "--output", str(out), "--num-perm", "64", check=False
    )
    assert result.returncode == 2
    assert sorted(p.name for p in out.iterdir()) == before


def test_a_second_run_says_what_it_added_and_what_the_output_holds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = newsdedup("run", "--input", str(SAMPLE_DIR), "--output", str(out))
    assert "output now" not in first.stdout  # a first run's output is what it added
    extra = tmp_path / "extra.jsonl"
    _jsonl(extra, ["x1"])
    second = newsdedup(
        "run", "--input", str(SAMPLE_DIR), "--input", str(extra), "--output", str(out)
    )
    added, _, holds = second.stdout.partition("output now\n")
    assert added.startswith("this run\n")
    assert "  records read          38\n" in added
    assert "  articles written      1\n" in added
    assert "  exact re-deliveries   37\n" in added
    assert "  near-duplicate groups 0 with new articles\n" in added
    assert "  stories               1 new, 0 earlier ones with new articles\n" in added
    assert "  languages             en 1\n" in added
    assert "  articles              36\n" in holds
    assert "  near-duplicate groups 4 (with 2+ articles)\n" in holds
    assert "  stories               18 (6 with 2+ articles)\n" in holds
    assert "  languages             de 20, en 16\n" in holds


def test_sigterm_ends_a_run_like_ctrl_c_leaving_nothing(tmp_path: Path) -> None:
    batch = write_articles(tmp_path / "a.jsonl", 0, 300)
    out = tmp_path / "new" / "out"
    process = start_run("--input", str(batch), "--output", str(out))
    deadline = time.monotonic() + 120
    while not (out / ".lock").exists() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not (tmp_path / "new").exists()  # no .lock, no _staging, no folder it made
