"""The command's help and `--config`, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from newsdedup.transforms.core.config import DedupConfig
from tests.conftest import SAMPLE_DIR
from tests.pipelines.test_cli import newsdedup

pytestmark = pytest.mark.e2e


def test_top_level_help_names_every_command_and_the_exit_codes() -> None:
    result = newsdedup("--help")
    assert result.returncode == 0
    for text in ["run ", "report ", "inspect ", "--config", "--quiet", "--verbose", "exit codes"]:
        assert text in result.stdout
    assert newsdedup(check=False).returncode == 2


@pytest.mark.parametrize(
    ("command", "texts"),
    [
        (
            "run",
            ["newsdedup options:", "--config FILE.toml", "--quiet", "--verbose", "Beam pipeline"]
            + ["--" + name.replace("_", "-") for name in DedupConfig.__dataclass_fields__],
        ),
        ("report", ["--output FILE", "--top N", "no network"]),
        ("inspect", ["--story STORY_ID", "similarity", "canonical"]),
    ],
)
def test_each_command_help_is_complete(command: str, texts: list[str]) -> None:
    result = newsdedup(command, "--help")
    assert result.returncode == 0
    for text in texts:
        assert text in result.stdout, text


def test_options_from_a_toml_file_with_flags_winning(tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = tmp_path / "newsdedup.toml"
    config.write_text(
        f'input = ["{SAMPLE_DIR / "wire_en.jsonl"}"]\noutput = "{out}"\n'
        "dup_threshold = 0.6\nstory-threshold = 0.2\nquiet = true\n",
        encoding="utf-8",
    )
    result = newsdedup(
        "run", "--config", str(config), "--dup-threshold", "0.7", "--input", str(SAMPLE_DIR)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # quiet = true from the file
    parameters = json.loads(
        pq.read_schema(next((out / "stories").glob("*.parquet"))).metadata[b"newsdedup_parameters"]
    )
    assert (parameters["dup_threshold"], parameters["story_threshold"]) == (0.7, 0.2)
    languages = pq.read_table(out / "stories").column("languages").to_pylist()
    assert ["de"] in languages  # the command line's --input replaced the file's


def test_an_unknown_key_in_the_config_file_exits_2_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "newsdedup.toml"
    config.write_text(f'output = "{tmp_path / "x"}"\nstory_treshold = 0.2\n', encoding="utf-8")
    result = newsdedup("run", "--config", str(config), "--input", str(SAMPLE_DIR), check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"newsdedup: unknown key 'story_treshold' in {config}; did you mean story_threshold?"
    ]
    assert not (tmp_path / "x").exists()
