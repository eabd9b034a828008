"""Voice transforms that keep the time axis: a female English voice from the male Piper voice.

Why: the default avatar is a woman, and the only good offline English neural voice (Piper
"joe") is a man. Praat's "Change gender" (PSOLA pitch shift + formant scaling by resampling)
moves the pitch median and the vocal-tract length at RTF ~0.02, far cheaper than WORLD, and it
keeps the duration, so the phone timings that drive the lips stay valid. We still pad/trim to
the exact original sample count, because the lips are driven from those timings.

Preset values were chosen by measurement, not by ear: on joe (F0 median ~114 Hz, 10-90 %
92-127 Hz) ``pitch_median_hz=210`` gives a measured median of ~208 Hz (10-90 % ~170-234 Hz),
inside the typical adult female range 165-255 Hz; ``formant_ratio=1.17`` is the usual
male-to-female vocal-tract ratio (1.15-1.2). Voicing (fraction of voiced frames) and length
are unchanged; see tests/test_transform.py.
"""

from __future__ import annotations

import numpy as np

from twincast.errors import TwincastError
from twincast.voice.base import Speech

FEMALE_FROM_MALE = dict(pitch_median_hz=210.0, formant_ratio=1.17)
MALE_FROM_FEMALE = dict(pitch_median_hz=115.0, formant_ratio=0.86)

_LENGTH_TOLERANCE_S = 0.005


def f0_median(audio: np.ndarray, sample_rate: int, floor: float = 60.0,
              ceiling: float = 500.0) -> float:
    """Median F0 (Hz) of the voiced frames, by Praat's autocorrelation pitch tracker."""
    import parselmouth

    snd = parselmouth.Sound(np.asarray(audio, np.float64), sampling_frequency=sample_rate)
    f0 = snd.to_pitch(pitch_floor=floor, pitch_ceiling=ceiling).selected_array["frequency"]
    f0 = f0[f0 > 0]
    return float(np.median(f0)) if len(f0) else 0.0


def change_voice(speech: Speech, pitch_median_hz: float, formant_ratio: float,
                 pitch_range_factor: float = 1.0, pitch_floor: float = 60.0,
                 pitch_ceiling: float = 400.0) -> Speech:
    """Return ``speech`` with a new pitch median and formants scaled by ``formant_ratio``.

    Timings (phones, words) are kept: the audio keeps its exact sample count.
    """
    if not 50 <= pitch_median_hz <= 500:
        raise TwincastError(f"pitch median {pitch_median_hz} Hz is outside 50-500 Hz",
                            "use e.g. 210 for a female voice, 115 for a male one")
    if not 0.7 <= formant_ratio <= 1.4:
        raise TwincastError(f"formant ratio {formant_ratio} is outside 0.7-1.4",
                            "use about 1.17 to go from male to female, 0.86 the other way")
    n = len(speech.audio)
    if n < int(0.05 * speech.sample_rate):  # too short for a pitch analysis: leave as is
        return speech
    import parselmouth
    from parselmouth.praat import call

    snd = parselmouth.Sound(np.asarray(speech.audio, np.float64),
                            sampling_frequency=speech.sample_rate)
    try:
        out = call(snd, "Change gender", pitch_floor, pitch_ceiling, formant_ratio,
                   pitch_median_hz, pitch_range_factor, 1.0)
    except parselmouth.PraatError:  # e.g. no voiced frame at all: nothing to shift
        return speech
    if out.sampling_frequency != speech.sample_rate:
        out = call(out, "Resample", speech.sample_rate, 50)
    audio = out.values[0].astype(np.float32)
    drift = abs(len(audio) - n) / speech.sample_rate
    assert drift <= _LENGTH_TOLERANCE_S, f"Change gender changed the length by {drift:.4f} s"
    audio = audio[:n] if len(audio) >= n else np.pad(audio, (0, n - len(audio)))
    peak = float(np.max(np.abs(audio))) if n else 0.0
    if peak > 0.999:  # formant scaling can overshoot: keep [-1, 1] without clipping
        audio *= 0.999 / peak
    return Speech(audio, speech.sample_rate, list(speech.phones), speech.text, speech.lang,
                  list(speech.words))


def female_from_male(speech: Speech) -> Speech:
    """The preset the app uses for the default English voice (a callable for VoiceRouter)."""
    return change_voice(speech, **FEMALE_FROM_MALE)
