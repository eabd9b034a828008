"""Small 2D geometry shared by the builder and the renderer: similarity fits and head pose."""

from __future__ import annotations

import numpy as np

from ..detect import _pose

# Points that move with the skull, not with expressions: eye corners and the nose line.
# Aligning on these keeps the mouth's own motion (the thing we want to copy) in the patch.
STABLE = [33, 133, 362, 263, 168, 6, 197, 195, 5, 4, 1, 2, 98, 327]


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, shift) mapping ``src`` onto ``dst``
    (Umeyama 1991), as a 2x3 matrix for cv2.warpAffine."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    ms, md = src.mean(0), dst.mean(0)
    s, d = src - ms, dst - md
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rot = u @ sign @ vt
    scale = float(np.trace(np.diag(sig) @ sign) / max((s ** 2).sum() / len(src), 1e-12))
    m = np.zeros((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = md - m[:, :2] @ ms
    return m.astype(np.float32)


def apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return (np.asarray(pts[..., :2], np.float32) @ m[:, :2].T + m[:, 2]).astype(np.float32)


def invert(m: np.ndarray) -> np.ndarray:
    """Inverse of a 2x3 affine (closed form: no LAPACK call per frame)."""
    a, b, c, d = (float(v) for v in (m[0, 0], m[0, 1], m[1, 0], m[1, 1]))
    det = a * d - b * c
    ia = np.array([[d, -b], [-c, a]], np.float64) / det
    out = np.zeros((2, 3))
    out[:, :2] = ia
    out[:, 2] = -ia @ np.asarray(m[:, 2], np.float64)
    return out.astype(np.float32)


def shifted(m: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """``m`` followed by a shift (e.g. into a patch whose origin is at (-dx, -dy))."""
    out = m.astype(np.float32).copy()
    out[:, 2] += (dx, dy)
    return out


def head_pose(lm: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from 478 3D landmarks; NaNs when there is no face."""
    if not np.isfinite(lm[0, 0]):
        return (np.nan, np.nan, np.nan)
    return _pose(lm.astype(np.float64))
