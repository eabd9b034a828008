"""espeak-ng fallback engine (English and Mandarin) with exact phone and word timings.

Why: it needs no model at all (the library and its data ship in ``espeakng-loader``), runs at
RTF ~0.005 and reports every phoneme and word as an event with its sample position, so the
timings are exact even though the voice is robotic. It is the engine of last resort (no Piper
voice, no converted Mandarin model) and the fast engine for tests.

We talk to the library with ctypes in synchronous mode; espeak-ng keeps global state, so all
calls go through one lock. piper-tts links its own private espeak-ng copy; the two do not
share symbols (both are loaded RTLD_LOCAL).

Mandarin: espeak's phonemes are IPA (``tɕ``, ``ˈiou``). The rest of the pipeline wants pinyin
initials and toned finals, so we split espeak's phones into syllables (onset + one vowel +
optional nasal coda), and when their count matches the pinyin of the text (pypinyin) we label
each syllable's consonant onset with the pinyin initial and the rest with the toned final.
When the counts differ the IPA phones are kept, with lang "zh".
"""

from __future__ import annotations

import ctypes
import re
import threading
from typing import Iterator

import numpy as np

from twincast.errors import TwincastError
from twincast.text.en_normalize import normalize_en
from twincast.text.segment import split_sentences
from twincast.voice.base import PhoneSpan, Speech, WordSpan
from twincast.voice.piper_engine import clean_ipa

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS, _INIT_PHONEME_IPA, _INIT_DONT_EXIT = 0x1, 0x2, 0x8000
_EV_LIST_TERMINATED, _EV_WORD, _EV_END, _EV_PHONEME = 0, 1, 5, 7
_CHARS_UTF8 = 1
_RATE = 1
_VOICES = {"en": "en-us", "zh": "cmn"}
_VOWEL = re.compile(r"[aeiouyæɑɐɒɔəɘɚɛɜɝɞɤɨɪɯʉʊʌʏøœɵᵻ]")
_GLIDE = {"j", "w", "ɥ"}


class _Id(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
                ("text_position", ctypes.c_int), ("length", ctypes.c_int),
                ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _Id)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))


class _Espeak:
    """The process-wide espeak-ng library: initialised once, used under a lock."""

    _instance: "_Espeak | None" = None
    _create_lock = threading.Lock()

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise TwincastError("espeak-ng is not installed",
                                "pip install espeakng-loader==0.2.4") from exc
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data = espeakng_loader.get_data_path().encode()
        options = _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA | _INIT_DONT_EXIT
        self.sample_rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, options)
        if self.sample_rate <= 0:
            raise TwincastError("espeak-ng failed to initialise",
                                "reinstall espeakng-loader==0.2.4 (its data folder is missing)")
        self.lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, int, int, int, str]] = []
        self._callback = _CALLBACK(self._on_audio)  # keep a reference: C holds a pointer
        self.lib.espeak_SetSynthCallback(self._callback)
        self.lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint,
                                          ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                          ctypes.c_void_p, ctypes.c_void_p]

    @classmethod
    def get(cls) -> "_Espeak":
        with cls._create_lock:
            if cls._instance is None:
                cls._instance = _Espeak()
            return cls._instance

    def _on_audio(self, wav, n, events) -> int:
        if n > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, (n,)).copy())
        i = 0
        while events[i].type != _EV_LIST_TERMINATED:
            ev = events[i]
            name = ""
            if ev.type == _EV_PHONEME:
                name = bytes(ev.id.string).split(b"\0")[0].decode("utf-8", "replace")
            self._events.append((ev.type, ev.sample, ev.text_position, ev.length, name))
            i += 1
        return 0

    def synth(self, text: str, voice: str, rate: int | None):
        """Return (int16 audio, events) for ``text``; events are (type, sample, pos, len, name)."""
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise TwincastError(f"espeak-ng has no voice '{voice}'",
                                    "use a voice name from espeak-ng --voices, e.g. en-us or cmn")
            if rate:
                self.lib.espeak_SetParameter(_RATE, int(rate), 0)
            self._chunks, self._events = [], []
            data = text.encode("utf-8") + b"\0"
            self.lib.espeak_Synth(data, len(data), 0, 0, 0, _CHARS_UTF8, None, None)
            self.lib.espeak_Synchronize()
            audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
            return audio, list(self._events)


def _phones_from_events(events, n_samples: int, sr: int, lang: str) -> list[PhoneSpan]:
    """Contiguous phone spans from phoneme events; gaps and empty phonemes become ``sil``."""
    marks = sorted((min(max(s, 0), n_samples), name) for t, s, _, _, name in events
                   if t == _EV_PHONEME)
    spans: list[list] = []
    pos = 0
    for i, (sample, name) in enumerate(marks):
        if sample > pos and not spans:
            spans.append(["sil", 0, sample])
        end = marks[i + 1][0] if i + 1 < len(marks) else n_samples
        # "(en)"/"(cmn)" are language-switch marks, not sounds
        sym = "" if name.startswith("(") else clean_ipa(name).replace(".", "").replace("-", "")
        sym = sym or "sil"
        if end > sample:
            if spans and spans[-1][0] == "sil" == sym:
                spans[-1][2] = end
            else:
                spans.append([sym, sample, end])
        pos = max(pos, end)
    if pos < n_samples:
        spans.append(["sil", pos, n_samples])
    if not spans and n_samples:
        spans.append(["sil", 0, n_samples])
    if spans:  # contiguous from 0
        spans[0][1] = 0
    return [PhoneSpan(s, a / sr, b / sr, lang) for s, a, b in spans]


