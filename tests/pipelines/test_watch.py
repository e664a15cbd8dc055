"""End to end: `newsdedup watch` (pipelines/watch.py) in a subprocess; files dropped or written
slowly into its folder, its Parquet read back, stops by SIGTERM and kill -9, and restarts
that read what was not read, once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from newsdedup.transforms.core.decide.clustering import stable_id
from tests import textgen
from tests.conftest import SAMPLE_DIR

pytestmark = pytest.mark.e2e

WATCH = [sys.executable, "-m", "newsdedup.pipelines.cli", "watch"]
RUN = [sys.executable, "-m", "newsdedup.pipelines.cli", "run"]
FAST = ["--poll-seconds", "0.2", "--settle-seconds", "0.5"]
WAIT_SECONDS = 180
STOP_SECONDS = 30


def watch(folder: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*WATCH, "--input-dir", str(folder), "--output", str(out), *FAST, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lines(records: list[dict[str, str]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def drop(folder: Path, name: str, records: list[dict[str, str]]) -> None:
    """Write under a temporary name, then rename."""
    partial = folder / f"{name}.part"
    partial.write_text(lines(records), encoding="utf-8")
    partial.rename(folder / name)


def articles(out: Path) -> pa.Table:
    if not (out / "articles").exists():
        return pa.table({"article_id": pa.array([], pa.string())})
    return ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table()


def article_rows(out: Path) -> dict[str, dict[str, object]]:
    rows = articles(out).to_pylist()
    ids = [row["article_id"] for row in rows]
    assert len(ids) == len(set(ids)), "an article was written twice"
    return {row["article_id"]: row for row in rows}


def wait_for_articles(out: Path, count: int, process: subprocess.Popen[str]) -> pa.Table:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        table = articles(out)
        if table.num_rows >= count:
            return table
        if process.poll() is not None:
            raise AssertionError(f"watch exited early:\n{process.communicate()[1]}")
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"fewer than {count} articles after {WAIT_SECONDS} s")


def stop(process: subprocess.Popen[str], how: int = signal.SIGTERM) -> tuple[str, float]:
    """Send `how`; the process output and how long it took to exit."""
    started = time.monotonic()
    process.send_signal(how)
    stdout, stderr = process.communicate(timeout=WAIT_SECONDS)
    if how == signal.SIGTERM:
        assert process.returncode == 0, stderr
    return stdout, time.monotonic() - started


def record(article_id: str, paragraphs: list[str], day: str = "2026-03-02") -> dict[str, str]:
    return {
        "id": article_id,
        "text": textgen.text(paragraphs),
        "title": article_id,
        "published_at": f"{day}T08:00:00Z",
    }


def stream_records(count: int, first_seed: int = 100) -> list[dict[str, str]]:
    """`count` articles: each third one a rerun of the one before it."""
    records, original = [], textgen.article(first_seed)
    for number in range(count):
        if number % 3 == 2:
            paragraphs = textgen.edited(original, number)
        else:
            original = paragraphs = textgen.article(first_seed + number)
        records.append(record(f"a-{number:04d}", paragraphs))
    return records


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
    (folder / "bad.txt").write_bytes(b"")
    time.sleep(1.0)  # bad.txt settles: it is read with second.jsonl
    drop(folder, "second.jsonl", [rerun, record("wire-1", original)])
    wait_for_articles(out, 3, process)
    stdout, _ = stop(process)
    assert "records read" in stdout

    rows = article_rows(out)
    assert sorted(rows) == ["other-1", "rerun-1", "wire-1"]
    assert rows["rerun-1"]["story_id"] == rows["wire-1"]["story_id"] == stable_id("st", "wire-1")
    assert rows["rerun-1"]["dup_group_id"] == rows["wire-1"]["dup_group_id"]
    assert rows["other-1"]["story_id"] == stable_id("st", "other-1")
    rejects = ds.dataset(out / "rejects", format="parquet").to_table().to_pylist()
    assert [(Path(r["source_file"]).name, r["reason"]) for r in rejects] == [
        ("bad.txt", "empty_file")
    ]

    # Restart: nothing is read twice, a new rerun joins the story written before,
    # a re-delivery is recognised, and the idle timeout stops it.
    restart = watch(folder, out, "--idle-timeout", "3")
    another_rerun = record("rerun-2", textgen.edited(original, 6), day="2026-03-03")
    drop(folder, "third.jsonl", [another_rerun, record("other-1", other)])
    stdout, stderr = restart.communicate(timeout=WAIT_SECONDS)
    assert restart.returncode == 0, stderr
    assert "1 micro-batch(es), 2 records read, 1 articles written" in stdout
    rows = article_rows(out)
    assert sorted(rows) == ["other-1", "rerun-1", "rerun-2", "wire-1"]
    assert rows["rerun-2"]["story_id"] == stable_id("st", "wire-1")


def test_watch_gives_the_groups_of_a_batch_run_on_the_sample(
    tmp_path: Path, sample_output: Path
) -> None:
    folder, out = tmp_path / "incoming", tmp_path / "out"
    folder.mkdir()
    process = watch(folder, out, "--idle-timeout", "3")
    sample = SAMPLE_DIR
    for path in sorted(sample.iterdir()):  # one micro-batch per file
        (folder / path.name).write_bytes(path.read_bytes())
        time.sleep(1.0)
    _, stderr = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0, stderr

    def groups(ids: dict[str, str]) -> set[frozenset[str]]:
        members: dict[str, set[str]] = {}
        for article_id, group in ids.items():
            members.setdefault(group, set()).add(article_id)
        return {frozenset(m) for m in members.values() if len(m) > 1}

    def dup_groups(output: Path) -> set[frozenset[str]]:
        return groups({a: str(row["dup_group_id"]) for a, row in article_rows(output).items()})

    assert dup_groups(out) == dup_groups(sample_output)
    # Stories as they stand after the merges recorded (deferred links settled).
    assert groups(current_story(out)) == groups(current_story(sample_output))
    # A newsdedup output like a batch run's, with nothing rejected: report reads it.
    report = subprocess.run(
        [sys.executable, "-m", "newsdedup.pipelines.cli", "report", str(out), "--output",
         str(tmp_path / "r.html")],
        capture_output=True, text=True, timeout=WAIT_SECONDS, check=False,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "r.html").stat().st_size > 0


def entity_linked_stream() -> list[dict[str, str]]:
    """A report and its re-run; a report of the same event naming the same
    people in other words (no shared text: an entity link alone); other news."""
    people = "Quentin Zorblatt, Karla Marvolo, Brisk Tennow and Ysolde Prack"
    report = [f"Yesterday {people} met in Karlsbrunn.", *textgen.article(500)]
    other_words = [f"Talks between {people} ended in Karlsbrunn.", *textgen.article(600)]
    records = [record("a-0001", report), record("a-0002", textgen.edited(report, 1))]
    records.append(record("a-0003", other_words))
    return records + [record(f"a-{n:04d}", textgen.article(700 + n)) for n in range(10, 30)]


def current_story(out: Path) -> dict[str, str]:
    """article_id -> its story's current id (after recorded merges)."""
    stories = ds.dataset(out / "stories", format="parquet").to_table().to_pylist()
    merged = {row["story_id"]: row["merged_into"] for row in stories if row["merged_into"]}
    return {a: merged.get(row["story_id"], row["story_id"]) for a, row in article_rows(out).items()}


