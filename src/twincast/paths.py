"""Where twincast keeps files it derives at set-up time (converted models, caches).

Nothing here downloads: set-up (``./run``) fills these folders from installed packages.
``TWINCAST_HOME`` overrides the location; ``./run`` points it at ``.cache/`` in the checkout,
and a checkout's ``.cache/`` is also the default without the variable (``.venv/bin/twincast``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def checkout_cache() -> Path | None:
    """``.cache/`` of the source checkout this package runs from, when ``./run`` made one.

    Why: ``./run`` sets TWINCAST_HOME to it, but the README also says ``.venv/bin/twincast``
    does the same, and without the variable that found no models (Mandarin fell back to
    espeak-ng with a warning). An installed wheel has no checkout around it: then None."""
    root = Path(__file__).resolve().parents[2]  # src/twincast/paths.py -> the checkout
    cache = root / ".cache"
    if (root / "pyproject.toml").is_file() and (root / "src" / "twincast").is_dir() and cache.is_dir():
        return cache
    return None


def home() -> Path:
    """TWINCAST_HOME, else the checkout's ``.cache/`` (made by ``./run``), else
    ``~/.cache/twincast``."""
    root = os.environ.get("TWINCAST_HOME")
    path = Path(root) if root else checkout_cache() or Path.home() / ".cache" / "twincast"
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    path = home() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_assets() -> Path:
    return Path(__file__).resolve().parent / "assets"


def temp_sibling(path: Path, suffix: str = "") -> Path:
    """A temporary name beside ``path``, unique to this process and thread.

    Caches (avatars, warp fields, pose maps) are filled on first use, and several processes
    (batch workers, a test run) may fill the same one at once: each writes its own file and the
    atomic rename lets the last complete one win, where a shared ``NAME.part`` got two writers.
    """
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.part{suffix}")
