"""One actor on the stage: the cut-out person as a layer that can breathe and lean.

Why a layer per actor (not baked into a plate): a body that never moves reads as a photo. The
person (photo or video avatar still, its person matte with holes filled, the body continued
below and beside the photo's edges) is scaled once to its spot; per frame it is moved by a
small affine (rise for breath, scale about the waist for a lean) and the animated face square
is laid over it at the same transform, so head and body move together.

Why the body is continued: a photo ends at its edges, and a person cut by a straight line at
the photo's bottom or side reads as a pasted rectangle. The rows below the photo repeat its last
rows (smoothed across, so a medal is not smeared into a stripe) in slowly deepening shade; a
shoulder cut by the photo's side continues outward as a rounded slope down to a hanging arm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..avatar.model import AvatarModel
from .cutout import Cutout
from .layout import ActorSpot

SIDE = 0.3  # of the face width: how far a shoulder cut by the photo's side is continued
MARGIN = 0.04  # of the face height in the frame: room around the layer for motion


def solid_matte(matte: np.ndarray) -> np.ndarray:
    """The matte with every region not reachable from the image border through clear
    background set to solid person: a dark collar, a shadow under the chin or a logo the
    segmenter doubted is part of the person, never a window onto the set behind."""
    m = matte.copy()
    for level in (127, 200):
        clear = (m <= level).astype(np.uint8)
        _, lab = cv2.connectedComponents(clear, connectivity=4)
        outside = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
        holes = (clear > 0) & ~np.isin(lab, outside)
        m[holes] = 255
    return m


def extend_body(rgb: np.ndarray, matte: np.ndarray, down: int, side: int,
                face_w: float) -> tuple[np.ndarray, np.ndarray]:
    """(rgb, matte) grown by ``down`` rows below and ``side`` columns left and right (the
    original sits at column ``side``, row 0). See the module docstring for why and how."""
    h = matte.shape[0]
    img = rgb.astype(np.float32)
    m = matte.astype(np.float32)
    if down > 0:
        # the clothing continued: the last rows (not the very edge, often a dark JPEG border)
        # averaged, then a median across, so a button or a medal cut by the photo's edge does
        # not become a stripe while a shirt front or a tie (wider) carries on down
        last = img[-14:-3].mean(0) if h > 20 else img[-1]
        k = max(3, int(face_w / 2.5)) | 1  # a median across removes what is narrower than ~half this
        last = cv2.medianBlur(np.clip(last[None], 0, 255).astype(np.uint8), min(k, 255)).astype(np.float32)
        last = cv2.GaussianBlur(last, (0, 0), sigmaX=max(1.5, face_w / 40), sigmaY=0.3)[0]
        t = np.linspace(0, 1, down, dtype=np.float32)[:, None, None]
        ease = np.clip(np.arange(1, down + 1, dtype=np.float32) / max(8.0, face_w / 4), 0, 1)[:, None, None]
        rows = (img[-1][None] * (1 - ease) + last[None] * ease) * (1 - 0.22 * t)
        img = np.concatenate([img, rows], 0)
        m = np.concatenate([m, np.repeat(m[-1:], down, 0)], 0)
    if side > 0:
        ramp = max(4.0, 0.8 * face_w)
        parts_img, parts_m = [img], [m]
        for edge in (0, -1):
            col_m = m[:, edge]
            rows_in = np.nonzero(col_m > 127)[0]
            ext_img = np.repeat(cv2.GaussianBlur(img[:, edge][:, None], (0, 0), 2.0) * 0.92, side, 1)
            ext_m = np.zeros((len(m), side), np.float32)
            if len(rows_in):
                y = np.arange(len(m), dtype=np.float32)
                # a rounded shoulder, then the arm's outline drawing in a little toward the waist
                # (a straight vertical outline would read as the edge of a cut-out)
                grow = np.sqrt(np.clip((y - rows_in[0]) / ramp, 0, 1))
                u = np.clip((y - rows_in[0] - 0.7 * ramp) / (2.5 * ramp), 0, 1)
                taper = 1 - 0.55 * u * u * (3 - 2 * u)
                reach = side * grow * taper
                d = np.arange(1, side + 1, dtype=np.float32)[None, :]  # distance from the photo edge
                inside = np.clip(reach[:, None] - d + 1, 0, 1)
                ext_m = inside * col_m[:, None]
                if edge == 0:
                    ext_m = ext_m[:, ::-1]
            if edge == 0:
                parts_img.insert(0, ext_img)
                parts_m.insert(0, ext_m)
            else:
                parts_img.append(ext_img)
                parts_m.append(ext_m)
        img = np.concatenate(parts_img, 1)
        m = np.concatenate(parts_m, 1)
        m = cv2.GaussianBlur(m, (0, 0), 1.2)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), np.clip(m + 0.5, 0, 255).astype(np.uint8)


def face_geometry(model: AvatarModel) -> tuple[float, float, np.ndarray]:
    """(face height, face width, face centre) of the avatar's photo in photo pixels."""
    x0, y0, side = model.canvas_box
    lm = model.landmarks[:, :2] * (side / model.render_size) + (x0, y0)
    return float(np.ptp(lm[:, 1])), float(np.ptp(lm[:, 0])), lm.mean(0)


