"""The output OUT: every run publishes a snapshot by committing a manifest last.

One protocol for every filesystem Beam's FileSystems reaches (a local folder,
`s3://`, `gs://`); nothing in it needs a rename or a link:

    _snapshots/<run>/<dataset>/...   the data files a run wrote, at their final names
    _staging/<run>/_scratch/...      what waits between the steps of a running run
                                     (newsdedup.transforms.runtime.spill), removed at its commit
    _manifests/<seq>.json            one per published run: every file of every dataset
                                     in the state it published (paths relative to OUT)

The manifest with the largest sequence number is the current state, as a Delta
Lake or Iceberg table's newest commit is. A run reads it, writes its new files
under `_snapshots/<run>/`, then creates `_manifests/<seq + 1>.json` with a
create that fails when that name exists (S3's `If-None-Match: *`, GCS's
`ifGenerationMatch=0`, a hard link locally): the commit point. Readers that
follow the newest manifest see the previous state or the new one, never a mix,
whenever a run dies; of two runs that started from the same state, one commits
and the other is refused there. A manifest lists the append-only datasets' files
of earlier runs (articles, rejects, story merges) beside the run's own; stories
are rewritten whole.

After its commit a run deletes what no longer belongs to the current or the
previous state (a reader may still be on that one): older manifests, files
only they named, and the leftovers of killed runs.

On a local folder three conveniences keep the layout readable by plain globs
(`OUT/articles/**/*.parquet`): the lock file `.lock` (flock: a second run is
refused at its start), the earlier runs' files hard-linked into the new
snapshot folder (so that one folder holds the whole state), and the links
`_current -> _snapshots/<run>` and `articles -> _current/articles` (and so on),
replaced after the commit to follow the newest manifest.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from newsdedup.schemas.parquet import DATASET_SCHEMAS, SCHEMA_VERSION
from newsdedup.transforms.io.filesystems import LOCAL_FILES, FileAccess, is_local
from newsdedup.transforms.io.write import write_parquet
from newsdedup.transforms.runtime.errors import UsageError

STAGING_FOLDER = "_staging"
SNAPSHOTS_FOLDER = "_snapshots"
MANIFESTS_FOLDER = "_manifests"
CURRENT_LINK = "_current"
LOCK_FILE = ".lock"
# Inside a run's staging folder: files it needs only while it runs (runtime.spill).
SCRATCH_FOLDER = "_scratch"
# Datasets whose earlier files stay as they are; the others are rewritten by every run.
APPEND_ONLY_DATASETS = ("articles", "rejects", "story_merges")
EMPTY_DATASET_FILE = "empty.parquet"
MANIFEST_FORMAT = "newsdedup-manifest-1"
_RUN_NAME = re.compile(r"^(\d{6})-[0-9a-f]{8}$")
_MANIFEST_NAME = re.compile(r"^(\d{6})\.json$")


def join(root: str, *parts: str) -> str:
    return FileSystems.join(root.rstrip("/"), *parts)


@dataclass(frozen=True)
class Snapshot:
    """One published state of OUT: the files of every dataset (paths under root)."""

    root: str
    sequence: int
    run: str
    files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION

    def paths(self, dataset: str) -> list[str]:
        return [join(self.root, relative) for relative in self.files.get(dataset, ())]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": MANIFEST_FORMAT,
                "sequence": self.sequence,
                "run": self.run,
                "schema_version": self.schema_version,
                "committed_at": datetime.now(UTC).isoformat(),
                "tables": {name: list(paths) for name, paths in sorted(self.files.items())},
            },
            indent=1,
        )


@dataclass(frozen=True)
class Staging:
    """Where a run writes, and the snapshot it extends (None for a new OUT)."""

    root: str
    run: str
    sequence: int
    previous: Snapshot | None
    files: FileAccess = LOCAL_FILES

    @property
    def file_prefix(self) -> str:
        # Files of every run keep their names in later snapshots, so names differ per run.
        return f"run-{self.sequence:06d}"

    @property
    def folder(self) -> str:
        """The run's data files, at their final names."""
        return join(self.root, SNAPSHOTS_FOLDER, self.run)

    def dataset(self, name: str) -> str:
        return join(self.folder, name)

    @property
    def scratch(self) -> str:
        return join(self.root, STAGING_FOLDER, self.run, SCRATCH_FOLDER)

    def spill_folder(self, name: str) -> str:
        """An absolute folder for one kind of spill files: workers may run elsewhere."""
        folder = join(self.scratch, name)
        return str(Path(folder).resolve()) if is_local(folder) else folder


