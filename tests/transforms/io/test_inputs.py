"""Expanding --input values into input files (transforms/io/inputs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdedup.transforms.io.inputs import resolve_inputs
from newsdedup.transforms.runtime.errors import UsageError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ["a.jsonl", "sub/b.txt", ".hidden.jsonl", ".git/c.jsonl", "out/d.jsonl"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    return tmp_path


def test_files_folders_and_globs_give_sorted_distinct_files_without_hidden_ones(
    folder: Path,
) -> None:
    found = resolve_inputs([str(folder / "sub" / "*.txt"), str(folder), str(folder / "a.jsonl")])
    assert found == [str(folder / name) for name in ["a.jsonl", "out/d.jsonl", "sub/b.txt"]]


def test_files_inside_the_output_are_never_inputs(folder: Path) -> None:
    found = resolve_inputs([str(folder)], output=str(folder / "out"))
    assert found == [str(folder / "a.jsonl"), str(folder / "sub/b.txt")]
    with pytest.raises(UsageError, match="matches no file outside --output"):
        resolve_inputs([str(folder / "out" / "*.jsonl")], output=str(folder / "out" / ".." / "out"))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (None, "no input given"),
        ([], "no input given"),
        (["{folder}/none/*.jsonl"], "matches no file: check the path"),
    ],
)
def test_inputs_that_name_no_file_are_usage_errors(
    folder: Path, values: list[str] | None, message: str
) -> None:
    filled = [value.format(folder=folder) for value in values] if values is not None else None
    with pytest.raises(UsageError, match=message):
        resolve_inputs(filled, output=str(folder / "elsewhere"))


def test_an_output_that_is_an_input_is_refused(folder: Path) -> None:
    with pytest.raises(UsageError, match="is also an --input"):
        resolve_inputs([str(folder / "sub") + "/"], output=str(folder / "sub" / "."))
