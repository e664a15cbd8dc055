"""scripts/compare_outputs.py: same data, or which dataset differs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.compare_outputs import compare, main
from tests.conftest import SAMPLE_DIR


def test_an_output_equals_itself(sample_output: Path) -> None:
    lines = compare(sample_output, sample_output)
    assert lines[0] == "same: articles (35 and 35 rows)"
    assert all(line.startswith("same") for line in lines)
    assert main([str(sample_output), str(sample_output)]) == 0


def test_an_output_of_other_input_differs(sample_output: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "newsdedup.pipelines.cli",
            "run",
            "--input",
            str(SAMPLE_DIR / "wire_en.jsonl"),
            "--output",
            str(out),
            "--quiet",
        ],
        check=True,
        timeout=600,
    )
    lines = compare(sample_output, out)
    assert lines[0].startswith("DIFFERENT: articles (35 and ")
    assert main([str(sample_output), str(out)]) == 1
