"""Measures of a control track that tell lifelike motion from robotic motion.

Used by the tests and by benchmarks/realism.py; none of it runs while rendering.
"""

from __future__ import annotations

import numpy as np


def autocorrelation(x: np.ndarray) -> np.ndarray:
    """Biased, normalised autocorrelation (lag 0 = 1), via FFT."""
    x = np.asarray(x, np.float64) - np.mean(x)
    n = len(x)
    if n < 2 or not np.any(x):
        return np.zeros(max(n, 1))
    f = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(f * np.conj(f))[:n]
    return ac / ac[0]


def periodicity(x: np.ndarray, fps: int, min_lag_s: float = 1.0, max_lag_frac: float = 0.5) -> tuple[float, float]:
    """(height, lag seconds) of the highest autocorrelation peak beyond ``min_lag_s`` and beyond
    the central lobe (the first zero crossing), up to half the length. A motion that repeats
    itself scores near 1 at its period; smooth random motion stays low at every lag."""
    ac = autocorrelation(x)
    n = len(ac)
    below = np.flatnonzero(ac <= 0)
    start = max(int(min_lag_s * fps), int(below[0]) if len(below) else n)
    stop = int(n * max_lag_frac)
    if start >= stop:
        return 0.0, 0.0
    k = start + int(np.argmax(ac[start:stop]))
    return float(ac[k]), k / fps


def peaks(x: np.ndarray, threshold: float, min_gap: int = 5) -> np.ndarray:
    """Frames of local maxima above ``threshold``, at least ``min_gap`` frames apart; a held
    maximum counts at its first frame (when the gesture arrives, not when it lets go)."""
    x = np.asarray(x)
    if len(x) < 3:
        return np.zeros(0, int)
    cand = np.flatnonzero((x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:]) & (x[1:-1] > threshold)) + 1
    out: list[int] = []
    for i in cand[np.argsort(-x[cand])]:
        if all(abs(i - j) >= min_gap for j in out):
            out.append(int(i))
    return np.array(sorted(out), int)


def high_pass(x: np.ndarray, fps: int, seconds: float = 1.2) -> np.ndarray:
    """x minus its moving average: separates quick gestures (nods, beats) from slow sway."""
    from scipy.ndimage import uniform_filter1d

    return np.asarray(x, np.float64) - uniform_filter1d(np.asarray(x, np.float64), max(int(seconds * fps), 1),
                                                        mode="nearest")
