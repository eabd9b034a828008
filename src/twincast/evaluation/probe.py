"""What is really inside a media file, measured by decoding it.

Why decode instead of reading headers: container headers can claim a duration or frame count
that the streams do not deliver (a muxer that was killed, an encoder that dropped frames, audio
that stops early). A test that says "the render has 250 frames and 10.0 s of audio" must count
what a player would actually get, so :func:`probe` decodes every frame and every audio sample.

:func:`read_av` gives the decoded content itself (RGB frames, mono float32 audio) for metrics
such as :mod:`twincast.evaluation.lipsync`; :func:`iter_video_frames` streams frames for long
files so a whole render never has to sit in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import av
import numpy as np

from twincast.errors import TwincastError


@dataclass
class MediaInfo:
    """Decoded facts about a file. Video/audio fields are ``None``/0 when that stream is absent.

    ``fps`` is the stream's nominal rate; ``video_duration`` is the span of the decoded frames'
    timestamps plus one frame (equals ``frame_count / fps`` for constant-rate video);
    ``audio_duration`` is ``audio_samples / sample_rate`` of the decoded samples.
    """

    path: str
    container: str
    video_codec: str | None = None
    width: int = 0
    height: int = 0
    fps: float = 0.0
    frame_count: int = 0
    video_duration: float = 0.0
    audio_codec: str | None = None
    sample_rate: int = 0
    channels: int = 0
    audio_samples: int = 0
    audio_duration: float = 0.0
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


def open_media(path: str | Path) -> av.container.InputContainer:
    """Open a video or audio file for reading, or say clearly why it cannot be read."""
    p = Path(path)
    if not p.is_file():
        raise TwincastError(f"media file not found: {p}", "check the path and file name")
    try:
        return av.open(str(p))
    except av.FFmpegError as exc:
        raise TwincastError(f"cannot open {p.name} as media ({exc})",
                            "use a complete MP4/MOV/WAV file that plays; re-export it if it came from a "
                            "chat app") from None


_open = open_media


def _rate(stream: av.video.stream.VideoStream) -> Fraction | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return Fraction(rate)
    return None


def probe(path: str | Path) -> MediaInfo:
    """Decode the first video and first audio stream of ``path`` completely and describe them."""
    with _open(path) as container:
        info = MediaInfo(path=str(path), container=container.format.name,
                         metadata={str(k): str(v) for k, v in container.metadata.items()})
        vstream = container.streams.video[0] if container.streams.video else None
        astream = container.streams.audio[0] if container.streams.audio else None
        streams = [s for s in (vstream, astream) if s is not None]
        if not streams:
            raise TwincastError(f"{path} has neither video nor audio", "check the file")
        rate: Fraction | None = None
        if vstream is not None:
            vstream.thread_type = "AUTO"
            rate = _rate(vstream)
            info.video_codec = vstream.codec_context.name
            info.width = vstream.codec_context.width
            info.height = vstream.codec_context.height
            info.fps = float(rate) if rate else 0.0
        if astream is not None:
            info.audio_codec = astream.codec_context.name
            info.sample_rate = astream.codec_context.sample_rate
            info.channels = astream.codec_context.channels
        first_t = last_t = None
        try:
            for packet in container.demux(streams):
                for frame in packet.decode():
                    if packet.stream is vstream:
                        info.frame_count += 1
                        if frame.pts is not None and frame.time_base is not None:
                            t = float(frame.pts * frame.time_base)
                            first_t = t if first_t is None else min(first_t, t)
                            last_t = t if last_t is None else max(last_t, t)
                        info.width, info.height = frame.width, frame.height
                    else:
                        info.audio_samples += frame.samples
                        info.sample_rate = frame.sample_rate or info.sample_rate
        except av.FFmpegError as exc:
            raise TwincastError(f"decoding {path} failed: {exc}", "the file may be corrupt") from exc
    if info.frame_count:
        step = 1.0 / info.fps if info.fps else 0.0
        if first_t is not None and info.frame_count > 1:
            info.video_duration = last_t - first_t + step
        else:
            info.video_duration = info.frame_count * step
    if info.sample_rate:
        info.audio_duration = info.audio_samples / info.sample_rate
    return info


def iter_video_frames(path: str | Path) -> Iterator[np.ndarray]:
    """Yield the decoded frames of the first video stream as HxWx3 uint8 RGB arrays."""
    with _open(path) as container:
        if not container.streams.video:
            raise TwincastError(f"{path} has no video stream", "pass a video file")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            yield frame.to_ndarray(format="rgb24")


def video_fps(path: str | Path) -> float:
    """Nominal frame rate of the first video stream."""
    with _open(path) as container:
        if not container.streams.video:
            raise TwincastError(f"{path} has no video stream", "pass a video file")
        rate = _rate(container.streams.video[0])
    if not rate:
        raise TwincastError(f"{path}: video stream has no frame rate", "re-encode at a fixed fps")
    return float(rate)


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Decode the first audio stream to mono float32 (channel mean) at its own sample rate."""
    audio, rate, _ = read_audio_timed(path)
    return audio, rate


