"""Make synthetic speech sound like the person whose recordings built the profile.

Default method, ``"ot"`` (per 5 ms WORLD frame of the TTS output, F0 from Praat):

1. **Envelope: optimal transport of the frame distribution.** The TTS voice's log-mel
   envelopes (from a calibration set of its own sentences) and the person's (every speech
   frame of the profile) are each summarised as a Gaussian per voicing class (voiced /
   unvoiced): mean vector and full covariance over the mel bins inside the profile's bandwidth.
   Each TTS frame is moved by the closed-form optimal-transport map between the two Gaussians,
   ``y = m_t + A (x - m_s)`` with ``A = S^-1/2 (S^1/2 T S^1/2)^1/2 S^-1/2`` (S, T source and
   target covariances): the smallest change that turns the TTS voice's whole distribution of
   spectra into the person's (average formant positions, spectral tilt, how the bands co-vary)
   while every frame keeps its own phonetic detail (it is the same frame, transformed). A's
   eigenvalues are floored (:data:`CONTRAST_FLOOR`): unconstrained, the map squeezes some
   directions of spectral variation to a third, and intelligibility goes with them (Mandarin
   also caps them at 1.0, ``ceiling``: see :func:`gaussian_ot`). Each frame
   keeps the TTS loudness over 0-3.8 kHz, so syllables and pauses stay where they were.
   Optionally (``warp``; the Mandarin default, "auto") the TTS envelope's frequency axis is
   first scaled by the person's / voice's formant ratio (vocal-tract length, female -> male
   ~0.92-0.95 here): a shift of formants along the axis is what a per-bin linear map cannot do.
2. **Pitch**: log-F0 median and spread mapping (the TTS contour, re-centred and re-scaled;
   per utterance as an option, :func:`utterance_log_f0_centre`).
3. **Aperiodicity**: the mean of the k nearest of the person's frames (normalised cepstra,
   searched among frames of the same voicing) - breathiness and noise in the voice.
4. WORLD resynthesis at the input rate, exactly as many samples as the input, so phone and
   word timings that drive the lips stay valid. Above the profile's bandwidth (e.g. 3.8 kHz
   for telephone audio) the TTS envelope is kept, shifted to join the new one at the edge.

``"knn"`` is frame selection (kNN-VC-style, Baas et al. 2023, on cepstra instead of WavLM):
the envelope is the mean of the k nearest real frames of the person (3-frame smoothed). It is
about as close to the person by speaker embedding but far less intelligible with 30 s - 2 min
of reference (docs/voice.md has the numbers), so it is not the default. The DSP baseline
(F0 mapping + warp + EQ) lives in :mod:`.dsp`. Cost: RTF ~0.13 on one core, mostly WORLD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twincast.voice.base import Speech

from . import features as ft
from .profile import VoiceProfile

K_NEAREST = 4
SMOOTH_FRAMES = 3
QUIET_DB = 50.0  # source frames this far below the loudest keep their own envelope
SHRINK = 0.05  # covariance shrinkage towards a scaled identity
CONTRAST_FLOOR = 0.6  # the map never compresses a direction of spectral variation below this
METHODS = ("ot", "knn")
WARP_RANGE = (0.8, 1.2)  # vocal-tract-length ratios beyond this are analysis errors, not people
MIN_CENTRE_FRAMES = 20  # voiced frames (0.1 s) an utterance needs to be centred on its own F0
CENTRES = ("utterance", "voice")


@dataclass
class SourceStats:
    """How the TTS voice itself sounds: what the mapping maps *from*."""

    frames_lm: np.ndarray  # (M, N_MEL) float16 log-mel envelopes of its loud frames
    frames_voiced: np.ndarray  # (M,) bool
    logf0_median: float
    logf0_spread: float
    level_ref: float  # 98th percentile frame level (log power over the matching band)
    formants_hz: list[float] | None = None  # F1-F3 medians (DSP mode)

    @classmethod
    def from_speech(cls, speeches: list[Speech]) -> "SourceStats":
        """Statistics of a TTS voice from some of its sentences (20-30 s is plenty)."""
        from .profile import _formants

        lms, voiced, f0, levels = [], [], [], []
        for s in speeches:
            fr = ft.analyse(s.audio, s.sample_rate)
            lm = ft.log_mel(fr.sp, s.sample_rate)
            lms.append(lm)
            voiced.append(fr.f0 > 0)
            f0.append(fr.f0)
            levels.append(ft.band_level(lm))
        level = np.concatenate(levels)
        ref = float(np.percentile(level, 98))
        loud = level > ref - np.log(10 ** (QUIET_DB / 10))
        rate = speeches[0].sample_rate
        audio = np.concatenate([s.audio for s in speeches if s.sample_rate == rate])
        mu, sd = ft.log_f0_stats(np.concatenate(f0))
        return cls(np.concatenate(lms)[loud].astype(np.float16), np.concatenate(voiced)[loud],
                   mu, sd, ref, _formants(audio, rate))

    def lt_env(self) -> np.ndarray:
        """Long-term log-mel envelope of the voiced frames."""
        return self.frames_lm[self.frames_voiced].astype(np.float64).mean(axis=0)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"frames_lm": self.frames_lm, "frames_voiced": self.frames_voiced,
                "scalars": np.array([self.logf0_median, self.logf0_spread, self.level_ref]),
                "formants_hz": np.asarray(self.formants_hz or [], np.float64)}

    @classmethod
    def from_arrays(cls, a) -> "SourceStats":
        mu, sd, ref = (float(v) for v in a["scalars"])
        formants = [float(v) for v in a["formants_hz"]] or None
        return cls(a["frames_lm"], a["frames_voiced"].astype(bool), mu, sd, ref, formants)


def formant_warp(profile: VoiceProfile, source: SourceStats) -> float:
    """Vocal-tract-length ratio person / TTS voice: geometric mean of their F1-F3 median ratios
    (Praat Burg medians over voiced speech), clipped to :data:`WARP_RANGE`."""
    target, voice = profile.meta.get("formants_hz"), source.formants_hz
    if not target or not voice:
        return 1.0
    ratio = np.exp(np.mean(np.log(np.asarray(target[:3], float) / np.asarray(voice[:3], float))))
    return float(np.clip(ratio, *WARP_RANGE))


def utterance_log_f0_centre(f0: np.ndarray, fallback: float) -> float:
    """Median log F0 of one utterance's voiced frames, for ``centre="utterance"``: the point
    the pitch map then moves to the person's median (``fallback``, the voice's long-term
    median, below :data:`MIN_CENTRE_FRAMES`).

    Why it is an option and not the default: joe's sentence medians spread over 81-98 Hz
    around a long-term 89-90 Hz, and the range scaling (x1.27 for the two_cities reader)
    amplifies a sentence's offset, so one sentence can land 3-6 % off the person's median.
    Centring every utterance removes that, but measured on the same TTS audio it was no better
    for similarity and cost words (docs/voice.md, session 6: English dev WER 1.1 -> 1.6 and
    1.6 -> 2.6, Mandarin held-out CER on the radio profile 6.5 -> 12.0), and it flattens the
    level differences between sentences. The default stays the voice's long-term median.
    """
    lf = np.log(f0[f0 > 0])
    return float(np.median(lf)) if len(lf) >= MIN_CENTRE_FRAMES else float(fallback)


def _psd_sqrt(m: np.ndarray, inverse: bool = False) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.T) / 2)
    w = np.maximum(w, 1e-8)
    return (v * (w ** (-0.5 if inverse else 0.5))) @ v.T


def _shrunk_cov(x: np.ndarray) -> np.ndarray:
    c = np.cov(x.T)
    return (1 - SHRINK) * c + SHRINK * np.trace(c) / len(c) * np.eye(len(c))


def gaussian_ot(xs: np.ndarray, xt: np.ndarray, floor: float = 0.0,
                ceiling: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(m_s, m_t, A): the optimal-transport map between Gaussian fits of two frame sets.

    ``floor`` > 0 clips A's eigenvalues from below: no direction of the TTS voice's spectral
    variation is compressed by more than that factor (phonetic contrast is kept).
    ``ceiling`` clips them from above: no direction is amplified beyond it. Why (Mandarin):
    the female voice's envelopes, read between harmonics 240 Hz apart, are smoother than a
    92-115 Hz male's, so the unconstrained map amplifies most of the voice's directions of
    variation (up to x2.2), its analysis noise included, and at the male pitch the dense
    harmonics render that noise: Whisper's per-sentence CER on the radio profile went
    33 -> 24 % with the ceiling at 1.0 (docs/voice.md, session 7).
    """
    ms, mt = xs.mean(axis=0), xt.mean(axis=0)
    cs, ct = _shrunk_cov(xs), _shrunk_cov(xt)
    cs_h, cs_ih = _psd_sqrt(cs), _psd_sqrt(cs, inverse=True)
    a = cs_ih @ _psd_sqrt(cs_h @ ct @ cs_h) @ cs_ih
    if floor > 0 or ceiling:
        w, v = np.linalg.eigh((a + a.T) / 2)
        a = (v * np.clip(w, floor if floor > 0 else None, ceiling or None)) @ v.T
    return ms, mt, a