def test_watch_defers_a_lone_entity_link_and_settles_it_when_the_stream_ends(
    tmp_path: Path,
) -> None:
    folder, out = tmp_path / "incoming", tmp_path / "out"
    folder.mkdir()
    drop(folder, "news.jsonl", entity_linked_stream())
    process = watch(folder, out, "--idle-timeout", "3")
    stdout, stderr = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0, stderr
    assert "settled deferred links" in stdout
    rows = article_rows(out)
    # Written apart, one with the story it waited to join (two lone reports:
    # either holds it); joined when the stream ended.
    assert rows["a-0003"]["story_id"] != rows["a-0001"]["story_id"]
    assert {rows["a-0003"]["pending_story_id"], rows["a-0001"]["pending_story_id"]} == {
        None,
        rows["a-0001"]["story_id"]
        if rows["a-0003"]["pending_story_id"]
        else rows["a-0003"]["story_id"],
    }
    assert current_story(out)["a-0003"] == current_story(out)["a-0001"]
    # One run over the same input joins them at once, as the settled stream does.
    batch = tmp_path / "batch"
    subprocess.run([*RUN, "--input", str(folder), "--output", str(batch), "--quiet"], check=True)
    batch_rows = article_rows(batch)
    assert batch_rows["a-0003"]["story_id"] == batch_rows["a-0001"]["story_id"]
    assert batch_rows["a-0003"]["pending_story_id"] is None


