"""Synthesised mouth interior: cavity, upper and lower teeth, tongue.

A warp can only stretch what the photo shows; a closed-mouth photo has no teeth to stretch,
so the opening between the moved inner lips is painted here instead. Colours come from the
avatar's own lip and skin samples so the interior sits in the photo's lighting.
"""

from __future__ import annotations

import cv2
import numpy as np


def _curve(points: np.ndarray, xs: np.ndarray) -> np.ndarray:
    order = np.argsort(points[:, 0])
    return np.interp(xs, points[order, 0], points[order, 1])


def _soften_strip(tex: np.ndarray) -> np.ndarray:
    """The photo's teeth strip with its ends faded into the cavity (issue 19, item 3): they are
    the dark corners of the photo's mouth (the buccal corridor), which on a small, upscaled
    face hung as dark shapes at the mouth corners; the outer eighth fades out and the painted
    cavity (darker toward the corners) shows there. Its lower edge is left as it is: fading
    each column's last rows (tried: the lowest eighth to a third) cut into the incisal edges
    and gave pointed, gap-toothed teeth, worse than the thin line it removed."""
    out = tex.copy()
    w = out.shape[1]
    rel = np.abs(np.arange(w, dtype=np.float32) - 0.5 * (w - 1)) / max(0.5 * (w - 1), 1.0)
    out[..., 3] *= np.clip((1.0 - rel) / 0.12, 0, 1)[None, :]
    return np.ascontiguousarray(out)