def _words_from_events(text: str, events, n_samples: int, sr: int) -> list[WordSpan]:
    words = [(s, pos, length) for t, s, pos, length, _ in events if t == _EV_WORD]
    out = []
    for i, (sample, pos, length) in enumerate(words):
        end = words[i + 1][0] if i + 1 < len(words) else n_samples
        token = text[max(pos - 1, 0):max(pos - 1, 0) + max(length, 1)]
        if token.strip():
            out.append(WordSpan(token.strip(), sample / sr, end / sr))
    return out


def _is_vowel(symbol: str) -> bool:
    return symbol != "sil" and symbol not in _GLIDE and bool(_VOWEL.search(symbol))


def _syllables(phones: list[PhoneSpan]) -> list[list[PhoneSpan]] | None:
    """Group Mandarin IPA phones into syllables: onset* + one vowel + optional n/ŋ coda."""
    sylls: list[list[PhoneSpan]] = []
    onset: list[PhoneSpan] = []
    for i, p in enumerate(phones):
        if p.symbol == "sil":
            if onset:
                return None
            continue
        if _is_vowel(p.symbol):
            sylls.append(onset + [p])
            onset = []
        elif (p.symbol in ("n", "ŋ") and sylls and not onset
              and (i + 1 == len(phones) or not _is_vowel(phones[i + 1].symbol))):
            sylls[-1].append(p)  # nasal coda
        else:
            onset.append(p)
    return None if onset else sylls


def _to_pinyin(text: str, phones: list[PhoneSpan]) -> tuple[list[PhoneSpan], list[WordSpan]]:
    """Relabel IPA syllables with pinyin initial + toned final; IPA kept if they don't match."""
    from pypinyin import Style, lazy_pinyin

    hans = re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]", text)
    sylls = _syllables(phones)
    initials = lazy_pinyin(text, style=Style.INITIALS, strict=True, errors="ignore")
    finals = lazy_pinyin(text, style=Style.FINALS_TONE3, strict=True, errors="ignore",
                         neutral_tone_with_five=True)
    if sylls is None or not (len(sylls) == len(initials) == len(finals) == len(hans)):
        return phones, []
    relabel: dict[int, PhoneSpan] = {}
    words = []
    for syl, ini, fin, han in zip(sylls, initials, finals, hans):
        start, end = syl[0].start, syl[-1].end
        onset_end = next((p.start for p in syl if p.symbol in _GLIDE or _is_vowel(p.symbol)),
                         start)
        if ini and onset_end <= start:  # espeak gave no consonant: give the initial 30 %
            onset_end = start + 0.3 * (end - start)
        spans = [PhoneSpan(ini, start, onset_end, "zh")] if ini else []
        spans.append(PhoneSpan(fin, onset_end if ini else start, end, "zh"))
        relabel[id(syl[0])] = spans  # type: ignore[assignment]
        for p in syl[1:]:
            relabel[id(p)] = []  # type: ignore[assignment]
        words.append(WordSpan(han, start, end))
    out: list[PhoneSpan] = []
    for p in phones:
        out.extend(relabel.get(id(p), [p]))  # type: ignore[arg-type]
    return out, words


def _normalize_zh(text: str) -> str:
    """Chinese normalisation by the project's normaliser, or cn2an if it is not there yet."""
    try:
        from twincast.text.zh_normalize import normalize_zh
    except ImportError:
        import cn2an

        return cn2an.transform(text, "an2cn")
    return normalize_zh(text)


class EspeakEngine:
    """espeak-ng as a :class:`~twincast.voice.base.VoiceEngine`: ``en`` and ``zh`` (cmn)."""

    name = "espeak"

    def __init__(self, voice: str | None = None, rate: int | None = None) -> None:
        """``voice`` forces one espeak voice ("en-gb", "cmn") and with it the one language
        the engine speaks; by default en -> en-us and zh -> cmn. ``rate`` is words per minute
        (espeak default 175)."""
        self.voice = voice
        if voice is None:
            self.languages: tuple[str, ...] = ("en", "zh")
        else:
            base = voice.lower().split("-")[0]
            self.languages = ("zh",) if base in ("cmn", "zh", "yue") else (base,)
        self.rate = rate
        self._espeak = _Espeak.get()
        self.sample_rate = self._espeak.sample_rate

    def synthesize(self, text: str, lang: str = "en") -> Iterator[Speech]:
        if lang not in self.languages:
            raise TwincastError(f"the espeak engine speaks {self.languages}, not '{lang}'",
                                "use --lang en or --lang zh (or an engine without a fixed voice)")
        voice = self.voice or _VOICES[lang]
        for sentence in split_sentences(text) or ([text] if text.strip() else []):
            spoken = normalize_en(sentence) if lang == "en" else _normalize_zh(sentence)
            audio, events = self._espeak.synth(spoken, voice, self.rate)
            if not len(audio):
                continue
            sr = self.sample_rate
            phones = _phones_from_events(events, len(audio), sr, lang)
            words = _words_from_events(spoken, events, len(audio), sr)
            if lang == "zh":
                phones, zh_words = _to_pinyin(spoken, phones)
                words = zh_words or words
            yield Speech((audio.astype(np.float32) / 32768.0), sr, phones, spoken, lang, words)
