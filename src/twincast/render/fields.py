"""Dense backward warp fields, one per rig control, computed once per avatar.

Rendering a frame is then a weighted sum of a few precomputed fields plus one ``cv2.remap``,
which is what makes 50+ fps on one CPU core possible; the expensive triangulation runs only
at load time. Each field maps an output pixel to where it samples the source (backward),
built by interpolating over the Delaunay triangulation of the *moved* vertices.

Head turns (yaw, pitch, roll) get no linear field: a linear field is only right for a few
degrees, so they go through the 3D head proxy (pose3d.py), composed with these fields.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from scipy.interpolate import LinearNDInterpolator

from .. import paths
from ..avatar.model import Rig
from .pose3d import POSE_CONTROLS


@dataclass
class Field:
    """Backward displacement (dx, dy) per unit control, cropped to where it is non-zero."""

    y0: int
    y1: int
    x0: int
    x1: int
    dx: np.ndarray  # float32 (y1-y0, x1-x0)
    dy: np.ndarray


def _backward_field(vertices: np.ndarray, disp: np.ndarray, size: int, amplitude: float) -> Field | None:
    moved = vertices + disp * amplitude
    back = (vertices - moved) / amplitude
    active = np.abs(disp).max(axis=1) > 1e-3
    if not active.any():
        return None
    # the field is zero beyond the moving vertices' neighbourhood; crop to save per-frame work
    pad = 0.25 * size
    lo = np.maximum(np.floor(np.minimum(vertices[active], moved[active]).min(0) - pad), 0).astype(int)
    hi = np.minimum(np.ceil(np.maximum(vertices[active], moved[active]).max(0) + pad), size).astype(int)
    # the field is piecewise linear over triangles much larger than a pixel: interpolate on a
    # half-resolution grid and upsample, four times cheaper and visually identical
    interp = LinearNDInterpolator(moved, back, fill_value=0.0)
    ys, xs = np.mgrid[lo[1]:hi[1]:2, lo[0]:hi[0]:2].astype(np.float32)
    coarse = interp(xs, ys).astype(np.float32)
    vals = cv2.resize(coarse, (coarse.shape[1] * 2, coarse.shape[0] * 2), interpolation=cv2.INTER_LINEAR)
    vals = vals[: hi[1] - lo[1], : hi[0] - lo[0]]
    # taper to exactly zero at the canvas edge so the paste into the photo is seamless
    ys_full = np.arange(lo[1], hi[1], dtype=np.float32)[:, None]
    xs_full = np.arange(lo[0], hi[0], dtype=np.float32)[None, :]
    edge = np.minimum(np.minimum(ys_full, size - 1 - ys_full), np.minimum(xs_full, size - 1 - xs_full))
    vals *= np.clip(edge / (0.04 * size), 0, 1)[..., None]
    mag = np.abs(vals).max(axis=2)
    rows, cols = np.nonzero(mag > 0.02)
    if len(rows) == 0:
        return None
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    vals = vals[r0:r1, c0:c1]
    return Field(int(lo[1] + r0), int(lo[1] + r1), int(lo[0] + c0), int(lo[0] + c1),
                 np.ascontiguousarray(vals[..., 0]), np.ascontiguousarray(vals[..., 1]))


def _compute(rig: Rig, size: int) -> list[Field | None]:
    return [None if name in POSE_CONTROLS else
            _backward_field(rig.vertices.astype(np.float64), rig.displacements[k].astype(np.float64), size, 1.0)
            for k, name in enumerate(rig.controls)]


_MEMORY: dict[str, list[Field | None]] = {}
_SOURCE_HASH = hashlib.sha256(Path(__file__).read_bytes()).digest()
CACHE_VERSION = 1


def build_fields(rig: Rig, size: int) -> list[Field | None]:
    """Fields for ``rig``, computed once per rig and kept on disk (they take about a second
    to compute and every ``say``, show and live session needs them at start-up)."""
    h = hashlib.sha256()
    for part in (rig.vertices, rig.displacements, np.array([size, CACHE_VERSION])):
        h.update(np.ascontiguousarray(part).tobytes())
    h.update(",".join(rig.controls).encode())
    h.update(_SOURCE_HASH)  # a change to how fields are computed invalidates the cache
    key = h.hexdigest()[:24]
    if key in _MEMORY:
        return _MEMORY[key]
    path = paths.home() / "fields" / f"{key}.npz"
    fields: list[Field | None] | None = None
    if path.exists():
        try:
            with np.load(path) as z:
                fields = [Field(*(int(v) for v in z[f"box{k}"]), z[f"dx{k}"].astype(np.float32),
                                z[f"dy{k}"].astype(np.float32)) if f"box{k}" in z else None
                          for k in range(len(rig.controls))]
        except (OSError, ValueError, KeyError):
            fields = None  # a damaged cache file is simply recomputed
    if fields is None:
        fields = _compute(rig, size)
        arrays = {}
        for k, f in enumerate(fields):
            if f is not None:
                arrays[f"box{k}"] = np.array([f.y0, f.y1, f.x0, f.x1])
                arrays[f"dx{k}"], arrays[f"dy{k}"] = f.dx.astype(np.float16), f.dy.astype(np.float16)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = paths.temp_sibling(path, ".npz")
        np.savez(tmp, **arrays)
        tmp.replace(path)
    _MEMORY[key] = fields
    return fields
