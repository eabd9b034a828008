"""Small typed reasoners for questions a lookup cannot answer.

Why: "I'm 5'4 and 120 lbs, which size?", "will it fit under a 30 cm shelf?", "is the black M
still there?", "do you ship to Hong Kong?", "how much do I save?" each need a little arithmetic
or a rule over catalog facts. A wrong answer here is a false claim (a sold-out size called in
stock, "yes it fits" when it does not), so each reasoner returns ``None`` when the catalog
lacks what it needs, and the caller defers honestly. All functions are pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..catalog import Product
from ..catalog_policy import Policies, Text
from .lexicon import COLOURS, REGIONS, Region
from .size_names import size_named, sizes_by_part


@dataclass(frozen=True)
class SizeAdvice:
    size: str
    height: Optional[tuple[float, float]]
    weight: Optional[tuple[float, float]]
    between: bool  # the viewer's measures fall in two rows (height and weight disagree)


def recommend_size(p: Product, height_cm: Optional[float], weight_kg: Optional[float]) -> Optional[SizeAdvice]:
    """The size whose height/weight ranges hold the viewer's; weight decides a tie upward."""
    rows = [(r.size, r.height_cm, r.weight_kg) for r in p.size_chart.rows] if p.size_chart else \
        [(s.name, s.height_cm, s.weight_kg) for s in p.sizes]
    rows = [r for r in rows if r[1] or r[2]]
    if not rows or (height_cm is None and weight_kg is None):
        return None

    def inside(rng, v, slack=0.0):
        return rng is not None and v is not None and rng[0] - slack <= v <= rng[1] + slack

    by_h = [r for r in rows if inside(r[1], height_cm)]
    by_w = [r for r in rows if inside(r[2], weight_kg)]
    both = [r for r in by_h if r in by_w]
    if both:
        r = both[-1]
        return SizeAdvice(r[0], r[1], r[2], False)
    if by_h and by_w:  # height says one size, weight another: the larger one fits both
        r = max(by_h[-1], by_w[-1], key=rows.index)
        return SizeAdvice(r[0], r[1], r[2], True)
    single = by_w or by_h
    if single and (height_cm is None or weight_kg is None or len(rows) == 1):
        r = single[-1]
        return SizeAdvice(r[0], r[1], r[2], False)
    if single:  # one measure outside every row: the row that holds the other, flagged
        r = single[-1]
        return SizeAdvice(r[0], r[1], r[2], True)
    return None


@dataclass(frozen=True)
class FitResult:
    fits: bool
    side: str  # which side was compared: height, width, depth
    product_cm: float
    gap_cm: float


def fits_in(p: Product, gap_cm: float, side: Optional[str] = None, lying: bool = False) -> Optional[FitResult]:
    """Does the product fit in a space ``gap_cm`` wide/high/deep? Compares the named side, else
    the side the viewer most likely means (height for shelves and cabinets), never guesses a
    side the catalog lacks. ``lying``: a place the product is laid into (a drawer, a bag, a
    box), so its thinnest side is what must fit."""
    d = p.dimensions
    if d is None:
        return None
    if lying:
        sides = [(n, getattr(d, n)) for n in ("height", "width", "depth") if getattr(d, n, None) is not None]
        if len(sides) == 3:
            name, q = min(sides, key=lambda nq: nq[1].to("cm"))
            size = round(q.to("cm"), 1)
            return FitResult(size <= gap_cm, name, size, gap_cm)
    order = [side] if side else ["height", "width", "depth"]
    for name in order:
        q = getattr(d, name, None) if name else None
        if q is not None:
            size = round(q.to("cm"), 1)
            return FitResult(size <= gap_cm, name, size, gap_cm)
    return None


@dataclass(frozen=True)
class VariantStock:
    colour: Optional[Text]
    size: Optional[str]
    stock: int
    in_stock_alternatives: tuple[str, ...]  # "黑色 S" style labels with stock, same colour or size first


