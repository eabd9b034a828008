"""Video avatar input handling on clips written with PyAV: rotation, variable frame rate, and the
bad inputs that must stop with a clear message (short, no audio, no face, two people)."""

from __future__ import annotations

import numpy as np
import pytest
from support.video_clips import faceless_clip, still_face_clip, syncnet_rotated, syncnet_twice, write_clip

from twincast.avatar.video.build import build_from_video
from twincast.avatar.video.probe import constant_rate_frames, probe_video
from twincast.errors import TwincastError


def _stamp(i: int) -> np.ndarray:
    """A 64x48 frame whose 10 blocks spell ``i`` in binary (survives H.264)."""
    img = np.full((48, 64, 3), 128, np.uint8)
    for bit in range(10):
        if (i >> bit) & 1:
            y, x = divmod(bit, 5)
            img[4 + y * 20:20 + y * 20, 2 + x * 12:12 + x * 12] = 255
        else:
            y, x = divmod(bit, 5)
            img[4 + y * 20:20 + y * 20, 2 + x * 12:12 + x * 12] = 0
    return img


def _read_stamp(img: np.ndarray) -> int:
    value = 0
    for bit in range(10):
        y, x = divmod(bit, 5)
        if img[4 + y * 20:20 + y * 20, 2 + x * 12:12 + x * 12].mean() > 128:
            value |= 1 << bit
    return value


def test_variable_frame_rate_is_resampled_by_timestamps(tmp_path):
    rng = np.random.default_rng(4)
    n = 700
    steps = rng.choice([15, 30, 40, 55, 80], n)  # ms: a phone slowing down and catching up
    pts = np.concatenate([[0], np.cumsum(steps[:-1])]).astype(int).tolist()
    path = write_clip(tmp_path / "vfr.mp4", [_stamp(i) for i in range(n)], 25, pts_ms=pts)
    info = probe_video(path)
    assert info.variable_rate
    assert info.duration == pytest.approx((pts[-1] + np.median(steps)) / 1000, abs=0.1)
    got = {k: _read_stamp(img) for k, img in constant_rate_frames(info)}
    assert len(got) == info.n_frames
    pts_arr = np.asarray(pts)
    for k in range(0, info.n_frames, 7):  # frame on screen at k/25 s: the last one that started
        expected = int(np.searchsorted(pts_arr, k * 40 + 1e-6, side="right") - 1)
        assert got[k] == expected, (k, got[k], expected)
    # resuming mid-file (a restarted build) gives the same frames
    tail = dict(constant_rate_frames(info, 300, 340))
    assert {k: _read_stamp(v) for k, v in tail.items()} == {k: got[k] for k in range(300, 340)}


def test_rotated_phone_video_is_turned_upright(tmp_path):
    from twincast.avatar.video.track import FaceTracker
    from twincast.evaluation.probe import iter_video_frames
    from twincast.evaluation.reference_media import syncnet_example

    path = syncnet_rotated(tmp_path / "phone.mp4")
    info = probe_video(path)
    assert info.rotation == 90
    upright = next(iter_video_frames(syncnet_example())).astype(np.float32)
    k, first = next(constant_rate_frames(info))
    assert np.abs(first.astype(np.float32) - upright).mean() < 6  # same picture, same way up
    with FaceTracker() as tracker:
        lm = None
        for k, rgb in constant_rate_frames(info, 0, 10):
            lm = tracker.measure(k, rgb)[0]
    assert np.isfinite(lm[0, 0])
    assert lm[159, 1] < lm[13, 1] < lm[152, 1]  # eye above mouth above chin


def test_clip_under_20_seconds_is_refused(tmp_path):
    from twincast.evaluation.reference_media import syncnet_example

    with pytest.raises(TwincastError) as err:
        build_from_video(syncnet_example(), tmp_path / "x.twin")
    assert "12." in err.value.problem and "20 s" in err.value.problem
    assert "3-5 minutes" in err.value.fix


def test_video_without_audio_track_is_refused_unless_a_voice_is_given(tmp_path, grace_rgb):
    path = still_face_clip(tmp_path / "mute.mp4", grace_rgb, seconds=21, audio=False)
    with pytest.raises(TwincastError) as err:
        build_from_video(path, tmp_path / "x.twin")
    assert "no audio track" in err.value.problem and "--voice-profile" in err.value.fix
    assert not (tmp_path / "x.twin").exists()


def test_video_without_a_face_is_refused(tmp_path):
    path = faceless_clip(tmp_path / "wall.mp4", seconds=21)
    with pytest.raises(TwincastError) as err:
        build_from_video(path, tmp_path / "x.twin")
    assert "no face" in err.value.problem


def test_two_people_are_refused(tmp_path, grace_rgb):
    path = still_face_clip(tmp_path / "two.mp4", grace_rgb, seconds=21, two=True)
    with pytest.raises(TwincastError) as err:
        build_from_video(path, tmp_path / "x.twin")
    assert "two or more people" in err.value.problem and "alone" in err.value.fix


def test_cli_prints_the_problem_not_a_traceback(tmp_path):
    import subprocess
    import sys

    from twincast.evaluation.reference_media import syncnet_example

    proc = subprocess.run([sys.executable, "-m", "twincast.cli", "avatar", "build", str(syncnet_example()),
                           "-o", str(tmp_path / "x.twin")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    text = " ".join(proc.stderr.split())  # rich wraps long lines
    assert "error:" in text and "at least 20 s" in text and "fix:" in text and "Traceback" not in text


def test_syncnet_twice_helper_makes_a_long_enough_clip(tmp_path):
    info = probe_video(syncnet_twice(tmp_path / "sn2.mp4"))
    assert info.duration > 25 and info.has_audio and not info.variable_rate and info.rotation == 0
