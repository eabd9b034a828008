"""Broadcast composition: the animated face canvas placed into a vertical frame.

The photo is laid on a static *plate* once (scaled to the frame width, the rest filled with a
blurred, dimmed copy of itself); per frame only the canvas square is pasted back, feathered
at its edge. Because the canvas border never moves in the rig, the paste is seamless.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..avatar.model import AvatarModel
from .text_overlay import blend, text_patch

AI_LABEL = "AI生成 · AI-generated"


@dataclass(frozen=True)
class Layout:
    width: int = 720
    height: int = 1280
    photo_top: float = 0.12  # fraction of height above the photo
    ai_label: bool = True
    subtitles: bool = True

    @property
    def scale(self) -> float:
        return self.width / 720


class Compositor:
    def __init__(self, model: AvatarModel, layout: Layout = Layout()) -> None:
        self.layout = layout
        w, h = layout.width, layout.height
        img = model.image
        k = w / img.shape[1]
        ph = int(round(img.shape[0] * k))
        photo = cv2.resize(img, (w, ph), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
        cover = max(w / img.shape[1], h / img.shape[0])
        bg = cv2.resize(img, (int(img.shape[1] * cover) + 1, int(img.shape[0] * cover) + 1))
        oy, ox = (bg.shape[0] - h) // 2, (bg.shape[1] - w) // 2
        bg = cv2.GaussianBlur(bg[oy:oy + h, ox:ox + w], (0, 0), 25 * layout.scale)
        plate = (bg.astype(np.float32) * 0.45).astype(np.uint8)
        top = int(layout.photo_top * h) if ph < h else (h - ph) // 2
        self.photo_y = top
        y0, y1 = max(top, 0), min(top + ph, h)
        fade = self._edge_fade(ph, int(40 * layout.scale))[y0 - top:y1 - top]
        region = plate[y0:y1].astype(np.float32)
        plate[y0:y1] = (region + (photo[y0 - top:y1 - top] - region) * fade).astype(np.uint8)
        self.plate = plate
        x0c, y0c, side = model.canvas_box
        self.canvas_xy = (int(round(x0c * k)), int(round(y0c * k)) + top)
        self.canvas_px = int(round(side * k))
        self._band = max(4, self.canvas_px // 24)
        self._feather = self._square_feather(self.canvas_px, self._band)
        self._label = text_patch(AI_LABEL, int(26 * layout.scale), w) if layout.ai_label else None
        self._cached_key: tuple | None = None
        self._cached_plate = self.plate

    @staticmethod
    def _edge_fade(height: int, band: int) -> np.ndarray:
        ramp = np.ones(height, np.float32)
        r = np.linspace(0, 1, band, dtype=np.float32)
        ramp[:band] = r
        ramp[-band:] = r[::-1]
        return ramp[:, None, None]

    @staticmethod
    def _square_feather(size: int, band: int) -> np.ndarray:
        r = np.minimum(np.arange(size), np.arange(size)[::-1]).astype(np.float32)
        ramp = np.clip(r / band, 0, 1)
        return np.minimum(ramp[:, None], ramp[None, :])[..., None]

    def _overlays(self, subtitle: str | None) -> list[tuple[object, int, int]]:
        lay, (h, w) = self.layout, self.plate.shape[:2]
        out = []
        if self._label is not None:
            out.append((self._label, w - self._label.size[0] - int(16 * lay.scale), int(16 * lay.scale)))
        if subtitle and lay.subtitles:
            patch = text_patch(subtitle, int(34 * lay.scale), int(w * 0.9))
            out.append((patch, (w - patch.size[0]) // 2, int(h * 0.80)))
        return out

    def _base(self, subtitle: str | None) -> tuple[np.ndarray, list]:
        """The plate with the label and subtitle already drawn, when they do not touch the
        animated square (the usual case): then a frame costs one copy and one paste."""
        overlays = self._overlays(subtitle)
        x, y, s = *self.canvas_xy, self.canvas_px
        apart = [o[2] >= y + s or o[2] + o[0].size[1] <= y or o[1] >= x + s or o[1] + o[0].size[0] <= x
                 for o in overlays]
        clear = [o for o, ok in zip(overlays, apart) if ok]
        key = (subtitle, tuple(apart))
        if self._cached_key != key:
            plate = self.plate.copy()
            for patch, px, py in clear:
                blend(plate, patch, px, py)
            self._cached_key, self._cached_plate = key, plate
        return self._cached_plate, [o for o, ok in zip(overlays, apart) if not ok]

    def compose(self, canvas: np.ndarray, subtitle: str | None = None) -> np.ndarray:
        base, late = self._base(subtitle)
        frame = base.copy()
        x, y = self.canvas_xy
        s = self.canvas_px
        face = cv2.resize(canvas, (s, s), interpolation=cv2.INTER_LINEAR)
        h, w = frame.shape[:2]
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + s, w), min(y + s, h)
        b = self._band
        # the interior is copied; only the feathered band is blended (most of the cost saved)
        frame[y0 + b:y1 - b, x0 + b:x1 - b] = face[y0 - y + b:y1 - y - b, x0 - x + b:x1 - x - b]
        for rows, cols in ((slice(y0, y0 + b), slice(x0, x1)), (slice(y1 - b, y1), slice(x0, x1)),
                           (slice(y0 + b, y1 - b), slice(x0, x0 + b)), (slice(y0 + b, y1 - b), slice(x1 - b, x1))):
            src = face[rows.start - y:rows.stop - y, cols.start - x:cols.stop - x].astype(np.float32)
            alpha = self._feather[rows.start - y:rows.stop - y, cols.start - x:cols.stop - x]
            roi = frame[rows, cols].astype(np.float32)
            frame[rows, cols] = (roi + (src - roi) * alpha).astype(np.uint8)
        for patch, px, py in late:  # overlays that sit on the face square go on top of it
            blend(frame, patch, px, py)
        return frame
