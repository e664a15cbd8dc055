"""Try newsdedup on Beam's DaskRunner against a local dask.distributed cluster.

    pip install -c constraints.txt -e '.[dask]'
    python scripts/dask_local.py --input examples/sample --output /tmp/newsdedup-dask [--workers 2]

Starts a `distributed.LocalCluster` of `--workers` worker processes (one thread
each) listening on 127.0.0.1, so tasks and data really travel between processes
over TCP, and runs on it:

1. a probe pipeline (Create, Map, GroupByKey, a side input) to show whether the
   runner itself works here;
2. `newsdedup run` unchanged, with `--runner` set to Beam's DaskRunner (which
   newsdedup runs with its ParDo translation mended, transforms/runtime/dask_runner.py)
   and `--dask_client_address` to the cluster.

It prints one line per attempt, `ok` or `failed` with the error's last line, and
for newsdedup compares the article groups with an in-process run of the same
input. docs/benchmarks.md records what it printed. Exit code 0 when both worked,
1 otherwise, 2 when dask is not installed.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python scripts/dask_local.py`
    sys.path.insert(0, str(REPO_ROOT))

import apache_beam as beam  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402
from apache_beam.testing.util import assert_that, equal_to  # noqa: E402

from newsdedup.pipelines.batch import run  # noqa: E402
from scripts.evaluate import load_output  # noqa: E402

DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"


def probe(address: str) -> None:
    """A small pipeline with a shuffle and a side input; raises if the result is wrong."""
    options = PipelineOptions([f"--runner={DASK_RUNNER}", f"--dask_client_address={address}"])
    with beam.Pipeline(options=options) as pipeline:
        offset = pipeline | "Offset" >> beam.Create([100])
        counts = (
            pipeline
            | "Words" >> beam.Create(["a", "b", "a", "c", "a", "b"])
            | "Pair" >> beam.Map(lambda word: (word, 1))
            | "Group" >> beam.GroupByKey()
            | "Count"
            >> beam.Map(
                lambda group, base: (group[0], base + sum(group[1])),
                base=beam.pvalue.AsSingleton(offset),
            )
        )
        assert_that(counts, equal_to([("a", 103), ("b", 102), ("c", 101)]))


def groups(output: Path) -> dict[str, Any]:
    predicted, _ = load_output(output)
    return predicted


def newsdedup(address: str, inputs: str, output: Path) -> str:
    """Run newsdedup on the cluster and compare its groups with an in-process run."""
    run(
        [
            "--input",
            inputs,
            "--output",
            str(output),
            f"--runner={DASK_RUNNER}",
            f"--dask_client_address={address}",
        ]
    )
    with tempfile.TemporaryDirectory() as reference:
        run(["--input", inputs, "--output", reference])
        same = groups(output) == groups(Path(reference))
    return "same groups as in-process" if same else "groups DIFFER from in-process"


def close_runner_client() -> None:
    """Close the client the DaskRunner opened for its pipeline: it never closes
    it, and an open client keeps trying to reconnect once the cluster stops."""
    from distributed import default_client

    with contextlib.suppress(ValueError):  # no client: the run failed before making one
        default_client().close()


def attempt(name: str, action: Callable[[], str | None]) -> bool:
    try:
        note = action()
    except Exception as error:  # report any failure of the runner, then go on
        last = traceback.format_exception_only(error)[-1].strip()
        print(f"{name}: failed: {last[:300]}", flush=True)
        return False
    finally:
        close_runner_client()
    print(f"{name}: ok{': ' + note if note else ''}", flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dask_local.py", description=__doc__.split("\n")[0])
    parser.add_argument("--input", required=True, help="newsdedup --input")
    parser.add_argument("--output", type=Path, required=True, help="newsdedup --output")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    args = parser.parse_args(argv)
    try:
        import apache_beam.runners.dask.dask_runner  # noqa: F401  (registers DaskOptions)
        from distributed import LocalCluster
    except ImportError as error:
        print(f"dask_local.py: {error}; install the 'dask' extra", file=sys.stderr)
        return 2
    shutil.rmtree(args.output, ignore_errors=True)
    with LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        print(f"cluster: {args.workers} worker processes, scheduler {address}", flush=True)
        worked = [
            attempt("probe pipeline", lambda: probe(address)),
            attempt("newsdedup run", lambda: newsdedup(address, args.input, args.output)),
        ]
    return 0 if all(worked) else 1


if __name__ == "__main__":
    raise SystemExit(main())
