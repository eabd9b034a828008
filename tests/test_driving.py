"""Speech timings -> per-frame controls: visemes, coarticulation, closures, blinks, idle motion."""

from __future__ import annotations

import numpy as np
import pytest

from twincast.driving import visemes as V
from twincast.driving.drive import DriveConfig, drive
from twincast.driving.idle import IdleMotion
from twincast.driving.timeline import coarticulate, fill_pauses, keep_closures, mouth_track, viseme_keys
from twincast.voice.base import PhoneSpan, Speech

FPS = 25
JAW, PRESS, ROUND, WIDE = (V.MOUTH.index(n) for n in ("jaw", "press", "round", "wide"))


def spans(seq, lang="en", start=0.0):
    out, t = [], start
    for sym, dur in seq:
        out.append(PhoneSpan(sym, t, t + dur, lang))
        t += dur
    return out


@pytest.mark.parametrize("symbol,previous,expected", [
    ("b", "", ["MBP"]), ("f", "", ["FV"]), ("zh", "", ["SH"]), ("x", "", ["Y"]),
    ("a1", "b", ["AA"]), ("iao3", "x", ["I", "AA", "U"]), ("i4", "sh", ["IZ"]), ("i4", "d", ["I"]),
    ("u2", "j", ["UE"]), ("u2", "d", ["U"]), ("ang4", "m", ["AA", "K"]), ("er2", "", ["ER"]),
    ("sil", "", ["rest"]), ("ve4", "x", ["UE", "E"]), ("ong1", "t", ["U", "K"]),
])
def test_mandarin_visemes(symbol, previous, expected):
    parts = V.mandarin(symbol, previous)
    assert [p for p, _ in parts] == expected
    assert abs(sum(f for _, f in parts) - 1) < 1e-6


@pytest.mark.parametrize("symbol,expected", [
    ("p", ["MBP"]), ("ˈæ", ["AE"]), ("iː", ["I"]), ("aɪ", ["AA", "I"]), ("tʃ", ["SH"]), ("w", ["W"]),
    ("ð", ["TH"]), ("sil", ["rest"]), (",", ["rest"]), ("ɚ", ["ER"]), ("oʊ", ["O", "U"]),
])
def test_english_visemes(symbol, expected):
    assert [p for p, _ in V.english(symbol)] == expected


def test_every_viseme_reachable_targets_are_valid():
    for vis in V.VISEMES.values():
        assert len(vis.target) == len(V.MOUTH) and all(0 <= x <= 1 for x in vis.target) and vis.dominance > 0


def test_bilabial_closes_and_vowel_opens():
    # "ba ma pa": every bilabial frame must close, every vowel must open wide
    phones = spans([("sil", .2), ("b", .07), ("a1", .22), ("m", .08), ("a1", .2), ("p", .06), ("a4", .25), ("sil", .3)], "zh")
    frames = mouth_track(phones, int(1.38 * FPS) + 1, FPS)
    for ph in phones:
        i = int((ph.start + ph.end) / 2 * FPS)
        if ph.symbol in ("b", "m", "p"):
            assert frames[i, JAW] < 0.08 and frames[i, PRESS] > 0.5, ph
        elif ph.symbol.startswith("a"):
            assert frames[i, JAW] > 0.45, ph
    assert frames[0, JAW] < 0.05 and frames[-1, JAW] < 0.1  # rests at the ends


def test_short_closure_is_not_skipped():
    # a 30 ms /b/ falls between frame centres; the closure must still show on its frame
    phones = spans([("ɑ", .2), ("b", .03), ("ɑ", .2)])
    keys = fill_pauses(viseme_keys(phones))
    curve = coarticulate(keys, 0.43)
    from twincast.driving.timeline import frame_average

    raw = frame_average(curve, 11, FPS)
    fixed = keep_closures(raw, keys, FPS)
    i = int(0.215 * FPS)
    assert raw[i, JAW] > 0.1 and fixed[i, JAW] <= 0.03


