"""Start from rest: a closed-mouth face estimated from a smiling or open-mouthed photo.

Why (issue 19): the rig's fields are backward maps built for *positive* control values
(fields.py: the jaw field says where each pixel of an *opened* mouth comes from). A photo with
teeth showing was "closed" by a negative jaw value on that field, which is only a first-order
inverse: near the upper lip, where the opening jaw moves nothing, it moves nothing either, so
the teeth stayed in view for the whole clip (closed in 0 % of frames). Here the closure is
done once, at build time, on the photo itself. The opening is found per column of the canvas
in the photo's colours (lips are redder than teeth and lighter than the cavity; on a smile the
mesh's inner lip sits on the teeth) united with the mesh's inner lips; each column's opening
collapses onto a line a quarter of the way down (the lower lip and chin rise, the upper lip
comes down a little) by a monotonic map, so nothing folds; the map is applied at the photo's
own resolution, a thin darker line is drawn where the lips meet, and the mesh is fitted again
on the closed face. The rig then opens the mouth from rest with positive values only, as on
a closed-mouth photo. The lips are the person's own lips, stretched where they were parted.

The teeth squeezed out of view are kept as a strip (:func:`teeth_texture`) that the renderer
shows when the mouth opens. What this does not do: relax the smile's cheeks and lip corners
(the photo's smile stays on the resting face, so there is no separate "smile" to add back), or
close a wide-open mouth (a shout, a yawn, mid-word with the tongue showing: a clear error).
"""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import TwincastError
from . import topology as T

#: Inner-lip gap / mouth width over which the photo counts as open and is closed at build.
OPEN_GAP = 0.04
#: The mesh's inner-lip gap (/ mouth width) over which lips count as parted even when the
#: colours find no opening (dark, blurred or small mouths); closed photos read 0.00-0.005.
MESH_OPEN_GAP = 0.012
#: Over this the mouth is wide open (a shout, a yawn): closing it would stretch the lips
#: over more than they can cover, so the build stops with a clear error.
WIDE_OPEN_GAP = 0.45
UPPER_SHARE = 0.25
#: Widening of the found opening (upper, lower; / mouth width): edge pixels blend lip and tooth.
EDGE_MARGIN = (0.02, 0.03)  # of the remaining gap, travelled by the upper lip


#: The lips' median Lab a* minus the cheeks'. Real lips in the portrait set: -2 (dark skin,
#: hard light) to +8; a pale mask or a grey microphone over the mouth: -10 to -33.
HIDDEN_LIP_REDNESS = -7.0


def check_mouth_visible(canvas: np.ndarray, lm: np.ndarray) -> None:
    """Raise a clear error when something that is not lips covers the mouth (a mask, a
    microphone): the lip ring between the mesh's outer and inner lip contours is then no
    redder than the cheeks but clearly less red. A skin-coloured hand is not caught."""
    xy = lm[:, :2].astype(np.float64)
    lips = T.lip_arcs(xy)
    m = np.zeros(canvas.shape[:2], np.uint8)
    cv2.fillPoly(m, [np.round(xy[lips["upper_outer"] + lips["lower_outer"][::-1]]).astype(np.int32)], 1)
    cv2.fillPoly(m, [np.round(xy[lips["upper_inner"] + lips["lower_inner"][::-1]]).astype(np.int32)], 0)
    s = np.zeros_like(m)
    for tri in ([T.CHEEK_LEFT, T.NOSE_TIP, T.MOUTH_LEFT], [T.CHEEK_RIGHT, T.NOSE_TIP, T.MOUTH_RIGHT]):
        cv2.fillPoly(s, [np.round(xy[tri]).astype(np.int32)], 1)
    if m.sum() < 20 or s.sum() < 20:
        return
    a = cv2.cvtColor(canvas, cv2.COLOR_RGB2LAB)[..., 1].astype(np.float32)
    redness = float(np.median(a[m > 0]) - np.median(a[s > 0]))
    if redness < HIDDEN_LIP_REDNESS:
        raise TwincastError(
            "the mouth in the photo looks covered (by a mask, a microphone or a hand?): the lips "
            "are needed to animate speech",
            "use a photo where the mouth is fully visible")


