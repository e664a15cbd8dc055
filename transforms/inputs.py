"""Expanding --input values (files, folders, globs) into input files."""

from __future__ import annotations

from apache_beam.io.filesystems import FileSystems

from transforms.errors import UsageError

_GLOB_CHARACTERS = frozenset("*?[")


def _files_in_folder(folder: str) -> list[str]:
    """Every file below a folder, except hidden files and files in hidden folders."""
    prefix = folder.rstrip("/") + "/"
    try:
        matches = FileSystems.match([prefix + "**"])[0].metadata_list
    except OSError:  # Beam raises BeamIOError, an IOError, for a path that is not a folder
        return []
    return [
        m.path
        for m in matches
        if not any(part.startswith(".") for part in m.path[len(prefix) :].split("/"))
    ]


def _matches(value: str) -> list[str]:
    if not _GLOB_CHARACTERS.intersection(value):
        in_folder = _files_in_folder(value)
        if in_folder:
            return in_folder
    return [m.path for m in FileSystems.match([value])[0].metadata_list]


def resolve_inputs(values: list[str] | None) -> list[str]:
    """Sorted distinct paths of all files the --input values name.

    A folder means every file below it. Raises UsageError when there is no
    --input or one of them matches nothing.
    """
    if not values:
        raise UsageError("no input given: pass --input FILE|FOLDER|GLOB (repeatable)")
    paths: set[str] = set()
    for value in values:
        matched = _matches(value)
        if not matched:
            raise UsageError(
                f"--input {value!r} matches no file: check the path, or quote the glob"
            )
        paths.update(matched)
    return sorted(paths)
