"""Phones -> mouth controls per frame, as a chain of small pure steps (after Rhubarb).

1. ``viseme_keys``: each phone becomes one or more timed viseme keys.
2. ``fill_pauses``: long silences relax to ``rest``; short gaps between words stay open-ish.
3. ``coarticulate``: dominance blending (Cohen & Massaro, 1993): every key pulls the mouth
   toward its target with a weight that decays away from its centre, so shapes overlap and
   anticipate each other and the lips never snap from one shape to the next.
4. ``frame_average``: integrate the fine curve over each frame's exposure window.
5. ``keep_closures``: the lips meet on every frame a bilabial (p/b/m) overlaps by a quarter
   frame, and a bilabial shorter than a frame still shows closed lips on the frame that
   contains its centre, or viewers see the lips miss the consonant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..voice.base import PhoneSpan
from . import visemes as V

FINE_RATE = 200  # Hz of the intermediate curve


@dataclass(frozen=True)
class VisemeKey:
    viseme: str
    start: float
    end: float

    @property
    def centre(self) -> float:
        return 0.5 * (self.start + self.end)


def viseme_keys(phones: list[PhoneSpan]) -> list[VisemeKey]:
    keys: list[VisemeKey] = []
    previous = ""
    for ph in phones:
        if ph.lang == "zh":
            parts = V.mandarin(ph.symbol, previous)
            previous = ph.symbol
        else:
            parts = V.english(ph.symbol)
        t = ph.start
        for name, frac in parts:
            dur = ph.duration * frac
            keys.append(VisemeKey(name, t, t + dur))
            t += dur
    return keys


def fill_pauses(keys: list[VisemeKey], short: float = 0.12) -> list[VisemeKey]:
    """Drop very short rests (a word boundary should not shut the mouth) and merge runs."""
    out: list[VisemeKey] = []
    for n, k in enumerate(keys):
        if k.viseme == "rest" and k.end - k.start < short and out and n < len(keys) - 1:
            continue  # (the utterance's closing silence stays: the lips meet at its end)
        if out and out[-1].viseme == k.viseme:
            out[-1] = VisemeKey(k.viseme, out[-1].start, k.end)
        else:
            out.append(k)
    return out


#: A silence this long inside speech is a held pause: its rest shape dominates like a closure
#: so the lips meet instead of hovering half open. Per language, from its voice and real speech:
#: the Mandarin voice's comma pauses are 0.125-0.2 s and left the mouth ajar (no real Mandarin
#: talking footage is available, so its threshold is the voice's comma); in English the issue's
#: "pauses over about 200 ms" hold (Piper's comma pauses are 0.2-0.25 s; on the real SyncNet clip
#: the lips are closed in 73 % of pause frames, our English renders 68-80 %), and a shorter
#: silence between English words stays a word boundary.
HELD_PAUSE_S = {"zh": 0.12, "en": 0.20}  # fill_pauses already drops rests under 0.12 s
HELD_PAUSE_DOMINANCE = 3.0
HELD_PAUSE_TAU = 0.04


def coarticulate(keys: list[VisemeKey], duration: float, rate: int = FINE_RATE,
                 held_pause_s: float = HELD_PAUSE_S["zh"]) -> np.ndarray:
    """(n, len(MOUTH)) fine-rate curve from dominance-weighted targets; a rest of at least
    ``held_pause_s`` (the language's :data:`HELD_PAUSE_S`) is a held pause."""
    n = max(int(np.ceil(duration * rate)), 1)
    t = (np.arange(n) + 0.5) / rate
    num = np.zeros((n, len(V.MOUTH)))
    den = np.full(n, 1e-3)  # a faint pull toward rest where nothing is said
    for k in keys:
        vis = V.VISEMES[k.viseme]
        half = 0.5 * (k.end - k.start)
        tau = 0.035 + 0.35 * half  # longer phones reach further
        lead = np.where(t < k.centre, 1.25, 1.0)  # anticipation: shapes form early
        dist = np.maximum(np.abs(t - k.centre) - 0.6 * half, 0.0)
        dom = vis.dominance
        if k.viseme == "rest" and (k.end - k.start >= held_pause_s or k is keys[-1]):
            # a phrase pause or the utterance's end: the lips meet inside it, and its pull
            # stops short (tau fixed, not growing with the pause) so the vowels either side
            # keep their full opening (with the growing tau the dev photos' range fell ~5 %)
            dom, tau = HELD_PAUSE_DOMINANCE, HELD_PAUSE_TAU
        w = dom * np.exp(-((dist / (tau * lead)) ** 2))
        active = w > 1e-4
        num[active] += w[active, None] * np.asarray(vis.target)
        den[active] += w[active]
    return (num / den[:, None]).astype(np.float32)


def frame_average(curve: np.ndarray, n_frames: int, fps: int, rate: int = FINE_RATE) -> np.ndarray:
    """Mean of the fine curve over each frame's display window [i/fps, (i+1)/fps)."""
    step = rate / fps
    out = np.zeros((n_frames, curve.shape[1]), np.float32)
    for i in range(n_frames):
        a, b = int(round(i * step)), int(round((i + 1) * step))
        seg = curve[a:min(b, len(curve))]
        out[i] = seg.mean(0) if len(seg) else (curve[-1] * 0 if len(curve) else 0)
    return out


#: The lips meet this long before a bilabial's labelled start, per language. English: none;
#: Piper's p/b/m (23-116 ms, median 58) already span the closure, and with a 40 ms lead the
#: closed run around each p/b/m was 4 frames (mean 4.2) against the real SyncNet speaker's 3
#: (2-3 on every p/b/m away from a pause), which put the dev sentences' closed share while
#: talking at 1.1x real (0.35 vs 0.32). Mandarin keeps 40 ms: its voice labels b/p/m 25-75 ms
#: and, without the lead, the dev photos closed on fewer of them (obama_close 0.75) and its
#: closed share, already under real, fell further.
BILABIAL_LEAD_S = {"zh": 0.04, "en": 0.0}
#: A bilabial closes every frame it overlaps by at least this share of a frame.
BILABIAL_OVERLAP = 0.25
#: A bilabial closes at least this many frames (the ones before its centre when it is short):
#: one closed frame between open ones is not always read closed by the face mesh.
MIN_BILABIAL_FRAMES = 2
#: The jaw on a bilabial's closed frames (press does the rest). It was 0.03: on the dev
#: photos such a frame read 0.020-0.027 eye widths, at the tracker's closed line (0.025), and
#: one p/b/m in ten read open (obama_close: 0.90 in English, 0.875 in Mandarin; now 1.00).
BILABIAL_JAW = 0.0
#: The jaw's gain per language, applied to the blended curve (closures untouched). Mandarin
#: holds its open vowels longer than English and reaches further into them: with the jaw
#: calibrated for English (avatar/calibrate.py) the dev photos' Mandarin range was 0.158-0.205
#: eye widths (mean 0.179, 1.13x real speech's 0.158; held-out jesse 0.210, over 1.3x). At 0.9
#: it is 0.145-0.177 (mean 0.155) with lip sync unchanged (r within 0.01 on every photo).
JAW_GAIN = {"zh": 0.9, "en": 1.0}


def keep_closures(frames: np.ndarray, keys: list[VisemeKey], fps: int,
                  lead_s: float = BILABIAL_LEAD_S["zh"]) -> np.ndarray:
    """Close the lips on every bilabial (``lead_s``: the language's :data:`BILABIAL_LEAD_S`)."""
    out = frames.copy()
    jaw, press = V.MOUTH.index("jaw"), V.MOUTH.index("press")
    for k in keys:
        if k.viseme != "MBP":
            continue
        # every frame the bilabial overlaps, and at least the one holding its centre (issue
        # 19: closing only the centre frame left the lips apart on a third of p/b/m as the face
        # mesh sees them, since the frames around stayed open; real closures last 2-3 frames)
        # (the Mandarin voice's short b/p/m close from 40 ms early, BILABIAL_LEAD_S)
        first = int(np.floor((k.start - lead_s) * fps + BILABIAL_OVERLAP))
        last = int(np.ceil(k.end * fps - BILABIAL_OVERLAP)) - 1
        centre = int(k.centre * fps)
        first, last = min(first, centre), max(last, centre)
        first = min(first, last - MIN_BILABIAL_FRAMES + 1)
        for i in range(first, last + 1):
            if 0 <= i < len(out):
                out[i, jaw] = min(out[i, jaw], BILABIAL_JAW)
                out[i, press] = max(out[i, press], 0.8)
    return out


def mouth_track(phones: list[PhoneSpan], n_frames: int, fps: int) -> np.ndarray:
    """The whole chain: phones -> (n_frames, len(MOUTH)) mouth controls."""
    keys = fill_pauses(viseme_keys(phones))
    langs = [p.lang for p in phones]
    lang = max(set(langs), key=langs.count) if langs else "zh"
    curve = coarticulate(keys, n_frames / fps,
                         held_pause_s=HELD_PAUSE_S.get(lang, max(HELD_PAUSE_S.values())))
    curve[:, V.MOUTH.index("jaw")] *= JAW_GAIN.get(lang, 1.0)
    return keep_closures(frame_average(curve, n_frames, fps), keys, fps,
                         lead_s=BILABIAL_LEAD_S.get(lang, max(BILABIAL_LEAD_S.values())))
