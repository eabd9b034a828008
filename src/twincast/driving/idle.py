"""Life between the words: blinks, head motion and a resting expression.

Everything is drawn from a seeded random generator, so a render is reproducible, and made of
incommensurate low frequencies plus random intervals, so it never looks periodic.
"""

from __future__ import annotations

import numpy as np


def blink_track(n_frames: int, fps: int, rng: np.random.Generator,
                interval: tuple[float, float] = (2.0, 6.0), duration: float = 0.15) -> np.ndarray:
    """Eyelid closure 0..1 per frame; blinks start at random 2-6 s intervals, ~150 ms long."""
    rate = 1000
    total = n_frames / fps
    fine = np.zeros(int(total * rate) + rate)
    t = rng.uniform(0.6, 2.5)
    close, hold = 0.35 * duration, 0.15 * duration
    opening = duration - close - hold
    shape = np.concatenate([np.linspace(0, 1, int(close * rate), endpoint=False),
                            np.ones(int(hold * rate)),
                            np.linspace(1, 0, int(opening * rate)) ** 1.5])
    starts = []
    while t < total - duration:
        i = int(t * rate)
        fine[i:i + len(shape)] = np.maximum(fine[i:i + len(shape)], shape[: len(fine) - i])
        starts.append(t)
        t += rng.uniform(*interval)
    step = rate // fps
    frames = fine[: n_frames * step].reshape(n_frames, step).mean(1)
    return np.clip(frames * 1.25, 0, 1).astype(np.float32)  # a frame averaging >=80 % reads as shut


def smooth_noise(n_frames: int, fps: int, rng: np.random.Generator, amplitude: float,
                 freqs: tuple[float, float] = (0.05, 0.45), components: int = 4) -> np.ndarray:
    """Sum of a few sines at random incommensurate frequencies and phases."""
    t = np.arange(n_frames) / fps
    out = np.zeros(n_frames)
    for _ in range(components):
        f = rng.uniform(*freqs)
        out += rng.uniform(0.4, 1.0) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    peak = np.abs(out).max() or 1.0
    return (amplitude * out / peak).astype(np.float32)


def speech_energy(audio: np.ndarray, sample_rate: int, n_frames: int, fps: int) -> np.ndarray:
    """Per-frame loudness 0..1 (smoothed), used to couple nods and brows to emphasis."""
    hop = sample_rate // fps
    padded = np.zeros(n_frames * hop, np.float32)
    padded[: min(len(audio), len(padded))] = audio[: len(padded)]
    rms = np.sqrt((padded.reshape(n_frames, hop) ** 2).mean(1) + 1e-10)
    db = 20 * np.log10(rms)
    e = np.clip((db - (db.max() - 40)) / 40, 0, 1)
    kernel = np.hanning(9)
    return (np.convolve(e, kernel / kernel.sum(), mode="same")).astype(np.float32)
