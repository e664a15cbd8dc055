"""Worker processes that share no disk with the test: each runs in a mount
namespace of its own with a fresh, empty /tmp (`unshare -m`, as root), so
anything the driver leaves in its scratch space is out of their reach."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.s3server import free_ports


def can_isolate() -> bool:
    """unshare needs root (CI runs as root) and util-linux."""
    return os.geteuid() == 0 and shutil.which("unshare") is not None


def isolated_command(command: list[str]) -> list[str]:
    """`command` in its own mount namespace with an empty tmpfs on /tmp; the
    virtualenv is bound back in when it lives under /tmp."""
    venv = Path(sys.prefix)
    steps = ["mount -t tmpfs tmpfs /tmp"]
    if venv.is_relative_to("/tmp"):
        steps = [
            f"mkdir -p /run/newsdedup-venv && mount --bind {venv} /run/newsdedup-venv",
            *steps,
            f"mkdir -p {venv} && mount --bind /run/newsdedup-venv {venv}",
        ]
    script = " && ".join([*steps, "cd /", 'exec "$@"'])
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", *command]


def worker_environment() -> dict[str, str]:
    """The test's environment, with this virtualenv's python first on PATH (a
    worker pool starts `python`) and the repository importable."""
    environment = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    environment["PATH"] = f"{bin_dir}{os.pathsep}{environment.get('PATH', '')}"
    repository = str(Path(__file__).resolve().parents[1])
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (repository, environment.get("PYTHONPATH")) if p
    )
    return environment


def start_worker_pool(log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Beam's external worker pool on a free port, isolated; returns it and the port."""
    port = free_ports(1)[0]
    command = [
        sys.executable,
        "-m",
        "apache_beam.runners.worker.worker_pool_main",
        f"--service_port={port}",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            isolated_command(command),
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=worker_environment(),
        )
    # Ready once its port takes connections: what it logs depends on whether some
    # import configured logging first (its "Started worker pool" line is INFO).
    deadline = time.monotonic() + 120
    while not _accepts_connections(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the worker pool did not start: see {log}")
        time.sleep(0.2)
    return process, port


def _accepts_connections(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


@dataclass
class DaskCluster:
    """A `dask scheduler` and its `dask worker` processes on 127.0.0.1."""

    address: str
    processes: list[subprocess.Popen[bytes]]

    def stop(self) -> None:
        for process in reversed(self.processes):  # the workers first, then the scheduler
            process.kill()
            process.wait(timeout=30)


def _dask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "dask", *args]


def _wait_for_line(
    logs: list[Path], processes: list[subprocess.Popen[bytes]], line: str, what: str
) -> None:
    deadline = time.monotonic() + 90
    while not all(line in log.read_text(errors="replace") for log in logs):
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            for process in processes:
                process.kill()
            raise RuntimeError(f"{what} did not start: see {', '.join(map(str, logs))}")
        time.sleep(0.2)


def start_dask_cluster(folder: Path, workers: int = 2, isolate: bool = True) -> DaskCluster:
    """`dask scheduler` on a free port of 127.0.0.1 and `workers` single-threaded
    `dask worker` processes, each (with `isolate`) in a mount namespace of its own
    with an empty /tmp; their logs in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_ports(1)[0]
    address = f"tcp://127.0.0.1:{port}"
    scheduler_log = folder / "scheduler.log"
    with scheduler_log.open("wb") as sink:
        scheduler = subprocess.Popen(
            _dask_command(
                "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"
            ),
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=worker_environment(),
        )
    processes = [scheduler]
    _wait_for_line([scheduler_log], processes, "Scheduler at:", "dask scheduler")
    worker_logs = [folder / f"worker-{number}.log" for number in range(workers)]
    for log in worker_logs:
        command = _dask_command(
            "worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"
        )
        with log.open("wb") as sink:
            processes.append(
                subprocess.Popen(
                    isolated_command(command) if isolate else command,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    env=worker_environment(),
                    cwd="/",
                )
            )
    _wait_for_line(worker_logs, processes, "Registered to:", "dask worker")
    return DaskCluster(address, processes)
