"""Live speech is cut into clauses so a viewer's answer never waits long for a pause.

A clause boundary (comma, sentence end) comes every 1-2 s in sales talk; cutting the script
there keeps comment-to-answer latency near one clause plus one synthesis, instead of one
whole sentence. Very short pieces are merged so the prosody does not break into fragments.
"""

from __future__ import annotations

import re

from ..text.segment import split_sentences

_CLAUSE = re.compile(r"[^，,、；;：:]+[，,、；;：:]?")
MIN_CHARS = {"zh": 6, "en": 18}


def clauses(text: str, lang: str) -> list[str]:
    out: list[str] = []
    for sentence in split_sentences(text):
        parts = [p.strip() for p in _CLAUSE.findall(sentence) if p.strip()]
        merged: list[str] = []
        for part in parts:
            if merged and (len(merged[-1]) < MIN_CHARS.get(lang, 8) or len(part) < MIN_CHARS.get(lang, 8) // 2):
                sep = "" if lang == "zh" else " "
                merged[-1] = f"{merged[-1]}{sep}{part}"
            else:
                merged.append(part)
        out.extend(merged)
    return out or ([text.strip()] if text.strip() else [])
