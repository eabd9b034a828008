"""Background music: a procedural bed (or the user's file), ducked under the presenter's voice.

Why procedural: no music with a licence that allows shipping it was found in any package, so
the default bed is synthesised here (soft pad chords I-V-vi-IV, a plucked bass on the beat and a
quiet shaker), as a pure function of the absolute sample index: the video is rendered scene by
scene, and the bed continues seamlessly across scenes. A user file is decoded once with PyAV,
brought to the clock's rate and looped.

Ducking is a side-chain gain computed from the speech of each scene: 10 ms RMS frames above
-40 dBFS count as speech; the gate opens 120 ms *before* the first sound (the renderer has the
whole scene's audio, so it can look ahead) and holds 300 ms after the last; the gain moves with
a 40 ms attack and a 250 ms release, continuing from the previous scene's end state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import TwincastError

REFERENCE_RMS = 0.1  # a bed is normalised to -20 dBFS RMS before its level is applied


class MusicBed(Protocol):
    def samples(self, start: int, n: int) -> np.ndarray: ...


def _midi(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


class ProceduralBed:
    """Calm four-chord loop at ``bpm``; deterministic in the absolute sample index."""

    CHORDS = ((60, 64, 67), (55, 59, 62), (57, 60, 64), (53, 57, 60))  # C G Am F

    def __init__(self, sample_rate: int = 48_000, bpm: float = 92.0, seed: int = 0) -> None:
        self.sr = sample_rate
        self.beat = 60.0 / bpm
        self.bar = 4 * self.beat
        self.seed = seed
        self._gain = REFERENCE_RMS / 0.16  # measured RMS of the raw mix below is ~0.16

    def samples(self, start: int, n: int) -> np.ndarray:
        t = (start + np.arange(n, dtype=np.float64)) / self.sr
        bar_idx = np.floor(t / self.bar).astype(np.int64)
        in_bar = t - bar_idx * self.bar
        out = np.zeros(n, np.float64)
        for k, chord in enumerate(self.CHORDS):
            sel = (bar_idx % len(self.CHORDS)) == k
            if not sel.any():
                continue
            tt, ib = t[sel], in_bar[sel]
            env = np.minimum(ib / 0.6, 1.0) * np.minimum((self.bar - ib) / 0.4, 1.0)  # slow attack, soft release
            pad = sum(np.sin(2 * np.pi * _midi(note) * tt) + 0.3 * np.sin(2 * np.pi * _midi(note) * 1.003 * tt + 1.0)
                      for note in chord)
            beat_t = np.mod(ib, self.beat)
            bass = np.sin(2 * np.pi * _midi(chord[0] - 24) * tt) * np.exp(-beat_t * 5.0)
            out[sel] = 0.10 * env * pad + 0.35 * bass
        beat_t = np.mod(t, self.beat / 2)
        noise = np.sin((start + np.arange(n, dtype=np.float64)) * 12.9898) * 43758.5453
        noise = (noise - np.floor(noise)) * 2 - 1  # hash noise: same samples for the same index
        out += 0.04 * noise * np.exp(-beat_t * 60.0)
        return (out * self._gain).astype(np.float32)


class FileBed:
    """A user's music file, decoded to mono at the clock's rate, normalised and looped."""

    def __init__(self, path: str | Path, sample_rate: int = 48_000) -> None:
        import av

        path = Path(path)
        try:
            with av.open(str(path)) as container:
                if not container.streams.audio:
                    raise TwincastError(f"music file {path} has no audio track", "pass an audio file (wav, mp3, m4a, ogg)")
                resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
                parts = []
                for frame in container.decode(audio=0):
                    for out in resampler.resample(frame):
                        parts.append(out.to_ndarray().reshape(-1))
                for out in resampler.resample(None):
                    parts.append(out.to_ndarray().reshape(-1))
        except TwincastError:
            raise
        except Exception as exc:  # noqa: BLE001 - any decoder failure is a bad input file
            raise TwincastError(f"cannot decode music file {path}: {exc.__class__.__name__}",
                                "convert it to WAV, MP3 or M4A, or use --music auto") from None
        audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        rms = float(np.sqrt(np.mean(audio ** 2))) if len(audio) else 0.0
        if len(audio) < sample_rate // 2 or rms < 1e-4:
            raise TwincastError(f"music file {path} is silent or shorter than half a second",
                                "pass a real music file, or use --music auto")
        self.audio = (audio * (REFERENCE_RMS / rms)).astype(np.float32)

    def samples(self, start: int, n: int) -> np.ndarray:
        idx = (start + np.arange(n)) % len(self.audio)
        return self.audio[idx]


def music_bed(spec: str | None, sample_rate: int, seed: int = 0) -> MusicBed | None:
    if spec in (None, "none"):
        return None
    if spec == "auto":
        return ProceduralBed(sample_rate, seed=seed)
    return FileBed(spec, sample_rate)


class Ducker:
    """Side-chain gain for the music under speech; keeps its state from block to block."""

    def __init__(self, sample_rate: int, duck_db: float = -15.0, frame_s: float = 0.01, threshold_db: float = -40.0,
                 lookahead_s: float = 0.12, hold_s: float = 0.30, attack_s: float = 0.04, release_s: float = 0.25) -> None:
        self.sr = sample_rate
        self.hop = int(sample_rate * frame_s)
        self.duck = 10 ** (duck_db / 20)
        self.threshold = 10 ** (threshold_db / 20)
        self.ahead = int(round(lookahead_s / frame_s))
        self.hold = int(round(hold_s / frame_s))
        self.a_down = 1 - np.exp(-frame_s / attack_s)
        self.a_up = 1 - np.exp(-frame_s / release_s)
        self.state = 1.0

    def gains(self, speech: np.ndarray) -> np.ndarray:
        """Per-sample music gain for this block of (speech-only) audio."""
        n = len(speech)
        frames = -(-n // self.hop)
        padded = np.zeros(frames * self.hop, np.float32)
        padded[:n] = speech
        rms = np.sqrt(np.mean(padded.reshape(frames, self.hop) ** 2, axis=1))
        active = (rms > self.threshold).astype(np.float32)
        # gate[i] = any speech in frames [i - hold, i + ahead]: opens early, holds late
        window = np.pad(active, (self.hold, self.ahead))
        gate = sliding_window_view(window, self.hold + self.ahead + 1).max(axis=1)
        target = np.where(gate > 0, self.duck, 1.0)
        g = np.empty(frames, np.float32)
        state = self.state
        for i, tgt in enumerate(target):
            state += (tgt - state) * (self.a_down if tgt < state else self.a_up)
            g[i] = state
        self.state = float(state)
        centres = (np.arange(frames) + 0.5) * self.hop
        return np.interp(np.arange(n), centres, g).astype(np.float32)
