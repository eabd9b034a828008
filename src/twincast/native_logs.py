"""Silence C++ libraries (mediapipe, TFLite) that write start-up chatter straight to fd 2.

Python-level logging settings cannot reach them, so the file descriptor itself is pointed at
/dev/null for the duration; twincast's own messages go through rich/logging afterwards.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def _fd2_to_devnull():
    """fd 2 pointed at /dev/null; yields a duplicate of the original fd 2 (None if fd 2 cannot
    be duplicated, e.g. under a test runner without one: then nothing is redirected)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield None
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield saved
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextlib.contextmanager
def quiet_stderr():
    if os.environ.get("TWINCAST_DEBUG"):
        yield
        return
    with _fd2_to_devnull():
        yield


@contextlib.contextmanager
def native_stderr_hidden():
    """For a long run with a progress display: C/C++ writes to fd 2 (mediapipe's ``W0000 ...
    inference_feedback_manager`` lines, which come on the first frames it processes, not at
    start-up) go to /dev/null for the whole run, while Python's ``sys.stderr`` (rich progress,
    warnings, errors) keeps reaching the terminal through a duplicate of the original fd 2.
    :func:`quiet_stderr` cannot do this: it silences Python's writes too, so it can only wrap
    short model loads, not the run the progress bar follows."""
    if os.environ.get("TWINCAST_DEBUG"):
        yield
        return
    with _fd2_to_devnull() as saved:
        if saved is None:
            yield
            return
        python_side = open(saved, "w", buffering=1, encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
                           errors="backslashreplace", closefd=False)
        previous, sys.stderr = sys.stderr, python_side
        try:
            yield
        finally:
            sys.stderr = previous
            python_side.close()  # flushes into the saved fd before it is restored
