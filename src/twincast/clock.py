"""The single media clock shared by audio and video.

Audio and video are both stamped in *samples* of one audio sample rate; a video frame is an
exact whole number of samples long (48 kHz / 25 fps = 1920). Converting through this class,
never through float seconds, is what keeps lips and sound from drifting over long streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np


@dataclass(frozen=True)
class MediaClock:
    sample_rate: int = 48_000
    fps: int = 25

    def __post_init__(self) -> None:
        if self.sample_rate % self.fps:
            raise ValueError(f"sample rate {self.sample_rate} is not a whole multiple of {self.fps} fps")

    @property
    def samples_per_frame(self) -> int:
        return self.sample_rate // self.fps

    @property
    def frame_duration(self) -> float:
        return 1.0 / self.fps

    @property
    def video_time_base(self) -> Fraction:
        return Fraction(1, self.fps)

    @property
    def audio_time_base(self) -> Fraction:
        return Fraction(1, self.sample_rate)

    def frames_for_samples(self, n_samples: int) -> int:
        """Frames needed to cover ``n_samples`` of audio (rounded up)."""
        return -(-n_samples // self.samples_per_frame)

    def frame_time(self, index: int) -> float:
        """Centre time of frame ``index`` in seconds: what the frame shows."""
        return (index + 0.5) / self.fps

    def sample_of_frame(self, index: int) -> int:
        return index * self.samples_per_frame

    def frame_audio(self, audio: np.ndarray, frame: int = 0) -> np.ndarray:
        """The samples of video frame ``frame`` of ``audio``, padded with silence when the audio
        ends inside (or before) that frame: what a per-frame sink hands the encoder."""
        spf = self.samples_per_frame
        chunk = np.asarray(audio[frame * spf:(frame + 1) * spf], np.float32)
        return chunk if len(chunk) == spf else np.pad(chunk, (0, spf - len(chunk)))

    def whole_frames(self, audio: "np.ndarray | None", seconds: float = 0.0) -> tuple[int, np.ndarray]:
        """(frames, audio padded with silence to exactly ``frames`` frames). ``audio`` None:
        ``seconds`` of silence, rounded to whole frames. The one padding rule every performer
        and live sink uses, so after any number of utterances audio samples == frames x
        samples_per_frame and the streams cannot drift."""
        spf = self.samples_per_frame
        if audio is None:
            n = max(int(round(seconds * self.fps)), 0)
            return n, np.zeros(n * spf, np.float32)
        n = self.frames_for_samples(len(audio))
        out = np.zeros(n * spf, np.float32)
        out[: len(audio)] = audio
        return n, out
