"""Which numbers a line states, and whether the catalog backs each of them.

Why: the worst thing a selling avatar can do is say a wrong price. Templates only fill slots
from the catalog, but an optional LLM rewrite can invent "只要99" or "30-day returns", and the
evaluation must count any such number in an answer. Both use this module:

- :func:`mentions` finds numbers in zh/en text: Arabic (199, 5.3, 1,500), Chinese numerals
  followed by a unit (七天, 一百九十九元), English number words (thirty hours), model codes
  (IPX4, MagSafe-free), money (¥259, 259元, 259 yuan), percentages and 折;
- :func:`product_facts` collects every number the catalog states about one product, plus the
  ones that follow from it by arithmetic the host may do aloud (saving = price - promo,
  percent off, 折, months -> years, hours -> days, kg -> 斤);
- :func:`untraceable` returns the mentions in a line that the product's facts do not back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Literal, Optional

from pydantic import BaseModel

from .catalog import Product
from .catalog_policy import Policies

Kind = Literal["money", "percent", "discount", "code", "number"]

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_CN_NUM = "零〇一二两三四五六七八九十百千万点"
_ZH_UNITS = ("元|块钱|块|毛|天|日|年|个月|月|小时|分钟|秒|件|个|只|支|张|副|台|瓶|斤|公斤|千克|克|毫升|升|米|厘米|毫米|瓦|伏|"
             "度|折|倍|码|号|款|色|种|期")
_EN_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
             "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
             "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
             "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
             "half": 0.5, "double": 2, "twice": 2}
_MENTION_RE = re.compile(r"@[^\s@，。,!！?？:：]+")
_CODE_RE = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d)[A-Za-z][A-Za-z0-9-]*\d[A-Za-z0-9]*"
                      r"|(?<![A-Za-z0-9.])\d+[A-Za-z]{2,}[A-Za-z0-9]*(?![A-Za-z0-9])")
_UNIT_CODES = re.compile(r"^\d+(?:ml|mah|mm|cm|kg|db|ms|min|mins|hours|hrs|pcs|yuan|rmb|cny|th|st|nd|rd|h|g|l|w|v|m|s)$",
                         re.I)
_UNIT_ALIASES = {
    "day": "天 日 day days", "hour": "个小时 小时 hour hours hrs hr h", "minute": "分钟 minutes minute mins min",
    "month": "个月 month months", "year": "年 year years", "g": "克 grams gram g", "kg": "公斤 千克 kg",
    "jin": "斤", "ml": "毫升 ml", "l": "升 litres liters litre liter l", "mm": "毫米 mm", "cm": "厘米 cm",
    "m": "米 metres meters metre meter m", "w": "瓦 watts watt w", "v": "伏 volts volt v", "db": "分贝 db",
    "ms": "毫秒 ms", "link": "号", "count": "个 件 只 支 张 副 台 瓶 pieces pairs pair sheets sheet pcs devices",
}
_UNIT_OF = {alias.lower(): canon for canon, aliases in _UNIT_ALIASES.items() for alias in aliases.split()}
_UNIT_RX = "|".join(sorted((re.escape(a) for a in _UNIT_OF), key=len, reverse=True))
_NUM_RE = re.compile(
    r"(?P<cur>[¥￥$]|RMB\s?|CNY\s?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<after>\s?(?:%|％|折|元|块|yuan|RMB|CNY|kuai)(?![A-Za-z]))?"
    rf"(?:[\s-]?(?P<unit>{_UNIT_RX})(?![A-Za-z]))?", re.I)
_CN_RE = re.compile(rf"(?P<pct>百分之)?(?P<num>[{_CN_NUM}]+)(?P<unit>{_ZH_UNITS})?")
_EN_WORD_RE = re.compile(r"\b(" + "|".join(sorted(_EN_WORDS, key=len, reverse=True)) + r")(?:[\s-](" +
                         "|".join(k for k, v in _EN_WORDS.items() if 1 < v < 10) + r"))?\b(\s*(?:percent|%))?"
                         rf"(?:[\s-](?P<unit>{_UNIT_RX})\b)?", re.I)
_ALWAYS_OK = {0.0, 1.0}


@dataclass(frozen=True)
class Mention:
    value: float
    kind: Kind
    raw: str
    code: str = ""
    unit: str = ""  # canonical unit (day, hour, g, count ...) or "" when none follows


@dataclass
class Facts:
    """Every value a product's catalog entry backs, by kind."""

    money: set[float] = field(default_factory=set)
    percent: set[float] = field(default_factory=set)
    discount: set[float] = field(default_factory=set)
    numbers: set[float] = field(default_factory=set)
    typed: set[tuple[float, str]] = field(default_factory=set)  # (value, unit) pairs
    codes: set[str] = field(default_factory=set)

    def backs(self, m: Mention) -> bool:
        if m.kind == "code":
            return m.code in self.codes
        if m.kind == "money":
            return _near(m.value, self.money)
        if m.kind == "percent":
            return _near(m.value, self.percent)
        if m.kind == "discount":
            return _near(m.value, self.discount)
        if m.value in _ALWAYS_OK:
            return True
        if m.unit:  # "30-day returns" is not backed by "30 hours"
            return any(abs(m.value - v) < 1e-6 and u in (m.unit, "") for v, u in self.typed)
        return _near(m.value, self.numbers | self.money | self.percent)

    def merge(self, other: "Facts") -> "Facts":
        """Facts of a line that talks about two products (transitions, comparisons)."""
        for attr in ("money", "percent", "discount", "numbers", "typed", "codes"):
            getattr(self, attr).update(getattr(other, attr))
        return self

    def add(self, value: float, unit: str = "") -> None:
        self.numbers.add(float(value))
        self.typed.add((float(value), unit))


