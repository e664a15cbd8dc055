"""End to end: the `newsdedup` command (pipelines/cli.py): its help and the help of each command."""

from __future__ import annotations

import pytest

from newsdedup.transforms.core.config import DedupConfig
from tests.clirun import newsdedup

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