def _listing(pattern: str) -> list[str]:
    try:
        return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    except OSError:  # Beam raises BeamIOError for a folder that does not exist
        return []


def _read_text(path: str) -> str:
    with FileSystems.open(path) as stream:
        return bytes(stream.read()).decode("utf-8")


def read_manifest(root: str, path: str) -> Snapshot:
    manifest = json.loads(_read_text(path))
    if manifest.get("format") != MANIFEST_FORMAT:
        raise UsageError(f"{path} is not a manifest this newsdedup can read")
    return Snapshot(
        root=root,
        sequence=int(manifest["sequence"]),
        run=str(manifest["run"]),
        files={name: tuple(paths) for name, paths in manifest["tables"].items()},
        schema_version=str(manifest.get("schema_version", "none")),
    )


def _manifests(root: str) -> dict[int, str]:
    """Sequence -> path of every manifest under OUT."""
    found = {}
    for path in _listing(join(root, MANIFESTS_FOLDER, "*.json")):
        match = _MANIFEST_NAME.match(path.rsplit("/", 1)[-1])
        if match:
            found[int(match.group(1))] = path
    return found


def current_snapshot(output: str | Path) -> Snapshot | None:
    """OUT's current state: its newest manifest (None if no run was published)."""
    root = str(output)
    manifests = _manifests(root)
    if manifests:
        return read_manifest(root, manifests[max(manifests)])
    return _unmanifested_snapshot(root) if is_local(root) else None


def _unmanifested_snapshot(root: str) -> Snapshot | None:
    """The state of a local OUT written before manifests: its `_current` link."""
    link = Path(root) / CURRENT_LINK
    if not link.is_symlink() or not (link.parent / link.readlink()).is_dir():
        return None
    folder = link.parent / link.readlink()
    return Snapshot(
        root=root,
        sequence=_run_sequence(folder.name),
        run=folder.name,
        files={
            name: tuple(
                os.path.relpath(p, root) for p in sorted((folder / name).rglob("*.parquet"))
            )
            for name in DATASET_SCHEMAS
        },
        schema_version="(see its files)",
    )


def dataset_files(snapshot: Snapshot | None, name: str) -> list[str]:
    """The Parquet files of one dataset of a snapshot, sorted."""
    if snapshot is None:
        return []
    return sorted(snapshot.paths(name))


def check_compatible(output: str) -> None:
    """Refuse an OUT whose datasets were written with another schema version,
    or that holds datasets newsdedup run did not make."""
    snapshot = current_snapshot(output)
    if snapshot is not None and snapshot.schema_version not in (SCHEMA_VERSION, "(see its files)"):
        raise UsageError(
            f"--output {output!r} holds datasets written with schema_version "
            f"{snapshot.schema_version}; this newsdedup writes {SCHEMA_VERSION}: use another "
            "folder or remove the old one"
        )
    if not is_local(output):
        return
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
    """Refuse a local OUT whose datasets were written with another schema version."""
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
    """Hold a local OUT's lock for the duration of a run; the OS drops it if the
    process dies. Refuses when another run holds it, or waits for it with `wait`.
    An object store has no lock: the conditional create of the manifest refuses
    the second of two runs at its commit (see `commit`).

    A run that ends with an exception (refused or failed) removes the lock file
    and the folders it created, so that it leaves nothing behind."""
    if not is_local(output):
        yield
        return
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
    {CURRENT_LINK, SNAPSHOTS_FOLDER, STAGING_FOLDER, MANIFESTS_FOLDER, "_watch", *DATASET_SCHEMAS}
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


def prepare_staging(output: str, files: FileAccess = LOCAL_FILES) -> Staging:
    """This run's names under OUT, after the checks. Locally (under
    `exclusive_lock`) it also removes what killed runs left behind; on an object
    store that waits for the next commit, since another run may be writing."""
    root = str(Path(output).absolute()) if is_local(output) else output.rstrip("/")
    check_compatible(root)
    previous = current_snapshot(root)
    sequence = previous.sequence + 1 if previous else 1
    if is_local(root):
        _check_writable(root)
        if previous is not None:
            _publish_local_view(Path(root), previous, DATASET_SCHEMAS)
            _collect_garbage(root, previous)
    run = f"{sequence:06d}-{uuid.uuid4().hex[:8]}"
    return Staging(root, run, sequence, previous, files)


