"""Reading a person's recordings for a voice profile, and refusing the ones that would spoil it.

Why so strict: a profile copies the *frames* of the recordings into every sentence the avatar
says, so whatever is in them (hiss, clipping distortion, a hum, another room) is in the avatar's
voice too. Better to say which file is wrong and how to fix it than to build a bad voice.

Each file is decoded (soundfile, or FFmpeg through PyAV for mp3/m4a/...), mixed to mono,
resampled to :data:`ANALYSIS_RATE` and cut to its speech: frames quieter than the file's own
noise floor + 12 dB (and than its loud level - 40 dB) are dropped, with a 50 ms margin kept
around every speech run. The checks, in the order they run:

- silent: no sample above -60 dBFS, or no frame that stands out from the floor;
- clipped: more than :data:`MAX_CLIPPED` of the speech samples sit in runs of 3+ samples at the
  file's peak (a flat top), with the peak near full scale;
- noisy: speech level minus noise floor (10th percentile frame) below :data:`MIN_SNR_DB`;
- too short: less than :data:`MIN_SPEECH_S` of speech after trimming, all files together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twincast.errors import TwincastError

ANALYSIS_RATE = 24_000  # Hz: keeps up to 12 kHz of a good recording, cheap enough to analyse
MIN_SPEECH_S = 30.0  # seconds of speech after trimming, all files together
RECOMMENDED_S = (60.0, 300.0)
MIN_SNR_DB = 15.0
MAX_CLIPPED = 0.002  # fraction of speech samples inside flat-topped runs
_FRAME_S = 0.02
_SILENT_DBFS = -60.0


@dataclass
class Recording:
    """One input file after decoding: mono float32 at ``ANALYSIS_RATE`` and its speech."""

    path: Path
    source_rate: int
    channels: int
    audio: np.ndarray  # the whole file at ANALYSIS_RATE
    speech: np.ndarray  # only the speech runs, concatenated
    snr_db: float
    clipped: float  # fraction of speech samples in flat-topped runs

    @property
    def speech_seconds(self) -> float:
        return len(self.speech) / ANALYSIS_RATE

    @property
    def bandwidth_hz(self) -> float:
        """Highest frequency the recording can hold (95 % of its Nyquist, at most 11.4 kHz)."""
        return 0.95 * min(self.source_rate, ANALYSIS_RATE) / 2


def _decode(path: Path) -> tuple[np.ndarray, int]:
    """(samples, channels) float32 and the file's rate; soundfile first, then FFmpeg (PyAV)."""
    import soundfile as sf

    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
        return data, int(rate)
    except (RuntimeError, sf.LibsndfileError):
        pass
    try:
        import av

        with av.open(str(path)) as container:
            stream = next(s for s in container.streams if s.type == "audio")
            rate = stream.rate
            chunks = [frame.to_ndarray() for frame in container.decode(stream)]
        if not chunks:
            raise ValueError("no audio frames")
        arr = np.concatenate([c if c.ndim == 2 else c[None] for c in chunks], axis=1)
        if np.issubdtype(arr.dtype, np.integer):
            arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max)
        return arr.T.astype(np.float32), int(rate)
    except Exception as exc:  # noqa: BLE001 - any decoder failure is the same user problem
        raise TwincastError(f"{path}: cannot read it as audio ({exc.__class__.__name__})",
                            f"convert it to WAV, e.g. `ffmpeg -i {path.name} -ac 1 -ar 48000 "
                            f"{path.stem}.wav`") from None


def frame_levels(audio: np.ndarray, rate: int, frame_s: float = _FRAME_S) -> np.ndarray:
    """Per-frame RMS level in dBFS (non-overlapping frames)."""
    n = max(1, int(frame_s * rate))
    k = len(audio) // n
    if k == 0:
        return np.full(1, -120.0)
    power = np.mean(audio[:k * n].reshape(k, n).astype(np.float64) ** 2, axis=1)
    return 10 * np.log10(power + 1e-12)


