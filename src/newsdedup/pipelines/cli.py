"""The `newsdedup` command."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from newsdedup.pipelines.logfile import CapturedStderr, stderr_to_log, write_traceback
from newsdedup.transforms.runtime.errors import UsageError

if TYPE_CHECKING:
    from newsdedup.transforms.runtime.summary import RunSummary

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

_DESCRIPTION = """\
newsdedup: language, near-duplicate groups and stories for news articles.

usage: newsdedup COMMAND [options]     (newsdedup COMMAND --help for every option)

commands:
  run      batch run: --input FILE|FOLDER|GLOB (repeatable) --output FOLDER [options]
           Options may also come from a TOML file (--config newsdedup.toml); flags win.
           Progress is shown on a terminal; --quiet prints only errors, --verbose shows
           progress in CI and logs too. `newsdedup run --help` lists every option,
           Beam's pipeline options included.
  watch    streaming run: --input-dir FOLDER --output FOLDER [--idle-timeout SECONDS]
           reads what arrives in micro-batches, each an incremental run; stops (exit 0)
           within seconds of SIGINT/SIGTERM or the idle timeout. See docs/streaming.md.
  land     streaming job for Dataflow/Flink: articles from Pub/Sub or Kafka written as
           JSON Lines files into a folder that `watch` reads. See docs/streaming.md.
  report   OUT --output report.html: one self-contained HTML page of charts and tables
           about the output folder OUT (story sizes, articles per day and language, top
           stories, duplicate rates per source); viewing it needs no network.
  export   OUT --table articles|stories|rejects|story_merges --output FILE.parquet: the
           current state of one table as one Parquet file, from a folder or an object
           store (with Beam's --s3_* options).
  inspect  OUT --story STORY_ID: the articles of one story in the terminal (source,
           time, language, headline, similarity to the story's canonical article).

exit codes: 0 success, 1 the pipeline failed, 2 wrong usage (one line on stderr).
A failure names the log file that holds the details (Beam's log, the traceback);
with --verbose they are shown on stderr instead.
"""


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (exit 2 through UsageError) instead of usage text."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see `{self.prog} --help`")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(_DESCRIPTION)
        return EXIT_OK if args else EXIT_USAGE
    command, rest = args[0], args[1:]
    handler = COMMANDS.get(command)
    if handler is None:
        print(f"newsdedup: unknown command {command!r}; try 'newsdedup --help'", file=sys.stderr)
        return EXIT_USAGE
    try:
        return handler(rest)
    except UsageError as error:
        print(f"newsdedup: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("newsdedup: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug or an unreadable file: one line, not a traceback
        print(f"newsdedup: {command} failed: {_first_line(error)}", file=sys.stderr)
        _point_to_details(write_traceback(None, error))
        return EXIT_FAILED


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _point_to_details(log: Path | None) -> None:
    if log is not None:
        print(f"newsdedup: details in {log} (or run again with --verbose)", file=sys.stderr)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (kill, a scheduler's timeout) ends a run like Ctrl-C: it cleans up."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _log_warnings() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Beam warns on import that Google Cloud clients are missing; they are optional here.
    logging.getLogger().addFilter(lambda record: "apitools" not in record.getMessage())


def _run(rest: list[str]) -> int:
    _log_warnings()
    from newsdedup.pipelines.options import all_options_parser

    if "-h" in rest or "--help" in rest:
        all_options_parser().print_help()
        return EXIT_OK
    from apache_beam.options.pipeline_options import PipelineOptions

    from newsdedup.pipelines.batch import run
    from newsdedup.pipelines.config_file import with_config_file
    from newsdedup.pipelines.options import NewsdedupOptions

    argv = with_config_file(rest, all_options_parser())
    own = PipelineOptions(argv).view_as(NewsdedupOptions)
    # Beam's log lines go to a log file unless --verbose (see newsdedup.pipelines.logfile).
    capture = contextlib.nullcontext(None) if own.verbose else stderr_to_log("run")
    with _sigterm_interrupts(), capture as log:
        outcome = _run_pipeline(run, argv, log)
    if isinstance(outcome, _Failure):
        print(f"newsdedup: {outcome.message}", file=sys.stderr)
        _point_to_details(outcome.log)
        if outcome.exit_code == EXIT_INTERRUPTED:
            # An interrupted runner leaves SDK harness threads behind, and one of them
            # sends this process SIGINT 5 s later (terminate_sdk_harness): exit now.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        return outcome.exit_code
    if not own.quiet:
        print(outcome.render())
    return EXIT_OK


@dataclass(frozen=True)
class _Failure:
    message: str
    exit_code: int
    log: Path | None = None  # where the details are


def _run_pipeline(
    run: Callable[[list[str]], RunSummary], argv: list[str], log: CapturedStderr | None
) -> RunSummary | _Failure:
    try:
        summary = run(argv)
    except UsageError:
        if log:
            log.discard()
        raise  # main() prints it; not a pipeline failure
    except KeyboardInterrupt:
        if log:
            log.discard()
        return _Failure("interrupted; the output folder is unchanged", EXIT_INTERRUPTED)
    except Exception as error:
        if log is None:  # --verbose: the traceback where the rest of the log went
            traceback.print_exception(error)
        details = write_traceback(log.path, error) if log else None
        message = f"the pipeline failed, output unchanged: {_first_line(error)}"
        return _Failure(message, EXIT_FAILED, details)
    if log:
        log.discard()
    return summary


def _watch(rest: list[str]) -> int:
    _log_warnings()
    from newsdedup.pipelines.watch import help_parser
    from newsdedup.pipelines.watch import run as watch

    if "-h" in rest or "--help" in rest:
        help_parser().print_help()
        return EXIT_OK
    try:
        totals = watch(rest)
    except RuntimeError as error:
        print(f"newsdedup: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(totals.render())
    return EXIT_OK


def _land(rest: list[str]) -> int:
    _log_warnings()
    from newsdedup.pipelines.land import help_parser
    from newsdedup.pipelines.land import run as land

    if "-h" in rest or "--help" in rest:
        help_parser().print_help()
        return EXIT_OK
    land(rest)
    return EXIT_OK


def _report(rest: list[str]) -> int:
    parser = _Parser(
        prog="newsdedup report",
        description="Write one self-contained HTML page (charts and tables, no network "
        "needed to view it) about a newsdedup output folder.",
    )
    parser.add_argument("out", metavar="OUT", help="the --output folder of a newsdedup run")
    parser.add_argument(
        "--output", required=True, metavar="FILE", help="the HTML file to write (report.html)"
    )
    parser.add_argument(
        "--top", type=int, default=20, metavar="N", help="stories and sources listed (default 20)"
    )
    args = parser.parse_args(rest)
    if args.top < 1:
        raise UsageError("--top must be at least 1")
    from newsdedup.transforms.report.page import write_report

    path = write_report(args.out, args.output, top=args.top)
    print(f"newsdedup: report written to {path}")
    return EXIT_OK


def _inspect(rest: list[str]) -> int:
    parser = _Parser(
        prog="newsdedup inspect",
        description="Show the articles of one story: source, publication time (UTC), "
        "language, headline and the estimated Jaccard similarity of each article's text "
        "to the story's canonical article (1.00 = the same shingles).",
    )
    parser.add_argument("out", metavar="OUT", help="the --output folder of a newsdedup run")
    parser.add_argument(
        "--story", required=True, metavar="STORY_ID", help="a story_id (st_...) from stories/"
    )
    args = parser.parse_args(rest)
    from newsdedup.transforms.report.story_view import render_story

    # Headlines are cut to fit a terminal; piped into a file or a pager they stay whole.
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    print(render_story(args.out, args.story, width))
    return EXIT_OK


def _export(rest: list[str]) -> int:
    parser = _Parser(
        prog="newsdedup export",
        description="Write the current state of one table of a newsdedup output (a folder, "
        "s3://... or gs://...) as one Parquet file. Takes Beam's filesystem options "
        "(--s3_endpoint_url, --s3_access_key_id, --s3_secret_access_key, --s3_region_name, ...).",
    )
    parser.add_argument("out", metavar="OUT", help="the --output of newsdedup run")
    parser.add_argument(
        "--table", required=True, choices=["articles", "stories", "rejects", "story_merges"]
    )
    parser.add_argument("--output", required=True, metavar="FILE", help="the Parquet file to write")
    args, beam_flags = parser.parse_known_args(rest)
    from apache_beam.options.pipeline_options import PipelineOptions

    from newsdedup.transforms.io.export import export_table
    from newsdedup.transforms.io.filesystems import FileAccess, filesystem_option_names

    names = filesystem_option_names()
    for flag in beam_flags:
        name = flag.lstrip("-").split("=", 1)[0]
        if flag.startswith("--") and name not in names:
            raise UsageError(f"unknown option {flag!r}; see `newsdedup export --help`")
    files = FileAccess.of(PipelineOptions(beam_flags))
    files.activate()
    rows = export_table(args.out, args.table, args.output, files)
    print(f"newsdedup: {rows} rows of {args.table} written to {args.output}")
    return EXIT_OK


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "run": _run,
    "export": _export,
    "watch": _watch,
    "land": _land,
    "report": _report,
    "inspect": _inspect,
}


if __name__ == "__main__":
    sys.exit(main())
