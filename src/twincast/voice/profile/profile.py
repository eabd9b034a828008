"""The ``.voice`` file: a person's voice as frames of their own recordings.

What it holds (all computed by :func:`build_profile` from 1-5 minutes of speech):

- the person's speech frames (5 ms, WORLD): log-mel envelope (float16), voicing, coded
  aperiodicity, matching cepstra statistics; at most :data:`MAX_FRAMES` frames, evenly thinned;
- pitch: log-F0 mean/std and the F0 median (Hz);
- the long-term voiced envelope and F1-F3 medians, for the cheap DSP mode;
- where it came from: file names, speech seconds, SNR, bandwidth.

Layout: a zip with ``manifest.json`` and ``arrays.npz``, like the ``.twin`` avatar, so an
avatar can carry the same bytes (:meth:`VoiceProfile.to_bytes`).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twincast.errors import TwincastError

from ...paths import temp_sibling
from . import features as ft
from .audio import ANALYSIS_RATE, MIN_SPEECH_S, Recording, frame_levels, load_recordings, speech_mask

FORMAT = "twincast-voice"
FORMAT_VERSION = 1
MAX_FRAMES = 40_000  # 200 s of 5 ms frames; longer input is thinned evenly
_ARRAYS = ("log_mel", "voiced", "coded_ap", "lt_env")


@dataclass
class VoiceProfile:
    name: str
    log_mel: np.ndarray  # (N, N_MEL) float16: log power envelopes of the person's frames
    voiced: np.ndarray  # (N,) bool
    coded_ap: np.ndarray  # (N, B) float16: WORLD coded aperiodicity (dB)
    lt_env: np.ndarray  # (N_MEL,) float32: long-term mean log envelope of voiced frames
    meta: dict = field(default_factory=dict)

    # -- derived, not stored -------------------------------------------------------------
    def __post_init__(self) -> None:
        self._cep = None

    @property
    def logf0_median(self) -> float:
        return float(self.meta["logf0_median"])

    @property
    def logf0_spread(self) -> float:
        return float(self.meta["logf0_spread"])

    @property
    def f0_median(self) -> float:
        return float(self.meta["f0_median_hz"])

    @property
    def bandwidth_hz(self) -> float:
        return float(self.meta["bandwidth_hz"])

    @property
    def cepstra(self) -> np.ndarray:
        if self._cep is None:
            self._cep = ft.cepstra(self.log_mel.astype(np.float32))
        return self._cep

    @property
    def speech_seconds(self) -> float:
        return float(self.meta.get("speech_seconds", 0.0))

    # -- files ---------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "name": self.name,
                    "meta": self.meta}
        arrays = io.BytesIO()
        np.savez_compressed(arrays, **{k: getattr(self, k) for k in _ARRAYS})
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            zf.writestr("arrays.npz", arrays.getvalue(), compress_type=zipfile.ZIP_STORED)
        return buf.getvalue()

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_sibling(path)
        tmp.write_bytes(self.to_bytes())
        tmp.replace(path)
        return path

    @classmethod
    def from_bytes(cls, data: bytes, origin: str = "voice profile") -> "VoiceProfile":
        fix = "rebuild it with `twincast voice build RECORDING.wav ... -o NAME.voice`"
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                manifest = json.loads(zf.read("manifest.json"))
                npz = np.load(io.BytesIO(zf.read("arrays.npz")))
                arrays = {k: npz[k] for k in npz.files}
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, ValueError) as exc:
            raise TwincastError(f"{origin} is not a readable .voice profile ({exc})", fix) from None
        if manifest.get("format") != FORMAT:
            raise TwincastError(f"{origin} is not a twincast voice profile", fix)
        if manifest.get("format_version") != FORMAT_VERSION:
            raise TwincastError(f"{origin} has voice format {manifest.get('format_version')}, "
                                f"this twincast reads {FORMAT_VERSION}", fix)
        missing = [k for k in _ARRAYS if k not in arrays]
        if missing:
            raise TwincastError(f"{origin} lacks {', '.join(missing)}", fix)
        return cls(manifest["name"], arrays["log_mel"], arrays["voiced"].astype(bool),
                   arrays["coded_ap"], arrays["lt_env"], manifest["meta"])

    @classmethod
    def load(cls, path: str | Path) -> "VoiceProfile":
        path = Path(path)
        if not path.is_file():
            raise TwincastError(f"voice profile not found: {path}",
                                "build one with `twincast voice build RECORDING.wav -o NAME.voice`")
        return cls.from_bytes(path.read_bytes(), str(path))


def _formants(audio: np.ndarray, rate: int) -> list[float]:
    """Median F1-F3 (Hz) over the voiced speech (Praat Burg)."""
    import parselmouth

    snd = parselmouth.Sound(np.asarray(audio, np.float64), sampling_frequency=rate)
    fmt = snd.to_formant_burg(time_step=0.01, max_number_of_formants=5, maximum_formant=5000.0)
    pitch = snd.to_pitch(time_step=0.01, pitch_floor=ft.F0_FLOOR, pitch_ceiling=ft.F0_CEIL)
    out = []
    times = [t for t in pitch.xs() if pitch.get_value_at_time(t) == pitch.get_value_at_time(t)]
    for i in (1, 2, 3):
        vals = np.array([fmt.get_value_at_time(i, t) for t in times], np.float64)
        vals = vals[np.isfinite(vals)]
        out.append(float(np.median(vals)) if len(vals) else float(500 * (2 * i - 1)))
    return out


def _speech_frames(rec: Recording) -> tuple[ft.Frames, np.ndarray]:
    """WORLD frames of a whole recording and the mask of its speech frames."""
    frames = ft.analyse(rec.audio, ANALYSIS_RATE)
    levels = frame_levels(rec.audio, ANALYSIS_RATE, ft.FRAME_MS / 1000)
    mask, _, _ = speech_mask(levels)
    n = min(len(mask), len(frames.f0))
    keep = np.zeros(len(frames.f0), bool)
    keep[:n] = mask[:n]
    # the loud part of speech only: very quiet edges are mostly room, not voice
    lm_level = ft.band_level(ft.log_mel(frames.sp, ANALYSIS_RATE))
    if keep.any():
        keep &= lm_level > np.percentile(lm_level[keep], 98) - np.log(10 ** 4.0)
    return frames, keep


def build_profile(paths: list[str | Path], name: str | None = None,
                  min_speech_s: float = MIN_SPEECH_S, progress=None) -> VoiceProfile:
    """A profile from recordings of ONE person (checked by :func:`load_recordings`)."""
    started = time.perf_counter()
    recs = load_recordings(paths, min_speech_s=min_speech_s)
    lms, voiced, aps, f0s, speech = [], [], [], [], []
    for i, rec in enumerate(recs):
        if progress:
            progress(i, len(recs), rec.path.name)
        frames, keep = _speech_frames(rec)
        lm = ft.log_mel(frames.sp, ANALYSIS_RATE)
        lms.append(lm[keep])
        voiced.append(frames.f0[keep] > 0)
        aps.append(ft.code_ap(frames.ap, ANALYSIS_RATE)[keep])
        f0s.append(frames.f0[keep])
        speech.append(rec.speech)
    log_mel = np.concatenate(lms)
    v = np.concatenate(voiced)
    ap = np.concatenate(aps)
    f0 = np.concatenate(f0s)
    if v.sum() < 100:
        raise TwincastError(f"only {v.sum() * ft.FRAME_MS / 1000:.1f} s of voiced speech found in "
                            f"{', '.join(r.path.name for r in recs)}",
                            "record the person speaking in a normal voice (not whispering)")
    lt_env = log_mel[v].astype(np.float64).mean(axis=0).astype(np.float32)
    if len(log_mel) > MAX_FRAMES:
        idx = np.linspace(0, len(log_mel) - 1, MAX_FRAMES).round().astype(int)
        log_mel, v, ap = log_mel[idx], v[idx], ap[idx]
    mu, sd = ft.log_f0_stats(f0)
    all_speech = np.concatenate(speech)
    bandwidth = min(r.bandwidth_hz for r in recs)
    meta = {
        "logf0_median": mu, "logf0_spread": sd,
        "f0_median_hz": float(np.median(f0[f0 > 0])),
        "formants_hz": _formants(all_speech, ANALYSIS_RATE),
        "bandwidth_hz": bandwidth,
        "speech_seconds": float(sum(r.speech_seconds for r in recs)),
        "frames": int(len(log_mel)),
        "sources": [{"file": r.path.name, "rate": r.source_rate, "channels": r.channels,
                     "speech_s": round(r.speech_seconds, 2), "snr_db": round(r.snr_db, 1)}
                    for r in recs],
        "analysis_rate": ANALYSIS_RATE,
        "build_seconds": round(time.perf_counter() - started, 2),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    name = name or recs[0].path.stem
    return VoiceProfile(name, log_mel.astype(np.float16), v, ap.astype(np.float16), lt_env, meta)