class MouthPainter:
    def __init__(self, lip_rgb: list[float], skin_rgb: list[float], mouth_width: float,
                 teeth_texture: np.ndarray | None = None) -> None:
        lip = np.array(lip_rgb, np.float32)
        skin = np.array(skin_rgb, np.float32)
        light = float(np.clip(skin.mean() / 0.55, 0.55, 1.25))
        self.cavity = np.array([0.20, 0.07, 0.07], np.float32) * light
        self.tongue = np.clip(lip * np.array([0.85, 0.55, 0.6], np.float32), 0, 1) * min(light, 1.0)
        self.teeth = np.array([0.86, 0.80, 0.70], np.float32) * min(light, 1.05)
        self.mouth_width = mouth_width
        self.gaps = np.array([0.0, 0.12, 0.23, 0.33], np.float32)  # incisor edges, fraction of width
        # the photo's own teeth (RGBA strip, avatar/neutral.py): they replace the painted upper
        # teeth and hang from the upper lip at the photo's scale
        self.tex = None
        if teeth_texture is not None:
            self.tex = _soften_strip(teeth_texture.astype(np.float32) / 255.0)

    def paint(self, canvas: np.ndarray, upper: np.ndarray, lower: np.ndarray,
              teeth: float = 0.0, tongue: float = 0.0) -> None:
        """Paint in place into ``canvas`` (uint8 RGB) between the inner-lip curves.

        ``upper``/``lower``: (N, 2) inner-lip points from corner to corner.
        """
        poly = np.concatenate([upper, lower[::-1]])
        x0, y0 = np.floor(poly.min(0)).astype(int) - 2
        x1, y1 = np.ceil(poly.max(0)).astype(int) + 3
        h, w = canvas.shape[:2]
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 3 or y1 - y0 < 2:
            return
        xs = np.arange(x0, x1, dtype=np.float32) + 0.5
        yu = _curve(upper, xs)
        yl = _curve(lower, xs)
        gap = np.maximum(yl - yu, 0.0)
        if gap.max() < 0.6:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        pts = np.round((poly - [x0, y0]) * 4).astype(np.int32)
        cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA, shift=2)
        alpha = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32)[..., None] / 255.0
        alpha *= np.clip(gap / 1.5, 0, 1)[None, :, None]  # fade in as the lips part

        ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
        cx = 0.5 * (upper[0, 0] + upper[-1, 0])
        half = max(0.5 * abs(upper[-1, 0] - upper[0, 0]), 1.0)
        rel = np.clip((xs - cx) / half, -1, 1)[None, :]
        depth = (ys - yu[None, :]) / np.maximum(gap[None, :], 1.0)  # 0 at upper lip, 1 at lower
        img = np.empty((y1 - y0, x1 - x0, 3), np.float32)
        img[:] = self.cavity
        img *= (0.55 + 0.45 * (1 - np.abs(rel)))[..., None]

        # tongue: a low mound whose front rises with the tongue control (l, n, t, th)
        t_h = gap * (0.28 + 0.35 * tongue)
        t_top = yl - t_h * np.sqrt(np.clip(1 - rel[0] ** 2 / 0.8, 0, 1))
        in_tongue = ys >= t_top[None, :]
        shade = np.clip((ys - t_top[None, :]) / np.maximum(t_h[None, :], 1.0), 0, 1)
        tongue_col = self.tongue[None, None, :] * (0.55 + 0.45 * shade[..., None])
        img = np.where(in_tongue[..., None], tongue_col, img)

        # upper teeth hang from the upper lip; they recede (shorter, darker) toward the corners
        frac = 0.32 + 0.45 * teeth
        t_len = np.minimum(gap * frac, 0.10 * self.mouth_width) * (1 - 0.6 * np.abs(rel[0]) ** 2.5)
        in_teeth = (ys >= yu[None, :]) & (ys <= yu[None, :] + t_len[None, :])
        tooth = np.ones_like(rel) * (1 - 0.55 * np.abs(rel) ** 2)
        for g in self.gaps[1:]:
            for sgn in (-1, 1):
                tooth *= 1 - 0.22 * np.exp(-(((rel - sgn * g) * half) / 0.8) ** 2)
        along = np.clip((ys - yu[None, :]) / np.maximum(t_len[None, :], 1.0), 0, 1)
        tooth = tooth * (0.72 + 0.28 * np.sin(np.pi * np.clip(along * 0.9 + 0.1, 0, 1)))
        if self.tex is None:
            img = np.where(in_teeth[..., None], self.teeth[None, None, :] * tooth[..., None], img)
        else:
            th, tw = self.tex.shape[:2]
            # at the photo's scale across as well, centred: teeth sit on the skull, so a
            # relaxed or widened mouth uncovers more or less of them, never narrower teeth
            u = xs - cx + 0.5 * (tw - 1)
            mx = np.repeat(u[None, :].astype(np.float32), len(ys), axis=0)
            my = (ys - yu[None, :]).astype(np.float32)
            own = cv2.remap(self.tex, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                            borderValue=(0, 0, 0, 0))
            a = own[..., 3:4]
            img = img * (1 - a) + own[..., :3] * a

        # lower teeth: a thin band above the lower lip, mostly on spread shapes
        l_len = np.minimum(gap * 0.16 * teeth, 0.05 * self.mouth_width) * (1 - np.abs(rel[0]) ** 2)
        in_lower = (ys >= yl[None, :] - l_len[None, :]) & (ys <= yl[None, :])
        if self.tex is None:
            img = np.where(in_lower[..., None], self.teeth[None, None, :] * 0.8 * tooth[..., None], img)
        else:
            # never seen in the photo: made from its own upper teeth, upside down (roots at
            # the lower lip), a little shaded, so tone, sharpness and grain are the photo's
            # (a uniform painted band looked like a denture)
            ly = (yl[None, :] - ys).astype(np.float32)
            low = cv2.remap(self.tex, mx, ly, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                            borderValue=(0, 0, 0, 0))
            la = low[..., 3:4] * in_lower[..., None]
            img = img * (1 - la) + 0.82 * low[..., :3] * la

        # soft shadow cast by the upper lip
        img *= (0.65 + 0.35 * np.clip(depth / 0.18, 0, 1))[..., None]
        roi = canvas[y0:y1, x0:x1].astype(np.float32)
        canvas[y0:y1, x0:x1] = np.clip(roi + (img * 255.0 - roi) * alpha, 0, 255).astype(np.uint8)
