"""Speech cues -> timed gestures -> per-frame curves: brows, nods, beats, smiles, head turns,
tilts and glances, as a chain of small pure transforms (after Rhubarb's timeline chain).

Each transform reads the :class:`~twincast.driving.prosody.SpeechCues` of one utterance and
returns a list of :class:`Gesture` (a rise, a hold and a fall on one control). Randomness comes
from :mod:`noise` hashed by the seed and the utterance's absolute start frame, so an utterance
performed at the same place of a show always moves the same way (live == offline), while the
same sentence said twice, or the next accent, moves differently: no gesture has a fixed size,
timing or rate, and not every accent gets one.

Timing follows what is known of speakers: brows start rising 100-250 ms before the accented
syllable and peak on it; the head drops on the last accent of a statement and comes back in the
pause; the head tilts on questions; people look away while they pause to think and look back at
the listener for the important word.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import noise
from .emotion import Emotion
from .prosody import SpeechCues

# channels beyond the rig controls: "attend" (0..1) pulls the idle gaze back to the camera
CHANNELS = ("brow", "smile", "yaw", "pitch", "roll", "gaze_x", "gaze_y", "attend")
EDGE_S = 0.12  # without carry-over, gestures fade out this close to an utterance edge


@dataclass(frozen=True)
class Gesture:
    channel: str
    start: float
    peak: float
    hold: float  # seconds held at the peak
    end: float
    amount: float
    why: str = ""

    def curve(self, t: np.ndarray) -> np.ndarray:
        """Raised-cosine rise to ``amount``, hold, raised-cosine fall."""
        rise = np.clip((t - self.start) / max(self.peak - self.start, 1e-3), 0, 1)
        top = self.peak + self.hold
        fall = np.clip((t - top) / max(self.end - top, 1e-3), 0, 1)
        return self.amount * 0.5 * (1 - np.cos(np.pi * rise)) * 0.5 * (1 + np.cos(np.pi * fall))


class Dice:
    """Hashed random numbers for one utterance and one purpose."""

    def __init__(self, seed: int, start_frame: int, purpose: str) -> None:
        self.seed, self.stream = seed, f"{purpose}@{start_frame}"

    def u(self, i: int, salt: int = 0) -> float:
        return float(noise.uniform(self.seed, self.stream, i, salt))

    def between(self, i: int, lo: float, hi: float, salt: int = 0) -> float:
        return lo + (hi - lo) * self.u(i, salt)


def brow_raises(cues: SpeechCues, emo: Emotion, dice: Dice) -> list[Gesture]:
    """Brows up on a share of the accents (always on strong ones) and at a question's end."""
    out = []
    for i, w in enumerate(cues.stressed):
        if dice.u(i) > emo.brow_share and w.prominence < 1.8:
            continue
        size = emo.brow * float(np.clip(0.6 + 0.25 * w.prominence, 0.5, 1.25)) * dice.between(i, 0.8, 1.15, 1)
        peak = w.nucleus - dice.between(i, 0.0, 0.06, 2)
        start = peak - dice.between(i, 0.14, 0.24, 3)
        hold = dice.between(i, 0.08, 0.35, 4)
        out.append(Gesture("brow", start, peak, hold, peak + hold + dice.between(i, 0.3, 0.5, 5), size,
                           f"accent {w.text}"))
    for k, p in enumerate(cues.phrases):
        if p.kind == "question":
            peak = p.accent
            out.append(Gesture("brow", peak - 0.2, peak, 0.2 + min(p.pause, 0.4), peak + 0.6 + min(p.pause, 0.4),
                               0.8 * emo.brow, "question"))
    return out


