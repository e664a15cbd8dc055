"""newsdedup on an external worker pool whose workers share no disk with the driver: input
and output on the SeaweedFS server, workers in mount namespaces of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from scripts.s3server import BUCKET, S3Server
from scripts.workers import can_isolate, start_worker_pool
from tests.clirun import newsdedup
from tests.conftest import SAMPLE_DIR
from tests.transforms.io.test_object_store import assignments, exported, new_prefix, upload

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not can_isolate(), reason="isolating workers needs root and unshare"),
]


@pytest.fixture(scope="module")
def worker_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    process, port = start_worker_pool(tmp_path_factory.mktemp("pool") / "pool.log")
    try:
        yield port
    finally:
        process.kill()
        process.wait(timeout=30)


def test_the_external_worker_pool_gives_the_local_output(
    s3_server: S3Server, worker_pool: int, sample_output: Path, tmp_path: Path
) -> None:
    base = new_prefix()
    source = upload(s3_server, sorted(SAMPLE_DIR.iterdir()), f"{base}/in")
    out = f"s3://{BUCKET}/{base}/out"
    runner = [
        "--runner=PortableRunner",
        "--job_endpoint=embed",
        "--environment_type=EXTERNAL",
        f"--environment_config=localhost:{worker_pool}",
    ]
    newsdedup("run", "--input", source, "--output", out, *runner, *s3_server.flags())
    remote = exported(s3_server, out, "articles", tmp_path / "remote.parquet")
    local = pq.read_table(sample_output / "articles")
    assert remote.num_rows == 35
    assert assignments(remote) == assignments(local)