def variant_stock(p: Product, colour_family: Optional[str], size: Optional[str], lang: str,
                  text: str = "") -> Optional[VariantStock]:
    """Stock of the colour (and/or size) the viewer names; None when the product has no
    variants or the viewer names neither."""
    if not p.variants or (not colour_family and not size and not text):
        return None
    colour = match_colour(p, colour_family, text)
    want_size = size.lower() if size and size.lower() in {s.lower() for s in p.size_names} else None
    if want_size is None:
        named = size_named(p, text)
        want_size = named.lower() if named else None
    partial = [] if want_size else sizes_by_part(p, text)  # "16+1T", "the 32gb space grey"
    wanted = {want_size} if want_size else {x.lower() for x in partial}
    if colour is None and not wanted:
        return None
    names = {colour.zh.lower(), colour.en.lower()} if colour else set()
    rows = [v for v in p.variants if (not colour or (v.colour or "").lower() in names)
            and (not wanted or (v.size or "").lower() in wanted)]
    if not rows:
        return None
    total = sum(v.stock for v in rows)
    alts = []
    for v in sorted(p.variants, key=lambda v: -((v.colour or "").lower() in names or (v.size or "").lower() in wanted)):
        if v.stock > 0 and v not in rows:
            label = " ".join(x for x in (_colour_label(p, v.colour, lang), v.size) if x)
            alts.append(label)
    label = next((n for n in p.size_names if n.lower() == want_size), None) or ("/".join(partial) or None)
    return VariantStock(colour, label, total, tuple(dict.fromkeys(alts))[:4])


def match_colour(p: Product, family: Optional[str], text: str = "") -> Optional[Text]:
    """The product colour the viewer means: its own name in the text first, then the family."""
    low = text.lower()
    for c in p.colours:
        if (c.zh and c.zh in text) or (c.en and c.en.lower() in low):
            return c
    for c in p.colours:  # "胡桃木" for 胡桃木色: viewers drop the 色 (a one-character stem is too loose)
        stem = c.zh[:-1] if c.zh and c.zh.endswith("色") else ""
        if len(stem) >= 2 and stem in text:
            return c
    if family:
        words = COLOURS.get(family, ())
        for c in p.colours:
            if any(w in c.zh or w in c.en.lower() for w in words):
                return c
    return None


def _colour_label(p: Product, name: Optional[str], lang: str) -> str:
    if not name:
        return ""
    for c in p.colours:
        if name.lower() in (c.zh.lower(), c.en.lower()):
            return c.get(lang)
    return name


@dataclass(frozen=True)
class RegionRule:
    region: Region
    served: bool
    surcharge: Optional[float]
    transit_days: Optional[tuple[int, int]]
    reason: str  # not_served, outside, surcharge, ok


def region_rule(policy: Policies, region_zh: str) -> Optional[RegionRule]:
    """Whether ``policy`` serves a region, at what surcharge and in how many days."""
    region = next((r for r in REGIONS if r.zh == region_zh), None)
    if region is None:
        return None

    def named(texts) -> bool:
        return any(_same_region(t, region) for t in texts or [])

    transit = None
    for t in policy.transit or []:
        if (t.regions and named(t.regions)) or (not t.regions and transit is None and region.mainland):
            transit = t.days
            if t.regions:
                break
    if named(policy.not_served):
        return RegionRule(region, False, None, None, "not_served")
    ships_to = policy.ships_to
    mainland_only = ships_to is not None and ("大陆" in ships_to.zh or "mainland" in ships_to.en.lower()
                                               or ships_to.zh.strip() in ("中国", "国内"))
    if not region.mainland and (mainland_only or ships_to is None) and not named([ships_to] if ships_to else []):
        return RegionRule(region, False, None, None, "outside")
    for s in policy.surcharges or []:
        if named(s.regions):
            return RegionRule(region, True, s.fee, transit, "surcharge")
    return RegionRule(region, True, None, transit, "ok")


