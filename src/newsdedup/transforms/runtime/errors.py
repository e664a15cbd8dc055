"""Errors that end a run with a one-line message instead of a traceback."""


class UsageError(Exception):
    """The command line or the environment is wrong; the message says how to fix it."""
