"""Is the mouth really the person's lips? A hand over the mouth or a tongue stuck out.

Why (issue 19, bad input): the face mesh always places lips, even where a hand covers them or a
tongue hangs over the lower lip, and the build then animates whatever is there: the held-out
run found a hand photo built into a mouth that barely moved (range 0.03-0.05) and a tongue
photo built into a mouth that never closed (lip sync r ~0). The colour check in
``neutral.check_mouth_visible`` catches masks and microphones (less red than the cheeks) but
not a skin-coloured hand. Here:

* **a hand** is looked for with mediapipe's bundled hand model (palm detector + 21 hand
  landmarks, shipped in the mediapipe wheel, offline). When the hull of a hand's landmarks
  covers at least :data:`HAND_COVER` of the lips' outer contour, the mouth is hidden. Hands
  elsewhere (on a cheek, the forehead, holding a product under the chin) are fine. A "hand"
  whose wrist lies well inside the face outline is not counted: the palm detector is known to
  fire on faces, necks and hair (mediapipe issues 614, 1663, 2096), and a real hand reaches the
  mouth from outside the face (every dev hand, on the mouth, the chin, the cheeks and the
  forehead, has its wrist outside the outline; session 15). Nor is one smaller than a hand at
  the face's distance (:data:`MIN_PALM_EW`, :data:`MIN_HULL_LIPS`): on a face turned 30
  degrees the detector found a "hand" the size of the lips on the lips.
* **a tongue out** makes lip-red reach far below the lower lip. Per column over the middle
  half of the mouth (the mouth turned level first), the run of lip-red pixels (Lab a* over
  halfway from the cheeks' to the lower lip's, at least 8 units redder than the cheeks, and the
  same against the skin beside the mouth at the pixel's own height) that starts at the lower
  lip's inner edge is followed downward; the lip alone ends it at its outer edge, a tongue
  hanging over the lip and chin carries on. Over :data:`TONGUE_REACH` past the edge (the
  median, in the mouth's 3D width) the mouth is not the person's lips.

Both raise a :class:`TwincastError` that says what to change; the thresholds were set on the
dev photos only (docs/realism.md: their largest values, with a margin).
"""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import TwincastError
from ..native_logs import quiet_stderr
from . import topology as T

#: Share of the outer-lip area under a detected hand's landmark hull that counts as covered.
HAND_COVER = 0.25
#: A detected hand whose wrist is deeper than this inside the face outline (in outer-eye-corner
#: distances) is the palm detector firing on the face itself, not a hand reaching the mouth.
WRIST_INSIDE_EW = 0.3
#: A hand over the mouth is at least as near the camera as the face, so it looks at least its
#: real size beside it: a palm (wrist to the middle knuckle, ~10 cm) about one outer-eye-corner
#: distance (~9 cm), or, foreshortened (a fist end-on), a hull many times the lips' area (~5 x
#: 1.5 cm against a fist's ~8 x 8). Dev hands: palm 0.53-0.82 eye widths, hull 1.1-19x the
#: lips; the palm detector on a turned face's lips (dev if_monica): 0.32 and 2.2x.
MIN_PALM_EW = 0.45
MIN_HULL_LIPS = 4.0
#: Median length of lip-red past the lower lip's outer edge (the mesh's; middle half of the
#: mouth, in mouth widths) over which a tongue (or something as red) hangs over the lip. Dev
#: photos read 0.00-0.07 (their lip and the shade under it), a tongue painted on nine of them
#: 0.26-0.47. Until session 15 the run was measured from the lip's inner edge against 0.30:
#: a full lower lip with its shade read 0.29-0.31 on two dev faces (if_rachel, if_monica), so
#: the lip's own height decided, not what hangs below it.
TONGUE_REACH = 0.15
#: Lip-red is at least this many a* units redder than the cheeks (pale lips, hard light).
_MIN_CONTRAST = 8.0


def _lip_polygon(xy: np.ndarray) -> np.ndarray:
    lips = T.lip_arcs(xy)
    return xy[lips["upper_outer"] + lips["lower_outer"][::-1]]


