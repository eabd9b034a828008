"""Pass 2: cut what the avatar keeps out of the chosen frames, chunk by chunk.

Base-loop frames become canvas JPEGs (head-and-shoulders square at the render size), a person
matte and a small descriptor for the motion graph; mouth-library frames become canonical
lower-face patches with their shape features. Each chunk is a checkpoint file, so an
interrupted build resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ...native_logs import quiet_stderr
from .geometry import STABLE, head_pose, similarity
from .mouth import PatchFrame, canonical_landmarks, extract_patch, shape_features, teeth_area
from .pack import Pack, encode_jpeg, join

MATTE_SIDE = 256
THUMB = 24
BLINK_LIDS = [159, 145, 386, 374]


@dataclass
class Plan:
    """Everything pass 2 needs to know, fixed after pass 1."""

    box: tuple[int, int, int]  # x0, y0, side in upright source pixels
    render_size: int
    rep_canvas: np.ndarray  # (478, 3) representative landmarks in canvas pixels
    patch: PatchFrame
    base: set[int] = field(default_factory=set)
    library: set[int] = field(default_factory=set)
    to_canon: np.ndarray | None = None  # (n, 2, 3) smoothed canvas->canonical similarity per frame

    def to_canvas(self, lm: np.ndarray) -> np.ndarray:
        x0, y0, side = self.box
        k = self.render_size / side
        out = lm.astype(np.float32).copy()
        out[:, 0] = (lm[:, 0] - x0) * k
        out[:, 1] = (lm[:, 1] - y0) * k
        out[:, 2] = lm[:, 2] * k
        return out

    def stored(self, rgb: np.ndarray) -> np.ndarray:
        """The square as kept in the avatar: at the render size, or smaller when the footage
        is smaller (upscaling at build time would only make the file bigger)."""
        x0, y0, side = self.box
        crop = np.ascontiguousarray(rgb[y0:y0 + side, x0:x0 + side])
        if side <= self.render_size:
            return crop
        return cv2.resize(crop, (self.render_size, self.render_size), interpolation=cv2.INTER_AREA)

    def canvas(self, stored: np.ndarray) -> np.ndarray:
        if stored.shape[0] == self.render_size:
            return stored
        return cv2.resize(stored, (self.render_size, self.render_size), interpolation=cv2.INTER_CUBIC)


def smoothed_alignment(plan: Plan, landmarks: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """Per-frame canvas->canonical similarity, smoothed over time inside each clean segment.

    Tracker noise of a pixel would make a pasted mouth swim against its base frame; the head
    itself moves smoothly, so a short temporal filter removes the noise and keeps the motion.
    """
    from scipy.ndimage import gaussian_filter1d

    out = np.zeros((len(landmarks), 2, 3), np.float32)
    for a, b in segments:
        for k in range(a, b):
            lm = plan.to_canvas(landmarks[k])
            out[k] = similarity(lm[STABLE, :2], plan.rep_canvas[STABLE, :2])
        out[a:b] = gaussian_filter1d(out[a:b], 1.2, axis=0, mode="nearest")
    return out


class Extractor:
    def __init__(self, plan: Plan) -> None:
        from mediapipe.python.solutions import selfie_segmentation

        self.plan = plan
        with quiet_stderr():
            self._seg = selfie_segmentation.SelfieSegmentation(model_selection=0)
        rep = plan.rep_canvas
        self._mw = plan.patch.mouth_width
        x, y, w, h = cv2.boundingRect(np.round(rep[:, :2]).astype(np.int32))
        pad = int(0.15 * max(w, h))
        s = plan.render_size
        self._thumb_box = (max(x - pad, 0), max(y - pad, 0), min(x + w + pad, s), min(y + h + pad, s))

    def close(self) -> None:
        self._seg.close()

    def matte(self, canvas: np.ndarray) -> np.ndarray:
        small = cv2.resize(canvas, (MATTE_SIDE, MATTE_SIDE), interpolation=cv2.INTER_AREA)
        m = self._seg.process(small).segmentation_mask
        return (np.clip(cv2.GaussianBlur(m, (0, 0), 1.0), 0, 1) * 255).astype(np.uint8)

    def descriptor(self, canvas: np.ndarray, lm: np.ndarray) -> np.ndarray:
        """Head landmarks (in mouth widths) + a face thumbnail: what a jump must preserve."""
        x0, y0, x1, y1 = self._thumb_box
        gray = cv2.cvtColor(canvas[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
        thumb = cv2.resize(gray, (THUMB, THUMB), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        pts = lm[STABLE + BLINK_LIDS, :2] / self._mw
        return np.concatenate([pts.ravel() * 2.0, thumb.ravel() * (4.0 / THUMB)]).astype(np.float32)

    def chunk(self, frames, track_lm: np.ndarray) -> dict[str, np.ndarray]:
        """Process ``(k, rgb)`` frames; ``track_lm`` holds pass-1 landmarks of ALL frames."""
        plan = self.plan
        rows: dict[str, list] = {k: [] for k in ("base_idx", "base_jpg", "matte_jpg", "base_desc", "base_m",
                                                   "base_pose", "lib_idx", "lib_jpg", "lib_feat", "lib_pose")}
        for k, rgb in frames:
            if k not in plan.base and k not in plan.library:
                continue
            stored = plan.stored(rgb)
            canvas = plan.canvas(stored)
            lm = plan.to_canvas(track_lm[k])
            to_canon = (plan.to_canon[k] if plan.to_canon is not None
                        else similarity(lm[STABLE, :2], plan.rep_canvas[STABLE, :2]))
            pose = head_pose(track_lm[k])
            if k in plan.base:
                rows["base_idx"].append(k)
                rows["base_jpg"].append(encode_jpeg(stored, 82))
                rows["matte_jpg"].append(encode_jpeg(self.matte(canvas), 85))
                rows["base_desc"].append(self.descriptor(canvas, lm))
                rows["base_m"].append(to_canon)
                rows["base_pose"].append(pose)
            if k in plan.library:
                canon = canonical_landmarks(lm, to_canon)
                patch = extract_patch(canvas, to_canon, plan.patch)
                feats = np.append(shape_features(canon, self._mw), teeth_area(patch, canon, plan.patch))
                rows["lib_idx"].append(k)
                rows["lib_jpg"].append(encode_jpeg(patch, 86))
                rows["lib_feat"].append(feats)
                rows["lib_pose"].append(pose)
        out = {}
        for key, val in rows.items():
            if key.endswith("_jpg"):
                out[key] = np.frombuffer(join(val), np.uint8)
            elif key.endswith("_idx"):
                out[key] = np.asarray(val, np.int32)
            elif val:
                out[key] = np.stack(val).astype(np.float32)
            else:
                out[key] = np.zeros((0,), np.float32)
        return out


def merge_chunks(chunks: list[dict[str, np.ndarray]]) -> dict[str, object]:
    """Concatenate checkpoint chunks (packs are re-joined into one pack per list)."""
    out: dict[str, object] = {}
    for key in chunks[0]:
        if key.endswith("_jpg"):
            items = []
            for c in chunks:
                pack = Pack(c[key].tobytes())
                items.extend(bytes(pack.raw(i)) for i in range(len(pack)))
            out[key] = join(items)
        else:
            parts = [c[key] for c in chunks if len(c[key])]
            out[key] = np.concatenate(parts) if parts else chunks[0][key]
    return out
