"""Speaker similarity: resemblyzer's d-vector encoder, in numpy, without torch.

The metric docs/voice.md and the tests report is the cosine between resemblyzer 0.1.4
utterance embeddings (GE2E speaker encoder: 40-band mel spectrogram, 3-layer LSTM of 256,
linear + ReLU, L2-normalised; partials of 1.6 s, averaged). resemblyzer itself needs torch
(~700 MB, or several GB of CUDA packages when pip resolves it from the registry), so this
module re-implements its forward pass and its preprocessing step for step:

- preprocessing (``resemblyzer.audio.preprocess_wav``): resample to 16 kHz (soxr, as the
  benchmark always did before calling resemblyzer), raise the level to -30 dBFS, drop silences
  longer than ~0.2 s with webrtcvad (mode 3, 30 ms windows, moving average 8, dilation 7);
- mel spectrogram (``librosa.feature.melspectrogram`` with librosa 0.11 defaults: 400-point
  periodic Hann, hop 160, zero-padded centre frames, power 2, 40 Slaney mel bands 0-8 kHz);
- partial slices, LSTM (gate order i, f, g, o as in ``torch.nn.LSTM``), ReLU, L2 norm, mean.

The weights are ``pretrained.pt`` from the resemblyzer wheel, read without torch
(:mod:`.torch_free`) and stored as ``<TWINCAST_HOME>/models/speaker_encoder/*.npz`` by
``scripts/setup_models.sh`` (``python -m twincast.voice.profile.similarity convert WHEEL``).
tests/test_voice_similarity_metric.py checks it against the torch original (cosine > 0.999)
where both are installed. Test and benchmark use only: twincast itself never needs it.
"""

from __future__ import annotations

import functools
import sys
import zipfile
from pathlib import Path

import numpy as np

from twincast import paths
from twincast.errors import TwincastError

RATE = 16_000
N_FFT, HOP, N_MELS = 400, 160, 40
PARTIAL_FRAMES = 160
VAD_WINDOW = 480  # 30 ms
VAD_AVERAGE, VAD_MAX_SILENCE = 8, 6
TARGET_DBFS = -30.0
INT16_MAX = 2 ** 15 - 1
WEIGHTS_NAME = "resemblyzer-0.1.4.npz"
SETUP_FIX = ("run `./run setup` (it extracts the weights from the resemblyzer 0.1.4 wheel on "
             "PyPI; no torch needed)")


def weights_path() -> Path:
    return paths.models_dir() / "speaker_encoder" / WEIGHTS_NAME


