"""One error type for everything a user can cause.

The CLI catches :class:`TwincastError` and prints ``problem`` and ``fix`` without a traceback,
so every check on user input raises it with both halves filled in.
"""

from __future__ import annotations


class TwincastError(Exception):
    """A problem the user can fix: what went wrong, and what to do about it."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(problem if not fix else f"{problem}\n  fix: {fix}")
        self.problem = problem
        self.fix = fix
