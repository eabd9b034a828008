"""Mouth-shape targets (visemes) and the maps from English IPA and Mandarin pinyin to them.

A viseme is a target for the mouth controls plus a dominance: how strongly it holds its
shape against its neighbours (bilabial closures must close; a schwa gives way). Mandarin
finals map to short viseme sequences because diphthongs and nasal codas move the mouth
within one syllable (``iao`` goes spread -> open -> round).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MOUTH = ("jaw", "wide", "round", "press", "teeth", "tongue")


@dataclass(frozen=True)
class Viseme:
    name: str
    target: tuple[float, float, float, float, float, float]  # in MOUTH order
    dominance: float = 1.0


def _v(name, jaw=0.0, wide=0.0, round_=0.0, press=0.0, teeth=0.0, tongue=0.0, dom=1.0) -> Viseme:
    return Viseme(name, (jaw, wide, round_, press, teeth, tongue), dom)


# Jaw values calibrated on real speech (issue 19, benchmarks/mouth_calibration.py): on the
# SyncNet clip the median opening of spread (I, S, Y), mid (E, schwa) and tongue/teeth (K, L,
# TH) phones is 0.07-0.10 eye widths, close to the round and open vowels; our renders gave
# them 0.03-0.07, so the mouth barely moved between its open vowels. Their jaw was raised
# by about the real/ours ratio (1.2-4.5x; wide lips read as less open); p/b/m stay closed
# (press). The open vowels (AA, AE, O) were raised ~12 % so the opening's 95th percentile on
# the dev photos comes nearer the real clip's 0.158.
VISEMES: dict[str, Viseme] = {v.name: v for v in (
    _v("rest", dom=0.6),
    _v("MBP", press=1.0, dom=3.0),
    _v("FV", jaw=0.07, wide=0.15, teeth=1.0, dom=2.0),
    _v("TH", jaw=0.22, wide=0.1, teeth=0.5, tongue=1.0, dom=1.2),
    _v("L", jaw=0.32, wide=0.08, teeth=0.5, tongue=0.9, dom=0.8),
    _v("S", jaw=0.2, wide=0.32, teeth=1.0, dom=1.5),
    _v("SH", jaw=0.18, round_=0.55, teeth=1.0, dom=1.4),
    _v("K", jaw=0.36, wide=0.05, teeth=0.3, tongue=0.2, dom=0.6),
    _v("R", jaw=0.18, round_=0.5, teeth=0.3, dom=1.0),
    _v("W", jaw=0.07, round_=1.0, dom=1.8),
    _v("Y", jaw=0.28, wide=0.45, teeth=0.8, tongue=0.3, dom=0.9),
    _v("AA", jaw=0.82, wide=0.12, teeth=0.25, tongue=0.1, dom=1.0),
    _v("AE", jaw=0.66, wide=0.42, teeth=0.4, dom=1.0),
    _v("E", jaw=0.6, wide=0.45, teeth=0.5, tongue=0.2, dom=1.0),
    _v("I", jaw=0.45, wide=0.7, teeth=0.9, tongue=0.3, dom=1.0),
    _v("IZ", jaw=0.26, wide=0.3, teeth=1.0, dom=1.0),  # Mandarin apical vowel (zi, shi)
    _v("O", jaw=0.56, round_=0.75, teeth=0.15, dom=1.1),
    _v("U", jaw=0.24, round_=1.0, teeth=0.1, dom=1.3),
    _v("UE", jaw=0.16, wide=0.1, round_=0.85, teeth=0.3, dom=1.2),
    _v("ER", jaw=0.44, round_=0.25, teeth=0.3, tongue=0.4, dom=0.9),
    _v("SCHWA", jaw=0.5, wide=0.1, round_=0.05, teeth=0.3, tongue=0.15, dom=0.7),
)}

# --- English: espeak/Piper IPA symbols -------------------------------------------------
_EN = {
    "p": "MBP", "b": "MBP", "m": "MBP",
    "f": "FV", "v": "FV", "θ": "TH", "ð": "TH",
    "t": "L", "d": "L", "n": "L", "l": "L", "ɾ": "L", "ɫ": "L", "ɬ": "L", "n̩": "L",
    "s": "S", "z": "S", "ʃ": "SH", "ʒ": "SH", "tʃ": "SH", "dʒ": "SH", "ʧ": "SH", "ʤ": "SH",
    "k": "K", "g": "K", "ɡ": "K", "ŋ": "K", "h": "K", "x": "K", "ʔ": "K",
    "ɹ": "R", "r": "R", "ɻ": "R", "w": "W", "ʍ": "W", "j": "Y",
    "ɑ": "AA", "a": "AA", "ʌ": "AA", "ɐ": "AA", "ɒ": "O", "æ": "AE",
    "ɛ": "E", "e": "E", "ɪ": "I", "i": "I", "ᵻ": "I", "ɨ": "I", "y": "UE",
    "ɔ": "O", "o": "O", "ʊ": "U", "u": "U", "ɯ": "U",
    "ə": "SCHWA", "ɚ": "ER", "ɜ": "ER", "ɝ": "ER", "ɤ": "SCHWA",
}


_SILENT = {"sil", "sp", "pau", ",", ".", "!", "?", ";", ":", "^", "$", "_", "-", "…"}


def english(symbol: str) -> list[tuple[str, float]]:
    """IPA phone -> [(viseme, fraction of the phone's duration)]."""
    s = symbol.replace("ˈ", "").replace("ˌ", "").replace("ː", "").replace("ˑ", "")
    if not s.strip() or s in _SILENT:
        return [("rest", 1.0)]
    if s in _EN:
        return [(_EN[s], 1.0)]
    if len(s) > 1:  # multi-character phones (diphthongs, affricates) -> per character
        parts = [_EN[c] for c in s if c in _EN]
        if parts:
            return [(p, 1.0 / len(parts)) for p in parts]
    return [("SCHWA", 1.0)]


# --- Mandarin: pinyin initials and finals ------------------------------------------------
_ZH_INITIAL = {
    "b": "MBP", "p": "MBP", "m": "MBP", "f": "FV",
    "d": "L", "t": "L", "n": "L", "l": "L",
    "g": "K", "k": "K", "h": "K",
    "j": "Y", "q": "Y", "x": "Y",
    "zh": "SH", "ch": "SH", "sh": "SH", "r": "R",
    "z": "S", "c": "S", "s": "S", "y": "Y", "w": "W",
}
_ZH_FINAL = {
    "a": [("AA", 1)], "o": [("O", 1)], "e": [("SCHWA", 1)], "ê": [("E", 1)],
    "i": [("I", 1)], "u": [("U", 1)], "v": [("UE", 1)], "er": [("ER", 1)],
    "ai": [("AA", .6), ("I", .4)], "ei": [("E", .6), ("I", .4)],
    "ao": [("AA", .6), ("U", .4)], "ou": [("O", .5), ("U", .5)],
    "an": [("AA", .7), ("L", .3)], "en": [("SCHWA", .7), ("L", .3)],
    "ang": [("AA", .75), ("K", .25)], "eng": [("SCHWA", .75), ("K", .25)],
    "ong": [("U", .7), ("K", .3)],
    "ia": [("I", .3), ("AA", .7)], "ie": [("I", .3), ("E", .7)],
    "iao": [("I", .2), ("AA", .45), ("U", .35)], "iu": [("I", .25), ("O", .35), ("U", .4)],
    "iou": [("I", .25), ("O", .35), ("U", .4)],
    "ian": [("I", .25), ("E", .5), ("L", .25)], "in": [("I", .75), ("L", .25)],
    "iang": [("I", .2), ("AA", .6), ("K", .2)], "ing": [("I", .75), ("K", .25)],
    "iong": [("I", .2), ("U", .6), ("K", .2)],
    "ua": [("U", .3), ("AA", .7)], "uo": [("U", .35), ("O", .65)],
    "uai": [("U", .25), ("AA", .45), ("I", .3)], "ui": [("U", .3), ("E", .35), ("I", .35)],
    "uei": [("U", .3), ("E", .35), ("I", .35)],
    "uan": [("U", .25), ("AA", .5), ("L", .25)], "un": [("U", .3), ("SCHWA", .45), ("L", .25)],
    "uen": [("U", .3), ("SCHWA", .45), ("L", .25)],
    "uang": [("U", .25), ("AA", .55), ("K", .2)], "ueng": [("U", .3), ("SCHWA", .5), ("K", .2)],
    "ve": [("UE", .35), ("E", .65)], "van": [("UE", .3), ("E", .45), ("L", .25)],
    "vn": [("UE", .75), ("L", .25)], "iii": [("IZ", 1)], "ii": [("IZ", 1)],
}
_APICAL = {"z", "c", "s", "zh", "ch", "sh", "r"}
_J_Q_X = {"j", "q", "x", "y"}


def _clean(symbol: str) -> str:
    return re.sub(r"[0-9]+$", "", symbol.lower()).replace("ü", "v").replace("u:", "v")


def mandarin(symbol: str, previous: str = "") -> list[tuple[str, float]]:
    """Pinyin initial or toned final -> visemes; ``previous`` is the preceding initial, which
    decides apical ``i`` (zi, shi) and ``u`` read as ``ü`` (ju, xue)."""
    s = _clean(symbol)
    prev = _clean(previous)
    if not s or s in {"sil", "sp", "sp1", "sp2", "#", "eos", "pad"} or s.startswith("#"):
        return [("rest", 1.0)]
    if s in _ZH_INITIAL:
        return [(_ZH_INITIAL[s], 1.0)]
    if prev in _APICAL and s == "i":
        return [("IZ", 1.0)]
    if prev in _J_Q_X and s.startswith("u"):
        s = "v" + s[1:]
    if s in _ZH_FINAL:
        return list(_ZH_FINAL[s])
    return [("SCHWA", 1.0)]
