"""Female voice from the male Piper voice: F0 moves into the female range, timings stay."""

import time

import numpy as np
import pytest

from twincast.errors import TwincastError
from twincast.voice.piper_engine import PiperEngine
from twincast.voice.transform import (FEMALE_FROM_MALE, change_voice, f0_median,
                                      female_from_male)


@pytest.fixture(scope="module")
def male():
    text = "Welcome back to our live stream, today we have a great deal on wireless earbuds."
    return next(PiperEngine().synthesize(text, "en"))


def _voiced_fraction(audio, sr):
    import parselmouth

    pitch = parselmouth.Sound(audio.astype(np.float64), sr).to_pitch(pitch_floor=60,
                                                                      pitch_ceiling=500)
    f0 = pitch.selected_array["frequency"]
    return float(np.mean(f0 > 0))


def test_preset_values_in_brief_range():
    assert 200 <= FEMALE_FROM_MALE["pitch_median_hz"] <= 215
    assert 1.15 <= FEMALE_FROM_MALE["formant_ratio"] <= 1.2


def test_f0_moves_into_female_range(male):
    before = f0_median(male.audio, male.sample_rate)
    assert 85 <= before <= 150  # joe is a male voice
    female = change_voice(male, **FEMALE_FROM_MALE)
    after = f0_median(female.audio, female.sample_rate)
    assert 165 <= after <= 255
    assert abs(after - FEMALE_FROM_MALE["pitch_median_hz"]) < 15


def test_length_and_timings_preserved(male):
    t = time.perf_counter()
    female = female_from_male(male)
    rtf = (time.perf_counter() - t) / male.duration
    assert len(female.audio) == len(male.audio)
    assert female.sample_rate == male.sample_rate
    assert female.phones == male.phones and female.words == male.words
    assert female.audio.dtype == np.float32 and np.max(np.abs(female.audio)) <= 1.0
    assert rtf < 0.2


def test_speech_stays_speech(male):
    """Same voicing pattern and loudness envelope: the words are still where they were."""
    female = female_from_male(male)
    sr = male.sample_rate
    vf_m, vf_f = _voiced_fraction(male.audio, sr), _voiced_fraction(female.audio, sr)
    assert abs(vf_m - vf_f) < 0.1
    hop = sr // 100
    env = [np.sqrt(np.convolve(np.square(x), np.ones(hop) / hop, "same"))[::hop]
           for x in (male.audio, female.audio)]
    assert np.corrcoef(env[0], env[1])[0, 1] > 0.8


def test_bad_parameters(male):
    with pytest.raises(TwincastError):
        change_voice(male, pitch_median_hz=900, formant_ratio=1.1)
    with pytest.raises(TwincastError):
        change_voice(male, pitch_median_hz=200, formant_ratio=3.0)
