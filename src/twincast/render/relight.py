"""Even out the photo's lighting on the face, then light the head with a preset as it turns.

Two steps, both as smooth multiplicative gain maps (the skin texture is never touched):

1. **De-light** (once per avatar). The low-frequency log-luminance of the facial skin (eyes,
   brows and lips filled in from the skin around them, so they do not count as shadows) is
   the photo's shading. Its mirror-asymmetric part (one side darker, a shadow across one
   cheek) is removed by lifting the darker side to the brighter one, as a fill light would
   (darkening the lit side instead turned its highlights grey), and half of the mid-scale
   symmetric patches (a shiny forehead, dark eye sockets from a top light); the large
   symmetric form stays, because that is the face's shape, not the light. Highlights that
   reach the clip level are rolled off. The correction fades out over the hair and neck, so there is no edge.
2. **Relight** (per frame). The preset light, fixed in the camera's frame, shines on the
   head proxy's normals (face mesh, skull ellipsoid) turned with the head; the ratio to the
   frontal pose is a gain on the person layer, computed at 64x64 and upsampled. Turning away
   from the key light darkens that cheek, as in a real studio.

``none`` keeps the photo's own light and adds nothing per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..avatar import topology as T
from ..errors import TwincastError
from .pose3d import HeadProxy, rotate

GAIN_RES = 64
KNEE = 232.0  # luma where highlights start rolling off; 255 maps to ~248


@dataclass(frozen=True)
class LightPreset:
    """Lights in the camera frame: direction toward the light (x right, y down, z toward the
    camera), intensity, and wrap (0 = hard Lambert terminator, 1 = very soft)."""

    name: str
    ambient: float
    lights: tuple[tuple[tuple[float, float, float], float, float], ...]
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)


PRESETS: dict[str, LightPreset] = {
    "soft": LightPreset("soft", 0.62, (((0.0, -0.35, 1.0), 0.38, 1.0),)),
    "warm": LightPreset("warm", 0.62, (((0.1, -0.35, 1.0), 0.38, 1.0),), (1.05, 0.99, 0.90)),
    "studio": LightPreset("studio", 0.40, (((-0.55, -0.45, 0.8), 0.45, 0.4), ((0.7, -0.1, 0.7), 0.15, 0.6))),
}
RELIGHT_CHOICES = ("none",) + tuple(PRESETS)
DEFAULT_RELIGHT = "soft"  # best light balance in the pose sweep (docs/performance.md)


def check_preset(name: str) -> str:
    if name not in RELIGHT_CHOICES:
        raise TwincastError(f"unknown relight preset {name!r}",
                            f"use --relight {' or --relight '.join(RELIGHT_CHOICES)}")
    return name


def irradiance(preset: LightPreset, normals: np.ndarray) -> np.ndarray:
    """Light reaching a surface with the given unit normals (..., 3): ambient + wrapped Lambert."""
    total = np.full(normals.shape[:-1], preset.ambient, np.float32)
    for direction, intensity, wrap in preset.lights:
        d = np.asarray(direction, np.float32)
        d = d / np.linalg.norm(d)
        total += intensity * np.clip((normals @ d + wrap) / (1 + wrap), 0, None)
    return total


def _poly_mask(shape: tuple[int, int], pts: np.ndarray, scale: float, hull: bool = False) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    poly = np.round(pts * scale * 8).astype(np.int32)
    if hull:
        poly = cv2.convexHull(poly)
    cv2.fillPoly(m, [poly], 1, lineType=cv2.LINE_8, shift=3)
    return m


def _normconv(values: np.ndarray, weights: np.ndarray, sigma: float) -> np.ndarray:
    num = cv2.GaussianBlur(values * weights, (0, 0), sigma)
    den = cv2.GaussianBlur(weights, (0, 0), sigma)
    return num / np.maximum(den, 1e-4)


def skin_masks(lm: np.ndarray, shape: tuple[int, int], scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(skin, face) masks at ``shape`` for canvas landmarks scaled by ``scale``: skin is the
    face oval without eyes, brows and lips (dilated), the same regions the quality check reads."""
    xy = lm[:, :2]
    face = _poly_mask(shape, xy[T.face_oval()], scale)
    holes = np.zeros(shape, np.uint8)
    lips = T.lip_arcs(xy)
    eyes = T.eye_arcs(xy)
    parts = [lips["upper_outer"] + lips["lower_outer"], eyes["right_upper"] + eyes["right_lower"],
             eyes["left_upper"] + eyes["left_lower"], *T.brows().values()]
    for ids in parts:
        holes |= _poly_mask(shape, xy[ids], scale, hull=True)
    fw = float(np.linalg.norm(xy[T.CHEEK_RIGHT] - xy[T.CHEEK_LEFT])) * scale
    k = max(3, int(0.06 * fw) | 1)
    holes = cv2.dilate(holes, np.ones((k, k), np.uint8))
    skin = cv2.erode(face, np.ones((3, 3), np.uint8)) & (1 - holes)
    return skin.astype(np.float32), face.astype(np.float32)


