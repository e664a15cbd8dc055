"""The output folder: each run is staged, then published in one atomic step.

Layout of OUT:

    articles, stories, rejects, story_merges -> _current/<dataset>   (links made once)
    _current -> _snapshots/<run>          (the one link a commit replaces)
    _snapshots/<run>/<dataset>/...        (a complete state of all datasets)
    _staging/<run>/<dataset>/...          (the run being written)
    .lock                                 (one writing run at a time)

A run writes its new files under _staging/<run>/. Its commit hard-links the
previous snapshot's files of the datasets that only grow (articles, rejects,
story merges) into that folder, moves it to _snapshots/ and points _current at
it with one rename(2), which is atomic on a POSIX file system. Readers of
OUT/articles/**, and the next run, see the previous snapshot or the new one,
never a mix, whenever the process dies. Leftovers of a killed run are removed
by the next run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.parquet import DATASET_SCHEMAS, SCHEMA_VERSION
from transforms.errors import UsageError
from transforms.write import write_parquet

STAGING_FOLDER = "_staging"
SNAPSHOTS_FOLDER = "_snapshots"
CURRENT_LINK = "_current"
LOCK_FILE = ".lock"
# Inside the staging folder: files a run needs only while it runs (transforms.spill).
SCRATCH_FOLDER = "_scratch"
# Datasets whose earlier files stay as they are; the others are rewritten by every run.
APPEND_ONLY_DATASETS = ("articles", "rejects", "story_merges")
EMPTY_DATASET_FILE = "empty.parquet"
_SNAPSHOT_NAME = re.compile(r"^(\d{6})-[0-9a-f]{8}$")


@dataclass(frozen=True)
class Staging:
    """Where a run writes, and the snapshot it extends (None for a new OUT)."""

    root: Path
    folder: Path
    sequence: int
    previous: Path | None

    @property
    def file_prefix(self) -> str:
        # Files of every run keep their names in later snapshots, so names differ per run.
        return f"run-{self.sequence:06d}"

    def dataset(self, name: str) -> Path:
        return self.folder / name

    @property
    def scratch(self) -> Path:
        return self.folder / SCRATCH_FOLDER

    def spill_folder(self, name: str) -> str:
        """An absolute folder for one kind of spill files: workers may run elsewhere."""
        return str((self.scratch / name).resolve())


def current_snapshot(output: str | Path) -> Path | None:
    link = Path(output) / CURRENT_LINK
    if not link.is_symlink():
        return None
    target = link.parent / link.readlink()
    return target if target.is_dir() else None


def dataset_files(snapshot: Path | None, name: str) -> list[str]:
    """The Parquet files of one dataset of a snapshot, sorted."""
    if snapshot is None:
        return []
    return sorted(str(path) for path in (snapshot / name).rglob("*.parquet"))


def check_compatible(output: str) -> None:
    """Refuse an OUT whose datasets were written with another schema version,
    or that holds datasets newsdedup run did not make."""
    check_schema_version(output)
    root = Path(output)
    for name in DATASET_SCHEMAS:
        entry = root / name
        if entry.exists() and not entry.is_symlink():
            raise UsageError(
                f"--output {output!r} has a {name!r} that newsdedup did not make: "
                "use another folder"
            )


def check_schema_version(output: str) -> None:
    """Refuse an OUT whose datasets were written with another schema version."""
    root = Path(output)
    for name in DATASET_SCHEMAS:
        first = next(iter(sorted((root / name).rglob("*.parquet"))), None)
        if first is None:
            continue
        metadata = pq.read_schema(first).metadata or {}
        found = metadata.get(b"schema_version", b"none").decode()
        if found != SCHEMA_VERSION:
            raise UsageError(
                f"--output {output!r} holds {name} written with schema_version {found}; this "
                f"newsdedup writes {SCHEMA_VERSION}: use another folder or remove the old one"
            )


@contextlib.contextmanager
def exclusive_lock(output: str, wait: bool = False) -> Iterator[None]:
    """Hold OUT's lock for the duration of a run; the OS drops it if the process dies.
    Refuses when another run holds it, or waits for it with `wait`.

    A run that ends with an exception (refused or failed) removes the lock file
    and the folders it created, so that it leaves nothing behind."""
    root = Path(output)
    if root.exists() and not root.is_dir():
        raise UsageError(f"--output {output!r} is a file: give a folder path")
    check_output_folder(output)
    created = [folder for folder in (root, *root.parents) if not folder.exists()]
    lock_existed = (root / LOCK_FILE).exists()
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = (root / LOCK_FILE).open("a")  # held until the run ends
    except OSError as error:
        raise UsageError(f"cannot write to --output {output!r}: {error.strerror}") from error
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            raise UsageError(
                f"another newsdedup run is writing to --output {output!r}; wait for it to end"
            ) from error
        try:
            yield
        except BaseException:
            if not lock_existed:
                (root / LOCK_FILE).unlink(missing_ok=True)
            for folder in created:  # innermost first; only while empty
                _remove_if_empty(folder)
            raise


# Entries of a newsdedup output folder (`newsdedup watch` makes _watch; older versions
# and watch write the datasets as folders, which check_compatible looks into).
_OUTPUT_MARKERS = frozenset(
    {CURRENT_LINK, SNAPSHOTS_FOLDER, STAGING_FOLDER, "_watch", *DATASET_SCHEMAS}
)


def check_output_folder(output: str) -> None:
    """Refuse a non-empty folder that is not a newsdedup output: a run would mix
    its files and links into the user's."""
    root = Path(output)
    try:
        names = {entry.name for entry in root.iterdir()} if root.is_dir() else set()
    except OSError as error:
        raise UsageError(f"cannot read --output {output!r}: {error.strerror}") from error
    if names <= {LOCK_FILE} or names & _OUTPUT_MARKERS:
        return
    raise UsageError(
        f"--output {output!r} holds other files and is not a newsdedup output: "
        "give a new or empty folder"
    )


