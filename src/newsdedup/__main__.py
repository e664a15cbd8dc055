"""`python -m newsdedup` is the `newsdedup` command."""

import sys

from newsdedup.pipelines.cli import main

if __name__ == "__main__":
    sys.exit(main())