def nods(cues: SpeechCues, emo: Emotion, dice: Dice) -> list[Gesture]:
    """The head drops on the last accent of a statement and comes back in the pause after it;
    commas and breathing pauses get a smaller nod now and then. Questions get none."""
    out = []
    for i, p in enumerate(cues.phrases):
        if p.kind == "question":
            continue
        final = p.kind in ("statement", "exclaim")
        if dice.u(i) > (0.85 if final else 0.4):
            continue
        size = emo.nod_deg * (1.0 if final else 0.55) * dice.between(i, 0.7, 1.2, 1)
        peak = p.accent + dice.between(i, 0.04, 0.14, 2)
        back = dice.between(i, 0.3, 0.5, 3) + 0.3 * min(p.pause, 0.6)
        out.append(Gesture("pitch", peak - dice.between(i, 0.18, 0.28, 4), peak, 0.04, peak + back, size,
                           f"{p.kind} end"))
    return out


def beats(cues: SpeechCues, emo: Emotion, dice: Dice, taken: list[Gesture]) -> list[Gesture]:
    """Small head beats (down, then back) on accents that have no nod close by."""
    nod_peaks = [g.peak for g in taken if g.channel == "pitch"]
    out = []
    for i, w in enumerate(cues.stressed):
        if any(abs(w.nucleus - t) < 0.5 for t in nod_peaks) or dice.u(i) > 0.55:
            continue
        size = emo.beat_deg * dice.between(i, 0.6, 1.3, 1)
        out.append(Gesture("pitch", w.nucleus - 0.14, w.nucleus + 0.02, 0.02, w.nucleus + dice.between(i, 0.22, 0.34, 2),
                           size, f"beat {w.text}"))
    return out


def smiles(cues: SpeechCues, emo: Emotion, dice: Dice) -> list[Gesture]:
    """Smiles rise on positive and selling words and at the end of statements, into the pause."""
    out = []
    for i, w in enumerate(cues.words):
        if not w.positive:
            continue
        size = emo.smile_peak * dice.between(i, 0.55, 1.0)
        peak = w.nucleus + dice.between(i, 0.0, 0.15, 1)
        hold = dice.between(i, 0.3, 0.8, 2)
        out.append(Gesture("smile", w.start - 0.2, peak, hold, peak + hold + 0.6, size, f"positive {w.text}"))
    for k, p in enumerate(cues.phrases):
        if p.kind not in ("statement", "exclaim"):
            continue
        size = emo.smile_peak * (1.0 if p.kind == "exclaim" else 0.7) * dice.between(k, 0.6, 1.0, 3)
        peak = p.time + dice.between(k, 0.0, 0.15, 4)
        out.append(Gesture("smile", p.accent - 0.3, peak, min(p.pause, 0.6), peak + min(p.pause, 0.6) + 0.5, size,
                           "statement end"))
    return out


def head_turns(cues: SpeechCues, emo: Emotion, dice: Dice, side: float) -> list[Gesture]:
    """"This one, look": the head turns toward the product/partner side (``side`` +1 = image
    right), the eyes lead; at most one turn per utterance. Questions tilt the head."""
    out = []
    deictic = [w for w in cues.words if w.deictic]
    if deictic and dice.u(0) < 0.7:
        w = deictic[0]
        size = emo.turn_deg * dice.between(0, 0.6, 1.0, 1) * side
        hold = dice.between(0, 0.5, 1.2, 2)
        peak = w.start + 0.2
        out.append(Gesture("yaw", w.start - 0.25, peak, hold, peak + hold + 0.6, size, f"turn {w.text}"))
        out.append(Gesture("gaze_x", w.start - 0.3, w.start - 0.22, hold + 0.3, peak + hold + 0.35,
                           0.6 * side, "eyes lead the turn"))
    for k, p in enumerate(cues.phrases):
        if p.kind != "question":
            continue
        start = max(p.time - 1.4, 0.0)
        sign = 1.0 if dice.u(k, 3) < 0.5 else -1.0
        out.append(Gesture("roll", start, p.accent, max(p.time - p.accent, 0.0) + 0.2, p.time + 0.7,
                           sign * emo.tilt_deg * dice.between(k, 0.7, 1.1, 4), "question tilt"))
        out.append(Gesture("pitch", start, p.accent, 0.2, p.time + 0.6, -0.3 * emo.nod_deg, "question chin up"))
    return out


