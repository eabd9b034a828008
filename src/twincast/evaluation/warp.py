"""Warp damage at large poses: the sides of the face and head stretched (smeared) or squeezed
by a warp renderer, judged per head-yaw bin.

Why: a renderer that turns a head from one frontal photo has to invent the side the turn
brings into view. A 2D warp or a 3D proxy fills it by stretching the photo's compressed strip
(cheek, temple, the band between face outline and ear) sideways, and where its field
overshoots it folds and tears the texture. The face mesh still tracks such a face and dlib
still matches its identity, so no other metric sees it; a viewer sees it at once.

Measure: a stretch sideways turns texture into horizontal streaks, so the ratio of horizontal
to vertical gradient energy (mean |d/dx| / mean |d/dy| after a 1 px blur, above the codec's
block noise) drops; lighting and contrast scale both directions alike and cancel. Per frame
(every :data:`WARP_EVERY`-th) it is taken in four regions between brow and mouth-corner
height: per side the cheek band and the band outside the outline (person pixels only, by
selfie segmentation: the scenery beside a turned head is not the head), on a head crop scaled
to at most 200 px forehead-to-chin. Each region is divided by its own median on frontal frames.
A frame whose lowest region is under :data:`STRETCH_MIN` (stretched) or whose higher cheek is
over its inverse (squeezed, as beside a fold; the far side's hair and ear of a real turn read
1.6-1.7x, so the outer bands are not judged for it) is a warped frame, and the share of warped frames in the
worst yaw bin (those of the identity metric, judged with >= 1 s of frames) must stay under
:data:`WARP_MAX_SHARE`. Bands and their calibration: docs/realism.md ("Warp damage").

Tried and dropped (numbers in docs/realism.md): the share of face pixels where the dense flow
between frames (OpenCV DIS) has a Jacobian determinant <= 0 was 0 on real footage and on
every damaged clip alike (the regularised flow never folds), and forward-backward flow
disagreement over 6 frames was as high on genuine head turns as on a folded cheek.
"""

from __future__ import annotations

import cv2
import numpy as np

from twincast.evaluation.check_metrics import FAIL, PASS, Metric, Timeline, _na
from twincast.evaluation.identity import YAW_BINS, yaw_bin
from twincast.native_logs import quiet_stderr

# face-mesh indices (mediapipe)
_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
         377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67,
         109]
_HOLES = ([33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246],
          [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466],
          [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39,
           40, 185])
#: the face is analysed at most this many pixels tall (forehead-chin), never upsampled
NORM_HEIGHT = 200.0
REGIONS = ("outer_left", "outer_right", "cheek_left", "cheek_right")
SQUEEZE_REGIONS = ("cheek_left", "cheek_right")
#: a region's anisotropy under this fraction of its frontal median (stretched sideways), or a
#: cheek's over its inverse (squeezed, as beside a fold), makes a warped frame
STRETCH_MIN = 0.6
#: judged: share of warped frames in the worst yaw bin
WARP_MAX_SHARE = 0.10
#: selfie-segmentation coverage above which a pixel of the outer bands is the person's
PERSON_MIN = 0.5
#: every how many frames the texture is measured
WARP_EVERY = 2
#: a yaw bin is judged when it holds at least this many seconds of frames
BIN_MIN_S = 1.0


