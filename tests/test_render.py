"""The face renderer and compositor on a real avatar: identity, seams, mouth, eyes, labels."""

from __future__ import annotations

import numpy as np
import pytest

from twincast.avatar import topology as T
from twincast.render.compose import Compositor, Layout


def controls(renderer, **values) -> np.ndarray:
    c = np.zeros(len(renderer.controls), np.float32)
    for k, v in values.items():
        c[renderer.controls.index(k)] = v
    return c


def mouth_box(renderer, pad=6):
    lm = renderer.model.landmarks[:, :2]
    lips = renderer.model.regions["upper_outer"] + renderer.model.regions["lower_outer"]
    (x0, y0), (x1, y1) = lm[lips].min(0), lm[lips].max(0)
    return slice(int(y0) - pad, int(y1) + 40), slice(int(x0) - pad, int(x1) + pad)


def test_zero_controls_reproduce_the_photo(renderer):
    out = renderer.render(controls(renderer))
    diff = np.abs(out.astype(int) - renderer.source.astype(int))
    assert diff.mean() < 0.5 and np.percentile(diff, 99.9) <= 2


def test_canvas_border_never_moves(renderer):
    out = renderer.render(controls(renderer, jaw=1, wide=1, yaw=3, pitch=-3, roll=3, blink_l=1, brow=1))
    src = renderer.source
    for edge in (np.s_[:1], np.s_[-1:], np.s_[:, :1], np.s_[:, -1:]):
        assert np.abs(out[edge].astype(int) - src[edge].astype(int)).max() <= 2
    # and the motion tapers off toward the edge instead of stopping at a hard line
    band = np.s_[:12]
    assert np.abs(out[band].astype(int) - src[band].astype(int)).mean() < 3


def test_open_mouth_shows_dark_cavity_and_teeth(renderer):
    box = mouth_box(renderer)
    closed = renderer.render(controls(renderer))[box].astype(float)
    opened = renderer.render(controls(renderer, jaw=0.7, teeth=0.5))[box].astype(float)
    lum_c, lum_o = closed.mean(2), opened.mean(2)
    dark_gain = (lum_o < 60).sum() - (lum_c < 60).sum()
    assert dark_gain > 150  # a real opening, not a stretched lip
    r, g, b = opened[..., 0], opened[..., 1], opened[..., 2]
    teeth = (lum_o > 150) & (np.abs(r - b) < 70) & (np.abs(r - g) < 45)
    teeth_closed = (lum_c > 150) & (np.abs(closed[..., 0] - closed[..., 2]) < 70) & (np.abs(closed[..., 0] - closed[..., 1]) < 45)
    assert teeth.sum() - teeth_closed.sum() > 40


def test_opening_grows_with_jaw(renderer):
    box = mouth_box(renderer)
    dark = [(renderer.render(controls(renderer, jaw=j))[box].mean(2) < 60).sum() for j in (0.0, 0.25, 0.5, 0.8)]
    assert dark == sorted(dark) and dark[-1] > dark[1] * 2


def test_rounding_narrows_the_mouth(renderer):
    def width(c):
        lm = renderer.landmarks_for(c)
        return lm[T.MOUTH_RIGHT, 0] - lm[T.MOUTH_LEFT, 0]

    assert width(controls(renderer, round=1)) < 0.9 * width(controls(renderer))
    assert width(controls(renderer, wide=1)) > 1.1 * width(controls(renderer))


@pytest.mark.parametrize("eye,arcs", [("blink_r", ("right_upper", "right_lower")), ("blink_l", ("left_upper", "left_lower"))])
def test_blink_covers_the_eye_with_a_lid(renderer, eye, arcs):
    up, lo = (renderer.model.regions[a] for a in arcs)
    lm = renderer.landmarks_for(controls(renderer))
    y0, y1 = int(lm[up, 1].min()) - 1, int(lm[lo, 1].max()) + 1
    x0, x1 = int(lm[up + lo, 0].min()) + 2, int(lm[up + lo, 0].max()) - 2
    open_eye = renderer.render(controls(renderer))[y0:y1, x0:x1].astype(float)
    shut = renderer.render(controls(renderer, **{eye: 1}))[y0:y1, x0:x1].astype(float)
    half = renderer.render(controls(renderer, **{eye: 0.5}))[y0:y1, x0:x1].astype(float)
    dark = lambda img: (img.mean(2) < 70).sum()  # noqa: E731 - iris and pupil
    assert dark(open_eye) > 30
    assert dark(shut) < 0.5 * dark(open_eye)  # the iris is covered, not squeezed
    assert dark(shut) <= dark(half) <= dark(open_eye)
    # the lid takes the person's skin tone: the shut eye is close in colour to the skin below it
    below = renderer.render(controls(renderer))[y1 + 2:y1 + 8, x0:x1].astype(float).mean((0, 1))
    assert np.abs(shut.mean((0, 1)) - below).max() < 45


def test_compositor_places_face_and_labels(grace_model, renderer):
    comp = Compositor(grace_model, Layout())
    canvas = renderer.render(controls(renderer))
    frame = comp.compose(canvas, "你好，欢迎来到直播间")
    assert frame.shape == (1280, 720, 3)
    # the AI label's dark box with white text sits top-right
    corner = frame[10:70, 400:710].astype(int)
    assert (corner.mean(2) > 200).sum() > 200
    plain = comp.compose(canvas, None)
    sub_region = np.s_[int(1280 * 0.8):int(1280 * 0.8) + 60, 100:620]
    assert np.abs(frame[sub_region].astype(int) - plain[sub_region].astype(int)).mean() > 10
    # no visible seam: the pasted canvas border matches the plate around it
    x, y = comp.canvas_xy
    s = comp.canvas_px
    inside = plain[y + s // 2, x + 2:x + 8].astype(int)
    outside = plain[y + s // 2, x - 6:x].astype(int)
    assert np.abs(inside.mean(0) - outside.mean(0)).max() < 25


def test_ai_label_can_be_turned_off(grace_model, renderer):
    canvas = renderer.render(controls(renderer))
    on = Compositor(grace_model, Layout()).compose(canvas)
    off = Compositor(grace_model, Layout(ai_label=False)).compose(canvas)
    assert np.abs(on[10:70, 400:710].astype(int) - off[10:70, 400:710].astype(int)).mean() > 10


def test_vertical_1080(grace_model, renderer):
    frame = Compositor(grace_model, Layout(1080, 1920)).compose(renderer.render(controls(renderer)), "hello")
    assert frame.shape == (1920, 1080, 3)
