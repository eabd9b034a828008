"""Test footage for the video avatar: real talking clips made longer, and bad inputs made with PyAV.

The only real talking-head clip with sound (SyncNet's example, 12.7 s) is shorter than the
20 s a build needs, so the long clip plays it twice (a real cut at 12.7 s the cleaner must
find). Bad inputs are written frame by frame with PyAV: a display-rotation tag, irregular
timestamps, no audio stream, two faces side by side, no face at all.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def write_clip(path: Path, frames, fps: int = 25, audio: np.ndarray | None = None, sample_rate: int = 16000,
               rotation: int = 0, pts_ms: list[int] | None = None) -> Path:
    """Encode RGB frames (+ mono float audio) as H.264/AAC MP4. ``pts_ms`` gives each frame's
    own timestamp (variable frame rate); ``rotation`` sets the display matrix (CCW degrees)."""
    frames = list(frames)
    h, w = frames[0].shape[:2]
    out = av.open(str(path), "w")
    vs = out.add_stream("libx264", rate=fps)
    vs.width, vs.height, vs.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
    vs.options = {"preset": "veryfast", "crf": "20"}
    if pts_ms is not None:
        vs.time_base = Fraction(1, 1000)
        vs.codec_context.time_base = Fraction(1, 1000)
    if rotation:
        vs.set_display_rotation(rotation)
    as_ = None
    if audio is not None:
        as_ = out.add_stream("aac", rate=sample_rate)
        as_.layout = "mono"
    for i, img in enumerate(frames):
        f = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[:vs.height, :vs.width]), format="rgb24")
        f.pts = pts_ms[i] if pts_ms is not None else i
        if pts_ms is not None:
            f.time_base = Fraction(1, 1000)
        for p in vs.encode(f):
            out.mux(p)
    for p in vs.encode():
        out.mux(p)
    if as_ is not None:
        pcm = np.clip(audio, -1, 1).astype(np.float32)
        step = 1024
        for i in range(0, len(pcm), step):
            chunk = pcm[i:i + step]
            af = av.AudioFrame.from_ndarray(chunk[None, :], format="flt", layout="mono")
            af.sample_rate = sample_rate
            af.pts = i
            for p in as_.encode(af):
                out.mux(p)
        for p in as_.encode():
            out.mux(p)
    out.close()
    return path


def syncnet_av():
    from twincast.evaluation.probe import read_av
    from twincast.evaluation.reference_media import syncnet_example

    frames, audio, sr, fps = read_av(syncnet_example())
    return frames, audio, sr


def syncnet_twice(path: Path, **kw) -> Path:
    """The SyncNet clip played twice with its sound: 25.4 s of a real talking head."""
    frames, audio, sr = syncnet_av()
    n = len(frames)
    audio = audio[: int(n / 25 * sr)]
    audio = np.pad(audio, (0, int(n / 25 * sr) - len(audio)))
    return write_clip(path, frames + frames, 25, np.concatenate([audio, audio]), sr, **kw)


def syncnet_rotated(path: Path) -> Path:
    """A phone-style clip: frames stored turned 90 deg clockwise, display matrix says turn back."""
    frames, audio, sr = syncnet_av()
    n = len(frames)
    audio = np.pad(audio, (0, max(0, int(n / 25 * sr) - len(audio))))[: int(n / 25 * sr)]
    sideways = [np.ascontiguousarray(np.rot90(f, -1)) for f in frames + frames]
    return write_clip(path, sideways, 25, np.concatenate([audio, audio]), sr, rotation=90)


def syncnet_vfr(path: Path, seed: int = 3) -> tuple[Path, list[int]]:
    """Variable frame rate: every frame's interval drawn from 20-80 ms (mean ~40 ms), so the
    content plays at roughly real speed but with an irregular clock."""
    frames, audio, sr = syncnet_av()
    frames = frames + frames
    rng = np.random.default_rng(seed)
    steps = rng.choice([20, 40, 60, 80, 40, 40], len(frames))
    pts = np.concatenate([[0], np.cumsum(steps[:-1])]).astype(int).tolist()
    dur = (pts[-1] + 40) / 1000
    audio = np.resize(audio, int(dur * sr))
    return write_clip(path, frames, 25, audio, sr, pts_ms=pts), pts


def still_face_clip(path: Path, rgb: np.ndarray, seconds: float = 22.0, two: bool = False,
                    audio: bool = True, side: int = 320) -> Path:
    """A portrait with a slow zoom (one face, or two side by side), optionally with a tone."""
    img = cv2.resize(rgb, (side, int(side * rgb.shape[0] / rgb.shape[1])), interpolation=cv2.INTER_AREA)
    if two:
        img = np.concatenate([img, img[:, ::-1]], axis=1)
    n = int(seconds * 25)
    h, w = img.shape[:2]
    frames = []
    for i in range(n):
        z = 1.0 + 0.03 * np.sin(i / 40)
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 0.0, z)
        frames.append(cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT))
    sound = 0.1 * np.sin(2 * np.pi * 220 * np.arange(int(seconds * 16000)) / 16000) if audio else None
    return write_clip(path, frames, 25, sound, 16000)


def faceless_clip(path: Path, seconds: float = 22.0) -> Path:
    rng = np.random.default_rng(0)
    n = int(seconds * 25)
    base = cv2.resize(rng.integers(0, 255, (12, 16, 3)).astype(np.uint8), (160, 120), interpolation=cv2.INTER_CUBIC)
    frames = [np.roll(base, i, axis=1) for i in range(n)]
    sound = 0.1 * np.sin(2 * np.pi * 300 * np.arange(int(seconds * 16000)) / 16000)
    return write_clip(path, frames, 25, sound, 16000)
