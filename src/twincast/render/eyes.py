"""Painted eyelids for blinks.

Warping alone squeezes the iris into a dark slit instead of covering it (the photo has no
closed-lid pixels to pull from), and a face tracker, like a viewer, then still sees an open eye.
So the lid is painted, swept down from the upper lid to the lower one by the blink amount. Its
texture is the person's own skin from just under the eye, mirrored upward, so it carries the
photo's lighting, grain and even a lens tint; a soft shadow and a lash line finish it.
"""

from __future__ import annotations

import cv2
import numpy as np


def _curve(points: np.ndarray, xs: np.ndarray) -> np.ndarray:
    order = np.argsort(points[:, 0])
    return np.interp(xs, points[order, 0], points[order, 1])


class LidPainter:
    def __init__(self) -> None:
        self.lash = np.array([38, 28, 26], np.float32)

    def paint(self, canvas: np.ndarray, upper: np.ndarray, lower: np.ndarray, amount: float) -> None:
        """Close the eye bounded by ``upper``/``lower`` lid points by ``amount`` (0 open, 1 shut)."""
        if amount < 0.05:
            return
        x0 = int(np.floor(min(upper[:, 0].min(), lower[:, 0].min()))) - 1
        x1 = int(np.ceil(max(upper[:, 0].max(), lower[:, 0].max()))) + 2
        y0 = int(np.floor(upper[:, 1].min())) - 3
        y1 = int(np.ceil(lower[:, 1].max())) + 4
        h, w = canvas.shape[:2]
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 4 or y1 - y0 < 3:
            return
        xs = np.arange(x0, x1, dtype=np.float32) + 0.5
        top = _curve(upper, xs) - 1.0
        bottom = _curve(lower, xs)
        left, right = min(upper[:, 0].min(), lower[:, 0].min()), max(upper[:, 0].max(), lower[:, 0].max())
        inside_x = (xs >= left) & (xs <= right)
        edge = top + amount * (bottom + 1.5 - top)  # where the lid's lash line is now
        ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
        cover = np.clip(edge[None, :] - ys + 0.5, 0, 1) * np.clip(ys - top[None, :] + 0.5, 0, 1)
        cover *= inside_x[None, :]
        span = np.maximum(edge - top, 1.0)[None, :]
        depth = np.clip((ys - top[None, :]) / span, 0, 1)
        # mirror the skin below the lower lid up into the eye opening
        map_y = np.clip(2 * bottom[None, :] + 2.5 - ys, 0, h - 1).astype(np.float32)
        map_x = np.broadcast_to(xs[None, :] - 0.5, map_y.shape).astype(np.float32)
        skin = cv2.remap(canvas, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        colour = skin * (0.97 - 0.15 * depth[..., None])
        lash = np.exp(-((ys - edge[None, :]) / 0.9) ** 2) * inside_x[None, :] * min(1.0, amount * 1.6)
        alpha = np.clip(cover, 0, 1)[..., None]
        alpha = cv2.GaussianBlur(alpha, (3, 3), 0)[..., None] if alpha.shape[0] > 2 else alpha
        roi = canvas[y0:y1, x0:x1].astype(np.float32)
        out = roi + (colour - roi) * alpha
        out = out + (self.lash - out) * (0.7 * lash)[..., None]
        canvas[y0:y1, x0:x1] = np.clip(out, 0, 255).astype(np.uint8)
