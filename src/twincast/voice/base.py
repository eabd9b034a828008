"""Typed data passed out of every voice engine, and the engine interface itself.

Engines differ wildly (Piper, a converted FastSpeech2, espeak-ng, remote HTTP servers), but
the rest of the pipeline only ever sees :class:`Speech`: mono float audio plus phone spans on
the same time axis. The driver turns the spans into mouth shapes, so timings are not optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol, runtime_checkable

import numpy as np

Lang = str  # "zh" | "en"


@dataclass(frozen=True)
class PhoneSpan:
    """One phone on the speech time axis.

    ``symbol`` is IPA for English (Piper/espeak phonemes) and a pinyin initial or toned final
    for Mandarin (``b``, ``ai4``, ``iang2``); ``sil`` marks a pause.
    """

    symbol: str
    start: float
    end: float
    lang: Lang

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class WordSpan:
    text: str
    start: float
    end: float


@dataclass
class Speech:
    """Synthesised (or recorded) speech with its timings, in seconds from the audio start."""

    audio: np.ndarray  # float32, mono, [-1, 1]
    sample_rate: int
    phones: list[PhoneSpan]
    text: str = ""
    lang: Lang = "en"
    words: list[WordSpan] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate

    def shifted(self, offset: float) -> list[PhoneSpan]:
        return [PhoneSpan(p.symbol, p.start + offset, p.end + offset, p.lang) for p in self.phones]


@runtime_checkable
class VoiceEngine(Protocol):
    """A text-to-speech engine. ``synthesize`` yields one :class:`Speech` per sentence so a
    live show can start speaking before the whole paragraph is synthesised."""

    name: str
    languages: tuple[Lang, ...]

    def synthesize(self, text: str, lang: Lang) -> Iterator[Speech]: ...


def concatenate(parts: list[Speech], sample_rate: int, gap: float = 0.0) -> Speech:
    """Join speeches (already at ``sample_rate``) into one, shifting their timings."""
    audio_parts: list[np.ndarray] = []
    phones: list[PhoneSpan] = []
    words: list[WordSpan] = []
    offset = 0.0
    silence = np.zeros(int(round(gap * sample_rate)), dtype=np.float32)
    for i, part in enumerate(parts):
        if part.sample_rate != sample_rate:
            raise ValueError(f"part {i} is at {part.sample_rate} Hz, expected {sample_rate}")
        if i and len(silence):
            audio_parts.append(silence)
            phones.append(PhoneSpan("sil", offset, offset + gap, part.lang))
            offset += gap
        audio_parts.append(part.audio.astype(np.float32, copy=False))
        phones.extend(part.shifted(offset))
        words.extend(WordSpan(w.text, w.start + offset, w.end + offset) for w in part.words)
        offset += part.duration
    audio = np.concatenate(audio_parts) if audio_parts else np.zeros(0, np.float32)
    langs = {p.lang for p in parts}
    lang = parts[0].lang if len(langs) == 1 else "mixed"
    return Speech(audio, sample_rate, phones, " ".join(p.text for p in parts), lang, words)
