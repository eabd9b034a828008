"""One decoding pass that gathers everything the quality check measures on the pictures.

Why one pass: a 120 s 720x1280 clip is 3000 frames (8 GB as RGB), so frames are never kept.
Each frame is decoded once, tracked once by mediapipe's face mesh, and reduced on the spot to
small numbers: mesh points, global luma, the difference to the previous frame, and (on a subset
of frames) skin-lighting statistics and a dlib identity embedding. The metrics in
:mod:`twincast.evaluation.check_metrics` work on this record alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from twincast.errors import TwincastError
from twincast.evaluation.identity import FaceEmbedder, head_yaw
from twincast.evaluation.probe import iter_timed_frames
from twincast.native_logs import quiet_stderr

# Face-mesh regions (mediapipe indices). The oval is ordered around the face.
FACE_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378,
             400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54,
             103, 67, 109]
_EYE_R = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246]
_EYE_L = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466]
_BROW_R = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46]
_BROW_L = [300, 293, 334, 296, 336, 285, 295, 282, 283, 276]
_LIPS = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40,
         185]
#: Skin pixels with luma at or above this count as clipped (blown-out) highlights.
CLIP_HIGH = 250
#: Skin pixels with luma at or below this count as crushed shadows.
CLIP_LOW = 10


@dataclass
class Track:
    """Per-frame measurements of one video (index i = i-th decoded frame)."""

    path: str
    fps: float
    width: int
    height: int
    times: np.ndarray  # presentation time of each frame (s)
    points: np.ndarray  # (n, 478, 3) pixels, z scaled like x; NaN where no face
    luma: np.ndarray  # mean luma of the whole frame (0-255)
    diff: np.ndarray  # mean |luma - previous luma| on a half-size frame (NaN for frame 0)
    diff_max: np.ndarray  # largest |luma - previous luma| on the half-size frame (NaN for 0)
    yaw: np.ndarray  # head yaw in degrees, NaN without a face
    light: dict[str, np.ndarray] = field(default_factory=dict)  # lighting samples (see _light)
    embeddings: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (frame, 128-d)
    seconds: float = 0.0  # wall time of the pass
    warp: dict[str, np.ndarray] = field(default_factory=dict)  # fold/texture samples (warp.py)

    @property
    def face_found(self) -> np.ndarray:
        return ~np.isnan(self.points[:, 0, 0]) if len(self.points) else np.zeros(0, bool)


def _mask(shape: tuple[int, int], pts: np.ndarray, ids: list[int], hull: bool = False
          ) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    poly = np.round(pts[ids, :2]).astype(np.int32)
    if hull:
        poly = cv2.convexHull(poly)
    cv2.fillPoly(m, [poly], 1)
    return m


def skin_lighting(rgb: np.ndarray, pts: np.ndarray) -> tuple[float, float, float, float, float]:
    """(face luma, left mean, right mean, clipped-high fraction, crushed fraction) on the skin.

    Skin = inside the face oval, minus eyes, brows and lips (dilated), where teeth, the dark
    mouth interior and eye whites would otherwise pass for clipped or crushed skin. Left/right
    are the image halves on either side of the forehead-chin line (landmarks 10 and 152).
    """
    h, w = rgb.shape[:2]
    x0, y0 = np.maximum(np.floor(pts[:, :2].min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(pts[:, :2].max(axis=0)).astype(int) + 1, [w, h])
    if x1 - x0 < 8 or y1 - y0 < 8:
        return (np.nan,) * 5
    crop = rgb[y0:y1, x0:x1]
    p = pts - np.array([x0, y0, 0.0])
    shape = crop.shape[:2]
    skin = _mask(shape, p, FACE_OVAL)
    holes = np.zeros(shape, np.uint8)
    for ids in (_EYE_R, _EYE_L, _BROW_R, _BROW_L, _LIPS):
        holes |= _mask(shape, p, ids, hull=True)
    k = max(3, int(0.03 * (x1 - x0)) | 1)
    holes = cv2.dilate(holes, np.ones((k, k), np.uint8))
    skin = (skin > 0) & (holes == 0)
    if skin.sum() < 50:
        return (np.nan,) * 5
    luma = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    a, b = p[10, :2], p[152, :2]
    side = (b[0] - a[0]) * (yy - a[1]) - (b[1] - a[1]) * (xx - a[0])  # >0: image-left of a->b
    left, right = skin & (side > 0), skin & (side <= 0)
    vals = luma[skin].astype(np.float64)
    left_mean = float(luma[left].mean()) if left.sum() > 20 else np.nan
    right_mean = float(luma[right].mean()) if right.sum() > 20 else np.nan
    high = float((vals >= CLIP_HIGH).mean())
    low = float((vals <= CLIP_LOW).mean())
    return float(vals.mean()), left_mean, right_mean, high, low


def track_video(path: str | Path, max_seconds: float = 120.0, *, light_every_s: float = 0.2,
                identity_every_s: float = 0.5, max_identity_samples: int = 150,
                embedder: FaceEmbedder | None = None,
                progress: Callable[[float], None] | None = None) -> Track:
    """Decode up to ``max_seconds`` of ``path`` and measure every frame (see module docstring).

    Identity embeddings are taken every ``identity_every_s`` seconds of video, spaced further
    apart when that would exceed ``max_identity_samples`` (dlib costs ~0.1 s a face).
    """
    import mediapipe as mp  # slow import; only needed here
    from twincast.evaluation.probe import video_fps
    from twincast.evaluation.warp import WARP_EVERY, WarpSampler

    fps = video_fps(path)
    n_expected = max(1, int(round(max_seconds * fps)))
    light_step = max(1, int(round(light_every_s * fps)))
    id_step = max(1, int(round(identity_every_s * fps)),
                  int(np.ceil(n_expected / max(max_identity_samples, 1))))
    times, points, luma, diff, diff_max, yaw = [], [], [], [], [], []
    light: dict[str, list[float]] = {k: [] for k in ("frame", "face", "left", "right", "high",
                                                    "low")}
    embeddings: list[tuple[int, np.ndarray]] = []
    warp = WarpSampler(WARP_EVERY)
    prev = None
    width = height = 0
    nan_pts = None
    start = time.perf_counter()
    with quiet_stderr(), mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False, max_num_faces=1, refine_landmarks=True,
            min_detection_confidence=0.5, min_tracking_confidence=0.5) as mesh:
        for i, (t, rgb) in enumerate(iter_timed_frames(path, max_seconds)):
            height, width = rgb.shape[:2]
            if nan_pts is None:
                nan_pts = np.full((478, 3), np.nan, np.float32)
            gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            small = cv2.resize(gray, (max(1, width // 2), max(1, height // 2)),
                               interpolation=cv2.INTER_AREA).astype(np.int16)
            luma.append(float(gray.mean()))
            if prev is not None:
                d = np.abs(small - prev)
                diff.append(float(d.mean()))
                diff_max.append(float(d.max()))
            else:
                diff.append(np.nan)
                diff_max.append(np.nan)
            prev = small
            times.append(t)
            result = mesh.process(rgb)
            if not result.multi_face_landmarks:
                points.append(nan_pts)
                yaw.append(np.nan)
                warp.add(i, gray, None)
            else:
                lm = result.multi_face_landmarks[0].landmark
                pts = np.array([(q.x * width, q.y * height, q.z * width) for q in lm],
                               dtype=np.float32)
                points.append(pts)
                yaw.append(head_yaw(pts.astype(np.float64), width, height))
                warp.add(i, gray, pts.astype(np.float64), rgb)
                if i % light_step == 0:
                    for key, v in zip(("face", "left", "right", "high", "low"),
                                      skin_lighting(rgb, pts.astype(np.float64))):
                        light[key].append(v)
                    light["frame"].append(i)
                if embedder is not None and i % id_step == 0:
                    emb = embedder.embed_tracked(rgb, pts.astype(np.float64))
                    if emb is not None:
                        embeddings.append((i, emb))
            if progress is not None and i % 25 == 0:
                progress(t)
    if not times:
        raise TwincastError(f"no video frames could be decoded from {path}",
                            "check that the file plays; re-encode it if it is damaged")
    return Track(str(path), fps, width, height, np.asarray(times), np.stack(points),
                 np.asarray(luma), np.asarray(diff), np.asarray(diff_max), np.asarray(yaw),
                 {k: np.asarray(v, dtype=np.float64) for k, v in light.items()}, embeddings,
                 time.perf_counter() - start, warp.result())


__all__ = ["Track", "track_video", "skin_lighting", "FACE_OVAL", "CLIP_HIGH", "CLIP_LOW"]