def read_audio_timed(path: str | Path, max_seconds: float | None = None
                     ) -> tuple[np.ndarray, int, float]:
    """Like :func:`read_audio`, plus the presentation time (s) of the first decoded sample.

    The start time matters for A/V sync: a container may start the audio later than the video
    (an edit list, a muxer offset), and a player honours that. ``max_seconds`` stops decoding
    once that much audio has been read (counted from the first sample).
    """
    with _open(path) as container:
        if not container.streams.audio:
            raise TwincastError(f"{path} has no audio stream", "pass a file with sound")
        stream = container.streams.audio[0]
        # fltp keeps the native rate and layout; we average channels ourselves so the level is
        # not changed by FFmpeg's downmix coefficients.
        resampler = av.AudioResampler(format="fltp")
        chunks: list[np.ndarray] = []
        rate = stream.codec_context.sample_rate
        start: float | None = None
        total = 0
        for frame in container.decode(stream):
            rate = frame.sample_rate or rate
            if start is None and frame.pts is not None and frame.time_base is not None:
                start = float(frame.pts * frame.time_base)
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().mean(axis=0))
                total += chunks[-1].shape[0]
            if max_seconds is not None and rate and total >= max_seconds * rate:
                break
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().mean(axis=0))
    audio = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if max_seconds is not None and rate:
        audio = audio[: int(round(max_seconds * rate))]
    return audio, int(rate), float(start or 0.0)


def iter_timed_frames(path: str | Path, max_seconds: float | None = None
                      ) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(presentation time in s, HxWx3 uint8 RGB)`` for the first video stream.

    Times come from the frames' PTS, so gaps (dropped frames in variable-rate or damaged files)
    stay visible; frames without a PTS get the previous time plus one nominal frame. Frames are
    turned upright by the stream's display rotation (portrait phone videos), as players do.
    Stops after ``max_seconds`` past the first frame.
    """
    with _open(path) as container:
        if not container.streams.video:
            raise TwincastError(f"{path} has no video stream", "pass a video file")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = _rate(stream)
        step = 1.0 / float(rate) if rate else 0.04
        first = last = None
        for frame in container.decode(stream):
            if frame.pts is not None and frame.time_base is not None:
                t = float(frame.pts * frame.time_base)
            else:
                t = (last + step) if last is not None else 0.0
            first = t if first is None else first
            if max_seconds is not None and t - first >= max_seconds - 1e-6:
                break
            last = t
            rgb = frame.to_ndarray(format="rgb24")
            turns = int(round((frame.rotation or 0) / 90.0)) % 4  # phone videos: display matrix
            yield t, (np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb)


def read_av(path: str | Path) -> tuple[list[np.ndarray], np.ndarray, int, float]:
    """Decode a whole file: ``(frames_rgb, audio_mono_float32, sample_rate, fps)``.

    Holds every frame in memory (fine for test clips; use :func:`iter_video_frames` for long
    renders). A file without audio gives an empty audio array and sample rate 0.
    """
    fps = video_fps(path)
    frames = list(iter_video_frames(path))
    with _open(path) as container:
        has_audio = bool(container.streams.audio)
    if has_audio:
        audio, sr = read_audio(path)
    else:
        audio, sr = np.zeros(0, np.float32), 0
    return frames, audio, sr, fps


__all__ = ["MediaInfo", "probe", "read_av", "read_audio", "read_audio_timed", "iter_video_frames",
           "iter_timed_frames", "video_fps"]
