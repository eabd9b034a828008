"""The face renderer: one avatar, per-frame control vector in, RGB canvas out.

A frame is two backward maps composed, then one remap of the person layer:

* expressions (mouth, brows, blinks, smile, gaze) move pixels in the *frontal* face, as a
  weighted sum of precomputed fields (fields.py);
* the head pose maps each output pixel to the frontal pixel it shows, through the 3D head
  proxy (pose3d.py). Composing the two applies visemes on the face before it is turned, so
  the lips stay right at every angle.

The warped person is laid over the filled background plate with its warped matte (layers.py),
so a turned head reveals background instead of stretched hair, and lit by the relight preset
(relight.py). Lids and the mouth interior are painted at the landmarks moved the same way.

Pure with respect to its inputs (the same controls always give the same pixels), so frames
can be rendered in any order or in parallel workers.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..avatar import topology as T
from ..avatar.model import AvatarModel
from . import layers
from .eyes import LidPainter
from .fields import build_fields
from .mouth import MouthPainter
from .pose3d import POSE_CONTROLS, pose_maps, rotate
from .relight import DEFAULT_RELIGHT, GAIN_RES, Relighter, check_preset

RENDER_ONLY = ("teeth", "tongue")


def background_plate(model: AvatarModel, canvas: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """The stored background fill, or one made now for a .twin built before plates existed."""
    blob = model.extras.get(layers.PLATE_EXTRA)
    plate = layers.decode_png(blob) if blob else None
    if plate is None or plate.shape != canvas.shape:
        plate = layers.fill_background(canvas, matte)
    return plate


class FaceRenderer:
    pure = True  # the same controls always give the same pixels (module docstring)

    def __init__(self, model: AvatarModel, relight: str | None = None) -> None:
        self.model = model
        self.size = size = model.render_size
        canvas = np.ascontiguousarray(model.canvas_image)
        self.controls: tuple[str, ...] = tuple(model.rig.controls) + RENDER_ONLY
        self._fields = build_fields(model.rig, size)
        self._n_rig = len(model.rig.controls)
        self._pose_idx = [self.controls.index(n) if n in self.controls else -1 for n in POSE_CONTROLS]
        self.source_mask = layers.canvas_matte(model)
        self._pose = pose_maps(model.landmarks, self.source_mask, size)
        fill = background_plate(model, canvas, self.source_mask)
        self.source_mask = layers.refine_matte(canvas, self.source_mask, fill)
        # the layer alpha also carries what the plate left out near the outline (a halo); a
        # cut-out onto another background takes the person's matte proper (``source_mask``)
        person, self.plate, layer_alpha = layers.split(canvas, self.source_mask, fill)
        self.relight = check_preset(relight or model.meta.get("relight", DEFAULT_RELIGHT))
        self._light = Relighter(self.relight, self._pose.proxy)
        self.person = np.ascontiguousarray(self._light.relit(person, model.landmarks, self.source_mask))
        self.layer_alpha = layer_alpha  # the person layer's alpha over ``plate``, frontal
        self._person_rgba = np.ascontiguousarray(np.dstack([self.person, layer_alpha]))  # one remap for both
        self._person_cut = np.ascontiguousarray(np.dstack([self.person, self.source_mask]))
        alpha = layer_alpha.astype(np.float32) * np.float32(1 / 255)
        # what the neutral frontal pose shows: the photo itself, relit if a preset is chosen
        self.source = cv2.blendLinear(self.person, self.plate, alpha, 1 - alpha)
        self.mask = self.source_mask.copy()
        ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
        # the identity map as one two-channel array: the frame's map is offsets + this in one
        # OpenCV add, and remap takes it as is (two float maps cut from numpy's strided
        # channel views cost two slow copies a frame)
        self._grid = np.ascontiguousarray(np.dstack([xs, ys]))
        self._half = self._half_fields(size)
        res = self._pose.proxy.res
        self._expr = np.zeros((res, res, 2), np.float32)
        hj = np.arange(res, dtype=np.float32)
        self._hx, self._hy = np.meshgrid(hj, hj)
        regions = model.regions
        self._upper = np.array(regions["upper_inner"])
        self._lower = np.array(regions["lower_inner"])
        self._lm_disp = model.rig.displacements[:, :model.rig.n_landmarks]  # (K, 478, 2)
        self._lm = model.landmarks[:, :2]
        self._depth = -model.landmarks[:, 2].astype(np.float64)
        colours = model.colors
        if self.relight != "none":  # the mouth interior takes the relit skin and lip colours
            from ..avatar.build import sample_colours

            colours = sample_colours(self.source, model.landmarks)
        mw = float(np.linalg.norm(self._lm[T.MOUTH_RIGHT] - self._lm[T.MOUTH_LEFT]))
        from ..avatar.neutral import TEETH_EXTRA, decode_rgba

        blob = model.extras.get(TEETH_EXTRA)
        self._painter = MouthPainter(colours["lip"], colours["skin"], mw,
                                     decode_rgba(blob) if blob else None)
        self._lids = LidPainter()
        self._eyes = [(model.rig.index(name), np.array(regions[f"{side}_upper"]), np.array(regions[f"{side}_lower"]))
                      for name, side in (("blink_r", "right"), ("blink_l", "left"))]
        self._rest = np.zeros(len(self.controls), np.float32)
        for name, value in model.rest.items():
            self._rest[self.controls.index(name)] = value
        step = size // GAIN_RES
        self._gain_step = step
        jaw_map = model.meta.get("jaw_map")  # avatar/calibrate.py: jaw_curve
        self._jaw = self.controls.index("jaw") if jaw_map and "jaw" in self.controls else -1
        self._jaw_map = (np.asarray(jaw_map["asked"], np.float64), np.asarray(jaw_map["rendered"], np.float64)) if jaw_map else None

    def _mapped(self, controls: np.ndarray) -> np.ndarray:
        """``controls`` with the jaw as this face opens it (the avatar's calibrated jaw map):
        every jaw value opens the same share of the face on every avatar. Past the map's last
        value, its last ratio; closed and pressed (<= 0) values are left as they are."""
        if self._jaw < 0 or controls[self._jaw] <= 0:
            return controls
        asked, rendered = self._jaw_map
        j = float(controls[self._jaw])
        out = controls.copy()
        out[self._jaw] = np.interp(j, asked, rendered) if j <= asked[-1] else j * rendered[-1] / asked[-1]
        return out

    def _half_fields(self, size: int) -> list[tuple[int, int, int, int, int, np.ndarray]]:
        """The expression fields at the pose proxy's half resolution (they are computed at half
        resolution anyway), as (control, y0, y1, x0, x1, (h, w, 2) offsets): a frame composes
        its maps at 256x256 and upsamples once, four times less work than at full size."""
        out = []
        res = self._pose.proxy.res
        for k, f in enumerate(self._fields):
            if f is None:
                continue
            full = np.zeros((size, size, 2), np.float32)
            full[f.y0:f.y1, f.x0:f.x1, 0], full[f.y0:f.y1, f.x0:f.x1, 1] = f.dx, f.dy
            half = cv2.resize(full, (res, res), interpolation=cv2.INTER_AREA)
            rows, cols = np.nonzero(np.abs(half).max(2) > 1e-3)
            if len(rows):
                y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
                out.append((k, y0, y1, x0, x1, np.ascontiguousarray(half[y0:y1, x0:x1])))
        return out

    def _pose_of(self, controls: np.ndarray) -> tuple[float, float, float]:
        vals = [float(controls[i]) if i >= 0 else 0.0 for i in self._pose_idx]
        return self._pose.clamp(*vals)

    def _posed(self, pts: np.ndarray, idx: np.ndarray, pose: tuple[float, float, float]) -> np.ndarray:
        """Frontal (expression-moved) landmark positions turned with the head."""
        if not any(abs(v) > 1e-3 for v in pose):
            return pts
        p3 = np.column_stack([pts.astype(np.float64), self._depth[idx]])
        return rotate(p3, self._pose.proxy.pivot, *pose)[:, :2].astype(np.float32)

    def _frontal(self, c: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Landmarks moved by the expression controls (head controls excluded), frontal."""
        c = c[:self._n_rig].astype(np.float32).copy()
        for i in self._pose_idx:
            if 0 <= i < self._n_rig:
                c[i] = 0.0
        return self._lm[idx] + np.tensordot(c, self._lm_disp[:, idx], axes=1)

    def landmarks_for(self, controls: np.ndarray) -> np.ndarray:
        """Moved landmark positions (2D, canvas px) for ``controls``, head pose included."""
        c = self._mapped(controls) + self._rest
        idx = np.arange(len(self._lm))
        return self._posed(self._frontal(c, idx), idx, self._pose_of(c))

    def render(self, controls: np.ndarray, with_mask: bool = False, cutout: bool = False) -> np.ndarray:
        """``controls``: float vector in the order of ``self.controls`` (relative to the
        avatar's neutral pose). With ``with_mask`` the person matte is warped the same way
        and left in ``self.mask``, for cutting the person out onto another background; with
        ``cutout`` as well, the caller uses only the pixels under the matte, so the filled
        background is not blended in (a millisecond a frame the live stage needs). The matte
        is the person's own (``source_mask``), without the halo of the photo's background
        that the layer alpha carries along the outline for the renderer's own plate."""
        controls = self._mapped(controls) + self._rest
        pose = self._pose_of(controls)
        expr = self._expr
        expr.fill(0.0)
        for k, y0, y1, x0, x1, field in self._half:
            c = float(controls[k])
            if abs(c) >= 1e-4:
                expr[y0:y1, x0:x1] += c * field
        if any(abs(v) > 1e-3 for v in pose):
            # expression first (frontal face), then the head turn: the turned map says which
            # frontal pixel each output pixel shows, and the expression moves that pixel
            off = self._pose.proxy_offsets(*pose)
            sx = self._hx + off[..., 0] * np.float32(0.5)
            sy = self._hy + off[..., 1] * np.float32(0.5)
            off += cv2.remap(expr, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        else:
            off = expr
        full = cv2.resize(off, (self.size, self.size), interpolation=cv2.INTER_LINEAR)
        mxy = cv2.add(full, self._grid, dst=full)  # (size, size, 2): x and y of the pixel each shows
        cut = with_mask and cutout
        both = cv2.remap(self._person_cut if cut else self._person_rgba, mxy, None, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
        # OpenCV's channel split: numpy copying a strided channel slice costs ~25x more
        # (3-6 ms a frame per actor, the largest single item of a live frame)
        out, matte = cv2.cvtColor(both, cv2.COLOR_RGBA2RGB), cv2.extractChannel(both, 3)
        self._paint_lids(out, controls, pose)
        idx = np.concatenate([self._upper, self._lower])
        moved = self._posed(self._frontal(controls, idx), idx, pose)
        n = len(self._upper)
        self._painter.paint(out, moved[:n], moved[n:], teeth=float(controls[self._n_rig]),
                            tongue=float(controls[self._n_rig + 1]))
        gain = self._light.frame_gain(*pose)
        if gain is not None:
            out = self._apply_gain(out, gain, mxy)
        if cut:
            self.mask = matte
            return out
        if with_mask:  # the matte proper, not the layer alpha (see __init__): one more remap
            self.mask = cv2.remap(self.source_mask, mxy, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        alpha = matte.astype(np.float32) * np.float32(1 / 255)
        out = cv2.blendLinear(out, self.plate, alpha, 1 - alpha)
        return out

    def _apply_gain(self, out: np.ndarray, gain: np.ndarray, mxy: np.ndarray) -> np.ndarray:
        """The relight gain is defined on the frontal face; it reaches the output through the
        same map, sampled at the centre of every ``step`` x ``step`` block, then upsampled
        (as three channels from the small map: the same values as one channel upsampled and
        merged, without a full-size merge)."""
        s = self._gain_step
        gx = np.ascontiguousarray((mxy[s // 2::s, s // 2::s, 0] - (s - 1) / 2) / s)
        gy = np.ascontiguousarray((mxy[s // 2::s, s // 2::s, 1] - (s - 1) / 2) / s)
        g = cv2.remap(gain, gx, gy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        g = cv2.resize(cv2.merge([g, g, g]), (self.size, self.size), interpolation=cv2.INTER_LINEAR)
        return cv2.multiply(out, g, dtype=cv2.CV_8U)

    def _paint_lids(self, out: np.ndarray, controls: np.ndarray, pose: tuple[float, float, float]) -> None:
        """Lids are painted over the eye opening as it would be without the blink (head motion
        and brows still move it), from its upper edge down by the blink amount."""
        for k, up, lo in self._eyes:
            amount = float(controls[k])
            if amount < 0.05:
                continue
            c = controls.copy()
            for kk, _, _ in self._eyes:
                c[kk] = 0.0
            idx = np.concatenate([up, lo])
            pts = self._posed(self._frontal(c, idx), idx, pose)
            self._lids.paint(out, pts[:len(up)], pts[len(up):], min(amount, 1.0))