def test_lips_stay_closed_over_the_whole_bilabial():
    # issue 19: closing only the centre frame of a 100 ms /m/ left the lips apart as the face
    # mesh sees them; every frame the /m/ overlaps (from the language's lead before it) is closed
    from twincast.driving.timeline import BILABIAL_LEAD_S

    phones = spans([("ɑ", .3), ("m", .1), ("ɑ", .3)])
    frames = mouth_track(phones, int(0.7 * FPS) + 1, FPS)
    lead = BILABIAL_LEAD_S["en"]
    first, last = int(np.floor((0.3 - lead) * FPS + 0.25)), int(np.ceil(0.4 * FPS - 0.25)) - 1
    assert last - first + 1 >= 3
    assert (frames[first:last + 1, JAW] <= 0.03).all()
    assert frames[int(0.15 * FPS), JAW] > 0.45 and frames[int(0.55 * FPS), JAW] > 0.45


def test_coarticulation_is_smooth_and_anticipates():
    phones = spans([("sil", .3), ("h", .06), ("ə", .08), ("l", .06), ("oʊ", .25), ("w", .07), ("ɜː", .18), ("l", .06), ("d", .05), ("sil", .3)])
    n = int(1.41 * FPS) + 1
    frames = mouth_track(phones, n, FPS)
    assert np.abs(np.diff(frames[:, JAW])).max() < 0.4  # no snapping between frames
    # rounding for /w/ starts before the /w/ itself (anticipation from the oʊ-w sequence)
    w = next(p for p in phones if p.symbol == "w")
    before = int(w.start * FPS) - 1
    assert frames[before, ROUND] > 0.3


def test_pause_relaxes_the_mouth():
    phones = spans([("ɑ", .3), ("sil", .6), ("ɑ", .3)])
    frames = mouth_track(phones, 30, FPS)
    assert frames[int(0.6 * FPS), JAW] < 0.1 < frames[int(0.15 * FPS), JAW]


def test_blinks_interval_and_duration():
    b = IdleMotion(FPS, 3, 1.6, 0.9, 0.8).blinks(0, FPS * 120)
    closed = b > 0.5
    starts = np.flatnonzero(closed[1:] & ~closed[:-1]) + 1
    assert 20 <= len(starts) <= 60  # 2-6 s apart over 120 s
    gaps = np.diff(starts) / FPS
    assert gaps.min() >= 1.8 and gaps.max() <= 6.2
    # each blink lasts ~150 ms: at most 3 frames mostly shut
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], closed.astype(int), [0]]))))[::2]
    assert runs.max() <= 3 and b.max() == pytest.approx(1.0)


def test_idle_motion_is_small_and_not_periodic():
    yaw = IdleMotion(FPS, 5, 1.6, 0.9, 0.8).head("yaw", 0, FPS * 60)
    assert np.abs(yaw).max() <= 1.6 + 1e-6 and yaw.std() > 0.3
    x = yaw - yaw.mean()
    ac = np.correlate(x, x, "full")[len(x):] / (x @ x)
    assert ac[FPS * 3:].max() < 0.9  # no lag over 3 s repeats the motion


def test_drive_produces_all_controls_deterministically():
    phones = spans([("sil", .2), ("n", .06), ("i3", .2), ("h", .06), ("ao3", .3), ("sil", .2)], "zh")
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(48000) * 0.1).astype(np.float32)
    speech = Speech(audio, 48000, phones, "你好", "zh")
    a = drive(speech, 25, DriveConfig(seed=1))
    b = drive(speech, 25, DriveConfig(seed=1))
    assert np.array_equal(a.values, b.values)
    assert a.column("jaw").max() > 0.4 and a.column("smile").min() >= 0.1
    idle = drive(None, 50)
    assert idle.column("jaw").max() == 0 and np.abs(idle.column("yaw")).max() > 0


def test_idle_motion_is_the_same_whatever_the_chunking():
    whole = IdleMotion(FPS, 9, 1.6, 0.9, 0.8)
    parts = IdleMotion(FPS, 9, 1.6, 0.9, 0.8)
    a = whole.blinks(0, 600)
    b = np.concatenate([parts.blinks(0, 137), parts.blinks(137, 250), parts.blinks(387, 213)])
    assert np.array_equal(a, b)
    assert np.array_equal(whole.head("roll", 0, 300)[100:], parts.head("roll", 100, 200))
