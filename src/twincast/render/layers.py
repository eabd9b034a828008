"""The canvas as two layers: the person (foreground colours + matte) over a filled background.

Why: when the head turns, the background it used to cover must show. Warping the photo alone
drags the pixels beside the head into long streaks; instead the person layer is warped and
laid over a still background plate in which the person has been painted out.

The split is exact where it matters: ``photo = F * m + B * (1 - m)`` holds at every pixel up
to 8-bit rounding, so the frontal pose renders the photo unchanged, and the soft edge of the
matte (hair) keeps the photo's look instead of a halo of the old outline. ``B`` is the photo
where the matte is ~0 and a smooth fill from the surrounding background elsewhere (a
multi-scale normalised convolution: wide where the hole is deep, fine near its edge), blended
into the photo across the matte's soft edge; ``F`` is then solved from the compositing equation.
"""

from __future__ import annotations

import cv2
import numpy as np

KNOWN = 0.02  # matte below this is background in the photo
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
    """Background plate (uint8 RGB, like ``rgb``) with the person region filled smoothly from
    the surrounding background. Computed at a quarter of the size: it is smooth anyway."""
    h, w = rgb.shape[:2]
    small = (max(8, w // 4), max(8, h // 4))
    m = cv2.resize(matte, small, interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    img = cv2.resize(rgb, small, interpolation=cv2.INTER_AREA).astype(np.float32)
    known = (m < KNOWN).astype(np.float32)
    known = cv2.erode(known, np.ones((3, 3), np.uint8))  # keep clear of the soft edge
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
    keep = (matte.astype(np.float32) / 255 < KNOWN)[..., None]
    return np.where(keep, rgb, np.clip(full, 0, 255)).astype(np.uint8)


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
    band = (m > KNOWN) & (m < 0.98)
    out = np.where(band, m + (est - m) * trust, m)
    return np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)


def split(rgb: np.ndarray, matte: np.ndarray, fill: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(foreground F, background B) with ``rgb = F*m + B*(1-m)`` up to 8-bit rounding
    (pass the refined matte).

    B is the photo where the matte is low and the fill where it is high, blended across the
    soft edge, which keeps the division by m in the solve for F from amplifying the fill's
    error into clipped fringes."""
    m = matte.astype(np.float32)[..., None] / 255
    t = np.clip((m - KNOWN) / 0.55, 0, 1)
    t = t * t * (3 - 2 * t)
    src = rgb.astype(np.float32)
    bg = src + (fill.astype(np.float32) - src) * t
    background = np.clip(bg + 0.5, 0, 255).astype(np.uint8)
    bg = background.astype(np.float32)
    solved = (src - bg * (1 - m)) / np.maximum(m, KNOWN)
    fg = np.where(m >= KNOWN, np.clip(solved + 0.5, 0, 255), src).astype(np.uint8)
    # where F clipped (a colour outside both estimates), the rest of the error goes into B
    rest = src - fg.astype(np.float32) * m - bg * (1 - m)
    fix = (np.abs(rest).max(2, keepdims=True) > 1.0) & (m < 0.98)
    bg = np.where(fix, np.clip(bg + rest / np.maximum(1 - m, 0.02), 0, 255), bg)
    return fg, np.clip(bg + 0.5, 0, 255).astype(np.uint8)


def encode_png(rgb: np.ndarray) -> bytes:
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    return png.tobytes()


def decode_png(blob: bytes) -> np.ndarray | None:
    img = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
    return None if img is None else cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