class _Index:
    """The person's frames, normalised cepstra split by voicing, for a dot-product search."""

    def __init__(self, profile: VoiceProfile) -> None:
        cep = profile.cepstra
        self.log_mel = profile.log_mel.astype(np.float32)
        self.ap = profile.coded_ap.astype(np.float32)
        self.pools: dict[bool, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.norm: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
        for flag in (True, False):
            idx = np.flatnonzero(profile.voiced == flag)
            if len(idx) < K_NEAREST * 4:
                idx = np.arange(len(cep))
            mu, sd = ft.norm_stats(cep[idx])
            z = ((cep[idx] - mu) / sd).astype(np.float32)
            self.norm[flag] = (mu, sd)
            self.pools[flag] = (idx, z, (z ** 2).sum(1))

    def nearest(self, z: np.ndarray, voiced: bool, k: int) -> np.ndarray:
        """(T, k) profile frame indices nearest to the normalised features ``z``."""
        idx, zt, nt = self.pools[voiced]
        d = nt[None, :] - 2.0 * (z @ zt.T)  # + |z|^2, constant per row
        k = min(k, zt.shape[0])
        return idx[np.argpartition(d, k - 1, axis=1)[:, :k]]


class ProfileConverter:
    """Applies a profile to speech from one TTS voice; usable as a router transform."""

    def __init__(self, profile: VoiceProfile, source: SourceStats, method: str = "ot",
                 k: int = K_NEAREST, pitch: bool = True, envelope: bool = True,
                 aperiodicity: bool = True, relevel: float = 1.0,
                 floor: float = CONTRAST_FLOOR, pitch_range: float | None = None,
                 warp: float | str | None = None, centre: str = "voice",
                 ceiling: float | None = None) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}")
        if centre not in CENTRES:
            raise ValueError(f"centre must be one of {CENTRES}")
        # "voice": the voice's long-term median goes to the person's, sentence levels kept;
        # "utterance": each utterance's own median does (utterance_log_f0_centre)
        self.centre = centre
        self.profile, self.source, self.method, self.k = profile, source, method, k
        self.pitch, self.envelope, self.aperiodicity = pitch, envelope, aperiodicity
        self.relevel = relevel  # 1: every frame keeps the TTS loudness; 0: the mapped one
        # log-F0 scale factor: None = the person's spread over the voice's; 1.0 keeps the
        # voice's own range (tones: a Mandarin voice must not get an English speaker's range)
        self.pitch_range = pitch_range
        # frequency warp applied to the TTS envelopes before the map (None/1.0: none; "auto":
        # the formant ratio). The map then only has to fix what a vocal-tract scaling does not.
        self.warp = formant_warp(profile, source) if warp == "auto" else float(warp or 1.0)
        src_lm = ft.warp_log_mel(source.frames_lm, self.warp)
        self.index = _Index(profile)
        self.source_norm = {}
        src_cep = ft.cepstra(src_lm.astype(np.float32))
        for flag in (True, False):
            sel = source.frames_voiced == flag
            self.source_norm[flag] = ft.norm_stats(src_cep[sel] if sel.sum() > 20 else src_cep)
        self.ot_bins = int(np.searchsorted(ft.mel_grid(), min(profile.bandwidth_hz, 11_000.0)))
        self.ot = {}
        if method == "ot":
            src = src_lm[:, :self.ot_bins].astype(np.float64)
            for flag in (True, False):
                sel = source.frames_voiced == flag
                xs = src[sel] if sel.sum() > 50 else src
                xt = self.index.log_mel[self.index.pools[flag][0], :self.ot_bins]
                self.ot[flag] = gaussian_ot(xs, xt.astype(np.float64), floor, ceiling)

    # -- the parts ---------------------------------------------------------------------
    def map_f0(self, f0: np.ndarray) -> np.ndarray:
        """One utterance's F0 contour moved to the person's pitch: median and range."""
        out = f0.copy()
        v = f0 > 0
        scale = (self.profile.logf0_spread / self.source.logf0_spread
                 if self.pitch_range is None else self.pitch_range)
        centre = (utterance_log_f0_centre(f0, self.source.logf0_median)
                  if self.centre == "utterance" else self.source.logf0_median)
        out[v] = np.exp(self.profile.logf0_median + (np.log(f0[v]) - centre) * scale)
        return np.clip(out, 0, ft.F0_CEIL * 1.5)

    def neighbours(self, lm: np.ndarray, voiced: np.ndarray, active: np.ndarray) -> np.ndarray:
        """(T, k) indices of the person's frames nearest to each active TTS frame."""
        cep = ft.cepstra(lm)
        nn = np.zeros((len(lm), self.k), np.int64)
        for flag in (True, False):
            rows = np.flatnonzero(active & (voiced == flag))
            if len(rows):
                mu, sd = self.source_norm[flag]
                z = ((cep[rows] - mu) / sd).astype(np.float32)
                nn[rows] = self.index.nearest(z, flag, self.k)
        return nn

    def map_envelope(self, lm: np.ndarray, voiced: np.ndarray, nn: np.ndarray) -> np.ndarray:
        if self.method == "knn":
            return self.index.log_mel[nn].mean(axis=1)
        out = lm.copy()
        nb = self.ot_bins
        for flag in (True, False):
            r = voiced == flag
            if r.any():
                ms, mt, a = self.ot[flag]
                out[r, :nb] = (lm[r, :nb] - ms) @ a.T + mt
        return out

    def __call__(self, speech: Speech) -> Speech:
        return self.convert(speech)

    def convert(self, speech: Speech) -> Speech:
        """``speech`` in the person's voice: same length, same phone and word timings."""
        sr, n = speech.sample_rate, len(speech.audio)
        if n < int(0.1 * sr):
            return speech
        fr = ft.analyse(speech.audio, sr)
        if self.envelope and self.warp != 1.0:
            fr.sp = ft.warp_envelope(fr.sp, self.warp)
        voiced = fr.f0 > 0
        lm = ft.log_mel(fr.sp, sr)
        level = ft.band_level(lm)
        active = level > self.source.level_ref - np.log(10 ** (QUIET_DB / 10))
        logsp = np.log(np.maximum(fr.sp, 1e-16))
        ap = fr.ap
        if (self.envelope or self.aperiodicity) and active.any():
            nn = self.neighbours(lm, voiced, active)
            if self.envelope:
                new = self.map_envelope(lm, voiced, nn)
                new += self.relevel * (level - ft.band_level(new))[:, None]
                if self.method == "knn":  # the selection jitters from frame to frame
                    new = _smooth(new, SMOOTH_FRAMES)
                new_sp = ft.from_log_mel(new, sr, fr.fft_size)
                new_sp = _join_above(new_sp, logsp, sr, self.profile.bandwidth_hz)
                logsp = np.where(active[:, None], new_sp, logsp)
            if self.aperiodicity:
                new_ap = ft.decode_ap(self.index.ap[nn].mean(axis=1), sr, fr.fft_size)
                ap = np.where((active & voiced)[:, None], new_ap, ap)
        f0 = self.map_f0(fr.f0) if self.pitch else fr.f0
        c = np.ascontiguousarray
        y = ft.pyworld().synthesize(c(f0), c(np.exp(logsp)), c(ap), sr, ft.FRAME_MS)
        y = y[:n] if len(y) >= n else np.pad(y, (0, n - len(y)))
        y = match_rms(y, speech.audio).astype(np.float32)
        return Speech(y, sr, list(speech.phones), speech.text, speech.lang, list(speech.words))


