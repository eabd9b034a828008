"""Split text into sentences and into Chinese/English runs for the voice router.

Why: live-commerce Chinese is full of Latin brand names (iPhone, Dyson V12, AirPods Pro) and
English scripts pick up stray Chinese (a product name, 199元). No single engine reads both
well, so the router sends each run to the engine of its language. The rules here decide who
reads the *neutral* characters: digits, prices, units and punctuation.

- Han characters are Chinese; Latin words (with digits glued to them: V12, A17, 4K) are English.
- A number with its currency/unit (¥199.9, 5.3, 500ml, 5000mAh) touching Han characters is read
  in Chinese (蓝牙5.3 -> 蓝牙五点三); between two English words (iPhone 15 Pro) it is English.
- A lone 元/块 right after a number in an otherwise English stretch stays English ("199元" is
  "one hundred ninety-nine yuan"), as en_normalize expects.
- Punctuation and spaces stay with the run they follow, so every run keeps its own pauses,
  and ``"".join(run for _, run in split_languages(t)) == t`` always holds.
"""

from __future__ import annotations

import re

ZH, EN = "zh", "en"

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Units that may follow a number after a space, and short ones that must be glued to it.
_UNITS = (r"mAh|Wh|TB|GB|MB|KB|GHz|MHz|kHz|Hz|Gbps|Mbps|km/h|mph|kg|mg|km|cm|mm|ml|mL|kW|"
          r"°C|°F|℃|inch|ft|lbs|lb|oz|fps|pcs|%")
_GLUED_UNITS = r"in|g|m|L|l|W|V|h|x"
_CURRENCY_PRE = r"[$¥￥€£]"
# Order: Han, Latin word (incl. glued digits), number with currency/unit, spaces, other.
_TOKEN_RE = re.compile(
    rf"(?P<han>[{_HAN}]+)"
    rf"|(?P<num>(?:{_CURRENCY_PRE}\s?)?\d+(?:[.,:]\d+)*"
    rf"(?:\s?(?:{_UNITS})|(?:{_GLUED_UNITS}))?(?![A-Za-z0-9]))"
    r"|(?P<latin>[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(?:['’\-.&+][A-Za-z0-9]+)*)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.S,
)
_CURRENCY_SUFFIX = set("元块")
_SENTENCE_RE = re.compile(r".*?(?:[。！？!?；;]+[”’\"')）]*|\.+(?=\s|$)[”’\"')]*|\n+|$)", re.S)


# Longest piece an engine is given: ~12 s of speech. A Han character counts 3 (~0.19 s spoken)
# and any other character 1 (~0.06 s). Why: run-on text (a pasted 10,000-character script with
# no full stop) would otherwise reach the engines whole: Piper's attention grows with the
# square of the length (3,000 characters took 3.6 GB), and FastSpeech2 fails beyond 2,048 mel
# frames (~25 s). Bounded pieces also keep the stream sentence by sentence.
MAX_SENTENCE_UNITS = 200
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_CLAUSE_MARK = re.compile(r"[，,、；;：:—–)）」』”’\]]")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


def _unit(ch: str) -> int:
    return 3 if _HAN_CHAR.match(ch) else 1


def bound_sentence(sentence: str, max_units: int = MAX_SENTENCE_UNITS) -> list[str]:
    """Cut an over-long sentence into pieces of at most ``max_units``: after the last clause
    mark that fits, else at the last space, else between two characters that are not both
    inside one Latin word or number."""
    pieces: list[str] = []
    rest = sentence.strip()
    while sum(map(_unit, rest)) > max_units:
        n = used = 0
        for ch in rest:
            if used + _unit(ch) > max_units:
                break
            used += _unit(ch)
            n += 1
        n = max(1, n)
        floor = n // 3  # do not cut off tiny pieces
        cut = next((i + 1 for i in range(n - 1, floor, -1) if _CLAUSE_MARK.match(rest[i])), 0)
        if not cut:
            cut = next((i for i in range(n - 1, floor, -1) if rest[i].isspace()), 0)
        if not cut:
            cut = next((i for i in range(n, floor, -1)
                        if not (_ASCII_ALNUM.match(rest[i - 1]) and _ASCII_ALNUM.match(rest[i]))), n)
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return [p for p in pieces if p]


def drop_symbols(text: str) -> str:
    """Text without emoji and pictographs (Unicode So/Co/Cs, emoji joiners and variation
    selectors), each replaced by a space. espeak-ng reads 🎉 as "party popper"; a host should
    not. Currency and maths signs stay: the normalisers read them ($, ¥, %, +)."""
    import unicodedata

    if text.isascii():
        return text
    out = [" " if unicodedata.category(c) in ("So", "Co", "Cs") or c in "\u200d\ufe0e\ufe0f"
           or 0x1F3FB <= ord(c) <= 0x1F3FF else c for c in text]
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()


