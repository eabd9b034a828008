"""A named, per-frame control track: the typed hand-off from driving to rendering."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Every control the renderer understands; tracks carry a subset by name.
# An avatar whose rig lacks a control (an old .twin without gaze) simply ignores that column.
CONTROL_NAMES = ("jaw", "wide", "round", "press", "smile", "brow",
                 "blink_r", "blink_l", "yaw", "pitch", "roll", "teeth", "tongue", "gaze_x", "gaze_y")


@dataclass
class ControlTrack:
    values: np.ndarray  # (n_frames, len(names)) float32
    names: tuple[str, ...] = CONTROL_NAMES
    fps: int = 25

    @classmethod
    def zeros(cls, n_frames: int, fps: int = 25) -> "ControlTrack":
        return cls(np.zeros((n_frames, len(CONTROL_NAMES)), np.float32), CONTROL_NAMES, fps)

    @property
    def n_frames(self) -> int:
        return len(self.values)

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]

    def set(self, name: str, series: np.ndarray) -> None:
        self.values[:, self.names.index(name)] = series[: self.n_frames]

    def add(self, name: str, series: np.ndarray) -> None:
        self.values[:, self.names.index(name)] += series[: self.n_frames]

    def reorder(self, names: tuple[str, ...]) -> np.ndarray:
        """Columns in a consumer's order; controls this track lacks are zero."""
        out = np.zeros((self.n_frames, len(names)), np.float32)
        for i, name in enumerate(names):
            if name in self.names:
                out[:, i] = self.values[:, self.names.index(name)]
        return out
