"""The quality-check metrics: each one a number, a pass band, and where that band comes from.

Why these and why these bands: see docs/quality-check.md, which cites the standard or paper for
every band and says which bands are our own calibration. Everything here works on a
:class:`~twincast.evaluation.tracking.Track` (plus the decoded audio), so it is cheap to re-run
and easy to test on synthetic series. Conventions: an A/V offset > 0 means the sound comes
before the picture (ITU-R BT.1359's sign); a metric that cannot be measured is ``n/a`` and
never counts as a failure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.ndimage import median_filter, uniform_filter1d

from twincast.evaluation.identity import SAME_PERSON_DISTANCE, YAW_BINS, distance, yaw_bin
from twincast.evaluation.lipsync import (PASS_CORRELATION, fill_short_gaps, lipsync_score,
                                         mouth_opening, speech_envelope)
from twincast.evaluation.tracking import Track

PASS, FAIL, NA = "PASS", "FAIL", "n/a"

# --- bands (documented with sources in docs/quality-check.md) -------------------------------
AV_SOUND_LEAD_MS = 45.0  # ITU-R BT.1359 detectability: sound before picture
AV_SOUND_LAG_MS = 125.0  # ITU-R BT.1359 detectability: sound after picture
JITTER_MAX = 0.006  # median high-frequency head-landmark shake / eye-corner distance, still head
STILL_SPEED = 0.005  # smoothed head speed (eye-corner distances per frame) counted as still
BLINK_RATE = (4.0, 50.0)  # per minute
BLINK_MIN_SPAN_S = 20.0  # shorter clips: rate shown, not judged
BLINK_DURATION_MS = (60.0, 440.0)  # 100-400 ms widened by one 40 ms frame each side
BLINK_CLOSED = 0.70  # eye aspect ratio below 70 % of the open-eye baseline = eye closing
BLINK_EDGE = 0.85  # a blink's extent: frames under 85 % of the baseline around it
IDENTITY_MAX_SHARE = 0.05  # share of sampled frames farther than 0.6 from the reference
LIGHT_RATIO_MAX = 2.0  # brighter / darker face half (1 photographic stop)
CLIP_MAX_SHARE = 0.05  # skin pixels clipped (luma >= 250) or crushed (luma <= 10)
DROP_MAX_SHARE = 0.005  # repeated or missing frames / expected frames
FREEZE_MAX_S = 0.5  # longest run of identical frames
REPEAT_MAX_DIFF = 6.0  # a frame whose largest luma change (half size) is <= this is a repeat
FLICKER_REL = 0.03  # frame luma off its 5-frame median by > 3 % = a flicker event
FLICKER_MAX_RATE = 0.1  # events per second
FACE_MIN_SHARE = 0.90
ASR_MAX = {"en": 0.15, "zh": 0.20, "mixed": 0.25}

RIGID = [33, 133, 362, 263, 168, 6, 197, 195, 5, 4, 1, 234, 454, 127, 356, 10, 109, 338, 151]
_EYES = ((33, 160, 158, 133, 153, 144), (362, 385, 387, 263, 373, 380))


@dataclass
class Metric:
    key: str
    name: str
    value: float | None
    display: str
    band: str
    status: str
    source: str
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _judge(ok: bool) -> str:
    return PASS if ok else FAIL


def _na(key: str, name: str, band: str, source: str, why: str) -> Metric:
    return Metric(key, name, None, f"n/a ({why})", band, NA, source)


@dataclass
class Timeline:
    """Frames placed on a constant-rate grid by their PTS: slot k = time k / fps.

    fps is the median frame spacing, not the header's claim, so a file with gaps keeps its
    true rate and every missing frame leaves an empty slot (NaN) instead of shifting the rest.
    """

    fps: float
    slots: np.ndarray  # slot of each decoded frame
    n: int

    @staticmethod
    def of(track: Track) -> "Timeline":
        t = track.times - track.times[0]
        steps = np.diff(t)
        steps = steps[steps > 1e-6]
        fps = 1.0 / float(np.median(steps)) if len(steps) else track.fps
        slots = np.round(t * fps).astype(int)
        return Timeline(fps, slots, int(slots[-1]) + 1 if len(slots) else 0)

    def place(self, values: np.ndarray) -> np.ndarray:
        out = np.full((self.n,) + values.shape[1:], np.nan)
        out[self.slots] = values
        return out


def face_metric(track: Track) -> Metric:
    share = float(track.face_found.mean())
    return Metric("face", "face tracked", share, f"{share:.0%} of frames", f">= {FACE_MIN_SHARE:.0%}",
                  _judge(share >= FACE_MIN_SHARE), "needed by every face metric")


def lipsync_metrics(track: Track, tl: Timeline, audio: np.ndarray | None, sr: int,
                    audio_start: float, series: dict) -> list[Metric]:
    """Lip-sync correlation and A/V offset on the presentation timeline.

    The audio is placed where a player would put it (its first sample at ``audio_start``
    relative to the first video frame), so container start-time offsets are part of the
    measured lag; the container offset alone is reported in the detail.
    """
    openings = tl.place(np.array([mouth_opening(p) if not np.isnan(p[0, 0]) else np.nan
                                  for p in track.points.astype(np.float64)]))
    openings = fill_short_gaps(openings)
    series["opening"] = openings
    src_lip = "mouth opening vs speech loudness, calibrated r >= 0.40 (lipsync.py)"
    src_av = "ITU-R BT.1359 detectability +45/-125 ms"
    band_av = f"+{AV_SOUND_LEAD_MS:.0f}..-{AV_SOUND_LAG_MS:.0f} ms"
    container_ms = -1000.0 * audio_start + 0.0  # audio stream starting later = sound late (< 0)
    if audio is None or len(audio) == 0:
        return [_na("lipsync", "lip sync", ">= 0.40", src_lip, "no audio"),
                _na("av_offset", "A/V offset", band_av, src_av, "no audio")]
    shift = int(round(audio_start * sr))
    aligned = np.concatenate([np.zeros(shift, np.float32), audio]) if shift > 0 else audio[-shift:]
    envelope = speech_envelope(aligned, sr, tl.fps)[: tl.n]
    if len(envelope) < tl.n:
        envelope = np.concatenate([envelope, np.full(tl.n - len(envelope), np.nan)])
    series["loudness"] = envelope
    finite = envelope[np.isfinite(envelope)]
    if len(finite) == 0 or finite.std() < 1.0:  # under 1 dB of variation: no speech to follow
        return [_na("lipsync", "lip sync", ">= 0.40", src_lip, "no speech in the audio"),
                _na("av_offset", "A/V offset", band_av, src_av, "no speech in the audio")]
    max_lag = max(3, int(round(0.4 * tl.fps)))
    r = lipsync_score(openings, envelope, max_lag)
    offset_ms = 1000.0 * r.refined_lag_frames / tl.fps
    detail = {"best_lag_frames": r.best_lag_frames, "refined_lag_frames": r.refined_lag_frames,
              "r_at_zero": r.correlation_at_zero, "container_offset_ms": container_ms,
              "lags": r.lags.tolist(), "correlations": [round(c, 4) for c in r.correlations]}
    lip = Metric("lipsync", "lip sync", r.correlation_at_best,
                 f"r={r.correlation_at_best:.2f} at {r.best_lag_frames:+d} frames",
                 f">= {PASS_CORRELATION:.2f}", _judge(r.correlation_at_best >= PASS_CORRELATION),
                 src_lip, detail)
    if r.correlation_at_best < PASS_CORRELATION:
        av = _na("av_offset", "A/V offset", band_av, src_av,
                 f"lips do not follow the audio; container {container_ms:+.0f} ms")
    else:
        ok = -AV_SOUND_LAG_MS <= offset_ms <= AV_SOUND_LEAD_MS
        side = "sound first" if offset_ms > 0 else "sound late"
        av = Metric("av_offset", "A/V offset", offset_ms,
                    f"{offset_ms:+.0f} ms ({side}; container {container_ms:+.0f} ms)", band_av,
                    _judge(ok), src_av, {"container_offset_ms": container_ms,
                                         "lag_frames": r.refined_lag_frames})
    return [lip, av]


def jitter_metric(track: Track, tl: Timeline, series: dict) -> Metric:
    """Median frame-to-frame shake of the rigid-landmark centroid while the head is still.

    The centroid of 19 rigid points (eye corners, nose, cheeks, forehead) averages out the
    tracker's per-point noise (0.1 % of the eye-corner distance on a still image), and the second
    difference removes smooth head motion; what is left is shake. Per frame the value is
    |second difference| / sqrt(6) / eye distance, which for white positional noise equals its
    2D RMS amplitude. The median ignores tracker hiccups and fast natural head moves; a shake
    that lasts over half of the still frames still shows.
    """
    band, src = f"<= {JITTER_MAX:.1%} of eye distance", "calibrated on SyncNet clip + shaken stills"
    pts = tl.place(track.points[:, RIGID, :2].astype(np.float64))
    eyes = tl.place(np.linalg.norm(track.points[:, 33, :2] - track.points[:, 263, :2], axis=1))
    c = pts.mean(axis=1)
    d2 = np.full(tl.n, np.nan)
    d2[1:-1] = np.linalg.norm(c[2:] - 2 * c[1:-1] + c[:-2], axis=1) / np.sqrt(6)
    jit = d2 / eyes
    smooth = uniform_filter1d(np.nan_to_num(c), 9, axis=0)
    speed = np.full(tl.n, np.nan)
    speed[1:-1] = np.linalg.norm(smooth[2:] - smooth[:-2], axis=1) / 2 / eyes[1:-1]
    valid = np.isfinite(jit) & np.isfinite(speed)
    valid[:5] = valid[-5:] = False  # the smoothing window runs off the ends
    still = valid & (speed < STILL_SPEED)
    series["jitter"] = jit
    use, which = (still, "still frames") if still.sum() >= tl.fps else (valid, "all frames")
    if use.sum() < 10:
        return _na("jitter", "landmark jitter", band, src, "too few tracked frames")
    value = float(np.median(jit[use]))
    return Metric("jitter", "landmark jitter", value, f"{value:.2%} ({which}, {int(use.sum())})",
                  band, _judge(value <= JITTER_MAX), src, {"still_frames": int(still.sum())})


def eye_aspect(points: np.ndarray) -> np.ndarray:
    """Mean eye aspect ratio of both eyes (Soukupova & Cech 2016) on mesh points (n, 478, 2+)."""
    vals = []
    for a, b, c, d, e, f in _EYES:
        p = points[..., :2]
        num = (np.linalg.norm(p[:, b] - p[:, f], axis=-1) + np.linalg.norm(p[:, c] - p[:, e], axis=-1))
        vals.append(num / (2 * np.linalg.norm(p[:, a] - p[:, d], axis=-1)))
    return (vals[0] + vals[1]) / 2


def blinks(ear: np.ndarray, fps: float) -> tuple[list[tuple[int, int]], float]:
    """Blink events as (first, last) slots, and the open-eye baseline (median EAR).

    A blink is a run of frames under 70 % of the baseline (gaps of one frame bridged) whose
    deepest point goes under 55 %; runs over 1 s are eyes kept shut or looking down, not blinks.
    The returned span is widened to the frames under 85 % around the run, so its length
    approximates the whole lid movement (closing + closed + opening) that the 100-400 ms
    literature figures describe, rather than only the deepest part.
    """
    base = float(np.nanmedian(ear)) if np.isfinite(ear).any() else np.nan
    if not np.isfinite(base) or base <= 0:
        return [], base
    low = np.nan_to_num(ear, nan=base) < BLINK_CLOSED * base
    for i in range(1, len(low) - 1):  # bridge single-frame gaps
        if not low[i] and low[i - 1] and low[i + 1]:
            low[i] = True
    events, i = [], 0
    while i < len(low):
        if not low[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(low) and low[j + 1]:
            j += 1
        if np.nanmin(ear[i:j + 1]) < 0.55 * base and (j - i + 1) / fps <= 1.0:
            a, b = i, j
            while a > 0 and ear[a - 1] < BLINK_EDGE * base:
                a -= 1
            while b + 1 < len(ear) and ear[b + 1] < BLINK_EDGE * base:
                b += 1
            if not events or a > events[-1][1]:
                events.append((a, b))
        i = j + 1
    return events, base


def blink_metrics(track: Track, tl: Timeline, series: dict) -> list[Metric]:
    ear = tl.place(eye_aspect(track.points.astype(np.float64)))
    events, base = blinks(ear, tl.fps)
    series["eye_openness"] = ear / base if base and np.isfinite(base) else ear
    series["blinks"] = events
    span = tl.n / tl.fps
    rate = 60.0 * len(events) / span if span > 0 else 0.0
    band_r = f"{BLINK_RATE[0]:.0f}-{BLINK_RATE[1]:.0f} /min"
    src_r = "Bentivoglio 1997; Doughty 2001 (talking 10.5-32.5 /min)"
    if span < BLINK_MIN_SPAN_S:
        rate_m = Metric("blink_rate", "blink rate", rate, f"{rate:.0f}/min ({len(events)} in "
                        f"{span:.0f} s; n/a under {BLINK_MIN_SPAN_S:.0f} s)", band_r, NA, src_r)
    else:
        ok = BLINK_RATE[0] <= rate <= BLINK_RATE[1]
        rate_m = Metric("blink_rate", "blink rate", rate, f"{rate:.0f}/min ({len(events)} blinks)",
                        band_r, _judge(ok), src_r)
    band_d = f"{BLINK_DURATION_MS[0]:.0f}-{BLINK_DURATION_MS[1]:.0f} ms"
    src_d = "100-400 ms (Harvard BioNumbers 100706) +- 1 frame"
    if not events:
        return [rate_m, _na("blink_duration", "blink duration", band_d, src_d, "no blinks")]
    durations = [1000.0 * (j - i + 1) / tl.fps for i, j in events]
    med = float(np.median(durations))
    ok = BLINK_DURATION_MS[0] <= med <= BLINK_DURATION_MS[1]
    return [rate_m, Metric("blink_duration", "blink duration", med,
                           f"median {med:.0f} ms ({min(durations):.0f}-{max(durations):.0f})",
                           band_d, _judge(ok), src_d, {"durations_ms": durations})]


def identity_metrics(track: Track, tl: Timeline, reference: np.ndarray | None, ref_label: str,
                     series: dict) -> list[Metric]:
    band = f"<= {IDENTITY_MAX_SHARE:.0%} of samples > {SAME_PERSON_DISTANCE}"
    src = "dlib ResNet threshold 0.6 (99.38 % LFW)"
    band_p, src_p = f"median <= {SAME_PERSON_DISTANCE} in every yaw bin", src
    if reference is None or not track.embeddings:
        why = "no face embedding" if reference is not None or not track.embeddings else \
            "no reference face"
        return [_na("identity", "identity", band, src, why),
                _na("identity_pose", "identity by pose", band_p, src_p, why)]
    frames = np.array([i for i, _ in track.embeddings])
    dist = np.array([distance(e, reference) for _, e in track.embeddings])
    series["identity"] = (tl.slots[frames] / tl.fps, dist)
    share = float((dist > SAME_PERSON_DISTANCE).mean())
    ident = Metric("identity", "identity", share,
                   f"{share:.0%} over 0.6 (median {np.median(dist):.2f}, max {dist.max():.2f}, "
                   f"n={len(dist)}, vs {ref_label})", band, _judge(share <= IDENTITY_MAX_SHARE),
                   src, {"times_s": (tl.slots[frames] / tl.fps).round(3).tolist(),
                         "distances": dist.round(4).tolist(), "reference": ref_label})
    bins: dict[str, list[float]] = {}
    for f, d in zip(frames, dist):
        name = yaw_bin(track.yaw[f]) if np.isfinite(track.yaw[f]) else None
        if name:
            bins.setdefault(name, []).append(float(d))
    judged = {k: float(np.median(v)) for k, v in bins.items() if len(v) >= 3}
    order = [name for name, _, _ in YAW_BINS]
    text = ", ".join(f"{k} {judged[k]:.2f}" for k in order if k in judged)
    if not judged:
        pose = _na("identity_pose", "identity by pose", band_p, src_p, "under 3 samples a bin")
    else:
        worst = max(judged.values())
        pose = Metric("identity_pose", "identity by pose", worst, text, band_p,
                      _judge(worst <= SAME_PERSON_DISTANCE), src_p,
                      {"bins": {k: {"median": float(np.median(v)), "n": len(v)}
                                for k, v in bins.items()}})
    return [ident, pose]


def lighting_metrics(track: Track, tl: Timeline, series: dict) -> list[Metric]:
    L = track.light
    band_r, src_r = f"<= {LIGHT_RATIO_MAX:.1f}", "portrait lighting ratio <= 2:1 (1 stop)"
    band_c, src_c = f"<= {CLIP_MAX_SHARE:.0%} of skin", "EBU R103 signal range; project band"
    if len(L.get("face", [])) == 0 or not np.isfinite(L["face"]).any():
        return [_na("light_balance", "face light L/R", band_r, src_r, "no face samples"),
                _na("skin_clipping", "skin clipped/crushed", band_c, src_c, "no face samples")]
    series["face_luma"] = (tl.slots[L["frame"].astype(int)] / tl.fps, L["face"])
    lo, hi = np.minimum(L["left"], L["right"]), np.maximum(L["left"], L["right"])
    ratio = float(np.nanmedian(hi / np.maximum(lo, 1.0)))
    darker = "left" if np.nanmedian(L["left"]) < np.nanmedian(L["right"]) else "right"
    high, low = float(np.nanmean(L["high"])), float(np.nanmean(L["low"]))
    worst = max(high, low)
    return [Metric("light_balance", "face light L/R", ratio,
                   f"{ratio:.2f} (image-{darker} half darker)", band_r,
                   _judge(ratio <= LIGHT_RATIO_MAX), src_r),
            Metric("skin_clipping", "skin clipped/crushed", worst,
                   f"{high:.1%} clipped, {low:.1%} crushed", band_c,
                   _judge(worst <= CLIP_MAX_SHARE), src_c, {"clipped": high, "crushed": low})]


def frame_metrics(track: Track, tl: Timeline, series: dict) -> list[Metric]:
    """Dropped frames (single repeats and PTS gaps), the longest freeze, and flicker.

    A repeat is a frame with no visible change (largest luma change <= 6 on the half-size
    frame; x264 leaves up to ~5 on a re-encoded duplicate). A single repeat between two changing
    frames is a dropped frame papered over (motion judders); a run of repeats is a freeze, which
    synthetic faces show in pauses and which is judged by its length instead.
    """
    repeats = np.nan_to_num(track.diff_max, nan=np.inf) <= REPEAT_MAX_DIFF
    single = repeats.copy()
    single[1:] &= ~repeats[:-1]
    single[:-1] &= ~repeats[1:]
    if len(single):
        single[-1] = False  # the last frame has no "after" to judge by
    missing = int(tl.n - len(np.unique(tl.slots)))
    gaps = np.diff(tl.slots)
    series["repeats"] = tl.slots[single] / tl.fps
    series["gaps"] = tl.slots[1:][gaps > 1] / tl.fps
    run = longest = 0
    for r in repeats:
        run = run + 1 if r else 0
        longest = max(longest, run)
    freeze_s = (longest + 1) / tl.fps if longest > 1 else 0.0
    share = (int(single.sum()) + missing) / max(tl.n, 1)
    drop = Metric("dropped", "dropped frames", share,
                  f"{share:.1%} ({int(single.sum())} single repeats, {missing} missing in PTS)",
                  f"<= {DROP_MAX_SHARE:.1%}", _judge(share <= DROP_MAX_SHARE),
                  "project band (a render should drop none)",
                  {"repeated": int(single.sum()), "missing": missing, "fps": tl.fps})
    freeze = Metric("freeze", "longest freeze", freeze_s, f"{freeze_s:.2f} s",
                    f"<= {FREEZE_MAX_S:.1f} s", _judge(freeze_s <= FREEZE_MAX_S),
                    "project band (a talking face never stops)")
    luma = tl.place(track.luma)
    ok = np.isfinite(luma)
    filled = np.interp(np.arange(tl.n), np.where(ok)[0], luma[ok])  # bridge PTS gaps
    series["luma"] = luma
    ref = median_filter(filled, size=5, mode="nearest")
    rel = np.abs(filled - ref) / np.maximum(ref, 16.0)
    rel[~ok] = 0.0
    events = np.where(rel > FLICKER_REL)[0]
    series["flicker"] = events / tl.fps
    rate = len(events) / max(tl.n / tl.fps, 1e-6)
    flick = Metric("flicker", "flicker", rate,
                   f"{rate:.2f}/s ({len(events)} jumps > {FLICKER_REL:.0%}, max {rel.max():.1%})",
                   f"<= {FLICKER_MAX_RATE:.1f}/s", _judge(rate <= FLICKER_MAX_RATE),
                   "Weber fraction ~2-3 %; ITU-R BT.1702 flash limit 3/s")
    return [drop, freeze, flick]


def mouth_metric(series: dict, fps: float, has_speech: bool,
                 phones: list[tuple[str, float, float]] | None = None) -> Metric:
    """Mouth dynamics (``mouth_dynamics.py``): closed share and opening range over a talking
    clip, on the opening series the lip-sync row placed on the timeline."""
    from twincast.evaluation import mouth_dynamics as mdx

    lo, hi = mdx.CLOSED_SHARE_BAND
    band = f"closed {lo:.0%}-{hi:.0%} of frames, range >= {mdx.RANGE_MIN:.2f} eye widths"
    src = "SyncNet clip (real speech): closed 36 %, range 0.151; never-closing render 0 %, 0.08"
    openings = series.get("opening")
    if not has_speech or openings is None:
        return _na("mouth", "mouth dynamics", band, src, "no speech: judged on talking clips")
    md = mdx.measure(openings, fps, phones)
    if md.frames < mdx.MIN_FRAMES:
        return _na("mouth", "mouth dynamics", band, src, "too few tracked frames")
    ok, text = mdx.judge(md)
    return Metric("mouth", "mouth dynamics", md.closed_share, text, band, _judge(ok), src,
                  {**md.as_row(), "p5": md.p5, "p95": md.p95})


__all__ = ["Metric", "Timeline", "mouth_metric", "PASS", "FAIL", "NA", "face_metric", "lipsync_metrics",
           "jitter_metric", "eye_aspect", "blinks", "blink_metrics", "identity_metrics",
           "lighting_metrics", "frame_metrics", "ASR_MAX"]
