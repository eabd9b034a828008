"""Bodies that live (issue 20): photo avatars breathe, take a breath before a phrase and lean
in on stressed words, driven from the same speech the face uses; the stage moves the body."""

from __future__ import annotations

import numpy as np
import pytest

from twincast.driving.body import INHALE_RISE, body_track, idle_breath
from twincast.driving.prosody import speech_cues


@pytest.fixture(scope="module")
def speech():
    from twincast.voice.defaults import router_for

    router = router_for("female")
    return router.speak("Hello everyone, welcome back to the show. Today these earbuds are only one hundred "
                        "and twenty nine yuan. Really, the best deal we have had all year!", "en")


def test_idle_breathing_is_slow_regular_and_the_same_in_chunks():
    fps = 25
    whole = idle_breath(0, 60 * fps)
    spectrum = np.abs(np.fft.rfft(whole - whole.mean()))
    freq = np.fft.rfftfreq(len(whole), 1 / fps)[np.argmax(spectrum)]
    assert 0.15 <= freq <= 0.35  # about 10-20 breaths a minute, as a resting person breathes
    assert 0.004 < np.ptp(whole) < 0.012  # a few pixels, never a bounce
    chunked = np.concatenate([idle_breath(0, 333), idle_breath(333, 60 * fps - 333)])
    assert np.array_equal(chunked, whole)  # live (chunked) and offline give the same body
    assert not np.allclose(idle_breath(0, 250, seed=1), idle_breath(0, 250, seed=0))  # two hosts differ


def test_breath_before_phrases_and_lean_on_stressed_words(speech):
    fps = 25
    n = int(len(speech.audio) / speech.sample_rate * fps) + 1
    track = body_track(speech, n, 0)
    rise, lean = track[:, 0], track[:, 1]
    cues = speech_cues(speech)
    starts = [p.end for p in cues.pauses if p.end - p.start >= 0.25 and 1.0 < p.end < n / fps - 1.0]
    assert starts, "the sentence has phrase breaks"
    idle = idle_breath(0, n) * 0.35
    for s in starts:  # a breath in just before each phrase (not after it)
        near = slice(int((s - 0.5) * fps), int((s + 0.1) * fps))
        assert (rise[near] - idle[near]).max() > 0.6 * INHALE_RISE, s
    stressed = [w for w in cues.stressed if 0.4 < w.nucleus < n / fps - 0.4]
    assert stressed
    for w in stressed:
        i = round(w.nucleus * fps)
        assert lean[i] > 0.004
    quiet = np.ones(n, bool)
    for w in cues.stressed:
        quiet[max(0, int((w.nucleus - 0.3) * fps)):int((w.nucleus + 0.7) * fps)] = False
    assert np.all(lean[quiet] < 1e-6)  # no lean away from emphasis
    # level at the seams: the first and last frames are the listening breath
    assert abs(rise[0] - idle_breath(0, 1)[0]) < 1e-6 and lean[0] == 0 and lean[-1] == 0


def test_the_stage_moves_the_body_with_the_breath():
    import cv2

    from twincast.avatar.defaults import default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.render.factory import renderer_for
    from twincast.render.stage import Camera, Stage

    host = AvatarModel.load(default_avatar_path())
    r = renderer_for(host)
    faces = {"host": (r.render(np.zeros(len(r.controls), np.float32), with_mask=True, cutout=True), r.mask)}
    stage = Stage({"host": host}, 720, 1280)
    still = stage.compose(Camera.HOST, faces, None, None)
    risen = stage.compose(Camera.HOST, faces, None, None, bodies={"host": (0.01, 0.0)})
    leaning = stage.compose(Camera.HOST, faces, None, None, bodies={"host": (0.0, 0.012)})
    _, y, s, _ = stage._place(Camera.HOST, "host").rect
    table = stage.table_top(Camera.HOST)

    def shift(rows):
        region = np.s_[rows, 60:660]
        g = [np.float32(cv2.cvtColor(np.ascontiguousarray(f[region]), cv2.COLOR_RGB2GRAY)) for f in (still, risen)]
        return cv2.phaseCorrelate(*g)[0]

    dx, dy = shift(slice(y + s, table - 20))  # below the face square: the body alone
    assert abs(dx) < 0.5 and -4.5 < dy < -2.0  # shoulders up ~3 px (0.01 of a 560 px face square x 0.55)
    # the head and the band across the face square's lower edge move by the same amount: the
    # face square follows the body, no seam opens at the neck
    for rows in (slice(y + s // 4, y + 3 * s // 4), slice(y + s - 60, y + s + 60)):
        hx, hy = shift(rows)
        assert abs(hy - dy) < 1.0 and abs(hx) < 0.5, (rows, hy, dy)
    torso = np.s_[y + s:table - 20, 40:680]
    assert np.abs(leaning[torso].astype(int) - still[torso]).mean() > 1.0  # the lean changes the body
