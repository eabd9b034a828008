"""Give timings to speech that came without them, by aligning it to speech that has them.

Why: a remote voice server (OpenAI-style, CosyVoice, GPT-SoVITS on someone's GPU) returns
audio only, but the lips need phone timings. We synthesise the same sentence locally with an
engine that knows its timings (Piper for English, the FastSpeech2 voice for Mandarin), then
warp the local timings onto the remote audio with dynamic time warping (DTW) of MFCC features.
Both recordings say the same words in the same order, so the warping path is a monotone map
from local time to remote time; phone and word boundaries are carried through it.

Design choices:
- Features: 13 MFCCs (c0 included, so silence and speech separate) plus their deltas, each
  normalised per recording (mean and variance), which removes most of the speaker and channel
  difference between the two voices. 25 ms windows every 10 ms at 16 kHz; long pairs switch to
  a 20 ms hop so the cost matrix stays under a few tens of MB.
- Silence at either end is cut before the DTW (energy 40 dB under the peak): a server that
  adds 0.5 s of lead-in would otherwise pull the path. The cut parts map linearly.
- DTW with the symmetric step pattern (diagonal step costs twice), solved row by row with a
  prefix-minimum trick so it is vectorised in numpy; no compiled dependency.
- A boundary between local frames b-1 and b maps to the midpoint between the last remote frame
  paired with b-1 and the first paired with b, so long holds split evenly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twincast.voice.base import PhoneSpan, Speech, WordSpan

FEATURE_RATE = 16000
WIN = 400  # 25 ms
N_FFT = 512
N_MELS = 40
N_MFCC = 13
MAX_CELLS = 6_000_000  # DTW cells before the hop doubles
SILENCE_DB = 40.0


def _resample(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    x = np.asarray(audio, np.float32).reshape(-1)
    if sample_rate == FEATURE_RATE:
        return x
    import soxr

    return soxr.resample(x, sample_rate, FEATURE_RATE, quality="HQ").astype(np.float32)


def _mel_matrix() -> np.ndarray:
    def hz_to_mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def mel_to_hz(m):
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    edges = mel_to_hz(np.linspace(hz_to_mel(60.0), hz_to_mel(7600.0), N_MELS + 2))
    bins = np.fft.rfftfreq(N_FFT, 1.0 / FEATURE_RATE)
    fb = np.zeros((N_MELS, len(bins)), np.float32)
    for i in range(N_MELS):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        fb[i] = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0, None)
    return fb


_MEL = _mel_matrix()
_DCT = np.cos(np.pi / N_MELS * (np.arange(N_MELS)[None, :] + 0.5)
              * np.arange(N_MFCC)[:, None]).astype(np.float32)


def frame_energy_db(x: np.ndarray, hop: int) -> np.ndarray:
    n = max(1, 1 + (len(x) - WIN) // hop) if len(x) >= WIN else 1
    pad = np.pad(x, (0, max(0, (n - 1) * hop + WIN - len(x))))
    idx = np.arange(WIN)[None, :] + hop * np.arange(n)[:, None]
    return 10 * np.log10(np.mean(pad[idx] ** 2, axis=1) + 1e-10)


def mfcc(x: np.ndarray, hop: int) -> np.ndarray:
    """(frames, 26) MFCC + delta features of 16 kHz audio, normalised per recording."""
    if len(x) < WIN:
        x = np.pad(x, (0, WIN - len(x)))
    x = np.append(x[0], x[1:] - 0.97 * x[:-1]).astype(np.float32)  # pre-emphasis
    n = 1 + (len(x) - WIN) // hop
    idx = np.arange(WIN)[None, :] + hop * np.arange(n)[:, None]
    frames = x[idx] * np.hanning(WIN).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, N_FFT)) ** 2
    logmel = np.log(power @ _MEL.T + 1e-8)
    cep = logmel @ _DCT.T
    delta = np.gradient(cep, axis=0) if n > 1 else np.zeros_like(cep)
    feats = np.concatenate([cep, delta], axis=1)
    feats -= feats.mean(axis=0)
    feats /= feats.std(axis=0) + 1e-6
    return feats.astype(np.float32)


def dtw_path(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Warping path [(i, j), ...] from (0, 0) to (len(a)-1, len(b)-1) between feature rows."""
    n, m = len(a), len(b)
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    cost = np.sqrt(np.maximum(sq, 0.0)).astype(np.float32)
    acc = np.empty((n, m), np.float32)
    acc[0] = np.cumsum(cost[0])
    for i in range(1, n):
        c = cost[i]
        prev = acc[i - 1]
        tmp = prev + c  # vertical step
        tmp[1:] = np.minimum(tmp[1:], prev[:-1] + 2.0 * c[1:])  # diagonal step
        csum = np.cumsum(c)
        acc[i] = csum + np.minimum.accumulate(tmp - csum)  # horizontal steps
    i, j = n - 1, m - 1
    path = [(i, j)]
    while i > 0 or j > 0:
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            c = cost[i, j]
            options = (acc[i - 1, j - 1] + 2 * c, acc[i - 1, j] + c, acc[i, j - 1] + c)
            k = int(np.argmin(options))
            i, j = (i - 1, j - 1) if k == 0 else (i - 1, j) if k == 1 else (i, j - 1)
        path.append((i, j))
    return np.array(path[::-1], np.int64)