class WarpSampler:
    """Fed every decoded frame by ``track_video``; measures every ``every``-th face.

    The bands outside the outline are taken on the person only (mediapipe's selfie
    segmentation of the frame, coverage > 0.5): what lies beside a turned head is scenery, and a
    flag's cord or stripes entering or leaving the band changed its anisotropy more than the
    hair's stretch did (docs/realism.md, "Person only")."""

    def __init__(self, every: int = 2) -> None:  # WARP_EVERY
        self.every = every
        self.frame: list[int] = []
        self.values: list[list[float]] = []  # per frame: anisotropy of REGIONS
        self._segmenter = None

    def add(self, i: int, gray: np.ndarray, pts: np.ndarray | None,
            rgb: np.ndarray | None = None) -> None:
        if pts is None or i % self.every:
            return
        box = _box(pts, gray.shape)
        if box is None:
            return
        x0, y0, x1, y1, s = box
        size = (max(8, int(round((x1 - x0) * s))), max(8, int(round((y1 - y0) * s))))
        cur = cv2.resize(gray[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA)
        masks = _regions((pts[:, :2] - [x0, y0]) * s, cur.shape)
        if rgb is not None:
            person = cv2.resize(self._person(rgb)[y0:y1, x0:x1], size,
                                interpolation=cv2.INTER_AREA) > PERSON_MIN
            for r in ("outer_left", "outer_right"):
                masks[r] &= person
        self.frame.append(i)
        self.values.append(anisotropy(cur, [masks[r] for r in REGIONS]))

    def _person(self, rgb: np.ndarray) -> np.ndarray:
        if self._segmenter is None:
            from mediapipe.python.solutions import selfie_segmentation

            with quiet_stderr():
                self._segmenter = selfie_segmentation.SelfieSegmentation(model_selection=0)
        return self._segmenter.process(rgb).segmentation_mask

    def close(self) -> None:
        if self._segmenter is not None:
            self._segmenter.close()
            self._segmenter = None

    def result(self) -> dict[str, np.ndarray]:
        self.close()
        v = np.asarray(self.values, float).reshape(-1, len(REGIONS))
        return {"frame": np.asarray(self.frame, int), **{r: v[:, k] for k, r in enumerate(REGIONS)}}


def _box(pts: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int, float] | None:
    """Head box (face oval widened 35 % a side, 20 % up) and the scale to NORM_HEIGHT."""
    oval = pts[_OVAL, :2]
    (fx0, fy0), (fx1, fy1) = oval.min(axis=0), oval.max(axis=0)
    w, h = fx1 - fx0, fy1 - fy0
    tall = float(np.linalg.norm(pts[10, :2] - pts[152, :2]))
    if w < 16 or h < 16 or tall < 16:
        return None
    x0 = int(max(0, fx0 - 0.35 * w))
    x1 = int(min(shape[1], fx1 + 0.35 * w))
    y0 = int(max(0, fy0 - 0.2 * h))
    y1 = int(min(shape[0], fy1 + 0.05 * h))
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None
    return x0, y0, x1, y1, min(1.0, NORM_HEIGHT / tall)


def _poly(shape, p, ids, scale=1.0, centre=None) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    q = p[ids]
    if scale != 1.0:
        q = centre + (q - centre) * scale
    cv2.fillPoly(m, [np.round(q).astype(np.int32)], 1)
    return m.astype(bool)


def _regions(p: np.ndarray, shape) -> dict[str, np.ndarray]:
    """Masks in crop pixels, between brow and mouth-corner height, eyes and mouth cut out:
    per side (image-left/right of the forehead-chin line) the cheek band (60-100 % of the face
    oval) and the band outside the outline (100-135 %: temple, ear, hair, the strip between
    outline and ear), where a warp renderer stretches the photo's compressed sides."""
    centre = p[_OVAL].mean(axis=0)
    holes = np.zeros(shape, bool)
    for ids in _HOLES:
        holes |= _poly(shape, p, ids, 1.6, p[ids].mean(axis=0))
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    top = min(p[105, 1], p[334, 1])
    bottom = max(p[61, 1], p[291, 1])
    band = (yy >= top) & (yy <= bottom) & ~holes
    a, b = p[10], p[152]
    left = (b[0] - a[0]) * (yy - a[1]) - (b[1] - a[1]) * (xx - a[0]) > 0
    oval = _poly(shape, p, _OVAL)
    outer = _poly(shape, p, _OVAL, 1.35, centre) & ~oval & band
    inner = oval & ~_poly(shape, p, _OVAL, 0.6, centre) & band
    return {"outer_left": outer & left, "outer_right": outer & ~left,
            "cheek_left": inner & left, "cheek_right": inner & ~left}


def anisotropy(gray: np.ndarray, masks: list[np.ndarray]) -> list[float]:
    """Mean |d/dx| over mean |d/dy| of the lightly smoothed (sigma 1 px, above the codec's
    block noise) picture inside each mask; NaN for a mask under 50 pixels.

    Why this: a head turn rendered from one photo stretches the sides sideways, which removes
    horizontal gradient energy and leaves vertical (streaks), while contrast and lighting
    scale both directions alike and cancel in the ratio.
    """
    g = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), 1.0)
    gx = np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0))
    gy = np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1))
    return [float(gx[m].mean() / max(gy[m].mean(), 1e-3)) if m.sum() >= 50 else np.nan
            for m in masks]


