"""The photo-and-matte placement the short-video templates use (``video/layers.py``).

Kept apart from the show's stage (``stage.py``, ``stage_actor.py``), which now places actors
from layout files with their bodies continued and moving; the templates fade the photo's
bottom themselves and need only this: the scaled photo, its matte and the face square.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..avatar.model import AvatarModel


@dataclass(frozen=True)
class Spot:
    """Where an actor's face goes: centre (``cx``, ``cy``) and face height, as fractions of the
    frame; ``window`` = a framed picture-in-picture of the face square instead of a cut-out."""

    cx: float
    cy: float
    face: float
    window: bool = False


class _Placed:
    """One actor at one spot: scaled photo+matte and where its animated square lands."""

    def __init__(self, model: AvatarModel, spot: Spot, w: int, h: int) -> None:
        x0, y0, side = model.canvas_box
        to_img = side / model.render_size
        lm = model.landmarks[:, :2] * to_img + (x0, y0)
        face_h = float(lm[:, 1].max() - lm[:, 1].min())
        centre = lm.mean(0)
        self.window = spot.window
        if spot.window:
            size = int(spot.face * h)
            self.rect = (int(spot.cx * w - size / 2), int(spot.cy * h - size / 2), size, size)
            self.bottom = 0
            return
        img = model.image
        k = spot.face * h / face_h
        pw, ph = max(1, int(img.shape[1] * k)), max(1, int(img.shape[0] * k))
        self.x, self.y = int(spot.cx * w - centre[0] * k), int(spot.cy * h - centre[1] * k)
        self.bottom = self.y + ph
        self.rgb = cv2.resize(img, (pw, ph), interpolation=cv2.INTER_AREA)
        matte = model.mask if model.mask is not None else np.full(img.shape[:2], 255, np.uint8)
        self.matte = cv2.resize(matte, (pw, ph), interpolation=cv2.INTER_AREA).astype(np.float32)[..., None] / 255
        self.rect = (self.x + int(x0 * k), self.y + int(y0 * k), max(1, int(side * k)), max(1, int(side * k)))
