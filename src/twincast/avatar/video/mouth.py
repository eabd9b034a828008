"""The mouth-appearance library: real lips and teeth from every clean frame, indexed by shape and viseme.

Each entry is the lower face of one frame, warped into one *canonical* frame (the
representative frame's canvas) by a similarity fitted on skull-fixed points (eye corners, the
nose), so entries differ only in what the mouth does. Entries are indexed by shape features
measured on the landmarks in that canonical frame (inner-lip opening, width, lip thickness),
teeth visibility measured on the pixels, and head pose, so the renderer can ask for "jaw 0.6,
wide 0.2, teeth showing, head turned 5 degrees left" and get the closest real mouth. Each entry
also carries the viseme being spoken in its frame (:mod:`.labels`, from the soundtrack), which
tells apart mouths the shape features cannot (``f`` vs ``s``, a pressed ``m`` vs a resting mouth).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .. import topology as T
from .geometry import apply

FEATURES = ("open", "width", "lips", "teeth")
JAW_LINE = [58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288]
UNDER_NOSE = [98, 2, 327]
CHEEKS = [205, 425]
_GAPS = [(13, 14), (82, 87), (312, 317)]


@dataclass(frozen=True)
class PatchFrame:
    """Where the lower-face patch sits in the canonical canvas, and its soft mask."""

    x0: int
    y0: int
    alpha: np.ndarray  # (h, w) float32 0..1, zero at the patch border
    mouth_width: float  # canonical mouth width in pixels: the unit of the shape features
    inner: np.ndarray  # (k, 2) canonical inner-lip polygon of the representative frame

    @property
    def size(self) -> tuple[int, int]:
        return self.alpha.shape[1], self.alpha.shape[0]


def patch_frame(rep: np.ndarray, canvas: int) -> PatchFrame:
    """The patch region from the representative landmarks (canvas pixels): mouth, chin and a
    little of the neck under the jaw (an opening jaw moves the chin), up to under the nose."""
    pts = rep[:, :2].astype(np.float32)
    mw = float(np.linalg.norm(pts[T.MOUTH_RIGHT] - pts[T.MOUTH_LEFT]))
    centre = pts[[T.MOUTH_LEFT, T.MOUTH_RIGHT, 13, 14]].mean(0)
    jaw = pts[JAW_LINE]
    out = jaw - centre
    jaw = jaw + out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-6) * 0.22 * mw
    poly = np.concatenate([pts[UNDER_NOSE] + (0, 0.06 * mw), pts[CHEEKS], jaw])
    hull = cv2.convexHull(poly.astype(np.float32)).reshape(-1, 2)
    sigma = 0.14 * mw
    margin = int(np.ceil(3 * sigma)) + 2
    x0, y0 = np.floor(hull.min(0)).astype(int) - margin
    x1, y1 = np.ceil(hull.max(0)).astype(int) + margin
    x0, y0 = max(int(x0), 0), max(int(y0), 0)
    x1, y1 = min(int(x1), canvas), min(int(y1), canvas)
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.fillPoly(mask, [np.round(hull - (x0, y0)).astype(np.int32)], 1.0)
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8), iterations=max(1, int(sigma)))
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    ramp_y = np.clip(np.minimum(np.arange(mask.shape[0]), np.arange(mask.shape[0])[::-1]) / 3.0, 0, 1)
    ramp_x = np.clip(np.minimum(np.arange(mask.shape[1]), np.arange(mask.shape[1])[::-1]) / 3.0, 0, 1)
    mask *= ramp_y[:, None] * ramp_x[None, :]
    lips = T.lip_arcs(pts)
    inner = pts[lips["upper_inner"] + lips["lower_inner"][::-1]]
    return PatchFrame(x0, y0, mask.astype(np.float32), mw, inner)


def shape_features(canon: np.ndarray, mouth_width: float) -> np.ndarray:
    """(open, width, lips) of landmarks already in canonical pixels (478, 2+)."""
    gap = np.mean([np.linalg.norm(canon[b, :2] - canon[a, :2]) for a, b in _GAPS])
    width = np.linalg.norm(canon[T.MOUTH_RIGHT, :2] - canon[T.MOUTH_LEFT, :2])
    outer = np.linalg.norm(canon[T.LOWER_OUTER_MID, :2] - canon[T.UPPER_OUTER_MID, :2])
    return np.array([gap, width, outer - gap], np.float32) / mouth_width


def teeth_area(patch: np.ndarray, canon: np.ndarray, frame: PatchFrame) -> float:
    """Bright, colourless pixels between the inner lips, per mouth width squared: teeth."""
    lips = T.lip_arcs(canon[:, :2])
    inner = canon[lips["upper_inner"] + lips["lower_inner"][::-1], :2] - (frame.x0, frame.y0)
    mask = np.zeros(patch.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(inner).astype(np.int32)], 1)
    if mask.sum() < 4:
        return 0.0
    hsv = cv2.cvtColor(patch, cv2.COLOR_RGB2HSV)
    skin_v = float(np.median(hsv[..., 2][frame.alpha > 0.5])) if (frame.alpha > 0.5).any() else 160.0
    inside = mask > 0
    bright = (hsv[..., 2] > 0.8 * skin_v) & (hsv[..., 1] < 90)
    return float((bright & inside).sum()) / frame.mouth_width ** 2


def extract_patch(canvas_rgb: np.ndarray, to_canon: np.ndarray, frame: PatchFrame) -> np.ndarray:
    """The frame's lower face warped into the canonical patch (RGB uint8)."""
    m = to_canon.copy()
    m[:, 2] -= (frame.x0, frame.y0)
    return cv2.warpAffine(canvas_rgb, m, frame.size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def canonical_landmarks(canvas_lm: np.ndarray, to_canon: np.ndarray) -> np.ndarray:
    return apply(to_canon, canvas_lm)


@dataclass
class Calibration:
    """Where the person's mouth shapes lie, so control values map onto their own range."""

    open_lo: float
    open_hi: float
    width_lo: float
    width_mid: float
    width_hi: float
    lips_lo: float
    lips_mid: float
    teeth_hi: float
    scale: np.ndarray  # robust spread of each feature (FEATURES order)

    @classmethod
    def fit(cls, feats: np.ndarray) -> "Calibration":
        q = lambda col, p: float(np.percentile(feats[:, col], p))  # noqa: E731
        iqr = np.percentile(feats, 75, axis=0) - np.percentile(feats, 25, axis=0)
        spread = np.maximum(iqr / 1.35, np.array([0.02, 0.02, 0.01, 0.005]))
        return cls(q(0, 5), max(q(0, 98), q(0, 5) + 0.1), q(1, 3), q(1, 50), q(1, 97), q(2, 5), q(2, 50),
                   max(q(3, 92), 1e-3), spread.astype(np.float32))

    def to_dict(self) -> dict:
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict) -> "Calibration":
        return cls(**{**d, "scale": np.asarray(d["scale"], np.float32)})

    def target(self, jaw: float, wide: float, round_: float, press: float, teeth: float,
               smile: float = 0.0) -> np.ndarray:
        """Mouth controls (twincast.driving.visemes: AA has jaw 0.72, I wide 0.7, U round 1)
        -> target features in this person's range."""
        press = float(np.clip(press, 0, 1))
        opening = float(np.clip(jaw / 0.72, 0, 1.25)) * (1 - press)
        spread = float(np.clip(wide / 0.6 + 0.5 * max(smile, 0), 0, 1.2))
        pucker = float(np.clip(round_, 0, 1))
        return np.array([
            self.open_lo + (self.open_hi - self.open_lo) * opening,
            self.width_mid + (self.width_hi - self.width_mid) * spread - (self.width_mid - self.width_lo) * pucker,
            self.lips_mid - (self.lips_mid - self.lips_lo) * press,
            self.teeth_hi * float(np.clip(teeth, 0, 1)) * min(1.0, opening * 3),
        ], np.float32)