def _check_writable(root: str) -> None:
    try:
        Path(root).mkdir(parents=True, exist_ok=True)
        probe = Path(root) / f".probe-{uuid.uuid4().hex[:8]}"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise UsageError(f"cannot write to --output {root!r}: {error.strerror}") from error


def _run_sequence(run: str) -> int:
    match = _RUN_NAME.match(run)
    return int(match.group(1)) if match else 0


def _relative(root: str, path: str) -> str:
    prefix = root.rstrip("/") + "/"
    if is_local(root):
        return os.path.relpath(path, root)
    assert path.startswith(prefix), (root, path)
    return path[len(prefix) :]


def written_files(staging: Staging, name: str) -> list[str]:
    return _listing(join(staging.dataset(name), "**"))


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copy2(source, target)


def _carried_over(staging: Staging, name: str) -> list[str]:
    """The files of earlier runs that stay in a dataset: named by the new manifest
    where they lie; locally hard-linked into the run's folder and named there."""
    if staging.previous is None or name not in APPEND_ONLY_DATASETS:
        return []
    earlier = [p for p in staging.previous.paths(name) if not p.endswith(EMPTY_DATASET_FILE)]
    if not is_local(staging.root):
        return earlier
    previous_folder = join(staging.root, SNAPSHOTS_FOLDER, staging.previous.run, name)
    carried = []
    for source in earlier:
        target = join(staging.dataset(name), os.path.relpath(source, previous_folder))
        _link_or_copy(Path(source), Path(target))
        carried.append(target)
    return carried


def _dataset_files(staging: Staging, name: str, schema: pa.Schema) -> list[str]:
    """The files of one dataset in the new state. Readers glob each dataset's
    folder: an empty dataset holds one empty file."""
    files = [p for p in written_files(staging, name) if not p.endswith(EMPTY_DATASET_FILE)]
    files += _carried_over(staging, name)
    if not files:
        empty = join(staging.dataset(name), EMPTY_DATASET_FILE)
        write_parquet(empty, [], schema, staging.files)
        files = [empty]
    return sorted(files)


def commit(staging: Staging, schemas: Mapping[str, pa.Schema]) -> Snapshot:
    """Publish the staged run as OUT's new current state; returns it. Raises
    UsageError if another run published first."""
    _delete_tree(join(staging.root, STAGING_FOLDER, staging.run))
    snapshot = Snapshot(
        root=staging.root,
        sequence=staging.sequence,
        run=staging.run,
        files={
            name: tuple(_relative(staging.root, p) for p in _dataset_files(staging, name, schema))
            for name, schema in schemas.items()
        },
    )
    manifest = join(staging.root, MANIFESTS_FOLDER, f"{staging.sequence:06d}.json")
    if not create_if_absent(manifest, snapshot.to_json().encode(), staging.files):
        raise UsageError(
            f"another newsdedup run published to --output {staging.root!r} while this one "
            "ran; this run was not published: run it again"
        )
    if is_local(staging.root):
        _publish_local_view(Path(staging.root), snapshot, schemas)
    _collect_garbage(staging.root, snapshot)
    return snapshot


def create_if_absent(path: str, data: bytes, files: FileAccess = LOCAL_FILES) -> bool:
    """Write a small object in one step unless `path` exists; False if it did.
    Atomic locally (a hard link), on S3 (If-None-Match) and on GCS
    (ifGenerationMatch=0); elsewhere a check, then a write."""
    if is_local(path):
        return _create_local_if_absent(Path(path), data)
    if FileSystems.get_scheme(path) == "s3":
        return _create_s3_if_absent(path, data, files)
    if FileSystems.get_scheme(path) == "gs":
        return _create_gcs_if_absent(path, data, files)
    if FileSystems.exists(path):
        return False
    with FileSystems.create(path) as sink:
        sink.write(data)
    return True


def _create_local_if_absent(path: Path, data: bytes) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    pending = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    with pending.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    try:
        os.link(pending, path)  # fails if the name exists: the atomic step
    except FileExistsError:
        return False
    finally:
        pending.unlink()
    _fsync_folder(path.parent)
    return True


