"""A size from every measure a viewer gives against the size chart: a column's value ("脚长23.5"),
a range a column pair spans ("胸围40" against 胸围最小/胸围最大), and the body weight the rows
hold ("8斤", "22 lbs"). Pure: text and chart in, a choice out.

Why its own reasoner: a chart of ranges (a harness's neck and chest girth from-to, a ring's
inner diameter) was read as two unrelated numbers, the first number in the comment was taken
for the measure ("泰迪8斤 胸围40": 8), and a body weight under 10 was not a weight at all, so such
viewers got the list of sizes or a stock line. Each measure picks the rows that hold it; the
size that holds every measure is the answer. Where they disagree, each measure's own size is
said and none is picked (which measure matters is the fit note's to say, and the viewer's). Where
two overlapping rows both hold a value, a fit note that says what to do between two sizes
decides; without one, both are named. A value past the chart's ends is said as such, never as
the nearest size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..catalog import Product
from ..catalog_units import number_text

_END = re.compile(r"\s*(?:最小|最大|下限|上限|\bmin(?:imum)?\b|\bmax(?:imum)?\b)\s*", re.I)
_KEY_END = re.compile(r"_(min|max)$")
# "in" is inches only at the end of a clause ("9.5 in?"), not in "a 38 in most brands"
_NUMBER = (r"(\d{1,3}(?:\.\d{1,2})?)(?![\d.])\s*"
           r"(mm|毫米|cm|厘米|公分|inches|inch|in(?=\s*(?:[?.,!;)]|$))|英寸|\"|kg|公斤|斤|lbs?|磅)?")
# what to do between two sizes, in a chart's fit note: the larger / the smaller
_BETWEEN = re.compile(r"(两个码之间|之间|between (two )?sizes)[^。;；.]{0,24}?(选|拍|take|go|size)\s*(大|larger|bigger|up)", re.I)
_BETWEEN_DOWN = re.compile(r"(两个码之间|之间|between (two )?sizes)[^。;；.]{0,24}?(选|拍|take|go|size)\s*(小|smaller|down)", re.I)
PLURAL = {"foot": "feet", "tooth": "teeth"}  # "my feet are 9.25 inches" names "foot length"
_WEIGHT_UNIT = re.compile(r"kg|kgs|公斤|千克|斤|lbs?|pounds?|磅", re.I)
_WEIGHT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d)?)\s*(kg|kgs|公斤|千克|斤|lbs?|pounds?|磅)", re.I)


@dataclass(frozen=True)
class Measure:
    """One thing a chart measures: a column, a (min, max) column pair, or the body weight."""

    zh: str  # its head in Chinese ("胸围"), matched in the comment
    en: str  # its head in English ("chest girth"); the first word is matched too
    keys: tuple[str, ...]  # one column key, or (min key, max key); () for a body range
    unit: str
    body: str = ""  # "height_cm" / "weight_kg": the rows' own body ranges


@dataclass(frozen=True)
class Fit:
    """``size`` holds every measure given (``reasons``: what it holds, zh and en); when the
    measures point at different sizes, ``size`` is None and ``reasons`` say each one's size."""

    size: Optional[str]
    reasons: tuple[tuple[str, str], ...]
    both: Optional[str] = None  # a second size that holds every measure too (no note decided)
    named: tuple[tuple[str, str], ...] = ()  # other sizes the viewer named, with what they hold
    outside: bool = False  # a measure is past the chart's largest or under its smallest row


def _head(name: str) -> str:
    return _END.sub(" ", re.split(r"\s*[（(]", name)[0]).strip()


def measures(p: Product) -> list[Measure]:
    chart = p.size_chart
    if not chart:
        return []
    out, done = [], set()
    for col in chart.columns:
        if col.key in done:
            continue
        stem = _KEY_END.sub("", col.key)
        pair = [c for c in chart.columns if c.key != col.key and _KEY_END.sub("", c.key) == stem and _KEY_END.search(c.key)]
        if _KEY_END.search(col.key) and len(pair) == 1:
            lo, hi = sorted((col, pair[0]), key=lambda c: c.key.endswith("_max"))
            done.update((lo.key, hi.key))
            out.append(Measure(_head(col.name.zh), _head(col.name.en), (lo.key, hi.key), chart.unit_of(col.key)))
        else:
            done.add(col.key)
            out.append(Measure(_head(col.name.zh), _head(col.name.en), (col.key,), chart.unit_of(col.key)))
    if any(r.height_cm for r in chart.rows):
        out.append(Measure("身高", "height", (), "cm", "height_cm"))
    if any(r.weight_kg for r in chart.rows):
        out.append(Measure("体重", "weight", (), "kg", "weight_kg"))
    return out