def speech_mask(levels: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(speech frames, noise floor dB, speech level dB) from frame levels."""
    floor = float(np.percentile(levels, 10))
    loud = float(np.percentile(levels, 97))
    threshold = max(floor + 12.0, loud - 40.0)
    mask = levels > threshold
    # 50 ms margin around speech, and fill gaps shorter than 60 ms (stop closures)
    pad = 2
    grown = mask.copy()
    for s in range(1, pad + 1):
        grown[s:] |= mask[:-s]
        grown[:-s] |= mask[s:]
    speech_level = float(np.median(levels[mask])) if mask.any() else floor
    return grown, floor, speech_level


def _clipped_samples(audio: np.ndarray) -> int:
    """Samples in runs of >= 3 at (within 0.2 % of) a near-full-scale peak: flat tops."""
    peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
    if peak < 0.5:  # a quiet recording cannot have hit the converter's limit
        return 0
    at_peak = np.abs(audio) >= peak * 0.998
    edges = np.diff(np.concatenate([[0], at_peak.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    runs = ends - starts
    return int(runs[runs >= 3].sum())


def load_recording(path: str | Path) -> Recording:
    """Decode, check and trim one recording; raises :class:`TwincastError` naming the file."""
    import soxr

    path = Path(path)
    if not path.is_file():
        raise TwincastError(f"{path}: no such file", "check the path of the recording")
    data, rate = _decode(path)
    channels = data.shape[1]
    raw = data.mean(axis=1) if channels > 1 else data[:, 0]
    if len(raw) < int(0.5 * rate):
        raise TwincastError(f"{path}: only {len(raw) / rate:.2f} s long",
                            f"record at least {MIN_SPEECH_S:.0f} s of speech (1-5 min is best)")
    clipped_raw = _clipped_samples(np.clip(raw, -1, 1))
    audio = soxr.resample(raw.astype(np.float32), rate, ANALYSIS_RATE, quality="HQ")
    audio = np.asarray(audio, np.float32)
    peak_db = 20 * np.log10(float(np.max(np.abs(audio))) + 1e-12)
    levels = frame_levels(audio, ANALYSIS_RATE)
    mask, floor, speech_level = speech_mask(levels)
    if peak_db < _SILENT_DBFS or not mask.any() or speech_level - floor < 3.0:
        raise TwincastError(f"{path}: silent (peak {peak_db:.0f} dBFS, no speech found)",
                            "check the microphone and input level, and record the person "
                            "speaking; the file must not be empty or muted")
    n = int(_FRAME_S * ANALYSIS_RATE)
    keep = np.repeat(mask, n)
    keep = np.concatenate([keep, np.zeros(len(audio) - len(keep), bool)])
    speech = audio[keep]
    speech_raw_samples = int(keep.sum() * rate / ANALYSIS_RATE)
    clipped = clipped_raw / max(speech_raw_samples, 1)
    snr = speech_level - floor
    if clipped > MAX_CLIPPED:
        raise TwincastError(f"{path}: clipped ({100 * clipped:.1f} % of the speech is cut off "
                            "at full scale)",
                            "record again with the input gain lower (peaks around -6 dBFS); "
                            "clipping cannot be undone afterwards")
    if snr < MIN_SNR_DB:
        raise TwincastError(f"{path}: too noisy (speech only {snr:.1f} dB above the background, "
                            f"{MIN_SNR_DB:.0f} dB needed)",
                            "record in a quiet room, closer to the microphone, with fans, music "
                            "and other voices off")
    return Recording(path, rate, channels, audio, speech, snr, clipped)


def load_recordings(paths: list[str | Path], min_speech_s: float = MIN_SPEECH_S
                    ) -> list[Recording]:
    """All recordings, checked; together they must hold ``min_speech_s`` of speech."""
    if not paths:
        raise TwincastError("no recordings given",
                            "pass 1-5 minutes of the person's speech as WAV files")
    recs = [load_recording(p) for p in paths]
    total = sum(r.speech_seconds for r in recs)
    if total < min_speech_s:
        listing = ", ".join(f"{r.path.name} {r.speech_seconds:.1f} s" for r in recs)
        raise TwincastError(
            f"too short: {total:.1f} s of speech after trimming silence ({listing}); "
            f"a profile needs at least {min_speech_s:.0f} s",
            f"record {max(min_speech_s - total, 1):.0f} s more of the person speaking normally "
            f"({RECOMMENDED_S[0]:.0f}-{RECOMMENDED_S[1]:.0f} s in all is best) and pass every "
            "file to `twincast voice build`")
    return recs