def _bins(frames: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    return np.array([yaw_bin(y) if np.isfinite(y) else "" for y in yaw[frames]], dtype=object)


def _per_bin(flags: np.ndarray, valid: np.ndarray, bins: np.ndarray, min_n: int) -> dict:
    out = {}
    for name, _, _ in YAW_BINS:
        sel = valid & (bins == name)
        if sel.any():
            out[name] = {"share": float(flags[sel].mean()), "n": int(sel.sum()),
                         "judged": bool(sel.sum() >= min_n)}
    return out


def _judged_metric(key, name, per_bin, band_max, band, src, unit, detail) -> Metric:
    judged = {k: v["share"] for k, v in per_bin.items() if v["judged"]}
    text = ", ".join(f"{k} {v['share']:.0%}" + ("" if v["judged"] else "*")
                     for k, v in per_bin.items())
    if not judged:
        return _na(key, name, band, src, "under 1 s of tracked frames in every yaw bin")
    worst_bin = max(judged, key=judged.get)
    worst = judged[worst_bin]
    return Metric(key, name, worst, f"{worst:.0%} {unit} in {worst_bin} ({text})", band,
                  PASS if worst <= band_max else FAIL, src, {"bins": per_bin, **detail})


def warp_metrics(warp: dict, yaw: np.ndarray, tl: Timeline, series: dict) -> list[Metric]:
    """One row: the share of stretched or folded frames in the worst yaw bin (module doc)."""
    band = f"<= {WARP_MAX_SHARE:.0%} of frames in every yaw bin"
    src = (f"side-texture anisotropy < {STRETCH_MIN:.2f}x or > {1 / STRETCH_MIN:.2f}x of "
           "frontal; calibrated on real footage (docs/realism.md)")
    frames = warp.get("frame", np.zeros(0, int))
    if len(frames) < 10:
        return [_na("warp", "warp stretch/fold", band, src, "too few tracked frames")]
    min_n = max(3, int(round(BIN_MIN_S * tl.fps / WARP_EVERY)))
    bins = _bins(frames, yaw)
    t = tl.slots[frames] / tl.fps
    ref_from, rel = "frontal", []
    for r in REGIONS:
        v = warp[r]
        front = np.isfinite(v) & (bins == "frontal")
        if front.sum() < min_n:
            front, ref_from = np.isfinite(v), "all frames (under 1 s frontal)"
        rel.append(v / np.median(v[front]) if front.any() else np.full(len(v), np.nan))
    rel = np.array(rel)
    ok = np.isfinite(rel).any(axis=0)
    low = np.where(ok, np.nanmin(np.where(np.isfinite(rel), rel, np.inf), axis=0), np.nan)
    # squeezing is judged on the cheeks only: the hair and ear on the far side of a real head
    # turned 20 degrees already read 1.6-1.7x (the turn foreshortens them, hair folds behind)
    cheeks = rel[[REGIONS.index(r) for r in SQUEEZE_REGIONS]]
    ok_c = np.isfinite(cheeks).any(axis=0)
    high = np.where(ok_c, np.nanmax(np.where(np.isfinite(cheeks), cheeks, -np.inf), axis=0), np.nan)
    stretched = ok & (low < STRETCH_MIN)
    folded = ok & (high > 1 / STRETCH_MIN)
    series["warp"] = (t, low, high)
    per_bin = _per_bin(stretched | folded, ok, bins, min_n)
    for name in per_bin:
        sel = ok & (bins == name)
        per_bin[name].update(stretched=float(stretched[sel].mean()),
                             compressed=float(folded[sel].mean()),
                             median_low=float(np.median(low[sel])),
                             median_high=float(np.median(high[sel])))
    bad = stretched | folded
    return [_judged_metric("warp", "warp stretch/fold", per_bin, WARP_MAX_SHARE, band, src,
                           "warped", {"reference": ref_from,
                                      "times_s": t[bad].round(2).tolist()[:300]})]


__all__ = ["WarpSampler", "warp_metrics", "anisotropy", "REGIONS", "STRETCH_MIN",
           "WARP_MAX_SHARE"]
