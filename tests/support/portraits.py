"""A portrait of the set by name, or a skip when its package is not installed (photos come
from packages at run time and are never committed: evaluation/portraits.py)."""

from __future__ import annotations

import pytest

from twincast.errors import TwincastError


def portrait_or_skip(name: str):
    from twincast.evaluation.portraits import PORTRAITS, portrait_path

    try:
        return portrait_path(next(p for p in PORTRAITS if p.name == name))
    except TwincastError as exc:
        pytest.skip(f"portrait unavailable: {exc}")
