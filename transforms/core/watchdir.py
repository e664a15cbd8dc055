"""Which files of a watched folder are ready to read, and the ledger of files done.

A file is ready when it is not hidden, not a temporary name, and its size and
modification time did not change between two polls (a writer still copying it
in would change them). The ledger (one line per file: size, mtime in ns, path)
lets a restarted `newsdedup watch` skip the files it has already read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

FileStamp = tuple[int, int]  # size, mtime in ns
_TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp")


def is_candidate_name(relative: str) -> bool:
    parts = relative.split("/")
    return not any(p.startswith(".") for p in parts) and not relative.endswith(_TEMPORARY_SUFFIXES)


def list_files(folder: Path) -> dict[str, FileStamp]:
    """Every candidate file below `folder` with its stamp."""
    found: dict[str, FileStamp] = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(root) / name
            if not is_candidate_name(path.relative_to(folder).as_posix()):
                continue
            try:
                stat = path.stat()
            except OSError:
                continue  # removed between listing and stat
            found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


@dataclass
class FolderWatch:
    """Remembers the previous listing and the files already handed out."""

    done: set[str] = field(default_factory=set)
    _previous: dict[str, FileStamp] = field(default_factory=dict)

    def ready(self, listing: dict[str, FileStamp]) -> list[str]:
        """Files unchanged since the previous poll and not done yet, sorted."""
        ready = sorted(
            path
            for path, stamp in listing.items()
            if path not in self.done and self._previous.get(path) == stamp
        )
        self._previous = listing
        self.done.update(ready)
        return ready


class Ledger:
    """An append-only list of the files read, under the output folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> set[str]:
        if not self.path.exists():
            return set()
        done = set()
        for line in self.path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t", 2)
            if len(parts) == 3:
                done.add(parts[2])
        return done

    def record(self, paths: list[str], stamps: dict[str, FileStamp]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as ledger:
            for path in paths:
                size, mtime = stamps[path]
                ledger.write(f"{size}\t{mtime}\t{path}\n")
            ledger.flush()
            os.fsync(ledger.fileno())
