"""Laying a body layer by solid copy + soft-outline blend (render/cutout.py) gives exactly the
pixels of ``cv2.blendLinear`` over the whole layer (the straightforward way the stage did it),
for the real avatars at every camera, breathing, leaning and clipped to a face square."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from twincast.avatar.defaults import default_assistant_path, default_avatar_path
from twincast.avatar.model import AvatarModel
from twincast.render.cutout import Cutout, soft_rects
from twincast.render.stage import Camera, Stage


@pytest.fixture(scope="module")
def stage():
    actors = {"host": AvatarModel.load(default_avatar_path()), "assistant": AvatarModel.load(default_assistant_path())}
    return Stage(actors, 720, 1280)


def _reference(frame: np.ndarray, m, rect=None) -> np.ndarray:
    """blendLinear over the whole moved layer, then only the part inside ``rect`` kept."""
    out = frame.copy()
    lx, ly = m.xy
    rgb = np.ascontiguousarray(m.rgb)
    w1 = np.ascontiguousarray(m.cut.w1[m.top:m.stop])
    w0 = np.ascontiguousarray(m.cut.w0[m.top:m.stop])
    lh, lw = rgb.shape[:2]
    out[ly:ly + lh, lx:lx + lw] = cv2.blendLinear(rgb, out[ly:ly + lh, lx:lx + lw], w1, w0)
    if rect is not None:
        x0, y0, x1, y1 = rect
        keep = frame.copy()
        keep[y0:y1, x0:x1] = out[y0:y1, x0:x1]
        out = keep
    return out


def test_soft_rects_cover_every_soft_pixel_and_little_else(stage):
    for cam in Camera:
        for name in stage.visible(cam):
            alpha = stage._place(cam, name).alpha
            covered = np.zeros(alpha.shape, bool)
            for y0, y1, x0, x1 in soft_rects(alpha):
                covered[y0:y1, x0:x1] = True
            soft = (alpha > 0) & (alpha < 255)
            assert soft.any() and covered[soft].all(), f"{cam.value}/{name}: a soft pixel outside every rectangle"
            assert covered.mean() < 0.35, f"{cam.value}/{name}: rectangles cover {covered.mean():.2f} of the layer"


@pytest.mark.parametrize("cam", list(Camera))
def test_laying_a_moved_body_equals_blending_the_whole_layer(stage, cam):
    rng = np.random.default_rng(7)
    for name in stage.visible(cam):
        layer = stage._place(cam, name)
        # at rest, breathing in and out (whole-pixel shifts), leaning (a warp) and both
        for rise, lean in ((0.0, 0.0), (0.03, 0.0), (-0.03, 0.0), (0.0, 0.02), (0.02, -0.015)):
            m = layer.moved(rise, lean)
            frame = rng.integers(0, 256, (1280, 720, 3), dtype=np.uint8)
            got = frame.copy()
            m.over(got)
            assert np.array_equal(got, _reference(frame, m)), f"{cam.value}/{name} rise {rise} lean {lean}"
            # only inside a square (the stage re-lays a front body inside another's face square)
            fx, fy, fs, _ = layer.face_rect
            rect = (max(0, fx - fs // 3), max(0, fy + fs // 2), min(720, fx + fs), min(1280, fy + 2 * fs))
            got = frame.copy()
            m.over(got, *rect)
            assert np.array_equal(got, _reference(frame, m, rect)), f"{cam.value}/{name} clipped"


def test_a_cutout_refuses_a_frame_part_of_the_wrong_size():
    alpha = np.full((10, 12), 128, np.uint8)
    cut = Cutout.of(np.zeros((10, 12, 3), np.uint8), alpha)
    with pytest.raises(ValueError, match="does not match"):
        cut.over(np.zeros((9, 12, 3), np.uint8))
