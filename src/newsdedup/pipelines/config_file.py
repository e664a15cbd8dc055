"""Options of `newsdedup run` from a TOML file (`--config FILE`); flags on the command line win.

The file holds option names as keys, with dashes or underscores
(`dup_threshold = 0.4`, `direct-num-workers = 2`, `input = ["a.jsonl", "b/"]`).
Each key becomes the flag it names, placed before the command-line flags unless
the command line sets that option itself, so one parser validates both.
"""

from __future__ import annotations

import argparse
import difflib
import tomllib
from collections.abc import Iterable, Set
from pathlib import Path
from typing import Any

from newsdedup.transforms.runtime.errors import UsageError

CONFIG_FLAG = "--config"


def _option_name(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def config_path(argv: list[str]) -> str | None:
    """The value of the last --config in argv, if any."""
    path = None
    for i, arg in enumerate(argv):
        if arg == CONFIG_FLAG:
            if i + 1 >= len(argv):
                raise UsageError(f"{CONFIG_FLAG} needs a file name")
            path = argv[i + 1]
        elif arg.startswith(CONFIG_FLAG + "="):
            path = arg.split("=", 1)[1]
    return path


def _options_given(argv: Iterable[str], parser: argparse.ArgumentParser) -> set[str]:
    """The destinations of the options argv sets."""
    by_flag = {flag: a.dest for a in parser._actions for flag in a.option_strings}
    return {by_flag[arg.split("=", 1)[0]] for arg in argv if arg.split("=", 1)[0] in by_flag}


def load_config(path: str) -> dict[str, Any]:
    try:
        with Path(path).open("rb") as file:
            return tomllib.load(file)
    except OSError as error:
        raise UsageError(f"cannot read {CONFIG_FLAG} {path!r}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{CONFIG_FLAG} {path!r} is not valid TOML: {error}") from error


def config_argv(
    settings: dict[str, Any],
    parser: argparse.ArgumentParser,
    path: str,
    skip: Set[str] = frozenset(),
) -> list[str]:
    """The flags `settings` stand for, less the options in `skip`; UsageError for an
    unknown key or a value of the wrong kind."""
    actions = {
        _option_name(flag): action
        for action in parser._actions
        for flag in action.option_strings
        if flag.startswith("--") and action.dest != "config"
    }
    argv: list[str] = []
    for key, value in settings.items():
        action = actions.get(_option_name(key))
        if action is None:
            close = difflib.get_close_matches(_option_name(key), list(actions), n=1)
            hint = f"; did you mean {close[0]}?" if close else "; see `newsdedup run --help`"
            raise UsageError(f"unknown key {key!r} in {path}{hint}")
        if action.dest not in skip:
            argv += _flag_values(action, value, key, path)
    return argv


def _flag_values(action: argparse.Action, value: Any, key: str, path: str) -> list[str]:
    flag = next(f for f in action.option_strings if f.startswith("--"))
    switch = action.nargs == 0
    if isinstance(value, bool) and switch:
        return [flag] if value else []
    if isinstance(value, list) and isinstance(action, argparse._AppendAction):
        return [part for item in value for part in (flag, str(item))]
    if isinstance(value, str | int | float) and not switch:
        return [flag, str(value).lower() if isinstance(value, bool) else str(value)]
    raise UsageError(f"{key!r} in {path} cannot be {type(value).__name__} {value!r}")


def with_config_file(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """argv with the options of its --config file in front, less those argv sets
    itself (an appended --input included), so flags on the command line win."""
    path = config_path(argv)
    if path is None:
        return argv
    return config_argv(load_config(path), parser, path, skip=_options_given(argv, parser)) + argv
