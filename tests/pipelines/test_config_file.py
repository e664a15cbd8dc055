"""Options of `newsdedup run` from a TOML file (pipelines/config_file.py); flags on the command
line win."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from newsdedup.pipelines.config_file import config_argv, with_config_file
from newsdedup.pipelines.options import NewsdedupOptions, all_options_parser
from newsdedup.transforms.runtime.errors import UsageError
from tests.clirun import newsdedup
from tests.conftest import REPO_ROOT, SAMPLE_DIR


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_an_unknown_key_in_the_config_file_exits_2_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "newsdedup.toml"
    config.write_text(f'output = "{tmp_path / "x"}"\nstory_treshold = 0.2\n', encoding="utf-8")
    result = newsdedup("run", "--config", str(config), "--input", str(SAMPLE_DIR), check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"newsdedup: unknown key 'story_treshold' in {config}; did you mean story_threshold?"
    ]
    assert not (tmp_path / "x").exists()


def parsed(argv: list[str]) -> NewsdedupOptions:
    return PipelineOptions(argv).view_as(NewsdedupOptions)


def write_config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "newsdedup.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_file_options_become_flags_with_dashes_or_underscores(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        'input = ["a.jsonl", "b/"]\noutput = "out"\ndup-threshold = 0.4\n'
        "num_perm = 64\nverbose = true\nquiet = false\n"
        'direct_running_mode = "multi_processing"\n',
    )
    argv = with_config_file(["--config", config], all_options_parser())
    options = parsed(argv)
    assert options.inputs == ["a.jsonl", "b/"]
    assert options.output == "out"
    assert (options.dup_threshold, options.num_perm) == (0.4, 64)
    assert (options.verbose, options.quiet) == (True, False)
    assert "--direct_running_mode" in argv


def test_flags_on_the_command_line_win_even_for_repeatable_ones(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, 'input = ["from-file.jsonl"]\ndup_threshold = 0.4\nrunner = "DirectRunner"\n'
    )
    argv = with_config_file(
        [f"--config={config}", "--dup-threshold", "0.7", "--input", "cli.jsonl"],
        all_options_parser(),
    )
    options = parsed(argv)
    assert options.dup_threshold == 0.7
    assert options.inputs == ["cli.jsonl"]
    assert PipelineOptions(argv).view_as(StandardOptions).runner == "DirectRunner"


def test_without_config_argv_is_unchanged() -> None:
    argv = ["--input", "x", "--output", "y"]
    assert with_config_file(argv, all_options_parser()) == argv


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"dup_treshold": 0.3},
            "unknown key 'dup_treshold' in f.toml; did you mean dup_threshold?",
        ),
        ({"config": "other.toml"}, "unknown key 'config'"),
        ({"dup_threshold": [0.3]}, "'dup_threshold' in f.toml cannot be list [0.3]"),
        ({"quiet": "yes"}, "'quiet' in f.toml cannot be str 'yes'"),
        ({"runs": {"a": 1}}, "unknown key 'runs'"),
        ({"dup_threshold": {"a": 1}}, "cannot be dict"),
    ],
)
def test_unknown_keys_and_wrong_values_are_usage_errors(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError) as raised:
        config_argv(settings, all_options_parser(), "f.toml")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read --config"), ("dup_threshold = ", "is not valid TOML")],
)
def test_unreadable_or_invalid_files_are_usage_errors(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "newsdedup.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        with_config_file(["--config", str(path)], all_options_parser())


def test_config_flag_without_a_file_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--config needs a file name"):
        with_config_file(["--input", "x", "--config"], all_options_parser())


def test_the_readme_example_is_a_valid_config(tmp_path: Path) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    argv = with_config_file(["--config", write_config(tmp_path, example)], all_options_parser())
    options = parsed(argv)
    assert options.inputs == ["incoming/", "archive/2026-03.jsonl"]
    assert (options.dup_threshold, options.story_window_hours, options.quiet) == (0.45, 48, True)
