"""Which kind of quantity a question asks for, and which kinds a fact states: never a neighbouring fact.

Why: "这个多大面积适用" answered with "功率400W", "how long to charge fully?" answered with the
battery life, "多重" answered with the height: each is a true statement about the product that
does not answer the question, and a viewer hears it as the answer. When a question asks for a
quantity of one kind (area, time, volume, mass, length, power, charge, temperature, level,
voltage), the fact used must state a value of that kind; otherwise the host defers honestly.

The asked kind comes from unit words and question words (zh and en); the fact's kinds from the
units its numbers carry (the catalog's typed quantities are spoken with these units, so
``Quantity.say`` output is read back the same way). The unit table is the catalog's own
(:data:`..catalog_units.UNIT_ALIASES`), plus area and a few spoken forms.

Also: a fact that qualifies its figure (50 %, 至, 半, per, 每) where the question does not
("充满要多久" vs "充至50%需30分钟") answers a *partial* question; :func:`qualifier_mismatch`
counts such qualifiers so retrieval can rank the whole figure first. Pure module.
"""

from __future__ import annotations

import re

from ..catalog_units import UNIT_ALIASES, UNITS

_KIND_OF_UNIT: dict[str, str] = {u: dim for u, (dim, *_rest) in UNITS.items()}
_KIND_OF_UNIT.update({alias.lower(): _KIND_OF_UNIT[u] for alias, u in UNIT_ALIASES.items()})
_KIND_OF_UNIT.update({u.lower(): dim for u, dim in list(_KIND_OF_UNIT.items())})
for _w in ("平米", "平方米", "平方", "平", "㎡", "m²", "m2", "sqm", "sq m", "square meters", "square metres",
           "sq ft", "square feet"):
    _KIND_OF_UNIT[_w] = "area"
for _w, _k in (("毫安时", "charge"), ("mah", "charge"), ("升", "volume"), ("l", "volume"), ("ml", "volume"),
               ("公升", "volume"), ("克", "mass"), ("千克", "mass"), ("g", "mass"), ("分钟", "time"), ("秒", "time"),
               ("小时", "time"), ("天", "time"), ("个月", "time"), ("年", "time"), ("min", "time"), ("mins", "time"),
               ("°", "temperature"), ("°c", "temperature"), ("℃", "temperature"), ("度", "temperature"),
               ("瓦", "power"), ("w", "power"), ("分贝", "level"), ("db", "level"), ("kcal", "food_energy"),
               ("千卡", "food_energy"), ("大卡", "food_energy"), ("卡路里", "food_energy"), ("calories", "food_energy"),
               ("cal", "food_energy"), ("卡", "food_energy")):
    _KIND_OF_UNIT[_w] = _k

_UNIT_WORDS = sorted((u for u in _KIND_OF_UNIT if u), key=len, reverse=True)
_NUM_UNIT = re.compile(
    r"(?<![A-Za-z\d.])(\d+(?:\.\d+)?)\s*(" + "|".join(re.escape(u) for u in _UNIT_WORDS) + r")(?![a-z])", re.I)