def _to(value: float, said: str, unit: str) -> float:
    said = said.lower()
    if said in ("inches", "inch", "in", "英寸", '"'):  # to the chart's 0.1 cm: 10.25 in is 26.0 cm
        value, said = round(value * 2.54, 1), "cm"
    elif said in ("斤",):
        value, said = value / 2, "kg"
    elif said.startswith(("lb", "pound", "磅")):
        value, said = value * 0.45359237, "kg"
    said = {"毫米": "mm", "厘米": "cm", "公分": "cm", "公斤": "kg", "千克": "kg", "kgs": "kg"}.get(said, said)
    if said == "cm" and unit == "mm":
        return value * 10
    if said == "mm" and unit == "cm":
        return value / 10
    return value


# how viewers say a chart's zh heads ("脖子量了30" for 颈围)
SPOKEN = {"颈围": ("脖子", "脖围"), "臀围": ("屁股",), "头围": ("脑袋",)}


def _names(m: Measure, loose: bool = True) -> list[str]:
    first_en = m.en.lower().split()[0] if m.en and loose else ""
    return [n for n in (m.zh, *SPOKEN.get(m.zh, ()), m.en.lower(), first_en,
                        PLURAL.get(first_en, first_en + "s" if first_en else "")) if n]


def names_measure(text: str, m: Measure, loose: bool = False) -> bool:
    """Whether ``text`` names the measure: its zh head or its English head as words; ``loose``
    also its English first word or its plural ("chest", "feet" for "foot length"), which alone
    is no question about the chart ("my feet are wide")."""
    low = text.lower()
    for n in _names(m, loose):
        if not n.isascii():
            if n in text:
                return True
        elif len(n) <= 3:  # "US", "EU": only written as such ("send us" is no US size)
            if re.search(rf"(?<![A-Za-z]){re.escape(n.upper())}(?![A-Za-z])", text):
                return True
        elif re.search(rf"(?<![a-z]){re.escape(n)}(?![a-z])", low):
            return True
    return False


def value_of(text: str, m: Measure, height_cm: Optional[float] = None,
             weight_kg: Optional[float] = None) -> Optional[float]:
    """The number the viewer gives for ``m``: right after its name ("胸围量了42", "chest about 20
    inches"); for the body, the parsed height and weight (slots.py), a weight also from any
    number with a weight unit ("8斤": slots.py reads people, 10 kg and up); None when not given."""
    low = text.lower()
    if m.body == "height_cm":
        return height_cm
    if m.body == "weight_kg":
        if weight_kg is not None:
            return weight_kg
        w = _WEIGHT.search(low)
        return _to(float(w.group(1)), w.group(2), "kg") if w else None
    for name in _names(m):
        if not name.isascii():
            where, pat = low, re.escape(name)
        elif len(name) <= 3:  # "US 9", never the "us" of "usually"
            where, pat = text, rf"(?<![A-Za-z]){re.escape(name.upper())}(?![A-Za-z])"
        else:
            where, pat = low, rf"(?<![a-z]){re.escape(name)}(?![a-z])"
        for hit in re.finditer(rf"{pat}[^\d]{{0,12}}?{_NUMBER}", where):
            said = hit.group(2) or ""
            if _WEIGHT_UNIT.fullmatch(said):  # "胸围多少 我家狗12斤": a weight, not this length
                continue
            return _to(float(hit.group(1)), said, m.unit)
    return None


def _holds(p: Product, m: Measure, v: float) -> list[int]:
    rows = p.size_chart.rows
    if m.body:
        return [i for i, r in enumerate(rows) if (rng := getattr(r, m.body)) and rng[0] <= v <= rng[1]]
    if len(m.keys) == 2:
        return [i for i, r in enumerate(rows) if (lo := r.measurement(m.keys[0])) is not None
                and (hi := r.measurement(m.keys[1])) is not None and lo <= v <= hi]
    vals = sorted((r.measurement(m.keys[0]), i) for i, r in enumerate(rows) if r.measurement(m.keys[0]) is not None)
    exact = [i for x, i in vals if abs(x - v) < 1e-6]
    above = [i for x, i in vals if x >= v]
    if not exact and above and above[0] == vals[0][1] and len(vals) > 1 and vals[0][0] - v > vals[1][0] - vals[0][0]:
        return []  # more than a step under the smallest row: under the chart, not its first size
    return (exact or above)[:1]


