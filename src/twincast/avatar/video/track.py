"""Pass 1: track the face in every frame and reduce each frame to a few numbers on the spot.

Frames are never kept (a 5-minute 1080p clip is 45 GB as RGB). Tracking runs at reduced
resolution (long side <= ``TRACK_SIDE``) with mediapipe's face mesh in streaming mode, which
follows the face from frame to frame instead of re-detecting it (3 ms instead of 7). A separate
short-range face *detector* samples every ``COUNT_EVERY`` frames to count people, because the
mesh tracker only ever follows one face.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ...native_logs import quiet_stderr
from .. import topology as T

TRACK_SIDE = 640
COUNT_EVERY = 12  # ~0.5 s at 25 fps
# cheeks beside the mouth and the jaw line from one jaw corner round the chin to the other
LOWER_FACE = [205, 425, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58]


@dataclass
class TrackChunk:
    """Per-frame measurements for output frames ``start .. start + n``."""

    start: int
    landmarks: np.ndarray  # (n, 478, 3) float32, upright full-resolution pixels; NaN = no face
    sharpness: np.ndarray  # (n,) variance of the Laplacian inside the face box (tracking scale)
    cut: np.ndarray  # (n,) mean |luma change| of a 64x64 thumbnail vs the previous frame
    skin: np.ndarray  # (n, 4) lower-face Lab mean + luma std: occlusion shows as an outlier
    faces: np.ndarray  # (n,) people counted by the detector (-1 = not sampled)

    def save(self, path) -> None:
        np.savez(path, start=self.start, landmarks=self.landmarks, sharpness=self.sharpness,
                 cut=self.cut, skin=self.skin, faces=self.faces)

    @classmethod
    def load(cls, path) -> "TrackChunk":
        z = np.load(path)
        return cls(int(z["start"]), z["landmarks"], z["sharpness"], z["cut"], z["skin"], z["faces"])

    @classmethod
    def concat(cls, chunks: list["TrackChunk"]) -> "TrackChunk":
        return cls(chunks[0].start, *(np.concatenate([getattr(c, f) for c in chunks])
                                      for f in ("landmarks", "sharpness", "cut", "skin", "faces")))


class FaceTracker:
    """Streaming tracker; one instance per build run (its state is the previous frame's face)."""

    def __init__(self) -> None:
        from mediapipe.python.solutions import face_detection, face_mesh

        with quiet_stderr():
            self._mesh = face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=True,
                                            min_detection_confidence=0.5, min_tracking_confidence=0.5)
            self._detector = face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.6)
        self._prev_thumb: np.ndarray | None = None

    def close(self) -> None:
        self._mesh.close()
        self._detector.close()

    def __enter__(self) -> "FaceTracker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def count_people(self, small: np.ndarray) -> int:
        """Faces at least 40 % as wide as the largest one (a poster far behind does not count)."""
        result = self._detector.process(small)
        widths = [d.location_data.relative_bounding_box.width for d in result.detections or []]
        if not widths:
            return 0
        return int(sum(w >= 0.4 * max(widths) for w in widths))

    def measure(self, k: int, rgb: np.ndarray) -> tuple[np.ndarray, float, float, np.ndarray, int]:
        h, w = rgb.shape[:2]
        scale = min(1.0, TRACK_SIDE / max(h, w))
        small = rgb if scale == 1.0 else cv2.resize(rgb, (round(w * scale), round(h * scale)),
                                                    interpolation=cv2.INTER_AREA)
        sh, sw = small.shape[:2]
        gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        thumb = cv2.resize(gray, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32)
        cut = float(np.abs(thumb - self._prev_thumb).mean()) if self._prev_thumb is not None else 0.0
        self._prev_thumb = thumb
        faces = self.count_people(small) if k % COUNT_EVERY == 0 else -1
        result = self._mesh.process(small)
        lm = np.full((478, 3), np.nan, np.float32)
        sharp, skin = np.nan, np.full(4, np.nan, np.float32)
        if result.multi_face_landmarks:
            pts = np.array([(p.x * sw, p.y * sh, p.z * sw) for p in result.multi_face_landmarks[0].landmark],
                           np.float32)
            x0, y0 = np.maximum(pts[:, :2].min(0).astype(int), 0)
            x1, y1 = np.minimum(pts[:, :2].max(0).astype(int) + 1, (sw, sh))
            if x1 - x0 > 8 and y1 - y0 > 8:
                sharp = float(cv2.Laplacian(gray[y0:y1, x0:x1], cv2.CV_32F).var())
                skin = lower_face_stats(small, pts)
            lm = pts / scale
            lm[:, 2] = pts[:, 2] / scale
        return lm, sharp, cut, skin, faces


def lower_face_stats(rgb: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Lab mean and luma spread of cheeks, mouth and chin: a hand, a cup or a microphone in
    front of the mouth moves these far from the person's usual values."""
    poly = np.round(pts[LOWER_FACE, :2]).astype(np.int32)
    x, y, w, h = cv2.boundingRect(poly)
    x, y = max(x, 0), max(y, 0)
    crop = rgb[y:y + h, x:x + w]
    if crop.size == 0:
        return np.full(4, np.nan, np.float32)
    mask = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillPoly(mask, [cv2.convexHull(poly - (x, y))], 1)
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB)[mask > 0].astype(np.float32)
    if len(lab) < 20:
        return np.full(4, np.nan, np.float32)
    return np.array([*lab.mean(0), lab[:, 0].std()], np.float32)


def track_frames(tracker: FaceTracker, frames, start: int) -> TrackChunk:
    """Measure ``(k, rgb)`` frames (consecutive, from ``start``) into one chunk."""
    rows = [tracker.measure(k, rgb) for k, rgb in frames]
    if not rows:
        return TrackChunk(start, np.zeros((0, 478, 3), np.float32), *(np.zeros(0, np.float32),) * 2,
                          np.zeros((0, 4), np.float32), np.zeros(0, np.int16))
    lm, sharp, cut, skin, faces = zip(*rows)
    return TrackChunk(start, np.stack(lm), np.asarray(sharp, np.float32), np.asarray(cut, np.float32),
                      np.stack(skin), np.asarray(faces, np.int16))


def mouth_corner_width(lm: np.ndarray) -> float:
    return float(np.linalg.norm(lm[T.MOUTH_RIGHT, :2] - lm[T.MOUTH_LEFT, :2]))
