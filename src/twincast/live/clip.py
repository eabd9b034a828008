"""Prerecorded clips played on air (an ad, a product demo), then back to the show.

The clip is decoded with PyAV, letterboxed into the stream's frame and resampled onto the
show's clock, so it goes out through the same encoder with continuous timestamps.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import av
import cv2
import numpy as np
import soxr

from ..clock import MediaClock
from ..errors import TwincastError

if TYPE_CHECKING:
    from .engine import LiveShow
    from .outputs import StreamPreset

MAX_CLIP_S = 600


class ClipPlayer:
    def __init__(self, path: Path, preset: "StreamPreset", clock: MediaClock) -> None:
        if not path.is_file():
            raise TwincastError(f"clip not found: {path}", "give the path of an MP4 file on the server")
        try:
            with av.open(str(path)) as c:
                if not c.streams.video:
                    raise TwincastError(f"{path} has no video stream", "play an MP4 with video")
        except av.error.FFmpegError as exc:
            raise TwincastError(f"cannot open clip {path}: {exc}", "play a readable MP4 (H.264/AAC)") from None
        self.path, self.preset, self.clock = path, preset, clock

    def _fit(self, rgb: np.ndarray) -> np.ndarray:
        w, h = self.preset.width, self.preset.height
        k = min(w / rgb.shape[1], h / rgb.shape[0])
        small = cv2.resize(rgb, (max(1, int(rgb.shape[1] * k)), max(1, int(rgb.shape[0] * k))))
        out = np.zeros((h, w, 3), np.uint8)
        y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
        out[y:y + small.shape[0], x:x + small.shape[1]] = small
        return out

    def _audio(self) -> np.ndarray:
        with av.open(str(self.path)) as c:
            if not c.streams.audio:
                return np.zeros(0, np.float32)
            stream = c.streams.audio[0]
            parts, rate = [], stream.rate
            for frame in c.decode(stream):
                a = frame.to_ndarray().astype(np.float32)
                if frame.format.is_planar:
                    a = a.mean(0)
                else:
                    a = a.reshape(-1, len(frame.layout.channels)).mean(1)
                if np.issubdtype(frame.to_ndarray().dtype, np.integer):
                    a /= 32768.0
                parts.append(a)
        mono = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        return soxr.resample(mono, rate, self.clock.sample_rate).astype(np.float32)

    def play(self, engine: "LiveShow") -> int:
        audio = self._audio()
        fps = self.clock.fps
        n = 0
        with av.open(str(self.path)) as c:
            stream = c.streams.video[0]
            last = None
            for frame in c.decode(stream):
                t = float(frame.pts * stream.time_base) if frame.pts is not None else n / fps
                rgb = self._fit(frame.to_ndarray(format="rgb24"))
                while n / fps <= t and n < MAX_CLIP_S * fps:
                    engine.emit_frame(last if last is not None else rgb, self.clock.frame_audio(audio, n))
                    n += 1
                last = rgb
        return n
