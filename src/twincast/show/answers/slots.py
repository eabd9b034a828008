"""What a comment names besides the product: body height and weight, a gap or space to fit,
a region, a colour family, a size, an asserted number.

Why its own module: viewers write measures every way there is ("5'7 150 lbs", "一米六五 一百一十斤",
"165/55", "6 ft", "30cm的空间"), and every reasoner downstream needs them in one unit (cm, kg).
All functions are pure.
"""

from __future__ import annotations

import re
from typing import Optional

from ..facts import cn_to_number
from .lexicon import COLOURS, REGIONS
from .types import Slots

_CN = "零〇一二两三四五六七八九十百千点"
_FT_IN = re.compile(r"(?<!\d)([4-7])\s*(?:'|’|ft|feet|foot|英尺)\s*(\d{1,2}(?:\.\d)?)?\s*(?:\"|”|in|inches|inch|英寸)?",
                    re.I)
_CM = re.compile(r"(?<![\d.])(1[3-9]\d|2[0-2]\d)(?:\.\d)?\s*(?:cm|公分|厘米)?(?![\d.]|\s*(?:kg|斤|公斤|lbs?|磅|元|块))",
                 re.I)
_M = re.compile(r"(?<![\d.])(1\.[3-9]\d?|2\.[0-2]\d?)\s*(?:m|米)(?![a-z])", re.I)
_CN_M = re.compile(r"一米([一二三四五六七八九])([一二三四五六七八九])?")
_WEIGHT = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d)?)\s*(kg|kgs|公斤|千克|斤|lbs?|pounds?|磅)", re.I)
_CN_WEIGHT = re.compile(rf"([{_CN}]{{2,6}})\s*(斤|公斤|千克)")
_PAIR = re.compile(r"(?<![\d.])(1[4-9]\d)\s*[/，,、 ]\s*(\d{2,3})(?![\d.])\s*(斤|kg|公斤)?")
_GAP = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*(cm|厘米|公分|mm|毫米|in|inches|inch|英寸|\"|m|米)(?![a-z])", re.I)
_SIZE = re.compile(r"(?<![a-z0-9])(xxxl|xxl|xl|xs|2xl|3xl)(?![a-z])|(?<![A-Za-z])([SML])(?![A-Za-z'’])"
                   r"|(?<![a-z])([sml])\s*(?:码|號|号|size)|(?:eu|欧码)\s*(\d{2})|(?<!\d)(3[5-9]|4[0-6])\s*(?:码|號|号)", re.I)


def body_height_cm(text: str) -> Optional[float]:
    low = text.lower()
    m = _FT_IN.search(low)
    if m and (m.group(2) or re.search(r"ft|feet|foot|'|’", m.group(0))):
        return round(int(m.group(1)) * 30.48 + float(m.group(2) or 0) * 2.54, 1)
    m = _CN_M.search(text)
    if m:
        tens = cn_to_number(m.group(1)) or 0
        ones = cn_to_number(m.group(2)) if m.group(2) else 0
        return 100 + tens * 10 + (ones or 0)
    m = _M.search(low)
    if m:
        return round(float(m.group(1)) * 100, 1)
    m = _PAIR.search(low)
    if m:
        return float(m.group(1))
    m = _NAMED_HEIGHT.search(low)  # "身高95": a child's height, said as one
    if m and 50 <= float(m.group(1)) <= 230:
        return float(m.group(1))
    m = _CM.search(low)
    if m and not _GAP_CONTEXT.search(low):
        return float(m.group(1))
    return None


_NAMED_HEIGHT = re.compile(r"(?:身高|个子|height)\s*(?:是|有|:|：)?\s*(\d{2,3}(?:\.\d)?)\s*(?:cm|厘米|公分)?(?![\d.]|\s*(?:kg|斤|公斤))")
_GAP_CONTEXT = re.compile(r"空间|缝|柜|台面|高度只有|宽|深|抽屉|装得下|gap|space|shelf|cabinet|trunk|counter|under|drawer|"
                          r"fit (in|on|under|into)|will it fit|放得下|放进|塞")


def body_weight_kg(text: str) -> Optional[float]:
    low = text.lower()
    m = _WEIGHT.search(low)
    if m:
        v, unit = float(m.group(1)), m.group(2)
        if unit == "斤":
            return v / 2
        if unit.startswith(("lb", "pound", "磅")):
            return round(v * 0.45359237, 1)
        return v
    m = _CN_WEIGHT.search(text)
    if m:
        v = cn_to_number(m.group(1))
        if v:
            return v / 2 if m.group(2) == "斤" else v
    m = _PAIR.search(low)
    if m:
        v = float(m.group(2))
        return v / 2 if (m.group(3) == "斤" or v > 100) else v
    return None


def gap_cm(text: str) -> Optional[float]:
    """A space the viewer wants the product to fit in ("30 cm gap", "柜子高28厘米")."""
    if not _GAP_CONTEXT.search(text.lower()):
        return None
    m = _GAP.search(text)
    if not m:
        return None
    v, unit = float(m.group(1)), m.group(2).lower()
    factor = {"mm": 0.1, "毫米": 0.1, "in": 2.54, "inches": 2.54, "inch": 2.54, "英寸": 2.54, '"': 2.54,
              "m": 100, "米": 100}.get(unit, 1.0)
    return round(v * factor, 1)


def region(text: str) -> Optional[str]:
    low = text.lower()
    for r in REGIONS:
        if any(_contains(low, n) for n in r.names()):
            return r.zh
    return None


def colour(text: str) -> Optional[str]:
    """The colour family named first in the text."""
    low = text.lower()
    best: Optional[tuple[int, str]] = None
    for family, words in COLOURS.items():
        for w in words:
            at = _find(low, w)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, family)
    return best[1] if best else None


def _find(low: str, word: str) -> int:
    if re.search(r"[a-z]", word):
        m = re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", low)
        return m.start() if m else -1
    return low.find(word)


_PHONE = re.compile(r"iphone\s*(1[0-9])\s*(pro\s*max|pro|plus)?|苹果\s*(1[0-9])\s*(pro\s*max|pro|plus)?|"
                    r"(?<![a-z0-9])(1[0-9])\s*(pro\s*max|pro|plus)", re.I)


def size(text: str) -> Optional[str]:
    """A clothing/shoe size, or a phone model for a case ("15 pro max" -> "iPhone 15 Pro Max")."""
    m = _PHONE.search(text.lower())
    if m:
        num = m.group(1) or m.group(3) or m.group(5)
        tail = (m.group(2) or m.group(4) or m.group(6) or "").replace(" ", "")
        return f"iPhone {num}" + {"promax": " Pro Max", "pro": " Pro", "plus": " Plus"}.get(tail, "")
    m = _SIZE.search(text)
    if not m:
        return None
    if m.group(1):
        return m.group(1).upper().replace("2XL", "XXL").replace("3XL", "XXXL")
    return (m.group(2) or m.group(3) or m.group(4) or m.group(5)).upper()


def _contains(low: str, word: str) -> bool:
    if re.search(r"[a-z]", word):
        return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", low) is not None
    return word in low


def extract(text: str) -> Slots:
    return Slots(region=region(text), colour=colour(text), size=size(text), height_cm=body_height_cm(text),
                 weight_kg=body_weight_kg(text), gap_cm=gap_cm(text))
