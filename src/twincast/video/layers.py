"""Frame layers of a short video: B-roll with pan and zoom, product slides, the presenter cut-out,
lower thirds.

Speed is the design constraint (60 s of 720x1280 in <= 30 s on two cores, with synthesis and
encoding sharing them), so everything static is prepared once per scene: the photo is scaled
once so that the *closest* zoom is 1:1, and each frame is a single ``cv2.warpAffine`` of it;
the presenter's photo and matte are scaled once, and per frame only the animated face square
(rendered with its warped matte) replaces its part before one alpha blend.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ..avatar.model import AvatarModel
from ..errors import TwincastError
from ..image_limits import check_image_size
from ..render.cards import fit_product_image, product_card
from ..render.stage import Spot, _Placed  # the show's cut-out placement: photo + matte + face square
from ..render.text_overlay import Patch, fit_text, font

ZOOM = 1.14  # how far a pan/zoom move pushes in


def load_rgb(path: str) -> np.ndarray:
    check_image_size(path)  # header only, before any pixel is decoded
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise TwincastError(f"cannot read picture {path}", "replace it with a JPEG or PNG file")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _ease(t: float) -> float:
    t = min(max(t, 0.0), 1.0)
    return t * t * (3 - 2 * t)


class KenBurns:
    """A slow push-in or pull-out with a pan across a photo, one affine warp per frame."""

    def __init__(self, rgb: np.ndarray, width: int, height: int, motion: int = 0) -> None:
        self.w, self.h = width, height
        cover = max(width / rgb.shape[1], height / rgb.shape[0])
        k = cover * ZOOM  # at the closest zoom one layer pixel is one frame pixel
        self.layer = cv2.resize(rgb, (max(width, int(rgb.shape[1] * k + 0.5)), max(height, int(rgb.shape[0] * k + 0.5))),
                                interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
        self.zoom_in = motion % 2 == 0
        direction = (-1, 1, 0, 1, -1, 0)[motion % 6]
        self.pan = (direction, (0.3 if motion % 3 else -0.3))  # x sweep across the slack, slight y drift

    def frame(self, t: float) -> np.ndarray:
        """The view at scene progress ``t`` in [0, 1]."""
        e = _ease(t)
        z = 1.0 + (ZOOM - 1.0) * (e if self.zoom_in else 1 - e)  # 1 = widest, ZOOM = closest
        s = ZOOM / z  # layer pixels per frame pixel
        lh, lw = self.layer.shape[:2]
        slack_x, slack_y = max(lw - self.w * s, 0.0), max(lh - self.h * s, 0.0)
        px = 0.5 + 0.5 * self.pan[0] * (e - 0.5) * 2 * 0.6  # 60 % of the slack: a calm pan
        py = 0.5 + 0.5 * self.pan[1] * (e - 0.5)
        # a crop + resize costs a third of an affine warp (1.8 vs 4.9 ms at 720x1280); the crop's
        # whole-pixel origin moves the view by at most half a layer pixel, invisible in a pan
        cw, ch = min(int(round(self.w * s)), lw), min(int(round(self.h * s)), lh)
        x0 = min(max(int(round(slack_x * px)), 0), lw - cw)
        y0 = min(max(int(round(slack_y * py)), 0), lh - ch)
        return cv2.resize(self.layer[y0:y0 + ch, x0:x0 + cw], (self.w, self.h), interpolation=cv2.INTER_LINEAR)


def product_slide(picture: str | None, width: int, height: int, card: tuple | None = None,
                  tint: tuple[int, int, int] = (236, 232, 226), name: str | None = None) -> np.ndarray:
    """A clean product 'photo' for the B-roll: soft gradient and the product large on a tile
    with a shadow, panned and zoomed like a photo. Without a picture the tile shows the
    product's name set large (the stage's showcase panel, :func:`fit_product_image`), so the
    scene still shows what is sold. With ``card`` the picture makes room for the product card,
    which the renderer draws still on top (:func:`card_place`): baked into the slide, the
    camera move pushed it against the frame's edge."""
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    top = np.array(tint, np.float32)
    img = np.broadcast_to(top * (1.02 - 0.25 * y), (height, width, 3)).copy()
    scale = min(width, height) / 720
    portrait = height > width  # keep clear of the picture-in-picture bust (top left) and the lower third
    side = int(min(width, height) * (0.62 if card or portrait else 0.74))
    pic = None
    if picture:
        rgb = load_rgb(picture)
        k = side / max(rgb.shape[:2])
        pic = cv2.resize(rgb, (max(1, int(rgb.shape[1] * k)), max(1, int(rgb.shape[0] * k))),
                         interpolation=cv2.INTER_CUBIC if k > 1 else cv2.INTER_AREA)
    elif name:
        pic = fit_product_image(None, name, (side, int(side * 0.6)), scale)
    if pic is not None:
        ph, pw = pic.shape[:2]
        # a name tile sits higher in a wide frame: the lower third would cover its last line
        cy = int(height * (0.43 if card else 0.45) if portrait else height * (0.47 if picture else 0.40))
        cx = width // 2
        if card and not portrait:  # left of the card (card_place), at either end of the camera move
            cx = int(width * 0.30)
        x0, y0 = cx - pw // 2, cy - ph // 2
        shadow = np.zeros((height, width), np.float32)
        cv2.rectangle(shadow, (x0 + int(14 * scale), y0 + int(22 * scale)), (x0 + pw, y0 + ph + int(10 * scale)), 1.0, -1)
        shadow = cv2.GaussianBlur(shadow, (0, 0), 18 * scale)[..., None]
        img *= 1 - 0.35 * shadow
        x0, y0 = min(max(x0, 0), width - pw), min(max(y0, 0), height - ph)  # always fits: side < min(w, h)
        img[y0:y0 + ph, x0:x0 + pw] = pic
    return np.clip(img, 0, 255).astype(np.uint8)


