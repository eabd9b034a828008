"""Where the eyes look between gestures: fixations on the camera broken by glances away.

A presenter looks into the lens most of the time, but a face whose eyes never move reads as a
photo. The eyes hold a fixation, then jump (a saccade takes 40-80 ms) to the next: back on the
camera with a tiny offset (microsaccade), or away to the side, up or down for a moment. The
fixation lengths are random (log-normal, as measured fixation durations are), so there is no
rhythm, and the sequence is a pure function of absolute time (see :mod:`noise`), so chunked
live rendering matches whole-clip rendering. The head follows large eye movements a little and
later, as real heads do.

Units: ``gaze_x`` +1 moves the irises to the image right (the person looks to the viewer's
right), ``gaze_y`` +1 looks up; 1 is about 20 degrees of eye rotation.
"""

from __future__ import annotations

import numpy as np

from . import noise
from .emotion import Emotion

SACCADE_S = 0.06
HEAD_FOLLOW_DEG = 3.0  # head yaw/pitch per unit gaze, reached ~0.35 s after the eyes


class GazeMotion:
    def __init__(self, fps: int, seed: int, emotion: Emotion) -> None:
        self.fps, self.seed, self.emo = fps, seed, emotion
        self._starts: list[float] = [0.0]
        self._targets: list[tuple[float, float]] = [(0.0, 0.0)]
        self._away: list[bool] = [False]

    def _duration(self, i: int, away: bool) -> float:
        z = float(noise.normal(self.seed, "gaze/dur", i))
        if away:
            return float(np.clip(self.emo.gaze_away_s * np.exp(0.4 * z), 0.25, 2.0))
        return float(np.clip(self.emo.gaze_camera_s * np.exp(0.5 * z), 0.6, 9.0))

    def _extend(self, t_end: float) -> None:
        """Grow the memoised fixation list from zero: fixation i depends only on (seed, i)."""
        while self._starts[-1] <= t_end + 1.0:
            i = len(self._starts)
            prev_away = self._away[-1]
            self._starts.append(self._starts[-1] + self._duration(i - 1, prev_away))
            u = float(noise.uniform(self.seed, "gaze/kind", i))
            away = (u < 0.2) if prev_away else (u < 0.75)
            if away:
                side = 1.0 if noise.uniform(self.seed, "gaze/side", i) < 0.5 else -1.0
                x = side * self.emo.gaze_away * float(0.45 + 0.55 * noise.uniform(self.seed, "gaze/x", i))
                y = self.emo.gaze_away * float(noise.uniform(self.seed, "gaze/y", i) * 0.9 - 0.35)
            else:
                x = 0.04 * float(noise.normal(self.seed, "gaze/micro", i))
                y = 0.03 * float(noise.normal(self.seed, "gaze/micro", i, 1))
            self._away.append(away)
            self._targets.append((x, y))

    def _track(self, start: int, n: int, move_s: float, delay_s: float) -> tuple[np.ndarray, np.ndarray]:
        t = (start + np.arange(n) + 0.5) / self.fps - delay_s
        self._extend(float(t[-1]) if n else 0.0)
        starts = np.asarray(self._starts)
        targets = np.asarray(self._targets)
        k = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(starts) - 1)
        prev = targets[np.maximum(k - 1, 0)]
        frac = np.clip((t - starts[k]) / move_s, 0, 1)
        frac = frac * frac * (3 - 2 * frac)
        pos = prev + (targets[k] - prev) * frac[:, None]
        return pos[:, 0].astype(np.float32), pos[:, 1].astype(np.float32)

    def gaze(self, start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(gaze_x, gaze_y) for absolute frames [start, start + n)."""
        return self._track(start, n, SACCADE_S, 0.0)

    def head_follow(self, start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(yaw, pitch) degrees: the head's slow, late share of the eye movement."""
        x, y = self._track(start, n, 0.45, 0.1)
        return HEAD_FOLLOW_DEG * x, -HEAD_FOLLOW_DEG * y  # looking up raises the chin: pitch < 0
