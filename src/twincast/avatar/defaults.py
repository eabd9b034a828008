"""The embedded default avatar, derived at set-up time from a public-domain photo.

The photo is the US Navy's official portrait of Rear Admiral Grace Hopper (public domain,
shipped inside matplotlib as sample data). It only demonstrates the software; real use needs
the depicted person's consent, and every output keeps its AI label.
"""

from __future__ import annotations

from pathlib import Path

from .. import paths

DEFAULT_NAME = "default"
ASSISTANT_NAME = "assistant"
ASSISTANT_CREDIT = ("Eileen Collins, NASA portrait (public domain), via scikit-image sample data, upscaled 2x; "
                    "demonstration only")
PHOTO_CREDIT = ("Grace Hopper, official US Navy portrait (public domain), via matplotlib sample data; "
                "demonstration only")


def default_photo() -> Path:
    import matplotlib.cbook as cbook

    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def _stale(path: Path) -> bool:
    """A cached default built before the rig gained controls (e.g. gaze) is rebuilt: a user's
    own old .twin still works without them, but the demo should show everything."""
    if not path.exists():
        return True
    import json
    import zipfile

    from .build import BUILD_VERSION
    from .model import CONTROLS

    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return True
    # also rebuilt: a default made before the build added something (e.g. the background plate)
    return (tuple(manifest.get("controls", ())) != CONTROLS
            or manifest.get("meta", {}).get("build_version", 1) < BUILD_VERSION)


def default_avatar_path() -> Path:
    """Path of the default ``.twin``, building it on first use (about a second)."""
    path = paths.home() / "avatars" / f"{DEFAULT_NAME}.twin"
    if _stale(path):
        from .build import build_from_photo

        model = build_from_photo(default_photo(), name="Grace (demo)")
        model.meta["voice_preset"] = "female"
        model.meta["credit"] = PHOTO_CREDIT
        model.save(path)
    return path


def default_assistant_path() -> Path:
    """The demo assistant host: NASA's public-domain astronaut portrait, upscaled 2x because
    its face (~90 px) is below the 120 px a photo avatar needs."""
    path = paths.home() / "avatars" / f"{ASSISTANT_NAME}.twin"
    if _stale(path):
        import cv2

        from ..evaluation.reference_media import astronaut
        from .build import build_from_photo

        src = cv2.imread(str(astronaut()), cv2.IMREAD_COLOR)
        big = cv2.resize(src, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        sharp = cv2.addWeighted(big, 1.5, cv2.GaussianBlur(big, (0, 0), 2.0), -0.5, 0)
        photo = paths.home() / "media" / "astronaut_2x.png"
        photo.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(photo), sharp)
        model = build_from_photo(photo, name="Eileen (demo assistant)")
        model.meta["voice_preset"] = "female"
        model.meta["credit"] = ASSISTANT_CREDIT
        model.save(path)
    return path
