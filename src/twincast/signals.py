"""Ctrl-C and SIGTERM: stop cleanly, say so in one line, exit 130 / 143.

Why: a script that runs ``twincast say`` (or a batch, or a service manager stopping ``twincast
live``) must be able to tell an interrupted run from a finished one. Before this, Ctrl-C on
``say`` could exit 0 with nothing printed and leave ``OUT.mp4.part``.

How: the CLI installs one handler for both signals that raises :class:`Interrupted` in the main
thread. It derives from ``BaseException`` so library code's ``except Exception`` cannot swallow
it (and click does not turn it into a silent ``Abort``), while every ``except BaseException`` /
``finally`` on the way out still runs: writers abort and remove their ``.part``, the live show
closes its recording. The CLI prints one line and exits with 128 + the signal number. A second
signal while cleaning up exits at once (the user insists; a ``.part`` may then remain, and
``twincast batch`` redoes such a job on its next run).
"""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager
from types import FrameType
from typing import Callable, Iterator, Optional

NAMES = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}
_received: list[int] = []
_hooks: list[Callable[[], None]] = []


class Interrupted(BaseException):
    """Raised in the main thread by SIGINT or SIGTERM; ``detail`` may be filled in on the way out."""

    def __init__(self, signum: int, detail: str = "") -> None:
        super().__init__(NAMES.get(signum, f"signal {signum}"))
        self.signum = signum
        self.detail = detail

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum)  # the shell convention: 130 for SIGINT, 143 for SIGTERM

    @property
    def name(self) -> str:
        return NAMES.get(self.signum, f"signal {self.signum}")


def _handler(signum: int, frame: Optional[FrameType]) -> None:
    _received.append(signum)
    if len(_received) > 1:
        os._exit(128 + signum)  # second signal during cleanup: no more waiting
    for hook in list(_hooks):
        try:
            hook()
        except Exception:  # noqa: BLE001 - a failing hook must not stop the interrupt
            pass
    raise Interrupted(signum)


@contextmanager
def on_signal(hook: Callable[[], None]) -> Iterator[None]:
    """Run ``hook`` first when a signal arrives inside this block, before :class:`Interrupted`
    unwinds the stack: e.g. stop worker processes a pool would otherwise wait for."""
    _hooks.append(hook)
    try:
        yield
    finally:
        _hooks.remove(hook)


def install() -> None:
    """Route SIGINT and SIGTERM to :class:`Interrupted` (main thread only, as Python requires)."""
    _received.clear()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _handler)
