"""Captions: timed cues from the synthesised speech, and their SRT export.

Why timed from the speech and not from text length: the voice engines report when each phone
is spoken, so a cue starts when its first sound starts and ends when its last sound ends. A
sentence too long for two caption lines is cut into chunks at clause marks (else between
words / characters), and each chunk gets the share of the voiced span its characters take.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..voice.base import Speech
from .spec import Cue

_BREAK = re.compile(r"(?<=[，、；：。！？])|(?<=[,;:!?.])(?=\s)")  # never inside 1.2 or 1,200
_HAN = re.compile(r"[\u3400-\u9fff]")


def _weight(text: str) -> float:
    """Spoken weight of a chunk: Han characters count ~3 Latin letters."""
    return sum(3.0 if _HAN.match(c) else (1.0 if c.isalnum() else 0.3) for c in text) or 1.0


def split_caption(text: str, max_units: float) -> list[str]:
    """Cut a sentence into caption chunks of at most ``max_units`` weight."""
    pieces = [p for p in _BREAK.split(text.strip()) if p.strip()]
    out: list[str] = []
    for piece in pieces:
        while _weight(piece) > max_units:
            cut = _cut(piece, max_units)
            out.append(piece[:cut].strip())
            piece = piece[cut:]
        if out and _weight(out[-1] + piece) <= max_units:
            out[-1] = (out[-1] + piece).strip()
        elif piece.strip():
            out.append(piece.strip())
    return out or [text.strip()]


def _cut(piece: str, max_units: float) -> int:
    w, last_space = 0.0, -1
    for i, c in enumerate(piece):
        w += _weight(c)
        if c == " ":
            last_space = i
        if w > max_units:
            return last_space + 1 if last_space > 0 else max(i, 1)
    return len(piece)


def voiced_span(speech: Speech) -> tuple[float, float]:
    """First and last moment of sound, from the phone timings (falls back to the whole clip)."""
    voiced = [p for p in speech.phones if p.symbol != "sil" and p.end > p.start]
    if not voiced:
        return 0.0, speech.duration
    return voiced[0].start, voiced[-1].end


def cues_for(speech: Speech, offset: float, max_units: float) -> list[Cue]:
    """Caption cues of one sentence spoken from ``offset`` seconds into the video."""
    start, end = voiced_span(speech)
    chunks = split_caption(speech.text or "", max_units)
    weights = [_weight(c) for c in chunks]
    total = sum(weights)
    out, t = [], start
    for chunk, w in zip(chunks, weights):
        dt = (end - start) * w / total
        out.append(Cue(round(offset + t, 3), round(offset + t + dt, 3), chunk))
        t += dt
    return out


def _stamp(seconds: float) -> str:
    ms = int(round(max(seconds, 0.0) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def to_srt(cues: list[Cue]) -> str:
    return "".join(f"{i}\n{_stamp(c.start)} --> {_stamp(c.end)}\n{c.text}\n\n" for i, c in enumerate(cues, 1))


def write_srt(cues: list[Cue], path: Path) -> Path:
    path.write_text(to_srt(cues), encoding="utf-8")
    return path


_STAMP = re.compile(r"(\d+):(\d+):(\d+),(\d+)\s*-->\s*(\d+):(\d+):(\d+),(\d+)")


def parse_srt(text: str) -> list[Cue]:
    """Read an SRT back (used by tests and by anyone re-timing our captions)."""
    cues = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip().splitlines()
        if len(lines) < 3:
            continue
        m = _STAMP.search(lines[1])
        if not m:
            continue
        g = [int(x) for x in m.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append(Cue(start, end, "\n".join(lines[2:])))
    return cues
