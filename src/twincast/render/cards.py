"""Static broadcast graphics: the studio background and the product card.

Both are drawn once (per size, per product and language) with Pillow and cached, so a frame
only pays for a copy and a few small blends.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .text_overlay import Patch, font


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
    """Name, struck-through list price, big promo price and stock, on a rounded panel."""
    pad = int(18 * scale)
    f_name, f_price, f_promo, f_small = (font(int(s * scale)) for s in (30, 26, 54, 24))
    h = pad * 2 + int(40 * scale) + int(66 * scale) + int(32 * scale)
    img = Image.new("RGBA", (width, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, width - 1, h - 1), radius=int(20 * scale), fill=(255, 250, 244, 235))
    d.rounded_rectangle((0, 0, int(10 * scale), h - 1), radius=int(5 * scale), fill=(230, 60, 60, 255))
    x = pad + int(10 * scale)
    d.text((x, pad), name, font=f_name, fill=(40, 30, 30, 255))
    y = pad + int(42 * scale)
    shown = promo or price
    d.text((x, y), shown, font=f_promo, fill=(222, 40, 40, 255))
    if promo:
        px = x + int(f_promo.getlength(shown)) + int(16 * scale)
        py = y + int(24 * scale)
        d.text((px, py), price, font=f_price, fill=(130, 120, 120, 255))
        w = int(f_price.getlength(price))
        d.line((px, py + int(16 * scale), px + w, py + int(16 * scale)), fill=(130, 120, 120, 255),
               width=max(2, int(2 * scale)))
    d.text((x, y + int(68 * scale)), stock_line, font=f_small, fill=(90, 80, 80, 255))
    arr = np.asarray(img)
    return Patch(np.ascontiguousarray(arr[..., :3]), np.ascontiguousarray(arr[..., 3:4]))


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
