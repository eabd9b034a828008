"""Static broadcast graphics: the studio background and the product card.

Both are drawn once (per size, per product and language) with Pillow and cached, so a frame
only pays for a copy and a few small blends.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .text_overlay import Patch, blend, fit_text, fit_text_patch, font


@lru_cache(maxsize=4)
def studio_background(width: int, height: int, seed: int = 3) -> np.ndarray:
    """A warm studio backdrop: vertical gradient and soft out-of-focus lights (the counter is
    drawn per camera by the stage, in front of the actors)."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    top, bottom = np.array([46, 38, 62], np.float32), np.array([150, 96, 84], np.float32)
    img = np.broadcast_to(top + (bottom - top) * y, (height, width, 3)).copy()
    lights = np.zeros((height, width, 3), np.float32)
    for _ in range(18):
        cx, cy = rng.uniform(0, width), rng.uniform(0, 0.7 * height)
        r = rng.uniform(0.03, 0.09) * width
        colour = rng.choice([[255, 214, 160], [255, 180, 200], [200, 220, 255]])
        cv2.circle(lights, (int(cx), int(cy)), int(r), [float(c) for c in colour], -1, cv2.LINE_AA)
    lights = cv2.GaussianBlur(lights, (0, 0), 0.02 * width)
    return np.clip(img + 0.35 * lights, 0, 255).astype(np.uint8)


def product_card(name: str, price: str, promo: str | None, stock_line: str, width: int,
                 scale: float = 1.0) -> Patch:
    """Name, struck-through list price, big promo price and stock, on a rounded panel.

    The name wraps to two lines and shrinks (down to 60 %) until it fits whole: a title cut
    mid-word ("SoundWave Pro noise-cancel") hides what is being sold. The prices and the stock
    line shrink the same way if the card is narrow."""
    pad = int(18 * scale)
    x = pad + int(10 * scale)
    avail = width - x - pad
    name_size, lines = fit_text(name, int(30 * scale), avail, 2)
    f_name = font(name_size)
    promo_size = int(54 * scale)
    shown = promo or price
    while promo_size > 28 * scale:  # big price (+ the struck list price) must fit on one line
        f_promo, f_price = font(promo_size), font(int(promo_size * 26 / 54))
        need = f_promo.getlength(shown) + (int(16 * scale) + f_price.getlength(price) if promo else 0)
        if need <= avail:
            break
        promo_size = int(promo_size * 0.92)
    f_promo, f_price = font(promo_size), font(int(promo_size * 26 / 54))
    small_size, _ = fit_text(stock_line, int(24 * scale), avail, 1)
    f_small = font(small_size)
    line_h = int(name_size * 1.3)
    name_h = line_h * len(lines)
    h = pad * 2 + name_h + int(promo_size * 66 / 54) + int(32 * scale)
    img = Image.new("RGBA", (width, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, width - 1, h - 1), radius=int(20 * scale), fill=(255, 250, 244, 235))
    d.rounded_rectangle((0, 0, int(10 * scale), h - 1), radius=int(5 * scale), fill=(230, 60, 60, 255))
    for i, ln in enumerate(lines):
        d.text((x, pad + i * line_h), ln, font=f_name, fill=(40, 30, 30, 255))
    y = pad + name_h + int(2 * scale)
    d.text((x, y), shown, font=f_promo, fill=(222, 40, 40, 255))
    if promo:
        px = x + int(f_promo.getlength(shown)) + int(16 * scale)
        py = y + int(promo_size * 24 / 54)
        d.text((px, py), price, font=f_price, fill=(130, 120, 120, 255))
        w = int(f_price.getlength(price))
        sy = py + int(promo_size * 16 / 54)
        d.line((px, sy, px + w, sy), fill=(130, 120, 120, 255), width=max(2, int(2 * scale)))
    d.text((x, y + int(promo_size * 68 / 54)), stock_line, font=f_small, fill=(90, 80, 80, 255))
    arr = np.asarray(img)
    return Patch(np.ascontiguousarray(arr[..., :3]), np.ascontiguousarray(arr[..., 3:4]))


def _read_rgb(path) -> np.ndarray | None:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR) if path else None
    return None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def fit_product_image(path, name: str, box: tuple[int, int], scale: float = 1.0, panel: bool = True) -> np.ndarray:
    """The product picture large in ``box`` (w, h) on a light showcase panel with a soft
    vignette (the product shot). Without a picture, the product's name set large on the panel,
    so the shot still shows what is sold rather than an empty box."""
    bw, bh = box
    tile = np.full((bh, bw, 3), 246, np.uint8)
    if panel:  # a light studio sweep: a touch brighter at the top, no dark rim
        y = np.linspace(0, 1, bh, dtype=np.float32)[:, None, None]
        tile = np.broadcast_to(np.array([250, 248, 246], np.float32) - 14 * y, (bh, bw, 3)).astype(np.uint8).copy()
    rgb = _read_rgb(path)
    if rgb is None:
        patch = fit_text_patch(name, int(56 * scale), int(bw * 0.86), 3, box_alpha=0.0, color=(60, 40, 40))
        x, y = (bw - patch.size[0]) // 2, (bh - patch.size[1]) // 2

        blend(tile, patch, x, y)
        return tile
    k = min(bw / rgb.shape[1], bh / rgb.shape[0]) * 0.94
    rgb = cv2.resize(rgb, (max(1, int(rgb.shape[1] * k)), max(1, int(rgb.shape[0] * k))),
                     interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    y0, x0 = (bh - rgb.shape[0]) // 2, (bw - rgb.shape[1]) // 2
    tile[y0:y0 + rgb.shape[0], x0:x0 + rgb.shape[1]] = rgb
    return tile


def product_cutout(path, box: tuple[int, int]) -> tuple[np.ndarray, np.ndarray] | None:
    """(rgb, alpha) of the product picture fitted into ``box`` with its plain background
    (the colour of its border) made transparent, so it stands on the table as an object; None
    without a picture."""
    rgb = _read_rgb(path)
    if rgb is None:
        return None
    bw, bh = box
    k = min(bw / rgb.shape[1], bh / rgb.shape[0])
    rgb = cv2.resize(rgb, (max(1, int(rgb.shape[1] * k)), max(1, int(rgb.shape[0] * k))),
                     interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.float32)
    bg = np.median(border, 0)
    dist = np.abs(rgb.astype(np.float32) - bg).max(2)
    alpha = np.clip((dist - 10) / 20, 0, 1)
    # keep the object's inside solid: fill what the border's colour does not reach
    solid = (alpha > 0.5).astype(np.uint8)
    _, lab = cv2.connectedComponents(1 - solid, connectivity=4)
    outside = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    alpha[(solid == 0) & ~np.isin(lab, outside)] = 1
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.8)
    return rgb, (alpha * 255).astype(np.uint8)


def load_product_image(path, box: tuple[int, int]) -> np.ndarray | None:
    """The product photo fitted into ``box`` (w, h) on a white rounded tile, or None."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR) if path else None
    if bgr is None:
        return None
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    bw, bh = box
    k = min(bw / rgb.shape[1], bh / rgb.shape[0]) * 0.92
    rgb = cv2.resize(rgb, (max(1, int(rgb.shape[1] * k)), max(1, int(rgb.shape[0] * k))), interpolation=cv2.INTER_AREA)
    tile = np.full((bh, bw, 3), 252, np.uint8)
    y0, x0 = (bh - rgb.shape[0]) // 2, (bw - rgb.shape[1]) // 2
    tile[y0:y0 + rgb.shape[0], x0:x0 + rgb.shape[1]] = rgb
    return tile
