"""The pipeline options Beam's filesystems need, carried to every worker.

All file access goes through Beam's `FileSystems` (local paths, `s3://`,
`gs://`, ...). Its S3 filesystem needs the endpoint and keys of the pipeline
options (`--s3_endpoint_url`, `--s3_access_key_id`, ...); Beam sets them in the
driver when a Pipeline is made and in workers started by its SDK harness, but
runners that start workers without the job's options (Dask, some worker pools)
do not. So every DoFn that touches files derives from `FileDoFn`, which carries
the filesystem options (only those) and sets them in `setup()`.
"""

from __future__ import annotations

import argparse
import functools
from dataclasses import dataclass
from typing import IO, Any

import apache_beam as beam
import pyarrow.fs as pafs
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import (
    AzureOptions,
    GoogleCloudOptions,
    HadoopFileSystemOptions,
    PipelineOptions,
    S3Options,
)

_FILESYSTEM_VIEWS = (S3Options, GoogleCloudOptions, HadoopFileSystemOptions, AzureOptions)


def filesystem_option_names() -> frozenset[str]:
    parser = argparse.ArgumentParser(add_help=False)
    for view in _FILESYSTEM_VIEWS:
        view._add_argparse_args(parser)
    return frozenset(action.dest for action in parser._actions)


@dataclass(frozen=True)
class FileAccess:
    """The filesystem options of a run (S3 endpoint and keys, GCS project, ...)."""

    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, options: PipelineOptions) -> FileAccess:
        names = filesystem_option_names()
        given = options.get_all_options(drop_default=True, retain_unknown_options=False)
        return cls(tuple(sorted((k, v) for k, v in given.items() if k in names)))

    def pipeline_options(self) -> PipelineOptions:
        return PipelineOptions(flags=[], **dict(self.options))

    def activate(self) -> None:
        """Make Beam's filesystems in this process use these options."""
        if self.options:
            FileSystems.set_options(self.pipeline_options())


# Local files need no options.
LOCAL_FILES = FileAccess()


class FileDoFn(beam.DoFn):
    """Base of the DoFns that open, write or list files."""

    def __init__(self, files: FileAccess = LOCAL_FILES) -> None:
        self._files = files

    def setup(self) -> None:
        self._files.activate()


def is_local(path: str) -> bool:
    """A path of the local filesystem (no scheme, or file://)."""
    scheme = FileSystems.get_scheme(path)
    return scheme in (None, "file")


@functools.lru_cache(maxsize=8)
def _arrow_s3(files: FileAccess) -> pafs.S3FileSystem:
    """One pyarrow S3 filesystem per set of options and process: a memo of a
    pure constructor. Beam's S3 filesystem makes a new boto3 client for every
    call (0.2 s of CPU each), which spill files and Parquet files cannot afford."""
    options = dict(files.options)
    endpoint = options.get("s3_endpoint_url")
    return pafs.S3FileSystem(
        access_key=options.get("s3_access_key_id"),
        secret_key=options.get("s3_secret_access_key"),
        session_token=options.get("s3_session_token"),
        region=options.get("s3_region_name") or "us-east-1",
        endpoint_override=endpoint,
        scheme="http" if options.get("s3_disable_ssl") else "https",
    )


def open_input(path: str, files: FileAccess = LOCAL_FILES) -> IO[bytes]:
    """A seekable file to read: pyarrow's S3 filesystem for `s3://`, built from
    the same options as Beam's, else Beam's FileSystems (no decompression)."""
    if FileSystems.get_scheme(path) == "s3":
        return _arrow_s3(files).open_input_file(path[len("s3://") :])
    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def open_output(path: str, files: FileAccess = LOCAL_FILES) -> IO[bytes]:
    """A new file to write, visible when closed (see open_input)."""
    if FileSystems.get_scheme(path) == "s3":
        return _arrow_s3(files).open_output_stream(path[len("s3://") :])
    return FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED)
