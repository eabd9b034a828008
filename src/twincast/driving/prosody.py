"""Speech -> cues for expression: which words carry the accent, where phrases end, where the
pauses are, and which words are positive or point at something.

Why acoustic as well as lexical: the engines give word and phone timings but no accent marks
(Piper folds espeak's stress marks into its phone timings; the Mandarin model knows tones, not
focus), and a brow that rises on a word the voice did not stress looks wrong. So a word's
prominence is how much louder, longer and higher its loudest vowel is than the utterance's
other words, plus what the word is: function words and particles are never accented, prices,
numbers and selling words usually are, and in Mandarin tone-4 syllables and the last content
word of a sentence (its default focus) get a lift. Each phrase keeps at least its strongest
content word (the nuclear accent); further accents need clear prominence and some distance.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace

import numpy as np

from ..voice.base import PhoneSpan, Speech
from . import visemes as V

HOP_S = 0.01
PAUSE_MIN_S = 0.18  # a silence this long is heard as a phrase break
ACCENT_GAP_S = 0.75  # two accents closer than this sound like one emphasis

_VOWEL_VISEMES = {"AA", "AE", "E", "I", "IZ", "O", "U", "UE", "ER", "SCHWA"}
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

FUNCTION_EN = frozenset("""a an the and or but if of to in on at by for with from as is are was were be been
being am it its it's this that these those there here's i me my we our you your he she him her they them
their do does did so not no than then too very just can will would could should has have had into up out
about over what which who whom whose when where how all any some each than oh um uh well also get got
let's let us one""".split()) - {"this", "these", "here's"}
FUNCTION_ZH = frozenset("""的 了 着 过 是 在 和 与 及 跟 把 被 让 给 就 也 都 还 又 吗 呢 吧 啊 呀 哦 嘛 啦 哈 么 个 这 那 我 你 他 她 它
们 我们 你们 他们 她们 咱们 这个 那个 一个 有 要 会 能 可以 对 从 向 而 并 或 或者 但 但是 所以 因为 如果 然后 就是 其实 呢 哪""".split())
POSITIVE_EN = frozenset("""great love lovely amazing awesome perfect best better beautiful gorgeous comfortable soft
free gift bonus save saving savings deal deals discount discounted off only today special favourite favorite
wonderful fantastic excellent happy enjoy fresh delicious premium quality new smooth easy bargain value
welcome thanks thank incredible super cozy""".split())
POSITIVE_ZH = ("好", "棒", "美", "爱", "喜欢", "舒服", "超值", "划算", "实惠", "优惠", "福利", "送", "赠", "免费",
               "惊喜", "特价", "限时", "推荐", "漂亮", "好看", "好用", "好吃", "新鲜", "满意", "欢迎", "谢谢",
               "便宜", "折", "省", "值", "赚", "爆款", "高级", "品质", "轻", "香")
DEICTIC_EN = frozenset("this these here look see check".split())
DEICTIC_ZH = ("这款", "这个", "这里", "这边", "看", "大家看", "瞧")
_PUNCT_KIND = {",": "comma", "，": "comma", "、": "comma", ";": "comma", "；": "comma", ":": "comma",
               "：": "comma", ".": "statement", "。": "statement", "…": "statement", "!": "exclaim",
               "！": "exclaim", "?": "question", "？": "question"}
QUESTION_ZH = ("吗", "呢", "么")


@dataclass(frozen=True)
class WordCue:
    text: str
    start: float
    end: float
    nucleus: float  # centre of the word's loudest vowel: where an accent lands
    lang: str
    prominence: float = 0.0  # acoustic + lexical score, ~z units
    content: bool = True
    positive: bool = False
    deictic: bool = False
    stressed: bool = False


@dataclass(frozen=True)
class PhraseEnd:
    time: float  # end of the phrase's last word
    accent: float  # nucleus of the phrase's last content word (where a nod lands)
    kind: str  # statement | exclaim | question | comma | pause
    pause: float  # silence after it, seconds


@dataclass(frozen=True)
class Pause:
    start: float
    end: float


@dataclass(frozen=True)
class SpeechCues:
    duration: float
    words: tuple[WordCue, ...]
    phrases: tuple[PhraseEnd, ...]
    pauses: tuple[Pause, ...]

    @property
    def stressed(self) -> list[WordCue]:
        return [w for w in self.words if w.stressed]


# ---- acoustic measures -------------------------------------------------------------------
def loudness_db(audio: np.ndarray, sample_rate: int, hop_s: float = HOP_S) -> np.ndarray:
    """RMS level per 10 ms in dB, floored 50 dB under the peak."""
    hop = max(int(sample_rate * hop_s), 1)
    n = len(audio) // hop
    if n == 0:
        return np.zeros(0, np.float32)
    frames = audio[: n * hop].astype(np.float32).reshape(n, hop)
    db = 10 * np.log10((frames ** 2).mean(1) + 1e-10)
    return np.maximum(db, db.max() - 50).astype(np.float32)