def _near(v: float, values: Iterable[float]) -> bool:
    return any(abs(v - x) < 1e-6 for x in values)


def cn_to_number(s: str) -> Optional[float]:
    """一百九十九 -> 199, 十二 -> 12, 两 -> 2, 三点五 -> 3.5, 一九九 -> 199; None if unparsable."""
    if not s or any(c not in _CN_NUM for c in s):
        return None
    if "点" in s:
        whole, _, frac = s.partition("点")
        w = cn_to_number(whole) if whole else 0
        if w is None or not frac or any(c not in _CN_DIGIT for c in frac):
            return None
        return float(f"{int(w)}.{''.join(str(_CN_DIGIT[c]) for c in frac)}")
    if all(c in _CN_DIGIT for c in s):
        return float(int("".join(str(_CN_DIGIT[c]) for c in s)))
    total, section, digit = 0, 0, 0
    for c in s:
        if c in _CN_DIGIT:
            digit = _CN_DIGIT[c]
        elif c == "万":
            total += (section + digit) * 10000
            section, digit = 0, 0
        else:
            section += (digit or 1) * _CN_UNIT[c]
            digit = 0
    return float(total + section + digit)


def mentions(text: str) -> list[Mention]:
    """All numeric claims in ``text`` (viewer @mentions are skipped)."""
    text = _MENTION_RE.sub(" ", text)
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for m in _CODE_RE.finditer(text):
        if _UNIT_CODES.match(m.group()):
            continue
        out.append(Mention(0, "code", m.group(), m.group().lower()))
        taken.append(m.span())
    for m in _NUM_RE.finditer(text):
        if any(a <= m.start("num") < b for a, b in taken):
            continue
        value = float(m.group("num").replace(",", ""))
        after = (m.group("after") or "").strip().lower()
        kind: Kind = "money" if m.group("cur") or after in ("元", "块", "yuan", "rmb", "cny", "kuai") else \
            "percent" if after in ("%", "％") else "discount" if after == "折" else "number"
        unit = _UNIT_OF.get((m.group("unit") or "").lower(), "") if kind == "number" else ""
        out.append(Mention(value, kind, m.group().strip(), unit=unit))
    for m in _CN_RE.finditer(text):
        unit, pct = m.group("unit"), m.group("pct")
        if not unit and not pct:
            continue
        value = cn_to_number(m.group("num"))
        if value is None:
            continue
        kind = "percent" if pct else "money" if unit in ("元", "块", "块钱") else "discount" if unit == "折" else "number"
        out.append(Mention(value, kind, m.group(), unit=_UNIT_OF.get(unit or "", "")))
    for m in _EN_WORD_RE.finditer(text):
        value = _EN_WORDS[m.group(1).lower()] + (_EN_WORDS[m.group(2).lower()] if m.group(2) else 0)
        unit = "" if m.group(3) else _UNIT_OF.get((m.group("unit") or "").lower(), "")
        out.append(Mention(float(value), "percent" if m.group(3) else "number", m.group().strip(), unit=unit))
    return out