def test_watch_settles_deferred_links_after_a_last_micro_batch_of_redeliveries(
    tmp_path: Path,
) -> None:
    folder, out = tmp_path / "incoming", tmp_path / "out"
    folder.mkdir()
    stream = entity_linked_stream()
    drop(folder, "news.jsonl", stream)
    process = watch(folder, out, "--idle-timeout", "5")
    wait_for_articles(out, len(stream), process)
    drop(folder, "again.jsonl", stream[:2])  # written already: the micro-batch writes nothing
    stdout, stderr = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0, stderr
    assert "settled deferred links" in stdout
    assert current_story(out)["a-0003"] == current_story(out)["a-0001"]


def test_a_file_written_slowly_loses_nothing_and_writes_nothing_twice(tmp_path: Path) -> None:
    folder, out = tmp_path / "incoming", tmp_path / "out"
    folder.mkdir()
    data = lines(stream_records(60)).encode()
    process = watch(folder, out, "--idle-timeout", "4")
    path = folder / "slow.jsonl"
    half = len(data) // 2 + 7  # mid-line
    path.write_bytes(data[:half])
    wait_for_articles(out, 1, process)
    time.sleep(2.0)  # longer than --settle-seconds: the last fragment is read as it is
    with path.open("ab") as stream:
        stream.write(data[half:])
    _, stderr = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0, stderr
    rows = article_rows(out)
    assert sorted(rows) == [f"a-{n:04d}" for n in range(60)]
    rejects = ds.dataset(out / "rejects", format="parquet").to_table().to_pylist()
    assert {r["reason"] for r in rejects} <= {"malformed_json"}  # the fragment, if read alone
    assert len(rejects) <= 1


def test_sigterm_during_a_large_micro_batch_stops_in_seconds_and_a_restart_redoes_it(
    tmp_path: Path,
) -> None:
    folder, out = tmp_path / "incoming", tmp_path / "out"
    folder.mkdir()
    records = stream_records(1500)
    drop(folder, "first.jsonl", records[:300])
    process = watch(folder, out)
    wait_for_articles(out, 300, process)
    drop(folder, "large.jsonl", records[300:])
    time.sleep(3.0)  # the large micro-batch has started
    _, seconds = stop(process)
    assert seconds < STOP_SECONDS
    assert len(article_rows(out)) in (300, 1500)  # its micro-batch was published whole or not

    restart = watch(folder, out, "--idle-timeout", "2")
    restart.communicate(timeout=WAIT_SECONDS)
    assert restart.returncode == 0
    assert sorted(article_rows(out)) == [r["id"] for r in records]


def test_kill_9_at_any_moment_loses_nothing_and_writes_nothing_twice(tmp_path: Path) -> None:
    folder, out = tmp_path / "incoming", tmp_path / "out"
    folder.mkdir()
    records = stream_records(90)
    for number in range(3):
        drop(folder, f"part-{number}.jsonl", records[number * 30 : (number + 1) * 30])
    for delay in (2.0, 4.0):
        process = watch(folder, out)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=WAIT_SECONDS)
    restart = watch(folder, out, "--idle-timeout", "2")
    _, stderr = restart.communicate(timeout=WAIT_SECONDS)
    assert restart.returncode == 0, stderr
    assert sorted(article_rows(out)) == [r["id"] for r in records]
    batch = tmp_path / "batch"
    subprocess.run(
        [*RUN, "--input", str(folder), "--output", str(batch), "--quiet"],
        check=True, timeout=WAIT_SECONDS,
    )  # fmt: skip
    streamed, whole = article_rows(out), article_rows(batch)
    assert {k: v["dup_group_id"] for k, v in streamed.items()} == {
        k: v["dup_group_id"] for k, v in whole.items()
    }


def test_watch_usage_errors_exit_2(tmp_path: Path) -> None:
    def usage_error(*args: str) -> str:
        result = subprocess.run(
            [*WATCH, *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 2
        return result.stderr

    out = str(tmp_path / "out")
    assert "--input-dir" in usage_error("--output", out)
    folder = str(tmp_path)
    assert "newsdedup run" in usage_error("--input-dir", folder, "--input", "x", "--output", out)
    assert "--idle-timeout" in usage_error(
        "--input-dir", str(tmp_path), "--output", out, "--idle-timeout", "0"
    )


def test_watch_help_lists_its_own_options_first_and_not_batch_only_ones() -> None:
    result = subprocess.run(
        [*WATCH, "--help"], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.index("--input-dir") < result.stdout.index("--dup-threshold")
    assert "--input PATH" not in result.stdout