def card_place(card: tuple, width: int, height: int, bottom: int) -> tuple[Patch, int, int]:
    """The product card (name, price, promo, stock) and where it stands still on the frame:
    portrait centred below the picture with its bottom at ``bottom`` (above the captions),
    landscape right of the picture, centred. The name wraps and shrinks to fit (cards.py)."""
    name, price, promo, stock = card
    scale = min(width, height) / 720
    cw = int(width * (0.8 if height > width else 0.36))
    patch = product_card(name, price, promo, stock, cw, scale)
    if height > width:
        return patch, (width - cw) // 2, min(int(height * 0.64), bottom - patch.size[1])
    return patch, int(width * 0.58), (height - patch.size[1]) // 2


@dataclass(frozen=True)
class PresenterSpot:
    cx: float  # face centre, fractions of the frame
    cy: float
    face: float  # face height, fraction of the frame height


class Presenter:
    """The avatar cut out with its person matte. Where the photo ends inside the frame, its
    lower part fades out (a 'bust' shot), so no hard cut line shows whatever the photo."""

    FADE = 0.22  # fraction of the photo height that fades out at its bottom

    def __init__(self, model: AvatarModel, spot: PresenterSpot, width: int, height: int) -> None:
        placed = _Placed(model, Spot(spot.cx, spot.cy, spot.face), width, height)
        self.x, self.y = placed.x, placed.y
        self.rgb = placed.rgb
        self.matte = np.ascontiguousarray(placed.matte[..., 0])  # 2-D float32, for cv2.blendLinear
        if placed.bottom < height - 1:
            ph = self.matte.shape[0]
            band = max(2, int(ph * self.FADE))
            ramp = np.ones(ph, np.float32)
            ramp[ph - band:] = np.linspace(1, 0, band, dtype=np.float32) ** 1.5
            self.matte = self.matte * ramp[:, None]
        rx, ry, rw, rh = placed.rect
        self.face_xy = (rx - placed.x, ry - placed.y)  # face square inside the scaled photo
        self.face_side = rw
        self.w, self.h = width, height

    def frame_rect(self) -> tuple[int, int, int, int] | None:
        """The animated face square in frame pixels, clipped: (x0, y0, x1, y1)."""
        fx, fy, s = self.face_xy[0] + self.x, self.face_xy[1] + self.y, self.face_side
        x0, y0, x1, y1 = max(fx, 0), max(fy, 0), min(fx + s, self.w), min(fy + s, self.h)
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def paint_face(self, frame: np.ndarray, under: np.ndarray, canvas: np.ndarray, mask: np.ndarray) -> None:
        """Only the face square, over ``under`` (the background without the person there): a
        static plate already holds the rest of the presenter."""
        box = self.frame_rect()
        if box is None:
            return
        x0, y0, x1, y1 = box
        fx, fy, s = self.face_xy[0] + self.x, self.face_xy[1] + self.y, self.face_side
        face = cv2.resize(canvas, (s, s), interpolation=cv2.INTER_LINEAR)[y0 - fy:y1 - fy, x0 - fx:x1 - fx]
        m = cv2.resize(mask, (s, s), interpolation=cv2.INTER_LINEAR)[y0 - fy:y1 - fy, x0 - fx:x1 - fx]
        m = m.astype(np.float32) * (1 / 255)
        frame[y0:y1, x0:x1] = cv2.blendLinear(np.ascontiguousarray(face), np.ascontiguousarray(under), m, 1 - m)

    def draw(self, frame: np.ndarray, canvas: np.ndarray | None, mask: np.ndarray | None) -> None:
        """Blend the presenter (with the animated face square, if given) into ``frame``."""
        rgb, matte = self.rgb, self.matte
        if canvas is not None:
            rgb, matte = rgb.copy(), matte.copy()
            fx, fy, s = *self.face_xy, self.face_side
            ph, pw = rgb.shape[:2]
            x0, y0, x1, y1 = max(fx, 0), max(fy, 0), min(fx + s, pw), min(fy + s, ph)
            if x1 > x0 and y1 > y0:
                face = cv2.resize(canvas, (s, s), interpolation=cv2.INTER_LINEAR)
                m = cv2.resize(mask, (s, s), interpolation=cv2.INTER_LINEAR).astype(np.float32) * (1 / 255)
                rgb[y0:y1, x0:x1] = face[y0 - fy:y1 - fy, x0 - fx:x1 - fx]
                matte[y0:y1, x0:x1] = m[y0 - fy:y1 - fy, x0 - fx:x1 - fx]
        ph, pw = rgb.shape[:2]
        X0, Y0, X1, Y1 = max(self.x, 0), max(self.y, 0), min(self.x + pw, self.w), min(self.y + ph, self.h)
        if X1 <= X0 or Y1 <= Y0:
            return
        sub = np.s_[Y0 - self.y:Y1 - self.y, X0 - self.x:X1 - self.x]
        m = np.ascontiguousarray(matte[sub])
        frame[Y0:Y1, X0:X1] = cv2.blendLinear(np.ascontiguousarray(rgb[sub]), np.ascontiguousarray(frame[Y0:Y1, X0:X1]),
                                              m, 1 - m)


