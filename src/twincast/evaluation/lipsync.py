"""Does the mouth move with the voice? A lip-sync metric that needs no learned sync model.

No package ships SyncNet-style weights (see notes/ASSETS.md), so this compares two signals
we can measure reliably on CPU:

* the inner-lip opening per frame, from mediapipe's face mesh, divided by the distance between
  the outer eye corners (3D, so it survives zoom and moderate head turns; eye corners because a
  forehead-chin distance itself grows when the jaw opens);
* the loudness of the speech per frame (band-passed 100-4000 Hz, RMS in dB, floored 50 dB
  under the peak so digital silence does not dominate).

Loud speech needs an open mouth and silence a closed one, so the two series correlate, and the
lag at which they correlate best is the audio/video offset.

**Sign convention**: ``lag = +k`` means the video lags the audio by ``k`` frames (the mouth
moves ``k`` frames after the sound: ``openings[t + k]`` pairs with ``envelope[t]``). Negative
means the mouth moves before the sound.

**Calibration** (tests/test_lipsync_metric.py, on the SyncNet demo clip, 317 frames at 25 fps):
the genuine clip peaks at +3 frames (sub-frame ~+3.4) with r = 0.66: its audio is known to
sit a few frames off, and with the audio delayed by 3 frames it passes at lag 0. Unrelated
speech against the same lips (jfk.wav, 35 windows) and the clip's own audio rolled by 1-11 s
never exceeded r = 0.32 at any lag within +-10. :data:`PASS_CORRELATION` = 0.40 sits between the two with margin on both
sides. Smoothing over 3 frames and keeping the slow speech/pause structure (no high-pass) gave
the widest gap between genuine and unrelated; first differences and 1 s high-passes narrowed it.
Clips shorter than ~4 s give noisier correlations: unrelated audio can then reach 0.4.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
from scipy import signal

from twincast.errors import TwincastError
from twincast.native_logs import quiet_stderr

#: Minimum correlation at the best lag for a pass (calibrated, see module docstring).
PASS_CORRELATION = 0.40
#: Largest |best lag| in frames that still passes (2 frames = 80 ms at 25 fps, inside the
#: ITU-R BT.1359 detectability window of about -125/+45 ms).
LAG_TOLERANCE_FRAMES = 2
#: Openings whose standard deviation is below this (fraction of eye-corner distance) count as a
#: frozen mouth: the correlation of tracker jitter with speech is meaningless, so it is set to 0.
#: Real talking gives ~0.05; one frame repeated through the tracker jitters by 0.0002-0.002
#: (224 px face), and even without this floor such jitter correlates only ~0.15 with speech.
MIN_MOTION = 0.005
#: Fewer overlapping valid frames than this gives correlation 0 (too little to judge).
MIN_OVERLAP_FRAMES = 25

_UPPER_INNER = (82, 13, 312)
_LOWER_INNER = (87, 14, 317)
_EYE_CORNERS = (33, 263)
_CHIN = 152
_MAX_GAP_FRAMES = 5
_SMOOTH_FRAMES = 3
_FLOOR_DB = 50.0


@dataclass
class LipSyncResult:
    """Outcome of :func:`lipsync_score`; ``lags[i]`` pairs with ``correlations[i]``."""

    best_lag_frames: int
    correlation_at_best: float
    correlation_at_zero: float
    lags: np.ndarray
    correlations: np.ndarray
    passed: bool
    threshold: float = PASS_CORRELATION
    refined_lag_frames: float = 0.0  # parabolic sub-frame estimate around the best lag
    valid_frames: int = 0  # frames with both a face and audio

    def summary(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (f"lip-sync {verdict}: best lag {self.best_lag_frames:+d} frames "
                f"(~{self.refined_lag_frames:+.1f}), r={self.correlation_at_best:.3f} "
                f"(r at 0 = {self.correlation_at_zero:.3f}, threshold {self.threshold:.2f}, "
                f"{self.valid_frames} frames)")


def _fill_short_gaps(x: np.ndarray, max_gap: int = _MAX_GAP_FRAMES) -> np.ndarray:
    """Linearly bridge NaN runs of at most ``max_gap`` frames between two valid values."""
    x = x.copy()
    nan = np.isnan(x)
    if not nan.any() or nan.all():
        return x
    idx = np.arange(len(x))
    i = 0
    while i < len(x):
        if not nan[i]:
            i += 1
            continue
        j = i
        while j < len(x) and nan[j]:
            j += 1
        if i > 0 and j < len(x) and j - i <= max_gap:
            x[i:j] = np.interp(idx[i:j], [i - 1, j], [x[i - 1], x[j]])
        i = j
    return x


def mouth_openings(frames: Iterable[np.ndarray]) -> np.ndarray:
    """Per-frame inner-lip opening / eye-corner distance; NaN where no face is found.

    ``frames`` are HxWx3 uint8 RGB images of one video, in order (a list or a generator).
    The face mesh runs in tracking mode (``static_image_mode=False``), which is faster and
    steadier than per-frame detection. Gaps of up to 5 frames are interpolated.
    """
    import mediapipe as mp  # slow import; only needed here

    values: list[float] = []
    with quiet_stderr(), mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1,
                                         refine_landmarks=True, min_detection_confidence=0.5,
                                         min_tracking_confidence=0.5) as mesh:
        for frame in frames:
            frame = np.ascontiguousarray(frame)
            if frame.ndim != 3 or frame.shape[2] != 3:
                raise TwincastError(f"expected HxWx3 RGB frames, got shape {frame.shape}",
                                    "convert frames to RGB before measuring lip-sync")
            result = mesh.process(frame)
            if not result.multi_face_landmarks:
                values.append(np.nan)
                continue
            lm = result.multi_face_landmarks[0].landmark
            h, w = frame.shape[:2]
            # mediapipe's z is on roughly the same scale as x (image width).
            pts = np.array([[p.x * w, p.y * h, p.z * w] for p in lm])
            values.append(mouth_opening(pts))
    return _fill_short_gaps(np.asarray(values, dtype=np.float64))


def mouth_opening(points: np.ndarray) -> float:
    """Inner-lip opening / outer-eye-corner distance for one face's mesh points (N x 3 pixels,
    z scaled like x). Shared with :mod:`twincast.evaluation.check`, which tracks once for all
    of its metrics, so both measure the mouth the same way.

    The gap is taken along the face's own vertical axis (eyes to chin, square to the eye line,
    in 3D so a pitched head is not foreshortened), not as the full 3D distance. Why: the mesh
    guesses the lips' depth, and on a rolled, lowered laughing face it put the lower inner lip
    0.025 eye widths behind the upper one while the lips met in the image (session 15: dev
    ft_laughing read 0.026, "open", on frames that show closed lips; along the axis 0.006). A
    depth offset between the lips is not an opening a viewer sees. On real speech (the SyncNet
    clip) the two readings differ by 0.004 eye widths at the median."""
    a, b = points[_EYE_CORNERS[0]], points[_EYE_CORNERS[1]]
    eye_line = b - a
    eyes = float(np.linalg.norm(eye_line))
    if eyes <= 1e-6:
        return float("nan")
    across = eye_line / eyes
    up = (a + b) / 2 - points[_CHIN]
    up = up - (up @ across) * across
    norm = float(np.linalg.norm(up))
    if norm <= 1e-6:
        return float("nan")
    up /= norm
    gap = np.mean([abs(float((points[u] - points[d]) @ up))
                   for u, d in zip(_UPPER_INNER, _LOWER_INNER)])
    return float(gap / eyes)


def fill_short_gaps(x: np.ndarray, max_gap: int = _MAX_GAP_FRAMES) -> np.ndarray:
    """Public name of the gap filler used by :func:`mouth_openings`."""
    return _fill_short_gaps(x, max_gap)


def speech_envelope(audio: np.ndarray, sample_rate: int, fps: float) -> np.ndarray:
    """Per-video-frame loudness in dB of the speech band (100-4000 Hz).

    Frame ``i`` covers audio ``[i / fps, (i + 1) / fps)``, the same span as video frame ``i``.
    Values are floored 50 dB under the loudest frame so silence is one flat level.
    """
    x = np.asarray(audio, dtype=np.float64)
    if x.ndim == 2:  # (samples, channels) or (channels, samples): average the short axis
        x = x.mean(axis=int(np.argmin(x.shape)))
    if sample_rate < 1000 or fps <= 0:
        raise TwincastError(f"bad sample rate {sample_rate} / fps {fps}",
                            "pass the real audio sample rate and video frame rate")
    high = min(4000.0, 0.45 * sample_rate)
    sos = signal.butter(4, [100.0, high], btype="band", fs=sample_rate, output="sos")
    if len(x) > 100:
        x = signal.sosfiltfilt(sos, x)
    hop = sample_rate / fps
    n = int(round(len(x) / hop))
    if n == 0:
        return np.zeros(0)
    edges = np.minimum(np.round(np.arange(n + 1) * hop).astype(np.int64), len(x))
    csum = np.concatenate([[0.0], np.cumsum(x * x)])
    counts = np.maximum(np.diff(edges), 1)
    rms = np.sqrt(np.maximum(np.diff(csum[edges]), 0.0) / counts)
    db = 20.0 * np.log10(rms + 1e-10)
    return np.maximum(db, db.max() - _FLOOR_DB)


def _prepare(x: np.ndarray) -> np.ndarray:
    """NaN-aware 3-frame smoothing, then removal of a linear trend fitted on valid frames."""
    valid = ~np.isnan(x)
    kernel = np.ones(_SMOOTH_FRAMES)
    num = np.convolve(np.where(valid, x, 0.0), kernel, mode="same")
    den = np.convolve(valid.astype(float), kernel, mode="same")
    y = np.where(valid, num / np.maximum(den, 1e-9), np.nan)
    if valid.sum() >= 2:
        t = np.arange(len(y))
        slope, icpt = np.polyfit(t[valid], y[valid], 1)
        y = y - (slope * t + icpt)
    return y


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < MIN_OVERLAP_FRAMES:
        return 0.0
    a, b = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 1e-12 else 0.0


def lipsync_score(openings: np.ndarray, envelope: np.ndarray, max_lag_frames: int = 10, *,
                  threshold: float = PASS_CORRELATION,
                  tolerance_frames: int = LAG_TOLERANCE_FRAMES) -> LipSyncResult:
    """Normalised cross-correlation of mouth opening and speech loudness over +-max lags.

    Positive lag = video lags audio (see module docstring). Each lag's correlation is a Pearson
    r over the overlapping frames where both series are valid, so edges and face dropouts do
    not bias it. A frozen mouth or silent audio gives correlations of 0, never NaN.
    """
    o = np.asarray(openings, dtype=np.float64).ravel()
    e = np.asarray(envelope, dtype=np.float64).ravel()
    m = min(len(o), len(e))
    o, e = o[:m], e[:m]
    lags = np.arange(-int(max_lag_frames), int(max_lag_frames) + 1)
    corrs = np.zeros(len(lags))
    valid = int((~np.isnan(o) & ~np.isnan(e)).sum())
    o_std = np.nanstd(o) if np.isfinite(o).any() else 0.0
    e_std = np.nanstd(e) if np.isfinite(e).any() else 0.0
    if m >= MIN_OVERLAP_FRAMES and o_std >= MIN_MOTION and e_std > 1e-6:
        po, pe = _prepare(o), _prepare(e)
        for i, lag in enumerate(lags):
            if lag >= 0:
                corrs[i] = _pearson(po[lag:], pe[:m - lag])
            else:
                corrs[i] = _pearson(po[:m + lag], pe[-lag:])
    best = int(np.argmax(corrs))
    if np.all(corrs == corrs[best]):  # no information at all: report lag 0
        best = int(np.where(lags == 0)[0][0]) if 0 in lags else best
    refined = float(lags[best])
    if 0 < best < len(lags) - 1:
        y0, y1, y2 = corrs[best - 1], corrs[best], corrs[best + 1]
        curv = y0 - 2 * y1 + y2
        if curv < 0:
            refined += 0.5 * (y0 - y2) / curv
    best_lag = int(lags[best])
    r_best = float(corrs[best])
    r_zero = float(corrs[lags == 0][0]) if 0 in lags else 0.0
    passed = abs(best_lag) <= tolerance_frames and r_best >= threshold
    return LipSyncResult(best_lag, r_best, r_zero, lags, corrs, bool(passed), threshold,
                         refined, valid)


def check_lipsync(video_path: str | Path, max_lag_frames: int = 10) -> LipSyncResult:
    """Measure lip-sync of a rendered or recorded video file with one face and speech."""
    from twincast.evaluation.probe import iter_video_frames, read_audio, video_fps

    fps = video_fps(video_path)
    audio, sr = read_audio(video_path)
    if len(audio) == 0:
        raise TwincastError(f"{video_path} has no audio samples", "mux the speech into the file")
    openings = mouth_openings(iter_video_frames(video_path))
    if np.isnan(openings).all():
        raise TwincastError(f"no face found in any frame of {video_path}",
                            "check the render: one frontal face must be visible")
    return lipsync_score(openings, speech_envelope(audio, sr, fps), max_lag_frames)


__all__ = ["LipSyncResult", "PASS_CORRELATION", "LAG_TOLERANCE_FRAMES", "MIN_MOTION",
           "mouth_openings", "mouth_opening", "fill_short_gaps", "speech_envelope", "lipsync_score",
           "check_lipsync"]
