"""Landing messages as JSON Lines files (newsdedup.transforms.io.landing), on the local
streaming runner with a TestStream standing in for Pub/Sub or Kafka; then the
watched folder reads the landed files whole."""

from __future__ import annotations

import json
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing import test_stream
from apache_beam.transforms.window import TimestampedValue

from newsdedup.transforms.io.landing import LandMessages, message_line
from newsdedup.transforms.io.watch_folder import FolderPoller


def test_message_line_is_one_line() -> None:
    assert message_line(b'{"id": "a",\n "text": "b"}') == b'{"id": "a",  "text": "b"}\n'


def test_messages_land_as_one_complete_file_per_window(tmp_path: Path) -> None:
    messages = [json.dumps({"id": f"m{i}", "text": f"text {i}"}).encode() for i in range(5)]
    stream = (
        test_stream.TestStream()
        .add_elements([TimestampedValue(m, 1) for m in messages[:3]])
        .advance_watermark_to(15)
        .add_elements([TimestampedValue(m, 16) for m in messages[3:]])
        .advance_watermark_to_infinity()
    )
    options = PipelineOptions(runner="BundleBasedDirectRunner")
    options.view_as(StandardOptions).streaming = True
    with beam.Pipeline(options=options) as pipeline:
        _ = pipeline | stream | LandMessages(str(tmp_path), window_seconds=10)

    landed = sorted(tmp_path.glob("landed*.jsonl"))
    assert len(landed) == 2
    lines = [[json.loads(line)["id"] for line in p.read_text().splitlines()] for p in landed]
    assert sorted(map(sorted, lines)) == [["m0", "m1", "m2"], ["m3", "m4"]]
    parts = FolderPoller(str(tmp_path), settle_seconds=0).ready_parts({})
    assert sorted(p.path for p in parts) == [str(p) for p in landed]  # no temporary file