def _curve_y(xy: np.ndarray, arc: list[int], xs: np.ndarray) -> np.ndarray:
    p = xy[arc]
    order = np.argsort(p[:, 0])
    return np.interp(xs, p[order, 0], p[order, 1])


def lip_edges(canvas: np.ndarray, lm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per canvas column between the mouth corners: (x, y of the upper lip's lower edge, y of
    the lower lip's upper edge), found in the photo's colours.

    Why not the mesh: on a smile with teeth mediapipe puts the upper inner-lip points on the
    teeth, half a tooth below the lip (the old closure left the upper teeth in view). Within
    the outer lip contour, lip pixels are redder (Lab a*) than teeth and lighter than the
    cavity; the threshold sits halfway between the lips' a* (near the outer contour) and the
    a* between the mesh's inner lips.
    """
    xy = lm[:, :2].astype(np.float64)
    lips = T.lip_arcs(xy)
    lab = cv2.cvtColor(canvas, cv2.COLOR_RGB2LAB).astype(np.float32)
    x_l, x_r = xy[T.MOUTH_LEFT, 0], xy[T.MOUTH_RIGHT, 0]
    xs = np.arange(int(np.ceil(x_l)), int(np.floor(x_r)) + 1)
    top = _curve_y(xy, lips["upper_outer"], xs)
    bot = _curve_y(xy, lips["lower_outer"], xs)
    ui = _curve_y(xy, lips["upper_inner"], xs)
    li = _curve_y(xy, lips["lower_inner"], xs)
    h = canvas.shape[0]
    lip_a, lip_l, gap_a = [], [], []
    for x, t, b, u, lo in zip(xs, top, bot, ui, li):
        t, b = int(np.clip(round(t), 0, h - 1)), int(np.clip(round(b), 0, h - 1))
        if b - t < 4:
            continue
        k = max(1, (b - t) // 6)
        ring = np.concatenate([lab[t + 1:t + 1 + k, x], lab[b - k:b, x]])
        lip_a += list(ring[:, 1])
        lip_l += list(ring[:, 0])
        mid = int(round((u + lo) / 2))
        if lo - u >= 2:
            gap_a.append(lab[mid, x, 1])
    if not lip_a or not gap_a:
        return xs, ui, li
    thr_a = 0.5 * (float(np.median(lip_a)) + float(np.median(gap_a)))
    dark = 0.55 * float(np.median(lip_l))
    up, lo_e = ui.copy(), li.copy()
    for j, (x, t, b) in enumerate(zip(xs, top, bot)):
        t, b = int(np.clip(round(t), 0, h - 1)), int(np.clip(round(b), 0, h - 1))
        col = lab[t:b + 1, x]
        open_ = (col[:, 1] < thr_a) | (col[:, 0] < dark)
        idx = np.nonzero(open_)[0]
        if len(idx) >= 2:
            up[j], lo_e[j] = t + idx[0] - 0.5, t + idx[-1] + 0.5
        else:
            up[j] = lo_e[j] = 0.5 * (ui[j] + li[j])
    # a lone dark pore or a glint must not open a column: median across columns, then smooth
    from scipy.ndimage import gaussian_filter1d, median_filter

    k = max(3, (len(xs) // 12) | 1)
    up = gaussian_filter1d(median_filter(up, k, mode="nearest"), k / 3)
    lo_e = gaussian_filter1d(median_filter(lo_e, k, mode="nearest"), k / 3)
    return xs, up, np.maximum(lo_e, up)


#: ``AvatarModel.extras`` member with the photo's own teeth (render/mouth.py paints them).
TEETH_EXTRA = "teeth.png"


def teeth_texture(canvas: np.ndarray, xs: np.ndarray, up: np.ndarray, lo: np.ndarray
                  ) -> np.ndarray | None:
    """The photo's mouth opening as an RGBA strip (issue 19: "their own teeth"): column j is
    the position across the mouth (corner to corner), row r is r canvas pixels below the
    upper lip, alpha covers the opening. The renderer hangs it from the moved upper lip at the
    photo's own scale (upper teeth sit on the skull: they do not stretch as the jaw opens),
    so the open mouth shows the person's teeth, their shape, colour and gaps. Only a mouth
    that showed at least a few pixels of opening has one."""
    gap = lo - up
    h = int(np.ceil(gap.max())) + 1
    if h < 4 or len(xs) < 8:
        return None
    rows = np.arange(h, dtype=np.float32)[:, None]
    my = (up[None, :].astype(np.float32) + rows)
    mx = np.repeat(xs[None, :].astype(np.float32), h, axis=0)
    rgb = cv2.remap(canvas, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    alpha = np.clip(gap[None, :] - rows, 0, 1)
    # lip pixels caught at the corners (where the edges are least sure) would hang below the
    # moving lip as pink fangs: what is clearly redder than the strip's teeth is left out
    a_star = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[..., 1].astype(np.float32)
    inside = alpha > 0.5
    if inside.any():
        ref = float(np.median(a_star[inside]))
        alpha *= np.clip(1 - (a_star - ref - 6.0) / 6.0, 0, 1)
    alpha = cv2.GaussianBlur(alpha.astype(np.float32), (3, 3), 0)
    return np.dstack([rgb, (alpha * 255).astype(np.uint8)])


def encode_rgba(img: np.ndarray) -> bytes:
    ok, png = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA))
    if not ok:
        raise ValueError("PNG encoding failed")
    return png.tobytes()


def decode_rgba(blob: bytes) -> np.ndarray | None:
    img = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None or img.ndim != 3 or img.shape[2] != 4:
        return None
    return cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)


def closing_map(canvas: np.ndarray, lm: np.ndarray) -> tuple | None:
    """(size, size, 2) backward offsets that close the photo's mouth, the gap closed
    (/ mouth width), the meeting line (columns, rows) and the teeth texture (or None); None
    when the mouth is closed.

    Per column the opening [upper edge, lower edge] collapses onto a meeting line a quarter of
    the way down: the upper lip is stretched down over a band as tall as the opening above it,
    the lower lip, chin and jaw are lifted over a band down to 0.9 mouth widths below it. Each
    column's map is monotonic, so nothing folds; the opening tapers to zero at the corners.
    """
    xy = lm[:, :2].astype(np.float64)
    mw = float(np.linalg.norm(xy[T.MOUTH_RIGHT] - xy[T.MOUTH_LEFT]))
    xs, up, lo = lip_edges(canvas, lm)
    lips = T.lip_arcs(xy)
    ui, li = _curve_y(xy, lips["upper_inner"], xs), _curve_y(xy, lips["lower_inner"], xs)
    colour_gap = float((lo - up).max()) if len(xs) else 0.0
    mesh_gap = float(xy[T.LOWER_INNER_MID, 1] - xy[T.UPPER_INNER_MID, 1])
    if colour_gap < OPEN_GAP * mw and mesh_gap < MESH_OPEN_GAP * mw:
        return None
    # the opening is the union of what the colours and the mesh say: on a smile the mesh's
    # upper inner lip sits on the teeth (the colours are right); lips parted over a dark gap
    # that the colours miss are still parted by the mesh
    up, lo = np.minimum(up, ui), np.maximum(lo, li)
    gmax = float((lo - up).max())
    if gmax > WIDE_OPEN_GAP * mw:
        raise TwincastError(
            f"the mouth in the photo is wide open (lips {gmax / mw:.0%} of the mouth width apart: "
            "a shout, a yawn, or a tongue out?)",
            "use a photo with the lips closed or slightly parted, e.g. a smile or a neutral face")
    teeth = teeth_texture(canvas, xs, up, lo)
    # the edge pixels are a blend of lip and tooth: take them into the opening as well
    opened = lo - up > 0.5
    up = np.where(opened, up - EDGE_MARGIN[0] * mw, up)
    lo = np.where(opened, lo + EDGE_MARGIN[1] * mw, lo)
    size = canvas.shape[0]
    off = np.zeros((size, size, 2), np.float32)
    meet = up + UPPER_SHARE * np.maximum(lo - up, 0)
    ys = np.arange(size, dtype=np.float64)
    below = 0.9 * mw
    for x, u, l_ in zip(xs, up, lo):
        gap = l_ - u
        if gap <= 0.3:
            continue
        m = u + UPPER_SHARE * gap
        above = u - max(2.0 * gap, 0.25 * mw)
        bottom = l_ + below
        src = ys.copy()
        a = (ys >= above) & (ys <= m)
        src[a] = above + (ys[a] - above) * (u - above) / (m - above)
        b = (ys > m) & (ys <= bottom)
        src[b] = l_ + (ys[b] - m) * (bottom - l_) / (bottom - m)
        off[:, x, 1] = (src - ys).astype(np.float32)
    # no blur of the map: it jumps by the whole gap at the meeting line, and blurring it
    # (across rows, or across columns whose lines sit at other rows) samples the middle of the
    # teeth, a white seam; the edges are smoothed per column instead (lip_edges)
    return off, gmax / mw, xs, meet, teeth


def _lip_line(img: np.ndarray, xs: np.ndarray, ys: np.ndarray, half: float) -> None:
    """Draw where the lips meet as closed lips look: a thin line darker than the lips
    (0.6x their colour), feathered. It also hides the last sliver of tooth that the edge
    pixels (a blend of lip and tooth) leave at the meeting line."""
    h, w = img.shape[:2]
    cols = np.arange(int(np.ceil(xs.min())), int(np.floor(xs.max())) + 1)
    cols = cols[(cols >= 0) & (cols < w)]
    line = np.interp(cols, xs, ys)
    span = len(cols)
    reach = int(np.ceil(half)) + 1
    for j, (x, y) in enumerate(zip(cols, line)):
        taper = min(1.0, 4.0 * min(j, span - 1 - j) / max(span, 1) + 0.35)
        above = img[int(np.clip(y - reach - 1, 0, h - 1)), x].astype(np.float32)
        below = img[int(np.clip(y + reach + 1, 0, h - 1)), x].astype(np.float32)
        dark = 0.6 * 0.5 * (above + below)
        for r in range(int(np.floor(y - reach)), int(np.ceil(y + reach)) + 1):
            if 0 <= r < h:
                a = taper * float(np.clip(half + 0.5 - abs(r - y), 0, 1))
                img[r, x] = np.clip(img[r, x] * (1 - a) + dark * a, 0, 255).astype(img.dtype)


def rest_photo(rgb: np.ndarray, box: tuple[int, int, int], render_size: int, lm: np.ndarray,
               ) -> tuple[np.ndarray, dict, np.ndarray | None] | None:
    """The photo with the mouth closed, a note for the manifest and the photo's own teeth
    (RGBA strip, :func:`teeth_texture`); None when the mouth is already closed. The caller
    re-fits the mesh on the new photo."""
    x0, y0, side = box
    crop = np.ascontiguousarray(rgb[y0:y0 + side, x0:x0 + side])
    canvas = cv2.resize(crop, (render_size, render_size), interpolation=cv2.INTER_AREA
                        if side > render_size else cv2.INTER_CUBIC)
    check_mouth_visible(canvas, lm)
    from .occlusion import check_mouth_is_lips

    check_mouth_is_lips(canvas, lm)  # a hand over the mouth, a tongue out: a clear error
    got = closing_map(canvas, lm)
    if got is None:
        return None
    back, gap, mx, my, teeth = got
    k = render_size / side
    off = cv2.resize(back, (side, side), interpolation=cv2.INTER_LINEAR) / k
    ys, xs = np.mgrid[0:side, 0:side].astype(np.float32)
    warped = cv2.remap(crop, xs + off[..., 0], ys + off[..., 1], cv2.INTER_CUBIC,
                       borderMode=cv2.BORDER_REPLICATE)
    _lip_line(warped, mx / k, my / k, max(0.7, 0.9 / k))
    out = rgb.copy()
    out[y0:y0 + side, x0:x0 + side] = warped
    return out, {"closed_gap": round(gap, 3), "method": "column closure at the photo's lip edges",
                 "teeth_from_photo": teeth is not None}, teeth


__all__ = ["TEETH_EXTRA", "teeth_texture", "encode_rgba", "decode_rgba", "check_mouth_visible",
           "lip_edges", "closing_map", "rest_photo", "OPEN_GAP", "MESH_OPEN_GAP", "WIDE_OPEN_GAP"]