def _smooth(x: np.ndarray, width: int) -> np.ndarray:
    """Moving average over ``width`` frames (edges repeated)."""
    if width <= 1 or len(x) < width:
        return x
    pad = width // 2
    xp = np.pad(x, ((pad, width - 1 - pad), (0, 0)), mode="edge")
    c = np.cumsum(np.concatenate([np.zeros((1, x.shape[1])), xp]), axis=0)
    return ((c[width:] - c[:-width]) / width).astype(x.dtype)


def _join_above(new: np.ndarray, src: np.ndarray, rate: int, bandwidth: float) -> np.ndarray:
    """``new`` below ``bandwidth``; ``src`` above it, shifted to meet ``new`` at the edge."""
    freqs = np.linspace(0, rate / 2, new.shape[1])
    if bandwidth >= rate / 2 * 0.98:
        return new
    edge, top = np.searchsorted(freqs, bandwidth * 0.9), np.searchsorted(freqs, bandwidth)
    offset = (new[:, edge:top].mean(axis=1) - src[:, edge:top].mean(axis=1))[:, None]
    fade = np.clip((freqs - bandwidth * 0.9) / (bandwidth * 0.1), 0, 1)[None, :]
    return new * (1 - fade) + (src + offset) * fade


def match_rms(y: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``y`` scaled to the RMS of ``ref``, then kept below full scale."""
    r = float(np.sqrt(np.mean(np.square(ref, dtype=np.float64)))) if len(ref) else 0.0
    cur = float(np.sqrt(np.mean(np.square(y)))) if len(y) else 0.0
    if cur > 0:
        y = y * (r / cur)
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    return y * (0.99 / peak) if peak > 0.99 else y
