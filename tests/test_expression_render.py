"""Expression on real renders: the new gaze controls move the irises as a face tracker sees
them, an avatar saved before gaze existed still loads and renders, and `twincast say` takes
--emotion and --pose-sweep (a bad preset is a clear error)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from twincast.avatar import topology as T
from twincast.avatar.model import AvatarModel, Rig
from twincast.render.factory import renderer_for

pytestmark = pytest.mark.slow


def _mesh(rgb: np.ndarray) -> np.ndarray:
    import mediapipe as mp

    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True, max_num_faces=1) as fm:
        res = fm.process(rgb)
    assert res.multi_face_landmarks, "no face on the render"
    h, w = rgb.shape[:2]
    return np.array([(p.x * w, p.y * h) for p in res.multi_face_landmarks[0].landmark])


def _iris_in_eye(pts: np.ndarray) -> np.ndarray:
    """Tracked iris centres relative to their eye corners, in pixels (mean of both eyes)."""
    r = pts[T.IRIS_R] - 0.5 * (pts[T.EYE_R_OUTER] + pts[T.EYE_R_INNER])
    left = pts[T.IRIS_L] - 0.5 * (pts[T.EYE_L_OUTER] + pts[T.EYE_L_INNER])
    return 0.5 * (r + left)


def _dark_centroid(rgb: np.ndarray, model: AvatarModel) -> np.ndarray:
    """Centroid of the darkest fifth of the pixels inside each eye opening (the iris and pupil),
    mean of both eyes: a measurement that needs no tracker."""
    import cv2

    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    out = []
    for side in ("right", "left"):
        poly = model.landmarks[model.regions[f"{side}_upper"] + model.regions[f"{side}_lower"][::-1], :2]
        mask = np.zeros(grey.shape, np.uint8)
        cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
        ys, xs = np.nonzero(mask)
        vals = grey[ys, xs]
        dark = vals <= np.percentile(vals, 20)
        out.append([xs[dark].mean(), ys[dark].mean()])
    return np.mean(out, axis=0)


def test_gaze_moves_the_irises_and_leaves_the_eye_corners(grace_model):
    r = renderer_for(grace_model)
    assert "gaze_x" in r.controls and "gaze_y" in r.controls

    def render(**kw):
        c = np.zeros(len(r.controls), np.float32)
        for k, v in kw.items():
            c[r.controls.index(k)] = v
        return r.render(c)

    frames = {k: render(**kw) for k, kw in (("base", {}), ("right", {"gaze_x": 0.8}), ("left", {"gaze_x": -0.8}),
                                              ("up", {"gaze_y": 0.8}), ("down", {"gaze_y": -0.8}))}
    dark = {k: _dark_centroid(f, grace_model) for k, f in frames.items()}
    assert dark["right"][0] - dark["left"][0] > 3.0  # px on the 512 px canvas (a still eye: < 0.1)
    assert dark["left"][0] < dark["base"][0] < dark["right"][0]
    assert dark["up"][1] - dark["down"][1] < -1.5  # image y grows downward
    # the face tracker agrees on the direction
    mesh = {k: _mesh(f) for k, f in frames.items() if k in ("base", "right", "left")}
    assert _iris_in_eye(mesh["right"])[0] - _iris_in_eye(mesh["left"])[0] > 1.0
    # only the eyes move: the skin beside the eye corners, the nose and the brows keep their pixels
    lm = grace_model.landmarks[:, :2]
    beside = [lm[T.EYE_R_OUTER] + (lm[T.EYE_R_OUTER] - lm[T.EYE_R_INNER]) * 0.25,
              lm[T.EYE_L_OUTER] + (lm[T.EYE_L_OUTER] - lm[T.EYE_L_INNER]) * 0.25, lm[T.NOSE_TIP], lm[105], lm[334]]
    for k in ("right", "left", "up", "down"):
        for x, y in np.round(beside).astype(int):
            patch = lambda f: f[y - 5:y + 6, x - 5:x + 6].astype(np.float32)  # noqa: E731
            assert np.abs(patch(frames[k]) - patch(frames["base"])).mean() < 2.0, (k, x, y)
    changed = np.abs(frames["right"].astype(np.int16) - frames["base"]).max(axis=2) > 8
    ys, xs = np.nonzero(changed)
    eyes = lm[grace_model.regions["right_upper"] + grace_model.regions["left_upper"]]
    assert ys.min() > eyes[:, 1].min() - 15 and ys.max() < eyes[:, 1].max() + 25  # a band around the eyes


def _without_gaze(model: AvatarModel) -> AvatarModel:
    keep = [i for i, c in enumerate(model.rig.controls) if not c.startswith("gaze")]
    rig = Rig(model.rig.vertices, model.rig.displacements[keep], tuple(model.rig.controls[i] for i in keep),
              model.rig.n_landmarks)
    return AvatarModel(model.image, model.canvas_box, model.render_size, model.landmarks, model.triangles, rig,
                       model.regions, model.colors, dict(model.meta), model.mask)


def test_an_avatar_saved_before_gaze_still_loads_and_renders(grace_model, tmp_path):
    from twincast.driving.drive import DriveConfig, controls_for

    path = _without_gaze(grace_model).save(tmp_path / "old.twin")
    old = AvatarModel.load(path)
    assert "gaze_x" not in old.rig.controls
    r = renderer_for(old)
    config = DriveConfig(seed=3, emotion="excited")
    track = controls_for(None, 250, config, config.idle(), 0)
    k = int(np.argmax(np.abs(track.column("gaze_x"))))
    assert abs(track.column("gaze_x")[k]) > 0.1  # the driver asks for eye movement ...
    rows = track.reorder(r.controls)
    frames = [r.render(rows[i]) for i in range(0, 250, 25)]
    assert all(f.shape == (old.render_size, old.render_size, 3) for f in frames)
    # ... and this avatar simply has no field for it: same pixels as without gaze
    no_gaze = track.values.copy()
    for name in ("gaze_x", "gaze_y"):
        no_gaze[:, track.names.index(name)] = 0
    from twincast.driving.track import ControlTrack

    plain = ControlTrack(no_gaze, track.names, track.fps).reorder(r.controls)
    assert np.array_equal(r.render(rows[k]), r.render(plain[k]))


def test_say_rejects_an_unknown_emotion():
    res = subprocess.run([sys.executable, "-m", "twincast.cli", "say", "--text", "hi", "--emotion", "grumpy",
                          "-o", "/dev/null"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    # the flag is checked like the config file's stage.emotion: the key, the value and the choices
    assert "emotion" in res.stderr and "grumpy" in res.stderr and "neutral" in res.stderr
    assert "Traceback" not in res.stderr


def test_say_with_pose_sweep_turns_the_rendered_head(tmp_path):
    from twincast.evaluation.tracking import track_video

    out = tmp_path / "sweep.mp4"
    res = subprocess.run([sys.executable, "-m", "twincast.cli", "say", "--text",
                          "This blue jacket is light, warm and only forty dollars today. Look at the stitching!",
                          "--lang", "en", "--emotion", "excited", "--pose-sweep", "-o", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    track = track_video(out, 20)
    yaw = track.yaw[np.isfinite(track.yaw)]
    assert len(yaw) > 0.8 * len(track.yaw)
    assert yaw.max() - yaw.min() > 20  # the tracker sees the head turn both ways
