"""The `newsdedup` command."""

from __future__ import annotations

import logging
import sys

from transforms.errors import UsageError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_DESCRIPTION = """\
newsdedup: language, near-duplicate groups and stories for news articles.

commands:
  run    batch run: --input FILE|FOLDER|GLOB (repeatable) --output FOLDER [options]
         `newsdedup run --help` lists every option, Beam's pipeline options included.
  watch  streaming run: --input-dir FOLDER --output FOLDER [--idle-timeout SECONDS] [options]
         reads each new file once, writes continuously; stops on SIGINT/SIGTERM or idle timeout.
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(_DESCRIPTION)
        return EXIT_OK if args else EXIT_USAGE
    command, rest = args[0], args[1:]
    if command not in {"run", "watch"}:
        print(f"newsdedup: unknown command {command!r}; try 'newsdedup --help'", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Beam warns on import that Google Cloud clients are missing; they are optional here.
    logging.getLogger().addFilter(lambda record: "apitools" not in record.getMessage())
    if "-h" in rest or "--help" in rest:
        return _print_help(command)
    if command == "watch":
        return _watch(rest)
    from pipelines.batch import run

    try:
        summary = run(rest)
    except UsageError as error:
        print(f"newsdedup: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("newsdedup: interrupted; the output folder is unchanged", file=sys.stderr)
        return 130
    except Exception as error:  # the runner has logged the details
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(f"newsdedup: the pipeline failed, output unchanged: {first_line}", file=sys.stderr)
        return EXIT_FAILED
    print(summary.render())
    return EXIT_OK


def _watch(argv: list[str]) -> int:
    from pipelines.watch import run as watch

    try:
        files = watch(argv)
    except UsageError as error:
        print(f"newsdedup: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # the runner has logged the details
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(f"newsdedup: the streaming pipeline failed: {first_line}", file=sys.stderr)
        return EXIT_FAILED
    print(f"newsdedup watch stopped after reading {files} new file(s)")
    return EXIT_OK


def _print_help(command: str) -> int:
    from pipelines.options import all_options_parser

    if command == "watch":
        import pipelines.watch  # noqa: F401  registers WatchOptions with the parser
    all_options_parser(prog=f"newsdedup {command}").print_help()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
