"""Large head poses through the 3D head proxy, checked on real renders of the default photo.

A face tracker (mediapipe, the same one `twincast check` uses) reads the rendered pictures:
the head must turn the way it is told, the lips must open with the jaw at every pose and stay
where the mesh says, a turned head must reveal a filled background (not streaks of stretched
hair), and the outline of head and hair must not grow a seam.
"""

from __future__ import annotations

import numpy as np
import pytest

from twincast.avatar import topology as T
from twincast.avatar.detect import detect_faces
from twincast.evaluation.lipsync import mouth_opening

POSES = [("yaw", 30.0), ("yaw", -30.0), ("pitch", 15.0), ("pitch", -15.0), ("roll", 10.0), ("roll", -10.0)]


def controls(renderer, **values) -> np.ndarray:
    c = np.zeros(len(renderer.controls), np.float32)
    for k, v in values.items():
        c[renderer.controls.index(k)] = v
    return c


def tracked(img: np.ndarray):
    faces = detect_faces(img)
    assert faces, "the tracker lost the face"
    return max(faces, key=lambda f: f.width)


@pytest.fixture(scope="module")
def frontal(renderer):
    return tracked(renderer.render(controls(renderer)))


@pytest.mark.parametrize("axis,deg", POSES)
def test_tracked_head_pose_follows_the_command(renderer, frontal, axis, deg):
    face = tracked(renderer.render(controls(renderer, **{axis: deg})))
    delta = {a: getattr(face, a) - getattr(frontal, a) for a in ("yaw", "pitch", "roll")}
    print(axis, deg, {a: round(v, 1) for a, v in delta.items()})
    assert np.sign(delta[axis]) == np.sign(deg)
    assert 0.5 * abs(deg) <= abs(delta[axis]) <= 1.6 * abs(deg)
    for other in set(delta) - {axis}:  # a turn is not also a tilt or a nod
        assert abs(delta[other]) < 0.5 * abs(deg) + 3


@pytest.mark.parametrize("axis,deg", POSES + [("yaw", 0.0)])
def test_lips_open_with_the_jaw_and_stay_on_the_mesh(renderer, axis, deg):
    closed = tracked(renderer.render(controls(renderer, **{axis: deg})))
    c = controls(renderer, **{axis: deg}, jaw=0.7, teeth=0.4)
    opened = tracked(renderer.render(c))
    gap_closed, gap_open = mouth_opening(closed.landmarks), mouth_opening(opened.landmarks)
    print(axis, deg, round(gap_closed, 3), round(gap_open, 3))
    assert gap_open > gap_closed + 0.08
    # the painted mouth sits where the turned mesh puts the lips
    ours = renderer.landmarks_for(c)
    eye = np.linalg.norm(ours[T.EYE_R_OUTER] - ours[T.EYE_L_OUTER])
    for i in (T.UPPER_INNER_MID, T.LOWER_INNER_MID, T.MOUTH_LEFT, T.MOUTH_RIGHT):
        assert np.linalg.norm(opened.landmarks[i, :2] - ours[i]) < 0.09 * eye


@pytest.mark.parametrize("deg", [30.0, -30.0])
def test_turned_head_reveals_a_still_filled_background(renderer, deg):
    import cv2

    out = renderer.render(controls(renderer, yaw=deg), with_mask=True)
    revealed = (renderer.source_mask > 160) & (renderer.mask < 20)
    assert revealed.sum() > 1500  # the head really moved off part of where it was
    # where the head was, the plate shows: painted-out background, no stretched hair
    assert np.abs(out[revealed].astype(int) - renderer.plate[revealed].astype(int)).mean() < 4
    # the background around the head stays where it is. A plain warp of the photo (what the
    # renderer did before the layers) drags it along with the head instead.
    weight = cv2.resize(renderer._pose.proxy.weight, (renderer.size,) * 2)
    around = (renderer.source_mask < 5) & (renderer.mask < 5) & (weight > 0.3)
    mx, my = renderer._pose.full_map(*renderer._pose.clamp(deg, 0, 0))
    plain = cv2.remap(renderer.source, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    moved = lambda img: np.abs(img[around].astype(int) - renderer.source[around].astype(int)).mean()  # noqa: E731
    print(deg, revealed.sum(), around.sum(), round(moved(out), 2), round(moved(plain), 2))
    assert around.sum() > 5000
    assert moved(out) < 1.0 and moved(plain) > 8


def _outline_gradient(img: np.ndarray, matte: np.ndarray) -> float:
    import cv2

    band = (matte > 40) & (matte < 215)
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mag = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))
    return float(mag[band].mean())


@pytest.mark.parametrize("axis,deg", POSES)
def test_no_seam_along_the_head_and_hair_outline(renderer, axis, deg):
    frontal = _outline_gradient(renderer.render(controls(renderer)), renderer.source_mask)
    out = renderer.render(controls(renderer, **{axis: deg}), with_mask=True)
    turned = _outline_gradient(out, renderer.mask)
    print(axis, deg, round(frontal, 1), round(turned, 1))
    assert 0.6 * frontal < turned < 1.35 * frontal


def test_turning_is_smooth_across_the_pose_grid(renderer):
    frames = [renderer.render(controls(renderer, yaw=y, pitch=0.4 * y)).astype(np.int16)
              for y in np.arange(-30, 30.1, 1.5)]
    steps = np.array([np.abs(b - a).mean() for a, b in zip(frames, frames[1:])])
    print(steps.round(2))
    assert steps.max() < 2.2 * np.median(steps)  # no jump where the grid maps change
    base = renderer.render(controls(renderer)).astype(np.int16)
    tiny = renderer.render(controls(renderer, yaw=0.01, roll=0.01)).astype(np.int16)
    assert np.abs(tiny - base).mean() < 0.3  # and no jump leaving the frontal fast path


def test_a_twin_without_a_stored_plate_still_renders(grace_model, renderer):
    import copy

    from twincast.render import layers
    from twincast.render.face import FaceRenderer

    assert layers.PLATE_EXTRA in grace_model.extras
    old = copy.copy(grace_model)
    old.extras = {}
    r = FaceRenderer(old)
    c = controls(r, yaw=20, jaw=0.4)
    assert np.array_equal(r.plate, renderer.plate)
    assert np.abs(r.render(c).astype(int) - renderer.render(c).astype(int)).max() <= 1


def test_frontal_layers_reproduce_the_photo(grace_model):
    from twincast.render.face import FaceRenderer

    r = FaceRenderer(grace_model, relight="none")
    diff = np.abs(r.source.astype(int) - grace_model.canvas_image.astype(int))
    assert diff.mean() < 0.3 and diff.max() <= 4
    assert np.array_equal(r.render(controls(r)), r.source)


def test_pose_maps_come_back_from_the_disk_cache(grace_model, renderer):
    from twincast import paths
    from twincast.render import layers, pose3d

    files = list((paths.home() / "pose").glob("*.npz"))
    assert files
    pose3d._MEMORY.clear()
    again = pose3d.pose_maps(grace_model.landmarks, layers.canvas_matte(grace_model), grace_model.render_size)
    assert np.array_equal(again.grid, renderer._pose.grid)
