"""Viseme labels for the mouth library (issue 7 item 1): words -> phones -> visemes as the TTS maps
them, per-frame labels from the real SyncNet soundtrack lined up with its loudness, the
fallback when no ASR is available, and selection that weighs the wanted viseme."""

from __future__ import annotations

import numpy as np
import pytest

from twincast.avatar.video import labels as L
from twincast.avatar.video.mouth import Calibration
from twincast.render.video_mouth import MouthSelector, viseme_mismatch, wanted_viseme
from twincast.driving import visemes as V

NAMES = list(L.NAMES)


def test_words_become_the_visemes_the_tts_front_end_gives():
    bump = [v for v, _ in L.english_visemes("bump")]
    assert bump[0] == "MBP" and bump[-1] == "MBP" and "AA" in bump  # b ʌ m p
    assert [v for v, _ in L.english_visemes("five")][0] == "FV"
    assert sum(s for _, s in L.english_visemes("thermos")) == pytest.approx(1.0)
    zh = [v for v, _ in L.mandarin_visemes("买吧")]  # m ai b a
    assert zh[0] == "MBP" and "MBP" in zh[1:] and "AA" in zh
    assert L.word_visemes("...", "en") == [] and L.word_visemes("", "zh") == []


def test_frame_labels_fill_words_and_leave_silence_and_the_unheard_rest():
    words = [L.WordTiming("map", 0.2, 0.6), L.WordTiming("me", 1.0, 1.2)]
    lab = L.frame_labels(words, "en", 50, 25, until=1.5)
    at = lambda t: NAMES[lab[int(t * 25)]] if lab[int(t * 25)] >= 0 else None  # noqa: E731
    assert at(0.1) == "rest" and at(0.8) == "rest"  # before and between words: silence
    assert at(0.22) == "MBP" and at(0.4) in ("AE", "AA") and at(1.02) == "MBP"
    assert (lab[int(1.6 * 25):] == L.UNKNOWN).all()  # after the transcription stopped


def test_without_asr_labels_are_absent_with_a_clear_note(monkeypatch):
    import twincast.evaluation.asr as asr

    monkeypatch.setattr(asr, "asr_unavailable_reason", lambda lang: "faster-whisper is not installed (pip ...)")
    res = L.label_frames(np.zeros(16000 * 3, np.float32), 75, 25, language="en")
    assert not res.ok and (res.labels == L.UNKNOWN).all()
    assert "shape only" in res.note and "faster-whisper" in res.note
    assert res.summary()["labelled_frames"] == 0


@pytest.mark.slow
def test_labels_of_the_real_syncnet_soundtrack_follow_its_loudness():
    """Frames labelled silence are quieter than frames labelled vowels; bilabials are quieter too
    (the lips are shut) - on speech no one here recorded."""
    from support.video_clips import syncnet_av

    import soxr

    frames, audio, sr = syncnet_av()
    x = soxr.resample(audio.astype(np.float32), sr, 16000).astype(np.float32)
    res = L.label_frames(x, len(frames), 25, language="en")
    print(res.note, "|", res.transcript)
    assert res.ok and res.words >= 15, res.note
    lab = res.labels
    hop = 16000 // 25
    rms = np.array([np.sqrt(np.mean(x[i * hop:(i + 1) * hop] ** 2) + 1e-12) for i in range(len(lab))])
    vowel = np.isin(lab, [NAMES.index(n) for n in L.VOWELS])
    rest = lab == L.REST
    print("frames", len(lab), "vowel", vowel.sum(), "rest", rest.sum(), "mbp", (lab == NAMES.index("MBP")).sum())
    assert vowel.sum() > 0.2 * len(lab) and rest.sum() > 10
    assert np.median(rms[rest]) < 0.6 * np.median(rms[vowel])


def test_wanted_viseme_is_read_back_from_the_mouth_controls():
    for name, vis in V.VISEMES.items():
        assert NAMES[wanted_viseme(np.array(vis.target))] == name
    mis = viseme_mismatch(NAMES)
    aa, ae, mbp = NAMES.index("AA"), NAMES.index("AE"), NAMES.index("MBP")
    assert mis[aa, aa] == 0 and mis[aa, ae] < 0.6 < mis[aa, mbp]
    assert mis[aa, -1] == pytest.approx(0.5)  # unlabelled entries: half credit


def test_viseme_breaks_ties_between_equal_shapes_and_old_libraries_stay_shape_only():
    """Two sets of mouths with the same shape statistics: one filmed saying m/b/p, one filmed
    saying f/v. The wanted viseme decides; without labels the choice is the shape's alone."""
    rng = np.random.default_rng(4)
    n = 200
    feats = np.stack([rng.uniform(0.0, 0.1, n), rng.uniform(0.4, 0.5, n), rng.uniform(0.1, 0.2, n),
                      rng.uniform(0, 0.01, n)], 1).astype(np.float32)
    pose = np.zeros((n, 3), np.float32)
    succ = np.full(n, -1, np.int32)
    calib = Calibration.fit(feats)
    lab = np.where(np.arange(n) < n // 2, NAMES.index("MBP"), NAMES.index("FV")).astype(np.int8)
    sel = MouthSelector(feats, pose, succ, calib, lab, NAMES)
    target = np.median(feats, 0)
    picks = {}
    for name in ("MBP", "FV"):
        sel.prev = -1
        picks[name] = sel.choose(target, np.zeros(3), NAMES.index(name))[0]
    assert lab[picks["MBP"]] == NAMES.index("MBP") and lab[picks["FV"]] == NAMES.index("FV")
    plain = MouthSelector(feats, pose, succ, calib)  # an avatar built before labels existed
    assert not plain.uses_visemes
    first = plain.choose(target, np.zeros(3), NAMES.index("FV"))[0]
    plain.prev = -1
    assert first == plain.choose(target, np.zeros(3), NAMES.index("MBP"))[0]


@pytest.mark.slow
def test_footage_without_words_builds_shape_only_with_a_warning(tmp_path, caplog):
    """The real SyncNet talking head over a plain tone: Whisper hears no words, the build warns,
    records why in the avatar and still renders (by shape)."""
    import logging

    from support.video_clips import syncnet_av, write_clip

    from twincast.avatar.video.build import VideoBuildOptions, build_from_video
    from twincast.render.factory import renderer_for

    frames, _, sr = syncnet_av()
    t = np.arange(int(2 * len(frames) / 25 * sr)) / sr
    clip = write_clip(tmp_path / "hum.mp4", frames + frames, 25, 0.05 * np.sin(2 * np.pi * 220 * t), sr)
    with caplog.at_level(logging.WARNING):
        report = build_from_video(clip, tmp_path / "hum.twin", VideoBuildOptions(render_size=256, voice_from_video=False))
    info = report.model.meta["video"]["viseme_labels"]
    assert info["source"] is None and info["labelled_frames"] == 0 and "shape only" in info["note"]
    assert "no viseme labels" in report.viseme_note and "no viseme labels" in caplog.text
    r = renderer_for(report.model)
    assert not r.selector.uses_visemes
    c = np.zeros(len(r.controls), np.float32)
    c[r.controls.index("jaw")] = 0.5
    assert r.render(c).shape == (256, 256, 3)