_NO_SPLIT_AFTER = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|vs|etc|approx|No|Inc|Ltd|Co|e\.g|i\.e)"
                             r"|\b[A-Za-z])\.$")


def split_sentences(text: str) -> list[str]:
    """Split on sentence-final punctuation (both scripts) and newlines; never inside 5.3,
    nor after an abbreviation (Mr., e.g., U.S.). Over-long sentences are cut further
    (:func:`bound_sentence`)."""
    pieces = [s.strip() for s in _SENTENCE_RE.findall(text)]
    out: list[str] = []
    for piece in pieces:
        if out and _NO_SPLIT_AFTER.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}".strip()
        elif piece:
            out.append(piece)
    return [p for s in out for p in bound_sentence(s) if re.search(rf"[\w{_HAN}]", p)]


def _tokens(text: str) -> list[list]:
    """[kind, text, lang|None] per token; lang is None for neutral tokens."""
    toks: list[list] = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        toks.append([kind, m.group(), ZH if kind == "han" else EN if kind == "latin" else None])
    return toks


def _real_han(toks: list[list], i: int) -> bool:
    """True if token i is Han text that is more than a currency suffix after a number."""
    kind, s, _ = toks[i]
    if kind != "han":
        return False
    return not (s in _CURRENCY_SUFFIX and i > 0 and toks[i - 1][0] == "num")


def _neighbour(toks: list[list], i: int, step: int) -> str | None:
    """Language of the nearest word token in direction ``step`` (skipping spaces/punct)."""
    j = i + step
    while 0 <= j < len(toks):
        kind = toks[j][0]
        if kind == "latin":
            return EN
        if kind == "han":
            return ZH if _real_han(toks, j) else None
        if kind == "num" and toks[j][2]:
            return toks[j][2]
        j += step
    return None


def _assign_numbers(toks: list[list], fallback: str) -> None:
    """Give every number token a language (see the module docstring for the rules)."""
    for i, tok in enumerate(toks):
        if tok[0] != "num":
            continue
        prev = toks[i - 1] if i > 0 else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if (prev and _real_han(toks, i - 1)) or (nxt and _real_han(toks, i + 1)):
            tok[2] = ZH  # glued to Chinese: 蓝牙5.3, 只要¥199
        elif (prev and prev[0] == "latin") or (nxt and nxt[0] == "latin"):
            tok[2] = EN  # glued to a Latin word
        else:  # free-standing: the word before it wins (iPhone 15 / 价格是 199)
            left, right = _neighbour(toks, i, -1), _neighbour(toks, i, 1)
            tok[2] = left or right or fallback
        if nxt is not None and nxt[0] == "han" and not _real_han(toks, i + 1):
            nxt[2] = tok[2]  # a lone 元 is read in the number's language


def split_languages(text: str, default: str | None = None) -> list[tuple[str, str]]:
    """Split mixed text into ("zh", run) / ("en", run) pieces in reading order.

    ``default`` decides text with no word at all (only digits/punctuation); without it
    :func:`detect_language` does.
    """
    toks = _tokens(text)
    if not toks:
        return []
    has_han = any(_real_han(toks, i) for i in range(len(toks)))
    fallback = ZH if has_han else (default or detect_language(text))
    _assign_numbers(toks, fallback)
    if all(t[2] is None for t in toks):
        return [(fallback, text)]
    # Spaces/punctuation follow the previous run; leading ones join the first run.
    first = next(t[2] for t in toks if t[2] is not None)
    current = first
    for tok in toks:
        if tok[2] is None:
            tok[2] = current
        current = tok[2]
    # A space between two runs of different languages belongs to the earlier run, but a
    # space inside one language stays there: nothing more to do. Merge equal neighbours.
    runs: list[tuple[str, str]] = []
    for _, s, lang in toks:
        if runs and runs[-1][0] == lang:
            runs[-1] = (lang, runs[-1][1] + s)
        else:
            runs.append((lang, s))
    return runs


def detect_language(text: str) -> str:
    """'zh' or 'en' for ``--lang auto``: Chinese if Han characters outnumber Latin words.

    A Chinese sentence with a brand name (这款iPhone很好用) is Chinese; an English sentence
    with one Chinese word (I love 中国) is English; text with neither is English.
    """
    han = len(re.findall(rf"[{_HAN}]", text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    return ZH if han > latin_words else EN
