"""Faces drawn at the size a camera shows them (render/scaled.py) look like the full canvas
shrunk, and the performer picks them per camera."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from twincast.render.face import FaceRenderer
from twincast.render.scaled import at_size, size_for
from twincast.render.stage import Camera, Stage


@pytest.fixture(scope="module")
def cast():
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel

    return {"host": AvatarModel.load(default_avatar_path()), "assistant": AvatarModel.load(default_assistant_path())}


def _controls(r: FaceRenderer, **values: float) -> np.ndarray:
    c = np.zeros(len(r.controls), np.float32)
    for name, v in values.items():
        c[r.controls.index(name)] = v
    return c


def _psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64))[where] ** 2).mean())
    return 10 * np.log10(255 ** 2 / max(mse, 1e-9))


def _mouth_gap(r: FaceRenderer, controls: np.ndarray) -> float:
    """Inner-lip opening at the lips' middle, in canvas widths."""
    lm = r.landmarks_for(controls)
    return float(abs(lm[14, 1] - lm[13, 1])) / r.size


def test_size_is_rounded_up_and_full_when_close():
    assert size_for(255, 512) == 256 and size_for(172, 512) == 176
    assert size_for(450, 512) == 512 and size_for(600, 512) == 512
    assert size_for(10, 512) == 64  # never a postage stamp to upscale


@pytest.mark.parametrize("name", ["host", "assistant"])  # closed-mouth photo; smiling photo with its own teeth
def test_small_canvas_matches_the_full_canvas_shrunk(cast, name):
    model = cast[name]
    full = FaceRenderer(model)
    for size in (256, 176):
        small = FaceRenderer(at_size(model, size))
        assert small.size == size and small.controls == full.controls
        poses = {"rest": {}, "open": {"jaw": 0.8, "teeth": 0.5},
                 "turned, blinking, smiling": {"yaw": 12.0, "jaw": 0.5, "blink_l": 0.7, "blink_r": 0.7, "smile": 0.5}}
        for label, values in poses.items():
            c = _controls(full, **values)
            ref = cv2.resize(full.render(c, with_mask=True, cutout=False), (size, size), interpolation=cv2.INTER_AREA)
            ref_matte = cv2.resize(full.mask, (size, size), interpolation=cv2.INTER_AREA)
            got = small.render(c, with_mask=True, cutout=False)
            assert got.shape == (size, size, 3) and small.mask.shape == (size, size)
            person = ref_matte > 128
            # measured 29-40 dB (turned: the head proxy is coarser on a small canvas); a
            # mis-scaled landmark set or plate gives < 20 dB
            assert _psnr(ref, got, person) > 27, (name, size, label)
            assert np.abs(ref_matte.astype(int) - small.mask.astype(int)).mean() < 2.0
            # the mouth opens as far, relative to the face
            assert abs(_mouth_gap(full, c) - _mouth_gap(small, c)) < 0.004, (name, size, label)


def test_video_avatars_are_not_rescaled(cast):
    from dataclasses import replace

    video = replace(cast["host"], meta={**cast["host"].meta, "kind": "video"})
    assert at_size(video, 256) is video
    assert at_size(cast["host"], 512) is cast["host"]


def test_performer_draws_each_face_at_the_size_its_camera_shows(cast):
    from twincast.show.performance import StagePerformer

    stage = Stage(cast)
    performer = StagePerformer(cast, stage, sink=None)
    size = lambda name, *cams: performer.renderer(name, *cams).size  # noqa: E731
    assert size("host", Camera.HOST) == 512  # the close-up shows the face at ~550 px
    assert size("host", Camera.PRODUCT) < 300  # beside the product: ~255 px
    assert size("assistant", Camera.PIP) < 200  # the picture-in-picture tile
    assert size("assistant", Camera.WIDE) < 512
    # a cross-fade draws at the larger of the two cameras' sizes
    assert size("host", Camera.PRODUCT, Camera.HOST) == 512
    # one renderer per (actor, size), shared between cameras
    assert performer.renderer("host", Camera.HOST) is performer.renderer("host", Camera.PIP)
    for cam in Camera:
        for name in stage.visible(cam):
            assert size(name, cam) >= min(stage.face_px(cam, name), 512)


def test_a_face_is_drawn_again_only_when_it_would_look_different(cast):
    """The listener's idle sway moves its controls by hundredths of a degree a frame: the last
    drawing is reused until a control moved a visible step (0.1 degree, 0.01 of a control);
    a jaw or blink change is drawn at once."""
    from twincast.show.performance import EXPRESSION_STEP, POSE_STEP_DEG, StagePerformer

    stage = Stage(cast)
    performer = StagePerformer(cast, stage, sink=None)
    r = performer.renderer("host", Camera.WIDE)
    c = np.zeros(len(r.controls), np.float32)
    first = performer.face("host", r, c, True)
    yaw, jaw = r.controls.index("yaw"), r.controls.index("jaw")
    c2 = c.copy()
    c2[yaw] = 0.5 * POSE_STEP_DEG
    assert performer.face("host", r, c2, True) is first  # an invisible step: reused
    c3 = c.copy()
    c3[jaw] = 2 * EXPRESSION_STEP
    moved = performer.face("host", r, c3, True)
    assert moved is not first and np.abs(moved[0].astype(int) - first[0].astype(int)).max() > 0
    assert performer.face("host", r, c3, False) is not moved  # the whole canvas is another drawing
    assert (performer.faces_drawn, performer.faces_reused) == (3, 1)


def test_idle_actors_are_drawn_on_fewer_frames_and_the_frames_still_move(cast):
    from twincast.show.performance import StagePerformer

    class Frames:
        def __init__(self) -> None:
            self.frames = []

        def write_frame(self, rgb) -> None:
            self.frames.append(rgb)

        def write_audio(self, mono) -> None:
            pass

    stage = Stage(cast)
    sink = Frames()
    performer = StagePerformer(cast, stage, sink)
    n = performer.perform("host", None, Camera.WIDE, None, None, seconds=3.0)
    assert n == len(sink.frames) == 75
    drawn, reused = performer.faces_drawn, performer.faces_reused
    assert drawn + reused == 2 * n and reused > 0.2 * drawn  # measured: about half reused
    # the picture still changes over the three seconds (sway, breathing, blinks)
    assert np.abs(sink.frames[0].astype(int) - sink.frames[-1].astype(int)).mean() > 0.05
