"""Speech -> a full per-frame control track (mouth, blinks, head, expression)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..voice.base import Speech
from . import visemes as V
from .idle import blink_track, smooth_noise, speech_energy
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


def drive(speech: Speech | None, n_frames: int, config: DriveConfig = DriveConfig()) -> ControlTrack:
    """Controls for ``n_frames`` frames; ``speech`` may be None for an idle (listening) clip."""
    rng = np.random.default_rng(config.seed)
    fps = config.fps
    track = ControlTrack.zeros(n_frames, fps)
    if speech is not None and speech.phones:
        mouth = mouth_track(speech.phones, n_frames, fps)
        for i, name in enumerate(V.MOUTH):
            track.set(name, mouth[:, i])
        energy = speech_energy(speech.audio, speech.sample_rate, n_frames, fps)
    else:
        energy = np.zeros(n_frames, np.float32)
    blinks = blink_track(n_frames, fps, rng)
    track.set("blink_r", blinks)
    track.set("blink_l", blinks)
    track.set("yaw", smooth_noise(n_frames, fps, rng, config.yaw_deg))
    track.set("roll", smooth_noise(n_frames, fps, rng, config.roll_deg))
    # emphasis: the part of loudness above its slow average lifts brows and nods the head
    slow = np.convolve(energy, np.ones(25) / 25, mode="same")
    accent = np.clip(energy - slow, 0, None)
    accent = np.convolve(accent, np.hanning(7) / np.hanning(7).sum(), mode="same")
    track.set("pitch", smooth_noise(n_frames, fps, rng, config.pitch_deg) + config.nod_deg * accent * 3)
    track.set("brow", np.clip(config.brow * accent * 4, 0, 1))
    track.set("smile", np.full(n_frames, config.smile, np.float32) + 0.08 * energy)
    return track