def _mirror_coords(lm: np.ndarray, shape: tuple[int, int], scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Sample coordinates reflecting each pixel across the face's midline (forehead-chin)."""
    a, b = lm[T.FOREHEAD, :2] * scale, lm[T.CHIN, :2] * scale
    d = (b - a) / (np.linalg.norm(b - a) + 1e-9)
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    rx, ry = xs - a[0], ys - a[1]
    along = rx * d[0] + ry * d[1]
    px, py = a[0] + along * d[0], a[1] + along * d[1]
    return (2 * px - xs).astype(np.float32), (2 * py - ys).astype(np.float32)


def delight_gain(rgb: np.ndarray, lm: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """Per-pixel luminance gain (canvas size, float32) that evens the face's lighting."""
    size = rgb.shape[0]
    res = max(32, size // 4)
    s = res / size
    luma = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (res, res), interpolation=cv2.INTER_AREA)
    log_l = np.log(luma.astype(np.float32) + 8.0)
    skin, face = skin_masks(lm, (res, res), s)
    if skin.sum() < 30:
        return np.ones((size, size), np.float32)
    fw = float(np.linalg.norm(lm[T.CHEEK_RIGHT, :2] - lm[T.CHEEK_LEFT, :2])) * s
    shade = _normconv(log_l, skin, 0.08 * fw)
    mx, my = _mirror_coords(lm, (res, res), s)
    mirrored = cv2.remap(shade, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    m_skin = cv2.remap(skin, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    both = skin * m_skin  # only where the skin and its mirror image are both skin
    # The darker side is lifted to the brighter one (a fill light), faded in smoothly. Until
    # session 15 both sides went to their mean with a hard switch at the edge of that region:
    # a tilted face lit from one side (dev ft_grid_chin) got a sharp-edged grey patch over
    # its lit cheek and forehead, 20 % darker than the skin beside it: darkened highlights
    # read as grey, not as shade.
    w = np.clip(_normconv(both, skin, 0.06 * fw), 0, 1) * skin
    sym = shade + w * np.maximum(mirrored - shade, 0)
    form = _normconv(sym, skin, 0.25 * fw)
    correction = (shade - sym) + 0.5 * (sym - form)
    # extend the correction smoothly over hair and neck, fading out with distance from the face
    extended = np.where(skin > 0, correction, _normconv(correction, skin, 0.12 * fw))
    person = cv2.resize(matte, (res, res), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    near = cv2.GaussianBlur(cv2.dilate(face, np.ones((max(3, int(0.3 * fw)),) * 2, np.uint8)), (0, 0), 0.1 * fw)
    region = np.clip(np.maximum(near * person, face), 0, 1)
    gain = np.exp(-extended * region).astype(np.float32)
    return cv2.resize(gain, (size, size), interpolation=cv2.INTER_CUBIC)


def _roll_off(rgb: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Compress highlights above ``KNEE`` in the face region (clipped skin has no detail to
    keep; a soft shoulder reads as sheen instead of a burnt patch)."""
    f = rgb.astype(np.float32)
    y = f @ np.array([0.299, 0.587, 0.114], np.float32)
    top = 250.0 - KNEE
    y2 = np.where(y > KNEE, KNEE + top * np.tanh((y - KNEE) / top), y)
    ratio = 1 + (y2 / np.maximum(y, 1.0) - 1) * region
    return np.clip(f * ratio[..., None] + 0.5, 0, 255).astype(np.uint8)


def proxy_normals(proxy: HeadProxy, res: int = GAIN_RES) -> np.ndarray:
    """Unit normals (res, res, 3) of the head proxy's depth, seen from the front."""
    d = cv2.GaussianBlur(proxy.depth, (0, 0), 2.0)
    gx = cv2.Sobel(d, cv2.CV_32F, 1, 0, ksize=3) / (8 * proxy.k)
    gy = cv2.Sobel(d, cv2.CV_32F, 0, 1, ksize=3) / (8 * proxy.k)
    n = np.dstack([-gx, -gy, np.ones_like(d)])
    n /= np.linalg.norm(n, axis=2, keepdims=True)
    n = cv2.resize(n, (res, res), interpolation=cv2.INTER_AREA)
    return n / np.linalg.norm(n, axis=2, keepdims=True)


class Relighter:
    """Static relit source for the frontal pose, and the per-frame gain as the head turns."""

    def __init__(self, preset: str, proxy: HeadProxy) -> None:
        self.name = check_preset(preset)
        self.preset = PRESETS.get(preset)
        self.proxy = proxy
        self.normals = proxy_normals(proxy)
        self.weight = cv2.resize(proxy.weight, (GAIN_RES, GAIN_RES), interpolation=cv2.INTER_AREA)
        if self.preset is not None:
            self._base = irradiance(self.preset, self.normals)

    def relit(self, person: np.ndarray, lm: np.ndarray, matte: np.ndarray) -> np.ndarray:
        """The person layer (canvas-size foreground colours) de-lit and lit by the preset at
        the frontal pose. Only the head and neck change: the gain fades to 1 on the torso and
        at the canvas border, where the render is pasted back into the photo."""
        if self.preset is None:
            return person
        size = person.shape[0]
        gain = delight_gain(person, lm, matte)
        skin, face = skin_masks(lm, (GAIN_RES, GAIN_RES), GAIN_RES / size)
        # the preset's frontal shading, normalised to 1 on the skin so brightness is kept
        shade = self._base / max(float((self._base * skin).sum() / max(skin.sum(), 1)), 1e-3)
        shade = 1 + (shade - 1) * self.weight
        gain *= cv2.resize(shade.astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
        w = cv2.resize(self.weight, (size, size), interpolation=cv2.INTER_LINEAR)
        edge = np.minimum.outer(*(2 * [np.minimum(np.arange(size), np.arange(size)[::-1])]))
        taper = np.clip(edge / (0.06 * size), 0, 1).astype(np.float32)
        gain = 1 + (gain - 1) * taper
        tint = 1 + (np.float32(self.preset.tint) - 1) * (w * taper)[..., None]
        out = np.clip(person.astype(np.float32) * gain[..., None] * tint + 0.5, 0, 255).astype(np.uint8)
        region = cv2.resize(cv2.GaussianBlur(face, (0, 0), 2.0), (size, size), interpolation=cv2.INTER_LINEAR)
        return _roll_off(out, region)

    def frame_gain(self, yaw: float, pitch: float, roll: float) -> np.ndarray | None:
        """(GAIN_RES, GAIN_RES) gain in the frontal frame for this pose, or None when it is 1."""
        if self.preset is None:
            return None
        n = self.normals.reshape(-1, 3)
        turned = rotate(n, np.zeros(3), yaw, pitch, roll, self.weight.reshape(-1))
        now = irradiance(self.preset, turned.astype(np.float32)).reshape(self._base.shape)
        gain = now / self._base
        if float(np.abs(gain - 1).max()) < 1 / 512:
            return None
        return gain.astype(np.float32)
