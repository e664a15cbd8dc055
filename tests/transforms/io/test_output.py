"""The output folder's staging and commit by manifest, with failures at every step."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from newsdedup.schemas.parquet import DATASET_SCHEMAS, with_run_metadata
from newsdedup.transforms.io.output import (
    EMPTY_DATASET_FILE,
    Staging,
    abandon,
    check_output_folder,
    commit,
    current_snapshot,
    dataset_files,
    exclusive_lock,
    prepare_staging,
)
from newsdedup.transforms.runtime.errors import UsageError

SCHEMAS = {name: with_run_metadata(schema, {}) for name, schema in DATASET_SCHEMAS.items()}


def stage_run(out: Path, marker: str) -> Staging:
    """A staged run that writes one rejects row naming `marker`."""
    staging = prepare_staging(str(out))
    folder = Path(staging.dataset("rejects"))
    folder.mkdir(parents=True)
    row = {
        "source_file": marker,
        "line": 1,
        "reason": "empty_text",
        "detail": "",
        "excerpt": "",
        "ingested_at": datetime(2026, 1, 1, tzinfo=UTC),
        "pipeline_version": "test",
    }
    table = pa.Table.from_pylist([row], schema=SCHEMAS["rejects"])
    pq.write_table(table, folder / f"{staging.file_prefix}-00000.parquet")
    return staging


def visible_markers(out: Path) -> list[str]:
    table = ds.dataset(out / "rejects", format="parquet").to_table(columns=["source_file"])
    return sorted(table.column("source_file").to_pylist())


def test_runs_accumulate_append_only_datasets(tmp_path: Path) -> None:
    out = tmp_path / "out"
    commit(stage_run(out, "first"), SCHEMAS)
    commit(stage_run(out, "second"), SCHEMAS)
    assert visible_markers(out) == ["first", "second"]
    assert sorted(p.name for p in out.iterdir()) == [
        "_current",
        "_manifests",
        "_snapshots",
        "articles",
        "rejects",
        "stories",
        "story_merges",
    ]
    # The current snapshot and the one before it stay; earlier runs' files are
    # hard links, not copies.
    snapshot = current_snapshot(out)
    assert snapshot is not None
    assert snapshot.sequence == 2
    assert sorted(p.name for p in (out / "_manifests").iterdir()) == ["000001.json", "000002.json"]
    assert len(list((out / "_snapshots").iterdir())) == 2
    first_file = next(Path(p) for p in dataset_files(snapshot, "rejects") if "000001" in p)
    assert first_file.stat().st_nlink == 2
    # Datasets without rows hold one empty file, gone once there are rows.
    assert [Path(f).name for f in dataset_files(snapshot, "articles")] == [EMPTY_DATASET_FILE]


@pytest.mark.parametrize("failing_step", ["link", "symlink", "replace"])
def test_a_commit_that_dies_leaves_the_previous_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing_step: str
) -> None:
    out = tmp_path / "out"
    commit(stage_run(out, "first"), SCHEMAS)
    staging = stage_run(out, "second")

    def die(*args: object, **kwargs: object) -> None:
        raise OSError("simulated death")

    target = {
        "link": (os, "link"),
        "symlink": (Path, "symlink_to"),
        "replace": (Path, "replace"),
    }
    with monkeypatch.context() as patched:
        patched.setattr(*target[failing_step], die)
        with pytest.raises(OSError, match="simulated death"):
            commit(staging, SCHEMAS)
    # No cleanup ran (as after SIGKILL). Before the manifest is created (link) readers
    # see the first run only; after it, the manifest names the second run's state and
    # the local links follow it at the next run's start.
    published = ["first"] if failing_step == "link" else ["first", "second"]
    manifest = current_snapshot(out)
    assert manifest is not None
    assert manifest.sequence == len(published)
    if failing_step == "link":
        assert visible_markers(out) == published
    # The next run removes the leftovers and commits.
    commit(stage_run(out, "third"), SCHEMAS)
    assert visible_markers(out) == [*published, "third"]
    assert not (out / "_staging").exists()
    assert len(list((out / "_snapshots").iterdir())) == 2


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with (
        exclusive_lock(str(out)),
        pytest.raises(UsageError, match="another newsdedup run is writing"),
        exclusive_lock(str(out)),
    ):
        pass
    with exclusive_lock(str(out)):
        pass


def test_a_folder_newsdedup_did_not_make_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "articles").mkdir(parents=True)
    with pytest.raises(UsageError, match="did not make"):
        prepare_staging(str(out))


def test_commit_removes_the_runs_scratch_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    staging = stage_run(out, "first")
    Path(staging.scratch).mkdir(parents=True)
    (Path(staging.scratch) / "batch.spill").write_bytes(b"text that waited")
    commit(staging, SCHEMAS)
    assert not Path(staging.scratch).exists()
    assert not (out / "_staging").exists()
    assert visible_markers(out) == ["first"]


def test_a_folder_of_other_files_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "holiday-photos"
    out.mkdir()
    (out / "beach.jpg").write_bytes(b"jpeg")
    with pytest.raises(UsageError, match="not a newsdedup output"), exclusive_lock(str(out)):
        pass
    assert sorted(p.name for p in out.iterdir()) == ["beach.jpg"]


def test_empty_folders_and_newsdedup_outputs_are_accepted(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    check_output_folder(str(empty))
    check_output_folder(str(tmp_path / "new"))
    out = tmp_path / "out"
    commit(stage_run(out, "first"), SCHEMAS)
    (out / "notes.txt").write_text("mine")  # a stray file does not make it someone else's
    check_output_folder(str(out))


def test_a_run_that_fails_leaves_no_lock_and_no_folder_it_made(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    with pytest.raises(RuntimeError), exclusive_lock(str(out)):
        staging = prepare_staging(str(out))
        abandon(staging)
        raise RuntimeError("the pipeline failed")
    assert not (tmp_path / "new").exists()
    # An existing output keeps its lock file: it was there before the run.
    commit(stage_run(tmp_path / "kept", "first"), SCHEMAS)
    before = sorted(p.name for p in (tmp_path / "kept").iterdir())
    with pytest.raises(RuntimeError), exclusive_lock(str(tmp_path / "kept")):
        raise RuntimeError("the pipeline failed")
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == before


def test_a_second_commit_of_the_same_sequence_is_refused(tmp_path: Path) -> None:
    # Two runs that started from the same state: the first to create the manifest wins.
    out = tmp_path / "out"
    commit(stage_run(out, "first"), SCHEMAS)
    one, other = stage_run(out, "second"), stage_run(out, "rival")
    commit(one, SCHEMAS)
    with pytest.raises(UsageError, match="another newsdedup run published"):
        commit(other, SCHEMAS)
    assert visible_markers(out) == ["first", "second"]
