"""A streaming pipeline that lands articles from Pub/Sub or Kafka as JSON Lines
files for `newsdedup watch`.

Usage (see docs/streaming.md):

    newsdedup land --pubsub-subscription projects/P/subscriptions/S --landing gs://B/incoming \
        --runner DataflowRunner ...
    newsdedup land --kafka-bootstrap-servers HOST:9092 --kafka-topic articles \
        --landing s3://B/incoming --runner FlinkRunner ...
    newsdedup watch --input-dir gs://B/incoming --output gs://B/out
"""

from __future__ import annotations

import argparse

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from newsdedup.pipelines.options import all_options_parser, reject_unknown_options
from newsdedup.transforms.io.landing import LandMessages
from newsdedup.transforms.runtime.errors import UsageError

LAND_USAGE = (
    "newsdedup land (--pubsub-subscription NAME | --kafka-bootstrap-servers HOSTS "
    "--kafka-topic TOPIC) --landing FOLDER [--window-seconds S] --runner RUNNER [options]"
)
LAND_GROUP = "newsdedup land"
LAND_DESCRIPTION = """\
Streaming Beam job: articles from Pub/Sub or Kafka (one JSON object per message,
as a JSON line) are written as JSON Lines files, one per window, into --landing,
which `newsdedup watch --input-dir` reads. Runs on a streaming runner (Dataflow,
Flink); not tested here against a real bus. See docs/streaming.md.
"""


class LandOptions(PipelineOptions):
    """Where messages come from and where their files go."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group(LAND_GROUP)
        group.add_argument("--landing", help="folder or prefix that `newsdedup watch` reads")
        group.add_argument(
            "--pubsub-subscription", help="projects/PROJECT/subscriptions/NAME (Dataflow)"
        )
        group.add_argument("--kafka-bootstrap-servers", help="HOST:PORT[,HOST:PORT] (needs Java)")
        group.add_argument("--kafka-topic", help="the Kafka topic of the articles")
        group.add_argument(
            "--window-seconds",
            type=float,
            default=10.0,
            help="one landed file per window of this many seconds of messages (default 10)",
        )


def help_parser() -> argparse.ArgumentParser:
    """`newsdedup land --help`: its own options and Beam's, none of `run`'s."""
    return all_options_parser(
        prog="newsdedup land",
        usage=LAND_USAGE,
        description=LAND_DESCRIPTION,
        first_group=LAND_GROUP,
        with_own_options=False,
    )


def _validated(argv: list[str]) -> tuple[PipelineOptions, LandOptions]:
    reject_unknown_options(argv)
    options = PipelineOptions(argv)
    land = options.view_as(LandOptions)
    if not land.landing:
        raise UsageError("no landing folder: pass --landing FOLDER")
    if bool(land.pubsub_subscription) == bool(land.kafka_bootstrap_servers):
        raise UsageError("pass either --pubsub-subscription or --kafka-bootstrap-servers")
    if land.kafka_bootstrap_servers and not land.kafka_topic:
        raise UsageError("--kafka-bootstrap-servers needs --kafka-topic")
    if land.window_seconds <= 0:
        raise UsageError("--window-seconds must be positive")
    if options.view_as(StandardOptions).runner is None:
        raise UsageError("land needs a streaming runner: pass --runner (Dataflow, Flink, ...)")
    options.view_as(StandardOptions).streaming = True
    return options, land


def _messages(pipeline: beam.Pipeline, land: LandOptions) -> beam.PCollection:
    if land.pubsub_subscription:
        return pipeline | "ReadPubSub" >> beam.io.ReadFromPubSub(
            subscription=land.pubsub_subscription
        )
    from apache_beam.io.kafka import ReadFromKafka  # cross-language: Java at run time

    return (
        pipeline
        | "ReadKafka"
        >> ReadFromKafka(
            consumer_config={"bootstrap.servers": land.kafka_bootstrap_servers},
            topics=[land.kafka_topic],
        )
        | "Values" >> beam.Map(lambda record: record[1])
    )


def run(argv: list[str] | None = None) -> None:
    options, land = _validated(argv or [])
    with beam.Pipeline(options=options) as pipeline:
        _ = _messages(pipeline, land) | "LandMessages" >> LandMessages(
            land.landing, land.window_seconds
        )
