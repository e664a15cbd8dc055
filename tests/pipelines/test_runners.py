"""newsdedup on runners whose workers share no disk with the driver: input and
output on the SeaweedFS server, workers in mount namespaces of their own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from newsdedup.transforms.runtime.routing import Routed, SplitRoutes
from scripts.s3server import BUCKET, S3Server
from scripts.workers import can_isolate, start_dask_cluster, start_worker_pool
from tests.conftest import SAMPLE_DIR
from tests.pipelines.test_cli import newsdedup
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


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`dask scheduler` and two isolated `dask worker` processes; yields the address."""
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    cluster = start_dask_cluster(tmp_path_factory.mktemp("dask"))
    try:
        yield cluster.address
    finally:
        from distributed import default_client

        # The DaskRunner never closes the client it opens; open, it would try to
        # reconnect to the stopped scheduler for the rest of the session.
        with contextlib.suppress(ValueError):
            default_client().close()
        cluster.stop()


def _route_by_parity(number: int) -> Iterator[Routed]:
    yield Routed("even" if number % 2 == 0 else "odd", number)


def test_routed_outputs_stay_apart_on_the_dask_runner(dask_cluster: str) -> None:
    """Beam's Dask translation puts all tagged outputs of a ParDo into one bag;
    SplitRoutes gives each consumer only its own elements there too."""
    import apache_beam as beam
    from apache_beam.testing.util import assert_that, equal_to

    from newsdedup.pipelines.batch import pipeline_options

    options = pipeline_options(["--runner", "DaskRunner", f"--dask_client_address={dask_cluster}"])
    with beam.Pipeline(options=options) as pipeline:
        outputs = (
            pipeline
            | "Numbers" >> beam.Create(range(10))
            | "Route" >> beam.FlatMap(_route_by_parity)
            | "Split" >> SplitRoutes(["even", "odd"])
        )
        labelled = (
            outputs.even | "LabelEven" >> beam.Map(lambda n: ("even", n)),
            outputs["odd"] | "LabelOdd" >> beam.Map(lambda n: ("odd", n)),
        ) | "Both" >> beam.Flatten()
        # The check is the pipeline's last step: the Dask runner computes only that one's graph.
        assert_that(labelled, equal_to([("even" if n % 2 == 0 else "odd", n) for n in range(10)]))


@pytest.mark.xfail(
    reason="Beam 2.77's DaskRunner: a side input made from a step's own main input comes "
    "out doubled (docs/runners.md, 'Not tested here'); newsdedup's output differs there",
    raises=Exception,
)
def test_a_side_input_made_from_the_main_input_on_the_dask_runner(
    dask_cluster: str,
) -> None:
    import apache_beam as beam
    from apache_beam.testing.util import assert_that, equal_to

    from newsdedup.pipelines.batch import pipeline_options

    options = pipeline_options(["--runner", "DaskRunner", f"--dask_client_address={dask_cluster}"])
    with beam.Pipeline(options=options) as pipeline:
        kept = pipeline | "Numbers" >> beam.Create(range(20)) | "Kept" >> beam.Filter(bool)
        total = (
            kept
            | "Keyed" >> beam.Map(lambda n: (n % 3, n))
            | "Group" >> beam.GroupByKey()
            | "Sizes" >> beam.Map(lambda group: len(list(group[1])))
            | "Total" >> beam.CombineGlobally(sum)
        )
        seen = kept | "Seen" >> beam.Map(lambda _, n: n, n=beam.pvalue.AsSingleton(total))
        assert_that(seen | "Distinct" >> beam.Distinct(), equal_to([19]))
