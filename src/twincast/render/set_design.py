"""The studio set behind and in front of the hosts: back wall with shelves of goods, a table.

Why a set: a live-commerce frame has no empty areas. What the people and the product do not
cover shows a room (a lit wall, shelves with stock, the table the product stands on), never a
flat colour field or a bare counter. Everything here is drawn once per frame size and cached;
the goods are simple shapes, slightly out of focus like a real background at f/2.8, so they
read as "a shop" without competing with the product being sold.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from .cards import studio_background

WOOD = np.array([176, 128, 92], np.float32)
WOOD_EDGE = np.array([226, 188, 150], np.float32)
GOODS = [(232, 96, 88), (248, 200, 120), (120, 170, 220), (240, 240, 236), (150, 200, 160), (210, 150, 200),
         (90, 110, 150), (250, 170, 130)]


@lru_cache(maxsize=4)
def back_wall(width: int, height: int, shelves: bool = True) -> np.ndarray:
    """The studio backdrop (gradient + soft lights) with shelves of goods across the wall."""
    img = studio_background(width, height).astype(np.float32)
    if not shelves:
        return img.astype(np.uint8)
    rng = np.random.default_rng(11)
    u = min(width, height) / 720  # one unit: 1 px at 720 wide
    layer = np.zeros_like(img)
    cover = np.zeros((height, width), np.float32)
    for level in (0.2, 0.43, 0.66):
        y = int(level * height)
        board = max(4, int(10 * u))
        x = int(rng.uniform(0, 30) * u)
        while x < width:  # goods standing on the board, left to right
            w = int(rng.uniform(34, 70) * u)
            h = int(rng.uniform(50, 110) * u)
            colour = np.array(GOODS[int(rng.integers(len(GOODS)))], np.float32)
            kind = rng.integers(3)
            if kind == 0:  # a box
                cv2.rectangle(layer, (x, y - h), (x + w, y), colour.tolist(), -1)
                cv2.rectangle(cover, (x, y - h), (x + w, y), 1.0, -1)
                cv2.rectangle(layer, (x, y - h), (x + w, y - h + max(2, h // 6)), (colour * 0.8).tolist(), -1)
            elif kind == 1:  # a bottle: body and neck
                cv2.rectangle(layer, (x + w // 5, y - int(h * 0.75)), (x + w - w // 5, y), colour.tolist(), -1)
                cv2.rectangle(cover, (x + w // 5, y - int(h * 0.75)), (x + w - w // 5, y), 1.0, -1)
                cv2.rectangle(layer, (x + w * 2 // 5, y - h), (x + w * 3 // 5, y), (colour * 0.85).tolist(), -1)
                cv2.rectangle(cover, (x + w * 2 // 5, y - h), (x + w * 3 // 5, y), 1.0, -1)
            else:  # a jar
                cv2.ellipse(layer, (x + w // 2, y - h // 3), (w // 2, h // 3), 0, 0, 360, colour.tolist(), -1)
                cv2.ellipse(cover, (x + w // 2, y - h // 3), (w // 2, h // 3), 0, 0, 360, 1.0, -1)
            x += w + int(rng.uniform(6, 22) * u)
        cv2.rectangle(layer, (0, y), (width, y + board), WOOD_EDGE.tolist(), -1)
        cv2.rectangle(cover, (0, y), (width, y + board), 1.0, -1)
        shadow = np.zeros((height, width), np.float32)
        cv2.rectangle(shadow, (0, y + board), (width, y + board + int(18 * u)), 0.35, -1)
        img *= 1 - cv2.GaussianBlur(shadow, (0, 0), 6 * u)[..., None]
    # out of focus: the set sits well behind the hosts
    sigma = 2.2 * u
    layer = cv2.GaussianBlur(layer, (0, 0), sigma)
    cover = cv2.GaussianBlur(cover, (0, 0), sigma)[..., None]
    img = img * (1 - cover) + layer * 0.8 * cover + img * 0.2 * cover
    return np.clip(img, 0, 255).astype(np.uint8)


@lru_cache(maxsize=8)
def table(width: int, height: int, top: int) -> np.ndarray:
    """The table front seen from standing height: a light top edge, then the wooden front in
    soft shade (rows ``top`` to ``height``), as an opaque RGB strip."""
    rows = height - top
    u = min(width, height) / 720
    y = np.linspace(0, 1, max(rows, 1), dtype=np.float32)[:, None, None]
    grain = np.random.default_rng(5).normal(0, 1, (1, width, 1)).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), 3 * u).reshape(1, width, 1) * 6
    strip = WOOD * (1.0 - 0.35 * y) + grain
    strip = np.broadcast_to(strip, (rows, width, 3)).copy()
    edge = max(3, int(14 * u))
    strip[:edge] = WOOD_EDGE * np.linspace(1.05, 0.9, edge, dtype=np.float32)[:, None, None]
    return np.clip(strip, 0, 255).astype(np.uint8)
