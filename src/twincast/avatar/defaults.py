"""The embedded default avatar, derived at set-up time from a public-domain photo.

The photo is the US Navy's official portrait of Rear Admiral Grace Hopper (public domain,
shipped inside matplotlib as sample data). It only demonstrates the software; real use needs
the depicted person's consent, and every output keeps its AI label.
"""

from __future__ import annotations

from pathlib import Path

from .. import paths

DEFAULT_NAME = "default"
PHOTO_CREDIT = ("Grace Hopper, official US Navy portrait (public domain), via matplotlib sample data; "
                "demonstration only")


def default_photo() -> Path:
    import matplotlib.cbook as cbook

    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def default_avatar_path() -> Path:
    """Path of the default ``.twin``, building it on first use (about a second)."""
    path = paths.home() / "avatars" / f"{DEFAULT_NAME}.twin"
    if not path.exists():
        from .build import build_from_photo

        model = build_from_photo(default_photo(), name="Grace (demo)")
        model.meta["voice_preset"] = "female"
        model.meta["credit"] = PHOTO_CREDIT
        model.save(path)
    return path
