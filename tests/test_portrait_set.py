"""The held-out portrait set (issue 19) loads from its packages as fixed: every crop holds
exactly the one face it was chosen for, large enough to build (the boxes are in the source's
pixels, so a package that changed its photo would show here, not as a silent skip in the
benchmark). Only detection runs: nothing is rendered or tuned on these photos."""

from __future__ import annotations

import pytest

from twincast.errors import TwincastError

pytestmark = pytest.mark.slow


def test_every_cropped_portrait_holds_one_buildable_face():
    from twincast.avatar.detect import find_one_face, load_photo
    from twincast.evaluation.portraits import PORTRAITS, portrait_path

    cropped = [p for p in PORTRAITS if p.crop is not None and p.expect == "build"]
    assert len(cropped) >= 5
    for p in cropped:
        try:
            photo = portrait_path(p)
        except (TwincastError, OSError) as exc:
            pytest.skip(f"{p.name}: package unavailable ({exc})")
        face = find_one_face(load_photo(photo), source=p.name)  # raises on 0 or 2+ faces
        assert face.width >= 120, (p.name, face.width)


def test_the_held_out_set_is_separate_and_large_enough():
    from twincast.evaluation.portraits import PORTRAITS

    held = [p for p in PORTRAITS if p.split == "held-out"]
    dev = {p.member + str(p.crop) for p in PORTRAITS if p.split == "dev"}
    assert len([p for p in held if p.expect == "build"]) >= 6
    assert not any(p.member + str(p.crop) in dev for p in held)  # no photo in both splits
