"""Every jaw value opens the same share of the face on every avatar, small openings included.

Issue 19: the jaw was calibrated on the open vowels only, and on lips that press together at
small openings (a dev portrait with pressed lips) jaw 0.1 still read closed to the check's
tracker, so such faces read "closed" far more often while talking than open smiles did. The
build now reads held jaw values as a clip shows them and maps each to the one that opens
``JAW_OPEN_EW`` eye widths per unit (``calibrate.jaw_curve``); the renderer applies the map.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from support.portraits import portrait_or_skip

LEVELS = (0.1, 0.2, 0.5, 1.0)


@pytest.fixture(scope="module")
def pressed():
    from twincast.avatar.build import build_from_photo

    return build_from_photo(portrait_or_skip("feat_pressed"))


def _unmapped(model):
    return replace(model, meta={k: v for k, v in model.meta.items() if k != "jaw_map"})


def test_the_map_is_monotone_and_bounded(pressed):
    from twincast.avatar.calibrate import CURVE_LIMITS

    jaw_map = pressed.meta["jaw_map"]
    asked, rendered = np.asarray(jaw_map["asked"]), np.asarray(jaw_map["rendered"])
    assert asked[0] == rendered[0] == 0.0
    assert np.all(np.diff(rendered) >= 0), jaw_map
    lo, hi = CURVE_LIMITS
    assert np.all(rendered[1:] >= lo * asked[1:] - 1e-6) and np.all(rendered[1:] <= hi * asked[1:] + 1e-6)
    # pressed lips: a small opening has to be asked for with more jaw
    assert np.interp(0.1, asked, rendered) > 0.12, jaw_map


def test_small_openings_read_open_with_the_map_and_closed_without(pressed):
    from twincast.avatar.calibrate import JAW_OPEN_EW, held_openings
    from twincast.evaluation.mouth_dynamics import CLOSED_GAP

    mapped = held_openings(pressed, LEVELS)
    plain = held_openings(_unmapped(pressed), LEVELS)
    assert mapped[0] < CLOSED_GAP and plain[0] < CLOSED_GAP  # the rest stays closed
    assert plain[1] < CLOSED_GAP, plain  # without the map jaw 0.1 reads closed on these lips
    for level, got in zip(LEVELS, mapped[1:]):
        want = JAW_OPEN_EW * level
        assert 0.6 * want <= got <= 1.5 * want, (level, got, want, mapped)


def test_closed_and_pressed_jaw_are_left_alone(pressed):
    """p/b/m and pauses render at jaw 0 (or below): the map must not open them."""
    from twincast.render.face import FaceRenderer

    with_map, without = FaceRenderer(pressed), FaceRenderer(_unmapped(pressed))
    c = np.zeros(len(with_map.controls), np.float32)
    ji = with_map.controls.index("jaw")
    for j in (0.0, -0.2):
        c[ji] = j
        assert np.array_equal(with_map.render(c), without.render(c))
    c[ji] = 0.1
    assert not np.array_equal(with_map.render(c), without.render(c))