def _texts(p: Product) -> list[str]:
    out = [p.name.zh, p.name.en, p.category.zh, p.category.en, p.brand or ""]
    for s in p.specs:
        out += [s.key.zh, s.key.en, s.value.zh, s.value.en]
    for t in [*p.selling_points, *p.gifts, *p.colours]:
        out += [t.zh, t.en]
    for f in p.faq:
        out += [f.q.zh, f.q.en, f.a.zh, f.a.en]
    out += [s.name for s in p.sizes]
    for note in (p.after_sales.note, p.shipping.carrier, p.shipping.ships_to):
        if note:
            out += [note.zh, note.en]
    for e in p.shipping.exceptions:
        if e.note:
            out += [e.note.zh, e.note.en]
    for t in [*p.usage, *p.care, *p.safety, *p.allergens]:
        out += [t.zh, t.en]
    if p.size_chart and p.size_chart.fit_note:
        out += [p.size_chart.fit_note.zh, p.size_chart.fit_note.en]
    if p.dimensions and p.dimensions.note:
        out += [p.dimensions.note.zh, p.dimensions.note.en]
    out += [v.size or "" for v in p.variants]
    return out


def _policy_texts(pol: Policies) -> list[str]:
    """Every text of the policies in force (coupon wording, instalment notes, conditions)."""
    out: list[str] = []

    def walk(value) -> None:
        if hasattr(value, "zh") and hasattr(value, "en") and isinstance(getattr(value, "zh"), str):
            out.extend([value.zh, value.en])
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))

    walk(pol)
    return out


def _add_policy(f: "Facts", pol: Policies) -> None:
    for promo in pol.promos or []:
        if promo.valid_until:
            f.add(promo.valid_until.month, "")
            f.add(promo.valid_until.day, "")
            f.add(promo.valid_until.year, "")
        for v in (promo.threshold, promo.amount):
            if v:
                f.money.add(v)
                f.add(v)
    if pol.shipping_fee:
        f.money.add(pol.shipping_fee)
    for s in pol.surcharges or []:
        f.money.add(s.fee)
    if pol.dispatch_hours:
        f.add(pol.dispatch_hours, "hour")
        if pol.dispatch_hours % 24 == 0:
            f.add(pol.dispatch_hours / 24, "day")
    for t in pol.transit or []:
        for d in t.days:
            f.add(d, "day")
    if pol.instalments:
        for n in pol.instalments.periods:
            f.add(n, "month")
            f.add(n)
    if pol.purchase_limit:
        for n in (pol.purchase_limit.per_order, pol.purchase_limit.per_customer):
            if n:
                f.add(n, "count")
    if pol.returns:
        f.add(pol.returns.days, "day")
    if pol.warranty and pol.warranty.months:
        f.add(pol.warranty.months, "month")
        if pol.warranty.months % 12 == 0:
            f.add(pol.warranty.months / 12, "year")
    for text in _policy_texts(pol):
        _add_text(f, text)