def hand_cover(canvas: np.ndarray, lm: np.ndarray) -> float:
    """The largest share of the lips' outer area that one detected hand's hull covers (0-1)."""
    from mediapipe.python.solutions import hands

    xy = lm[:, :2].astype(np.float64)
    h, w = canvas.shape[:2]
    lip = np.zeros((h, w), np.uint8)
    cv2.fillPoly(lip, [np.round(_lip_polygon(xy)).astype(np.int32)], 1)
    area = int(lip.sum())
    if area < 10:
        return 0.0
    with quiet_stderr(), hands.Hands(static_image_mode=True, max_num_hands=2,
                                     min_detection_confidence=0.5) as det:
        result = det.process(np.ascontiguousarray(canvas))
    oval = xy[T.face_oval()].astype(np.float32)
    eyes = float(np.linalg.norm(xy[T.EYE_R_OUTER] - xy[T.EYE_L_OUTER]))
    eyes_3d = float(np.linalg.norm(lm[T.EYE_R_OUTER] - lm[T.EYE_L_OUTER]))  # not shortened by a turn
    best = 0.0
    for hand in result.multi_hand_landmarks or []:
        pts = np.array([(p.x * w, p.y * h) for p in hand.landmark], np.float32)
        wrist_depth = cv2.pointPolygonTest(oval, (float(pts[0, 0]), float(pts[0, 1])), True)
        if wrist_depth > WRIST_INSIDE_EW * eyes:
            continue  # the detector found a "hand" inside the face: not one reaching the mouth
        hull = cv2.convexHull(pts).astype(np.int32)
        m = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(m, hull, 1)
        palm = float(np.linalg.norm(pts[0] - pts[9]))
        if palm < MIN_PALM_EW * eyes_3d and m.sum() < MIN_HULL_LIPS * area:
            continue  # smaller than a hand at the face's distance: the detector saw the lips
        best = max(best, float((m & lip).sum()) / area)
    return best


