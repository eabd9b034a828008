"""The DSP baseline: F0 mapping + frequency warp + long-term EQ (no frame selection).

Kept for two reasons: it is what the frame selection must beat (docs/voice.md measures both),
and it is a cheaper, smoother mode when a profile was built from very little or poor audio.
It moves the voice *towards* the person (pitch, vocal-tract length, average spectral tilt) but
keeps the TTS voice's own formant trajectories and voice quality, which is why it plateaus.

warp factor = geometric mean of the person's F1-F3 medians over the TTS voice's; the envelope's
frequency axis is scaled by it, then the difference of the long-term voiced envelopes (after
the warp, smoothed over ~300 mel) is added as an EQ, inside the profile's bandwidth only.
"""

from __future__ import annotations

import numpy as np

from twincast.voice.base import Speech

from . import features as ft
from .convert import SourceStats, match_rms
from .profile import VoiceProfile


def warp_factor(profile: VoiceProfile, source: SourceStats) -> float:
    t = np.asarray(profile.meta["formants_hz"], np.float64)
    s = np.asarray(source.formants_hz or t, np.float64)
    return float(np.clip(np.exp(np.mean(np.log(t / s))), 0.75, 1.3))


def _eq_curve(profile: VoiceProfile, source: SourceStats, alpha: float) -> np.ndarray:
    """(N_MEL,) log gain: the person's long-term envelope minus the warped TTS one."""
    grid = ft.mel_grid()
    src = np.interp(grid / alpha, grid, source.lt_env())  # warped source envelope
    diff = profile.lt_env.astype(np.float64) - src
    inside = grid < profile.bandwidth_hz * 0.95
    diff[~inside] = diff[inside][-1] if inside.any() else 0.0
    width = 9  # bins ~ 300 mel: only the broad tilt, not formant detail
    kernel = np.hanning(width + 2)[1:-1]
    padded = np.pad(diff, width // 2, mode="edge")
    smooth = np.convolve(padded, kernel / kernel.sum(), mode="valid")
    return smooth - smooth[inside].mean() if inside.any() else smooth


class DspConverter:
    """Router transform: the baseline conversion towards ``profile``."""

    def __init__(self, profile: VoiceProfile, source: SourceStats) -> None:
        self.profile, self.source = profile, source
        self.alpha = warp_factor(profile, source)
        self.eq = _eq_curve(profile, source, self.alpha)

    def __call__(self, speech: Speech) -> Speech:
        return self.convert(speech)

    def convert(self, speech: Speech) -> Speech:
        sr, n = speech.sample_rate, len(speech.audio)
        if n < int(0.1 * sr):
            return speech
        pw = ft.pyworld()
        fr = ft.analyse(speech.audio, sr)
        freqs = np.linspace(0, sr / 2, fr.sp.shape[1])
        logsp = np.log(np.maximum(fr.sp, 1e-16))
        src_f = np.clip(freqs / self.alpha, 0, sr / 2)
        warped = np.stack([np.interp(src_f, freqs, row) for row in logsp])
        gain = np.interp(freqs, ft.mel_grid(), self.eq)
        logsp = warped + gain[None, :]
        v = fr.f0 > 0
        f0 = fr.f0.copy()
        z = (np.log(f0[v]) - self.source.logf0_median) / self.source.logf0_spread
        f0[v] = np.exp(self.profile.logf0_median + z * self.profile.logf0_spread)
        y = pw.synthesize(f0, np.exp(logsp), fr.ap, sr, ft.FRAME_MS)
        y = y[:n] if len(y) >= n else np.pad(y, (0, n - len(y)))
        y = match_rms(y, speech.audio).astype(np.float32)
        return Speech(y, sr, list(speech.phones), speech.text, speech.lang, list(speech.words))
