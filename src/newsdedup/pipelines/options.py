"""Command-line options of newsdedup, as Beam PipelineOptions."""

from __future__ import annotations

import argparse
import difflib
from dataclasses import fields

from apache_beam.options.pipeline_options import PipelineOptions

from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.formats.tables import ColumnMapping, parse_field_options
from newsdedup.transforms.runtime.errors import UsageError

DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024
DEFAULT_HORIZON_DAYS = 7

RUN_USAGE = "newsdedup run --input FILE|FOLDER|GLOB [--input ...] --output FOLDER [options]"
RUN_DESCRIPTION = """\
Read articles, detect their language, find near-duplicates and stories, and write
OUTPUT/articles, OUTPUT/stories, OUTPUT/rejects and OUTPUT/story_merges as
Parquet. A run on an OUTPUT that holds earlier runs adds to them.

Options can also come from a TOML file given with --config: its keys are option
names (dashes or underscores), e.g.

    input = ["incoming/", "extra.jsonl"]
    output = "out"
    dup_threshold = 0.45
    direct_num_workers = 2

Flags on the command line win over the file (a command-line --input replaces the
file's inputs). Progress goes to stderr on a terminal; --quiet prints only errors,
--verbose also prints progress when stderr is not a terminal, and Beam's log.

Exit codes: 0 success, 1 the pipeline failed (the message names a log file with
the details), 2 wrong usage.
"""


# Beam's DaskRunner is not among the runners Beam knows by short name; by any of
# its names it runs as Beam's with the ParDo translation mended (transforms/runtime/dask_runner.py).
BEAM_DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"
DASK_RUNNER = "newsdedup.transforms.runtime.dask_runner.BundleSafeDaskRunner"
_DASK_NAMES = ("dask", "daskrunner", BEAM_DASK_RUNNER.lower(), DASK_RUNNER.lower())


def runner_path(runner: str | None) -> str | None:
    """The runner to give Beam: `DaskRunner` (or `dask`, or Beam's full path) as
    newsdedup's mended DaskRunner, others as given."""
    return DASK_RUNNER if runner is not None and runner.lower() in _DASK_NAMES else runner


def load_runner_options(argv: list[str]) -> None:
    """Register the options of Beam's DaskRunner (`--dask_client_address` ...) when
    the arguments ask for it: Beam knows them only once its dask module is
    imported, and importing dask.distributed costs a second, so not otherwise."""
    runner_flag = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    runner_flag.add_argument("--runner")
    runner = runner_path(runner_flag.parse_known_args(argv)[0].runner)
    if runner != DASK_RUNNER and not any(arg.startswith("--dask_") for arg in argv):
        return
    try:
        import newsdedup.transforms.runtime.dask_runner  # noqa: F401  (registers Beam's DaskOptions)
    except ImportError as error:
        raise UsageError(
            f"Beam's DaskRunner needs dask ({error}): pip install 'newsdedup[dask]'"
        ) from error


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


