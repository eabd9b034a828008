"""Breathing and small torso motion for a photo avatar's body, from the same speech timeline
the face uses.

Why: a head that moves on a body that never does reads as a photo with a face pasted in. A
real host breathes (a slow rise and fall of the shoulders, ~15 breaths a minute when quiet),
takes a breath just before a phrase, and leans in a little on the words they stress. Two
numbers per frame carry that to the stage (``render/stage_actor.py``):

- ``rise``: the shoulders' lift, in units of the face square's side (0.01 = 1 %, ~3 px in a
  720x1280 close-up);
- ``lean``: a growth of the upper body about the waist (0.01 = 1 %), the look of leaning toward
  the camera.

Idle breathing is a pure function of the absolute frame index (like ``Motion``), and speech
motion is tied to the utterance's own cues (``prosody.speech_cues``, cached on the Speech), so
live (clause by clause) and offline rendering give the same bodies. Video avatars keep their
footage's motion and get none of this (the performer passes nothing for them).
"""

from __future__ import annotations

import numpy as np

from ..voice.base import Speech
from .prosody import speech_cues

BREATH_RISE = 0.007  # idle breath amplitude (listening)
SPEAKING_BREATH = 0.35  # idle breathing kept while speaking (speech breathing follows the phrases)
INHALE_RISE = 0.012  # the breath taken before a phrase
LEAN = 0.009  # lean on a stressed word, at prominence 1
MIN_PAUSE = 0.25  # s: a pause this long or longer starts a new phrase (and a breath)


def _bump(t: np.ndarray, at: float, attack: float, release: float) -> np.ndarray:
    """0 -> 1 at ``at`` (smooth, over ``attack`` s) -> 0 (over ``release`` s)."""
    up = np.clip((t - (at - attack)) / attack, 0, 1)
    down = np.clip(1 - (t - at) / release, 0, 1)
    x = np.where(t < at, up, down)
    return x * x * (3 - 2 * x)


def idle_breath(start_frame: int, n: int, seed: int = 0, fps: int = 25) -> np.ndarray:
    """Rise per frame for absolute frames [start, start + n): ~4 s breaths whose rhythm drifts
    a little (the phase runs faster and slower over ~23 s), different per seed."""
    t = (start_frame + np.arange(n, dtype=np.float64)) / fps
    off = 1.7 * seed
    phase = t / 4.1 + 0.35 * np.sin(2 * np.pi * t / 23.0 + off) + off
    return (BREATH_RISE * (0.5 - 0.5 * np.cos(2 * np.pi * phase))).astype(np.float32)


def body_track(speech: Speech | None, n: int, start_frame: int, seed: int = 0, fps: int = 25) -> np.ndarray:
    """(n, 2) float32 [rise, lean] for ``n`` frames from absolute frame ``start_frame``: idle
    breathing, plus, while ``speech`` is performed, a breath before each phrase and a lean on
    its stressed words (eased in and out over 0.3 s at the utterance's edges, so consecutive
    utterances meet without a jump)."""
    out = np.zeros((n, 2), np.float32)
    breath = idle_breath(start_frame, n, seed, fps)
    if speech is None or not getattr(speech, "phones", None):
        out[:, 0] = breath
        return out
    t = np.arange(n, dtype=np.float64) / fps
    cues = speech_cues(speech)
    rise = breath * SPEAKING_BREATH
    starts = [cues.words[0].start] if cues.words else []
    starts += [p.end for p in cues.pauses if p.end - p.start >= MIN_PAUSE]
    for s in starts:  # the breath in, just before the phrase, let out over its first words
        rise = rise + INHALE_RISE * _bump(t, max(s - 0.1, 0.25), 0.35, 0.9)
    lean = np.zeros(n, np.float64)
    for w in cues.stressed:
        lean = np.maximum(lean, LEAN * min(1.5, max(0.5, w.prominence)) * _bump(t, w.nucleus, 0.18, 0.6))
    # eased in and out over 0.3 s: listening breath on either side, no jump at the seams
    fade = np.minimum(np.clip((t[-1] - t) / 0.3, 0, 1), np.clip(t / 0.3, 0, 1)) if n > 1 else np.zeros(n)
    out[:, 0] = breath + (rise - breath) * fade
    out[:, 1] = lean * fade
    return out
