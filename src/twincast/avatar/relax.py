"""Relax the smile: a resting face with neutral lip corners, estimated from a smiling photo.

Why (issue 19, item 1): closing a smiling mouth (neutral.py) left the photo's smile on the
resting face: lip corners pulled out and up, cheeks lifted, for the whole clip, so the avatar
grinned through every sentence and its "smile" control could only add to a grin. A relaxed
mouth is narrower: the distance between the lip corners is 0.57-0.60 of the distance between
the outer eye corners in adult anthropometry (Farkas 1994: ch-ch / ex-ex, women 50.2/87.8 mm,
men 54.5/91.2 mm); the closed-lip dev photos of the portrait set read 0.52-0.59 on mediapipe's
mesh, the smiles 0.70-0.82. Here the corners are drawn in toward a neutral width and lowered
toward the lips' meeting line, and the cheeks next to them follow through a smooth falloff: a
warp of the person's own texture (no painting), on the photo, once at build time, like the
mouth closure. Only part of the excess is taken away (:data:`RELAX_SHARE`): some people have a
wide mouth, and nothing in one photo says how much of the width is the smile.

The photo's own smile stays available: :func:`photo_smile` is the value of the rig's ``smile``
control that moves the relaxed corners back about as far as they were in the photo, stored in
the manifest (``neutral.photo_smile``).
"""

from __future__ import annotations

import cv2
import numpy as np

from . import topology as T

#: Neutral mouth width / outer eye-corner distance (Farkas 1994: 0.57-0.60; dev closed-lip
#: photos 0.52-0.59). Only widths above it are relaxed.
NEUTRAL_WIDTH = 0.60
#: Share of the excess width and corner lift taken away.
RELAX_SHARE = 0.8
#: Corner lift (/ mouth width) at or under which the corners are left where they are: closed
#: neutral photos of the set read -0.01-+0.01.
LIFT_FREE = 0.01
#: Under this the face is left as it is (a warp of a pixel or two only blurs).
MIN_SHIFT = 0.015  # of the mouth width, at a corner


def smile_shape(lm: np.ndarray) -> tuple[float, float]:
    """(mouth width / outer eye-corner distance, corner lift / mouth width) of a closed
    mouth's mesh. The lift is how far the corners sit above the lips' meeting point at the
    centre, along the face's own down axis (a tilted head is not a smile)."""
    xy = lm[:, :2].astype(np.float64)
    mw = float(np.linalg.norm(xy[T.MOUTH_RIGHT] - xy[T.MOUTH_LEFT]))
    eyes = float(np.linalg.norm(xy[T.EYE_L_OUTER] - xy[T.EYE_R_OUTER]))
    down = xy[T.CHIN] - xy[T.FOREHEAD]
    down /= np.linalg.norm(down) + 1e-9
    mid = 0.5 * (xy[T.UPPER_INNER_MID] + xy[T.LOWER_INNER_MID])
    corners = 0.5 * (xy[T.MOUTH_LEFT] + xy[T.MOUTH_RIGHT])
    lift = float(np.dot(mid - corners, down)) / max(mw, 1e-6)
    return mw / max(eyes, 1e-6), lift


def _pinned(xy: np.ndarray) -> list[int]:
    """Points that must not move: eyes, brows, nose, the face outline."""
    eyes = T.eye_arcs(xy)
    pts = {i for arc in eyes.values() for i in arc}
    pts |= {i for arc in T.brows().values() for i in arc}
    pts |= set(T.face_oval())
    pts |= {T.NOSE_TIP, 2, 98, 327, 168, 6, 197, 195, 5}
    return sorted(pts)