class NewsdedupOptions(PipelineOptions):
    """Inputs, output and every clustering parameter (defaults from DedupConfig)."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        _add_input_and_output_args(parser)
        _add_run_args(parser)
        defaults = DedupConfig()
        for f in fields(DedupConfig):
            parser.add_argument(
                _flag(f.name),
                dest=f.name,
                type=type(getattr(defaults, f.name)),
                default=getattr(defaults, f.name),
                help=f"{f.metadata['help']} (default: {getattr(defaults, f.name)})",
            )


def _add_input_and_output_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input",
        dest="inputs",
        action="append",
        metavar="PATH",
        help="a file, a directory or a glob; repeatable. Formats by extension: "
        ".jsonl/.ndjson (JSON Lines), .txt (plain text article or newsblog), "
        ".html/.htm (web page), .xml/.rss/.atom (feed), .warc/.warc.gz, .parquet, .csv",
    )
    parser.add_argument(
        "--field",
        dest="field_columns",
        action="append",
        metavar="NAME=COLUMN",
        help="for Parquet and CSV input: the column holding an article field (id, text, "
        "title, url, source, published_at, language); repeatable. A field not named "
        "is read from the column of its own name",
    )
    parser.add_argument(
        "--output",
        metavar="FOLDER",
        help="output folder (articles/, stories/, rejects/, story_merges/); a run adds to "
        "what earlier runs wrote there",
    )
    parser.add_argument(
        "--config",
        metavar="FILE.toml",
        help="a TOML file of options (keys are option names: dup_threshold = 0.4, "
        'input = ["a.jsonl"]); options given as flags win',
    )


def _add_run_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing but errors: no progress, no summary",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show progress even when stderr is not a terminal (CI, logs): a line every "
        "10 seconds and one at the end; on a terminal it is shown anyway. Beam's log "
        "lines and a failure's traceback go to stderr too, not to a log file",
    )
    parser.add_argument(
        "--max-record-bytes",
        type=int,
        default=DEFAULT_MAX_RECORD_BYTES,
        help="records (JSON lines, text files) larger than this are rejected as too_large "
        f"(default: {DEFAULT_MAX_RECORD_BYTES})",
    )
    parser.add_argument(
        "--output-shards",
        type=int,
        default=1,
        help="Parquet files per date partition of articles/ (more for parallel writes; default: 1)",
    )
    parser.add_argument(
        "--horizon-days",
        type=int,
        default=DEFAULT_HORIZON_DAYS,
        help="an incremental run compares new articles with those of earlier runs "
        "published up to this many days before the newest one in --output "
        f"(default: {DEFAULT_HORIZON_DAYS})",
    )


def all_options_parser(
    prog: str = "newsdedup run",
    usage: str = RUN_USAGE,
    description: str | None = None,
    first_group: str | None = None,
    leave_out: frozenset[str] = frozenset(),
    with_own_options: bool = True,
) -> argparse.ArgumentParser:
    """A parser that knows newsdedup's options and every registered Beam option;
    the defaults describe `newsdedup run`. Another command lists its own group
    (`first_group`) first and leaves out the options (dests) it does not take,
    or all of newsdedup's own options."""
    description = RUN_DESCRIPTION if description is None else description
    from apache_beam.options.pipeline_options import _BeamArgumentParser

    parser = _BeamArgumentParser(
        prog=prog,
        usage=usage,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
        allow_abbrev=False,
    )
    own_options = parser.add_argument_group("newsdedup options")
    if with_own_options:
        NewsdedupOptions._add_argparse_args(own_options)  # type: ignore[arg-type]
    # Beam's option classes get the parser itself: some need its add_value_provider_argument.
    parser._optionals.title = "Beam pipeline options (passed to the runner)"
    for cls in PipelineOptions.__subclasses__():
        if cls is not NewsdedupOptions:
            cls._add_argparse_args(parser)
    for action in [a for a in parser._actions if a.dest in leave_out]:
        parser._remove_action(action)
        for group in parser._action_groups:
            if action in group._group_actions:
                group._group_actions.remove(action)
    order = [first_group, own_options.title]
    parser._action_groups.sort(key=lambda g: order.index(g.title) if g.title in order else 2)
    return parser


def reject_unknown_options(argv: list[str]) -> None:
    """Raise UsageError for a flag no option class knows. Beam would drop it
    silently, and a typo in a threshold would run with the default."""
    load_runner_options(argv)
    parser = all_options_parser()
    _, unknown = parser.parse_known_args(argv)
    flags = [arg.split("=", 1)[0] for arg in unknown if arg.startswith("--")]
    if not flags:
        return
    known = [flag for action in parser._actions for flag in action.option_strings]
    close = difflib.get_close_matches(flags[0], known, n=1)
    hint = f"; did you mean {close[0]}?" if close else "; see `newsdedup run --help`"
    raise UsageError(f"unknown option {flags[0]}{hint}")


def dedup_config(options: PipelineOptions) -> DedupConfig:
    """The validated DedupConfig of the parsed options (ValueError if out of range)."""
    view = options.view_as(NewsdedupOptions)
    config = DedupConfig(**{f.name: getattr(view, f.name) for f in fields(DedupConfig)})
    config.validate()
    return config


def column_mapping(options: PipelineOptions) -> ColumnMapping:
    """The --field options as a ColumnMapping (UsageError if one is malformed)."""
    try:
        return parse_field_options(options.view_as(NewsdedupOptions).field_columns or [])
    except ValueError as error:
        raise UsageError(str(error)) from error
