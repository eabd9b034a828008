"""End to end: text -> MP4 on the real avatar and real voices, checked by decoding the file
and by tracking the mouth on the output frames against the speech loudness."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from twincast.evaluation.lipsync import lipsync_score, mouth_openings, speech_envelope
from twincast.evaluation.probe import probe, read_av

pytestmark = pytest.mark.slow

TEXTS = {
    "en": "Hello everyone, welcome to the show! These noise-cancelling earbuds cost only 199 yuan, and the battery lasts thirty hours.",
    "zh": "大家好，欢迎来到直播间！今天这款蓝牙5.3耳机只要¥199.9，还送500ml保温杯，库存不多了。",
    "mixed": "这款iPhone 15手机壳只要39元，Dyson的吹风机今天也有优惠。",
}


@pytest.fixture(scope="module")
def renders(grace_model, tmp_path_factory):
    from twincast.pipeline import say

    out = tmp_path_factory.mktemp("say")
    return {lang: say(grace_model, text, out / f"{lang}.mp4", lang="auto") for lang, text in TEXTS.items()}


@pytest.fixture(scope="module")
def decoded(renders):
    return {lang: read_av(r.path) for lang, r in renders.items()}


@pytest.mark.parametrize("lang", list(TEXTS))
def test_mp4_codecs_duration_and_av_length(renders, lang):
    r = renders[lang]
    info = probe(r.path)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert (info.width, info.height) == (720, 1280) and info.fps == pytest.approx(25)
    assert info.frame_count == r.frames
    assert abs(info.audio_duration - info.video_duration) <= 0.040
    assert 2.0 < info.video_duration < 20
    meta = info.metadata
    assert '"Label":"1"' in meta["AIGC"] and meta["ai_generated"] == "true"


def test_languages_reach_the_right_voices(renders):
    assert renders["en"].lang == "en" and renders["zh"].lang == "zh"
    assert renders["mixed"].lang == "en+zh"


@pytest.mark.parametrize("lang", list(TEXTS))
def test_lips_follow_the_speech(decoded, lang):
    frames, audio, sr, fps = decoded[lang]
    openings = mouth_openings(frames)
    envelope = speech_envelope(audio, sr, fps)[: len(openings)]
    result = lipsync_score(openings[: len(envelope)], envelope)
    assert result.passed, result.summary()
    assert abs(result.best_lag_frames) <= 2


def test_shifted_mouth_fails_the_same_check(decoded):
    frames, audio, sr, fps = decoded["zh"]
    openings = mouth_openings(frames)
    shift = 8
    envelope = speech_envelope(audio, sr, fps)[: len(openings)]
    late = np.concatenate([np.full(shift, openings[0]), openings[:-shift]])  # video 320 ms late
    result = lipsync_score(late, envelope, max_lag_frames=12)
    assert not result.passed and result.best_lag_frames >= shift - 2


def test_frozen_mouth_fails_the_same_check(grace_model, renders, tmp_path):
    from twincast.pipeline import perform
    from twincast.voice.base import PhoneSpan, Speech

    frames, audio, sr, fps = read_av(renders["en"].path)
    silent_phones = [PhoneSpan("sil", 0.0, len(audio) / sr, "en")]  # real audio, mouth never told to move
    out = tmp_path / "frozen.mp4"
    perform(grace_model, iter([Speech(audio, sr, silent_phones)]), out)
    f2, a2, sr2, fps2 = read_av(out)
    openings = mouth_openings(f2)
    result = lipsync_score(openings, speech_envelope(a2, sr2, fps2)[: len(openings)])
    assert not result.passed


def test_say_cli_errors_are_clear(tmp_path):
    for args, needle in ((["--text", "   "], "no text"), (["--text", "hi", "--lang", "fr"], "unknown language"),
                         (["--text", "hi", "--avatar", str(tmp_path / "missing.twin")], "avatar file not found")):
        proc = subprocess.run([sys.executable, "-m", "twincast.cli", "say", *args, "-o", str(tmp_path / "o.mp4")],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2, proc.stderr
        assert needle in proc.stderr and "fix:" in proc.stderr and "Traceback" not in proc.stderr
