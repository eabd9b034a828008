"""An avatar drawn at the size a camera shows it.

A photo avatar's canvas is rendered at ``render_size`` (512 px) and the stage then scales that
square to the face's place in the frame: 550 px in a 720x1280 host close-up, but 395-416 px
in the two-shot, 255 px beside a product and 172 px in a picture-in-picture tile. Warping,
lighting and painting 512x512 pixels to show 172x172 of them spent most of a live room's
rendering on pixels the viewer never sees (and the stage's bilinear shrink by 3x aliased
them). :func:`at_size` makes the same avatar on a smaller canvas: the photo crop is resampled
once with area averaging (so the warp samples a texture at about its own scale), and every
quantity in canvas pixels (landmarks, rig vertices and displacements, the stored background
plate, the teeth strip) is scaled with it. Everything that does not change with size is
shared, so a renderer at each size a show needs costs start-up time, not per-frame time.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2

from ..avatar.model import AvatarModel, Rig
from ..avatar.neutral import TEETH_EXTRA, decode_rgba, encode_rgba
from . import layers

STEP = 16  # canvas sizes are rounded up to a multiple of this: few renderers, none too small
FULL_ABOVE = 0.85  # a face shown at >= 85 % of the canvas is drawn on the full canvas


def size_for(shown_px: float, render_size: int) -> int:
    """The canvas side to draw a face shown ``shown_px`` pixels wide: rounded up (never
    drawn smaller than shown), the full canvas when close to it."""
    if shown_px >= FULL_ABOVE * render_size:
        return render_size
    return int(min(render_size, max(STEP * 4, math.ceil(shown_px / STEP) * STEP)))


def at_size(model: AvatarModel, size: int) -> AvatarModel:
    """``model`` with its canvas drawn at ``size`` pixels (only ever smaller). Video avatars
    are returned as they are: their frames come from footage at its own size."""
    if size >= model.render_size or model.meta.get("kind") == "video":
        return model
    k = size / model.render_size
    rig = Rig(model.rig.vertices * k, model.rig.displacements * k, model.rig.controls, model.rig.n_landmarks)
    extras = dict(model.extras)
    plate = layers.decode_png(extras[layers.PLATE_EXTRA]) if layers.PLATE_EXTRA in extras else None
    if plate is not None:
        extras[layers.PLATE_EXTRA] = layers.encode_png(cv2.resize(plate, (size, size), interpolation=cv2.INTER_AREA))
    teeth = decode_rgba(extras[TEETH_EXTRA]) if TEETH_EXTRA in extras else None
    if teeth is not None:  # hung at the photo's scale: the strip shrinks with the canvas
        th, tw = teeth.shape[:2]
        new = (max(2, round(tw * k)), max(2, round(th * k)))
        extras[TEETH_EXTRA] = encode_rgba(cv2.resize(teeth, new, interpolation=cv2.INTER_AREA))
    return replace(model, render_size=size, landmarks=model.landmarks * k, rig=rig, extras=extras)
