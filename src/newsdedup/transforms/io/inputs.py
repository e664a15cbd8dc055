"""Expanding --input values (files, folders, globs) into input files."""

from __future__ import annotations

import os

from apache_beam.io.filesystems import FileSystems

from newsdedup.transforms.runtime.errors import UsageError

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


def _comparable(path: str) -> str:
    """A path in a form two names of one place share: local paths resolved
    (links and `..` followed), others as given, without a trailing slash."""
    if FileSystems.get_scheme(path) is None:
        return os.path.realpath(path)
    return path.rstrip("/")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def resolve_inputs(values: list[str] | None, output: str | None = None) -> list[str]:
    """Sorted distinct paths of all files the --input values name.

    A folder means every file below it; files inside the `output` folder are
    never inputs (an output inside an input folder would be read back as
    input). Raises UsageError when there is no --input, one of them matches
    nothing (outside `output`), or one of them is `output` itself.
    """
    if not values:
        raise UsageError("no input given: pass --input FILE|FOLDER|GLOB (repeatable)")
    out = _comparable(output) if output else None
    paths: set[str] = set()
    for value in values:
        if out is not None and _comparable(value) == out:
            raise UsageError(
                f"--output {output!r} is also an --input: write the output to another folder"
            )
        found = _matches(value)
        matched = [p for p in found if out is None or not _inside(_comparable(p), out)]
        if not matched:
            where = " outside --output" if found else ""
            raise UsageError(
                f"--input {value!r} matches no file{where}: check the path, or quote the glob"
            )
        paths.update(matched)
    return sorted(paths)