def convert(source: str | Path, out: str | Path | None = None) -> Path:
    """The encoder's weights from a resemblyzer wheel (or its ``pretrained.pt``) as ``.npz``."""
    from . import torch_free

    source, out = Path(source), Path(out) if out else weights_path()
    if source.suffix == ".whl":
        import tempfile

        with zipfile.ZipFile(source) as zf, tempfile.TemporaryDirectory() as tmp:
            pt = Path(zf.extract("resemblyzer/pretrained.pt", tmp))
            state = torch_free.load(pt)["model_state"]
    else:
        state = torch_free.load(source)["model_state"]
    arrays = {k.replace(".", "_"): np.asarray(v, np.float32) for k, v in state.items()
              if k.startswith(("lstm.", "linear."))}
    if len(arrays) != 14:
        raise ValueError(f"{source}: expected 3 LSTM layers + linear, found {sorted(arrays)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(out.stem + ".tmp.npz")
    np.savez(tmp_out, **arrays)
    tmp_out.replace(out)
    return out


def _installed_checkpoint() -> Path | None:
    """``pretrained.pt`` of an installed resemblyzer package (found without importing it,
    since importing it imports torch)."""
    import importlib.util

    spec = importlib.util.find_spec("resemblyzer")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        pt = Path(folder) / "pretrained.pt"
        if pt.is_file():
            return pt
    return None


def available() -> bool:
    """True when the encoder can run: weights extracted (or resemblyzer installed) + webrtcvad."""
    if not weights_path().is_file() and _installed_checkpoint() is None:
        return False
    try:
        _webrtcvad()
    except ImportError:
        return False
    return True


def _webrtcvad():
    """Import webrtcvad (2.0.10 needs ``pkg_resources``: see features.ensure_pkg_resources)."""
    from .features import ensure_pkg_resources

    ensure_pkg_resources()
    import webrtcvad

    return webrtcvad


# --- preprocessing -------------------------------------------------------------------------

def normalize_volume(wav: np.ndarray) -> np.ndarray:
    """Raise (never lower) the level to -30 dBFS."""
    rms = np.sqrt(np.mean((wav * INT16_MAX) ** 2))
    if not rms > 0:  # digital silence: nothing to raise (resemblyzer would divide by zero)
        return wav
    change = TARGET_DBFS - 20 * np.log10(rms / INT16_MAX)
    return wav if change < 0 else wav * (10 ** (change / 20))


def trim_long_silences(wav: np.ndarray) -> np.ndarray:
    """Keep speech (webrtcvad, smoothed and dilated): pauses shorter than ~0.2 s stay."""
    from scipy.ndimage import binary_dilation

    vad = _webrtcvad().Vad(mode=3)
    wav = wav[:len(wav) - len(wav) % VAD_WINDOW]
    pcm = np.round(wav * INT16_MAX).astype(np.int16).tobytes()
    flags = np.array([vad.is_speech(pcm[i * 2:(i + VAD_WINDOW) * 2], sample_rate=RATE)
                      for i in range(0, len(wav), VAD_WINDOW)], dtype=float)
    padded = np.concatenate((np.zeros((VAD_AVERAGE - 1) // 2), flags, np.zeros(VAD_AVERAGE // 2)))
    ret = np.cumsum(padded, dtype=float)
    ret[VAD_AVERAGE:] = ret[VAD_AVERAGE:] - ret[:-VAD_AVERAGE]
    mask = np.round(ret[VAD_AVERAGE - 1:] / VAD_AVERAGE).astype(bool)
    mask = binary_dilation(mask, np.ones(VAD_MAX_SILENCE + 1))
    return wav[np.repeat(mask, VAD_WINDOW)]


def preprocess(audio: np.ndarray, rate: int) -> np.ndarray:
    import soxr

    wav = np.asarray(audio, np.float32)
    if rate != RATE:
        wav = soxr.resample(wav, rate, RATE)
    return trim_long_silences(normalize_volume(wav))


# --- features and network ------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """(40, 201) librosa ``filters.mel(sr=16000, n_fft=400, n_mels=40)``: Slaney scale and norm."""
    def hz_to_mel(f):
        f = np.asarray(f, np.float64)
        lin = f / (200.0 / 3)
        log = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(f >= 1000.0, log, lin)

    def mel_to_hz(m):
        m = np.asarray(m, np.float64)
        return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)),
                        m * (200.0 / 3))

    fft_f = np.linspace(0, RATE / 2, 1 + N_FFT // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_f[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def mel_spectrogram(wav: np.ndarray) -> np.ndarray:
    """(frames, 40) power mel spectrogram, frames centred on multiples of 10 ms."""
    y = np.pad(np.asarray(wav, np.float32), N_FFT // 2)
    n = 1 + (len(y) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(y, (n, N_FFT), (y.strides[0] * HOP, y.strides[0]))
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    spec = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (spec.astype(np.float32) @ mel_filters().T).astype(np.float32)


def partial_slices(n_samples: int, rate: float = 1.3, min_coverage: float = 0.75) -> list[slice]:
    """Mel-frame slices of the 1.6 s partials (resemblyzer's ``compute_partial_slices``)."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    step = int(np.round((RATE / rate) / HOP))
    starts = list(range(0, max(1, n_frames - PARTIAL_FRAMES + step + 1), step))
    last = starts[-1] * HOP
    if (n_samples - last) / (PARTIAL_FRAMES * HOP) < min_coverage and len(starts) > 1:
        starts = starts[:-1]
    return [slice(s, s + PARTIAL_FRAMES) for s in starts]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class SpeakerEncoder:
    """resemblyzer's VoiceEncoder, forward pass only, in numpy (float32)."""

    def __init__(self, weights: str | Path | None = None) -> None:
        path = Path(weights) if weights else weights_path()
        if not path.is_file():
            pt = _installed_checkpoint()
            if pt is None:
                raise TwincastError("the speaker-similarity weights are not set up "
                                    f"({path} is missing)", SETUP_FIX)
            path = convert(pt)
        with np.load(path) as w:
            self.layers = [(w[f"lstm_weight_ih_l{i}"].T.copy(), w[f"lstm_weight_hh_l{i}"].T.copy(),
                            w[f"lstm_bias_ih_l{i}"] + w[f"lstm_bias_hh_l{i}"]) for i in range(3)]
            self.linear = (w["linear_weight"].T.copy(), w["linear_bias"].copy())

    def forward(self, mels: np.ndarray) -> np.ndarray:
        """(B, T, 40) mel partials -> (B, 256) L2-normalised embeddings."""
        x = mels.astype(np.float32)
        b, t, _ = x.shape
        for w_ih, w_hh, bias in self.layers:
            hidden = w_hh.shape[0]
            gates_in = (x.reshape(b * t, -1) @ w_ih + bias).reshape(b, t, 4 * hidden)
            h = np.zeros((b, hidden), np.float32)
            c = np.zeros((b, hidden), np.float32)
            out = np.empty((b, t, hidden), np.float32)
            for step in range(t):
                g = gates_in[:, step] + h @ w_hh
                i, f = _sigmoid(g[:, :hidden]), _sigmoid(g[:, hidden:2 * hidden])
                cand, o = np.tanh(g[:, 2 * hidden:3 * hidden]), _sigmoid(g[:, 3 * hidden:])
                c = f * c + i * cand
                h = o * np.tanh(c)
                out[:, step] = h
            x = out
        w, bias = self.linear
        e = np.maximum(h @ w + bias, 0.0)
        return e / np.linalg.norm(e, axis=1, keepdims=True)

    def embed_preprocessed(self, wav: np.ndarray) -> np.ndarray:
        """Utterance embedding of audio already through :func:`preprocess` (16 kHz)."""
        slices = partial_slices(len(wav))
        need = slices[-1].stop * HOP
        if need >= len(wav):
            wav = np.pad(wav, (0, need - len(wav)))
        mel = mel_spectrogram(wav)
        partial = self.forward(np.stack([mel[s] for s in slices]))
        raw = partial.mean(axis=0)
        return raw / np.linalg.norm(raw)

    def embed(self, audio: np.ndarray, rate: int) -> np.ndarray:
        """(256,) unit-length speaker embedding of a whole recording at any rate."""
        wav = preprocess(audio, rate)
        if len(wav) < VAD_WINDOW:
            raise TwincastError("no speech found for the speaker embedding",
                                "pass audio with at least a second of speech")
        return self.embed_preprocessed(wav)

    def similarity(self, a: np.ndarray, rate_a: int, b: np.ndarray, rate_b: int) -> float:
        """Cosine between the two recordings' embeddings (resemblyzer's scale: ~0.5 unrelated
        voices, > 0.8 the same voice on the same channel)."""
        return cosine(self.embed(a, rate_a), self.embed(b, rate_b))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def main(argv: list[str] | None = None) -> int:
    """``convert WHEEL_OR_PT [OUT]``: extract the weights (used by scripts/setup_models.sh)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3) or args[0] != "convert":
        print("usage: python -m twincast.voice.profile.similarity convert WHEEL_OR_PT [OUT.npz]",
              file=sys.stderr)
        return 2
    out = convert(args[1], args[2] if len(args) == 3 else None)
    print(f"speaker encoder weights: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
