"""Answer in the unit the viewer asked for.

Why: catalogs state metric values (cm, kg, ml, °C) and viewers abroad ask "how many lbs is it",
"seat height in inches?", "oz for the 640ml one?", "4L is like how many quarts", "水温多少华氏度".
The catalog's value is the fact; the conversion is arithmetic on it, so it is appended beside
every metric quantity of the reply in the asked unit ("45 cm (17.7 in)"), never instead of it.
Nothing here is specific to a shop: the unit words and factors are the same for any catalog.
"""

from __future__ import annotations

import re
from typing import Optional

from .types import Reply

# the unit a comment asks for or measures in: "in inches", "how many lbs", "多少磅", "oz for ...", "fahrenheit"
_ASK = {
    "in": re.compile(r"\binch(es)?\b|(?<![a-z])in\.?\s*[?？]|英寸|几寸|多少寸", re.I),
    "lb": re.compile(r"\blbs?\b|\bpounds?\b|多少磅|几磅", re.I),
    "oz": re.compile(r"\boz\b|\bounces?\b|盎司", re.I),
    "ft": re.compile(r"\bfeet\b|\bft\b|英尺", re.I),
    "f": re.compile(r"fahrenheit|华氏|°\s*f\b|\d\s*f\b", re.I),
    "qt": re.compile(r"\bquarts?\b|\bqt\b", re.I),
}
_NUM = r"\d+(?:\.\d+)?"
_UNITS = {  # metric unit in a reply -> (kind, factor to the base: cm, kg, ml, C)
    "mm": ("len", 0.1), "毫米": ("len", 0.1), "cm": ("len", 1.0), "厘米": ("len", 1.0), "m": ("len", 100.0),
    "米": ("len", 100.0), "kg": ("mass", 1.0), "公斤": ("mass", 1.0), "千克": ("mass", 1.0), "g": ("mass", 0.001),
    "克": ("mass", 0.001), "斤": ("mass", 0.5), "jin": ("mass", 0.5), "ml": ("vol", 1.0), "毫升": ("vol", 1.0),
    "l": ("vol", 1000.0), "升": ("vol", 1000.0), "°c": ("temp", 1.0), "℃": ("temp", 1.0), "度": ("temp", 1.0),
}
_TARGET = {  # asked unit -> (kind it converts, factor from base, en name, zh name)
    "in": ("len", 1 / 2.54, "in", "英寸"), "ft": ("len", 1 / 30.48, "ft", "英尺"), "lb": ("mass", 2.20462, "lb", "磅"),
    "oz": ("mass", 35.274, "oz", "盎司"), "qt": ("vol", 1 / 946.353, "qt", "夸脱"), "f": ("temp", None, "°F", "华氏度"),
}
_QTY = re.compile(rf"({_NUM})(?:\s*(?:to|-|–|~|到|至)\s*({_NUM}))?\s*(?:[x×]\s*({_NUM})\s*)?(?:[x×]\s*({_NUM})\s*)?"
                  r"(mm|毫米|cm|厘米|kg|公斤|千克|ml|毫升|°c|℃|jin|g(?![a-z])|克|斤|l(?![a-z])|升|m(?![a-z])|米(?!饭))",
                  re.I)


def asked_unit(text: str) -> Optional[str]:
    """The non-metric unit a comment asks the answer in, or None. A unit the viewer states
    ("I'm 250 lbs", "my shelf is 13 inches wide") counts too: that viewer compares in it."""
    for unit, rx in _ASK.items():
        if rx.search(text):
            return unit
    return None


def _fmt(x: float) -> str:
    digits = 2 if abs(x) < 1 else 1
    s = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return s or "0"


def _convert(value: float, kind: str, factor: float, target: str) -> Optional[float]:
    t_kind, t_factor, _, _ = _TARGET[target]
    if target == "oz" and kind == "vol":  # fluid ounces from millilitres
        return value * factor / 29.5735
    if kind != t_kind:
        return None
    if target == "f":
        return value * factor * 9 / 5 + 32
    return value * factor * t_factor


def with_units(reply: Reply, comment: str, lang: str) -> Reply:
    """``reply`` with the asked unit beside each metric quantity it states (unchanged if none)."""
    target = asked_unit(comment)
    if target is None or reply.kind != "answer" or not reply.text:
        return reply
    zh = lang == "zh"
    name = _TARGET[target][3] if zh else _TARGET[target][2]
    changed = False

    def sub(m: re.Match[str]) -> str:
        nonlocal changed
        unit = m.group(5).lower()
        kind, factor = _UNITS.get(unit, (None, 0.0))
        if kind is None or (unit in ("度",) and target != "f"):
            return m.group(0)
        nums = [float(g) for g in m.group(1, 2, 3, 4) if g]
        conv = [_convert(v, kind, factor, target) for v in nums]
        if any(c is None for c in conv):
            return m.group(0)
        joiner = " x " if m.group(3) else ("到" if zh else " to ")
        changed = True
        said = joiner.join(_fmt(c) for c in conv)
        return f"{m.group(0)}（约{said}{name}）" if zh else f"{m.group(0)} (about {said} {name})"

    text = _QTY.sub(sub, reply.text)
    return Reply(reply.kind, text, reply.fields, reply.reason) if changed else reply
