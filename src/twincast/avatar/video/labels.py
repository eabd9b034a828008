"""A viseme label for every frame of the footage, from the footage's own speech.

Why: mouth shape features (opening, width, lip thickness, teeth) cannot tell an ``f`` (lower lip
under the teeth) from an ``s`` (teeth together) or a pressed ``m`` from a relaxed closed mouth;
what the person was *saying* in that frame can. The soundtrack is already in the video, so:

1. Whisper (:mod:`twincast.evaluation.asr`'s offline models: tiny.en for English, base for
   Mandarin; the language is detected by base on the first 30 s) transcribes it with word
   timestamps (greedy, VAD-filtered so silences do not get hallucinated words).
2. Each word becomes phones with the same front end the TTS uses: espeak-ng through Piper's
   phonemizer (folded into phones by :func:`twincast.voice.piper_engine.alignments_to_phones`)
   for English, pypinyin initials/finals for Mandarin, and phones become visemes with
   :mod:`twincast.driving.visemes`, exactly as the driver maps the TTS's phones.
3. The word's visemes share its time span (vowels twice a consonant's share), and each 25 fps
   frame takes the viseme covering its centre; frames between words are ``rest`` (silence).

Whisper's word times are good to about +-1-2 frames, so labels are evidence, not truth: the
renderer weighs them against the shape features. When ASR is not installed or hears no words,
:func:`label_frames` returns no labels and a note saying why; the build then stays shape-only.
"""

from __future__ import annotations

import functools
import os
import re
import time
from dataclasses import dataclass, field

import numpy as np

from ...driving import visemes as V

NAMES: tuple[str, ...] = tuple(V.VISEMES)  # label i is NAMES[i]; "rest" is 0
REST = NAMES.index("rest")
UNKNOWN = -1
VOWELS = {"AA", "AE", "E", "I", "IZ", "O", "U", "UE", "ER", "SCHWA"}
VOWEL_SHARE = 2.0  # a vowel lasts about twice a consonant
DETECT_SECONDS = 30
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z0-9']+")


@dataclass(frozen=True)
class WordTiming:
    text: str
    start: float
    end: float


@dataclass
class FrameLabels:
    """Per-frame viseme indices (``NAMES``; -1 where nothing is known) and how they were made."""

    labels: np.ndarray  # (n_frames,) int8
    lang: str
    words: int
    seconds: float  # wall time of the labelling
    source: str | None  # None: no labels (see note)
    note: str = ""
    transcript: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.source is not None

    def summary(self) -> dict:
        known = self.labels >= 0
        speech = known & (self.labels != REST)
        return {"source": self.source, "lang": self.lang, "words": self.words, "note": self.note,
                "labelled_frames": int(known.sum()), "speech_frames": int(speech.sum()),
                "frames": int(len(self.labels)), "seconds": round(self.seconds, 1)}


# --- words -> phones -> visemes -------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _espeak():
    from piper.phonemize_espeak import EspeakPhonemizer

    return EspeakPhonemizer()


def english_visemes(word: str) -> list[tuple[str, float]]:
    """An English word -> [(viseme, share of the word)] via espeak-ng phones, as the TTS reads it."""
    from ...voice.piper_engine import alignments_to_phones

    codepoints = [c for sentence in _espeak().phonemize("en-us", word) for c in sentence]
    phones = [p.symbol for p in alignments_to_phones([(c, 1) for c in codepoints], 1000) if p.symbol != "sil"]
    return _shares([part for ph in phones for part in V.english(ph)])


def mandarin_visemes(word: str) -> list[tuple[str, float]]:
    """Chinese characters -> [(viseme, share)] via pypinyin initials and finals."""
    from pypinyin import Style, pinyin

    chars = "".join(_CJK.findall(word))
    if not chars:
        return []
    initials = pinyin(chars, style=Style.INITIALS, strict=True, errors="ignore")
    finals = pinyin(chars, style=Style.FINALS_TONE3, strict=True, errors="ignore")
    parts: list[tuple[str, float]] = []
    for ini, fin in zip(initials, finals):
        ini, fin = (ini[0] if ini else ""), (fin[0] if fin else "")
        if ini:
            parts += V.mandarin(ini)
        if fin:
            parts += V.mandarin(fin, ini)
    return _shares(parts)


