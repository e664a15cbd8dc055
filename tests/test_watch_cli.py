"""End to end: `newsdedup watch` in a subprocess; files dropped into its folder,
its Parquet read back, then a restart that must not re-ingest."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from schemas.parquet import SCHEMA_VERSION
from tests import textgen
from transforms.core.clustering import stable_id
from transforms.core.watchdir import FolderWatch, Ledger, is_candidate_name, list_files

pytestmark = pytest.mark.e2e

WATCH = [sys.executable, "-m", "pipelines.cli", "watch"]
FAST = ["--poll-seconds", "0.2", "--window-seconds", "1"]
WAIT_SECONDS = 120


def watch(folder: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*WATCH, "--input-dir", str(folder), "--output", str(out), *FAST, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def drop(folder: Path, name: str, records: list[dict[str, str]]) -> None:
    """Write under a temporary name, then rename: the watcher never sees half a file."""
    partial = folder / f"{name}.part"
    partial.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    partial.rename(folder / name)


def articles(out: Path) -> pa.Table:
    if not (out / "articles").exists():
        return pa.table({"article_id": pa.array([], pa.string())})
    return ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table()


def wait_for_articles(out: Path, count: int, process: subprocess.Popen[str]) -> pa.Table:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        table = articles(out)
        if table.num_rows >= count:
            return table
        if process.poll() is not None:
            raise AssertionError(f"watch exited early:\n{process.communicate()[1]}")
        time.sleep(0.3)
    process.kill()
    raise AssertionError(f"fewer than {count} articles after {WAIT_SECONDS} s")


def record(article_id: str, paragraphs: list[str], day: str = "2026-03-02") -> dict[str, str]:
    return {
        "id": article_id,
        "text": textgen.text(paragraphs),
        "title": article_id,
        "published_at": f"{day}T08:00:00Z",
    }


def test_watch_streams_files_stops_cleanly_and_does_not_reingest(tmp_path: Path) -> None:
    folder, out = tmp_path / "incoming", tmp_path / "out"
    folder.mkdir()
    original, other = textgen.article(11), textgen.article(12)
    process = watch(folder, out)
    drop(folder, "first.jsonl", [record("wire-1", original), record("other-1", other)])
    first = wait_for_articles(out, 2, process)
    assert sorted(first.column("article_id").to_pylist()) == ["other-1", "wire-1"]

    # A rerun of the wire copy, and wire-1 delivered a second time.
    rerun = record("rerun-1", textgen.edited(original, 5), day="2026-03-03")
    drop(folder, "second.jsonl", [rerun, record("wire-1", original)])
    (folder / "bad.txt").write_bytes(b"")
    table = wait_for_articles(out, 3, process)

    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0, stderr
    assert "reading 3 new file(s)" in stdout

    table = articles(out)
    rows = {row["article_id"]: row for row in table.to_pylist()}
    assert sorted(rows) == ["other-1", "rerun-1", "wire-1"]  # one row for wire-1
    assert rows["rerun-1"]["story_id"] == rows["wire-1"]["story_id"] == stable_id("st", "wire-1")
    assert rows["rerun-1"]["dup_group_id"] == rows["wire-1"]["dup_group_id"]
    assert rows["other-1"]["story_id"] == stable_id("st", "other-1")
    partitions = sorted(p.name for p in (out / "articles").iterdir())
    assert partitions == ["published_date=2026-03-02", "published_date=2026-03-03"]
    some_file = next((out / "articles").rglob("*.parquet"))
    assert pq.read_schema(some_file).metadata[b"schema_version"].decode() == SCHEMA_VERSION
    rejects = ds.dataset(out / "rejects", format="parquet").to_table().to_pylist()
    assert [(Path(r["source_file"]).name, r["reason"]) for r in rejects] == [
        ("bad.txt", "empty_file")
    ]
    stories = ds.dataset(out / "stories", format="parquet").to_table().to_pylist()
    latest = max(
        (s for s in stories if s["story_id"] == stable_id("st", "wire-1")),
        key=lambda s: s["article_count"],
    )
    assert latest["article_ids"] == ["rerun-1", "wire-1"]
    assert not list((out / "_watch" / "tmp").glob("*"))  # every temporary file was moved

    # Restart on the same folders: the three files are not read again, the
    # articles written before are restored (a new rerun joins their story, a
    # re-delivery is recognised), and the idle timeout stops it.
    restart = watch(folder, out, "--idle-timeout", "5")
    another_rerun = record("rerun-2", textgen.edited(original, 6), day="2026-03-03")
    drop(folder, "third.jsonl", [another_rerun, record("other-1", other)])
    stdout, stderr = restart.communicate(timeout=WAIT_SECONDS)
    assert restart.returncode == 0, stderr
    assert "reading 1 new file(s)" in stdout
    rows = {row["article_id"]: row for row in articles(out).to_pylist()}
    assert sorted(rows) == ["other-1", "rerun-1", "rerun-2", "wire-1"]
    assert rows["rerun-2"]["story_id"] == stable_id("st", "wire-1")


def test_watch_usage_errors_exit_2(tmp_path: Path) -> None:
    def usage_error(folder: Path, out: Path) -> str:
        result = subprocess.run(
            [*WATCH, "--input-dir", str(folder), "--output", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 2
        return result.stderr

    assert "--input-dir" in usage_error(tmp_path / "none", tmp_path / "out")
    batch_out = tmp_path / "batch"
    (batch_out / "_snapshots" / "000001" / "articles").mkdir(parents=True)
    (batch_out / "articles").symlink_to(Path("_snapshots", "000001", "articles"))
    assert "newsdedup run" in usage_error(tmp_path, batch_out)


# --- the folder watch and its ledger (no subprocess) ----------------------------------


def test_only_files_unchanged_between_two_polls_are_ready(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("{}\n")
    (tmp_path / ".hidden.jsonl").write_text("{}\n")
    (tmp_path / "copying.jsonl.part").write_text("{}\n")
    folder = FolderWatch()
    assert folder.ready(list_files(tmp_path)) == []  # seen once: maybe still being written
    assert folder.ready(list_files(tmp_path)) == [str(tmp_path / "a.jsonl")]
    assert folder.ready(list_files(tmp_path)) == []  # handed out once only
    (tmp_path / "b.jsonl").write_text("{}\n")
    listing = list_files(tmp_path)
    (tmp_path / "b.jsonl").write_text("{}\n{}\n")  # grew between polls
    folder.ready(listing)
    assert folder.ready(list_files(tmp_path)) == []


def test_ledger_round_trip(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "_watch" / "ingested.tsv")
    assert ledger.load() == set()
    ledger.record(["/in/a.jsonl", "/in/b c.txt"], {"/in/a.jsonl": (1, 2), "/in/b c.txt": (3, 4)})
    assert ledger.load() == {"/in/a.jsonl", "/in/b c.txt"}


def test_candidate_names() -> None:
    assert is_candidate_name("day/a.jsonl")
    assert not is_candidate_name(".git/a.jsonl")
    assert not is_candidate_name("a.jsonl.tmp")