# question words that ask for a kind without a number (zh and en)
_ASKS: list[tuple[str, re.Pattern[str]]] = [
    ("area", re.compile(r"多大面积|多少平|几平|面积|平米|平方|㎡|m²|square (meters?|metres?|feet|foot)|sq\.? ?(ft|m)\b|"
                        r"how (big|large) (a|of a|an) (room|space|area)|room size|coverage", re.I)),
    ("time", re.compile(r"多久|多长时间|几个?小时|几分钟|几天|几年|多少(小时|分钟|天|年)|多少个月|几个月|"
                        r"how long (does|do|will|can|to|until|before|is the (battery|warranty|shelf))|"
                        r"how (many|much) (hours?|minutes?|days?|years?|months?|time\b)|how fast .{0,12}charge|"
                        r"(battery|play|run)\s?time|shelf life", re.I)),
    ("mass", re.compile(r"多重|多沉|重量|重不重|几斤|多少斤|多少克|多少公斤|几公斤|how heavy|weigh|多少磅|几磅|"
                        r"how many (lbs?|pounds?|ounces|oz)\b|\bin (lbs?|pounds?|ounces|oz)\b|(under|over) \d+ (lbs?|pounds?)", re.I)),
    ("volume", re.compile(r"几升|多少升|多少毫升|几毫升|多少ml|how many (ml|litres?|liters?)|\bvolume\b", re.I)),
    ("length", re.compile(r"多高|多宽|多长(?!时间)|多厚|多深|长宽高|几厘米|多少厘米|多少cm|几米长|多少米长|线长|"
                          r"how (tall|wide|high|thick|deep)\b|how long is (the|it|its) (cable|cord|strap|leash|mat|dress|skirt)|"
                          r"dimensions?|多少英寸|几英寸|how many inch(es)?\b|\bin inch(es)?\b", re.I)),
    ("power", re.compile(r"功率|多少瓦|几瓦|费电|耗电|wattage|how many watts|power (draw|consumption|rating)", re.I)),
    ("charge", re.compile(r"几毫安|多少毫安|多少mah|电池容量|battery capacity|how many mah", re.I)),
    ("temperature", re.compile(r"多少度|几度|温度|temperature|how (hot|cold|warm) (does|can|will)|fahrenheit|华氏", re.I)),
    ("level", re.compile(r"分贝|噪音多大|声音多大|多吵|how (loud|noisy)|noise level|decibel", re.I)),
    ("voltage", re.compile(r"电压|多少伏|几伏|voltage|volts?\b", re.I)),
    ("food_energy", re.compile(r"多少卡|几卡|卡路里|热量|大卡|千卡|calorie|\bkcal\b|how many cal\b|\bcals?\b", re.I)),
]
# words that state a kind without a number ("一整天", "all day") count for facts; "a day" is a
# rate ("45 g a day"), not a duration, so articles are not counted
_FACT_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("time", re.compile(r"一整天|全天|整晚|一夜|[一二两三四五六七八九十几半]+个?半?(小时|分钟|天|周|星期|月|年)|"
                        r"\b(all day|overnight|all night|(one|two|three|four|five|six|seven|eight|nine|ten|half an?)"
                        r" (hours?|days?|weeks?|months?|years?))\b", re.I)),
]


def _kinds_in(text: str) -> set[str]:
    out = set()
    for m in _NUM_UNIT.finditer(text):
        unit = m.group(2).lower()
        kind = _KIND_OF_UNIT.get(unit) or _KIND_OF_UNIT.get(m.group(2))
        if kind and kind not in ("count", "ratio"):
            out.add(kind)
    return out


def asked_kinds(text: str) -> set[str]:
    """The quantity kinds a comment asks for, from its question words ("多重", "how long does it
    last"). A value the viewer states ("waterproof to 50 m, right?") is not an ask: the catalog's
    own value answers it even in other terms ("splash-proof, IPX4"), so it does not count here."""
    kinds = {k for k, rx in _ASKS if rx.search(text)}
    if "time" in kinds and re.search(r"多长(?!时间)|how long is (the|it)", text, re.I) and "length" in kinds:
        kinds.discard("time")
    return kinds


def fact_kinds(text: str) -> set[str]:
    """The quantity kinds a fact states: the units of its numbers, and a few spoken durations."""
    kinds = _kinds_in(text)
    kinds |= {k for k, rx in _FACT_WORDS if rx.search(text)}
    if "area" not in kinds and re.search(r"\d\s*(平|㎡|m²)", text):
        kinds.add("area")
    return kinds


def answers_kind(question: str, fact_text: str) -> bool:
    """True unless the question asks for a kind of quantity the fact does not state."""
    want = asked_kinds(question)
    return not want or bool(want & fact_kinds(fact_text))


_QUALIFIERS: list[re.Pattern[str]] = [
    re.compile(r"\d+\s*%|百分之"), re.compile(r"至|到(?=\d)"), re.compile(r"半"),
    re.compile(r"\bper\b|每"), re.compile(r"\bup to\b|最多|最高|\bmax"),
]
_FULL = re.compile(r"充满|全部|完全|满电|总共|一共|\bfull(y)?\b|\btotal\b|\bwhole\b|\bentire\b|from (0|zero|empty)", re.I)


def qualifier_mismatch(question: str, fact_text: str) -> int:
    """How many qualifiers of a partial figure the fact carries that the question does not
    share; only counted when the question asks for a whole ("充满", "total", "fully")."""
    if not _FULL.search(question):
        return 0
    return sum(1 for rx in _QUALIFIERS if rx.search(fact_text) and not rx.search(question))