def prepare_staging(output: str) -> Staging:
    """A fresh, empty staging folder for this run under OUT, after removing what
    killed runs left behind. Call it while holding `exclusive_lock`."""
    root = Path(output)
    check_compatible(output)
    previous = current_snapshot(root)
    _remove_leftovers(root, keep=_published(root, previous))
    sequence = _sequence_of(previous) + 1 if previous else 1
    folder = root / STAGING_FOLDER / f"{sequence:06d}-{uuid.uuid4().hex[:8]}"
    try:
        folder.mkdir(parents=True)
    except OSError as error:
        raise UsageError(f"cannot write to --output {output!r}: {error.strerror}") from error
    return Staging(root, folder, sequence, previous)


def _sequence_of(snapshot: Path) -> int:
    match = _SNAPSHOT_NAME.match(snapshot.name)
    return int(match.group(1)) if match else 0


def _published(root: Path, current: Path | None) -> set[Path]:
    """The current snapshot and the one before it (a reader may still be on it);
    any other snapshot is from a killed run or obsolete."""
    if current is None:
        return set()
    older = [
        entry
        for entry in (root / SNAPSHOTS_FOLDER).iterdir()
        if _sequence_of(entry) < _sequence_of(current)
    ]
    return {current, *sorted(older, key=_sequence_of)[-1:]}


def _remove_leftovers(root: Path, keep: set[Path]) -> None:
    for parent in (root / STAGING_FOLDER, root / SNAPSHOTS_FOLDER):
        if not parent.is_dir():
            continue
        for entry in parent.iterdir():
            if entry not in keep:
                shutil.rmtree(entry, ignore_errors=True)
    for entry in root.glob(f"{CURRENT_LINK}.*"):
        entry.unlink(missing_ok=True)


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copy2(source, target)


def _carry_over(staging: Staging, datasets: Iterable[str]) -> None:
    if staging.previous is None:
        return
    for name in datasets:
        source_root = staging.previous / name
        for source in sorted(source_root.rglob("*.parquet")):
            _link_or_copy(source, staging.dataset(name) / source.relative_to(source_root))


def ensure_datasets(staging: Staging, schemas: Mapping[str, pa.Schema]) -> None:
    """Readers glob each dataset's folder: an empty dataset holds one empty file,
    which goes once the dataset has rows."""
    for name, schema in schemas.items():
        folder = staging.dataset(name)
        files = list(folder.rglob("*.parquet"))
        placeholders = [path for path in files if path.name == EMPTY_DATASET_FILE]
        if len(placeholders) < len(files):
            for path in placeholders:
                path.unlink()
        elif not files:
            folder.mkdir(parents=True, exist_ok=True)
            write_parquet(str(folder / EMPTY_DATASET_FILE), [], schema)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def commit(staging: Staging, schemas: Mapping[str, pa.Schema]) -> Path:
    """Publish the staged run as OUT's new current snapshot; returns it."""
    shutil.rmtree(staging.scratch, ignore_errors=True)
    _carry_over(staging, APPEND_ONLY_DATASETS)
    ensure_datasets(staging, schemas)
    snapshots = staging.root / SNAPSHOTS_FOLDER
    snapshots.mkdir(exist_ok=True)
    snapshot = snapshots / staging.folder.name
    staging.folder.rename(snapshot)
    pending = staging.root / f"{CURRENT_LINK}.{uuid.uuid4().hex[:8]}"
    pending.symlink_to(Path(SNAPSHOTS_FOLDER) / snapshot.name)
    _fsync_folder(snapshots)
    # The commit point: one atomic rename replaces the link.
    pending.replace(staging.root / CURRENT_LINK)
    _fsync_folder(staging.root)
    _link_datasets(staging.root, schemas)
    _remove_leftovers(staging.root, keep=_published(staging.root, snapshot))
    _remove_if_empty(staging.root / STAGING_FOLDER)
    return snapshot


def _link_datasets(root: Path, names: Iterable[str]) -> None:
    for name in names:
        link = root / name
        if not link.is_symlink():
            link.symlink_to(Path(CURRENT_LINK) / name, target_is_directory=True)


def abandon(staging: Staging) -> None:
    shutil.rmtree(staging.folder, ignore_errors=True)
    _remove_if_empty(staging.folder.parent)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()