def _add_v2(f: "Facts", p: Product) -> None:
    """Variants, size-chart measurements and typed quantities (with the unit conversions a
    host may say aloud: cm <-> m, g <-> kg, months <-> years)."""
    for v in p.variants:
        f.add(v.stock, "count")
        if v.price:
            f.money.add(v.price)
    if p.variants:
        f.add(sum(v.stock for v in p.variants), "count")
        for key in ({v.colour for v in p.variants} | {v.size for v in p.variants}) - {None}:
            f.add(sum(v.stock for v in p.variants if key in (v.colour, v.size)), "count")
    if p.size_chart:
        for r in p.size_chart.rows:
            for rng, u in ((r.height_cm, "cm"), (r.weight_kg, "kg")):
                for v in rng or ():
                    f.add(v, u)
                    if u == "kg":
                        f.add(v * 2, "jin")
            for key, v in (r.model_extra or {}).items():
                f.add(float(v), p.size_chart.unit_of(key).lower())
    quantities = [p.shelf_life, p.after_opening]
    if p.dimensions:
        quantities += [p.dimensions.width, p.dimensions.depth, p.dimensions.height, p.dimensions.weight]
    for q in quantities:
        if q is None:
            continue
        f.add(q.value, _UNIT_OF.get(q.unit.lower(), q.unit))
        if q.dimension == "length":
            f.add(round(q.to("cm"), 1), "cm")
        elif q.dimension == "mass":
            f.add(round(q.to("g"), 1), "g")
            f.add(round(q.to("kg"), 3), "kg")
        elif q.dimension == "time":
            for u in ("month", "year", "day"):
                f.add(round(q.to(u), 2), u)


def product_facts(p: Product, policy: Optional[Policies] = None) -> Facts:
    """Everything ``p``'s catalog entry (and the policies in force for it) states, plus the
    arithmetic a host may say aloud."""
    f = Facts()
    if policy is not None:
        _add_policy(f, policy)
    _add_v2(f, p)
    f.money |= {p.price, p.sale_price}
    if p.promo_price is not None:
        f.money.add(round(p.price - p.promo_price, 2))
        off = (1 - p.promo_price / p.price) * 100
        f.percent |= {round(off), float(int(off))}
        zhe = p.promo_price / p.price * 10
        f.discount |= {round(zhe, 1), float(int(zhe)), round(zhe)}
    sh, af = p.shipping, p.after_sales
    f.money |= {sh.fee} | {e.fee for e in sh.exceptions if e.fee}
    f.add(p.stock, "count")
    f.add(sh.ships_within_hours, "hour")
    if sh.ships_within_hours % 24 == 0:
        f.add(sh.ships_within_hours / 24, "day")
    f.add(af.returns_days, "day")
    if af.warranty_months:
        f.add(af.warranty_months, "month")
        if af.warranty_months % 12 == 0:
            f.add(af.warranty_months / 12, "year")
    if p.link:
        f.add(p.link, "link")
    f.add(len(p.colours), "count")
    f.add(len(p.sizes), "count")
    for s in p.sizes:
        for rng, unit in ((s.height_cm, "cm"), (s.weight_kg, "kg")):
            if rng:
                f.add(rng[0], unit)
                f.add(rng[1], unit)
        if s.weight_kg:
            f.add(s.weight_kg[0] * 2, "jin")
            f.add(s.weight_kg[1] * 2, "jin")
    for text in _texts(p):
        _add_text(f, text)
    return f


def _add_text(f: Facts, text: str) -> None:
    """Every number a catalog text states backs the same number said aloud."""
    for m in mentions(text):
        if m.kind == "code":
            f.codes.add(m.code)
        elif m.kind in ("percent", "money"):
            getattr(f, m.kind).add(m.value)
            f.add(m.value)
        else:
            f.add(m.value, m.unit)  # unitless catalog numbers (iPhone 15, 650) back any unit


def untraceable(text: str, product: Optional[Product], facts: Optional[Facts] = None) -> list[Mention]:
    """Mentions in ``text`` that ``product``'s facts do not back (all of them if no product)."""
    found = mentions(text)
    if product is None and facts is None:
        return [m for m in found if not (m.kind == "number" and m.value in _ALWAYS_OK)]
    facts = facts or product_facts(product)  # type: ignore[arg-type]
    return [m for m in found if not facts.backs(m)]
