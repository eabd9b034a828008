"""Head-pose limits and the pose sweep: a schedule that takes the head to every limit.

The sweep exists to prove the renderer at large poses (issue #6: yaw +-30, pitch +-15, roll
+-10 degrees, with the lips right at every angle). It visits each limit alone, then
combinations, with minimum-jerk moves (the smooth bell-shaped velocity of human reaching) and
holds long enough for the quality check to sample each yaw bin. Move and hold times are
hashed per visit and the visiting order is reshuffled every round, so even the sweep has no
fixed period; it is a pure function of absolute time like every other motion here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import noise


@dataclass(frozen=True)
class PoseLimits:
    """Largest head angles the driver will ever ask for, in degrees."""

    yaw: float = 30.0
    pitch: float = 15.0
    roll: float = 10.0

    def clip(self, name: str, values: np.ndarray) -> np.ndarray:
        lim = getattr(self, name)
        return np.clip(values, -lim, lim)


# (yaw, pitch, roll) as fractions of the limits: each limit alone, then combinations
SWEEP_KEYS = ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1),
              (0.6, 0.6, 0.5), (-0.6, -0.6, -0.5), (1, -0.5, 0.4), (-1, 0.5, -0.4),
              (0.5, 0, 0), (-0.5, 0, 0), (0.7, 0.4, -0.6), (-0.7, -0.4, 0.6))
FRONTAL = (0.0, 0.0, 0.0)


class PoseSweep:
    """Round r visits every key once, in a hashed order, returning to frontal between keys
    now and then; moves take longer the further they go (peak speed about 40-50 degrees a
    second) and holds last 0.8-1.8 s."""

    def __init__(self, fps: int, seed: int, limits: PoseLimits = PoseLimits(), lead_in_s: float = 1.5) -> None:
        self.fps, self.seed, self.limits = fps, seed, limits
        self._times = [0.0, lead_in_s]  # segment boundaries: [hold frontal, move, hold, move, ...]
        self._poses: list[tuple[float, float, float]] = [FRONTAL, FRONTAL]
        self._visit = 0

    def _next_key(self, i: int) -> tuple[float, float, float]:
        rnd, pos = divmod(i, len(SWEEP_KEYS) + 3)
        if pos >= len(SWEEP_KEYS):
            return FRONTAL
        order = list(np.argsort(noise.uniform(self.seed, f"sweep/order{rnd}", np.arange(len(SWEEP_KEYS)))))
        if rnd == 0:  # a short clip should still see both full turns first
            order = [0, 1] + [k for k in order if k > 1]
        return SWEEP_KEYS[int(order[pos])]

    def _extend(self, t_end: float) -> None:
        while self._times[-1] <= t_end + 4.0:
            i = self._visit
            self._visit += 1
            key = self._next_key(i)
            pose = (key[0] * self.limits.yaw, key[1] * self.limits.pitch, key[2] * self.limits.roll)
            # peak speed of a minimum-jerk move is 1.875 x distance / time: keep it near 40 deg/s
            distance = float(np.abs(np.subtract(pose, self._poses[-1])).max())
            move = 0.5 + distance / 24.0 + 0.5 * float(noise.uniform(self.seed, "sweep/move", i))
            hold = 0.8 + 1.0 * float(noise.uniform(self.seed, "sweep/hold", i))
            self._times += [self._times[-1] + move, self._times[-1] + move + hold]
            self._poses += [pose, pose]

    def pose(self, start: int, n: int) -> dict[str, np.ndarray]:
        """yaw, pitch, roll (degrees) for absolute frames [start, start + n)."""
        t = (start + np.arange(n) + 0.5) / self.fps
        self._extend(float(t[-1]) if n else 0.0)
        times = np.asarray(self._times)
        poses = np.asarray(self._poses)
        k = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
        frac = np.clip((t - times[k]) / np.maximum(times[k + 1] - times[k], 1e-6), 0, 1)
        s = frac ** 3 * (10 - 15 * frac + 6 * frac * frac)  # minimum jerk
        out = poses[k] + (poses[k + 1] - poses[k]) * s[:, None]
        return {name: out[:, j].astype(np.float32) for j, name in enumerate(("yaw", "pitch", "roll"))}
