"""Live speech is cut into short clauses so a viewer's answer never waits long for a pause.

A clause boundary (comma, sentence end) comes every 1-2 s in sales talk; cutting the script
there keeps comment-to-answer latency near one clause plus one synthesis, instead of one
whole sentence. Clauses longer than about two seconds are split once more at a word boundary
near their middle (a short breath in the voice), very short pieces are merged so the prosody
does not break into fragments, and an answer opens with the viewers' names as its own tiny
clause, which synthesises almost instantly.
"""

from __future__ import annotations

import re

from .segment import split_sentences

_CLAUSE = re.compile(r"[^，,、；;：:]+[，,、；;：:]?")
_MENTIONS = re.compile(r"^((?:@\S+\s*)+)(.*)$", re.S)
MIN_CHARS = {"zh": 6, "en": 18}
MAX_ZH_CHARS = 14  # ~3 s at a live host's pace
MAX_EN_WORDS = 9


def _halve(part: str, lang: str) -> list[str]:
    """Split an over-long clause at the word boundary nearest its middle."""
    if lang == "zh":
        if len(part) <= MAX_ZH_CHARS:
            return [part]
        import jieba

        words = jieba.lcut(part)
        cut, acc = 0, 0
        for i, w in enumerate(words):
            acc += len(w)
            if acc >= len(part) / 2:
                cut = i + 1
                break
        left, right = "".join(words[:cut]), "".join(words[cut:])
        return [left, right] if left and right else [part]
    words = part.split()
    if len(words) <= MAX_EN_WORDS:
        return [part]

    def bad(i: int) -> bool:  # never inside a name (Hong Kong) or before a number or unit
        left, right = words[i - 1], words[i]
        return (left[:1].isupper() and right[:1].isupper()) or right[:1].isdigit() or left[:1].isdigit()

    cuts = sorted(range(2, len(words) - 1), key=lambda i: abs(i - len(words) / 2))
    cut = next((i for i in cuts if not bad(i)), None)
    return [part] if cut is None else [" ".join(words[:cut]), " ".join(words[cut:])]


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
        for part in merged:
            out.extend(_halve(part, lang))
    return out or ([text.strip()] if text.strip() else [])


def answer_clauses(text: str, lang: str) -> list[str]:
    """Clauses of a reply; "@A @B 问价格的朋友，..." starts with the spoken names alone."""
    m = _MENTIONS.match(text.strip())
    if not m:
        return clauses(text, lang)
    names = [n.lstrip("@") for n in m.group(1).split()]
    head = ("、".join(names) + "，") if lang == "zh" else (", ".join(names) + ",")
    return [head] + clauses(m.group(2), lang)


def lead_clause(sentence: str, lang: str) -> list[str]:
    """The first sentence of an utterance as [opening clause, rest] when it is long.

    A listener hears the first audio after the first *synthesised piece*, and a 20-word
    sentence takes Piper over half a second on this CPU; speaking its opening clause alone
    (at a comma, else at a word boundary near the middle) brings first audio under 0.4 s while
    the rest is synthesised during playback. Only the opening is split, so the remaining
    sentences keep whole-sentence prosody.
    """
    words = sentence.split() if lang != "zh" else list(sentence)
    if (lang == "zh" and len(words) <= MAX_ZH_CHARS) or (lang != "zh" and len(words) <= MAX_EN_WORDS):
        return [sentence]
    parts = clauses(sentence, lang)
    if len(parts) < 2:
        return [sentence]
    sep = "" if lang == "zh" else " "
    return [parts[0], sep.join(parts[1:])]
