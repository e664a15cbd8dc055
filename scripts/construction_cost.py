"""What a small micro-batch of `newsdedup watch` costs, and how many of Beam's
introspection questions reach Beam, with and without newsdedup's caches
(newsdedup.transforms.runtime.introspection).

    python scripts/construction_cost.py [--input examples/sample] [--batches 5] [--no-cache]

Builds a temporary output from --input with `newsdedup run`, then runs
--batches micro-batches of 50 new short articles into it, each in a forked
child as `newsdedup watch` runs them, and prints the median seconds of a
micro-batch and, for the last one, the options views made, the signatures
computed and the DoFn spec lookups that reached Beam. Run it once with and
once without `--no-cache`.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.transforms import userstate
from apache_beam.typehints import decorators

from newsdedup.pipelines import batch
from newsdedup.transforms.io.read import whole_file
from newsdedup.transforms.runtime import introspection
from newsdedup.transforms.runtime.child_run import ChildRun

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python scripts/construction_cost.py`
    sys.path.insert(0, str(REPO_ROOT))

from scripts.watch_bench import write_probe  # noqa: E402

PROBE_ARTICLES = 50
QUESTIONS = ("views", "signatures", "spec lookups")
T = TypeVar("T")


def _counted(counts: Counter[str], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def counting(*args: Any, **kwargs: Any) -> Any:
        counts[name] += 1
        return function(*args, **kwargs)

    return counting


@contextmanager
def counting_questions(counts: Counter[str], cache: bool) -> Iterator[None]:
    """Counts what reaches Beam's own functions, below newsdedup's caches (which
    a run installs over the counters), and puts everything back afterwards."""
    view_as, specs, install = (
        PipelineOptions.view_as,
        userstate.get_dofn_specs,
        introspection.install,
    )
    options_class = introspection.ViewCachingOptions
    signatures = {module: module.get_signature for module in introspection.SIGNATURE_USERS}
    beam_signature = getattr(decorators.get_signature, "__wrapped__", decorators.get_signature)
    PipelineOptions.view_as = _counted(counts, "views", view_as)  # type: ignore[method-assign]
    beam_specs = getattr(specs, "__wrapped__", specs)
    userstate.get_dofn_specs = _counted(counts, "spec lookups", beam_specs)
    # One counter everywhere: the cache replaces the modules' function only where it is this one.
    signature = _counted(counts, "signatures", beam_signature)
    for module in signatures:
        setattr(module, "get_signature", signature)  # noqa: B010
    if not cache:
        introspection.install = lambda: None
        introspection.ViewCachingOptions = PipelineOptions  # type: ignore[assignment, misc]
    try:
        yield
    finally:
        PipelineOptions.view_as = view_as  # type: ignore[method-assign]
        userstate.get_dofn_specs = specs
        for module, function in signatures.items():
            setattr(module, "get_signature", function)  # noqa: B010
        introspection.install = install
        introspection.ViewCachingOptions = options_class  # type: ignore[misc]


def _micro_batch(output: str, probe: Path, cache: bool) -> tuple[float, dict[str, int]]:
    """In the forked child: one micro-batch, its seconds and the questions counted."""
    counts: Counter[str] = Counter()
    with counting_questions(counts, cache):
        options = batch.pipeline_options(["--output", output, "--quiet"])
        started = time.perf_counter()
        batch.run_parts(options, [whole_file(str(probe))], wait_for_lock=True, micro_batch=True)
        return time.perf_counter() - started, dict(counts)


def measure(inputs: Path, batches: int, cache: bool) -> tuple[list[float], dict[str, int]]:
    """Seconds of each micro-batch and the questions counted in the last one."""
    seconds: list[float] = []
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as work:
        output = f"{work}/out"
        # Children only: this process's Beam stays as it was (a run installs the caches).
        _in_child(functools.partial(batch.run, ["--input", str(inputs), "--output", output]))
        for number in range(batches):
            probe = Path(work) / f"probe-{number}.jsonl"
            write_probe(probe, f"probe-{number}", number, PROBE_ARTICLES)
            took, counts = _in_child(functools.partial(_micro_batch, output, probe, cache))
            seconds.append(took)
    return seconds, counts


def _in_child(function: Callable[[], T]) -> T:
    child = ChildRun(function)
    outcome = child.wait(timeout=3600)
    if outcome is None or outcome.value is None:
        child.kill()
        raise RuntimeError(f"a run in a child process failed: {outcome}")
    return outcome.value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--input", type=Path, default=REPO_ROOT / "examples" / "sample")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--no-cache", action="store_true", help="leave Beam's questions uncached")
    args = parser.parse_args(argv)
    seconds, counts = measure(args.input, args.batches, cache=not args.no_cache)
    asked = ", ".join(f"{counts.get(name, 0):,} {name}" for name in QUESTIONS)
    print(
        f"{'without' if args.no_cache else 'with'} the caches: a {PROBE_ARTICLES}-article "
        f"micro-batch took {statistics.median(seconds):.1f} s (median of {len(seconds)}); "
        f"the last one asked Beam for {asked}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
