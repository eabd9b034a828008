"""An avatar that carries a voice profile speaks in that voice in `say`, with no extra flags."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import soundfile as sf

from twincast.voice.transform import f0_median

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bruce(tmp_path_factory):
    """A profile of the codec2 radio amateur (first 75 s of ve9qrp.wav)."""
    from twincast.evaluation.reference_media import codec2_wav
    from twincast.voice.profile import build_profile

    x, sr = sf.read(str(codec2_wav("ve9qrp.wav")), dtype="float32")
    path = tmp_path_factory.mktemp("bruce") / "bruce.wav"
    sf.write(str(path), x[: 75 * sr], sr)
    return build_profile([path])


@pytest.fixture(scope="module")
def avatar_with_voice(grace_model, bruce, tmp_path_factory):
    from twincast.avatar.model import AvatarModel

    model = copy.copy(grace_model)
    model.meta = dict(grace_model.meta)
    model.voice_profile = bruce
    path = model.save(tmp_path_factory.mktemp("twin") / "grace-bruce.twin")
    return AvatarModel.load(path)


def test_twin_file_carries_the_profile(avatar_with_voice, bruce, grace_twin):
    from twincast.avatar.model import AvatarModel

    vp = avatar_with_voice.voice_profile
    assert vp is not None and vp.name == bruce.name
    assert np.array_equal(vp.log_mel, bruce.log_mel) and vp.meta == bruce.meta
    assert AvatarModel.load(grace_twin).voice_profile is None  # plain avatars still load


def test_say_speaks_with_the_profile(avatar_with_voice, bruce, grace_model, tmp_path):
    from twincast.evaluation.probe import read_audio
    from twincast.pipeline import say

    text = "Hello everyone, these earbuds cost only nineteen dollars today."
    with_profile = say(avatar_with_voice, text, tmp_path / "bruce.mp4", lang="en")
    audio, sr = read_audio(with_profile.path)
    f0 = f0_median(audio, sr)
    assert abs(f0 - bruce.f0_median) / bruce.f0_median < 0.12, (f0, bruce.f0_median)
    # the same avatar without the profile speaks with its female preset, far above Bruce
    plain = say(grace_model, text, tmp_path / "preset.mp4", lang="en")
    audio0, sr0 = read_audio(plain.path)
    assert f0_median(audio0, sr0) > 1.5 * bruce.f0_median


def test_both_languages_converted(avatar_with_voice, bruce):
    from twincast.voice.defaults import router_for_avatar

    router = router_for_avatar(avatar_with_voice)
    speech = router.speak("大家好，欢迎来到直播间。Welcome to the show.", "auto")
    assert {p.lang for p in speech.phones if p.symbol != "sil"} == {"zh", "en"}
    f0 = f0_median(speech.audio, speech.sample_rate)
    assert abs(f0 - bruce.f0_median) / bruce.f0_median < 0.15, (f0, bruce.f0_median)
