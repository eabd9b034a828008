"""The face renderer: one avatar, per-frame control vector in, RGB canvas out.

Pure with respect to its inputs (the same controls always give the same pixels), so frames
can be rendered in any order or in parallel workers.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..avatar import topology as T
from ..avatar.model import AvatarModel
from .fields import build_fields
from .eyes import LidPainter
from .mouth import MouthPainter

RENDER_ONLY = ("teeth", "tongue")


class FaceRenderer:
    def __init__(self, model: AvatarModel) -> None:
        self.model = model
        self.size = model.render_size
        self.source = np.ascontiguousarray(model.canvas_image)
        self.controls: tuple[str, ...] = tuple(model.rig.controls) + RENDER_ONLY
        self._fields = build_fields(model.rig, self.size)
        ys, xs = np.mgrid[0:self.size, 0:self.size].astype(np.float32)
        self._grid_x, self._grid_y = xs, ys
        self._map_x = np.empty_like(xs)
        self._map_y = np.empty_like(ys)
        lm_disp = model.rig.displacements[:, :model.rig.n_landmarks]
        regions = model.regions
        self._upper = np.array(regions["upper_inner"])
        self._lower = np.array(regions["lower_inner"])
        self._lip_disp = lm_disp  # (K, 478, 2)
        self._lm = model.landmarks[:, :2]
        mw = float(np.linalg.norm(self._lm[T.MOUTH_RIGHT] - self._lm[T.MOUTH_LEFT]))
        self._painter = MouthPainter(model.colors["lip"], model.colors["skin"], mw)
        self._n_rig = len(model.rig.controls)
        self._lids = LidPainter()
        self._eyes = [(model.rig.index(name), np.array(regions[f"{side}_upper"]), np.array(regions[f"{side}_lower"]))
                      for name, side in (("blink_r", "right"), ("blink_l", "left"))]
        self._rest = np.zeros(len(self.controls), np.float32)
        for name, value in model.rest.items():
            self._rest[self.controls.index(name)] = value
        x0, y0, side = model.canvas_box
        if model.mask is not None:
            crop = model.mask[y0:y0 + side, x0:x0 + side]
            self.source_mask = cv2.resize(crop, (self.size, self.size), interpolation=cv2.INTER_AREA)
        else:
            self.source_mask = np.full((self.size, self.size), 255, np.uint8)
        self.mask = self.source_mask.copy()

    def landmarks_for(self, controls: np.ndarray) -> np.ndarray:
        """Forward-moved landmark positions (exact at the rig vertices)."""
        c = (controls + self._rest)[:self._n_rig].astype(np.float32)
        return self._lm + np.tensordot(c, self._lip_disp, axes=1)

    def render(self, controls: np.ndarray, with_mask: bool = False) -> np.ndarray:
        """``controls``: float vector in the order of ``self.controls`` (relative to the
        avatar's neutral pose). With ``with_mask`` the person matte is warped the same way
        and left in ``self.mask``, for cutting the person out onto another background."""
        controls = controls + self._rest
        np.copyto(self._map_x, self._grid_x)
        np.copyto(self._map_y, self._grid_y)
        for k, field in enumerate(self._fields):
            c = float(controls[k])
            if field is None or abs(c) < 1e-4:
                continue
            sl = (slice(field.y0, field.y1), slice(field.x0, field.x1))
            self._map_x[sl] += c * field.dx
            self._map_y[sl] += c * field.dy
        out = cv2.remap(self.source, self._map_x, self._map_y, cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
        if with_mask:
            self.mask = cv2.remap(self.source_mask, self._map_x, self._map_y, cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
        self._paint_lids(out, controls)
        moved = self._moved_lips(controls)
        self._painter.paint(out, moved[0], moved[1],
                            teeth=float(controls[self._n_rig]), tongue=float(controls[self._n_rig + 1]))
        return out

    def _paint_lids(self, out: np.ndarray, controls: np.ndarray) -> None:
        """Lids are painted over the eye opening as it would be without the blink (head motion
        and brows still move it), from its upper edge down by the blink amount."""
        for k, up, lo in self._eyes:
            amount = float(controls[k])
            if amount < 0.05:
                continue
            c = controls[:self._n_rig].astype(np.float32).copy()
            for kk, _, _ in self._eyes:
                c[kk] = 0.0
            idx = np.concatenate([up, lo])
            pts = self._lm[idx] + np.tensordot(c, self._lip_disp[:, idx], axes=1)
            self._lids.paint(out, pts[:len(up)], pts[len(up):], min(amount, 1.0))

    def _moved_lips(self, controls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = controls[:self._n_rig].astype(np.float32)
        idx = np.concatenate([self._upper, self._lower])
        moved = self._lm[idx] + np.tensordot(c, self._lip_disp[:, idx], axes=1)
        n = len(self._upper)
        return moved[:n], moved[n:]
