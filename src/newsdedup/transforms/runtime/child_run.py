"""Run one function in a child process that can be stopped at once.

`newsdedup watch` runs each micro-batch in a forked child: the parent, which
only polls and waits, can then stop within a second of SIGTERM by killing the
child's process group (its runner's workers included). A killed micro-batch
leaves the output as the last committed one left it (the batch run publishes
atomically) and is done again after a restart. Forking keeps the modules the
parent imported, so a micro-batch starts in milliseconds, and each child's
memory returns to the system when it ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from newsdedup.transforms.runtime.errors import UsageError

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ChildOutcome(Generic[T]):
    """How a child ended: its value, or the kind and first line of its error."""

    value: T | None = None
    error: str | None = None  # "usage", "failed" or "killed"
    message: str = ""


def _die_with_parent() -> None:
    """On Linux, the kernel kills the child when the parent dies (kill -9 too),
    so no orphaned micro-batch runs on beside a restarted watch."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _child_main(function: Callable[[], Any], sender: Connection) -> None:
    with contextlib.suppress(OSError):  # its own group: a terminal's Ctrl-C reaches the parent
        os.setpgid(0, 0)
    _die_with_parent()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    try:
        outcome: ChildOutcome[Any] = ChildOutcome(value=function())
    except UsageError as error:
        outcome = ChildOutcome(error="usage", message=str(error))
    except BaseException as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        traceback.print_exc(file=sys.stderr)
        outcome = ChildOutcome(error="failed", message=f"{type(error).__name__}: {first_line}")
    sender.send(outcome)
    sender.close()


class ChildRun(Generic[T]):
    """`function()` running in a forked child process."""

    def __init__(self, function: Callable[[], T]) -> None:
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_child_main, args=(function, sender), daemon=True)
        self._process.start()
        sender.close()
        # Set on both sides, so that a kill right after the start reaches the group.
        with contextlib.suppress(OSError):
            os.setpgid(self._process.pid or 0, self._process.pid or 0)

    def wait(self, timeout: float) -> ChildOutcome[T] | None:
        """The outcome once the child ended, None while it runs after `timeout` seconds."""
        if self._receiver.poll(timeout):
            try:
                outcome: ChildOutcome[T] = self._receiver.recv()
            except EOFError:  # died without a word
                outcome = self._ended_silently()
            self._process.join()
            return outcome
        if not self._process.is_alive():
            self._process.join()
            return self._ended_silently()
        return None

    def _ended_silently(self) -> ChildOutcome[T]:
        self._process.join()
        code = self._process.exitcode
        return ChildOutcome(error="killed", message=f"the micro-batch process ended with {code}")

    def kill(self) -> None:
        """Kill the child and every process it started, and wait for it."""
        pid = self._process.pid
        if pid is not None and self._process.is_alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            self._process.kill()
        self._process.join()
