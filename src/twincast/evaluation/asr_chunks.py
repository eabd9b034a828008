"""Loop-proof transcription of Chinese and mixed Chinese/English speech: one Whisper call per
pause-delimited chunk, each in its own language.

Why: Whisper base decoding a long bilingual recording in one language falls into repetition
loops where the speech switches from Mandarin to English ("那是你,那是你,..." for a minute; see
docs/performance.md, "Realism: expression and the 120 s sweep"), and then the whole rest of
the recording is lost. Cutting the audio at pauses into chunks of a few seconds bounds the
damage of any one bad decode to its chunk; detecting the language per chunk (restricted to
Mandarin and English) follows the script's switches; capping each chunk's tokens by its length
stops a loop early; and collapsing runs of a repeated n-gram removes what a loop still wrote.
The concatenated text is scored exactly like a single-pass transcript (:func:`asr.error_rate`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from twincast.evaluation.asr import ZH_PROMPT, Transcript, model_dir, tokens

SR = 16000
FRAME_S = 0.02
#: a pause is at least this long and this far under the loud frames (dB)
PAUSE_MIN_S = 0.2
PAUSE_BELOW_DB = 30.0
#: chunks are cut at the longest pause between these lengths, or forced at CHUNK_MAX_S (s)
CHUNK_MIN_S, CHUNK_MAX_S = 1.5, 6.0
#: audio whose loud frames (95th percentile) stay under this level (dBFS) is silent
SILENT_DB = -60.0
#: a pause this long is cut out as a silent chunk of its own
LONG_PAUSE_S = 1.0
#: token budget per second of chunk: Mandarin TTS speaks ~5 characters/s, Whisper spends up to
#: ~1.5 tokens a character; English ~3 words/s at ~1.3 tokens a word. Twice that, plus slack.
TOKENS_PER_S, TOKENS_SLACK = 14, 10
#: a run of at least this many consecutive copies of an n-gram (n <= LOOP_MAX_N) is a loop
LOOP_MIN_COPIES, LOOP_MAX_N = 3, 12


@dataclass
class Chunk:
    start: float  # seconds
    end: float
    lang: str = ""  # "zh" or "en" as detected; "" when silent (not decoded)
    p_zh: float = 0.0  # detector's probability of Mandarin among {zh, en}
    text: str = ""
    loop_tokens: int = 0  # tokens dropped as repetition loops
    budget_hit: bool = False  # the decode stopped at its token budget

    def to_dict(self) -> dict:
        return {"start": round(self.start, 2), "end": round(self.end, 2), "lang": self.lang,
                "p_zh": round(self.p_zh, 3), "text": self.text, "loop_tokens": self.loop_tokens, "budget_hit": self.budget_hit}


@dataclass
class ChunkedTranscript(Transcript):
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def loop_tokens(self) -> int:
        return sum(c.loop_tokens for c in self.chunks)


def frame_db(x: np.ndarray) -> np.ndarray:
    """RMS level per 20 ms frame in dB (full scale 0 dB)."""
    n = int(FRAME_S * SR)
    k = len(x) // n
    if k == 0:
        return np.zeros(0)
    frames = x[: k * n].reshape(k, n).astype(np.float64)
    return 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-10)


def split_at_pauses(x: np.ndarray) -> list[tuple[float, float, bool]]:
    """``(start, end, has_speech)`` chunks of 16 kHz audio, cut in the middle of pauses.

    A pause is a run of >= 0.2 s under (loud level - 30 dB), the loud level being the 95th
    percentile of the frame levels. Pauses of 1 s and more become silent chunks of their own
    (never decoded). From each chunk start the cut goes in the longest pause
    that ends a chunk of 1.5-6 s (sentence ends are the longest pauses, and they are where
    bilingual scripts switch language); with no pause there, at the quietest frame in the
    last 2 s before 6 s. Short chunks, because Whisper often ends a chunk early and drops
    its last sentence: with 2-10 s chunks a 120 s render lost whole clauses (MER 34 %), with
    1.5-6 s chunks 31 % (docs/performance.md).
    """
    db = frame_db(x)
    if len(db) == 0:
        return []
    loud = float(np.percentile(db, 95))
    if loud < SILENT_DB:  # digital silence or a hum: nothing to transcribe
        return [(0.0, len(x) / SR, False)]
    quiet = db < loud - PAUSE_BELOW_DB
    pauses: list[tuple[int, int]] = []  # frame ranges [a, b)
    i = 0
    while i < len(quiet):
        if quiet[i]:
            j = i
            while j < len(quiet) and quiet[j]:
                j += 1
            if (j - i) * FRAME_S >= PAUSE_MIN_S:
                pauses.append((i, j))
            i = j
        else:
            i += 1
    per_s = 1.0 / FRAME_S
    # a long pause is a chunk of its own (not decoded: Whisper invents words in silence)
    bounds, margin = [0], int(0.2 * per_s)
    for a, b in pauses:
        if (b - a) * FRAME_S >= LONG_PAUSE_S and a > 0:
            bounds += [a + margin, b - margin]
    bounds.append(len(db))
    cuts = [0]
    for lo_b, hi_b in zip(bounds[:-1], bounds[1:]):
        start = lo_b
        while hi_b - start > CHUNK_MAX_S * per_s:
            lo, hi = start + CHUNK_MIN_S * per_s, start + CHUNK_MAX_S * per_s
            inside = [(b - a, (a + b) // 2) for a, b in pauses if lo <= (a + b) // 2 <= hi]
            if inside:
                cut = max(inside, key=lambda t: (t[0], -t[1]))[1]
            else:
                a = int(hi - 2 * per_s)
                cut = a + int(np.argmin(db[a:int(hi)]))
            cuts.append(cut)
            start = cut
        cuts.append(hi_b)
    cuts = sorted(set(cuts))
    out = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        speech = bool((~quiet[a:b]).sum() * FRAME_S >= 0.1)
        out.append((a * FRAME_S, b * FRAME_S, speech))
    if out:  # the tail shorter than one frame belongs to the last chunk
        a, _, sp = out[-1]
        out[-1] = (a, len(x) / SR, sp)
    return out


def drop_loops(toks: list[str]) -> tuple[list[str], int]:
    """Collapse every run of >= 3 consecutive copies of an n-gram (n <= 12) into one copy.

    A script almost never says the same words three times in a row; a looping decoder always
    does. Returns the cleaned tokens and how many were dropped.
    """
    out = list(toks)
    changed = True
    while changed:
        changed = False
        for n in range(1, LOOP_MAX_N + 1):
            i = 0
            while i + LOOP_MIN_COPIES * n <= len(out):
                gram = out[i:i + n]
                k = 1
                while out[i + k * n:i + (k + 1) * n] == gram:
                    k += 1
                if k >= LOOP_MIN_COPIES:
                    del out[i + n:i + k * n]
                    changed = True
                i += 1
    return out, len(toks) - len(out)


def join_tokens(toks: list[str]) -> str:
    """Tokens back to text: no space between CJK characters, spaces around Latin words."""
    text = ""
    for t in toks:
        if text and (t.isascii() or text[-1].isascii()):
            text += " "
        text += t
    return text


def transcribe_chunked(audio: np.ndarray, sample_rate: int, *, time_cap_s: float = 120.0,
                       threads: int = 1) -> ChunkedTranscript:
    """Whisper base on each pause-delimited chunk, language zh or en per chunk (see module)."""
    import soxr
    from faster_whisper import WhisperModel
    from faster_whisper.audio import pad_or_trim

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder needs no hub; never try
    start = time.perf_counter()
    x = np.asarray(audio, np.float32)
    if sample_rate != SR:
        x = soxr.resample(x, sample_rate, SR).astype(np.float32)
    model = WhisperModel(str(model_dir("zh")), device="cpu", compute_type="int8",
                         cpu_threads=threads)
    zh_id, en_id = "<|zh|>", "<|en|>"
    chunks: list[Chunk] = []
    reached, capped = 0.0, False
    for a, b, speech in split_at_pauses(x):
        if time.perf_counter() - start > time_cap_s:
            capped = reached < len(x) / SR - 1.0
            break
        c = Chunk(a, b)
        chunks.append(c)
        reached = b
        if not speech:
            continue
        piece = x[int(a * SR):int(b * SR)]
        feats = model.feature_extractor(piece)
        enc = model.encode(pad_or_trim(feats))
        probs = dict(model.model.detect_language(enc)[0])
        pz, pe = probs.get(zh_id, 0.0), probs.get(en_id, 0.0)
        c.p_zh = pz / max(pz + pe, 1e-9)
        c.lang = "zh" if c.p_zh >= 0.5 else "en"
        budget = int(TOKENS_PER_S * (b - a)) + TOKENS_SLACK
        segs, _ = model.transcribe(
            piece, language=c.lang, initial_prompt=ZH_PROMPT if c.lang == "zh" else None,
            beam_size=1, temperature=0.0, condition_on_previous_text=False, vad_filter=False,
            without_timestamps=False, max_new_tokens=min(budget, 400))
        segs = list(segs)
        c.budget_hit = any(len(s.tokens) >= min(budget, 400) - 1 for s in segs)
        raw = " ".join(s.text.strip() for s in segs)
        # normalised like the script: each language run by its own front end
        toks, c.loop_tokens = drop_loops(tokens(raw, c.lang))
        c.text = join_tokens(toks)
    text = join_tokens([t for c in chunks for t in c.text.split(" ") if t]) if chunks else ""
    return ChunkedTranscript(text, "zh", "base", time.perf_counter() - start, len(x) / SR,
                             reached, capped, chunks)


__all__ = ["Chunk", "ChunkedTranscript", "split_at_pauses", "drop_loops", "join_tokens",
           "transcribe_chunked", "frame_db"]
