"""The show's stage: cameras from layout files, a set, cut-out actors that breathe, the
product, its card, subtitles and the AI label.

A camera's layout (``layout.py``, one YAML file per camera and frame shape) says where each
actor's face goes, where the product picture and card sit and whether a table stands in front.
Everything static for a (camera, product) pair is drawn once into a plate: the back wall with
its shelves, a picture-in-picture tile's own set, the product picture (when it does not move)
and the table front. Per frame: the plate is copied, each actor (``stage_actor.py``) is laid
over it back to front at its breath and lean, with the animated face square at the same
transform, then the table, the product standing on it, the card and the text go on top.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np

from ..avatar.model import AvatarModel
from ..errors import TwincastError
from .cards import fit_product_image, product_card, product_cutout
from .compose import AI_LABEL
from .layout import LayoutSpec, aspect_of, load_layouts
from .placement import Spot, _Placed  # noqa: F401  (re-exported for video/layers.py)
from .set_design import back_wall, table
from .stage_actor import ActorLayer, RoomView, cut_at_top
from .text_overlay import blend, fit_text_patch, text_patch


class Camera(str, Enum):
    WIDE = "wide"  # host and assistant two-shot
    HOST = "host"  # host close-up
    PRODUCT = "product"  # the product takes the screen, host beside it
    PIP = "pip"  # host large, assistant in a picture-in-picture tile


MAX_PLATES = 5  # (camera, product) plates kept: one product's four cameras and the next
PAN_PERIOD = 14.0  # seconds of one slow push-in and back on the product picture
FPS = 25


@dataclass(frozen=True)
class ProductView:
    id: str
    name: str
    price: str
    promo: str | None
    stock_line: str
    image: str | None = None


@dataclass(frozen=True)
class _Plate:
    rgb: np.ndarray  # back wall, tile set, still product picture, table front
    card: object | None  # Patch
    card_xy: tuple[int, int]
    on_table: tuple[np.ndarray, np.ndarray, int, int] | None  # product cut-out on the table: rgb, alpha, x, y
    picture: np.ndarray | None  # the moving product picture (pan), drawn per frame
    picture_xy: tuple[int, int]


class Stage:
    def __init__(self, actors: dict[str, AvatarModel], width: int = 720, height: int = 1280,
                 ai_label: bool = True, subtitles: bool = True, layouts: str | None = None,
                 rooms: dict[str, str] | None = None) -> None:
        """``rooms``: actor -> "studio" (cut out along the person matte and set into the studio)
        or "own" (the actor's own footage is the set: the host in their own room, full frame).
        By default a video avatar whose footage cuts the head at the top is shown in its own
        room, everyone else in the studio."""
        self.actors = actors
        rooms = rooms or {}
        for name, how in rooms.items():
            if how not in ("studio", "own"):
                raise TwincastError(f"room {how!r} for {name} is not known", "use 'studio' or 'own'")
        self.own_room = {name for name, m in actors.items()
                         if rooms.get(name, "own" if m.meta.get("kind") == "video" and cut_at_top(m) else "studio") == "own"}
        self._rooms: dict[Camera, RoomView] = {}
        self.w, self.h = width, height
        self.scale = min(width, height) / 720
        self.layouts: dict[str, LayoutSpec] = load_layouts(aspect_of(width, height), layouts)
        self._plates: OrderedDict[tuple, _Plate] = OrderedDict()
        self._placed: dict[tuple[Camera, str], ActorLayer] = {}
        self._label = text_patch(AI_LABEL, int(26 * self.scale), width) if ai_label else None
        self.subtitles = subtitles
        self._tick = 0
        self._body_cache: dict[Camera, tuple] = {}
        self._pan_cache: tuple | None = None

    def layout(self, camera: Camera) -> LayoutSpec:
        return self.layouts[Camera(camera).value]

    def windowed(self, camera: Camera, name: str) -> bool:
        """True when this camera shows the actor's whole canvas (their own room as the set),
        so the renderer must draw all of it; otherwise (the picture-in-picture tile included,
        which has a set of its own) the actor is cut out along the matte."""
        return self.room_of(camera) == name

    def room_of(self, camera: Camera) -> str | None:
        """The actor whose own room is this camera's set, if any (the host first)."""
        spec = self.layout(camera)
        for name in sorted(self.visible(camera), key=lambda n: n != "host"):
            if name in self.own_room and spec.actors[name].window is None:
                return name
        return None

    def face_px(self, camera: Camera, name: str) -> int:
        """How many frame pixels wide this camera shows the actor's face square (at rest)."""
        return int(self._place(Camera(camera), name).face_rect[2])

    def visible(self, camera: Camera) -> list[str]:
        return [name for name in self.layout(camera).actors if name in self.actors]

    def table_top(self, camera: Camera) -> int | None:
        t = self.layout(camera).table
        return int(t.top * self.h) if t is not None else None

    def product_rect(self, camera: Camera) -> tuple[int, int, int, int] | None:
        """Frame pixels of the product picture in this camera (the big one or the one on the
        table), for measuring how much of the frame the product fills."""
        spec = self.layout(camera)
        box = spec.product.box if spec.product else (spec.table.product if spec.table else None)
        return box.pixels(self.w, self.h) if box is not None else None

    def actor_boxes(self, camera: Camera) -> dict[str, tuple[tuple[int, int, int, int], tuple[str, ...]]]:
        """actor -> (bounding box of the person as placed at rest, x0 y0 x1 y1 in frame pixels;
        the sides that do not lie on a straight boundary of their own: the frame's or the
        tile's edge, the table top). For the hard-edge check (evaluation/stage_edges.py)."""
        out = {}
        for name in self.visible(camera):
            if name == self.room_of(camera):
                continue  # the set itself, not a cut-out
            layer = self._place(camera, name)
            ys, xs = np.nonzero(layer.alpha > 127)
            if not len(ys):
                continue
            x0, y0 = layer.x + int(xs.min()), layer.y + int(ys.min())
            x1, y1 = layer.x + int(xs.max()) + 1, layer.y + int(ys.max()) + 1
            vx0, vy0, vx1, vy1 = layer.view
            floor = vy1
            top = self.table_top(camera)
            if top is not None and self.layout(camera).actors[name].window is None:
                floor = min(floor, top)
            sides = tuple(s for s, ok in (("left", x0 > vx0 + 3), ("right", x1 < vx1 - 3),
                                          ("top", y0 > vy0 + 3), ("bottom", y1 < floor - 3)) if ok)
            out[name] = ((x0, y0, x1, y1), sides)
        return out

    def set_plate(self, camera: Camera, product: ProductView | None = None) -> np.ndarray:
        """The camera's set without the actors (back wall, tile set, product picture, table)."""
        return self._plate(Camera(camera), product).rgb

    def _place(self, camera: Camera, name: str) -> ActorLayer:
        key = (Camera(camera), name)
        if key not in self._placed:
            spot = self.layout(camera).actors[name]
            bottom = None if spot.window is not None else self.table_top(camera)
            self._placed[key] = ActorLayer(self.actors[name], spot, self.w, self.h, bottom)
        return self._placed[key]

    def _plate(self, camera: Camera, product: ProductView | None) -> _Plate:
        key = (Camera(camera), product.id if product else None)
        if key in self._plates:
            self._plates.move_to_end(key)
            return self._plates[key]
        spec = self.layout(camera)
        rgb = back_wall(self.w, self.h, spec.shelves).copy()
        for name in self.visible(camera):
            win = spec.actors[name].window
            if win is not None:  # the tile's own set: the same studio, seen by another camera
                x, y, w, h = win.pixels(self.w, self.h)
                wall = back_wall(self.w, self.h, spec.shelves)
                cx, cy, cw = int(0.6 * self.w), int(0.12 * self.h), int(0.35 * self.w)
                crop = wall[cy:cy + int(cw * h / w), cx:cx + cw]
                rgb[y:y + h, x:x + w] = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA)
        picture, picture_xy = None, (0, 0)
        if spec.product is not None and product is not None:
            x, y, w, h = spec.product.box.pixels(self.w, self.h)
            tile = fit_product_image(product.image, product.name, (w, h), self.scale, spec.product.frame)
            if spec.product.motion == "pan":
                picture, picture_xy = tile, (x, y)
            else:
                rgb[y:y + h, x:x + w] = tile
        top = self.table_top(camera)
        if top is not None:
            rgb[top:] = table(self.w, self.h, top)
        on_table = None
        if spec.table is not None and spec.table.product is not None and product is not None:
            x, y, w, h = spec.table.product.pixels(self.w, self.h)
            cut = product_cutout(product.image, (w, h))
            if cut is not None:
                c_rgb, c_a = cut
                on_table = (c_rgb, c_a, x + (w - c_rgb.shape[1]) // 2, y + h - c_rgb.shape[0])
        card, card_xy = None, (0, 0)
        if spec.card is not None and product is not None:
            card = product_card(product.name, product.price, product.promo, product.stock_line,
                                int(spec.card.w * self.w), self.scale)
            card_xy = (int(spec.card.x * self.w), int(spec.card.y * self.h))
        plate = _Plate(rgb, card, card_xy, on_table, picture, picture_xy)
        self._plates[key] = plate
        while len(self._plates) > MAX_PLATES:  # a long catalog must not grow memory without end
            self._plates.popitem(last=False)
        return plate

    def _pan(self, frame: np.ndarray, plate: _Plate) -> None:
        """The product picture with a slow push-in and drift (a camera on a turntable shot)."""
        pic = plate.picture
        h, w = pic.shape[:2]
        x, y = plate.picture_xy
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, self.w), min(y + h, self.h)
        key = (id(pic), self._tick // 2)  # moved every other frame: ~0.1 px a frame, ~3 ms saved
        if self._pan_cache is not None and self._pan_cache[0] == key:
            frame[y0:y1, x0:x1] = self._pan_cache[1]
            return
        phase = 0.5 - 0.5 * math.cos(2 * math.pi * self._tick / (PAN_PERIOD * FPS))
        s = 1.0 + 0.08 * phase
        drift = 0.03 * w * math.sin(2 * math.pi * self._tick / (PAN_PERIOD * FPS * 2))
        m = np.float32([[s, 0, (1 - s) * w / 2 + drift * phase], [0, s, (1 - s) * h / 2]])
        moved = cv2.warpAffine(pic, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        frame[y0:y1, x0:x1] = moved[y0 - y:y1 - y, x0 - x:x1 - x]
        self._pan_cache = (key, frame[y0:y1, x0:x1].copy())

    def _face_box(self, camera: Camera, name: str, s: float, ax: float, ay: float):
        """(x0, y0, x1, y1, nx, ny, side) of the face square moved by ``p' = s * p + (ax, ay)``,
        clipped to the actor's view and, in front of a table, to its top."""
        layer = self._place(camera, name)
        vx0, vy0, vx1, vy1 = layer.view
        fx, fy, fs, _ = layer.face_rect
        nx, ny, ns = round(s * fx + ax), round(s * fy + ay), max(1, round(fs * s))
        y1 = min(ny + ns, vy1)
        if self.layout(camera).actors[name].window is None and self.table_top(camera) is not None:
            y1 = min(y1, self.table_top(camera))
        return max(nx, vx0), max(ny, vy0), min(nx + ns, vx1), y1, nx, ny, ns

    def _bodies(self, camera: Camera, plate: _Plate, bodies: dict, room=None) -> tuple[np.ndarray, dict, dict]:
        """(the plate with every visible actor's body at its breath and lean and the table in
        front, what lay under each face square before that actor was drawn, each actor's moved
        layer). Cached while nobody moves: breathing is slow, so most frames only copy this.
        ``room``: (actor, canvas) whose own room is the set, drawn first (never cached: it is
        the footage of this frame)."""
        room_name = room[0] if room else None
        moved = {name: self._place(camera, name).moved(*bodies.get(name, (0.0, 0.0)))
                 for name in self.visible(camera) if name != room_name}
        key = (id(plate), tuple((n, m.tf) for n, m in moved.items()))
        hit = self._body_cache.get(camera)
        if room is None and hit is not None and hit[0] == key:
            return hit[1]
        frame = plate.rgb.copy()
        if room is not None:
            self._room_view(camera, room_name).draw(frame, room[1])
        unders = {}
        for name, m in moved.items():
            x0, y0, x1, y1, *_ = self._face_box(camera, name, *m.tf)
            unders[name] = frame[y0:y1, x0:x1].copy() if x1 > x0 and y1 > y0 else None
            m.over(frame)  # solid copied, soft outline blended: as blendLinear, 2-3x faster
        top = self.table_top(camera)
        if top is not None:  # the table stands in front of the actors
            frame[top:] = plate.rgb[top:]
        # the static things in front (tile borders, the product on the table, the card, the AI
        # label) go into the cached base unless a face square could reach them this frame
        pad = round(8 * self.scale)
        faceboxes = []
        for name, m in moved.items():
            x0, y0, x1, y1, *_ = self._face_box(camera, name, *m.tf)
            faceboxes.append((x0 - pad, y0 - pad, x1 + pad, y1 + pad))
        if plate.picture is not None:  # the moving product picture is drawn per frame too
            px, py = plate.picture_xy
            faceboxes.append((px, py, px + plate.picture.shape[1], py + plate.picture.shape[0]))
        for draw, rect in self._overlays(camera, plate):
            if not any(_meet(rect, box) for box in faceboxes):
                draw(frame)
        out = (frame, unders, moved, faceboxes)
        if room is None:
            self._body_cache[camera] = (key, out)  # one per camera: a cross-fade composes two
        return out

    def _overlays(self, camera: Camera, plate: _Plate) -> list[tuple]:
        """(draw(frame), rect) of the static things in front of the actors, back to front."""
        out = []
        spec = self.layout(camera)
        for name in self.visible(camera):
            win = spec.actors[name].window
            if win is not None:
                x, y, w, h = win.pixels(self.w, self.h)
                t = max(2, int(3 * self.scale))
                out.append((lambda f, x=x, y=y, w=w, h=h, t=t: cv2.rectangle(f, (x, y), (x + w - 1, y + h - 1),
                                                                             (255, 255, 255), t),
                            (x - t, y - t, x + w + t, y + h + t)))
        if plate.on_table is not None:
            c_rgb, c_a, x, y = plate.on_table
            out.append((lambda f: _blend_alpha(f, c_rgb, c_a, x, y), (x, y, x + c_rgb.shape[1], y + c_rgb.shape[0])))
        if plate.card is not None:
            cx, cy = plate.card_xy
            card = plate.card
            out.append((lambda f: blend(f, card, cx, cy), (cx, cy, cx + card.size[0], cy + card.size[1])))
        if self._label is not None:
            lx, ly = self.w - self._label.size[0] - int(16 * self.scale), int(16 * self.scale)
            label = self._label
            out.append((lambda f: blend(f, label, lx, ly), (lx, ly, lx + label.size[0], ly + label.size[1])))
        return out

    def _room_view(self, camera: Camera, name: str) -> RoomView:
        if camera not in self._rooms:
            top = self.table_top(camera)
            self._rooms[camera] = RoomView(self.actors[name], self.layout(camera).actors[name], self.w, self.h,
                                           top if top is not None else self.h)
        return self._rooms[camera]

    def _faces(self, frame: np.ndarray, camera: Camera, faces: dict, unders: dict, moved: dict) -> None:
        """Each animated face square over what lay under it, back to front; the bodies of the
        actors standing in front are laid again inside that square (a shoulder in front of
        the other host's face square stays in front)."""
        names = list(moved)
        for i, name in enumerate(names):
            if name not in faces or unders.get(name) is None:
                continue
            x0, y0, x1, y1, nx, ny, ns = self._face_box(camera, name, *moved[name].tf)
            canvas, matte = faces[name]
            sq = cv2.resize(canvas, (ns, ns), interpolation=cv2.INTER_LINEAR)[y0 - ny:y1 - ny, x0 - nx:x1 - nx]
            m = cv2.resize(matte, (ns, ns), interpolation=cv2.INTER_LINEAR)[y0 - ny:y1 - ny, x0 - nx:x1 - nx]
            m = m.astype(np.float32) * np.float32(1 / 255)
            # one fused OpenCV pass: float numpy blending here cost ~3 ms a frame
            frame[y0:y1, x0:x1] = cv2.blendLinear(np.ascontiguousarray(sq), unders[name], m, 1 - m)
            for front in names[i + 1:]:
                moved[front].over(frame, x0, y0, x1, y1)

    def compose(self, camera: Camera, faces: dict[str, tuple[np.ndarray, np.ndarray]],
                product: ProductView | None = None, subtitle: str | None = None,
                banner: str | None = None, bodies: dict[str, tuple[float, float]] | None = None) -> np.ndarray:
        """``faces``: actor -> (rendered canvas RGB, warped matte) for the visible actors;
        ``bodies``: actor -> (breath rise, lean) from :mod:`twincast.driving.body` (still if absent)."""
        camera = Camera(camera)
        plate = self._plate(camera, product)
        self._tick += 1
        room = self.room_of(camera)
        room = (room, faces[room][0]) if room is not None and room in faces else None
        spec = self.layout(camera)
        base, unders, moved, faceboxes = self._bodies(camera, plate, bodies or {}, room)
        frame = base.copy()
        self._faces(frame, camera, faces, unders, moved)
        if plate.picture is not None:  # in front: the product is held up to the camera
            self._pan(frame, plate)
        for draw, rect in self._overlays(camera, plate):
            if not any(_meet(rect, box) for box in faceboxes):
                continue  # already in the cached base
            draw(frame)
        if banner:  # an operator-pinned comment, top centre under the label
            patch = fit_text_patch(banner, int(28 * self.scale), int(self.w * 0.8), max_lines=2, color=(255, 236, 150))
            blend(frame, patch, (self.w - patch.size[0]) // 2, int(self.h * 0.2))
        if subtitle and self.subtitles:
            patch = fit_text_patch(subtitle, int(32 * self.scale), int(self.w * 0.9), max_lines=3)
            y = int(self.h * spec.subtitle_y) - patch.size[1] // 2
            blend(frame, patch, (self.w - patch.size[0]) // 2, min(y, self.h - patch.size[1] - int(8 * self.scale)))
        return frame


def _meet(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _blend_alpha(frame: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, x: int, y: int) -> None:
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + rgb.shape[1], w), min(y + rgb.shape[0], h)
    if x1 <= x0 or y1 <= y0:
        return
    a = alpha[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32) * np.float32(1 / 255)
    frame[y0:y1, x0:x1] = cv2.blendLinear(np.ascontiguousarray(rgb[y0 - y:y1 - y, x0 - x:x1 - x]),
                                          frame[y0:y1, x0:x1], a, 1 - a)


def crossfade(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return cv2.addWeighted(a, 1.0 - t, b, t, 0.0)
