"""Voice router: mixed Chinese/English text becomes one timed Speech per sentence."""

import numpy as np
import pytest

from twincast.errors import TwincastError
from twincast.voice.base import PhoneSpan, Speech
from twincast.voice.espeak_engine import EspeakEngine
from twincast.voice.piper_engine import PiperEngine
from twincast.voice.router import VoiceRouter
from twincast.voice.transform import f0_median, female_from_male

MIXED = "这款iPhone 15 Pro只要5999元！蓝牙5.3，续航很长。"


class FakeEngine:
    """Deterministic engine: a 16 kHz tone of 0.1 s per character, one phone per character."""

    name = "fake"

    def __init__(self, lang, sample_rate=16000):
        self.languages = (lang,)
        self.sample_rate = sample_rate
        self.calls = []

    def synthesize(self, text, lang):
        self.calls.append(text)
        chars = [c for c in text if c.strip()]
        n = int(0.1 * self.sample_rate)
        audio = np.tile(np.sin(np.arange(n) / 5).astype(np.float32) * 0.5, len(chars))
        phones = [PhoneSpan(c, 0.1 * i, 0.1 * (i + 1), lang) for i, c in enumerate(chars)]
        yield Speech(audio, self.sample_rate, phones, text, lang)


@pytest.fixture(scope="module")
def piper():
    return PiperEngine()


@pytest.fixture(scope="module")
def espeak():
    return EspeakEngine()


def _check_timeline(sp):
    assert sp.sample_rate == 48000
    assert sp.phones[0].start == 0.0
    for a, b in zip(sp.phones, sp.phones[1:]):
        assert a.start <= a.end and abs(a.end - b.start) < 1e-6
    assert sp.phones[-1].end <= sp.duration + 1e-6
    assert sp.phones[-1].end > sp.duration - 0.01


def test_routing_with_fake_engines():
    zh, en = FakeEngine("zh"), FakeEngine("en", 22050)
    router = VoiceRouter({"zh": zh, "en": en})
    out = list(router.synthesize("这款iPhone只要¥199！Next one.", "auto"))
    assert len(out) == 2
    assert zh.calls == ["这款", "只要¥199！"] and en.calls == ["iPhone", "Next one."]
    first = out[0]
    assert first.text == "这款iPhone只要¥199！"
    assert [p.lang for p in first.phones][:3] == ["zh", "zh", "en"]
    assert abs(first.duration - (2 + 6 + 7) * 0.1) < 1e-3  # 15 chars, resampled to 48 kHz
    assert abs(first.phones[2].start - 0.2) < 1e-6  # en phones shifted after the zh run
    _check_timeline(first)


def test_transform_applied_per_language():
    seen = []

    def mark(speech):
        seen.append(speech.lang)
        return Speech(speech.audio * 0, speech.sample_rate, speech.phones, speech.text,
                      speech.lang)

    router = VoiceRouter({"zh": FakeEngine("zh"), "en": FakeEngine("en")},
                         transforms={"en": mark})
    sp = router.speak("你好 hello", "auto")
    assert seen == ["en"]
    en_start = next(p.start for p in sp.phones if p.lang == "en")
    assert np.abs(sp.audio[int(en_start * 48000) + 10:]).max() == 0
    assert np.abs(sp.audio[:int(en_start * 48000) - 10]).max() > 0.1


def test_lang_modes_and_errors():
    zh, en = FakeEngine("zh"), FakeEngine("en")
    router = VoiceRouter({"zh": zh, "en": en})
    assert router.runs("¥199", "zh") == [("zh", "¥199")]
    assert router.runs("¥199", "en") == [("en", "¥199")]
    assert router.runs("I love 中国", "en") == [("en", "I love "), ("zh", "中国")]
    assert router.runs("买AirPods", "zh") == [("zh", "买"), ("en", "AirPods")]
    with pytest.raises(TwincastError) as err:
        list(router.synthesize("hello", "fr"))
    assert "auto" in err.value.fix and "zh" in err.value.fix
    only_en = VoiceRouter({"en": FakeEngine("en")})
    with pytest.raises(TwincastError) as err:
        list(only_en.synthesize("I love 中国", "en"))
    assert "zh" in err.value.problem
    with pytest.raises(TwincastError):
        router.speak("。。。", "auto")


def test_mixed_real_engines(piper, espeak):
    router = VoiceRouter({"en": piper, "zh": espeak}, sample_rate=48000)
    out = list(router.synthesize(MIXED, "auto"))
    assert len(out) == 2
    first = out[0]
    _check_timeline(first)
    assert {p.lang for p in first.phones} == {"zh", "en"}
    assert first.lang == "mixed"
    en_syms = [p.symbol for p in first.phones if p.lang == "en"]
    assert "aɪ" in en_syms and "f" in en_syms  # "iPhone fifteen Pro"
    zh_syms = [p.symbol for p in first.phones if p.lang == "zh" and p.symbol != "sil"]
    assert zh_syms[:4] == ["zh", "e4", "k", "uan3"]
    words = [w.text for w in first.words]
    assert words.index("iPhone") == 2 and "fifteen" in words
    assert out[1].lang == "zh"
    whole = router.speak(MIXED, "zh")
    assert abs(whole.duration - sum(sp.duration for sp in out)) < 0.5
    _check_timeline(whole)


def test_female_transform_on_english_runs(piper, espeak):
    router = VoiceRouter({"en": piper, "zh": espeak}, transforms={"en": female_from_male})
    sp = router.speak("Welcome to the show, the price drops tonight.", "en")
    assert 165 <= f0_median(sp.audio, sp.sample_rate) <= 255
    _check_timeline(sp)


def test_mandarin_engine_if_available(piper):
    zh_engine = pytest.importorskip("twincast.voice.zh_engine")
    try:
        mandarin = zh_engine.MandarinEngine()
    except TwincastError as exc:
        pytest.skip(f"MandarinEngine not usable here: {exc.problem}")
    router = VoiceRouter({"en": piper, "zh": mandarin})
    sp = router.speak("这款iPhone 15 Pro只要5999元！", "auto")
    _check_timeline(sp)
    assert {p.lang for p in sp.phones} == {"zh", "en"}
