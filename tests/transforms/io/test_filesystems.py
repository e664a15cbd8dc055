"""Filesystem options carried to workers, and files opened through them
(newsdedup.transforms.io.filesystems). S3 and GCS: tests/transforms/io/test_object_store.py."""

from __future__ import annotations

import pickle
from pathlib import Path

from apache_beam.options.pipeline_options import PipelineOptions, S3Options

from newsdedup.transforms.io.filesystems import (
    LOCAL_FILES,
    FileAccess,
    filesystem_option_names,
    is_local,
    open_input,
    open_output,
)


def test_file_access_keeps_only_the_filesystem_options_given() -> None:
    options = PipelineOptions(
        ["--s3_endpoint_url=http://127.0.0.1:9000", "--s3_access_key_id=key", "--runner=X"]
    )
    files = FileAccess.of(options)
    assert files.options == (
        ("s3_access_key_id", "key"),
        ("s3_endpoint_url", "http://127.0.0.1:9000"),
    )
    restored = files.pipeline_options().view_as(S3Options)
    assert restored.s3_endpoint_url == "http://127.0.0.1:9000"
    assert restored.s3_access_key_id == "key"
    # Carried inside DoFns to workers: it pickles and stays a usable cache key.
    assert pickle.loads(pickle.dumps(files)) == files
    assert hash(FileAccess.of(options)) == hash(files)


def test_no_filesystem_option_means_local_files() -> None:
    assert FileAccess.of(PipelineOptions(["--runner=FnApiRunner"])) == LOCAL_FILES
    assert {"s3_endpoint_url", "project"} <= filesystem_option_names()
    assert "runner" not in filesystem_option_names()


def test_is_local() -> None:
    assert is_local("/tmp/out")
    assert is_local("relative/out")
    assert is_local("file:///tmp/out")
    assert not is_local("s3://bucket/out")
    assert not is_local("gs://bucket/out")


def test_a_local_file_written_and_read_back_uncompressed(tmp_path: Path) -> None:
    # A .gz name is not decompressed: spill and Parquet files are read as written.
    path = str(tmp_path / "part.gz")
    with open_output(path) as sink:
        sink.write(b"\x00bytes as written")
    with open_input(path) as source:
        source.seek(1)
        assert source.read() == b"bytes as written"
