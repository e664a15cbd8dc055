"""A Google Cloud Storage emulator for tests and scripts: gcp-storage-emulator (in the dev
extra) on a free port of 127.0.0.1, its objects in memory.

Google's client libraries send every request to `STORAGE_EMULATOR_HOST` when it is set.
Beam's GCS filesystem first asks for Application Default Credentials and, when there are
none, retries for about 20 s before it goes on anonymously, in every process; a token
that never expires (the emulator accepts any) spares that wait.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from scripts.s3server import free_ports, wait_until_ready

PROJECT = "newsdedup-test"
# One bucket for every test (each test under a prefix of its own), as on S3.
BUCKET = "news"


@dataclass
class GcsServer:
    process: subprocess.Popen[bytes]
    endpoint: str
    credentials: Path
    log: Path

    def environment(self) -> dict[str, str]:
        """The variables that send Google's storage client (and so Beam) here."""
        return {
            "STORAGE_EMULATOR_HOST": self.endpoint,
            "GOOGLE_APPLICATION_CREDENTIALS": str(self.credentials),
            "GOOGLE_CLOUD_PROJECT": PROJECT,
        }

    def upload(self, files: list[Path], prefix: str) -> str:
        bucket = self._client().bucket(BUCKET)
        for path in files:
            bucket.blob(f"{prefix}/{path.name}").upload_from_filename(str(path))
        return f"gs://{BUCKET}/{prefix}"

    def names(self, prefix: str = "") -> list[str]:
        """The object names under a prefix of the test bucket."""
        return sorted(blob.name for blob in self._client().list_blobs(BUCKET, prefix=prefix))

    def _client(self) -> Any:
        from google.auth.credentials import AnonymousCredentials

        # Imported by name: google-cloud-storage ships no type information.
        storage = importlib.import_module("google.cloud.storage")
        return storage.Client(
            project=PROJECT,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.endpoint},
        )

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


def start_server(folder: Path, timeout: float = 60.0) -> GcsServer:
    (port,) = free_ports(1)
    command = [
        sys.executable,
        "-m",
        "gcp_storage_emulator",
        "start",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--default-bucket={BUCKET}",
        "--in-memory",
    ]
    log = folder / "gcs-emulator.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=folder)
    credentials = folder / "application_default_credentials.json"
    token = {
        "type": "authorized_user",
        "client_id": PROJECT,
        "client_secret": "unused",
        "refresh_token": "unused",
        "token": "emulator-token",
        "expiry": "2999-01-01T00:00:00Z",
    }
    credentials.write_text(json.dumps(token))
    server = GcsServer(process, f"http://127.0.0.1:{port}", credentials, log)
    wait_until_ready(server, partial(_lists_the_bucket, server), "gcp-storage-emulator", timeout)
    return server


def _lists_the_bucket(server: GcsServer) -> bool:
    with urllib.request.urlopen(f"{server.endpoint}/storage/v1/b/{BUCKET}", timeout=2):
        return True