def relax_targets(lm: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict] | None:
    """Handle points (N, 2), their displacements (N, 2) that relax the smile, and a note; None
    when the mouth already rests. Handles: every lip point (drawn in toward the centre and
    the corners lowered), a point on each cheek beside a corner (the smile's bulge, eased by
    half as much), and pinned points (eyes, brows, nose, outline) that hold the rest."""
    xy = lm[:, :2].astype(np.float64)
    ratio, lift = smile_shape(lm)
    excess = max(ratio - NEUTRAL_WIDTH, 0.0)
    mw = float(np.linalg.norm(xy[T.MOUTH_RIGHT] - xy[T.MOUTH_LEFT]))
    scale = 1.0 - RELAX_SHARE * excess / ratio  # new width / old width
    inward = (1.0 - scale) * mw / 2  # at each corner
    drop = RELAX_SHARE * max(lift - LIFT_FREE, 0.0) * mw
    if max(inward, drop) < MIN_SHIFT * mw:
        return None
    lips = T.lip_arcs(xy)
    idx = sorted({i for arc in lips.values() for i in arc})
    centre = 0.5 * (xy[T.MOUTH_LEFT] + xy[T.MOUTH_RIGHT])
    u = (xy[T.MOUTH_RIGHT] - xy[T.MOUTH_LEFT]) / max(mw, 1e-6)
    v = np.array([-u[1], u[0]])  # down the face
    if np.dot(v, xy[T.CHIN] - xy[T.FOREHEAD]) < 0:
        v = -v
    along = (xy[idx] - centre) @ u
    rel = np.clip(along / (mw / 2), -1, 1)
    lip_d = (-(1.0 - scale) * along)[:, None] * u + (drop * np.abs(rel) ** 1.5)[:, None] * v
    cheek_p, cheek_d = [], []
    for side in (-1.0, 1.0):
        corner = centre + side * u * mw / 2
        cheek_p.append(corner + side * 0.22 * mw * u - 0.18 * mw * v)
        cheek_d.append(0.5 * (-side * inward * u + drop * v))
    pinned = [i for i in _pinned(xy) if i not in set(idx)]
    pts = np.concatenate([xy[idx], np.array(cheek_p), xy[pinned]])
    disp = np.concatenate([lip_d, np.array(cheek_d), np.zeros((len(pinned), 2))])
    note = {"width_ratio": round(ratio, 3), "width_ratio_rest": round(ratio * scale, 3),
            "corner_lift": round(lift, 3), "corner_in_px": round(inward, 2),
            "corner_down_px": round(drop, 2)}
    return pts, disp, note


def dense_field(pts: np.ndarray, disp: np.ndarray, size: int, step: int = 4) -> np.ndarray:
    """(size, size, 2) forward displacement through every handle exactly (a thin-plate spline:
    a normalised Gaussian falloff averaged each corner with its neighbours and moved it about
    half as far as asked). The pinned handles and the canvas border hold the rest still."""
    from scipy.interpolate import RBFInterpolator

    t = np.linspace(0, size - 1, 9)
    border = np.concatenate([np.stack([t, np.zeros(9)], 1), np.stack([t, np.full(9, size - 1.0)], 1),
                             np.stack([np.zeros(7), t[1:-1]], 1), np.stack([np.full(7, size - 1.0), t[1:-1]], 1)])
    pts = np.concatenate([pts, border])
    disp = np.concatenate([disp, np.zeros((len(border), 2))])
    n = (size + step - 1) // step + 1
    g = (np.arange(n) * step).astype(np.float64)
    gx, gy = np.meshgrid(g, g)
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    field = RBFInterpolator(pts, disp, kernel="thin_plate_spline")(grid)
    field = field.reshape(n, n, 2).astype(np.float32)
    big = cv2.resize(field, ((n - 1) * step + 1,) * 2, interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(big[:size, :size])


def photo_smile(note: dict, mw_rest: float) -> float:
    """The rig ``smile`` value (rig.py: corners out 0.07 and up 0.09 mouth widths at 1) that
    puts the relaxed corners back about where the photo had them."""
    out = note["corner_in_px"] / (0.07 * mw_rest)
    up = note["corner_down_px"] / (0.09 * mw_rest)
    return round(float(np.clip(0.5 * (out + up), 0.0, 1.5)), 2)


def relax_photo(rgb: np.ndarray, box: tuple[int, int, int], render_size: int, lm: np.ndarray
                ) -> tuple[np.ndarray, dict] | None:
    """The photo with the smile relaxed, and a note for the manifest; None when the mouth
    already rests. ``lm``: the closed mouth's mesh in canvas pixels. The caller re-fits the
    mesh on the new photo."""
    got = relax_targets(lm)
    if got is None:
        return None
    pts, disp, note = got
    field = dense_field(pts, disp, render_size)
    x0, y0, side = box
    k = render_size / side
    fwd = cv2.resize(field, (side, side), interpolation=cv2.INTER_LINEAR) / k
    ys, xs = np.mgrid[0:side, 0:side].astype(np.float32)
    # backward map, first-order: the displacement is small (a few % of the mouth width) and
    # smooth, so source = target - d(target) is exact to well under a pixel
    crop = np.ascontiguousarray(rgb[y0:y0 + side, x0:x0 + side])
    warped = cv2.remap(crop, xs - fwd[..., 0], ys - fwd[..., 1], cv2.INTER_CUBIC,
                       borderMode=cv2.BORDER_REPLICATE)
    out = rgb.copy()
    out[y0:y0 + side, x0:x0 + side] = warped
    return out, note


__all__ = [
    "NEUTRAL_WIDTH",
    "RELAX_SHARE",
    "dense_field",
    "photo_smile",
    "relax_photo",
    "relax_targets",
    "smile_shape",
]
