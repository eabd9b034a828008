"""Route mixed Chinese/English text to per-language engines and join the results.

Why: no engine reads both languages well (Piper's Chinese front end needs a hub download;
espeak's Mandarin is robotic), and commerce scripts mix them all the time ("这款iPhone 15 Pro只要
5999元"). The router splits each sentence into language runs (twincast.text.segment), lets the
right engine speak each run, brings every piece to one sample rate (soxr), applies an optional
per-language voice transform (e.g. the female preset on the male English voice, so both
languages sound like one woman), and concatenates them with the phone timings shifted.
It yields one Speech per sentence so a live show can start talking after the first sentence.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator, Mapping

import numpy as np

from twincast.errors import TwincastError
from twincast.text.segment import detect_language, split_languages, split_sentences
from twincast.voice.base import PhoneSpan, Speech, VoiceEngine, WordSpan, concatenate

LANG_CHOICES = ("auto", "zh", "en")
Transform = Callable[[Speech], Speech]
_SPEAKABLE = re.compile(r"[A-Za-z0-9\u3400-\u4dbf\u4e00-\u9fff]")


def resample(speech: Speech, sample_rate: int) -> Speech:
    """Speech at ``sample_rate`` (soxr, high quality); timings clipped to the new length."""
    if speech.sample_rate == sample_rate:
        return speech
    import soxr

    audio = soxr.resample(speech.audio.astype(np.float32), speech.sample_rate, sample_rate,
                          quality="HQ").astype(np.float32)
    duration = len(audio) / sample_rate
    phones = [PhoneSpan(p.symbol, min(p.start, duration), min(p.end, duration), p.lang)
              for p in speech.phones]
    if phones:  # the last span ends exactly where the audio ends
        last = phones[-1]
        phones[-1] = PhoneSpan(last.symbol, last.start, duration, last.lang)
    words = [WordSpan(w.text, min(w.start, duration), min(w.end, duration)) for w in speech.words]
    return Speech(audio, sample_rate, phones, speech.text, speech.lang, words)


class VoiceRouter:
    """A :class:`VoiceEngine`-like front for several engines, one per language."""

    name = "router"

    def __init__(self, engines: Mapping[str, VoiceEngine], sample_rate: int = 48000,
                 transforms: Mapping[str, Transform] | None = None) -> None:
        if not engines:
            raise TwincastError("no voice engine configured",
                                "give the router at least one engine, e.g. {'en': PiperEngine()}")
        self.engines = dict(engines)
        self.sample_rate = int(sample_rate)
        self.transforms = dict(transforms or {})
        self.languages = tuple(sorted({lang for e in self.engines.values()
                                       for lang in e.languages} | set(self.engines)))

    def _engine(self, lang: str) -> VoiceEngine:
        if lang in self.engines:
            return self.engines[lang]
        for engine in self.engines.values():  # any engine that can speak it
            if lang in engine.languages:
                return engine
        names = {"zh": "Chinese", "en": "English"}
        raise TwincastError(f"the text contains {names.get(lang, lang)} but no engine speaks "
                            f"'{lang}' (configured: {', '.join(self.engines)})",
                            f"add an engine for '{lang}' (the espeak fallback speaks en and zh)"
                            " or remove that part of the text")

    def runs(self, sentence: str, lang: str) -> list[tuple[str, str]]:
        """The (language, text) runs one sentence is spoken in; punctuation-only runs drop."""
        default = detect_language(sentence) if lang == "auto" else lang
        return [(run_lang, text) for run_lang, text in split_languages(sentence, default)
                if _SPEAKABLE.search(text)]

    def synthesize(self, text: str, lang: str = "auto") -> Iterator[Speech]:
        """One Speech per sentence at the router's rate; runs joined with shifted timings."""
        if lang not in LANG_CHOICES:
            raise TwincastError(f"unsupported language '{lang}'",
                                f"use one of: {', '.join(LANG_CHOICES)}")
        for sentence in split_sentences(text):
            parts: list[Speech] = []
            for run_lang, run_text in self.runs(sentence, lang):
                engine = self._engine(run_lang)
                for speech in engine.synthesize(run_text, run_lang):
                    transform = self.transforms.get(run_lang)
                    if transform is not None:
                        speech = transform(speech)
                    parts.append(resample(speech, self.sample_rate))
            if not parts:
                continue
            joined = concatenate(parts, self.sample_rate)
            joined.text = sentence
            yield joined

    def speak(self, text: str, lang: str = "auto") -> Speech:
        """The whole text as one Speech (all sentences joined)."""
        parts = list(self.synthesize(text, lang))
        if not parts:
            raise TwincastError("nothing to say: the text has no words",
                                "give some Chinese or English text")
        speech = concatenate(parts, self.sample_rate)
        speech.text = text
        return speech
