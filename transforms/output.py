"""The output folder: a staging area per run, and the commit that publishes it.

A run writes all its files under OUT/_staging/<run>/ and only moves them into
OUT/articles, OUT/stories and OUT/rejects after the pipeline has succeeded, so
readers never see a half-written run.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.parquet import DATASET_SCHEMAS, SCHEMA_VERSION
from transforms.errors import UsageError
from transforms.write import write_parquet

STAGING_FOLDER = "_staging"


def check_compatible(output: str) -> None:
    """Refuse an OUT whose datasets were written with another schema version."""
    for name in DATASET_SCHEMAS:
        first = next(iter(sorted((Path(output) / name).rglob("*.parquet"))), None)
        if first is None:
            continue
        metadata = pq.read_schema(first).metadata or {}
        found = metadata.get(b"schema_version", b"none").decode()
        if found != SCHEMA_VERSION:
            raise UsageError(
                f"--output {output!r} holds {name} written with schema_version {found}; this "
                f"newsdedup writes {SCHEMA_VERSION}: use another folder or remove the old one"
            )


def prepare_staging(output: str) -> Path:
    """A fresh, empty staging folder for this run under OUT (created if absent)."""
    root = Path(output)
    if root.exists() and not root.is_dir():
        raise UsageError(f"--output {output!r} is a file: give a folder path")
    check_compatible(output)
    staging = root / STAGING_FOLDER / uuid.uuid4().hex
    try:
        staging.mkdir(parents=True)
    except OSError as error:
        raise UsageError(f"cannot write to --output {output!r}: {error.strerror}") from error
    return staging


def _ensure_files(staging: Path, schemas: Mapping[str, pa.Schema]) -> None:
    # Readers glob each dataset's folder; an empty run still leaves a readable file.
    for name, schema in schemas.items():
        folder = staging / name
        if not any(folder.rglob("*.parquet")):
            folder.mkdir(parents=True, exist_ok=True)
            write_parquet(str(folder / "part-00000.parquet"), [], schema)


def commit(staging: Path, output: str, schemas: Mapping[str, pa.Schema]) -> None:
    """Move the staged datasets into OUT, replacing those of an earlier run."""
    _ensure_files(staging, schemas)
    root = Path(output)
    replaced = staging / "replaced"
    replaced.mkdir()
    for name in schemas:
        target = root / name
        if target.exists():
            target.rename(replaced / name)
        (staging / name).rename(target)
    shutil.rmtree(staging)
    _remove_if_empty(staging.parent)


def abandon(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    _remove_if_empty(staging.parent)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()
