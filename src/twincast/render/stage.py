"""The show's stage: two cut-out avatars, cameras, product card, subtitles, AI label.

Each camera preset places the actors (scaled photos, cut out with their person matte) on the
studio background. Everything static for a (camera, product) pair is drawn once into a plate;
per frame only the animated face squares are blended back (with their warped matte), then the
subtitle and the label. Camera changes are cuts or a short cross-fade.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np

from ..avatar.model import AvatarModel
from .cards import load_product_image, product_card, studio_background
from .compose import AI_LABEL
from .text_overlay import Patch, blend, text_patch


class Camera(str, Enum):
    WIDE = "wide"  # host and assistant two-shot
    HOST = "host"  # host close-up
    PRODUCT = "product"  # product photo and card, host small
    PIP = "pip"  # host large, assistant in a picture-in-picture window


@dataclass(frozen=True)
class Spot:
    """Where an actor's face goes: centre (``cx``, ``cy``) and face height, as fractions of the
    frame; ``window`` = a framed picture-in-picture of the face square instead of a cut-out."""

    cx: float
    cy: float
    face: float
    window: bool = False


LAYOUTS: dict[Camera, dict[str, Spot]] = {
    Camera.WIDE: {"assistant": Spot(0.75, 0.45, 0.10), "host": Spot(0.33, 0.42, 0.13)},
    Camera.HOST: {"host": Spot(0.5, 0.40, 0.19)},
    Camera.PRODUCT: {"host": Spot(0.80, 0.70, 0.075)},
    Camera.PIP: {"host": Spot(0.55, 0.42, 0.18), "assistant": Spot(0.17, 0.17, 0.18, window=True)},
}
MAX_PLATES = 5  # (camera, product) plates kept: one product's four cameras and the next; ~25 ms to rebuild
CARD_Y = {Camera.WIDE: 0.07, Camera.HOST: 0.07, Camera.PIP: 0.07}


@dataclass(frozen=True)
class ProductView:
    id: str
    name: str
    price: str
    promo: str | None
    stock_line: str
    image: str | None = None


class _Placed:
    """One actor at one spot: scaled photo+matte and where its animated square lands."""

    def __init__(self, model: AvatarModel, spot: Spot, w: int, h: int) -> None:
        x0, y0, side = model.canvas_box
        to_img = side / model.render_size
        lm = model.landmarks[:, :2] * to_img + (x0, y0)
        face_h = float(lm[:, 1].max() - lm[:, 1].min())
        centre = lm.mean(0)
        self.window = spot.window
        if spot.window:
            size = int(spot.face * h)
            self.rect = (int(spot.cx * w - size / 2), int(spot.cy * h - size / 2), size, size)
            self.bottom = 0
            return
        img = model.image
        k = spot.face * h / face_h
        pw, ph = max(1, int(img.shape[1] * k)), max(1, int(img.shape[0] * k))
        self.x, self.y = int(spot.cx * w - centre[0] * k), int(spot.cy * h - centre[1] * k)
        self.bottom = self.y + ph
        self.rgb = cv2.resize(img, (pw, ph), interpolation=cv2.INTER_AREA)
        matte = model.mask if model.mask is not None else np.full(img.shape[:2], 255, np.uint8)
        self.matte = cv2.resize(matte, (pw, ph), interpolation=cv2.INTER_AREA).astype(np.float32)[..., None] / 255
        self.rect = (self.x + int(x0 * k), self.y + int(y0 * k), max(1, int(side * k)), max(1, int(side * k)))


def _clip(x: int, y: int, w: int, h: int, fw: int, fh: int):
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, fw), min(y + h, fh)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


class Stage:
    def __init__(self, actors: dict[str, AvatarModel], width: int = 720, height: int = 1280,
                 ai_label: bool = True, subtitles: bool = True) -> None:
        self.actors = actors
        self.w, self.h = width, height
        self.scale = width / 720
        self.background = studio_background(width, height)
        self._plates: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._placed: dict[tuple[Camera, str], _Placed] = {}
        self._label = text_patch(AI_LABEL, int(26 * self.scale), width) if ai_label else None
        self.subtitles = subtitles

    def windowed(self, camera: Camera, name: str) -> bool:
        """True when the camera shows this actor in a framed window (picture-in-picture),
        whole canvas and all, rather than cut out along the matte."""
        return self._place(camera, name).window

    def visible(self, camera: Camera) -> list[str]:
        return [name for name in LAYOUTS[camera] if name in self.actors]

    def _place(self, camera: Camera, name: str) -> _Placed:
        key = (camera, name)
        if key not in self._placed:
            self._placed[key] = _Placed(self.actors[name], LAYOUTS[camera][name], self.w, self.h)
        return self._placed[key]

    def _face_box(self, camera: Camera, name: str):
        p = self._place(camera, name)
        x, y, w, h = p.rect
        return _clip(x, y, w, h, self.w, self.desk_top(camera) if not p.window else self.h)

    def _plate(self, camera: Camera, product: ProductView | None) -> tuple[np.ndarray, dict]:
        """(plate with everything static, background-only crops under each face square, for
        re-blending the animated faces; crops rather than a second frame keep memory low)."""
        key = (camera, product.id if product else None)
        if key in self._plates:
            self._plates.move_to_end(key)
            return self._plates[key]
        base = self.background.copy()
        if product is not None:
            self._draw_product(base, camera, product)
        plate = base.copy()
        for name in self.visible(camera):
            p = self._place(camera, name)
            if p.window:
                continue
            ph, pw = p.rgb.shape[:2]
            box = _clip(p.x, p.y, pw, ph, self.w, self.h)
            if box is None:
                continue
            x0, y0, x1, y1 = box
            sub = np.s_[y0 - p.y:y1 - p.y, x0 - p.x:x1 - p.x]
            roi = plate[y0:y1, x0:x1].astype(np.float32)
            plate[y0:y1, x0:x1] = (roi + (p.rgb[sub] - roi) * p.matte[sub]).astype(np.uint8)
        self._desk(plate, base, camera)
        unders = {}
        for name in self.visible(camera):
            box = self._face_box(camera, name)
            if box is not None and not self._place(camera, name).window:
                x0, y0, x1, y1 = box
                unders[name] = base[y0:y1, x0:x1].copy()
        self._plates[key] = (plate, unders)
        while len(self._plates) > MAX_PLATES:  # a long catalog must not grow memory without end
            self._plates.popitem(last=False)
        return self._plates[key]

    def desk_top(self, camera: Camera) -> int:
        """The counter hides where the photos end: its top sits just above the highest photo
        bottom of the actors standing in this shot."""
        bottoms = [self._place(camera, n).bottom for n in self.visible(camera) if not self._place(camera, n).window]
        return int(min([0.86 * self.h] + [b - 0.01 * self.h for b in bottoms]))

    def _desk(self, plate: np.ndarray, base: np.ndarray, camera: Camera) -> None:
        top = self.desk_top(camera)
        for img in (plate, base):
            region = img[top:].astype(np.float32)
            shade = np.linspace(1.0, 0.7, len(region), dtype=np.float32)[:, None, None]
            img[top:] = (region * 0.06 + np.array([96, 60, 48], np.float32) * 0.94 * shade).astype(np.uint8)
            img[top:top + max(3, self.h // 250)] = (214, 176, 136)

    def _draw_product(self, img: np.ndarray, camera: Camera, product: ProductView) -> None:
        s = self.scale
        card_w = int(self.w * (0.9 if camera == Camera.PRODUCT else 0.6))
        card = product_card(product.name, product.price, product.promo, product.stock_line, card_w, s)
        if camera == Camera.PRODUCT:
            tile = load_product_image(product.image, (int(self.w * 0.9), int(self.h * 0.38)))
            if tile is not None:
                y0, x0 = int(self.h * 0.1), int(self.w * 0.05)
                img[y0:y0 + tile.shape[0], x0:x0 + tile.shape[1]] = tile
            blend(img, card, int(self.w * 0.05), int(self.h * 0.5))
        else:
            x = int(16 * s) if camera != Camera.PIP else self.w - card.size[0] - int(16 * s)
            blend(img, card, x, int(self.h * CARD_Y[camera]))

    def compose(self, camera: Camera, faces: dict[str, tuple[np.ndarray, np.ndarray]],
                product: ProductView | None = None, subtitle: str | None = None,
                banner: str | None = None) -> np.ndarray:
        """``faces``: actor -> (rendered canvas RGB, warped matte) for the visible actors."""
        plate, unders = self._plate(camera, product)
        frame = plate.copy()
        for name in self.visible(camera):
            if name not in faces:
                continue
            p = self._place(camera, name)
            rgb, matte = faces[name]
            x, y, w, h = p.rect
            box = self._face_box(camera, name)
            if box is None:
                continue
            x0, y0, x1, y1 = box
            face = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR)[y0 - y:y1 - y, x0 - x:x1 - x]
            if p.window:
                frame[y0:y1, x0:x1] = face
                cv2.rectangle(frame, (x0, y0), (x1 - 1, y1 - 1), (255, 255, 255), max(2, int(3 * self.scale)))
                continue
            m = cv2.resize(matte, (w, h), interpolation=cv2.INTER_LINEAR)[y0 - y:y1 - y, x0 - x:x1 - x]
            m = m.astype(np.float32) * np.float32(1 / 255)
            # one fused OpenCV pass: float numpy blending here cost ~3 ms a frame
            frame[y0:y1, x0:x1] = cv2.blendLinear(np.ascontiguousarray(face), unders[name], m, 1 - m)
        if self._label is not None:
            blend(frame, self._label, self.w - self._label.size[0] - int(16 * self.scale), int(16 * self.scale))
        if banner:  # an operator-pinned comment, top centre under the label
            patch = text_patch(banner, int(28 * self.scale), int(self.w * 0.8),
                               color=(255, 236, 150))
            blend(frame, patch, (self.w - patch.size[0]) // 2, int(self.h * 0.2))
        if subtitle and self.subtitles:
            patch: Patch = text_patch(subtitle, int(32 * self.scale), int(self.w * 0.9))
            blend(frame, patch, (self.w - patch.size[0]) // 2, int(self.h * 0.905) - patch.size[1] // 2)
        return frame


def crossfade(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return cv2.addWeighted(a, 1.0 - t, b, t, 0.0)