def _same_region(t: Text, region: Region) -> bool:
    """``t`` names ``region``: as itself, inside a list ("mainland China, Hong Kong and Macau"), or
    by a short form ("港澳" is Hong Kong and Macau, "港澳台" adds Taiwan)."""
    zh, en = t.zh, t.en.lower()
    if region.zh in zh or zh in region.zh and len(zh) >= 2 and zh not in ("中国", "大陆"):
        return True
    if any(short in zh for short in _SHORT_ZH.get(region.zh, ())):
        return True
    if re.search(rf"(?<![a-z]){re.escape(region.en.lower())}(?![a-z])", en):
        return True
    return en in region.aliases or region.zh in (zh.replace("地区", ""),)


_SHORT_ZH = {"香港": ("港澳",), "澳门": ("港澳",), "台湾": ("港澳台",)}


def price_of(p: Product, size: Optional[str], colours: frozenset[str] = frozenset()) -> Optional[float]:
    """What one piece of the variants matching ``size`` and ``colours`` (lower case names) costs
    today: a variant's own price, else the product's; None when they differ."""
    rows = [v for v in p.variants if (not colours or (v.colour or "").lower() in colours)
            and (not size or (v.size or "").lower() == size.lower())]
    prices = {v.price if v.price is not None else p.sale_price for v in rows} or {p.sale_price}
    return prices.pop() if len(prices) == 1 else None


def saving(p: Product) -> Optional[float]:
    return round(p.price - p.promo_price, 2) if p.promo_price is not None else None


