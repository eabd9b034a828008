"""int8/int4 voice models: made and cached correctly, and still the same speech.

Quality is measured in depth by benchmarks/voice.py (WER/CER on 12 sentences per language);
here: the files, the manifest logic, that the durations (the lips) do not move where the
duration predictors stay float, that the audio stays speech-like, and one ASR check per voice.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from twincast.errors import TwincastError
from twincast.voice import quantize
from twincast.voice.zh_engine import MandarinEngine, model_path

EN = "These wireless earbuds cancel noise and last thirty hours on one charge."
ZH = "这款蓝牙耳机降噪效果非常好，今天只要一百九十九元。"


def _log_mel_db(audio: np.ndarray, sr: int) -> np.ndarray:
    from twincast.voice.align import _MEL, _resample

    x = _resample(audio, sr)
    n = 1 + (len(x) - 400) // 160
    idx = np.arange(400)[None, :] + 160 * np.arange(n)[:, None]
    p = np.abs(np.fft.rfft(x[idx] * np.hanning(400), 512)) ** 2
    return 10 * np.log10(p @ _MEL.T + 1e-9)


def test_manifest_cache_and_staleness(tmp_path):
    src = tmp_path / "src" / "mb_melgan.onnx"
    src.parent.mkdir()
    shutil.copyfile(model_path() / "mb_melgan.onnx", src)
    out = tmp_path / "q"
    int8 = quantize.ensure_variant(src, "int8", out)
    assert int8 == out / "mb_melgan.int8.onnx" and int8.stat().st_size < 0.7 * src.stat().st_size
    manifest = json.loads((out / "mb_melgan.int8.onnx.json").read_text())
    assert manifest["family"] == "mb_melgan" and manifest["recipe"] == quantize.RECIPE
    assert any("PartitionedCall" in n for n in manifest["kept_float"])  # PQMF filter stays float
    # MB-MelGAN has no MatMul: int4 is the int8 file, and the manifest says why
    assert quantize.ensure_variant(src, "int4", out) == int8
    assert "MatMul" in json.loads((out / "mb_melgan.int4.onnx.json").read_text())["note"]
    mtime = int8.stat().st_mtime_ns
    assert quantize.ensure_variant(src, "int8", out) == int8 and int8.stat().st_mtime_ns == mtime
    os.utime(src, (1_000_000_000, 1_000_000_000))  # the source changed: rebuilt
    quantize.ensure_variant(src, "int8", out)
    assert int8.stat().st_mtime_ns != mtime
    assert quantize.ensure_variant(src, "fp32", out) == src


def test_bad_precision_and_missing_source(tmp_path):
    with pytest.raises(TwincastError, match="unknown precision 'int2'"):
        quantize.ensure_variant(model_path() / "mb_melgan.onnx", "int2", tmp_path)
    with pytest.raises(TwincastError, match="not found"):
        quantize.ensure_variant(tmp_path / "nope.onnx", "int8", tmp_path)
    with pytest.raises(TwincastError, match="unknown precision"):
        MandarinEngine(precision="fp16")


@pytest.fixture(scope="module")
def zh_speech():
    out = {}
    for p in quantize.PRECISIONS:
        engine = MandarinEngine(precision=p)
        out[p] = next(iter(engine.synthesize(ZH, "zh")))
    return out


@pytest.mark.parametrize("precision", ["int8", "int4"])
def test_mandarin_quantised_keeps_timings_and_spectrum(zh_speech, precision):
    ref, q = zh_speech["fp32"], zh_speech[precision]
    # the duration/pitch/energy predictors are float; only their (quantised) encoder input
    # differs: the same phones, boundaries within two 12.5 ms frames
    assert [p.symbol for p in q.phones] == [p.symbol for p in ref.phones]
    shift = max(abs(a.start - b.start) for a, b in zip(q.phones, ref.phones))
    assert shift <= 0.026
    assert q.duration == pytest.approx(ref.duration, rel=0.03)
    a, b = _log_mel_db(ref.audio, 24000), _log_mel_db(q.audio, 24000)
    loud_a, loud_b = a[a.max(1) > a.max() - 40], b[b.max(1) > b.max() - 40]
    spectrum_gap = np.abs(loud_a.mean(0) - loud_b.mean(0)).mean()
    assert spectrum_gap < 2.0, f"long-term spectrum moved {spectrum_gap:.1f} dB"
    rms = lambda x: 20 * np.log10(np.sqrt(np.mean(x ** 2)))  # noqa: E731
    assert abs(rms(q.audio) - rms(ref.audio)) < 1.5


@pytest.mark.parametrize("precision", ["int8", "int4"])
def test_piper_quantised(precision):
    from twincast.voice.piper_engine import PiperEngine

    ref = next(iter(PiperEngine().synthesize(EN, "en")))
    q_engine = PiperEngine(precision=precision)
    assert q_engine.precision == precision
    q = next(iter(q_engine.synthesize(EN, "en")))
    assert [p.symbol for p in q.phones] == [p.symbol for p in ref.phones]
    assert q.duration == pytest.approx(ref.duration, rel=0.15)  # the duration predictor is stochastic
    assert np.isfinite(q.audio).all() and 0.02 < np.abs(q.audio).max() <= 1.0
    assert [w.text for w in q.words] == [w.text for w in ref.words]


def _asr_ready(lang: str) -> bool:
    from twincast.evaluation.asr import asr_unavailable_reason

    return asr_unavailable_reason(lang) is None


@pytest.mark.skipif(not _asr_ready("en"), reason="faster-whisper tiny.en not installed")
def test_piper_int8_is_understood():
    from twincast.evaluation.asr import error_rate, transcribe
    from twincast.voice.piper_engine import PiperEngine

    # no numbers: tiny.en writes "30" for "thirty", which the scorer counts as an error
    said = "These wireless earbuds cancel noise and last for a whole day on one charge."
    q = next(iter(PiperEngine(precision="int8", stream_first_clause=False).synthesize(said, "en")))
    text = transcribe(q.audio, q.sample_rate, "en", time_cap_s=60).text
    assert error_rate(said, text)[0] <= 0.15, text


@pytest.mark.skipif(not _asr_ready("zh"), reason="faster-whisper base not installed")
def test_mandarin_int4_is_understood(zh_speech):
    from twincast.evaluation.asr import error_rate, transcribe

    q = zh_speech["int4"]
    text = transcribe(q.audio, q.sample_rate, "zh", time_cap_s=60).text
    assert error_rate(ZH, text)[0] <= 0.15, text


def test_router_precision_choice(monkeypatch):
    from twincast.voice import defaults

    assert defaults.precision_for("en") == defaults.DEFAULT_PRECISION["en"]
    monkeypatch.setenv("TWINCAST_PRECISION", "int4")  # no longer read: settings are arguments (issue 21)
    assert defaults.precision_for("zh") == defaults.DEFAULT_PRECISION["zh"]
    assert defaults.precision_for("zh", "int4") == "int4"
    with pytest.raises(TwincastError, match="unknown precision"):
        defaults.router_for("female", precision="int9")
    router = defaults.router_for("female", precision="int8")
    speech = next(router.synthesize("你好，欢迎光临。", "zh"))
    assert speech.sample_rate == 48000 and speech.duration > 0.5


@pytest.mark.slow
def test_say_cli_with_int8(tmp_path):
    out = tmp_path / "int8.mp4"
    r = subprocess.run([sys.executable, "-m", "twincast.cli", "say", "--text",
                        "Hello there. 大家好。", "--precision", "int8", "-o", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Traceback" not in r.stderr and out.stat().st_size > 10_000
