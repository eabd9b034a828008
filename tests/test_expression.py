"""Expression driving without a voice: presets, hashed randomness, chunk invariance, the pose
sweep, gesture shapes, and the periodicity measure itself (it must catch a robotic driver)."""

from __future__ import annotations

import numpy as np
import pytest

from twincast.driving import noise
from twincast.driving.drive import DriveConfig, controls_for, drive
from twincast.driving.emotion import EMOTIONS, emotion_named
from twincast.driving.gestures import Gesture, curves
from twincast.driving.stats import high_pass, peaks, periodicity
from twincast.errors import TwincastError

FPS = 25


def test_hashed_numbers_are_deterministic_uniform_and_independent_per_stream():
    a = noise.uniform(7, "x", np.arange(20000))
    assert np.array_equal(a, noise.uniform(7, "x", np.arange(20000)))
    assert 0 <= a.min() and a.max() < 1 and abs(a.mean() - 0.5) < 0.01 and abs(a.std() - 0.2887) < 0.01
    b = noise.uniform(7, "y", np.arange(20000))
    c = noise.uniform(8, "x", np.arange(20000))
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.03 and abs(np.corrcoef(a, c)[0, 1]) < 0.03
    z = noise.normal(1, "n", np.arange(20000))
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03


def test_smooth_noise_is_continuous_and_not_periodic():
    t = np.arange(0, 600, 1 / FPS)
    x = noise.fractal_noise(3, "s", t, 2.6)
    assert np.abs(np.diff(x)).max() < 0.1  # smooth at 25 fps
    height, _ = periodicity(x, FPS)
    assert height < 0.3


def test_presets_are_ordered_and_unknown_names_explain_themselves():
    n, w, e = (EMOTIONS[k] for k in ("neutral", "warm", "excited"))
    for field in ("smile_base", "smile_peak", "brow", "brow_share", "nod_deg", "beat_deg", "turn_deg"):
        assert getattr(n, field) < getattr(w, field) < getattr(e, field), field
    assert np.mean(n.blink_interval) > np.mean(w.blink_interval) > np.mean(e.blink_interval)
    assert DriveConfig().emotion is w and DriveConfig(emotion="excited").emotion is e
    with pytest.raises(TwincastError) as err:
        emotion_named("grumpy")
    assert "neutral" in err.value.fix and "grumpy" in err.value.problem


def test_motion_is_the_same_whatever_the_chunking():
    config = DriveConfig(seed=4, pose_sweep=True)
    whole = controls_for(None, 900, config, config.idle(), 0)
    motion = config.idle()
    motion.gaze.gaze(2000, 10)  # asking about the future first must not change the past
    parts = [controls_for(None, n, config, motion, s) for s, n in ((0, 137), (137, 400), (537, 363))]
    assert np.array_equal(whole.values, np.concatenate([p.values for p in parts]))


def test_idle_eyes_make_saccades_and_mostly_look_at_the_camera():
    track = drive(None, FPS * 120, DriveConfig(seed=2))
    gx, gy = track.column("gaze_x"), track.column("gaze_y")
    step = np.hypot(np.diff(gx), np.diff(gy))
    big = step > 0.05
    assert big.sum() >= 30  # dozens of saccades in two minutes
    on_camera = np.hypot(gx, gy) < 0.15
    assert 0.5 < on_camera.mean() < 0.95
    # a saccade takes one or two frames, not a slow drift
    moving = np.convolve(big, np.ones(3), "same") > 0
    assert moving.mean() < 0.25
    assert np.abs(gx).max() <= 1 and np.abs(gy).max() <= 1


def test_pose_sweep_reaches_every_limit_smoothly_and_never_beyond():
    track = drive(None, FPS * 120, DriveConfig(seed=5, pose_sweep=True))
    yaw, pitch, roll = (track.column(n) for n in ("yaw", "pitch", "roll"))
    assert yaw.max() >= 29 and yaw.min() <= -29 and np.abs(yaw).max() <= 30
    assert pitch.max() >= 14 and pitch.min() <= -14 and np.abs(pitch).max() <= 15
    assert roll.max() >= 9.5 and roll.min() <= -9.5 and np.abs(roll).max() <= 10
    assert np.abs(np.diff(yaw)).max() < 2.4  # at most ~60 deg/s: a head turn, not a jump
    # the check's yaw bins all get time: beyond +-20, +-8..20 and frontal
    share = lambda m: float(np.mean(m))  # noqa: E731
    assert share(yaw > 20) > 0.08 and share(yaw < -20) > 0.08
    assert share((yaw > 8) & (yaw <= 20)) > 0.04 and share((yaw < -8) & (yaw >= -20)) > 0.04
    assert share(np.abs(yaw) < 8) > 0.2
    assert periodicity(yaw, FPS)[0] < 0.5  # the visiting order changes every round


def test_head_stays_small_without_the_sweep():
    track = drive(None, FPS * 60, DriveConfig(seed=5))
    assert np.abs(track.column("yaw")).max() < 8 and np.abs(track.column("roll")).max() < 3


def test_gesture_shape_and_utterance_edges():
    g = Gesture("brow", 0.5, 0.7, 0.2, 1.3, 0.4)
    t = np.array([0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.1, 1.3, 1.5])
    c = g.curve(t)
    assert c[0] == 0 and c[1] == 0 and 0 < c[2] < 0.4 and c[3] == pytest.approx(0.4) and c[4] == pytest.approx(0.4)
    assert c[5] == pytest.approx(0.4) and 0 < c[6] < 0.4 and c[7] == pytest.approx(0) and c[8] == 0
    # a gesture that would run past the utterance end fades out instead of being cut
    late = curves([Gesture("pitch", 0.8, 0.95, 0.1, 1.6, 3.0)], 25, FPS)["pitch"]
    assert late[-1] == pytest.approx(0, abs=1e-6) and late.max() > 1.0
    assert np.abs(np.diff(late)).max() < 1.0


def test_periodicity_measure_catches_a_robotic_driver():
    n = FPS * 120
    t = np.arange(n) / FPS
    robotic_brow = np.zeros(n)
    for at in np.arange(1.0, 120, 2.0):  # a brow raise every 2 s
        robotic_brow += Gesture("brow", at - 0.2, at, 0.2, at + 0.6, 0.4).curve(t)
    assert periodicity(robotic_brow, FPS)[0] > 0.8
    sway = 1.6 * np.sin(2 * np.pi * 0.25 * t) + 0.4 * np.sin(2 * np.pi * 0.61 * t)
    assert periodicity(sway, FPS)[0] > 0.8
    ours = drive(None, n, DriveConfig(seed=11))
    for name in ("yaw", "pitch", "roll", "gaze_x", "gaze_y"):
        assert periodicity(ours.column(name), FPS)[0] < 0.5, name


def test_listener_nods_now_and_then():
    track = drive(None, FPS * 120, DriveConfig(seed=6))
    nods = peaks(high_pass(track.column("pitch"), FPS), 0.5, FPS)
    assert 8 <= len(nods) <= 50
    gaps = np.diff(nods) / FPS
    assert gaps.std() > 0.8  # random intervals, not a metronome
