"""The canvas as two layers: the person (foreground colours + matte) over a filled background.

Why: when the head turns, the background it used to cover must show. Warping the photo alone
drags the pixels beside the head into long streaks; instead the person layer is warped and
laid over a still background plate in which the person has been painted out.

The split is exact where it matters: ``photo = F * a + B * (1 - a)`` holds at every pixel up
to 8-bit rounding, so the frontal pose renders the photo unchanged. ``B`` is a fill from the
surrounding background under the whole person *and a thin ring around it*, blended into the
photo only beyond that ring: the background's texture mirrored into the hole from its edges
(what a turn uncovers keeps the stripes and grain beside it) over a smooth multi-scale
normalised convolution (wide where the hole is deep, fine near its edge) where no mirror
reaches. Nothing of the person is left in the plate: whatever of the photo
the fill does not explain there (the soft hair edge, the light halo that resampled and
sharpened portraits carry around the outline) goes into the person layer, with the alpha
``a`` raised above the matte just as far as keeps ``F`` within 0..255. A plate that kept the
photo under the matte's faint edge showed a trace of the old outline when the head turned.
Background detail that the person's colours cannot explain (a flag's stripes beside the hair)
stays in the plate, as before (see ``split``).
"""

from __future__ import annotations

import cv2
import numpy as np

KNOWN = 0.02  # matte below this is background in the photo
RING = 0.02  # of the canvas size: how far past the matte the plate is filled (halo, faint hair)
HALO = 48.0  # a pixel within this of what the person explains (levels) is the person's, not scenery
RAISE_MAX = 0.5  # the layer alpha is raised above the matte by at most about this much
THIN_LO, THIN_HI = 0.3, 0.7  # matte: below LO the plate is the scenery seen through, above HI the fill
# edge contrast (grey levels a pixel) of the background beside the outline above which its
# scenery is worth keeping under thin hair (a plain wall or sky 6-12, a flag 22-75)
SCENERY_MIN = 12.0
FIT_MISS = 60.0  # levels off the person-background colour line: a soft-band pixel keeps the net's alpha
MIN_RUN = 8  # px: background runs shorter than this (between hair strands) are not mirrored
PLATE_EXTRA = "background.png"  # the AvatarModel.extras member holding the canvas plate


def canvas_matte(model) -> np.ndarray:
    """The person matte of an AvatarModel cut and scaled like ``model.canvas_image`` (all
    person when the avatar has no matte)."""
    size = model.render_size
    if model.mask is None:
        return np.full((size, size), 255, np.uint8)
    x0, y0, side = model.canvas_box
    return cv2.resize(model.mask[y0:y0 + side, x0:x0 + side], (size, size), interpolation=cv2.INTER_AREA)


