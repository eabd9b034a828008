"""The warp-damage measure (evaluation/warp.py) on real texture and on synthetic series. The
calibration on real footage (the genuine clip passes, its head sides stretched fail) is in
tests/test_check_calibration.py."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from twincast.evaluation.check_metrics import FAIL, PASS, Timeline
from twincast.evaluation.warp import REGIONS, STRETCH_MIN, anisotropy, warp_metrics


@pytest.fixture(scope="module")
def face(grace_rgb):
    g = cv2.cvtColor(grace_rgb, cv2.COLOR_RGB2GRAY)
    return g[200:420, 150:370]  # the face: glasses, wrinkles, skin


def test_anisotropy_drops_on_sideways_stretch_not_on_light_or_scale(face):
    mask = [np.ones(face.shape, bool)]
    base = anisotropy(face, mask)[0]
    h, w = face.shape
    stretched = cv2.resize(face[:, w // 4: 3 * w // 4], (w, h), interpolation=cv2.INTER_LINEAR)
    darker = (face * 0.5 + 20).astype(np.uint8)  # other light, less contrast
    small = cv2.resize(face, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    ratios = {"stretched 2x": anisotropy(stretched, mask)[0] / base,
              "darker": anisotropy(darker, mask)[0] / base,
              "0.6x": anisotropy(small, [np.ones(small.shape, bool)])[0] / base}
    print({k: round(v, 2) for k, v in ratios.items()})
    assert ratios["stretched 2x"] < STRETCH_MIN
    assert abs(ratios["darker"] - 1) < 0.05 and abs(ratios["0.6x"] - 1) < 0.2


def _series(yaw_deg: np.ndarray, values: np.ndarray):
    n = len(yaw_deg)
    warp = {"frame": np.arange(n), **{r: values[:, k] for k, r in enumerate(REGIONS)}}
    times = np.arange(n) / 12.5  # every 2nd frame of 25 fps
    tl = Timeline(12.5, np.arange(n), n)
    return warp, yaw_deg, tl, times


def test_warped_frames_are_counted_per_yaw_bin():
    rng = np.random.default_rng(0)
    yaw = np.repeat([0.0, 25.0, -25.0], 50)
    values = 1.0 + rng.normal(0, 0.05, (150, 4))
    values[50:80, 0] = 0.45  # 30 of 50 frames at yaw > 20: the image-left outside band streaks
    warp, yaw, tl, _ = _series(yaw, values)
    series: dict = {}
    (m,) = warp_metrics(warp, yaw, tl, series)
    assert m.status == FAIL and m.value == pytest.approx(0.6)
    assert m.display.startswith("60% warped in yaw>20")
    assert m.detail["bins"]["frontal"]["share"] == 0.0 and m.detail["bins"]["yaw<-20"]["share"] == 0
    values[50:80, 0] = 0.9  # the same clip without the streaks
    (m,) = warp_metrics(warp, yaw, tl, {})
    assert m.status == PASS and m.value == 0.0


def test_squeeze_is_judged_on_the_cheeks_only():
    """A far side that reads 1.7x at yaw > 20 in the bands outside the outline (hair and ear
    foreshortened, as on real footage turned 20 degrees) is not a fold; the same on a cheek is."""
    yaw = np.repeat([0.0, 25.0], 50)
    values = np.ones((100, 4))
    values[50:, 1] = 1.9  # outer_right
    (m,) = warp_metrics(*_series(yaw, values)[:3], {})
    assert m.status == PASS
    values[50:, 3] = 1.9  # cheek_right
    (m,) = warp_metrics(*_series(yaw, values)[:3], {})
    assert m.status == FAIL and m.detail["bins"]["yaw>20"]["compressed"] == 1.0


def test_scenery_beside_the_head_does_not_count_as_the_head(grace_rgb):
    """The bands outside the face outline are measured on the person only: the same head in
    front of vertical stripes instead of the flag reads the same, while a band that takes the
    scenery along changes (a flag's cord entering the band at a turn read as a squeeze)."""
    from twincast.avatar.build import person_mask
    from twincast.avatar.detect import find_one_face
    from twincast.evaluation.warp import WarpSampler

    person = person_mask(grace_rgb) > 127
    stripes = grace_rgb.copy()
    xx = np.arange(grace_rgb.shape[1])
    stripes[~person] = np.where(((xx // 3) % 2 == 0)[:, None], [240, 240, 240], [20, 20, 60])[
        np.nonzero(~person)[1]]
    pts = find_one_face(grace_rgb).landmarks.astype(np.float64)

    def outer(img, with_person):
        s = WarpSampler(every=1)
        s.add(0, cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), pts, img if with_person else None)
        r = s.result()
        return np.array([r["outer_left"][0], r["outer_right"][0]])

    person_only = outer(stripes, True) / outer(grace_rgb, True)
    whole_band = outer(stripes, False) / outer(grace_rgb, False)
    print(person_only.round(2), whole_band.round(2))
    assert np.all(np.abs(person_only - 1) < 0.25)
    assert np.any(np.abs(whole_band - 1) > 0.5)
