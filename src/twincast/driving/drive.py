"""Speech -> per-frame controls: mouth shapes from the phones, emphasis from loudness,
blinks and head motion from :class:`IdleMotion`; usable on a whole clip or chunk by chunk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d, uniform_filter1d

from ..voice.base import Speech
from . import visemes as V
from .idle import IdleMotion, speech_energy
from .timeline import mouth_track
from .track import ControlTrack


@dataclass(frozen=True)
class DriveConfig:
    fps: int = 25
    seed: int = 7
    smile: float = 0.12  # resting friendliness of a sales host
    yaw_deg: float = 1.6
    pitch_deg: float = 0.9
    roll_deg: float = 0.8
    nod_deg: float = 1.0  # extra nod with speech emphasis
    brow: float = 0.35  # brow lift on emphasis

    def idle(self) -> IdleMotion:
        return IdleMotion(self.fps, self.seed, self.yaw_deg, self.pitch_deg, self.roll_deg)


def speech_controls(speech: Speech | None, n_frames: int, config: DriveConfig) -> ControlTrack:
    """Mouth, emphasis and expression for one utterance (no idle motion)."""
    fps = config.fps
    track = ControlTrack.zeros(n_frames, fps)
    energy = np.zeros(n_frames, np.float32)
    if speech is not None and speech.phones:
        mouth = mouth_track(speech.phones, n_frames, fps)
        for i, name in enumerate(V.MOUTH):
            track.set(name, mouth[:, i])
        energy = speech_energy(speech.audio, speech.sample_rate, n_frames, fps)
    # emphasis: loudness above its slow average lifts the brows and nods the head
    slow = uniform_filter1d(energy, 25, mode="nearest")
    accent = gaussian_filter1d(np.clip(energy - slow, 0, None), 1.2, mode="nearest")
    track.set("pitch", config.nod_deg * accent * 3)
    track.set("brow", np.clip(config.brow * accent * 4, 0, 1))
    track.set("smile", np.full(n_frames, config.smile, np.float32) + 0.08 * energy)
    return track


def add_idle(track: ControlTrack, idle: IdleMotion, start_frame: int) -> ControlTrack:
    """Add blinks and head motion for absolute frames [start, start + n) in place."""
    n = track.n_frames
    blinks = idle.blinks(start_frame, n)
    track.set("blink_r", blinks)
    track.set("blink_l", blinks)
    for name in ("yaw", "pitch", "roll"):
        track.add(name, idle.head(name, start_frame, n))
    return track


def drive(speech: Speech | None, n_frames: int, config: DriveConfig = DriveConfig()) -> ControlTrack:
    """Controls for a whole clip; ``speech`` may be None for an idle (listening) clip."""
    return add_idle(speech_controls(speech, n_frames, config), config.idle(), 0)