def _shares(parts: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Weight vowels over consonants and normalise the shares to sum to 1."""
    weighted = [(name, frac * (VOWEL_SHARE if name in VOWELS else 1.0)) for name, frac in parts if name != "rest"]
    total = sum(w for _, w in weighted)
    return [(name, w / total) for name, w in weighted] if total > 0 else []


def word_visemes(word: str, lang: str) -> list[tuple[str, float]]:
    if lang == "zh" and _CJK.search(word):
        return mandarin_visemes(word)
    latin = " ".join(_LATIN.findall(word))
    return english_visemes(latin) if latin else []


def frame_labels(words: list[WordTiming], lang: str, n_frames: int, fps: int,
                 until: float | None = None) -> np.ndarray:
    """(n_frames,) int8: the viseme covering each frame's centre; ``rest`` between words, -1
    after ``until`` (seconds of audio the transcription reached)."""
    labels = np.full(n_frames, REST, np.int8)
    centres = (np.arange(n_frames) + 0.5) / fps
    for w in words:
        if w.end <= w.start:
            continue
        t = w.start
        for name, share in word_visemes(w.text, lang):
            dur = (w.end - w.start) * share
            labels[(centres >= t) & (centres < t + dur)] = NAMES.index(name)
            t += dur
    if until is not None:
        labels[centres > until] = UNKNOWN
    return labels


# --- speech -> words ------------------------------------------------------------------------

def detect_language(audio16k: np.ndarray) -> str:
    """'zh' or 'en' from Whisper base on the first 30 s; 'en' when base is not installed."""
    from ...evaluation.asr import asr_unavailable_reason, model_dir

    if asr_unavailable_reason("zh") is not None:
        return "en"
    from faster_whisper import WhisperModel

    model = WhisperModel(str(model_dir("zh")), device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1)
    lang, _, _ = model.detect_language(audio16k[: DETECT_SECONDS * 16000], vad_filter=True)
    return "zh" if lang in ("zh", "yue") else "en"


def transcribe_words(audio16k: np.ndarray, lang: str, time_cap_s: float) -> tuple[list[WordTiming], float, str]:
    """(words, seconds of audio reached, text): greedy Whisper with word timestamps."""
    from faster_whisper import WhisperModel

    from ...evaluation.asr import ZH_PROMPT, model_dir

    start = time.perf_counter()
    model = WhisperModel(str(model_dir(lang)), device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1)
    kwargs = dict(beam_size=1, temperature=0.0, condition_on_previous_text=False, vad_filter=True,
                  word_timestamps=True, language=lang)
    if lang == "zh":
        kwargs["initial_prompt"] = ZH_PROMPT
    segments, _ = model.transcribe(audio16k, **kwargs)
    words: list[WordTiming] = []
    texts: list[str] = []
    reached = len(audio16k) / 16000
    for seg in segments:
        texts.append(seg.text.strip())
        words += [WordTiming(w.word.strip(), float(w.start), float(w.end)) for w in seg.words or [] if w.word.strip()]
        if time.perf_counter() - start > time_cap_s:
            reached = float(seg.end)
            break
    return words, reached, " ".join(texts)


def label_frames(audio16k: np.ndarray, n_frames: int, fps: int, language: str = "auto",
                 time_cap_s: float | None = None) -> FrameLabels:
    """Viseme labels for ``n_frames`` of footage whose soundtrack (16 kHz mono) is ``audio16k``.

    Never raises for a missing ASR or a silent track: the result then has ``source=None`` and a
    note saying what happened and how to get labels.
    """
    from ...evaluation.asr import asr_unavailable_reason

    started = time.perf_counter()
    none = np.full(n_frames, UNKNOWN, np.int8)
    lang = language if language in ("en", "zh") else "en"
    try:
        if language == "auto" and len(audio16k):
            lang = detect_language(audio16k)
        reason = asr_unavailable_reason(lang)
        if reason:
            return FrameLabels(none, lang, 0, time.perf_counter() - started, None,
                               f"no viseme labels: {reason}; mouths are chosen by shape only")
        cap = time_cap_s if time_cap_s is not None else 30.0 + 0.5 * len(audio16k) / 16000
        words, reached, text = transcribe_words(audio16k, lang, cap)
    except Exception as exc:  # a broken model package must not fail a 10-minute build
        return FrameLabels(none, lang, 0, time.perf_counter() - started, None,
                           f"no viseme labels: speech recognition failed ({exc}); mouths are chosen by shape only")
    if not words:
        return FrameLabels(none, lang, 0, time.perf_counter() - started, None,
                           "no viseme labels: no words were recognised in the soundtrack; mouths are chosen "
                           "by shape only (fix: footage where the person talks clearly)", text)
    labels = frame_labels(words, lang, n_frames, fps, until=reached + 0.5)
    model = "tiny.en" if lang == "en" else "base"
    note = f"viseme labels from {len(words)} words (Whisper {model} word timings)"
    if reached < len(audio16k) / 16000 - 1.0:
        note += f"; transcription stopped at {reached:.0f} s (time cap), later frames are unlabelled"
    return FrameLabels(labels, lang, len(words), time.perf_counter() - started, f"whisper-{model}+phonemes",
                       note, text)


__all__ = ["NAMES", "REST", "UNKNOWN", "WordTiming", "FrameLabels", "english_visemes", "mandarin_visemes",
           "word_visemes", "frame_labels", "detect_language", "transcribe_words", "label_frames"]