def glances(cues: SpeechCues, emo: Emotion, dice: Dice) -> list[Gesture]:
    """Back to the camera on accents ("attend"); a thinking glance up-and-aside in some longer
    pauses inside the utterance, back before the next word."""
    out = []
    for i, w in enumerate(cues.stressed):
        out.append(Gesture("attend", w.nucleus - 0.3, w.nucleus - 0.12, 0.35, w.nucleus + 0.6, 1.0, f"look at {w.text}"))
    for k, p in enumerate(cues.pauses):
        inner = p.start > 0.3 and p.end < cues.duration - 0.3
        if not inner or p.end - p.start < 0.3 or dice.u(k) > 0.55:
            continue
        side = 1.0 if dice.u(k, 1) < 0.5 else -1.0
        x = side * emo.gaze_away * dice.between(k, 0.6, 1.0, 2)
        y = emo.gaze_away * dice.between(k, 0.1, 0.5, 3)
        peak, top = p.start + 0.08, p.end - 0.12
        for ch, amount in (("gaze_x", x), ("gaze_y", y)):
            out.append(Gesture(ch, p.start, peak, max(top - peak, 0.0), p.end - 0.04, amount, "thinking glance"))
    return out


def gestures_for(cues: SpeechCues, emo: Emotion, seed: int, start_frame: int, side: float = 1.0) -> list[Gesture]:
    """The chain: brows -> nods -> beats -> smiles -> head turns/tilts -> glances."""
    out = brow_raises(cues, emo, Dice(seed, start_frame, "brow"))
    out += nods(cues, emo, Dice(seed, start_frame, "nod"))
    out += beats(cues, emo, Dice(seed, start_frame, "beat"), out)
    out += smiles(cues, emo, Dice(seed, start_frame, "smile"))
    out += head_turns(cues, emo, Dice(seed, start_frame, "turn"), side)
    out += glances(cues, emo, Dice(seed, start_frame, "glance"))
    return out


def shifted(gestures: list[Gesture], t0: float) -> list[Gesture]:
    """Utterance time -> absolute time; nothing starts before the utterance does (the frames
    before it are already shown), so a gesture that would is compressed to start at ``t0``."""
    out = []
    for g in gestures:
        start = max(g.start + t0, t0)
        peak = max(g.peak + t0, start + 0.08)
        out.append(replace(g, start=start, peak=peak, end=max(g.end + t0, peak + g.hold + 0.1)))
    return out


def curves(gestures: list[Gesture], n_frames: int, fps: int, t0: float = 0.0, taper: bool = True) -> dict[str, np.ndarray]:
    """Per-frame sums per channel ("attend" takes the max) for frames starting at time ``t0``.
    With ``taper`` everything fades to zero on the first and last frame, for callers that
    cannot carry a gesture into the next utterance (the performers can: see drive.Motion)."""
    t = t0 + (np.arange(n_frames) + 0.5) / fps
    out = {ch: np.zeros(n_frames, np.float32) for ch in CHANNELS}
    for g in gestures:
        if g.end <= t0 or g.start >= t0 + n_frames / fps:
            continue
        c = g.curve(t)
        if g.channel == "attend":
            np.maximum(out["attend"], c, out=out["attend"])
        else:
            out[g.channel] += c.astype(np.float32)
    if taper:
        rel = t - t0
        total = n_frames / fps
        edge = np.clip((np.minimum(rel, total - rel) - 0.5 / fps) / EDGE_S, 0, 1)  # first/last frame: 0
        edge = (edge * edge * (3 - 2 * edge)).astype(np.float32)
        for ch in CHANNELS:
            out[ch] *= edge
    return out