_ZH_NUM = {"一": 1, "两": 2, "二": 2, "俩": 2, "三": 3, "仨": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_EN_NUM = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a couple of": 2, "a pair of": 2}
_QTY_ZH = re.compile(r"(?:买|拍|来|要|凑)?\s*([一两二俩三仨四五六七八九十]|\d{1,2})\s*(?:个|件|袋|箱|盒|瓶|双|包|罐|份|条|套|支|台|只|桶|副|张|本)")
_QTY_EN = re.compile(r"\b(\d{1,2}|two|three|four|five|six)\s+(?:bags?|boxes|box|bottles?|pairs?|packs?|cans?|pieces?|pcs|sets?|"
                     r"units?|of (?:them|these|those)|jars?|tubs?|tins?)\b|\bx\s*(\d{1,2})\b|\b(\d{1,2})\s*x\b", re.I)


def quantity(text: str) -> Optional[int]:
    """How many the viewer means to buy ("买两袋", "三箱", "2 bags", "x3"); None when not said.
    Measures (2kg, 10斤) are not quantities: only counting words are read."""
    m = _QTY_ZH.search(text)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _ZH_NUM[m.group(1)]
        return n if 2 <= n <= 20 else None
    m = _QTY_EN.search(text)
    if m:
        raw = next(g for g in m.groups() if g)
        n = int(raw) if raw.isdigit() else _EN_NUM[raw.lower()]
        return n if 2 <= n <= 20 else None
    return None


@dataclass(frozen=True)
class OrderTotal:
    quantity: int
    subtotal: float
    threshold: Optional[float] = None  # the full reduction that applies, if any
    amount: Optional[float] = None

    @property
    def total(self) -> float:
        return round(self.subtotal - (self.amount or 0.0), 2)


_NO_STACK = re.compile(r"不(可|能)?(以)?(与|和|跟).{0,8}(叠加|同享|共用|同用)|不(可|能)?叠加|不同享|"
                       r"(cannot|can't|can not|may not) be (combined|used together|stacked)|not (be )?(combined|stackable)", re.I)
_STACKS = re.compile(r"(可|能)(以)?(与|和|跟).{0,8}(叠加|同享|共用|同用)|叠加使用|可叠加|"
                     r"can be (combined|used together|stacked)|stacks? with|combinable", re.I)


def coupons_combine(promos) -> bool:
    """Whether the promos' own words say the shop's coupon may be used on top of its full
    reduction ("可以和店铺优惠券叠加"); False when they say it may not ("不和满减同享") or say nothing."""
    said = [t for x in promos or () if x.kind in ("full_reduction", "coupon") for t in (x.text.zh, x.text.en)]
    return not any(_NO_STACK.search(t) for t in said) and any(_STACKS.search(t) for t in said)


def coupon_on_top(promos, t: "OrderTotal"):
    """The shop coupon worth most that the order's subtotal can use (its threshold reached), or
    None; beside a full reduction only when the promos say the two combine (:func:`coupons_combine`)."""
    usable = [x for x in promos or () if x.kind == "coupon" and x.amount and (not x.threshold or t.subtotal >= x.threshold)]
    if not usable or (t.amount and not coupons_combine(promos)):
        return None
    return max(usable, key=lambda x: x.amount)


def order_total(unit_price: float, qty: int, promos) -> OrderTotal:
    """``qty`` at ``unit_price``, less the largest store-wide full reduction ("满299减30") the
    subtotal reaches. Coupons are not stacked here: whether they combine is free text."""
    subtotal = round(unit_price * qty, 2)
    best = None
    for x in promos or ():
        if x.kind == "full_reduction" and x.threshold and x.amount and subtotal >= x.threshold:
            if best is None or x.amount > best.amount:
                best = x
    return OrderTotal(qty, subtotal, best.threshold if best else None, best.amount if best else None)


# a space given by two or three sides: "12 x 8.5 inches", "长33宽23", "宽35高20深25"
_LEN_UNIT = r"(cm|厘米|公分|mm|毫米|inches|inch|in\b|英寸|\")"
_BOX = re.compile(rf"(?<![\d.])(\d{{1,3}}(?:\.\d+)?)\s*{_LEN_UNIT}?\s*[x×*乘]\s*(\d{{1,3}}(?:\.\d+)?)"
                  rf"(?:\s*{_LEN_UNIT}?\s*[x×*乘]\s*(\d{{1,3}}(?:\.\d+)?))?\s*{_LEN_UNIT}?", re.I)
_NAMED_SIDE = re.compile(r"(长|宽|高|深)\s*(?:只有|是|约|大概)?\s*(\d{1,3}(?:\.\d+)?)\s*(cm|厘米|公分|mm|毫米)?")
_FIT_ASK = re.compile(r"fit|放得下|放进|放得进|装得下|装进|塞|能放|进去|放下", re.I)
_TO_CM = {"mm": 0.1, "毫米": 0.1, "in": 2.54, "inch": 2.54, "inches": 2.54, "英寸": 2.54, '"': 2.54}


def space_sides(text: str) -> tuple[float, ...]:
    """The sides (cm, largest first) of a space the viewer asks the product to fit in, when they
    give two or three; () otherwise. One side alone is :func:`fits_in`'s question."""
    if not _FIT_ASK.search(text):
        return ()
    m = _BOX.search(text)
    if m:
        unit = next((u.lower() for u in m.group(2, 4, 6) if u), "cm")
        nums = [float(x) for x in m.group(1, 3, 5) if x]
    else:
        named = {k: (float(v), (u or "cm").lower()) for k, v, u in _NAMED_SIDE.findall(text)}
        if len(named) < 2:
            return ()
        unit = next(iter(named.values()))[1]
        nums = [v for v, _ in named.values()]
    return tuple(sorted((round(n * _TO_CM.get(unit, 1.0), 1) for n in nums), reverse=True))


@dataclass(frozen=True)
class BoxFit:
    fits: bool
    product_cm: tuple[float, ...]  # largest first
    space_cm: tuple[float, ...]


def fits_box(p: Product, space: tuple[float, ...]) -> Optional[BoxFit]:
    """Does the product go into a space of two or three sides (turned any way, not tilted)?
    Its largest sides are matched to the space's largest; with two sides given, the third
    (its thinnest) is the depth the viewer did not limit. None when a side is missing."""
    d = p.dimensions
    if d is None or len(space) < 2:
        return None
    sides = [getattr(d, n) for n in ("width", "depth", "height")]
    if any(s is None for s in sides):
        return None
    ps = tuple(sorted((round(s.to("cm"), 1) for s in sides), reverse=True))
    return BoxFit(all(a <= b for a, b in zip(ps, space)), ps, space)