def pitch_semitones(audio: np.ndarray, sample_rate: int, hop_s: float = HOP_S) -> np.ndarray | None:
    """F0 per 10 ms in semitones over the utterance median (NaN when unvoiced), or None when
    pyworld is missing. DIO at 16 kHz costs about 1 % of real time."""
    try:
        with warnings.catch_warnings():  # pyworld imports pkg_resources, which warns
            warnings.simplefilter("ignore")
            import pyworld
        from scipy.signal import resample_poly
    except ImportError:
        return None
    if len(audio) < sample_rate * 0.1:
        return None
    x = resample_poly(audio.astype(np.float64), 16000, sample_rate) if sample_rate != 16000 else audio.astype(np.float64)
    f0, _ = pyworld.dio(np.ascontiguousarray(x), 16000, f0_floor=70.0, f0_ceil=500.0, frame_period=hop_s * 1000)
    voiced = f0 > 0
    if voiced.sum() < 5:
        return None
    st = np.full(len(f0), np.nan)
    st[voiced] = 12 * np.log2(f0[voiced] / np.median(f0[voiced]))
    return st


# ---- words ----------------------------------------------------------------------------------
def _lang_of(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def _is_vowel(p: PhoneSpan) -> bool:
    if p.symbol == "sil":
        return False
    if p.lang == "zh":
        return p.symbol[-1:].isdigit()
    return any(v in _VOWEL_VISEMES for v, _ in V.english(p.symbol))


def _words_from_phones(phones: list[PhoneSpan]) -> list[tuple[str, float, float]]:
    """Engines without word timings: each Mandarin syllable, or each run of phones between
    silences, stands for a word (text unknown)."""
    out, start = [], None
    for p in phones:
        if p.symbol == "sil":
            if start is not None:
                out.append(("", start, p.start))
                start = None
        elif p.lang == "zh" and p.symbol[-1:].isdigit():
            out.append(("", start if start is not None else p.start, p.end))
            start = None
        elif start is None:
            start = p.start
    if start is not None and phones:
        out.append(("", start, phones[-1].end))
    return out


def _lexical(text: str, lang: str) -> tuple[bool, bool, bool, float]:
    """(content, positive, deictic, bonus) for one word."""
    w = text.lower().strip("'")
    if lang == "zh":
        content = bool(w) and w not in FUNCTION_ZH
        positive = any(k in w for k in POSITIVE_ZH)
        deictic = any(k in w for k in DEICTIC_ZH)
        bonus = 0.6 if re.search(r"[零一二三四五六七八九十百千万点块元]", w) and len(w) > 1 else 0.0
    else:
        content = bool(w) and w not in FUNCTION_EN
        positive = w in POSITIVE_EN
        deictic = w in DEICTIC_EN
        numeric = w.isdigit() or w in {"hundred", "thousand", "dollars", "yuan", "percent", "half", "twenty",
                                       "thirty", "forty", "fifty", "ninety", "nine", "ninety-nine"}
        bonus = 0.6 if numeric else 0.0
    if positive:
        bonus += 0.4
    return content or deictic, positive, deictic, bonus


def _zscore(x: np.ndarray) -> np.ndarray:
    if len(x) < 2:
        return np.zeros_like(x)
    s = x.std()
    return (x - x.mean()) / (s if s > 1e-6 else 1.0)


def word_cues(speech: Speech) -> list[WordCue]:
    """Every word with its nucleus, lexical class and prominence (not yet selected)."""
    raw = [(w.text, w.start, w.end) for w in speech.words if w.end > w.start] or _words_from_phones(speech.phones)
    if not raw:
        return []
    db = loudness_db(speech.audio, speech.sample_rate)
    st = pitch_semitones(speech.audio, speech.sample_rate) if len(raw) > 2 else None
    vowels = [p for p in speech.phones if _is_vowel(p)]
    feats, cues = [], []
    for text, a, b in raw:
        lang = _lang_of(text) if text else (speech.lang if speech.lang in ("zh", "en") else "en")
        own = [p for p in vowels if p.start < b and p.end > a and min(p.end, b) - max(p.start, a) > 0.3 * p.duration]
        spans = [(max(p.start, a), min(p.end, b)) for p in own] or [(a, b)]
        levels = [float(db[int(s / HOP_S):max(int(e / HOP_S), int(s / HOP_S) + 1)].max()) if int(s / HOP_S) < len(db) else -99.0
                  for s, e in spans]
        k = int(np.argmax(levels))
        nucleus = 0.5 * (spans[k][0] + spans[k][1])
        pitch = 0.0
        if st is not None:
            seg = st[int(a / HOP_S):int(b / HOP_S) + 1]
            pitch = float(np.nanmax(seg)) if np.isfinite(seg).any() else 0.0
        n_syll = max(len(own), 1)
        content, positive, deictic, bonus = _lexical(text, lang) if text else (True, False, False, 0.0)
        if lang == "zh":
            tones = [p.symbol[-1] for p in own]
            bonus += 0.35 * ("4" in tones) - 0.5 * (bool(tones) and all(t == "5" for t in tones))
        feats.append((levels[k], (b - a) / n_syll, pitch))
        cues.append(WordCue(text, a, b, nucleus, lang, bonus, content, positive, deictic))
    f = np.array(feats, np.float64)
    score = _zscore(f[:, 0]) + 0.5 * _zscore(f[:, 1]) + (0.4 * _zscore(f[:, 2]) if st is not None else 0.0)
    return [replace(c, prominence=float(s + c.prominence)) for c, s in zip(cues, score)]  # bonus + acoustics


# ---- phrases and pauses --------------------------------------------------------------------
def pauses(speech: Speech, min_s: float = PAUSE_MIN_S) -> list[Pause]:
    return [Pause(p.start, p.end) for p in speech.phones if p.symbol == "sil" and p.duration >= min_s]


def _punctuation_after(words: list[WordCue], text: str) -> list[str | None]:
    """Kind of punctuation that follows each word in ``text`` (None if none or not found)."""
    out: list[str | None] = []
    pos = 0
    low = text.lower()
    for w in words:
        i = low.find(w.text.lower(), pos) if w.text else -1
        if i < 0:
            out.append(None)
            continue
        j = i + len(w.text)
        pos = j
        kind = None
        while j < len(text) and not (text[j].isalnum() or _CJK.match(text[j])):
            kind = _PUNCT_KIND.get(text[j], kind) if kind != "question" else kind
            j += 1
        out.append(kind)
    return out


def phrase_ends(speech: Speech, words: list[WordCue], breaks: list[Pause]) -> list[PhraseEnd]:
    """A phrase ends at punctuation after a word, at a silence of PAUSE_MIN_S or more, and at
    the end of the utterance (a statement unless the text says otherwise)."""
    if not words:
        return []
    kinds = _punctuation_after(words, speech.text)
    final = speech.text.rstrip()[-1:] if speech.text.strip() else ""
    last_kind = _PUNCT_KIND.get(final, "statement")
    if last_kind in ("statement", "exclaim") and speech.text.rstrip("。.！! ").endswith(QUESTION_ZH):
        last_kind = "question"
    out: list[PhraseEnd] = []
    accent = words[0].nucleus
    for i, w in enumerate(words):
        if w.content:
            accent = w.nucleus
        after = next((p for p in breaks if abs(p.start - w.end) < 0.06), None)
        kind = kinds[i]
        if i == len(words) - 1:
            kind = kind or last_kind
        elif kind is None and after is not None:
            kind = "pause"
        if kind is None:
            continue
        if kind == "statement" and w.text.endswith(QUESTION_ZH) or (kind == "statement" and w.text in QUESTION_ZH):
            kind = "question"
        gap = (after.end - after.start) if after else (max(speech.duration - w.end, 0.0) if i == len(words) - 1 else 0.0)
        out.append(PhraseEnd(w.end, accent, kind, gap))
    return out


def select_stress(words: list[WordCue], phrases: list[PhraseEnd], threshold: float = 0.8,
                  gap_s: float = ACCENT_GAP_S) -> list[WordCue]:
    """Mark accents: each phrase's strongest content word, then other content words above
    ``threshold`` that are at least ``gap_s`` from every accent already chosen."""
    bounds = [p.time for p in phrases] or [words[-1].end if words else 0.0]
    chosen: set[int] = set()
    lo = -1.0
    for hi in bounds:
        idx = [i for i, w in enumerate(words) if lo < w.end <= hi + 1e-6 and w.content]
        if idx:
            chosen.add(max(idx, key=lambda i: words[i].prominence))
        lo = hi
    for i in sorted(range(len(words)), key=lambda i: -words[i].prominence):
        w = words[i]
        if i in chosen or not w.content or w.prominence < threshold:
            continue
        if all(abs(w.nucleus - words[j].nucleus) >= gap_s for j in chosen):
            chosen.add(i)
    # a phrase accent too close to a stronger one merges into it
    for i in sorted(chosen, key=lambda i: words[i].prominence):
        if any(j != i and abs(words[i].nucleus - words[j].nucleus) < 0.35 and words[j].prominence >= words[i].prominence
               for j in chosen):
            chosen.discard(i)
    return [replace(w, stressed=i in chosen) for i, w in enumerate(words)]


def speech_cues(speech: Speech | None) -> SpeechCues:
    """The whole analysis for one utterance: words -> phrases -> accents.

    The result is kept on the Speech object: the pitch analysis costs ~0.1 s per utterance,
    which a live show must not spend in its render loop (it would miss frame deadlines), so
    the synthesis thread calls this as soon as a clause is synthesised and the render loop
    finds the answer ready. A Speech is never modified after synthesis, so the cache is safe.
    """
    if speech is None or not speech.phones:
        return SpeechCues(speech.duration if speech is not None else 0.0, (), (), ())
    cached = getattr(speech, "_cues", None)
    if cached is not None:
        return cached
    breaks = pauses(speech)
    words = word_cues(speech)
    phrases = phrase_ends(speech, words, breaks)
    words = select_stress(words, phrases)
    cues = SpeechCues(speech.duration, tuple(words), tuple(phrases), tuple(breaks))
    speech._cues = cues  # type: ignore[attr-defined] - see the docstring
    return cues
