"""Life between the words: blinks, head motion and a resting expression.

Everything is drawn from a seeded random generator, so a render is reproducible, and made of
hashed smooth noise plus random intervals, so it never looks periodic.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from .noise import fractal_noise


def speech_energy(audio: np.ndarray, sample_rate: int, n_frames: int, fps: int) -> np.ndarray:
    """Per-frame loudness 0..1 (smoothed), used to couple nods and brows to emphasis."""
    hop = sample_rate // fps
    padded = np.zeros(n_frames * hop, np.float32)
    padded[: min(len(audio), len(padded))] = audio[: len(padded)]
    rms = np.sqrt((padded.reshape(n_frames, hop) ** 2).mean(1) + 1e-10)
    db = 20 * np.log10(rms)
    e = np.clip((db - (db.max() - 40)) / 40, 0, 1)
    return gaussian_filter1d(e, 1.5, mode="nearest").astype(np.float32)


class IdleMotion:
    """Blinks and head motion for any frame range, deterministic per seed.

    A live stream never knows its length, so idle motion is a function of the absolute frame
    index rather than a precomputed track: frames [a, b) come out the same whichever chunk
    boundaries the caller uses.
    """

    def __init__(self, fps: int, seed: int, yaw_deg: float, pitch_deg: float, roll_deg: float,
                 blink_interval: tuple[float, float] = (2.0, 6.0), blink_duration: float = 0.16,
                 spacing_s: float = 2.6) -> None:
        self.fps = fps
        self.seed = seed
        self.spacing_s = spacing_s
        self._amp = {"yaw": yaw_deg, "pitch": pitch_deg, "roll": roll_deg}
        self._blink_rng = np.random.default_rng(seed + 1)
        self._blink_interval = blink_interval
        self._blink_duration = blink_duration
        self._blinks: list[float] = [self._blink_rng.uniform(0.6, 2.5)]

    def _blink_starts(self, until: float) -> list[float]:
        while self._blinks[-1] < until:
            self._blinks.append(self._blinks[-1] + self._blink_rng.uniform(*self._blink_interval))
        return self._blinks

    def blinks(self, start: int, n: int) -> np.ndarray:
        rate = 1000
        step = rate // self.fps
        t0, t1 = start / self.fps, (start + n) / self.fps
        d = self._blink_duration
        close, hold = 0.3 * d, 0.3 * d  # fast close, a held shut phase, slower opening
        t = t0 + (np.arange(n * step) + 0.5) / rate
        out = np.zeros(n * step)
        for b in self._blink_starts(t1):
            if b + d < t0 or b > t1:
                continue
            x = t - b
            shape = np.where(x < close, x / close, np.where(x < close + hold, 1.0,
                             np.clip(1 - (x - close - hold) / (d - close - hold), 0, 1) ** 1.5))
            shape[(x < 0) | (x > d)] = 0
            out = np.maximum(out, shape)
        return np.clip(out.reshape(n, step).mean(1) * 1.25, 0, 1).astype(np.float32)

    def head(self, name: str, start: int, n: int) -> np.ndarray:
        """Head sway in degrees: two octaves of hashed smooth noise (independent random knots,
        so no lag repeats the motion, unlike a sum of sines), softly limited to the amplitude."""
        t = (start + np.arange(n)) / self.fps
        wave = fractal_noise(self.seed, f"head/{name}", t, self.spacing_s)
        return (self._amp[name] * np.tanh(1.6 * wave)).astype(np.float32)
