"""Choosing and pasting real mouths for a video avatar, one frame at a time.

Selection is online (live renders frame by frame): each frame's cost is the distance of every
library entry to the target shape plus a viseme term, a pose term and a continuity term. The
viseme term compares the viseme the controls ask for (the nearest viseme target to the mouth
controls: the renderer gets controls, not phones) with each entry's label from the footage's own
speech (:mod:`twincast.avatar.video.labels`), with partial credit for look-alike visemes
(``AA``/``AE``) and half credit for unlabelled entries; avatars built before labels existed have
none and select by shape alone. Continuing the
footage the last entry came from (its next source frame) is free, holding the same entry is
cheap and any other switch pays a penalty; a switch must also beat the continuation by a
margin (hysteresis), so the mouth does not flicker between near-equal entries. A real switch
is cross-faded over two frames, which removes the pop of a new set of teeth.

Pasting warps the canonical patch into the base frame with that frame's (smoothed) similarity,
matches its colour to the skin around it (Lab mean and spread on the feathered ring, where
both show skin) and blends it through the feathered lower-face mask.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..avatar.video.geometry import invert
from ..avatar.video.mouth import Calibration
from ..driving import visemes as V

WEIGHTS = np.array([1.0, 0.6, 0.3, 0.35], np.float32)  # open, width, lips, teeth
POSE_DEG = 8.0  # a yaw/pitch difference this large costs as much as one feature spread
SWITCH = 0.25
HOLD = 0.12
HYSTERESIS = 0.08
FADE = (0.7,)  # weight of the new mouth on the frame after a switch (more fade lags the lips)
VISEME = 0.5  # cost of an entry labelled with an unrelated viseme (a feature spread of opening costs 1)
VISEME_SIGMA = 0.3  # two visemes this far apart (weighted control space) cost 39 % of VISEME
_DECODE_W = np.array([1.0, 0.8, 0.8, 1.2, 0.5, 0.5], np.float32)  # jaw wide round press teeth tongue
_TARGETS = np.array([v.target for v in V.VISEMES.values()], np.float32)


def wanted_viseme(mouth: np.ndarray) -> int:
    """Index (``twincast.driving.visemes.VISEMES`` order) of the viseme whose target is nearest
    to the mouth controls (jaw, wide, round, press, teeth, tongue)."""
    d = (((_TARGETS - np.asarray(mouth, np.float32)) * _DECODE_W) ** 2).sum(1)
    return int(np.argmin(d))


def viseme_mismatch(names: list[str]) -> np.ndarray:
    """(len(VISEMES), len(names) + 1) cost in [0, 1] of showing a mouth labelled ``names[j]``
    when viseme i is wanted; the last column is for unlabelled entries (0.5)."""
    labelled = np.array([V.VISEMES[n].target for n in names], np.float32)
    d2 = ((((_TARGETS[:, None] - labelled[None]) * _DECODE_W)) ** 2).sum(2)
    mis = 1.0 - np.exp(-d2 / (2 * VISEME_SIGMA ** 2))
    return np.concatenate([mis, np.full((len(_TARGETS), 1), 0.5)], 1).astype(np.float32)


class MouthSelector:
    def __init__(self, feats: np.ndarray, pose: np.ndarray, succ: np.ndarray, calib: Calibration,
                 labels: np.ndarray | None = None, names: list[str] | None = None,
                 viseme_weight: float = VISEME) -> None:
        """``labels``: per-entry viseme index into ``names`` (-1 unknown), or None (shape only)."""
        self.calib = calib
        self._z = (feats / calib.scale).astype(np.float32)
        self._pose = np.nan_to_num(pose[:, :2]).astype(np.float32)
        self._succ = succ
        self.prev = -1
        self._vis_cost: np.ndarray | None = None  # (len(VISEMES), n entries)
        if labels is not None and names and viseme_weight > 0:
            col = np.where(labels >= 0, labels, len(names)).astype(np.int64)
            self._vis_cost = viseme_weight * viseme_mismatch(names)[:, col]

    @property
    def uses_visemes(self) -> bool:
        return self._vis_cost is not None

    def choose(self, target: np.ndarray, pose: np.ndarray, viseme: int | None = None) -> tuple[int, bool]:
        """(library entry, whether it continues the previous one without a switch).
        ``viseme``: the wanted viseme (:func:`wanted_viseme`), or None for shape only."""
        t = target / self.calib.scale
        w = WEIGHTS.copy()
        if target[2] >= self.calib.lips_mid - 1e-6:  # lip thickness only matters when pressing
            w[2] = 0.05
        cost = ((self._z - t) ** 2 * w).sum(1)
        cost += ((self._pose - np.nan_to_num(pose[:2])) ** 2).sum(1) / POSE_DEG ** 2
        if viseme is not None and self._vis_cost is not None:
            cost += self._vis_cost[viseme]
        prev = self.prev
        if prev < 0:
            best = int(np.argmin(cost))
            self.prev = best
            return best, True
        cost += SWITCH
        nxt = int(self._succ[prev])
        cost[prev] -= SWITCH - HOLD
        if nxt >= 0:
            cost[nxt] -= SWITCH
        best = int(np.argmin(cost))
        for keep in (nxt, prev):  # hysteresis: stay on the footage unless clearly worse
            if keep >= 0 and cost[keep] <= cost[best] + HYSTERESIS:
                best = keep
                break
        self.prev = best
        return best, best in (nxt, prev)


class MouthPaster:
    """Warp, colour-match and blend a canonical patch into a canvas."""

    def __init__(self, alpha: np.ndarray, origin: tuple[int, int], size: int) -> None:
        self.alpha = alpha.astype(np.float32)
        self.origin = origin
        self.size = size
        ring = (self.alpha > 0.05) & (self.alpha < 0.55)
        self._ring = ring
        self._shown: np.ndarray | None = None
        self._fade: list[float] = []

    def smooth(self, patch: np.ndarray, continuous: bool) -> np.ndarray:
        """Temporal cross-fade after a switch (in canonical coordinates, before warping)."""
        new = patch.astype(np.float32)
        if not continuous and self._shown is not None:
            self._fade = list(FADE)
        if self._fade and self._shown is not None:
            w = self._fade.pop(0)
            new = self._shown + (new - self._shown) * w
        self._shown = new
        return new

    def paste(self, canvas: np.ndarray, patch: np.ndarray, to_canon: np.ndarray) -> None:
        """``to_canon``: 2x3 canvas->canonical similarity of this base frame."""
        inv = invert(to_canon)
        x0, y0 = self.origin
        a = inv.copy()
        a[:, 2] = inv[:, :2] @ np.array([x0, y0], np.float32) + inv[:, 2]
        h, w = self.alpha.shape
        corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], np.float32) @ a[:, :2].T + a[:, 2]
        rx0, ry0 = np.maximum(np.floor(corners.min(0)).astype(int), 0)
        rx1, ry1 = np.minimum(np.ceil(corners.max(0)).astype(int), self.size)
        if rx1 - rx0 < 4 or ry1 - ry0 < 4:
            return
        a[:, 2] -= (rx0, ry0)
        dsize = (int(rx1 - rx0), int(ry1 - ry0))
        warped = cv2.warpAffine(patch, a, dsize, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        alpha = cv2.warpAffine(self.alpha, a, dsize, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        ring = cv2.warpAffine(self._ring.astype(np.uint8), a, dsize, flags=cv2.INTER_NEAREST) > 0
        roi = canvas[ry0:ry1, rx0:rx1]
        warped = match_colour(np.clip(warped, 0, 255).astype(np.uint8), roi, ring)
        base = roi.astype(np.float32)
        roi[:] = np.clip(base + (warped - base) * alpha[..., None], 0, 255).astype(np.uint8)


def match_colour(patch: np.ndarray, target: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Shift the patch's Lab mean/spread on ``ring`` onto the target's (float32 RGB out)."""
    mask = ring.astype(np.uint8)
    if cv2.countNonZero(mask) < 30:
        return patch.astype(np.float32)
    p = cv2.cvtColor(patch, cv2.COLOR_RGB2LAB)
    t = cv2.cvtColor(target, cv2.COLOR_RGB2LAB)
    pm, ps = (v.ravel() for v in cv2.meanStdDev(p, mask=mask))
    tm, ts = (v.ravel() for v in cv2.meanStdDev(t, mask=mask))
    gain = np.clip((ts + 1e-3) / (ps + 1e-3), 0.8, 1.25)
    lut = np.clip((np.arange(256)[:, None] - pm) * gain + tm, 0, 255).astype(np.uint8)  # (256, 3)
    moved = cv2.merge([cv2.LUT(ch, lut[:, k].copy()) for k, ch in enumerate(cv2.split(p))])
    return cv2.cvtColor(moved, cv2.COLOR_LAB2RGB).astype(np.float32)
