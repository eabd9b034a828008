"""MP4 writer: H.264 + AAC, both stamped from the one media clock.

Video PTS are frame indices and audio PTS are sample indices of the same clock, so the two
streams cannot drift apart however long the file is. Writes go to ``NAME.part`` and are
renamed on success, so an interrupted render never leaves a truncated file under the final
name.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from ..clock import MediaClock
from ..errors import TwincastError


class Mp4Writer:
    def __init__(self, path: str | Path, width: int, height: int, clock: MediaClock = MediaClock(),
                 metadata: dict[str, str] | None = None, preset: str = "veryfast", crf: int = 21,
                 audio_bitrate: int = 128_000, threads: int = 0) -> None:
        self.path = Path(path)
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(self.path.name + ".part")
        try:
            self._out = av.open(str(self._tmp), mode="w", format="mp4",
                                options={"movflags": "+faststart+use_metadata_tags"})
        except OSError as exc:
            raise TwincastError(f"cannot write {self.path}: {exc}", "check the folder exists and is writable") from None
        for k, v in (metadata or {}).items():
            self._out.metadata[k] = v
        vs = self._out.add_stream("libx264", rate=clock.fps)
        vs.width, vs.height = width, height
        vs.pix_fmt = "yuv420p"
        vs.time_base = clock.video_time_base
        vs.codec_context.options = {"preset": preset, "crf": str(crf), "g": str(2 * clock.fps)}
        vs.codec_context.thread_count = threads
        a = self._out.add_stream("aac", rate=clock.sample_rate)
        a.layout = "stereo"
        a.bit_rate = audio_bitrate
        a.time_base = clock.audio_time_base
        self._v, self._a = vs, a
        self.frames = 0
        self.samples = 0

    def write_frame(self, rgb: np.ndarray) -> None:
        # OpenCV's I420 conversion is BT.601 limited range like swscale's, and ~3 ms cheaper
        # per 720x1280 frame, which is a tenth of the real-time budget on two cores.
        frame = av.VideoFrame.from_ndarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), format="yuv420p")
        frame.pts = self.frames
        frame.time_base = self.clock.video_time_base
        for packet in self._v.encode(frame):
            self._out.mux(packet)
        self.frames += 1

    def write_audio(self, mono: np.ndarray) -> None:
        """Float mono samples in [-1, 1] at the clock's rate (any length)."""
        if len(mono) == 0:
            return
        pcm = np.clip(mono, -1, 1).astype(np.float32)
        stereo = np.ascontiguousarray(np.stack([pcm, pcm]))
        frame = av.AudioFrame.from_ndarray(stereo, format="fltp", layout="stereo")
        frame.sample_rate = self.clock.sample_rate
        frame.pts = self.samples
        frame.time_base = self.clock.audio_time_base
        for packet in self._a.encode(frame):
            self._out.mux(packet)
        self.samples += len(pcm)

    def close(self) -> Path:
        """Flush, pad audio to the video length, and publish the file under its final name."""
        target = self.clock.sample_of_frame(self.frames)
        if self.samples < target:
            self.write_audio(np.zeros(target - self.samples, np.float32))
        for packet in self._v.encode(None):
            self._out.mux(packet)
        for packet in self._a.encode(None):
            self._out.mux(packet)
        self._out.close()
        self._tmp.replace(self.path)
        return self.path

    def abort(self) -> None:
        """Close without publishing; the partial file stays as ``NAME.part`` for inspection."""
        try:
            self._out.close()
        except Exception:  # noqa: BLE001 - best effort on an already failing path
            pass

    def __enter__(self) -> "Mp4Writer":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