def _create_s3_if_absent(path: str, data: bytes, files: FileAccess) -> bool:
    from apache_beam.io.aws.clients.s3.boto3_client import Client
    from botocore.exceptions import ClientError

    bucket, _, key = path[len("s3://") :].partition("/")
    client = Client(files.pipeline_options()).client
    try:
        client.put_object(Bucket=bucket, Key=key, Body=data, IfNoneMatch="*")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in (
            "PreconditionFailed",
            "ConditionalRequestConflict",
        ):
            return False
        raise
    return True


def _create_gcs_if_absent(path: str, data: bytes, files: FileAccess) -> bool:
    from apache_beam.io.gcp.gcsio import create_storage_client
    from google.api_core.exceptions import PreconditionFailed

    bucket, _, name = path[len("gs://") :].partition("/")
    client = create_storage_client(files.pipeline_options())
    try:
        # Generation 0 is "no live object of this name": GCS's create-if-absent.
        client.bucket(bucket).blob(name).upload_from_string(data, if_generation_match=0)
    except PreconditionFailed:
        return False
    return True


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _publish_local_view(root: Path, snapshot: Snapshot, names: Iterable[str]) -> None:
    """Point `_current` at the snapshot's folder (one atomic rename of a link) and
    the datasets' links at `_current`, unless they already do."""
    target = Path(SNAPSHOTS_FOLDER) / snapshot.run
    link = root / CURRENT_LINK
    if not (link.is_symlink() and link.readlink() == target):
        pending = root / f"{CURRENT_LINK}.{uuid.uuid4().hex[:8]}"
        pending.symlink_to(target)
        pending.replace(link)
        _fsync_folder(root)
    for name in names:
        dataset_link = root / name
        if not dataset_link.is_symlink():
            dataset_link.symlink_to(Path(CURRENT_LINK) / name, target_is_directory=True)


def _previous_state(root: str, current: Snapshot) -> Snapshot | None:
    older = [seq for seq in _manifests(root) if seq < current.sequence]
    return read_manifest(root, _manifests(root)[max(older)]) if older else None


def _collect_garbage(root: str, current: Snapshot) -> None:
    """Delete what neither the current nor the previous state names, of runs not
    newer than the current one (a newer run may be writing)."""
    previous = _previous_state(root, current)
    states = [s for s in (current, previous) if s is not None]
    keep = {join(root, p) for s in states for paths in s.files.values() for p in paths}
    for sequence, path in _manifests(root).items():
        if sequence < min(s.sequence for s in states):
            FileSystems.delete([path])
    for parent in (STAGING_FOLDER, SNAPSHOTS_FOLDER):
        for run, paths in _files_by_run(join(root, parent)).items():
            if _run_sequence(run) > current.sequence:
                continue
            kept = [p for p in paths if p in keep]
            if not kept:
                _delete_tree(join(root, parent, run))
            elif len(kept) < len(paths):
                FileSystems.delete([p for p in paths if p not in keep])
    if is_local(root):
        for entry in Path(root).glob(f"{CURRENT_LINK}.*"):
            entry.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            (Path(root) / STAGING_FOLDER).rmdir()


def _files_by_run(parent: str) -> dict[str, list[str]]:
    """Run name -> files under `parent/<run>/` (local runs without files too)."""
    runs: dict[str, list[str]] = {}
    if is_local(parent) and Path(parent).is_dir():
        runs = {entry.name: [] for entry in Path(parent).iterdir()}
    prefix = parent.rstrip("/") + "/"
    for path in _listing(join(parent, "**")):
        run = path[len(prefix) :].split("/", 1)[0]
        runs.setdefault(run, []).append(path)
    return runs


def _delete_tree(prefix: str) -> None:
    if is_local(prefix):
        shutil.rmtree(prefix, ignore_errors=True)
        return
    with contextlib.suppress(OSError):
        FileSystems.delete([prefix.rstrip("/") + "/"])


def abandon(staging: Staging) -> None:
    """Remove what a run that will not be published wrote."""
    _delete_tree(join(staging.root, STAGING_FOLDER, staging.run))
    _delete_tree(staging.folder)
    if is_local(staging.root):
        with contextlib.suppress(OSError):
            (Path(staging.root) / STAGING_FOLDER).rmdir()


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()
