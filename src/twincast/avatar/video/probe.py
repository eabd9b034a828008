"""Reading a user's video the way a player shows it: upright, on a constant clock.

Why not just decode frames in order: phone videos are stored sideways with a display matrix
saying "turn me 90 degrees", and many are variable-frame-rate (the camera slows down in dim
light). The avatar needs upright frames at exactly the project's 25 fps, so every frame here
is placed by its timestamp: output frame k shows the source frame on screen at ``k / fps``
(frames are repeated or skipped as needed), turned by the stream's rotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import numpy as np

from ...errors import TwincastError
from ...evaluation.probe import open_media

MIN_SECONDS = 20.0
FPS = 25  # the project's media clock (twincast.clock.MediaClock)
VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".flv", ".3gp", ".mts", ".ts"}


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    width: int  # upright (after rotation)
    height: int
    rotation: int  # degrees the stored frames are turned for display (0, 90, 180, 270)
    nominal_fps: float
    duration: float  # seconds of video
    has_audio: bool
    variable_rate: bool  # frame intervals vary by more than a quarter frame
    start: float  # timestamp of the first video frame

    @property
    def n_frames(self) -> int:
        """Frames at the constant output rate."""
        return max(0, int(self.duration * FPS))


def is_video(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


_open = open_media  # one place says why a file cannot be read


def _turns(rotation: float | int | None) -> int:
    return int(round((rotation or 0) / 90.0)) % 4


def probe_video(path: str | Path, min_seconds: float = MIN_SECONDS) -> VideoInfo:
    """Facts about ``path`` from its packets (cheap: no decoding) plus the first frame, with a
    clear error for what the builder cannot use."""
    path = Path(path)
    with _open(path) as container:
        if not container.streams.video:
            raise TwincastError(f"{path.name} has no video stream", "pass a video of the person talking to camera")
        stream = container.streams.video[0]
        has_audio = bool(container.streams.audio)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        times: list[float] = []
        try:
            for packet in container.demux(stream):
                if packet.pts is not None and packet.time_base is not None:
                    times.append(float(packet.pts * packet.time_base))
        except av.FFmpegError as exc:
            raise TwincastError(f"{path.name} is damaged ({exc})", "re-export or re-download the video") from None
        if not times:
            raise TwincastError(f"{path.name} contains no video frames", "check that the file plays")
        container.seek(0)
        first = next(container.decode(video=0), None)
        if first is None:
            raise TwincastError(f"no frame of {path.name} could be decoded", "re-encode the video (H.264 MP4)")
        turns = _turns(first.rotation)
        w, h = (first.height, first.width) if turns % 2 else (first.width, first.height)
    times.sort()
    steps = np.diff(np.asarray(times))
    nominal = float(rate) if rate else (1.0 / float(np.median(steps)) if len(steps) else FPS)
    step = float(np.median(steps)) if len(steps) else 1.0 / nominal
    duration = times[-1] - times[0] + step
    variable = bool(len(steps) > 2 and np.mean(np.abs(steps - step) > 0.25 * step) > 0.02)
    if duration < min_seconds:
        raise TwincastError(
            f"{path.name} is only {duration:.1f} s long; a video avatar needs at least {min_seconds:.0f} s "
            "(3-5 minutes is best)",
            "record 3-5 minutes of the person talking to the camera, face visible, one person in frame")
    return VideoInfo(path, w, h, turns * 90, nominal, duration, has_audio, variable, times[0])


def constant_rate_frames(info: VideoInfo, start_frame: int = 0, stop_frame: int | None = None,
                         fps: int = FPS) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(k, upright RGB)`` for output frames ``start_frame <= k < stop_frame`` on a
    constant ``fps`` clock, whatever the source's frame timing (see the module docstring).

    Starting past 0 seeks to the keyframe before the start, so a resumed build does not decode
    the whole file again.
    """
    stop = info.n_frames if stop_frame is None else min(stop_frame, info.n_frames)
    if start_frame >= stop:
        return
    turns = _turns(info.rotation)
    with _open(info.path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        t_start = info.start + start_frame / fps
        if start_frame > 0 and stream.time_base is not None:
            container.seek(int(max(0.0, t_start - 1.0) / stream.time_base), stream=stream, backward=True)
        k = start_frame
        held: np.ndarray | None = None  # the frame on screen at the current time
        try:
            for frame in container.decode(stream):
                t = float(frame.pts * frame.time_base) if frame.pts is not None else None
                if t is None:
                    continue
                # emit every output tick that falls before this frame's display time
                while held is not None and k < stop and info.start + k / fps < t - 1e-6:
                    yield k, held
                    k += 1
                if k >= stop:
                    return
                rgb = frame.to_ndarray(format="rgb24")
                held = np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb
        except av.FFmpegError as exc:
            raise TwincastError(f"decoding {info.path.name} failed at {k / fps:.1f} s ({exc})",
                                "re-export the video; the file is damaged there") from None
        while held is not None and k < stop:  # the last frame stays on screen to the end
            yield k, held
            k += 1


def read_audio_track(info: VideoInfo, rate: int = 24_000) -> np.ndarray:
    """The first audio stream, mono float32 at ``rate``."""
    if not info.has_audio:
        raise TwincastError(f"{info.path.name} has no audio track", "use a video with the person's voice")
    chunks: list[np.ndarray] = []
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    with _open(info.path) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


__all__ = ["VideoInfo", "probe_video", "constant_rate_frames", "read_audio_track", "is_video",
           "MIN_SECONDS", "FPS"]