def _speech_bounds(x: np.ndarray, hop: int) -> tuple[int, int]:
    """First and one-past-last sample of the part louder than the peak minus 40 dB."""
    db = frame_energy_db(x, hop)
    loud = np.nonzero(db > db.max() - SILENCE_DB)[0]
    if len(loud) == 0:
        return 0, len(x)
    return int(loud[0] * hop), int(min(len(x), loud[-1] * hop + WIN))


@dataclass
class TimeMap:
    """A monotone map from reference (local) seconds to target (remote) seconds."""

    ref_knots: np.ndarray
    tgt_knots: np.ndarray
    ref_duration: float
    tgt_duration: float

    def __call__(self, t):
        return np.interp(t, self.ref_knots, self.tgt_knots)


def time_map(ref_audio: np.ndarray, ref_rate: int, tgt_audio: np.ndarray,
             tgt_rate: int) -> TimeMap:
    """DTW the two recordings and return the reference-to-target time map."""
    ref = _resample(ref_audio, ref_rate)
    tgt = _resample(tgt_audio, tgt_rate)
    ref_dur, tgt_dur = len(ref) / FEATURE_RATE, len(tgt) / FEATURE_RATE
    hop = 160
    if (len(ref) / hop) * (len(tgt) / hop) > MAX_CELLS:
        hop = 320
    r0, r1 = _speech_bounds(ref, hop)
    t0, t1 = _speech_bounds(tgt, hop)
    fa, fb = mfcc(ref[r0:r1], hop), mfcc(tgt[t0:t1], hop)
    path = dtw_path(fa, fb)
    na = len(fa)
    lo = np.full(na, np.iinfo(np.int64).max)
    hi = np.full(na, -1)
    np.minimum.at(lo, path[:, 0], path[:, 1])
    np.maximum.at(hi, path[:, 0], path[:, 1])
    # boundary before reference frame k (k = 1..na-1) sits between hi[k-1] and lo[k]
    k = np.arange(1, na)
    tgt_b = (hi[:-1] + 1 + lo[1:]) / 2.0
    ref_knots = np.concatenate([[0.0, r0 / FEATURE_RATE], (r0 + k * hop) / FEATURE_RATE,
                                [r1 / FEATURE_RATE, ref_dur]])
    tgt_knots = np.concatenate([[0.0, t0 / FEATURE_RATE], (t0 + tgt_b * hop) / FEATURE_RATE,
                                [t1 / FEATURE_RATE, tgt_dur]])
    ref_knots = np.maximum.accumulate(np.minimum(ref_knots, ref_dur))
    tgt_knots = np.maximum.accumulate(np.clip(tgt_knots, 0.0, tgt_dur))
    return TimeMap(ref_knots, tgt_knots, ref_dur, tgt_dur)


def transfer_timings(reference: Speech, audio: np.ndarray, sample_rate: int,
                     text: str | None = None) -> Speech:
    """``audio`` (same words as ``reference``) as a Speech with the reference's phones and
    words re-timed onto it. Spans stay contiguous and cover the new audio exactly."""
    audio = np.asarray(audio, np.float32).reshape(-1)
    duration = len(audio) / sample_rate
    if not reference.phones or len(audio) == 0:
        return Speech(audio, sample_rate, [], text or reference.text, reference.lang)
    tmap = time_map(reference.audio, reference.sample_rate, audio, sample_rate)
    bounds = np.array([p.start for p in reference.phones] + [reference.phones[-1].end])
    mapped = np.maximum.accumulate(tmap(bounds))
    mapped[0], mapped[-1] = 0.0, duration
    mapped = np.clip(mapped, 0.0, duration)
    phones = [PhoneSpan(p.symbol, float(a), float(b), p.lang)
              for p, a, b in zip(reference.phones, mapped[:-1], mapped[1:])]
    words = []
    for w in reference.words:
        s, e = (float(v) for v in np.clip(tmap(np.array([w.start, w.end])), 0.0, duration))
        words.append(WordSpan(w.text, s, max(s, e)))
    return Speech(audio, sample_rate, phones, text or reference.text, reference.lang, words)
