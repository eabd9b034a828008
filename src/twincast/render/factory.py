"""Which renderer draws an avatar: the one place that knows every kind of ``.twin``.

Performers, the stage and the live engine ask here instead of naming a renderer class, so a
new avatar kind (a video avatar, say) only adds a branch here and a class with the same small
surface: ``controls`` (names, in the order ``render`` expects), ``render(controls, with_mask, cutout)``
-> RGB canvas of ``model.render_size``, and ``mask`` (the person matte of the last render;
with ``cutout`` only the pixels under it need be right).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..avatar.model import AvatarModel


class AvatarRenderer(Protocol):
    controls: tuple[str, ...]
    mask: np.ndarray
    #: True when the same controls always give the same pixels, so a drawing may be reused
    #: while the controls stand still (show/performance.py); a renderer that plays footage
    #: on from call to call is not pure.
    pure: bool

    def render(self, controls: np.ndarray, with_mask: bool = False, cutout: bool = False) -> np.ndarray: ...


def renderer_for(model: AvatarModel) -> AvatarRenderer:
    if model.meta.get("kind") == "video":  # built from footage: twincast.avatar.video
        from .video_face import VideoFaceRenderer

        return VideoFaceRenderer(model)
    from .face import FaceRenderer

    return FaceRenderer(model)
