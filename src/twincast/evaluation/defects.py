"""Break a good talking-face clip on purpose, one defect at a time.

Why: a quality check is only trustworthy if each metric is shown to fail on the defect it is
meant to catch, and to stay quiet on the others. These helpers turn a genuine clip into the
calibration variants used by tests/test_check_calibration.py and docs/quality-check.md: audio
shifted in the samples or in the container, a frozen mouth, another person's face spliced in,
flicker, dropped frames (repeats and PTS gaps), and warp damage (the sides of the head
stretched sideways, as a renderer does at large poses). Everything is written with PyAV (libx264 at
CRF 16 + AAC), so the variants go through the same decoder as any user's file.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Sequence

import av
import cv2
import numpy as np

from twincast.native_logs import quiet_stderr

_LIPS_OUTER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39,
               40, 185]


def write_mp4(path: str | Path, frames: Sequence[np.ndarray], audio: np.ndarray | None,
              sample_rate: int, fps: float, *, frame_times: Sequence[float] | None = None,
              audio_start: float = 0.0, crf: int = 16) -> Path:
    """Write RGB frames (+ mono float audio) to an MP4.

    ``frame_times`` (seconds) lets frames sit at uneven times, which is how a PTS gap from a
    dropped frame looks in a file; ``audio_start`` delays the whole audio stream in the
    container (an A/V offset a player applies, while the samples themselves are untouched).
    """
    path = Path(path)
    rate = int(round(fps)) if abs(fps - round(fps)) < 1e-6 else Fraction(fps).limit_denominator(1001)
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=rate)
        h, w = frames[0].shape[:2]
        v.width, v.height, v.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
        v.options = {"crf": str(crf), "preset": "veryfast"}
        a = None
        if audio is not None and len(audio):
            a = c.add_stream("aac", rate=sample_rate, layout="mono")
        for i, img in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[:v.height, :v.width]),
                                            format="rgb24")
            # pts counts frame periods (the stream's time base is 1/fps)
            vf.pts = i if frame_times is None else int(round(frame_times[i] * fps))
            c.mux(v.encode(vf))
        c.mux(v.encode())
        if a is not None:
            x = np.asarray(audio, np.float32)
            offset = int(round(audio_start * sample_rate))
            for k in range(0, len(x), 1024):
                af = av.AudioFrame.from_ndarray(np.ascontiguousarray(x[None, k:k + 1024]),
                                                format="fltp", layout="mono")
                af.sample_rate, af.pts = sample_rate, k + offset
                c.mux(a.encode(af))
            c.mux(a.encode())
    return path


def shift_audio(audio: np.ndarray, seconds: float, sample_rate: int) -> np.ndarray:
    """Delay (seconds > 0: sound after picture) or advance the samples, keeping the length."""
    k = int(round(abs(seconds) * sample_rate))
    if k == 0:
        return audio.copy()
    pad = np.zeros(k, audio.dtype)
    return np.concatenate([pad, audio[:-k]]) if seconds > 0 else np.concatenate([audio[k:], pad])


def _mesh_points(frames: Sequence[np.ndarray]) -> list[np.ndarray | None]:
    import mediapipe as mp

    out: list[np.ndarray | None] = []
    with quiet_stderr(), mp.solutions.face_mesh.FaceMesh(static_image_mode=False,
                                                         refine_landmarks=False) as mesh:
        for f in frames:
            r = mesh.process(np.ascontiguousarray(f))
            if not r.multi_face_landmarks:
                out.append(None)
                continue
            h, w = f.shape[:2]
            out.append(np.array([(q.x * w, q.y * h) for q in r.multi_face_landmarks[0].landmark]))
    return out


def freeze_mouth(frames: Sequence[np.ndarray], source_index: int | None = None) -> list[np.ndarray]:
    """Paste one frame's mouth region over every frame, following the head (feathered).

    The source is the frame with the most closed mouth unless given. The rest of the face
    (eyes, head motion) keeps moving, so only lip-sync should notice.
    """
    pts = _mesh_points(frames)
    if source_index is None:
        gaps = [np.linalg.norm(p[13] - p[14]) / max(np.linalg.norm(p[33] - p[263]), 1e-6)
                if p is not None else np.inf for p in pts]
        source_index = int(np.argmin(gaps))
    src, sp = frames[source_index], pts[source_index]
    if sp is None:
        raise ValueError("no face in the source frame")
    out = []
    for f, p in zip(frames, pts):
        if p is None:
            out.append(f.copy())
            continue
        # similarity transform from the source face to this one (eyes, nose, chin)
        ids = [33, 263, 1, 152, 61, 291]
        m, _ = cv2.estimateAffinePartial2D(sp[ids].astype(np.float32), p[ids].astype(np.float32))
        h, w = f.shape[:2]
        warped = cv2.warpAffine(src, m, (w, h), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REFLECT)
        mask = np.zeros((h, w), np.float32)
        lips = p[_LIPS_OUTER]
        centre = lips.mean(axis=0)
        poly = centre + (lips - centre) * 1.6  # lips plus a margin of skin and chin
        cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1.0)
        k = max(3, int(0.04 * w) | 1)
        mask = cv2.GaussianBlur(mask, (k, k), 0)[..., None]
        out.append((warped * mask + f * (1 - mask)).astype(np.uint8))
    return out


def splice_faces(frames: Sequence[np.ndarray], others: Sequence[np.ndarray], start: int,
                 stop: int) -> list[np.ndarray]:
    """Replace frames [start, stop) with ``others`` (cycled), resized to the frame size."""
    out = [f.copy() for f in frames]
    h, w = frames[0].shape[:2]
    for j, i in enumerate(range(start, min(stop, len(frames)))):
        o = others[j % len(others)]
        out[i] = cv2.resize(o, (w, h), interpolation=cv2.INTER_AREA)
    return out


def face_crops(frames: Sequence[np.ndarray], size: int) -> list[np.ndarray]:
    """Square crops around the face of the first frame (same box for all frames: a steady
    camera), scaled to ``size`` like a talking-head framing."""
    p = _mesh_points([frames[0]])[0]
    h, w = frames[0].shape[:2]
    if p is None:
        side = min(h, w)
        x0, y0 = (w - side) // 2, (h - side) // 2
    else:
        (fx0, fy0), (fx1, fy1) = p.min(axis=0), p.max(axis=0)
        side = int(min(max(fx1 - fx0, fy1 - fy0) * 1.8, h, w))
        cx, cy = (fx0 + fx1) / 2, (fy0 + fy1) / 2
        x0 = int(np.clip(cx - side / 2, 0, w - side))
        y0 = int(np.clip(cy - side / 2, 0, h - side))
    return [cv2.resize(f[y0:y0 + side, x0:x0 + side], (size, size), interpolation=cv2.INTER_AREA)
            for f in frames]


def add_flicker(frames: Sequence[np.ndarray], every: int = 12, gain: float = 1.12
                ) -> list[np.ndarray]:
    """Brighten one frame in every ``every`` by ``gain`` (a lamp/exposure flicker)."""
    out = []
    for i, f in enumerate(frames):
        if i % every == every // 2:
            f = np.clip(f.astype(np.float32) * gain, 0, 255).astype(np.uint8)
        out.append(f.copy() if isinstance(f, np.ndarray) else f)
    return out


def repeat_frames(frames: Sequence[np.ndarray], every: int = 10) -> list[np.ndarray]:
    """Replace one frame in every ``every`` by its predecessor: a dropped frame that a capture
    or render loop papered over with a repeat (the timeline stays intact, motion judders)."""
    out = [f for f in frames]
    for i in range(every - 1, len(out), every):
        out[i] = out[i - 1]
    return out


def drop_with_gaps(frames: Sequence[np.ndarray], fps: float, every: int = 25
                   ) -> tuple[list[np.ndarray], list[float]]:
    """Remove one frame in every ``every`` and keep the others at their original times, which
    leaves PTS gaps (a damaged recording or a variable-rate export)."""
    kept, times = [], []
    for i, f in enumerate(frames):
        if i % every == every - 1:
            continue
        kept.append(f)
        times.append(i / fps)
    return kept, times


def _remap_x(f: np.ndarray, dx: np.ndarray) -> np.ndarray:
    h, w = f.shape[:2]
    xx, yy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(f, xx + dx.astype(np.float32), yy, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)


def smear_face(frames: Sequence[np.ndarray], start: int, stop: int, stretch: float = 2.5
               ) -> list[np.ndarray]:
    """Stretch both sides of the head in frames [start, stop): around each face-outline point
    at cheek height (landmarks 234, 454) the picture is magnified ``stretch`` times sideways
    (feathered ellipse), as when a renderer fills a turned head from the photo's compressed
    side. The outline stays where it was; the texture on both sides of it is smeared."""
    pts = _mesh_points(frames[start:stop])
    out = [f.copy() for f in frames]
    for i, p in zip(range(start, stop), pts):
        if p is None:
            continue
        h, w = frames[i].shape[:2]
        width = float(np.linalg.norm(p[234] - p[454]))
        xx, yy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        dx = np.zeros((h, w), np.float32)
        for c in (p[234], p[454]):
            r = ((xx - c[0]) / (0.25 * width)) ** 2 + ((yy - c[1]) / (0.35 * width)) ** 2
            weight = np.clip(1.5 - r, 0, 1)  # flat inside, feathered to 0 at 1.5
            dx += weight * (xx - c[0]) * (1 / stretch - 1)  # sample closer to the outline
        out[i] = _remap_x(frames[i], dx)
    return out


__all__ = ["smear_face", "write_mp4", "shift_audio", "freeze_mouth", "splice_faces", "face_crops",
           "add_flicker", "repeat_frames", "drop_with_gaps"]
