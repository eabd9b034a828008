"""espeak-ng fallback engine: exact event timings, IPA for English, pinyin for Mandarin."""

import re
import time

import numpy as np
import pytest

from twincast.errors import TwincastError
from twincast.voice.base import VoiceEngine
from twincast.voice.espeak_engine import EspeakEngine

PINYIN = re.compile(r"^(sil|[bpmfdtnlgkhjqxrzcsywv]|zh|ch|sh|[a-z]+[1-5])$")


@pytest.fixture(scope="module")
def engine():
    return EspeakEngine()


def _rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def _zcr(x):
    return float(np.mean(np.abs(np.diff(np.sign(x))) > 0)) if len(x) > 1 else 0.0


def _check_contiguous(sp):
    assert sp.phones[0].start == 0.0
    assert abs(sp.phones[-1].end - sp.duration) < 1e-6
    for a, b in zip(sp.phones, sp.phones[1:]):
        assert abs(a.end - b.start) < 1e-9 and a.end > a.start


def test_is_a_voice_engine(engine):
    assert isinstance(engine, VoiceEngine)
    assert set(engine.languages) == {"en", "zh"}


def test_fixed_voice_fixes_the_language():
    cmn = EspeakEngine(voice="cmn")
    assert cmn.languages == ("zh",)
    with pytest.raises(TwincastError):
        list(cmn.synthesize("hello", "en"))
    assert EspeakEngine(voice="en-gb").languages == ("en",)
    sp = next(cmn.synthesize("你好", "zh"))
    assert [p.symbol for p in sp.phones if p.symbol != "sil"] == ["n", "i3", "h", "ao3"]


def test_english_sentences_phones_words(engine):
    speeches = list(engine.synthesize("Hello Mr. Smith. It costs $5 and it is 50% off!", "en"))
    assert [sp.text for sp in speeches] == ["Hello Mister Smith.",
                                            "It costs five dollars and it is fifty percent off!"]
    for sp in speeches:
        assert sp.sample_rate == 22050 and sp.audio.dtype == np.float32
        assert _rms(sp.audio) > 0.02
        _check_contiguous(sp)
        assert all(p.lang == "en" for p in sp.phones)
        assert not any(c in p.symbol for p in sp.phones for c in "ˈˌ")
    first = speeches[0]
    assert [p.symbol for p in first.phones[:5]] == ["sil", "h", "ə", "l", "oʊ"]
    assert [w.text for w in first.words] == ["Hello", "Mister", "Smith"]
    assert [w.text for w in speeches[1].words][:3] == ["It", "costs", "five"]


def test_english_timings_follow_the_sound(engine):
    sp = next(engine.synthesize("She sells sea shells, so she says.", "en"))
    sr = sp.sample_rate
    seg = {}
    for p in sp.phones:
        seg.setdefault(p.symbol, []).append(sp.audio[int(p.start * sr):int(p.end * sr)])
    hiss = np.concatenate(seg["s"] + seg["ʃ"])
    vowels = np.concatenate([x for k in ("iː", "ɛ", "oʊ", "eɪ") for x in seg.get(k, [])])
    assert _zcr(hiss) > 2 * _zcr(vowels)
    assert _rms(vowels) > 4 * _rms(np.concatenate(seg["sil"]))


def test_mandarin_gives_pinyin(engine):
    sp = next(engine.synthesize("你好世界，这款手机只要199元。", "zh"))
    assert "199" not in sp.text and "元" in sp.text  # numbers are read in Chinese
    symbols = [p.symbol for p in sp.phones if p.symbol != "sil"]
    assert all(PINYIN.match(s) for s in symbols), symbols
    assert symbols[:4] == ["n", "i3", "h", "ao3"]
    assert all(p.lang == "zh" for p in sp.phones)
    _check_contiguous(sp)
    hans = re.findall(r"[\u4e00-\u9fff]", sp.text)
    assert [w.text for w in sp.words] == hans
    for a, b in zip(sp.words, sp.words[1:]):
        assert a.end <= b.start + 1e-9


def test_mandarin_initials_are_short_consonants(engine):
    sp = next(engine.synthesize("我们今天介绍三款手机。", "zh"))
    sr = sp.sample_rate
    inits = [p for p in sp.phones if p.symbol in ("s", "sh", "x", "j", "zh")]
    finals = [p for p in sp.phones if p.symbol[-1:].isdigit()]
    assert inits and finals
    hiss = np.concatenate([sp.audio[int(p.start * sr):int(p.end * sr)] for p in inits
                           if p.symbol in ("s", "sh", "x")])
    vow = np.concatenate([sp.audio[int(p.start * sr):int(p.end * sr)] for p in finals])
    assert _zcr(hiss) > 2 * _zcr(vow)


def test_fast(engine):
    text = "This is a fallback voice that should run much faster than real time on a laptop."
    list(engine.synthesize(text, "en"))
    t = time.perf_counter()
    dur = sum(sp.duration for sp in engine.synthesize(text, "en"))
    assert (time.perf_counter() - t) / dur < 0.1


def test_errors(engine):
    with pytest.raises(TwincastError):
        list(engine.synthesize("Bonjour", "fr"))
    with pytest.raises(TwincastError) as err:
        list(EspeakEngine(voice="en-nosuchvoice").synthesize("hello", "en"))
    assert "no voice" in err.value.problem
    assert list(engine.synthesize("", "en")) == []
