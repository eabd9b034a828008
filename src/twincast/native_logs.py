"""Silence C++ libraries (mediapipe, TFLite) that write start-up chatter straight to fd 2.

Python-level logging settings cannot reach them, so the file descriptor itself is pointed at
/dev/null for the duration; twincast's own messages go through rich/logging afterwards.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def quiet_stderr():
    if os.environ.get("TWINCAST_DEBUG"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