def _level_mouth(canvas: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The canvas and points turned about the mouth's centre so the line between the mouth's
    corners is level. Why: the run is followed down pixel columns, which cross the lip square
    only when the mouth is level; on a head rolled 25 degrees a column cut the lower lip and the
    shade under it on a slant and read them as a tongue (dev if_rachel, 0.31 mouth widths)."""
    left, right = xy[T.MOUTH_LEFT], xy[T.MOUTH_RIGHT]
    if right[0] < left[0]:
        left, right = right, left
    angle = float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))
    if abs(angle) < 2.0:
        return canvas, xy
    centre = (float((left[0] + right[0]) / 2), float((left[1] + right[1]) / 2))
    m = cv2.getRotationMatrix2D(centre, angle, 1.0)
    h, w = canvas.shape[:2]
    turned = cv2.warpAffine(canvas, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return turned, xy @ m[:, :2].T + m[:, 2]


def tongue_reach(canvas: np.ndarray, lm: np.ndarray) -> float:
    """How far the lip-red run that starts at the lower lip's inner edge goes past the lip's
    outer edge, in mouth widths (median over the middle half of the mouth): the lip alone ends
    at its edge, give or take its shade; a tongue hanging over it carries on over the chin."""
    canvas, xy = _level_mouth(canvas, lm[:, :2].astype(np.float64))
    lips = T.lip_arcs(xy)
    # the mouth's width in 3D: a turned head narrows it on the picture, not the lip's height
    # (a face turned 30 degrees read its full lower lip as 0.29 mouth widths, dev if_monica)
    mw = float(np.linalg.norm(xy[T.MOUTH_RIGHT] - xy[T.MOUTH_LEFT]))  # on the picture
    width = max(mw, float(np.linalg.norm(lm[T.MOUTH_RIGHT] - lm[T.MOUTH_LEFT])))  # in 3D
    if mw < 8:
        return 0.0
    a = cv2.cvtColor(canvas, cv2.COLOR_RGB2LAB)[..., 1].astype(np.float32)
    a = cv2.GaussianBlur(a, (0, 0), max(0.6, mw / 120))
    h = a.shape[0]
    lo_o, lo_i = lips["lower_outer"], lips["lower_inner"]
    cx = 0.5 * (xy[T.MOUTH_LEFT, 0] + xy[T.MOUTH_RIGHT, 0])
    xs = np.arange(int(np.ceil(cx - mw / 4)), int(np.floor(cx + mw / 4)) + 1)

    def curve(arc):
        p = xy[arc]
        o = np.argsort(p[:, 0])
        return np.interp(xs, p[o, 0], p[o, 1])

    outer, inner = curve(lo_o), curve(lo_i)
    # the lower lip's own redness (its lower half, between the mesh's inner and outer lines)
    # against the cheeks': lip-red is over halfway from the cheeks to the lip, and at least
    # _MIN_CONTRAST redder than the cheeks (lips as pale as the skin would let skin count)
    ref = [a[int(np.clip(round(0.35 * i + 0.65 * o), 0, h - 1)), x] for x, i, o in zip(xs, inner, outer)]
    lip_a = float(np.median(ref))
    s = np.zeros(a.shape, np.uint8)
    for tri in ([T.CHEEK_LEFT, T.NOSE_TIP, T.MOUTH_LEFT], [T.CHEEK_RIGHT, T.NOSE_TIP, T.MOUTH_RIGHT]):
        cv2.fillPoly(s, [np.round(xy[tri]).astype(np.int32)], 1)
    if s.sum() < 20:
        return 0.0
    skin_a = float(np.median(a[s > 0]))
    thr = skin_a + max(0.5 * (lip_a - skin_a), _MIN_CONTRAST)
    # ... and lip-red against the skin at its own height beside the mouth (0.5-0.7 mouth widths
    # out, past a tongue's width): light is not even over a face, and a chin in warm shade or
    # a blush reads as red as the cheeks' threshold while it is no redder than the skin beside it
    side = _side_skin(a, cx, mw)
    row_thr = np.maximum(thr, side + np.maximum(0.5 * (lip_a - side), _MIN_CONTRAST))
    limit = int(round(0.9 * mw))  # far enough to see a tongue, short of the neck
    start = max(2, int(round(0.08 * mw)))  # the mesh's inner lip may sit on the teeth
    reach = []
    for x, i, o in zip(xs, inner, outer):
        y0 = int(np.clip(round(i), 0, h - 1))
        y1 = int(np.clip(round(i) + limit, 0, h))
        col = a[y0:y1, x] >= row_thr[y0:y1]
        first = np.argmax(col[:start]) if col[:start].any() else None
        if first is None:
            reach.append(0.0)
            continue
        stop = np.nonzero(~col[first:])[0]
        end = y0 + first + (stop[0] if len(stop) else len(col) - first)
        reach.append(max(0.0, end - o) / width)  # past the lip's own lower edge
    return float(np.median(reach)) if reach else 0.0


def _side_skin(a: np.ndarray, cx: float, mw: float) -> np.ndarray:
    """Per row, the median a* 0.5-0.7 mouth widths left and right of the mouth's centre (the
    skin beside the lips and chin at that height); -inf where both bands fall off the image."""
    h, w = a.shape
    cols = [x for lo, hi in ((cx - 0.7 * mw, cx - 0.5 * mw), (cx + 0.5 * mw, cx + 0.7 * mw))
            for x in range(int(np.ceil(lo)), int(np.floor(hi)) + 1) if 0 <= x < w]
    if not cols:
        return np.full(h, -np.inf, np.float32)
    return np.median(a[:, cols], axis=1).astype(np.float32)


#: Spread (std) of Lab a* and b* over the face under which a photo carries no colour to judge:
#: a greyscale photo reads 0, the colour dev portraits 2.8-7.7 (the larger of the two).
MIN_CHROMA_SPREAD = 1.0


def colour_seen(canvas: np.ndarray, lm: np.ndarray) -> bool:
    """Whether the face has colour for the colour checks (a mask or a microphone less red than
    the cheeks, ``neutral.check_mouth_visible``; a tongue as red as the lips, here) to see.

    Why: on a greyscale photo every pixel has a* = b* = 0, so both checks read nothing and pass
    whatever covers or hangs over the lips (dev: a painted tongue over Grace Hopper's lower lip
    is refused in colour, 0.44 mouth widths, and builds once the same photo is made grey). Such
    a build is not refused (greyscale portraits are fine otherwise); it says that the mouth was
    not checked for a tongue or a cover, and the resting face is still read by the tracker
    (``calibrate.require_closed_rest``)."""
    xy = lm[:, :2].astype(np.float64)
    m = np.zeros(canvas.shape[:2], np.uint8)
    cv2.fillPoly(m, [np.round(xy[T.face_oval()]).astype(np.int32)], 1)
    if m.sum() < 50:
        return True
    lab = cv2.cvtColor(canvas, cv2.COLOR_RGB2LAB).astype(np.float32)
    spread = max(float(lab[..., 1][m > 0].std()), float(lab[..., 2][m > 0].std()))
    return spread >= MIN_CHROMA_SPREAD


def check_mouth_is_lips(canvas: np.ndarray, lm: np.ndarray) -> dict:
    """Raise a clear error for a hand over the mouth or a tongue out; returns the measures."""
    cover = hand_cover(canvas, lm)
    if cover >= HAND_COVER:
        raise TwincastError(
            f"a hand covers the mouth in the photo ({cover:.0%} of the lips): the lips are needed "
            "to animate speech", "use a photo where the mouth is fully visible")
    reach = tongue_reach(canvas, lm)
    if reach > TONGUE_REACH:
        raise TwincastError(
            f"the mouth in the photo shows something red over the lower lip (a tongue out?): it "
            f"reaches {reach:.2f} mouth widths below the lip",
            "use a photo with the lips closed or slightly parted, e.g. a smile or a neutral face")
    return {"hand_cover": round(cover, 3), "tongue_reach": round(reach, 3)}


__all__ = ["HAND_COVER", "MIN_HULL_LIPS", "MIN_PALM_EW", "WRIST_INSIDE_EW", "MIN_CHROMA_SPREAD", "TONGUE_REACH", "check_mouth_is_lips", "colour_seen",
           "hand_cover", "tongue_reach"]
