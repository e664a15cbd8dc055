"""`pip install newsdedup` without the constraints file gives working commands.

The built wheel goes into a fresh virtualenv with whatever versions pip picks
today (no constraints.txt), then every command's --help and a run over every
input format must succeed there. It downloads from PyPI and takes minutes, so
it is left out of a plain `pytest` (marker `install`); CI runs it after
`make test` (`.ci/run`): `pytest -m install`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from tests import formatgen
from tests.conftest import SAMPLE_DIR

pytestmark = [pytest.mark.install, pytest.mark.e2e]

REPOSITORY = Path(__file__).resolve().parent.parent
COMMANDS = ["run", "watch", "report", "inspect"]


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Neither this checkout nor the test's own environment may leak into the command.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800
    )
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh virtualenv holding the wheel and its dependencies."""
    work = tmp_path_factory.mktemp("install")
    wheels = work / "dist"
    _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", wheels, REPOSITORY,
        cwd=work,
    )  # fmt: skip
    [wheel] = wheels.glob("newsdedup-*.whl")
    venv.create(work / "venv", with_pip=True)
    bin_folder = work / "venv" / "bin"
    pip = [bin_folder / "python", "-m", "pip", "--disable-pip-version-check", "--quiet"]
    _run(*pip, "install", wheel, cwd=work)
    return bin_folder


def test_every_command_has_help(installed: Path, tmp_path: Path) -> None:
    assert "commands:" in _run(installed / "newsdedup", "--help", cwd=tmp_path).stdout
    for command in COMMANDS:
        result = _run(installed / "newsdedup", command, "--help", cwd=tmp_path)
        assert "usage" in result.stdout.lower(), command


def test_a_run_over_every_input_format_then_report_and_inspect(
    installed: Path, tmp_path: Path
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    formatgen.write_every_format(inputs)
    out = tmp_path / "out"
    newsdedup = installed / "newsdedup"
    _run(
        newsdedup, "run", "--input", inputs, "--input", SAMPLE_DIR, "--output", out,
        *formatgen.EVERY_FORMAT_FIELDS, cwd=tmp_path,
    )  # fmt: skip
    articles = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table()
    sources = {Path(p).name for p in articles.column("source_file").to_pylist()}
    # One article at least from every format, the newsblog of the sample included.
    assert {"wire.jsonl", "note.txt", "bridge.html", "world.rss", "courier.atom"} <= sources
    assert {"crawl.warc.gz", "table.parquet", "table.csv", "liveblog_de.txt"} <= sources
    _run(newsdedup, "report", out, "--output", tmp_path / "report.html", cwd=tmp_path)
    story = articles.column("story_id")[0].as_py()
    assert story in _run(newsdedup, "inspect", out, "--story", story, cwd=tmp_path).stdout
