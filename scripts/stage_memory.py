"""Time and resident memory of each stage of one in-process `newsdedup run`.

    python scripts/stage_memory.py --input DIR --output OUT [--min-seconds 1] [-- RUN FLAGS]

Runs the batch pipeline in this process on the in-process runner and prints,
for every fused stage (bundle) that took at least `--min-seconds` or changed
the resident memory by 100 MiB or more: seconds since start, the stage's
seconds, resident memory before and after it and its peak during the stage
(the kernel's high-water mark, reset before each stage through
/proc/self/clear_refs), and the stage's name; then the peak of the whole run.
This is how docs/benchmarks.md finds where memory goes.

It wraps `FnApiRunner._execute_bundle`, a private method of Beam's in-process
runner (Beam 2.77): after a Beam upgrade, check that it still exists.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apache_beam.runners.portability.fn_api_runner import fn_runner

MIB = 1024


def _status_mib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) // MIB
    return 0


def resident_mib() -> int:
    return _status_mib("VmRSS")


def reset_peak() -> bool:
    """Restart the kernel's peak resident memory (VmHWM) at the current size."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_since_reset_mib() -> int:
    return _status_mib("VmHWM")


def watch_stages(min_seconds: float, started: float, peaks: list[int]) -> None:
    """Print the stages worth showing; append each stage's peak to `peaks`."""
    execute: Callable[..., Any] = fn_runner.FnApiRunner._execute_bundle

    def measured(runner: Any, context: Any, bundle: Any, bundle_input: Any) -> Any:
        peak_known = reset_peak()
        before, stage_started = resident_mib(), time.monotonic()
        result = execute(runner, context, bundle, bundle_input)
        seconds, after = time.monotonic() - stage_started, resident_mib()
        peak_mib = peak_since_reset_mib() if peak_known else after
        peaks.append(peak_mib)
        peak = f"{peak_mib:6d}" if peak_known else "     -"
        if seconds >= min_seconds or abs(after - before) >= 100 or peak_mib - before >= 100:
            print(
                f"{time.monotonic() - started:7.1f} s {seconds:6.2f} s "
                f"{before:6d} -> {after:6d} MiB, peak {peak}  {bundle.stage.name[:90]}",
                flush=True,
            )
        return result

    fn_runner.FnApiRunner._execute_bundle = measured  # type: ignore[method-assign,assignment]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True, help="input folder or file")
    parser.add_argument("--output", required=True, help="output folder (replaced)")
    parser.add_argument("--min-seconds", type=float, default=1.0, help="stages shown")
    parser.add_argument("flags", nargs="*", help="more flags of newsdedup run, after --")
    args = parser.parse_args(argv)
    from newsdedup.pipelines import batch

    shutil.rmtree(args.output, ignore_errors=True)
    started = time.monotonic()
    peaks: list[int] = []
    watch_stages(args.min_seconds, started, peaks)
    print("  since    stage    resident memory before -> after, peak within  stage")
    batch.run(["--input", args.input, "--output", args.output, "--quiet", *args.flags])
    # Resetting the high-water mark resets ru_maxrss too: the run's peak is the
    # largest stage peak, or the current size if no stage ran.
    peak = max([*peaks, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // MIB])
    print(f"total {time.monotonic() - started:.1f} s, peak resident memory {peak} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