@dataclass(frozen=True)
class Moved:
    """An actor's layer where it is this frame: rows ``[top:stop]`` of ``cut`` (the layer at
    rest, or warped for a lean) with row ``top`` at frame point ``xy``; ``tf`` = (scale, dx,
    dy) maps frame points at rest to where they are now (``p' = scale * p + (dx, dy)``)."""

    cut: Cutout
    top: int
    stop: int
    tf: tuple[float, float, float]
    xy: tuple[int, int]

    @property
    def rgb(self) -> np.ndarray:
        return self.cut.rgb[self.top:self.stop]

    def over(self, frame: np.ndarray, x0: int = 0, y0: int = 0, x1: int | None = None, y1: int | None = None) -> None:
        """Lay the layer over ``frame`` (in place), only inside the frame rectangle
        ``[y0:y1, x0:x1]`` (the whole frame by default)."""
        lx, ly = self.xy
        lh, lw = self.stop - self.top, self.cut.shape[1]
        x1 = frame.shape[1] if x1 is None else x1
        y1 = frame.shape[0] if y1 is None else y1
        bx0, by0, bx1, by1 = max(x0, lx, 0), max(y0, ly, 0), min(x1, lx + lw), min(y1, ly + lh)
        if bx1 > bx0 and by1 > by0:
            self.cut.over(frame[by0:by1, bx0:bx1], by0 - ly + self.top, by1 - ly + self.top, bx0 - lx, bx1 - lx)


