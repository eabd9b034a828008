"""Video avatar pieces that need no footage: geometry, the base-loop walk, mouth selection, packs."""

from __future__ import annotations

import numpy as np
import pytest

from twincast.avatar.video.baseloop import FADE, BaseLoop, transition_table
from twincast.avatar.video.geometry import apply, invert, similarity
from twincast.avatar.video.mouth import Calibration
from twincast.avatar.video.pack import Pack, encode_jpeg, join
from twincast.render.video_mouth import MouthSelector, match_colour


def test_similarity_recovers_a_known_transform_and_inverts():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 200, (14, 2)).astype(np.float32)
    ang, s = np.radians(12), 1.3
    rot = s * np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    dst = src @ rot.T + (5, -7)
    m = similarity(src, dst)
    assert np.allclose(apply(m, src), dst, atol=1e-3)
    assert np.allclose(apply(invert(m), apply(m, src)), src, atol=1e-3)


def _walk_inputs(seed=1):
    """Three clips of a slowly drifting 'head': transitions exist where states are close."""
    rng = np.random.default_rng(seed)
    clips = [300, 250, 400, 200]  # 46 s, like a real base loop (40 s by default)
    clip_of = np.concatenate([np.full(n, c) for c, n in enumerate(clips)]).astype(np.int32)
    desc = np.concatenate([np.cumsum(rng.normal(0, 0.05, (n, 3)), 0) for n in clips]).astype(np.float32)
    return clip_of, desc


def test_base_loop_is_a_pure_function_of_the_frame_index():
    clip_of, desc = _walk_inputs()
    to, cost = transition_table(desc, clip_of)
    one = BaseLoop(clip_of, to, cost, seed=5)
    whole = [one.frame(n) for n in range(3000)]
    two = BaseLoop(clip_of, to, cost, seed=5)
    chunked = []
    for start in range(0, 3000, 37):  # odd chunk sizes, as a live engine might ask
        chunked += [two.frame(n) for n in range(start, min(start + 37, 3000))]
    assert whole == chunked
    other = BaseLoop(clip_of, to, cost, seed=6)
    assert whole != [other.frame(n) for n in range(3000)]


def test_base_loop_stays_inside_clips_fades_at_jumps_and_does_not_cycle():
    clip_of, desc = _walk_inputs()
    to, cost = transition_table(desc, clip_of)
    loop = BaseLoop(clip_of, to, cost, seed=2)
    frames = [loop.frame(n) for n in range(6000)]  # 4 minutes from 46 s of footage
    shown = np.array([b if w > 0 else a for a, b, w in frames])
    steps = np.diff(shown)
    jumps = np.flatnonzero(steps != 1)
    assert len(jumps) > 15, "the walk never jumps"
    for j in jumps:  # every jump stays in a clip and is cross-faded
        a, b, w = frames[j + 1]
        assert w > 0 and clip_of[a] == clip_of[max(a - 1, 0)] or w > 0
    fades = [w for _, _, w in frames if w > 0]
    assert len(fades) >= FADE * len(jumps) * 0.9
    # no short cycle: the same 2 s of output never recurs within 18 s
    window = 50
    seqs = {}
    for s in range(0, len(shown) - window, 10):
        key = tuple(shown[s:s + window])
        if key in seqs:
            assert s - seqs[key] > 450, f"output {seqs[key]} repeats at {s}"
        seqs[key] = s
    assert len(set(shown.tolist())) > 0.6 * len(clip_of), "the walk uses only a little of the footage"


def test_transition_table_prefers_the_lookalike_frame():
    clip_of = np.array([0] * 60 + [1] * 60, np.int32)
    desc = np.zeros((120, 2), np.float32)
    desc[:60, 0] = np.arange(60)
    desc[60:, 0] = np.arange(60) + 0.3  # clip 1 repeats clip 0's states, shifted a little
    to, cost = transition_table(desc, clip_of, k=3)
    i = 20  # after frame 20 comes 21; its lookalike in clip 1 is frame 60 + 21
    assert to[i, 0] == 60 + 21
    assert np.all(np.diff(cost[i][np.isfinite(cost[i])]) >= 0)


def _library():
    """Entries with known openness: 0..1 in runs of 10 consecutive frames."""
    rng = np.random.default_rng(0)
    n = 200
    feats = np.stack([rng.uniform(0.02, 0.6, n), rng.uniform(0.9, 1.2, n), rng.uniform(0.2, 0.4, n),
                      rng.uniform(0, 0.1, n)], 1).astype(np.float32)
    succ = np.where((np.arange(n) % 10) != 9, np.arange(n) + 1, -1).astype(np.int32)
    pose = np.zeros((n, 3), np.float32)
    return feats, pose, succ, Calibration.fit(feats)


def test_mouth_selection_follows_the_jaw_and_prefers_continuity():
    feats, pose, succ, calib = _library()
    sel = MouthSelector(feats, pose, succ, calib)
    closed = [sel.choose(calib.target(0.0, 0, 0, 0, 0), np.zeros(3))[0] for _ in range(5)]
    sel.prev = -1
    opened = [sel.choose(calib.target(0.72, 0.1, 0, 0, 0.3), np.zeros(3))[0] for _ in range(5)]
    assert feats[closed, 0].mean() < 0.15 and feats[opened, 0].mean() > 0.45
    # a constant target: the selector plays footage on (successors) or holds; it never hops around
    sel.prev = -1
    picks = [sel.choose(calib.target(0.3, 0, 0, 0, 0), np.zeros(3)) for _ in range(40)]
    switches = sum(not cont for _, cont in picks)
    assert switches <= 6, picks


def test_pose_term_picks_mouths_filmed_at_the_same_head_turn():
    feats, pose, succ, calib = _library()
    pose[:100, 0] = -15
    pose[100:, 0] = 15
    sel = MouthSelector(feats, pose, succ, calib)
    pick, _ = sel.choose(calib.target(0.3, 0, 0, 0, 0), np.array([14.0, 0, 0]))
    assert pick >= 100


def test_colour_match_moves_patch_statistics_to_the_target():
    rng = np.random.default_rng(1)
    patch = np.clip(rng.normal(120, 10, (40, 40, 3)), 0, 255).astype(np.uint8)
    target = np.clip(rng.normal(150, 10, (40, 40, 3)) + (10, 0, -10), 0, 255).astype(np.uint8)
    ring = np.zeros((40, 40), bool)
    ring[:5] = ring[-5:] = True
    out = match_colour(patch, target, ring)
    assert abs(out[ring].mean(0) - target[ring].mean(0)).max() < 4


def test_pack_round_trip():
    imgs = [np.full((16, 16, 3), v, np.uint8) for v in (10, 128, 250)]
    pack = Pack(join([encode_jpeg(i) for i in imgs]))
    assert len(pack) == 3
    assert [int(pack.image(i).mean()) for i in range(3)] == pytest.approx([10, 128, 250], abs=2)