def _span(p: Product, m: Measure, i: int) -> tuple[str, str]:
    r = p.size_chart.rows[i]
    if m.body:
        rng = getattr(r, m.body)
        if not rng:
            return "", ""
        a, b = rng
        return f"{m.zh}{number_text(a)}-{number_text(b)}{m.unit}", f"{m.en} {number_text(a)}-{number_text(b)} {m.unit}"
    unit = m.unit
    if len(m.keys) == 2:
        a, b = r.measurement(m.keys[0]), r.measurement(m.keys[1])
        return f"{m.zh}{number_text(a)}-{number_text(b)}{unit}", f"{m.en} {number_text(a)}-{number_text(b)} {unit}".strip()
    x = r.measurement(m.keys[0])
    return f"{m.zh}{number_text(x)}{unit}", f"{m.en} {number_text(x)} {unit}".strip()


def _outside(p: Product, m: Measure, v: float) -> tuple[str, str]:
    rows = p.size_chart.rows
    ends = [i for i, r in enumerate(rows) if all(r.measurement(k) is not None for k in m.keys)]
    big = v > max(rows[i].measurement(m.keys[-1]) for i in ends)
    i = max(ends, key=lambda j: rows[j].measurement(m.keys[-1])) if big else \
        min(ends, key=lambda j: rows[j].measurement(m.keys[0]))
    z, e = _span(p, m, i)
    num = number_text(round(v, 1))
    if big:
        return (f"{m.zh}{num}{m.unit}超出了尺码表，最大的是{rows[i].size}码（{z}）",
                f"{m.en} {num} {m.unit} is beyond the chart: the largest is size {rows[i].size} ({e})")
    return (f"{m.zh}{num}{m.unit}比尺码表还小，最小的是{rows[i].size}码（{z}）",
            f"{m.en} {num} {m.unit} is under the chart: the smallest is size {rows[i].size} ({e})")


def fit(p: Product, text: str, height_cm: Optional[float] = None, weight_kg: Optional[float] = None) -> Optional[Fit]:
    """The size for every chart measure given in ``text`` (``Fit.outside`` when a column's value
    is past the chart's ends); None when no column of the chart is measured (height and weight
    alone: ``reasoners.recommend_size`` answers those) or the body is outside every row."""
    given = [(m, v) for m in measures(p) if (v := value_of(text, m, height_cm, weight_kg)) is not None]
    if not any(m.keys for m, _ in given):
        return None
    held = [(m, _holds(p, m, v)) for m, v in given]
    beyond = [(m, v) for (m, v), (_, rows) in zip(given, held) if not rows and m.keys]
    if beyond:  # "foot length 25.5cm" past the largest row: say so, never the nearest size
        return Fit(None, tuple(_outside(p, m, v) for m, v in beyond), outside=True)
    if any(not rows for _, rows in held):
        return None
    common = sorted(set.intersection(*(set(rows) for _, rows in held)))
    note = p.size_chart.fit_note
    note_text = f"{note.zh} {note.en}" if note else ""
    larger, smaller = bool(_BETWEEN.search(note_text)), bool(_BETWEEN_DOWN.search(note_text))
    if not common:  # each measure's own size: the viewer (and the fit note) choose
        rows_ = p.size_chart.rows
        own = [(m, rows[-1] if larger else rows[0]) for m, rows in held]
        return Fit(None, tuple((f"按{z}是{rows_[i].size}码", f"{e}: size {rows_[i].size}")
                               for m, i in own for z, e in [_span(p, m, i)] if z))
    pick = common[-1] if larger else common[0]
    both = p.size_chart.rows[common[1]].size if len(common) > 1 and not (larger or smaller) else None
    reasons = tuple(r for m, _ in held if (r := _span(p, m, pick))[0])
    low = text.lower()
    named = []  # "腰围72能穿M吗": M's waist too, so the viewer sees why not
    for i, row in enumerate(p.size_chart.rows):
        if i != pick and re.search(rf"(?<![a-z0-9.]){re.escape(row.size.lower())}(?![a-z0-9.])", low):
            spans = [sp for m, _ in held if (sp := _span(p, m, i))[0]]
            if spans:
                named.append((f"{row.size}码" + "、".join(z for z, _ in spans), f"{row.size}: " + ", ".join(e for _, e in spans)))
    return Fit(p.size_chart.rows[pick].size, reasons, both, tuple(named))