def fill_background(rgb: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """Background plate (uint8 RGB, like ``rgb``) with the person region filled from the
    surrounding background: a smooth base (computed at a quarter of the size) with the
    background's texture continued from the edges on top (:func:`_mirror_fill`)."""
    h, w = rgb.shape[:2]
    small = (max(8, w // 4), max(8, h // 4))
    m = cv2.resize(matte, small, interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    img = cv2.resize(rgb, small, interpolation=cv2.INTER_AREA).astype(np.float32)
    near = _near_person(matte, RING * max(h, w))
    known = (cv2.resize(near, small, interpolation=cv2.INTER_AREA) < 1e-3) & (m < KNOWN)
    known = cv2.erode(known.astype(np.float32), np.ones((3, 3), np.uint8))  # clear of the ring
    est = None
    for sigma in (48.0, 24.0, 12.0, 6.0, 3.0, 1.5):  # coarse to fine: fine wins where supported
        den = cv2.GaussianBlur(known, (0, 0), sigma)
        num = cv2.GaussianBlur(img * known[..., None], (0, 0), sigma)
        e = num / np.maximum(den, 1e-6)[..., None]
        if est is None:
            est = e if den.min() > 1e-6 else np.where(den[..., None] > 1e-6, e, img.mean((0, 1)))
            continue
        conf = np.clip(den / 0.3, 0, 1)[..., None]
        est = est + (e - est) * conf
    est = cv2.GaussianBlur(est, (0, 0), 1.0)
    full = cv2.resize(est, (w, h), interpolation=cv2.INTER_LINEAR)
    texture, conf = _mirror_fill(rgb, near < 1e-3)  # mirrored from beyond the ring
    full = full + (texture - full) * conf[..., None]
    full = _seen_through(rgb, matte, full, near < 1e-3)
    keep = (near < 1e-3)[..., None]
    return np.where(keep, rgb, np.clip(full + 0.5, 0, 255)).astype(np.uint8)


def _seen_through(rgb: np.ndarray, matte: np.ndarray, fill: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``fill`` with the scenery that shows through thin hair put back where the matte is thin.

    Why: under wispy hair the photo is mostly background (a flag's fringe, a cord). Filled from
    the plate's surroundings instead, the split had to carry that scenery in the person layer,
    magnified by (1-a)/a, and a head turn dragged it along as torn, brightly coloured shards.
    Here foreground and background are estimated together from the photo and the matte
    (pymatting's multi-level estimate: smooth colours that explain the photo), and the
    background part is kept from the matte's faint edge up to :data:`THIN_HI` coverage, so the
    plate holds what is really behind the hair and the person layer holds the hair's colour."""
    from pymatting import estimate_foreground_ml  # numba-compiled on first use, then cached

    m = matte.astype(np.float64) / 255
    _, seen = estimate_foreground_ml(rgb.astype(np.float64) / 255, m, return_background=True)
    x = np.clip((m - THIN_LO) / (THIN_HI - THIN_LO), 0, 1)
    seen = seen.astype(np.float32) * 255
    # only where the scenery around that part of the outline has detail to keep (a flag, not a
    # plain wall): over a plain background the estimate would keep nothing but the light halo
    # and the softest hair, and they would stay behind as a trace of the old outline
    scenery = np.clip((_scenery_detail(rgb, known) - SCENERY_MIN) / 8, 0, 1)
    w = (m >= KNOWN) * (1 - x * x * (3 - 2 * x)) * scenery
    return fill + (seen - fill) * w[..., None].astype(np.float32)


def _scenery_detail(rgb: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Edge contrast of the background (grey-level gradient magnitude over the ``known``
    pixels beyond the ring), spread over the canvas at the scale of a head side (24 px at 512)."""
    h, w = known.shape
    known = known.astype(np.float32)
    g = cv2.GaussianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), 1.0)
    mag = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))
    sigma = 24.0 * max(h, w) / 512
    den = np.maximum(cv2.GaussianBlur(known, (0, 0), sigma), 1e-6)
    return cv2.GaussianBlur(mag * known, (0, 0), sigma) / den


def _mirror_fill(rgb: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The background's texture continued into the hole: mirrored back and forth from the
    hole's edges along rows (left, right) and columns (above, below), each image weighted by
    the inverse square of its distance to that edge, so the nearest edge speaks; (colours,
    confidence).

    Why mirrors: the scenery a turning head uncovers is beside it, and mirroring continues its
    lines (a flag's stripes beside the head, a shelf above it) and matches the colour at the
    edge, so the band a turn reveals keeps the texture around it instead of a blur. Rows alone
    tore the texture above the head, where the edge runs sideways. Runs of background shorter
    than :data:`MIN_RUN` (gaps between hair strands) are not mirrored: where no mirror reaches,
    the smooth fill stays (confidence 0)."""
    img = rgb.astype(np.float32)
    t_rows, w_rows = _mirror_sums(img, known)
    t_cols, w_cols = _mirror_sums(img.transpose(1, 0, 2), known.T)
    total, weight = t_rows + t_cols.transpose(1, 0, 2), w_rows + w_cols.T
    conf = (weight > 0).astype(np.float32)
    col = total / np.maximum(weight, 1e-12)[..., None]
    # a light blur keeps neighbouring rows and columns from tearing apart where the edge is
    # ragged (hair); the confidence eases in over a few pixels
    col = cv2.GaussianBlur(col * conf[..., None], (0, 0), 0.7)
    den = cv2.GaussianBlur(conf, (0, 0), 0.7)
    conf = cv2.GaussianBlur(conf, (0, 0), 3.0) * (den > 1e-3)
    return col / np.maximum(den, 1e-6)[..., None], conf


def _mirror_sums(img: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sums of the left and right mirror images of every row (see _mirror_fill)."""
    h, w = known.shape
    x = np.broadcast_to(np.arange(w)[None, :], (h, w))
    rows = np.arange(h)[:, None]
    starts = known & ~np.pad(known, ((0, 0), (1, 0)))[:, :-1]
    ends = known & ~np.pad(known, ((0, 0), (0, 1)))[:, 1:]
    run_start = np.maximum.accumulate(np.where(starts, x, -1), axis=1)
    run_end = np.minimum.accumulate(np.where(ends, x, w)[:, ::-1], axis=1)[:, ::-1]
    left = np.maximum.accumulate(np.where(known, x, -1), axis=1)  # last known pixel at or before x
    right = np.minimum.accumulate(np.where(known, x, w)[:, ::-1], axis=1)[:, ::-1]
    total = np.zeros(img.shape, np.float32)
    weight = np.zeros((h, w), np.float32)
    for edge, far, step in ((left, run_start, -1), (right, run_end, 1)):
        ok = (edge >= 0) & (edge < w)
        e = np.clip(edge, 0, w - 1)
        other = far[rows, e]  # the known run's other end
        n = np.abs(e - other) + 1
        ok &= n >= MIN_RUN
        d = np.abs(x - e)  # 0 on the edge itself
        k = np.maximum(d - 1, 0) % (2 * n)  # back and forth over the run
        src = np.clip(np.where(k < n, e + step * k, other - step * (k - n)), 0, w - 1)
        wgt = ok / np.maximum(d, 1).astype(np.float32) ** 2
        total += img[rows, src] * wgt[..., None]
        weight += wgt
    return total, weight


def _near_person(matte: np.ndarray, ring: float) -> np.ndarray:
    """1 on the person (matte above KNOWN) and within ring/2 of it, easing to 0 at ``ring``."""
    outside = (matte.astype(np.float32) / 255 < KNOWN).astype(np.uint8)
    dist = cv2.distanceTransform(outside, cv2.DIST_L2, 5)
    t = np.clip((ring - dist) / (0.5 * ring), 0, 1)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def _spread(img: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Colours of the weighted pixels spread outward (finest scale wins where it reaches)."""
    est = None
    for sigma in (16.0, 8.0, 4.0, 2.0):
        den = cv2.GaussianBlur(weight, (0, 0), sigma)
        e = cv2.GaussianBlur(img * weight[..., None], (0, 0), sigma) / np.maximum(den, 1e-6)[..., None]
        conf = np.clip(den / 0.3, 0, 1)[..., None]
        est = e if est is None else est + (e - est) * conf
    return est


def refine_matte(rgb: np.ndarray, matte: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """The matte's soft band re-estimated from colour: with the person's colour spread out
    from inside and the background fill, the coverage that best explains each pixel (the
    alpha step of Bayesian matting). The segmentation net's band is a blur, not a coverage:
    a pixel of hair it calls 0.5 cannot be split into person + background colours."""
    m = matte.astype(np.float32) / 255
    src, bg = rgb.astype(np.float32), fill.astype(np.float32)
    fg = _spread(src, (m >= 0.98).astype(np.float32))
    d = fg - bg
    dd = (d * d).sum(2)
    est = np.clip(((src - bg) * d).sum(2) / np.maximum(dd, 1.0), 0, 1)
    trust = np.clip((np.sqrt(dd) - 20) / 40, 0, 1)  # only where the two colours differ enough
    # ...and only where the pixel is a mix of the two at all: a bright cord of the flag beside
    # grey hair projects onto "all person" but lies far off the person-background line, and
    # made solid it moved with the head as a torn streak (the net's value stays there)
    miss = np.sqrt(((src - bg - est[..., None] * d) ** 2).sum(2))
    trust *= np.clip((FIT_MISS - miss) / (0.5 * FIT_MISS), 0, 1)
    band = (m > KNOWN) & (m < 0.98)
    out = np.where(band, m + (est - m) * trust, m)
    return np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)


def _need(diff: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """The smallest alpha with which ``bg + diff`` is ``F*a + bg*(1-a)`` for an F in 0..255."""
    return np.where(diff > 0, diff / np.maximum(255 - bg, 1), -diff / np.maximum(bg, 1)).max(2)


def split(rgb: np.ndarray, matte: np.ndarray, fill: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(foreground F, background B, alpha a), all uint8, with ``rgb = F*a + B*(1-a)`` up to
    8-bit rounding (pass the refined matte and ``fill_background``'s plate).

    Where the person explains a pixel (inside, the soft edge where the photo is the person's
    colour mixed with the fill, a halo just outside that the fill nearly matches) B is the
    fill, and ``a`` is the matte raised to the smallest alpha that keeps F within 0..255 (a
    halo 20 levels brighter than the fill needs about 0.1). Elsewhere the photo's background
    detail that the smooth fill misses (a flag's stripes beside the hair) stays in B, as B =
    photo eased into the fill across the soft edge, with F solved and clipped and what F
    cannot carry put back into B."""
    size = max(rgb.shape[:2])
    m = matte.astype(np.float32) / 255
    src, fl = rgb.astype(np.float32), fill.astype(np.float32)
    person_colour = _spread(src, (m >= 0.98).astype(np.float32))
    mixed = np.abs(src - (m[..., None] * person_colour + (1 - m[..., None]) * fl)).max(2)
    own = np.where(m >= KNOWN, mixed, np.abs(src - fl).max(2))  # beyond the matte: the fill alone
    # and only what a modest alpha can carry over the fill (near white or black a small
    # difference would need the full alpha, and the background would move with the head)
    reach = np.clip((RAISE_MAX - _need(src - fl, fl)) / 0.15, 0, 1)
    carry = cv2.GaussianBlur(np.clip((HALO + 24 - own) / 24, 0, 1) * reach, (0, 0), 1.0)
    carry = np.maximum(carry, np.clip((m - 0.5) / 0.4, 0, 1))  # the matte's core is always the person's
    eased = np.clip((m - KNOWN) / 0.55, 0, 1)
    t = carry * _near_person(matte, RING * size) + (1 - carry) * eased * eased * (3 - 2 * eased)
    bg = np.clip(src + (fl - src) * t[..., None] + 0.5, 0, 255).astype(np.uint8).astype(np.float32)
    diff = src - bg
    alpha = np.clip(np.ceil(np.maximum(m, _need(diff, bg) * carry) * 255 - 1e-3), 0, 255).astype(np.uint8)
    af = alpha.astype(np.float32)[..., None] / 255
    fg = np.where(af > 0, np.clip(bg + diff / np.maximum(af, 1 / 255) + 0.5, 0, 255), src).astype(np.uint8)
    # where F clipped (alpha not raised: background detail), the rest of the photo goes into B
    rest = src - fg.astype(np.float32) * af - bg * (1 - af)
    fix = (np.abs(rest).max(2, keepdims=True) > 1.0) & (af < 0.98)
    bg = np.where(fix, np.clip(bg + rest / np.maximum(1 - af, 0.02), 0, 255), bg)
    return fg, np.clip(bg + 0.5, 0, 255).astype(np.uint8), alpha


def encode_png(rgb: np.ndarray) -> bytes:
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    return png.tobytes()


def decode_png(blob: bytes) -> np.ndarray | None:
    img = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
    return None if img is None else cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
