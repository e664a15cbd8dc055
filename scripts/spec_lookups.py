"""How often a `newsdedup run` asks Beam for DoFn state and timer specs, and
how long those lookups take, with and without newsdedup's per-object cache
(newsdedup.transforms.runtime.dofn_specs).

    python scripts/spec_lookups.py [--input examples/sample] [--no-cache]

Runs `newsdedup run` in this process into a temporary folder, counting the
calls that reach Beam's own `get_dofn_specs` and their time, and prints them
with the run's wall time. Run it once with and once without `--no-cache`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from apache_beam.transforms import userstate

from newsdedup.pipelines import batch
from newsdedup.transforms.runtime import dofn_specs

REPO_ROOT = Path(__file__).resolve().parents[1]


def count_lookups(inputs: Path, cache: bool) -> tuple[int, float, float]:
    """One run over `inputs`: the lookups that reached Beam, their seconds, and
    the run's wall seconds."""
    beam_lookup, install = userstate.get_dofn_specs, dofn_specs.install
    calls, seconds = 0, 0.0

    def counted(dofn: Any) -> Any:
        nonlocal calls, seconds
        started = time.perf_counter()
        try:
            return beam_lookup(dofn)
        finally:
            calls += 1
            seconds += time.perf_counter() - started

    # Counted below the cache: what reaches Beam's function.
    userstate.get_dofn_specs = counted
    if not cache:
        dofn_specs.install = lambda: None
    try:
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            batch.run(["--input", str(inputs), "--output", out, "--quiet"])
            wall = time.perf_counter() - started
    finally:
        userstate.get_dofn_specs, dofn_specs.install = beam_lookup, install
    return calls, seconds, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=REPO_ROOT / "examples" / "sample")
    parser.add_argument("--no-cache", action="store_true", help="leave Beam's lookups uncached")
    args = parser.parse_args()
    calls, seconds, wall = count_lookups(args.input, cache=not args.no_cache)
    cache = "without" if args.no_cache else "with"
    print(f"{cache} the cache: {calls} lookups reached Beam, {seconds:.1f} s of a {wall:.1f} s run")


if __name__ == "__main__":
    main()