def presenter_spot(mode: str, width: int, height: int) -> PresenterSpot:
    """Full: the presenter is the subject (centre, face ~a fifth of the height). Picture-in-
    picture: a small bust at the top left, clear of captions, lower thirds and the AI label."""
    portrait = height > width
    if mode == "full":
        return PresenterSpot(0.5, 0.40, 0.22) if portrait else PresenterSpot(0.66, 0.40, 0.34)
    return PresenterSpot(0.20, 0.15, 0.085) if portrait else PresenterSpot(0.12, 0.24, 0.16)


LT_TITLE_PX, LT_SUB_PX = 36, 26  # at scale 1 (720 px short side)
LT_TITLE_LINES, LT_SUB_LINES = 2, 2


def _lt_line_heights(title_px: int, sub_px: int) -> tuple[int, int]:
    return int(round(title_px * 44 / 36)), int(round(sub_px * 36 / 26))


def lower_third_base_height(scale: float) -> int:
    """Height of a lower third with a one-line title and a one-line subtitle at full size: the
    renderer keeps every lower third's *bottom* where this one ends, so a title that needs a
    second line grows upward, away from the captions."""
    t_lh, s_lh = _lt_line_heights(int(LT_TITLE_PX * scale), int(LT_SUB_PX * scale))
    return 2 * int(16 * scale) + t_lh + s_lh


@lru_cache(maxsize=32)
def lower_third(title: str, subtitle: str | None, max_width: int, scale: float) -> Patch:
    """Title and subtitle on a white panel with a red accent bar (broadcast style).

    Both wrap (up to two lines each) and shrink down to 60 % with the stage's
    :func:`~twincast.render.text_overlay.fit_text` (Latin words and prices never split, CJK
    and Latin mixed) until they fit ``max_width``: a lower third used to cut a long product
    name with an ellipsis ("Shoreline men's non-iron Oxford…"), hiding what the video sells."""
    pad, bar = int(16 * scale), int(10 * scale)
    room = max_width - 2 * pad - bar
    t_px, t_lines = fit_text(title, int(LT_TITLE_PX * scale), room, LT_TITLE_LINES)
    s_px, s_lines = fit_text(subtitle, int(LT_SUB_PX * scale), room, LT_SUB_LINES) if subtitle else (0, [])
    f_title = font(t_px)
    f_sub = font(s_px) if s_lines else None
    t_lh, s_lh = _lt_line_heights(t_px, s_px)
    widths = [f_title.getlength(ln) for ln in t_lines] + [f_sub.getlength(ln) for ln in s_lines]
    width = int(max(widths)) + 2 * pad + bar + 1
    gap = int(2 * scale) if s_lines else 0
    height = pad * 2 + t_lh * len(t_lines) + gap + s_lh * len(s_lines)
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, width - 1, height - 1), radius=int(10 * scale), fill=(255, 255, 255, 235))
    d.rectangle((0, 0, bar, height - 1), fill=(222, 48, 48, 255))
    for i, ln in enumerate(t_lines):
        d.text((bar + pad, pad + i * t_lh), ln, font=f_title, fill=(30, 30, 36, 255))
    y = pad + t_lh * len(t_lines) + gap
    for i, ln in enumerate(s_lines):
        d.text((bar + pad, y + i * s_lh), ln, font=f_sub, fill=(90, 90, 100, 255))
    arr = np.asarray(img)
    return Patch(np.ascontiguousarray(arr[..., :3]), np.ascontiguousarray(arr[..., 3:4]))
