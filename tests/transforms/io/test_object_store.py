"""Input and output on a real S3 server (SeaweedFS, see scripts/s3server.py) and on a
Google Cloud Storage emulator (scripts/gcsserver.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from newsdedup.schemas.parquet import DATASET_SCHEMAS, with_run_metadata
from newsdedup.transforms.io.filesystems import FileAccess
from newsdedup.transforms.io.output import commit, current_snapshot, prepare_staging
from newsdedup.transforms.io.write import write_parquet
from newsdedup.transforms.runtime.errors import UsageError
from scripts.gcsserver import GcsServer
from scripts.s3server import ACCESS_KEY, BUCKET, SECRET_KEY, S3Server
from tests.clirun import newsdedup, write_articles
from tests.conftest import REPO_ROOT, SAMPLE_DIR

pytestmark = pytest.mark.e2e

WATCH = [sys.executable, "-m", "newsdedup.pipelines.cli", "watch"]
WATCH_TIMING = ["--poll-seconds", "0.5", "--settle-seconds", "0.5", "--idle-timeout", "10"]
SCHEMAS = {name: with_run_metadata(schema, {}) for name, schema in DATASET_SCHEMAS.items()}


def new_prefix() -> str:
    """A prefix of the test bucket for one test."""
    return f"test-{uuid.uuid4().hex[:8]}"


def upload(server: S3Server, files: list[Path], prefix: str) -> str:
    for path in files:
        server.client().upload_file(str(path), BUCKET, f"{prefix}/{path.name}")
    return f"s3://{BUCKET}/{prefix}"


def exported(server: S3Server, out: str, table: str, target: Path) -> pa.Table:
    newsdedup("export", out, "--table", table, "--output", str(target), *server.flags())
    return pq.read_table(target)


def assignments(articles: pa.Table) -> list[tuple[str, str, str]]:
    return sorted(
        zip(
            articles.column("article_id").to_pylist(),
            articles.column("story_id").to_pylist(),
            articles.column("dup_group_id").to_pylist(),
            strict=True,
        )
    )


def test_a_run_on_s3_equals_a_local_run_and_a_second_adds_nothing(
    s3_server: S3Server, sample_output: Path, tmp_path: Path
) -> None:
    base = new_prefix()
    source = upload(s3_server, sorted(SAMPLE_DIR.iterdir()), f"{base}/in")
    out = f"s3://{BUCKET}/{base}/out"
    run = ["run", "--input", source, "--output", out, *s3_server.flags()]
    first = newsdedup(*run)
    assert "articles written      35" in first.stdout
    local = exported(s3_server, str(sample_output), "articles", tmp_path / "local.parquet")
    remote = exported(s3_server, out, "articles", tmp_path / "remote.parquet")
    assert remote.num_rows == 35
    assert assignments(remote) == assignments(local)
    assert sorted(remote.column("published_date").to_pylist()) == sorted(
        local.column("published_date").to_pylist()
    )

    second = newsdedup(*run)
    assert "articles written      0" in second.stdout
    assert "exact re-deliveries   37" in second.stdout
    again = exported(s3_server, out, "articles", tmp_path / "again.parquet")
    assert assignments(again) == assignments(remote)
    stories = exported(s3_server, out, "stories", tmp_path / "stories.parquet")
    assert stories.num_rows == 17
    keys = s3_server.keys(f"{base}/out/")
    assert [k for k in keys if "/_manifests/" in k] == [
        f"{base}/out/_manifests/000001.json",
        f"{base}/out/_manifests/000002.json",
    ]
    assert not [k for k in keys if "/_staging/" in k]
    manifest_key = f"{base}/out/_manifests/000002.json"
    manifest = json.loads(
        s3_server.client().get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read()
    )
    # Every file the current manifest names exists.
    named = {f"{base}/out/{path}" for paths in manifest["tables"].values() for path in paths}
    assert named <= set(keys)


def test_a_run_on_gcs_equals_a_local_run_and_a_second_adds_nothing(
    gcs_server: GcsServer, sample_output: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in gcs_server.environment().items():
        monkeypatch.setenv(name, value)
    base = new_prefix()
    source = gcs_server.upload(sorted(SAMPLE_DIR.iterdir()), f"{base}/in")
    out = f"{source.rsplit('/', 1)[0]}/out"
    first = newsdedup("run", "--input", source, "--output", out)
    assert "articles written      35" in first.stdout
    second = newsdedup("run", "--input", source, "--output", out)
    assert "exact re-deliveries   37" in second.stdout
    newsdedup("export", out, "--table", "articles", "--output", str(tmp_path / "remote.parquet"))
    newsdedup(
        "export",
        str(sample_output),
        "--table",
        "articles",
        "--output",
        str(tmp_path / "local.parquet"),
    )
    remote = pq.read_table(tmp_path / "remote.parquet")
    assert remote.num_rows == 35
    assert assignments(remote) == assignments(pq.read_table(tmp_path / "local.parquet"))
    names = gcs_server.names(f"{base}/out/")
    assert [n for n in names if "/_manifests/" in n] == [
        f"{base}/out/_manifests/000001.json",
        f"{base}/out/_manifests/000002.json",
    ]
    assert not [n for n in names if "/_staging/" in n]


def test_a_killed_run_leaves_the_previous_state_on_s3(s3_server: S3Server, tmp_path: Path) -> None:
    base = new_prefix()
    first = upload(s3_server, [write_articles(tmp_path / "a.jsonl", 0, 5)], f"{base}/in-a")
    later = upload(s3_server, [write_articles(tmp_path / "b.jsonl", 5, 300)], f"{base}/in-b")
    out = f"s3://{BUCKET}/{base}/out"
    newsdedup("run", "--input", first, "--output", out, *s3_server.flags())
    before = exported(s3_server, out, "articles", tmp_path / "before.parquet")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsdedup.pipelines.cli",
            "run",
            "--input",
            later,
            "--output",
            out,
            *s3_server.flags(),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Killed once it has written data files of its own, before its manifest.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        written = s3_server.keys(f"{base}/out/_snapshots/000002-")
        if any(key.endswith(".parquet") for key in written):
            break
        time.sleep(0.2)
    process.kill()
    process.wait()
    assert s3_server.keys(f"{base}/out/_snapshots/000002-"), "the run wrote nothing before"
    if not s3_server.keys(f"{base}/out/_manifests/000002.json"):
        after = exported(s3_server, out, "articles", tmp_path / "after.parquet")
        assert assignments(after) == assignments(before)
    newsdedup("run", "--input", later, "--output", out, *s3_server.flags())
    final = exported(s3_server, out, "articles", tmp_path / "final.parquet")
    assert final.num_rows == 305
    # The killed run's leftovers went with the next commit.
    runs = {key.split("/")[3] for key in s3_server.keys(f"{base}/out/_snapshots/")}
    assert len(runs) <= 2
    assert not s3_server.keys(f"{base}/out/_staging/")


def test_of_two_runs_from_one_state_only_one_is_published(s3_server: S3Server) -> None:
    out = f"s3://{BUCKET}/{new_prefix()}/out"
    files = FileAccess.of(PipelineOptions(s3_server.flags()))
    files.activate()
    stagings = [prepare_staging(out, files) for _ in range(2)]
    for staging in stagings:
        write_parquet(f"{staging.dataset('stories')}/x.parquet", [], SCHEMAS["stories"], files)
    commit(stagings[0], SCHEMAS)
    with pytest.raises(UsageError, match="another newsdedup run published"):
        commit(stagings[1], SCHEMAS)
    snapshot = current_snapshot(out)
    assert snapshot is not None
    assert snapshot.run == stagings[0].run


def test_the_documented_object_store_readers_work(s3_server: S3Server, tmp_path: Path) -> None:
    """The Python of docs/queries.md, "An output on an object store", on a real output."""
    base = new_prefix()
    source = upload(s3_server, sorted(SAMPLE_DIR.iterdir()), f"{base}/in")
    newsdedup("run", "--input", source, "--output", f"s3://{BUCKET}/{base}/out", *s3_server.flags())
    docs = (REPO_ROOT / "docs" / "queries.md").read_text()
    section = docs[docs.index("## An output on an object store") :]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    code = (
        code.replace(
            '"http://127.0.0.1:8333", "KEY", "SECRET"',
            repr((s3_server.endpoint, ACCESS_KEY, SECRET_KEY))[1:-1],
        )
        .replace("news/out", f"{BUCKET}/{base}/out")
        .replace("duckdb.sql(", "current = duckdb.sql(")
    )
    namespace: dict[str, object] = {}
    exec(compile(code, "docs/queries.md", "exec"), namespace)
    assert namespace["frame"].shape[0] == 17  # type: ignore[attr-defined]
    assert namespace["polars_frame"].shape[0] == 17  # type: ignore[attr-defined]
    assert namespace["current"] == [(17,)]


def test_input_on_s3_with_a_local_output(
    s3_server: S3Server, sample_output: Path, tmp_path: Path
) -> None:
    source = upload(s3_server, sorted(SAMPLE_DIR.iterdir()), f"{new_prefix()}/in")
    out = tmp_path / "out"
    newsdedup("run", "--input", source, "--output", str(out), *s3_server.flags())
    local = exported(s3_server, str(sample_output), "articles", tmp_path / "local.parquet")
    assert assignments(pq.read_table(out / "articles")) == assignments(local)


def _watch_two_files(
    input_dir: str,
    out: str,
    put: Callable[[Path], None],
    published: Callable[[], bool],
    *flags: str,
) -> str:
    """`newsdedup watch` on `input_dir`: wire_de.jsonl arrives, then, once its
    micro-batch is published, wire_en.jsonl; the idle timeout ends it. Its stdout."""
    command = [*WATCH, "--input-dir", input_dir, "--output", out, *WATCH_TIMING, *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        put(SAMPLE_DIR / "wire_de.jsonl")
        deadline = time.monotonic() + 300
        while not published():
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the first micro-batch was not published"
            time.sleep(0.5)
        put(SAMPLE_DIR / "wire_en.jsonl")
        stdout, stderr = process.communicate(timeout=600)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    return stdout


def test_watch_streams_an_s3_prefix_into_an_s3_output_as_it_does_locally(
    s3_server: S3Server, tmp_path: Path
) -> None:
    base = new_prefix()
    out = f"s3://{BUCKET}/{base}/out"

    def put(path: Path) -> None:
        upload(s3_server, [path], f"{base}/incoming")

    remote_stdout = _watch_two_files(
        f"s3://{BUCKET}/{base}/incoming",
        out,
        put,
        lambda: bool(s3_server.keys(f"{base}/out/_manifests/")),
        *s3_server.flags(),
    )
    incoming, local_out = tmp_path / "incoming", tmp_path / "out"
    incoming.mkdir()

    def drop(path: Path) -> None:
        shutil.copy(path, incoming / f"{path.name}.part")
        (incoming / f"{path.name}.part").rename(incoming / path.name)

    _watch_two_files(str(incoming), str(local_out), drop, lambda: (local_out / "articles").exists())
    assert "micro-batch 2:" in remote_stdout
    remote = exported(s3_server, out, "articles", tmp_path / "remote.parquet")
    local = exported(s3_server, str(local_out), "articles", tmp_path / "local.parquet")
    assert remote.num_rows == local.num_rows > 16
    assert assignments(remote) == assignments(local)
    assert s3_server.keys(f"{base}/out/_watch/reads/")
    assert not [k for k in s3_server.keys(f"{base}/out/") if "/_staging/" in k]

    # A restart reads nothing again.
    again = newsdedup(
        "watch",
        "--input-dir",
        f"s3://{BUCKET}/{base}/incoming",
        "--output",
        out,
        *WATCH_TIMING,
        *s3_server.flags(),
    )
    assert "0 micro-batch(es)" in again.stdout
    assert assignments(exported(s3_server, out, "articles", tmp_path / "again.parquet")) == (
        assignments(remote)
    )
