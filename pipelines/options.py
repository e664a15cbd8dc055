"""Command-line options of newsdedup, as Beam PipelineOptions."""

from __future__ import annotations

import argparse
import difflib
from dataclasses import fields

from apache_beam.options.pipeline_options import PipelineOptions

from transforms.core.config import DedupConfig
from transforms.core.tables import ColumnMapping, parse_field_options
from transforms.errors import UsageError

DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024
DEFAULT_HORIZON_DAYS = 7


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


class NewsdedupOptions(PipelineOptions):
    """Inputs, output and every clustering parameter (defaults from DedupConfig)."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--input",
            dest="inputs",
            action="append",
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
            help="output folder (articles/, stories/, rejects/, story_merges/); a run adds to "
            "what earlier runs wrote there",
        )
        parser.add_argument(
            "--max-record-bytes",
            type=int,
            default=DEFAULT_MAX_RECORD_BYTES,
            help="records (JSON lines, text files) larger than this are rejected as too_large",
        )
        parser.add_argument(
            "--output-shards",
            type=int,
            default=1,
            help="Parquet files per date partition of articles/ (more for parallel writes)",
        )
        parser.add_argument(
            "--horizon-days",
            type=int,
            default=DEFAULT_HORIZON_DAYS,
            help="an incremental run compares new articles with those of earlier runs "
            "published up to this many days before the newest one in --output "
            f"(default: {DEFAULT_HORIZON_DAYS})",
        )
        defaults = DedupConfig()
        for f in fields(DedupConfig):
            parser.add_argument(
                _flag(f.name),
                dest=f.name,
                type=type(getattr(defaults, f.name)),
                default=getattr(defaults, f.name),
                help=f"{f.metadata['help']} (default: {getattr(defaults, f.name)})",
            )


def all_options_parser(prog: str = "newsdedup run") -> argparse.ArgumentParser:
    """A parser that knows newsdedup's options and every registered Beam option."""
    from apache_beam.options.pipeline_options import _BeamArgumentParser

    parser = _BeamArgumentParser(prog=prog, add_help=False, allow_abbrev=False)
    option_classes: list[type[PipelineOptions]] = [NewsdedupOptions]
    option_classes += [c for c in PipelineOptions.__subclasses__() if c is not NewsdedupOptions]
    for cls in option_classes:
        cls._add_argparse_args(parser)
    return parser


def reject_unknown_options(argv: list[str]) -> None:
    """Raise UsageError for a flag no option class knows. Beam would drop it
    silently, and a typo in a threshold would run with the default."""
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
