"""Where twincast keeps files it derives at set-up time (converted models, caches).

Nothing here downloads: set-up (``./run``) fills these folders from installed packages.
``TWINCAST_HOME`` overrides the location; ``./run`` points it at ``.cache/`` in the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    root = os.environ.get("TWINCAST_HOME")
    path = Path(root) if root else Path.home() / ".cache" / "twincast"
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    path = home() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_assets() -> Path:
    return Path(__file__).resolve().parent / "assets"
