"""Does the mouth close and open like a talking person's? Mouth dynamics from the face mesh.

Why: lip sync (``lipsync.py``) is a correlation, and a mouth that only ever half-opens and
never closes can still correlate with the voice (issue 19: a smiling photo avatar kept its grin
for the whole clip, lips closed in 0 % of frames, and passed every row of the check). A viewer
sees that first. This measures, with the same tracker and the same opening as the lip-sync row
(mean inner-lip gap / outer-eye-corner distance, ``lipsync.mouth_opening``):

* **closed share**: frames whose opening is under :data:`CLOSED_GAP`;
* **opening range**: 95th minus 5th percentile of the opening, in eye-corner widths;
* **closure on bilabials** (only when phone timings are known, e.g. our own renders): the share
  of p/b/m phones during which the lips reach closed, and the share of pauses over 200 ms that
  close; **quiver**: the opening's frame-to-frame motion inside those pauses.

**Calibration** (tests/test_mouth_dynamics.py, docs/quality-check.md). On the SyncNet demo clip
(real broadcast speech, 317 frames) the opening's percentiles are 5 %: 0.000, 20 %: 0.002,
30 %: 0.014, 50 %: 0.061, 95 %: 0.151; mediapipe reads closed lips as 0-0.02 eye widths. With
the threshold 0.025 the clip is closed in 36 % of frames and its range is 0.151 (since session
15 the gap is taken along the face's vertical axis, ``lipsync.mouth_opening``; the full 3D
distance read 32 % and 0.155). A photo avatar rendered from a broad smile with teeth
(skimage's astronaut, before issue 19) is closed in 0 % with a range of ~0.08. The bands
(closed share 0.15-0.70, range >= 0.10 eye widths) are the issue's targets, about half the
real clip's values, far from the never-closing render.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Inner-lip gap (eye-corner widths) under which the lips count as closed (calibrated above).
CLOSED_GAP = 0.025
#: Pass band for the share of closed frames over a talking clip.
CLOSED_SHARE_BAND = (0.15, 0.70)
#: Minimum p95 - p5 of the opening (eye-corner widths).
RANGE_MIN = 0.10
#: Pauses at least this long should close the lips.
PAUSE_MIN_S = 0.2
#: Fewer tracked frames than this: too little to judge.
MIN_FRAMES = 50

BILABIALS = frozenset({"p", "b", "m", "P", "B", "M", "em"})


@dataclass
class MouthDynamics:
    """Mouth-dynamics numbers of one clip (NaN where not measurable)."""

    frames: int
    closed_share: float
    opening_range: float
    p5: float
    p95: float
    bilabial_closed: float = float("nan")  # share of p/b/m spans that reach closed
    bilabials: int = 0
    pause_closed: float = float("nan")  # share of pauses >= 200 ms that reach closed
    pauses: int = 0
    pause_quiver: float = float("nan")  # median |frame-to-frame change| inside those pauses
    detail: dict = field(default_factory=dict)

    def as_row(self) -> dict:
        return {"closed": round(self.closed_share, 3), "range": round(self.opening_range, 3),
                "bilabial_closed": _r(self.bilabial_closed), "pause_closed": _r(self.pause_closed),
                "quiver": _r(self.pause_quiver, 4)}


def _r(x: float, n: int = 3) -> float | None:
    return None if not np.isfinite(x) else round(float(x), n)


def _reaches_closed(openings: np.ndarray, fps: float, t0: float, t1: float,
                    slack_frames: int = 1) -> bool | None:
    """Whether the opening dips under CLOSED_GAP between t0 and t1 (one frame of slack each
    side: a 60 ms /p/ can fall between frame centres). None when nothing was tracked there."""
    a = max(0, int(np.floor(t0 * fps)) - slack_frames)
    b = min(len(openings), int(np.ceil(t1 * fps)) + slack_frames + 1)
    seg = openings[a:b]
    seg = seg[np.isfinite(seg)]
    if len(seg) == 0:
        return None
    return bool(seg.min() < CLOSED_GAP)


def measure(openings: np.ndarray, fps: float,
            phones: list[tuple[str, float, float]] | None = None) -> MouthDynamics:
    """Mouth dynamics of a per-frame opening series (eye-corner widths, NaN where no face).

    ``phones``: (phone, start s, end s) on the same clock as frame 0, when known. Phones named
    in :data:`BILABIALS` are judged for closure; gaps between phones (and phones named "sil",
    "sp", "pau", "" or "_") of at least :data:`PAUSE_MIN_S` are pauses.
    """
    o = np.asarray(openings, dtype=np.float64)
    ok = o[np.isfinite(o)]
    if len(ok) == 0:
        return MouthDynamics(0, np.nan, np.nan, np.nan, np.nan)
    p5, p95 = np.percentile(ok, [5, 95])
    md = MouthDynamics(len(ok), float((ok < CLOSED_GAP).mean()), float(p95 - p5), float(p5),
                       float(p95))
    if not phones:
        return md
    hits = [_reaches_closed(o, fps, s, e) for ph, s, e in phones if ph in BILABIALS]
    hits = [h for h in hits if h is not None]
    md.bilabials = len(hits)
    md.bilabial_closed = float(np.mean(hits)) if hits else np.nan
    pauses = _pauses(phones)
    closes, quiver = [], []
    for s, e in pauses:
        # the lips close after the last sound, not on it: judge the pause's inner part
        h = _reaches_closed(o, fps, s + 0.06, e - 0.04, slack_frames=0)
        if h is not None:
            closes.append(h)
        a, b = int(np.ceil((s + 0.1) * fps)), int(np.floor((e - 0.08) * fps))
        seg = o[a:b + 1]
        if len(seg) >= 3 and np.isfinite(seg).all():
            quiver.append(float(np.median(np.abs(np.diff(seg)))))
    md.pauses = len(closes)
    md.pause_closed = float(np.mean(closes)) if closes else np.nan
    md.pause_quiver = float(np.median(quiver)) if quiver else np.nan
    md.detail = {"pauses_s": [(round(s, 2), round(e, 2)) for s, e in pauses]}
    return md


_SILENT = {"sil", "sp", "pau", "", "_", "SIL", "spn"}


def _pauses(phones: list[tuple[str, float, float]]) -> list[tuple[float, float]]:
    """Silent stretches of at least PAUSE_MIN_S: silence phones and gaps between phones,
    merged when adjacent."""
    spans: list[list[float]] = []
    last_end = None
    for ph, s, e in sorted(phones, key=lambda p: p[1]):
        if ph in _SILENT:
            spans.append([s, e])
        elif last_end is not None and s - last_end > 1e-3:
            spans.append([last_end, s])
        if ph not in _SILENT:
            last_end = e if last_end is None else max(last_end, e)
    merged: list[list[float]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1] + 1e-3:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged if e - s >= PAUSE_MIN_S]


def judge(md: MouthDynamics) -> tuple[bool, str]:
    """PASS/FAIL of the check row and its display text."""
    lo, hi = CLOSED_SHARE_BAND
    ok = lo <= md.closed_share <= hi and md.opening_range >= RANGE_MIN
    text = f"closed {md.closed_share:.0%} of frames, range {md.opening_range:.3f} eye widths"
    if np.isfinite(md.bilabial_closed):
        text += f", p/b/m closed {md.bilabial_closed:.0%} of {md.bilabials}"
    return ok, text


__all__ = ["MouthDynamics", "measure", "judge", "CLOSED_GAP", "CLOSED_SHARE_BAND", "RANGE_MIN",
           "BILABIALS", "PAUSE_MIN_S", "MIN_FRAMES"]
