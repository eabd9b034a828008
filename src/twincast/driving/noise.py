"""Deterministic randomness addressed by time, not by call order.

A live stream renders in chunks of unknown length, and a clip rendered whole must show the same
frames as the same clip rendered in chunks. A sequential random generator cannot promise that
(it depends on how often it was called), so every random number here is a hash of
``(seed, stream, index)``: the knot values of smooth noise, and the intervals of event series.
Anything built from them is a pure function of the absolute time.

Nothing here is periodic: smooth noise has independent knots (its autocorrelation dies after two
knot spacings), and event series are renewal processes with random intervals.
"""

from __future__ import annotations

import bisect
import zlib

import numpy as np

_M = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on uint64 arrays (wrapping arithmetic is intended)."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def stream_key(seed: int, stream: str) -> np.uint64:
    """One 64-bit key per (seed, purpose), so e.g. yaw and gaze never share numbers."""
    base = np.array([(int(seed) & 0xFFFFFFFF) << 32 | zlib.crc32(stream.encode())], np.uint64)
    return _splitmix(base)[0]


def uniform(seed: int, stream: str, index, salt: int = 0) -> np.ndarray:
    """Uniform [0, 1) numbers for integer ``index`` (scalar or array); ``salt`` gives more
    independent numbers for the same index (e.g. an event's time and its amplitude)."""
    idx = np.asarray(index, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = stream_key(seed, stream) ^ _splitmix(np.array([salt], np.uint64))[0]
        z = _splitmix(idx ^ key)
        z = _splitmix(z + key)
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def normal(seed: int, stream: str, index, salt: int = 0) -> np.ndarray:
    """Standard normal numbers by Box-Muller on two hashed uniforms."""
    u1 = np.maximum(uniform(seed, stream, index, 2 * salt + 101), 1e-12)
    u2 = uniform(seed, stream, index, 2 * salt + 102)
    return np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)


def smooth_noise(seed: int, stream: str, t: np.ndarray, spacing: float) -> np.ndarray:
    """C1-smooth value noise in about [-1, 1]: independent random knots every ``spacing``
    seconds, joined by Catmull-Rom cubics. Its spectrum sits below ~1/spacing Hz."""
    x = np.asarray(t, np.float64) / spacing
    i = np.floor(x).astype(np.int64)
    f = x - i
    p = [2 * uniform(seed, stream, i + k) - 1 for k in (-1, 0, 1, 2)]
    f2, f3 = f * f, f * f * f
    return 0.5 * (2 * p[1] + (p[2] - p[0]) * f + (2 * p[0] - 5 * p[1] + 4 * p[2] - p[3]) * f2
                  + (3 * p[1] - p[0] - 3 * p[2] + p[3]) * f3)


def fractal_noise(seed: int, stream: str, t: np.ndarray, spacing: float) -> np.ndarray:
    """Two octaves of :func:`smooth_noise` (a slow drift and a livelier detail at an
    irrational ratio), scaled to roughly unit peak."""
    slow = smooth_noise(seed, stream, t, spacing)
    fast = smooth_noise(seed, stream + "/2", t, spacing / 2.618)
    return (slow + 0.45 * fast) / 1.1


class EventSeries:
    """Times of a renewal process: event ``i + 1`` follows event ``i`` after a random interval
    drawn (by hash) from ``interval(i) -> seconds``. Event times are memoised from zero, so any
    query range gets the same events whatever was asked before."""

    def __init__(self, seed: int, stream: str, lo: float, hi: float, first: tuple[float, float] = (0.3, 2.0),
                 shape: float = 1.0) -> None:
        """Intervals in [lo, hi]; ``shape`` > 1 favours short ones (u ** shape)."""
        self.seed, self.stream = seed, stream
        self.lo, self.hi, self.shape = lo, hi, shape
        u0 = float(uniform(seed, stream, 0, 7))
        self._times = [first[0] + (first[1] - first[0]) * u0]

    def interval(self, i: int) -> float:
        u = float(uniform(self.seed, self.stream, i))
        return self.lo + (self.hi - self.lo) * u ** self.shape

    def until(self, t_end: float) -> list[float]:
        """All event times up to ``t_end`` (and one beyond), in order."""
        times = self._times
        while times[-1] <= t_end:
            times.append(times[-1] + self.interval(len(times)))
        return times

    def between(self, t0: float, t1: float) -> list[tuple[int, float]]:
        """(index, time) of events in [t0, t1)."""
        times = self.until(t1)
        a, b = bisect.bisect_left(times, t0), bisect.bisect_left(times, t1)
        return [(i, times[i]) for i in range(a, b)]
