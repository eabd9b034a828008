"""Procedural room photographs for the sample property listing.

Why drawn: no room photos with a clear licence ship in any package (docs/licenses.md lists
what was examined), and a property tour needs real-looking rooms to show pan and zoom, so the
sample listing's pictures are rendered here from a small 3D model (a box room seen through a
pinhole camera, wood or tile floors, a window with daylight falling on the floor, furniture as
shaded boxes), then softened, vignetted and given sensor noise like a phone photo. They are
made at set-up/first use (``sample_listing`` in :mod:`twincast.video.listing`), never committed.
``python -m twincast.video.rooms DIR`` writes them to a folder to look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

Colour = tuple[int, int, int]  # RGB


@dataclass(frozen=True)
class Camera:
    width: int = 1280
    height: int = 960
    x: float = 0.0
    y: float = 1.45
    focal: float = 620.0

    def project(self, p: tuple[float, float, float]) -> tuple[float, float]:
        x, y, z = p
        z = max(z, 0.05)
        return (self.width / 2 + self.focal * (x - self.x) / z, self.height * 0.47 - self.focal * (y - self.y) / z)


class Room:
    """A box room (x across, y up, z away from the camera) drawn far-to-near with cv2."""

    def __init__(self, width: float, height: float, depth: float, seed: int, cam: Camera = Camera()) -> None:
        self.w, self.h, self.d = width, height, depth
        self.cam = cam
        self.rng = np.random.default_rng(seed)
        self.img = np.zeros((cam.height, cam.width, 3), np.float32)
        self.light = np.zeros((cam.height, cam.width), np.float32)
        self.near = 0.35

    def poly(self, pts3d, colour: Colour, target: np.ndarray | None = None) -> None:
        pts = np.array([self.cam.project(p) for p in pts3d], np.float64)
        pts = np.clip(pts, -20000, 20000)
        cv2.fillPoly(self.img if target is None else target, [np.round(pts * 16).astype(np.int32)],
                     [float(c) for c in colour], cv2.LINE_AA, shift=4)

    def line(self, a, b, colour: Colour, width: int = 2) -> None:
        pa, pb = self.cam.project(a), self.cam.project(b)
        cv2.line(self.img, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), [float(c) for c in colour], width,
                 cv2.LINE_AA)

    # ---------------------------------------------------------------- shell
    def shell(self, wall: Colour, floor: Colour, ceiling: Colour = (238, 236, 230), planks: bool = True,
              tiles: float = 0.0) -> None:
        w2, h, d, n = self.w / 2, self.h, self.d, self.near
        shade = lambda c, k: tuple(int(min(255, v * k)) for v in c)  # noqa: E731
        self.poly([(-w2, h, n), (w2, h, n), (w2, h, d), (-w2, h, d)], ceiling)
        self.poly([(-w2, 0, n), (-w2, h, n), (-w2, h, d), (-w2, 0, d)], shade(wall, 0.86))
        self.poly([(w2, 0, n), (w2, h, n), (w2, h, d), (w2, 0, d)], shade(wall, 0.93))
        self.poly([(-w2, 0, d), (w2, 0, d), (w2, h, d), (-w2, h, d)], wall)
        self.poly([(-w2, 0, n), (w2, 0, n), (w2, 0, d), (-w2, 0, d)], floor)
        if planks:
            x = -w2
            while x < w2:
                pw = 0.18
                k = self.rng.uniform(0.9, 1.1)
                self.poly([(x, 0, n), (x + pw, 0, n), (x + pw, 0, d), (x, 0, d)], shade(floor, k))
                self.line((x, 0, n), (x, 0, d), shade(floor, 0.7), 1)
                for z in np.arange(n + self.rng.uniform(0, 1.2), d, 1.2):
                    self.line((x, 0, z), (x + pw, 0, z), shade(floor, 0.75), 1)
                x += pw
        if tiles:
            for x in np.arange(-w2, w2 + 1e-6, tiles):
                self.line((x, 0, n), (x, 0, d), shade(floor, 0.8), 1)
            for z in np.arange(n, d, tiles):
                self.line((-w2, 0, z), (w2, 0, z), shade(floor, 0.8), 1)
        for a, b in (((-w2, 0, d), (-w2, h, d)), ((w2, 0, d), (w2, h, d)), ((-w2, 0, d), (w2, 0, d))):
            self.line(a, b, shade(wall, 0.75), 2)
        for x, lo in ((-w2, True), (w2, True)):  # skirting boards
            self.poly([(x, 0, n), (x, 0.08, n), (x, 0.08, d), (x, 0, d)], (245, 245, 240))
        self.poly([(-w2, 0, d - 0.01), (w2, 0, d - 0.01), (w2, 0.08, d - 0.01), (-w2, 0.08, d - 0.01)], (245, 245, 240))

    def wall_tiles(self, size: float, colour: Colour, up_to: float) -> None:
        w2, d, n = self.w / 2, self.d, self.near
        grout = tuple(int(c * 0.82) for c in colour)
        for y in np.arange(0, up_to + 1e-6, size):
            self.line((-w2, y, d), (w2, y, d), grout, 1)
            self.line((-w2, y, n), (-w2, y, d), grout, 1)
            self.line((w2, y, n), (w2, y, d), grout, 1)
        for x in np.arange(-w2, w2, size):
            self.line((x, 0, d), (x, up_to, d), grout, 1)
        for z in np.arange(n, d, size):
            self.line((-w2, 0, z), (-w2, up_to, z), grout, 1)
            self.line((w2, 0, z), (w2, up_to, z), grout, 1)

    def window_back(self, x0: float, x1: float, y0: float, y1: float, curtains: Colour | None = None) -> None:
        """A daylight window in the back wall and the light it throws on the floor."""
        d = self.d - 0.005
        self._sky([(x0, y0, d), (x1, y0, d), (x1, y1, d), (x0, y1, d)])
        for x in np.linspace(x0, x1, 3):
            self.line((x, y0, d), (x, y1, d), (250, 250, 250), 6)
        for y in (y0, y1, (y0 + y1) / 2):
            self.line((x0, y, d), (x1, y, d), (250, 250, 250), 6)
        floor_patch = [(x0 - 0.3, 0, d - 0.1), (x1 + 0.3, 0, d - 0.1), (x1 + 0.6, 0, d - 2.2), (x0 - 0.6, 0, d - 2.2)]
        self.poly(floor_patch, (1, 1, 1), self.light)
        if curtains:
            for a, b in ((x0 - 0.45, x0 - 0.05), (x1 + 0.05, x1 + 0.45)):
                self.poly([(a, 0.05, d - 0.05), (b, 0.05, d - 0.05), (b, self.h - 0.1, d - 0.05),
                           (a, self.h - 0.1, d - 0.05)], curtains)

    def window_left(self, z0: float, z1: float, y0: float, y1: float) -> None:
        x = -self.w / 2 + 0.005
        self._sky([(x, y0, z0), (x, y0, z1), (x, y1, z1), (x, y1, z0)])
        for z in np.linspace(z0, z1, 3):
            self.line((x, y0, z), (x, y1, z), (250, 250, 250), 6)
        for y in (y0, y1):
            self.line((x, y, z0), (x, y, z1), (250, 250, 250), 6)
        self.poly([(x, 0, z0 + 0.3), (x, 0, z1 + 0.3), (x + 2.4, 0, z1 + 1.0), (x + 2.4, 0, z0 + 1.0)], (1, 1, 1),
                  self.light)

    def _sky(self, quad) -> None:
        mask = np.zeros(self.img.shape[:2], np.float32)
        self.poly(quad, (1, 1, 1), mask)
        ys = np.linspace(0, 1, self.img.shape[0], dtype=np.float32)[:, None, None]
        sky = np.array([150, 196, 240], np.float32) + (np.array([236, 244, 252], np.float32) - [150, 196, 240]) * ys
        m = mask[..., None]
        self.img = self.img * (1 - m) + sky * m

    # ---------------------------------------------------------------- furniture
    def box(self, x0, x1, y0, y1, z0, z1, colour: Colour) -> None:
        c = np.array(colour, np.float32)
        tone = lambda k: tuple(float(v) for v in np.clip(c * k, 0, 255))  # noqa: E731
        cam = self.cam
        if cam.x < x0:
            self.poly([(x0, y0, z0), (x0, y1, z0), (x0, y1, z1), (x0, y0, z1)], tone(0.78))
        if cam.x > x1:
            self.poly([(x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1)], tone(0.84))
        if cam.y > y1:
            self.poly([(x0, y1, z0), (x1, y1, z0), (x1, y1, z1), (x0, y1, z1)], tone(1.12))
        self.poly([(x0, y0, z0), (x1, y0, z0), (x1, y1, z0), (x0, y1, z0)], tone(0.95))

    def shadow(self, x0, x1, z0, z1, strength: float = 0.45) -> None:
        """Contact shadow on the floor under a piece of furniture (blurred later)."""
        self.poly([(x0 - 0.05, 0.001, z0 - 0.05), (x1 + 0.05, 0.001, z0 - 0.05), (x1 + 0.05, 0.001, z1),
                   (x0 - 0.05, 0.001, z1)], (-strength, -strength, -strength), self.light)

    def picture(self, x0, x1, y0, y1, seed: int) -> None:
        d = self.d - 0.01
        self.poly([(x0, y0, d), (x1, y0, d), (x1, y1, d), (x0, y1, d)], (60, 50, 40))
        rng = np.random.default_rng(seed)
        m = 0.04
        base = rng.integers(120, 230, 3)
        self.poly([(x0 + m, y0 + m, d), (x1 - m, y0 + m, d), (x1 - m, y1 - m, d), (x0 + m, y1 - m, d)],
                  tuple(int(v) for v in base))
        for _ in range(3):
            cx, cy, r = rng.uniform(x0 + 0.1, x1 - 0.1), rng.uniform(y0 + 0.1, y1 - 0.1), rng.uniform(0.05, 0.12)
            self.poly([(cx - r, cy - r, d), (cx + r, cy - r, d), (cx + r, cy + r, d), (cx - r, cy + r, d)],
                      tuple(int(v) for v in rng.integers(40, 220, 3)))

    def plant(self, x: float, z: float, height: float = 1.0) -> None:
        self.box(x - 0.15, x + 0.15, 0, 0.32, z - 0.15, z + 0.15, (200, 190, 175))
        rng = self.rng
        for _ in range(26):
            a, r = rng.uniform(0, 2 * np.pi), rng.uniform(0.05, 0.32)
            lx, ly = x + r * np.cos(a), 0.35 + rng.uniform(0.1, height)
            u, v = self.cam.project((lx, ly, z - 0.1))
            size = max(3, int(self.cam.focal * 0.09 / max(z, 0.5)))
            green = (int(rng.uniform(40, 80)), int(rng.uniform(110, 160)), int(rng.uniform(50, 90)))
            cv2.ellipse(self.img, (int(u), int(v)), (size, size // 2), float(rng.uniform(0, 180)), 0, 360,
                        [float(g) for g in green], -1, cv2.LINE_AA)

    # ---------------------------------------------------------------- finish
    def photo(self, warm: float = 1.0) -> np.ndarray:
        """Daylight, soft shadows, lens vignette and sensor noise: from a drawing to a 'photo'."""
        light = cv2.GaussianBlur(self.light, (0, 0), 18)
        img = self.img * (1 + 0.35 * np.clip(light, -1, 1)[..., None])
        img = cv2.GaussianBlur(img, (0, 0), 0.8)
        h, w = img.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2
        img *= (1 - 0.55 * r2)[..., None]
        img *= np.array([1.0 * warm, 1.0, 1.0 / warm], np.float32)
        img += self.rng.normal(0, 2.5, img.shape).astype(np.float32)
        return np.clip(img, 0, 255).astype(np.uint8)


def living_room(seed: int = 1) -> np.ndarray:
    r = Room(5.2, 2.8, 6.5, seed)
    r.shell((226, 220, 208), (176, 132, 92))
    r.window_left(2.2, 4.6, 0.6, 2.4)
    r.picture(-0.8, 0.8, 1.5, 2.2, seed)
    r.poly([(-1.6, 0.005, 3.2), (1.6, 0.005, 3.2), (1.6, 0.005, 5.3), (-1.6, 0.005, 5.3)], (188, 176, 160))  # rug
    r.shadow(-1.5, 1.5, 5.5, 6.4)
    r.box(-1.5, 1.5, 0.0, 0.45, 5.5, 6.4, (96, 110, 128))  # sofa base
    r.box(-1.5, 1.5, 0.45, 0.95, 6.15, 6.45, (88, 102, 120))  # back
    for x0 in (-1.65, 1.5):
        r.box(x0, x0 + 0.15, 0.0, 0.65, 5.5, 6.45, (84, 98, 116))
    for x0, col in ((-1.2, (214, 180, 120)), (0.6, (230, 226, 214))):
        r.box(x0, x0 + 0.5, 0.45, 0.85, 5.95, 6.12, col)  # cushions
    r.shadow(-0.7, 0.7, 3.9, 4.6, 0.35)
    r.box(-0.7, 0.7, 0.36, 0.42, 3.9, 4.6, (150, 110, 78))  # coffee table top
    for x in (-0.65, 0.6):
        r.box(x, x + 0.05, 0, 0.36, 3.95, 4.0, (60, 50, 40))
    r.plant(2.1, 5.9, 1.2)
    r.box(1.9, 1.94, 0, 1.6, 4.6, 4.64, (40, 40, 40))  # floor lamp
    r.box(1.75, 2.1, 1.6, 1.85, 4.45, 4.8, (244, 236, 214))
    return r.photo(1.03)


def bedroom(seed: int = 2) -> np.ndarray:
    r = Room(4.4, 2.8, 5.4, seed)
    r.shell((214, 222, 226), (186, 148, 110))
    r.window_back(0.9, 1.9, 0.9, 2.3, curtains=(232, 226, 214))
    r.shadow(-1.6, 0.4, 3.0, 5.3)
    r.box(-1.7, 0.5, 0.0, 1.2, 5.2, 5.35, (110, 84, 64))  # headboard
    r.box(-1.6, 0.4, 0.0, 0.35, 3.0, 5.2, (120, 92, 70))  # frame
    r.box(-1.55, 0.35, 0.35, 0.58, 3.0, 5.2, (236, 236, 232))  # mattress
    r.box(-1.55, 0.35, 0.58, 0.62, 3.0, 4.4, (120, 150, 170))  # duvet
    for x0 in (-1.4, -0.5):
        r.box(x0, x0 + 0.75, 0.58, 0.78, 4.7, 5.1, (246, 244, 240))  # pillows
    r.box(-2.15, -1.75, 0, 0.55, 4.8, 5.3, (150, 112, 80))  # nightstand
    r.box(-2.05, -1.85, 0.55, 0.9, 4.95, 5.1, (246, 230, 190))  # lamp
    r.box(1.5, 2.2, 0, 2.2, 1.6, 3.4, (222, 214, 200))  # wardrobe
    r.line((1.5, 0.1, 2.5), (1.5, 2.1, 2.5), (150, 140, 130), 2)
    r.plant(-1.9, 2.0, 0.8)
    return r.photo(1.02)


def kitchen(seed: int = 3) -> np.ndarray:
    r = Room(4.0, 2.7, 5.0, seed)
    r.shell((240, 238, 232), (200, 200, 196), planks=False, tiles=0.6)
    r.wall_tiles(0.15, (232, 236, 238), 1.5)
    r.window_back(-0.6, 0.6, 1.2, 2.2)
    r.box(-2.0, 2.0, 0.0, 0.86, 4.4, 5.0, (70, 96, 92))  # base cabinets along the back
    r.box(-2.05, 2.0, 0.86, 0.91, 4.38, 5.0, (226, 222, 214))  # worktop
    for x in np.arange(-1.9, 2.0, 0.6):
        r.line((x, 0.1, 4.399), (x, 0.8, 4.399), (40, 56, 54), 2)
    r.box(1.4, 2.0, 0.0, 0.86, 1.2, 4.4, (70, 96, 92))  # side run
    r.box(1.35, 2.0, 0.86, 0.91, 1.2, 4.4, (226, 222, 214))
    r.box(1.65, 2.0, 1.55, 2.3, 1.2, 4.4, (236, 234, 228))  # upper cabinets
    r.box(-1.9, -0.9, 1.7, 2.2, 4.5, 5.0, (200, 200, 204))  # range hood
    r.box(-1.7, -1.1, 0.91, 0.94, 4.5, 4.9, (40, 40, 44))  # hob
    r.shadow(-1.0, 0.6, 1.8, 2.8, 0.3)
    r.box(-1.0, 0.6, 0.72, 0.78, 1.8, 2.8, (196, 160, 118))  # dining table
    for x in (-0.95, 0.5):
        r.box(x, x + 0.05, 0, 0.72, 1.85, 1.9, (80, 64, 50))
    r.plant(1.7, 4.6, 0.5)
    return r.photo(1.0)


def bathroom(seed: int = 4) -> np.ndarray:
    r = Room(2.8, 2.6, 3.8, seed)
    r.shell((236, 236, 234), (170, 172, 176), planks=False, tiles=0.3)
    r.wall_tiles(0.3, (236, 236, 234), 2.6)
    r.box(-1.4, 0.4, 0.0, 0.58, 3.0, 3.8, (250, 250, 250))  # bathtub
    r.box(-1.3, 0.3, 0.58, 0.6, 3.1, 3.7, (180, 200, 210))  # water
    r.box(0.9, 1.4, 0.0, 0.85, 1.6, 2.6, (120, 90, 66))  # vanity
    r.box(0.95, 1.4, 0.85, 0.9, 1.7, 2.5, (250, 250, 250))  # basin
    x = 1.399
    r.poly([(x, 1.2, 1.7), (x, 2.0, 1.7), (x, 2.0, 2.5), (x, 1.2, 2.5)], (190, 205, 215))  # mirror
    r.window_back(0.7, 1.2, 1.6, 2.3)
    r.box(-1.3, -0.7, 1.0, 1.6, 3.79, 3.8, (226, 120, 96))  # towel
    r.plant(1.1, 3.4, 0.5)
    return r.photo(0.99)


def balcony(seed: int = 5) -> np.ndarray:
    r = Room(3.6, 2.8, 4.0, seed)
    r.shell((230, 226, 220), (150, 124, 100))
    d = r.d - 0.01
    r._sky([(-1.8, 0.0, d), (1.8, 0.0, d), (1.8, 2.8, d), (-1.8, 2.8, d)])
    rng = np.random.default_rng(seed)
    for x in np.arange(-1.8, 1.8, 0.3):  # distant skyline
        top = rng.uniform(0.9, 1.9)
        r.poly([(x, 0.0, d), (x + 0.26, 0.0, d), (x + 0.26, top, d), (x, top, d)],
               tuple(int(v) for v in rng.integers(120, 170, 3)))
    r.box(-1.8, 1.8, 0.0, 1.05, 3.95, 4.0, (200, 220, 228))  # glass railing
    r.box(-1.8, 1.8, 1.05, 1.1, 3.9, 4.0, (90, 90, 96))
    r.shadow(-0.6, 0.2, 2.4, 3.1, 0.3)
    r.box(-0.6, 0.2, 0.0, 0.42, 2.4, 3.1, (214, 200, 176))  # lounge chair
    r.box(-0.6, 0.2, 0.42, 0.9, 3.0, 3.1, (204, 190, 168))
    r.plant(1.2, 3.4, 1.0)
    r.plant(-1.3, 3.5, 0.7)
    return r.photo(1.04)


ROOMS: dict[str, Callable[[], np.ndarray]] = {
    "living-room.jpg": living_room, "bedroom.jpg": bedroom, "kitchen.jpg": kitchen, "bathroom.jpg": bathroom,
    "balcony.jpg": balcony,
}


def write_rooms(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, draw in ROOMS.items():
        path = folder / name
        cv2.imwrite(str(path), cv2.cvtColor(draw(), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])
        out.append(path)
    return out


if __name__ == "__main__":
    import sys

    for p in write_rooms(Path(sys.argv[1] if len(sys.argv) > 1 else "out/rooms")):
        print(p, p.stat().st_size, "bytes")
