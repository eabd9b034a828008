"""Build the deformation rig: how every rig vertex moves for each control at value 1.

Feature points (lips, lids, brows, jaw) get explicit displacements from face geometry; the
rest of the canvas follows through a smooth falloff, and the canvas border never moves, so
the animated square pastes back into the photo without a seam. Head turns use the mesh depth
(z) for parallax, which is what makes a 2D warp read as a 3D head.
"""

from __future__ import annotations

import math

import numpy as np

from . import topology as T
from .model import CONTROLS, Rig


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _falloff(points: np.ndarray, handles: np.ndarray, disp: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-weighted spread of handle displacements; decays to zero far from handles."""
    d2 = ((points[:, None, :] - handles[None, :, :]) ** 2).sum(-1)
    k = np.exp(-d2 / (2 * sigma * sigma))
    total = k.sum(1, keepdims=True)
    return (k @ disp) / np.maximum(total, 1.0)


def _anchor_points(lm: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Rings around the face oval (scaled 1.35x and 1.9x) and points on the canvas border.

    Returns the points and a per-point 'head weight': how much of a head turn each follows.
    """
    oval = lm[T.face_oval(), :2]
    centre = oval.mean(0)
    pts, weights = [], []
    for scale, weight in ((1.35, 0.9), (1.9, 0.35)):
        ring = centre + (oval - centre) * scale
        margin = 0.06 * size
        inside = np.all((ring > margin) & (ring < size - margin), axis=1)
        pts.append(ring[inside])
        weights.append(np.full(inside.sum(), weight))
    n = 9
    t = np.linspace(0, size - 1, n)
    edge = np.concatenate([np.stack([t, np.zeros(n)], 1), np.stack([t, np.full(n, size - 1)], 1),
                           np.stack([np.zeros(n - 2), t[1:-1]], 1), np.stack([np.full(n - 2, size - 1), t[1:-1]], 1)])
    pts.append(edge)
    weights.append(np.zeros(len(edge)))
    return np.concatenate(pts).astype(np.float32), np.concatenate(weights)


def _gaze(xy: np.ndarray, eyes: dict[str, list[int]], spread) -> dict[str, np.ndarray]:
    """gaze_x/gaze_y at 1: about 20 degrees of eye rotation. The visible iris points slide
    inside still lid contours (iris points hidden under a lid stay, so the lid skin does not
    shear); looking up or down carries the upper lid along a little, as real lids do."""
    import cv2

    out = {}
    for name in ("gaze_x", "gaze_y"):
        d = np.zeros_like(xy)
        handles: list[int] = []
        for side, iris in (("right", T.IRIS_R), ("left", T.IRIS_L)):
            up, lo = eyes[f"{side}_upper"], eyes[f"{side}_lower"]
            contour = xy[up + lo[::-1]].astype(np.float32).reshape(-1, 1, 2)
            ew = float(np.ptp(xy[up + lo, 0]))
            ring = list(range(iris, iris + 5))
            inside = [i for i in ring if cv2.pointPolygonTest(contour, (float(xy[i, 0]), float(xy[i, 1])), False) >= 0]
            inside = inside or [iris]
            if name == "gaze_x":
                d[inside, 0] = 0.14 * ew
            else:
                d[inside, 1] = -0.10 * ew
                d[up, 1] = -0.035 * ew * np.sin(np.pi * np.linspace(0, 1, len(up)))  # corners stay
            handles += ring + up + lo
        out[name] = spread(d, sorted(set(handles)), 0.08 * float(np.ptp(xy[eyes["right_upper"], 0])))
    return out


def build_rig(lm: np.ndarray, size: int, jaw_width: float | None = None) -> Rig:
    """``lm``: (478, 3) landmarks in canvas pixels. Returns the rig for all CONTROLS.

    ``jaw_width``: the mouth width (canvas px) the jaw's drop is scaled by, when it is not
    the mesh's own: a relaxed smile (relax.py) narrows the mouth by up to 12 %, but the jaw
    drops as far as before (the viseme table was calibrated on the photos' own widths; with
    the narrower width the opening's range fell by 0.01-0.03 eye widths on the dev photos)."""
    xy = lm[:, :2].astype(np.float64)
    anchors, head_w = _anchor_points(lm, size)
    n_lm = len(xy)
    verts = np.concatenate([xy, anchors])
    n_anchor_free = len(anchors) - 32  # rings (border points are the last 32)
    lips = T.lip_arcs(xy)
    eyes = T.eye_arcs(xy)
    mw = float(np.linalg.norm(xy[T.MOUTH_RIGHT] - xy[T.MOUTH_LEFT]))
    fw = float(np.linalg.norm(xy[T.CHEEK_RIGHT] - xy[T.CHEEK_LEFT]))
    fh = float(np.linalg.norm(xy[T.CHIN] - xy[T.FOREHEAD]))
    cx = float((xy[T.MOUTH_LEFT, 0] + xy[T.MOUTH_RIGHT, 0]) / 2)
    lower = sorted(set(lips["lower_outer"] + lips["lower_inner"]) - {T.MOUTH_LEFT, T.MOUTH_RIGHT, T.INNER_LEFT, T.INNER_RIGHT})
    upper = sorted(set(lips["upper_outer"] + lips["upper_inner"]) - {T.MOUTH_LEFT, T.MOUTH_RIGHT, T.INNER_LEFT, T.INNER_RIGHT})
    corners = [T.MOUTH_LEFT, T.MOUTH_RIGHT, T.INNER_LEFT, T.INNER_RIGHT]
    all_lips = lower + upper + corners
    rel_x = (xy[:, 0] - cx) / (mw / 2)  # -1 .. 1 across the mouth

    def spread(lm_disp: np.ndarray, handles: list[int], sigma: float) -> np.ndarray:
        """Full-vertex displacement: explicit on handles, falloff on every other vertex."""
        out = np.zeros_like(verts)
        others = np.setdiff1d(np.arange(len(verts) - 32), handles)
        out[others] = _falloff(verts[others], xy[handles], lm_disp[handles], sigma)
        out[handles] = lm_disp[handles]
        return out

    disp = {}
    # jaw: everything below the lip line drops. One smooth profile (lip-shaped at the lower
    # lip, jaw-shaped at the chin) keeps neighbouring points from crossing and tearing.
    J = 0.42 * (mw if jaw_width is None else jaw_width)
    inner_half = float(np.linalg.norm(xy[T.INNER_RIGHT] - xy[T.INNER_LEFT])) / 2
    left, right = xy[T.MOUTH_LEFT], xy[T.MOUTH_RIGHT]
    line_y = left[1] + (xy[:, 0] - left[0]) * (right[1] - left[1]) / max(right[0] - left[0], 1.0)
    in_jaw = xy[:, 1] > line_y
    in_jaw[lower] = True
    in_jaw[upper] = False
    in_jaw[corners] = True
    r = np.abs(xy[:, 0] - cx) / inner_half
    h_lip = np.where(r <= 1, 0.12 + 0.88 * (1 - np.clip(r, 0, 1) ** 2) ** 0.8,
                     0.12 * np.exp(-((r - 1) / 0.5) ** 2))
    h_jaw = 1 - 0.7 * np.clip(np.abs(xy[:, 0] - cx) / (fw / 2), 0, 1) ** 1.5
    y_lip = float(xy[T.LOWER_INNER_MID, 1])
    t = _smoothstep((xy[:, 1] - y_lip) / (0.5 * (xy[T.CHIN, 1] - y_lip)))
    d = np.zeros_like(xy)
    d[:, 1] = np.where(in_jaw, J * ((1 - t) * h_lip + t * h_jaw), 0.0)
    d[corners, 0] = -0.04 * mw * np.sign(rel_x[corners])
    d[upper, 1] = -0.05 * J * (1 - np.clip(np.abs(rel_x[upper]), 0, 1) ** 2)
    jaw = np.zeros_like(verts)
    jaw[:n_lm] = d
    ring = slice(n_lm, n_lm + n_anchor_free)
    below = _smoothstep((verts[ring, 1] - xy[T.CHIN, 1] + 0.1 * fh) / (0.3 * fh))
    near = _falloff(verts[ring], xy, d, 0.18 * fw)[:, 1]
    jaw[ring, 1] = near * (1 - 0.6 * below)
    disp["jaw"] = jaw

    def lip_move(dx: np.ndarray, dy: np.ndarray, sigma: float) -> np.ndarray:
        d = np.zeros_like(xy)
        d[all_lips, 0] = dx[all_lips]
        d[all_lips, 1] = dy[all_lips]
        return spread(d, all_lips, sigma)

    zeros = np.zeros(len(xy))
    disp["wide"] = lip_move(0.11 * mw * rel_x, -0.02 * mw * np.abs(rel_x) ** 2, 0.35 * mw)
    up_o, lo_o = lips["upper_outer"], lips["lower_outer"]
    ry = zeros.copy()
    ry[up_o] = -0.035 * mw
    ry[lo_o] = 0.035 * mw
    disp["round"] = lip_move(-0.16 * mw * rel_x * (1 - 0.3 * (1 - np.abs(rel_x))), ry, 0.35 * mw)
    py = zeros.copy()
    py[up_o] = 0.025 * mw
    py[lo_o] = -0.03 * mw
    disp["press"] = lip_move(-0.02 * mw * rel_x, py, 0.25 * mw)
    disp["smile"] = lip_move(0.07 * mw * rel_x, -0.09 * mw * np.abs(rel_x) ** 1.5, 0.5 * mw)

    # brows up, lids held so the eyes do not stretch
    br = T.brows()
    brow_pts = br["left"] + br["right"]
    lids = sorted({i for arc in eyes.values() for i in arc})
    d = np.zeros_like(xy)
    d[brow_pts, 1] = -0.045 * fh
    disp["brow"] = spread(d, brow_pts + lids, 0.18 * fw)

    for side_name, key in (("right", "blink_r"), ("left", "blink_l")):
        up_arc, lo_arc = eyes[f"{side_name}_upper"], eyes[f"{side_name}_lower"]
        lo_xy = xy[lo_arc]
        order = np.argsort(lo_xy[:, 0])
        d = np.zeros_like(xy)
        target = np.interp(xy[up_arc, 0], lo_xy[order, 0], lo_xy[order, 1])
        d[up_arc, 1] = 0.35 * (target - xy[up_arc, 1])  # a hint of lid travel; the lid itself is painted
        lo_gap = np.interp(xy[lo_arc, 0], xy[up_arc, 0][np.argsort(xy[up_arc, 0])],
                           xy[up_arc, 1][np.argsort(xy[up_arc, 0])])
        d[lo_arc, 1] = 0.05 * (lo_gap - xy[lo_arc, 1])
        ew = float(np.ptp(xy[up_arc, 0]))
        disp[key] = spread(d, up_arc + lo_arc, 0.2 * ew)

    disp.update(_gaze(xy, eyes, spread))

    # head turns, per degree: rotation about a pivot in the neck, with depth parallax
    z = np.concatenate([lm[:, 2], np.zeros(len(anchors))]).astype(np.float64)
    oval_z = lm[T.face_oval(), 2]
    z[n_lm:] = float(oval_z.mean())
    w = np.concatenate([np.ones(n_lm), head_w])
    chin_y = xy[T.CHIN, 1]
    w *= 1 - 0.8 * _smoothstep((verts[:, 1] - chin_y) / (0.45 * fh))
    pivot = np.array([cx, chin_y + 0.35 * fh])
    z_pivot = float(lm[T.NOSE_TIP, 2]) + 0.75 * fw
    s = math.sin(math.radians(1.0))
    rel = verts - pivot
    disp["roll"] = np.stack([-rel[:, 1] * s, rel[:, 0] * s], 1) * w[:, None]
    disp["yaw"] = np.stack([(z_pivot - z) * s, np.zeros(len(verts))], 1) * w[:, None]
    disp["pitch"] = np.stack([np.zeros(len(verts)), (z_pivot - z) * s], 1) * w[:, None]

    stacked = np.stack([disp[name] for name in CONTROLS]).astype(np.float32)
    stacked[:, -32:] = 0.0
    return Rig(verts.astype(np.float32), stacked, CONTROLS, n_lm)