class ActorLayer:
    """The actor at one spot: a pre-scaled RGBA layer (``rgb``, ``alpha``) at ``(x, y)`` in the
    frame, the face square ``face_rect`` (frame pixels) and the ``view`` it is clipped to."""

    def __init__(self, model: AvatarModel, spot: ActorSpot, width: int, height: int,
                 bottom: int | None = None) -> None:
        view = spot.window.pixels(width, height) if spot.window is not None else (0, 0, width, height)
        vx, vy, vw, vh = view
        self.view = (max(vx, 0), max(vy, 0), min(vx + vw, width), min(vy + vh, height))
        face_h, face_w, centre = face_geometry(model)
        k = spot.face * vh / face_h
        fx, fy = vx + spot.cx * vw, vy + spot.cy * vh
        ox, oy = fx - centre[0] * k, fy - centre[1] * k  # where the photo's origin lands
        img = model.image
        matte = solid_matte(model.mask) if model.mask is not None else np.full(img.shape[:2], 255, np.uint8)
        down = max(0, math.ceil((self.view[3] + 4 - (oy + img.shape[0] * k)) / k))
        side = int(SIDE * face_w)
        rgb, alpha = extend_body(img, matte, down, side, face_w)
        ox -= side * k
        margin = int(MARGIN * spot.face * vh) + 2
        lo_y = self.view[3] if bottom is None else min(self.view[3], bottom + margin)
        fx0, fy0 = max(self.view[0], int(ox)), max(self.view[1], int(oy))
        fx1 = min(self.view[2], int(ox + rgb.shape[1] * k))
        fy1 = min(lo_y, int(oy + rgb.shape[0] * k))
        # the photo region that lands in [fx0, fx1) x [fy0, fy1), scaled by k in one resize
        px0, py0 = max(0, int((fx0 - ox) / k)), max(0, int((fy0 - oy) / k))
        px1, py1 = min(rgb.shape[1], math.ceil((fx1 - ox) / k) + 1), min(rgb.shape[0], math.ceil((fy1 - oy) / k) + 1)
        self.k, self.scale_origin = k, (ox, oy)
        x0c, y0c, cside = model.canvas_box
        s = max(1, round(cside * k))
        self.face_rect = (round(ox + (x0c + side) * k), round(oy + y0c * k), s, s)
        self.face_centre = (fx, fy)
        self.pivot_y = float(fy + 2.5 * spot.face * vh)  # about the waist: a lean grows the chest
        if fx1 <= fx0 or fy1 <= fy0 or px1 <= px0 or py1 <= py0:
            self.x, self.y = fx0, fy0
            self.hidden = 0
            self.rgb = np.zeros((0, 0, 3), np.uint8)
            self.alpha = np.zeros((0, 0), np.uint8)
            self._cut = Cutout.of(self.rgb, self.alpha)
            self._cache = None
            return
        interp = cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC
        size = (max(1, round((px1 - px0) * k)), max(1, round((py1 - py0) * k)))
        lay = cv2.resize(np.dstack([rgb[py0:py1, px0:px1], alpha[py0:py1, px0:px1]]), size, interpolation=interp)
        lx, ly = round(ox + px0 * k), round(oy + py0 * k)
        # clip to the view and to where something is (alpha), with room to move
        cx0, cy0 = max(lx, self.view[0]), max(ly, self.view[1])
        cx1, cy1 = min(lx + lay.shape[1], self.view[2]), min(ly + lay.shape[0], lo_y)
        lay = lay[cy0 - ly:cy1 - ly, cx0 - lx:cx1 - lx]
        ys, xs = np.nonzero(lay[..., 3] > 1)
        if len(ys):
            a0, a1 = max(0, ys.min() - margin), min(lay.shape[0], ys.max() + 1 + margin)
            b0, b1 = max(0, xs.min() - margin), min(lay.shape[1], xs.max() + 1 + margin)
            lay, cx0, cy0 = lay[a0:a1, b0:b1], cx0 + b0, cy0 + a0
        self.x, self.y = cx0, cy0
        # rows of the layer below what the table hides (a breath may lift the body this far)
        self.hidden = 0 if bottom is None else max(0, cy0 + lay.shape[0] - bottom)
        self.rgb = np.ascontiguousarray(lay[..., :3])
        self.alpha = np.ascontiguousarray(lay[..., 3])
        self._rgba = np.ascontiguousarray(lay)
        self._cut = Cutout.of(self.rgb, self.alpha)  # solid copied, soft outline blended (cutout.py)
        self._cache: tuple | None = None

    @property
    def rect(self) -> tuple[int, int, int, int]:
        """The face square at rest (x, y, w, h in frame pixels)."""
        return self.face_rect

    def moved(self, rise: float, lean: float) -> Moved:
        """The layer after a breath ``rise`` (in face-square sides, up is positive) and a
        ``lean`` (relative growth about the waist), see :class:`Moved`.

        A breath alone is a whole-pixel shift (no warp); a lean is quantised to a pixel at the
        layer's top and the last warp is reused while it stays the same (a close-up body is
        ~0.7 MP: warping it every frame cost ~10 ms on a loaded core, and leans on every
        stressed word cost a fifth of a core in a show at half-pixel steps)."""
        if self.rgb.size == 0 or (abs(rise) < 1e-4 and abs(lean) < 1e-4):
            return Moved(self._cut, 0, self.rgb.shape[0], (1.0, 0.0, 0.0), (self.x, self.y))
        px, py = self.face_centre[0], self.pivot_y
        reach = max(1.0, py - self.y)  # pivot to the layer's top: where a scale moves pixels most
        s = 1.0 + round(lean * reach) / reach  # whole pixels at the top: a lean costs a few warps
        dy = -rise * self.face_rect[3] * 0.55 + (s - 1) * (py - self.face_centre[1]) * 1.2
        if s == 1.0 and round(dy) >= -self.hidden:
            # a breath alone: a whole-pixel shift of the layer, no warp (the table hides the
            # rows it uncovers below); most frames of a show are this
            d = round(dy)
            top = max(0, self.view[1] - (self.y + d))
            stop = self.rgb.shape[0] - max(0, d)
            return Moved(self._cut, top, max(top, stop), (1.0, 0.0, float(d)), (self.x, self.y + d + top))
        dy = round(dy * 2) / 2
        key = (s, dy)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        # frame -> frame: p' = s * (p - pivot) + pivot + (0, dy); expressed in layer coordinates
        tx = (1 - s) * px + s * self.x - self.x
        ty = (1 - s) * py + s * self.y - self.y + dy
        m = np.float32([[s, 0, tx], [0, s, ty]])
        size = (self.rgb.shape[1], self.rgb.shape[0])
        both = cv2.warpAffine(self._rgba, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # a fast split (numpy's strided copy is slow); the soft outline found again (~1 ms, kept
        # with the warp) so each frame that reuses it lays it 2-3x faster
        cut = Cutout.of(cv2.cvtColor(both, cv2.COLOR_RGBA2RGB), cv2.extractChannel(both, 3))
        out = Moved(cut, 0, cut.shape[0], (s, (1 - s) * px, (1 - s) * py + dy), (self.x, self.y))
        self._cache = (key, out)
        return out


def cut_at_top(model: AvatarModel, share: float = 0.12) -> bool:
    """True when the person runs into the top of their picture (a tight head crop: hair cut by
    the frame). Cut out and set into the studio, such a person would show a straight line
    across the head, so they are shown in their own room instead (:class:`RoomView`)."""
    if model.mask is None:
        return True
    return float((model.mask[:3] > 127).mean()) > share


class RoomView:
    """The actor's own picture as the set itself: nothing is cut out, so nothing can show a
    cut-out's edge. The avatar's still (the whole photo, or the footage's frame) is scaled to
    the frame's width (to cover the frame when it is wide) and continued below down to
    ``bottom`` (the table) as a cut-out's body is; per frame the live canvas is laid over its
    place with a feathered border (the canvas border never moves in the rig, and a video's
    live frame eases into its still)."""

    BAND = 40  # px of feather at the canvas's edges (at 720 px wide)

    def __init__(self, model: AvatarModel, spot: ActorSpot, width: int, height: int, bottom: int) -> None:
        img = model.image
        ih, iw = img.shape[:2]
        k = width / iw
        x = 0
        if ih * k >= bottom:  # a wide frame: cover it, the face at the layout's cx where possible
            k = max(width / iw, bottom / ih)
            _, _, centre = face_geometry(model)
            x = int(np.clip(spot.cx * width - centre[0] * k, width - iw * k, 0))
        scaled = cv2.resize(img, (max(width, round(iw * k)), round(ih * k)),
                            interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
        down = max(0, bottom - scaled.shape[0])
        if down:
            face_w = face_geometry(model)[1] * k
            scaled, _ = extend_body(scaled, np.full(scaled.shape[:2], 255, np.uint8), down, 0, face_w)
        y = (bottom - scaled.shape[0]) // 2 if not down else 0
        self.still = np.ascontiguousarray(scaled[-y:-y + bottom, -x:-x + width])
        self.bottom, self.width = bottom, width
        x0, y0, side = model.canvas_box
        self.side = max(1, round(side * k))
        self.cx, self.cy = round(x0 * k) + x, round(y0 * k) + y
        band = max(4, round(self.BAND * width / 720))
        r = np.minimum(np.arange(self.side), np.arange(self.side)[::-1]).astype(np.float32)
        ramp = np.clip(r / band, 0, 1)
        w = np.minimum(ramp[:, None], ramp[None, :])
        box = (max(self.cx, 0), max(self.cy, 0), min(self.cx + self.side, width), min(self.cy + self.side, bottom))
        self.box = box
        sub = np.s_[box[1] - self.cy:box[3] - self.cy, box[0] - self.cx:box[2] - self.cx]
        self._w1 = np.ascontiguousarray(w[sub])
        self._w0 = 1 - self._w1
        self._sub = sub

    def draw(self, frame: np.ndarray, canvas: np.ndarray) -> None:
        frame[:self.bottom, :self.width] = self.still
        x0, y0, x1, y1 = self.box
        if x1 <= x0 or y1 <= y0:
            return
        live = cv2.resize(canvas, (self.side, self.side), interpolation=cv2.INTER_LINEAR)[self._sub]
        frame[y0:y1, x0:x1] = cv2.blendLinear(np.ascontiguousarray(live), self.still[y0:y1, x0:x1], self._w1, self._w0)
