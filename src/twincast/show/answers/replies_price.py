"""Price and promotion replies: today's price, a variant's price, the saving, coupons, and the
arithmetic of a count or a store reduction said out loud.

Why a module of its own: these are the replies whose numbers the catalog does not state as
such (a subtotal, a total after a reduction); every figure is computed from catalog fields by
:mod:`.reasoners` and named in ``Reply.fields``.
"""

from __future__ import annotations

import re
from typing import Optional

from ..catalog import Product
from .reasoners import (
    coupon_on_top,
    match_colour,
    order_total,
    price_of,
    quantity,
    saving,
)
from .replies import Ctx, cap, check_reply, join, money, sentence
from .size_names import sizes_by_part, sizes_named
from .intents import SAVING
from .types import Reply
from .unit_price import asked_unit, per_unit_words, unit_price


def price(c: Ctx, p: Product) -> Reply:
    name, lang = p.name.get(c.lang), c.lang
    per = _per_unit(c, p)
    if per:
        return per
    variant = variant_price(c, p)
    if variant:  # "买两个20kg的多少钱": that variant's price, then the order's arithmetic
        total = None if _PROMO_WORDS.search(c.text) else _order_total(c, p, quantity(c.text))
        if total:
            return Reply("answer", variant.text + (total.text if c.zh else " " + total.text),
                         tuple(dict.fromkeys(variant.fields + total.fields)))
        return variant
    if p.promo_price is not None:
        text = (f"{name}今天直播间到手价{money(p, p.promo_price, lang)}，日常价{money(p, p.price, lang)}" if c.zh
                else f"{name}: {money(p, p.promo_price, lang)} today, regular price {money(p, p.price, lang)}")
        off = saving(p)
        if off and _SAVING_ASKED.search(c.text):  # "比原价省多少": the difference said, not left to the viewer
            text += f"，省{money(p, off, lang)}" if c.zh else f": you save {money(p, off, lang)}"
        text += "。" if c.zh else "."
        fields = ["price", "promo_price"]
    else:
        text = f"{name}价格{money(p, p.price, lang)}。" if c.zh else f"{name}: {money(p, p.price, lang)}."
        fields = ["price"]
    # with a discount asked about too, the promo piece says the arithmetic (once)
    total = None if _PROMO_WORDS.search(c.text) else _order_total(c, p, quantity(c.text))
    if total:
        text += total.text if c.zh else " " + total.text
        fields += list(total.fields)
    deal = None if total or _PROMO_WORDS.search(c.text) else _multibuy(c, p, quantity(c.text))
    if deal:
        text += deal if c.zh else " " + deal
        fields.append("policies.promos")
    if p.link:
        text += f"拍{p.link}号链接。" if c.zh else f" It's link {p.link}."
        fields.append("link")
    return Reply("answer", text, tuple(fields))


_COUNT = {"两": 2, "二": 2, "俩": 2, "三": 3, "2": 2, "3": 3, "two": 2, "three": 3}
_DEAL_TOTAL = re.compile(r"(两|二|俩|三|2|3)\s*(?:个|件|箱|盒|罐|袋|瓶|包|份)?\s*到手\s*(\d+(?:\.\d+)?)\s*元|"
                         r"(\d+(?:\.\d+)?)\s*yuan for (two|three|2|3)\b", re.I)
_AVERAGE = re.compile(r"平均|每(个|件|箱|盒|罐|袋|瓶)多少|一(个|件|箱|盒|罐|袋|瓶)合多少|\beach\b|\bper (box|tub|bag|one|item)", re.I)


def _multibuy(c: Ctx, p: Product, qty: Optional[int]) -> Optional[str]:
    """"两箱多少钱" where the product has a multi-buy deal written as text ("拍两箱再减20元，两箱
    到手158元"): the deal in the catalog's own words, and the price per piece when asked and the
    deal states the total for that many. The arithmetic of free-text deals is not guessed."""
    deals = [x for x in c.catalog.policy(p).promos or () if x.kind in ("bundle", "discount")]
    if not qty or qty < 2 or not deals:
        return None
    said = [sentence(x.text.get(c.lang), c.lang) for x in deals]
    if _AVERAGE.search(c.text):
        for x in deals:
            for m in _DEAL_TOTAL.finditer(x.text.zh + " " + x.text.en):
                n = _COUNT.get((m.group(1) or m.group(4) or "").lower())
                amount = float(m.group(2) or m.group(3))
                if n == qty:
                    each = money(p, round(amount / n, 2), c.lang)
                    said.append(f"平均每件{each}。" if c.zh else f"That is {each} each.")
                    break
    return ("" if c.zh else " ").join(dict.fromkeys(said))


_SAVING_ASKED = re.compile(SAVING + r"|省|便宜了|\bsave|打几折|几折", re.I)
_PROMO_WORDS = re.compile(r"满减|满\d+减|券|优惠|凑|coupon|discount|voucher|\boff\b", re.I)
_TOTAL_ASKED = re.compile(r"多少|到手|几块|how much|price (after|with)|total|cost", re.I)
_COUPON_ASKED = re.compile(r"券|coupon|voucher", re.I)
_REDUCTION_ASKED = re.compile(r"满减|凑|满\d+|减完|用完券|after the .{0,12}(discount|off)|with the discount|\boff\b", re.I)


def _order_total(c: Ctx, p: Product, qty: Optional[int], asked: bool = False) -> Optional[Reply]:
    """"三袋凑满减多少钱": the arithmetic said out loud (count x today's price, less the store's
    full reduction when the subtotal reaches it). Without a count, only when the viewer asks
    about the reduction and one item already reaches it."""
    coupon_asked = asked and bool(_COUPON_ASKED.search(c.text))
    if not qty and not (asked and (_REDUCTION_ASKED.search(c.text) or coupon_asked) and _TOTAL_ASKED.search(c.text)):
        return None
    promos = c.catalog.policy(p).promos or ()
    if (qty or 1) > 1 and any(x.kind in ("bundle", "discount") for x in promos):
        return None  # a multi-buy deal in free text: the arithmetic is not one product of two numbers
    named = sizes_named(p, c.text)[:1]
    unit = price_of(p, named[0] if named else None)  # "买两个8mm的": that variant's price
    if unit is None:
        return None  # prices per variant and none named
    t = order_total(unit, qty or 1, promos)
    coupon = coupon_on_top(promos, t) if coupon_asked else None  # unsaid whether it combines: the reduction alone
    if not qty and t.amount is None and coupon is None:
        return None
    m = lambda v: money(p, v, c.lang)  # noqa: E731
    if c.zh:
        text = f"买{t.quantity}件共{m(t.subtotal)}" if qty else ""
        if t.amount:
            text += f"{'，' if text else ''}{_after_reduction(t, m, True)}"
        return Reply("answer", _with_coupon(text, t, coupon, m, True) + "。", _TOTAL_FIELDS)
    text = f" {t.quantity} of them come to {m(t.subtotal)}" if qty else ""
    if t.amount:
        text += f"{';' if text else ''} {_after_reduction(t, m, False)}"
    return Reply("answer", _with_coupon(text.strip(), t, coupon, m, False) + ".", _TOTAL_FIELDS)


_TOTAL_FIELDS = ("price", "promo_price", "policies.promos")


def _with_coupon(text: str, t, coupon, m, zh: bool) -> str:
    """``text`` (the order so far) and the total once the coupon is used on top, if there is one."""
    if coupon is None:
        return text
    net = m(t.total - coupon.amount)
    if zh:
        return text + f"{'，' if text else ''}{'再' if t.amount else ''}用{coupon.amount:g}元券{net}"
    return text + f"{'; ' if text else ''}{net} with the {coupon.amount:g} yuan coupon{' too' if t.amount else ''}"


def _after_reduction(t, m, zh: bool) -> str:
    """The total after the store's full reduction, said the same way for one product or several."""
    return (f"满{t.threshold:g}减{t.amount:g}后{m(t.total)}" if zh
            else f"{m(t.total)} after the {t.threshold:g} minus {t.amount:g} store discount")


def _per_unit(c: Ctx, p: Product) -> Optional[Reply]:
    """"算下来一斤多少钱", "多少钱一袋", "per notebook?": the price the viewer would pay (the named
    variant's, else today's) divided by what it holds, with both numbers said; no size named on
    a product sold in sizes: each size's (up to three)."""
    if asked_unit(c.text) is None:
        return None
    named = sizes_named(p, c.text)[:1]
    m = lambda v: money(p, v, c.lang)  # noqa: E731
    parts, fields = [], []
    for size in named or p.size_names[:3] or [None]:
        own = size is not None and any(v.price is not None and (v.size or "").lower() == size.lower() for v in p.variants)
        paid = price_of(p, size)
        if paid is None:
            continue
        u = unit_price(p, paid, c.text, size)
        if u is None:
            continue
        unit, holds = per_unit_words(u, c.lang)
        label = size or p.name.get(c.lang)
        parts.append(f"{label}到手价{m(paid)}，共{holds}，算下来每{unit}约{m(u.amount)}" if c.zh
                     else f"{label}: {m(paid)} today for {holds}, about {m(u.amount)} per {unit}")
        fields += ["variants.price" if own else "promo_price" if p.promo_price else "price", u.field]
    if not parts:
        return None
    return Reply("answer", ("；".join(parts) + "。") if c.zh else "; ".join(parts) + ".", tuple(dict.fromkeys(fields)))


def variant_price(c: Ctx, p: Product) -> Optional[Reply]:
    """A variant's own price; two variants named: both, with the difference or the sum when asked
    ("8毫米比6毫米贵多少", "一个6毫米一个8毫米一共多少"). A variant without a price of its own
    costs today's price of the product."""
    if not any(v.price is not None for v in p.variants):
        return None
    colour = match_colour(p, c.slots.colour, c.text)
    names = frozenset({colour.zh.lower(), colour.en.lower()} if colour else ())
    sizes = sizes_named(p, c.text) or ([c.slots.size] if c.slots.size else [])

    m = lambda v: money(p, v, c.lang)  # noqa: E731
    if len(sizes) >= 2:
        (a, pa), (b, pb) = [(x, price_of(p, x, names)) for x in sizes[:2]]
        if pa is None or pb is None:
            return None
        if c.zh:
            text = f"{a}到手价{m(pa)}，{b}到手价{m(pb)}"
            if _TOGETHER.search(c.text):
                text += f"，各一件共{m(pa + pb)}"
            elif pa != pb:
                text += f"，{a}比{b}{'贵' if pa > pb else '便宜'}{m(abs(pb - pa))}"
            return Reply("answer", text + "。", ("variants.price", "promo_price"))
        text = f"{a} is {m(pa)} and {b} is {m(pb)} today"
        if _TOGETHER.search(c.text):
            text += f", {m(pa + pb)} for one of each"
        elif pa != pb:
            text += f"; {a} costs {m(abs(pb - pa))} {'more' if pa > pb else 'less'}"
        return Reply("answer", text + ".", ("variants.price", "promo_price"))
    if not sizes and not names:
        rows = _variant_list(p, c.text)
        if not rows:
            return None
        said = [f"{label}到手价{m(x)}" if c.zh else f"{label}: {m(x)}" for label, x in rows]
        return Reply("answer", "，".join(said) + "。" if c.zh else "; ".join(said) + ".", ("variants.price", "promo_price"))
    size = sizes[0] if sizes else None
    price_ = price_of(p, size, names)
    if price_ is None:
        return None
    label = " ".join(x for x in (colour.get(c.lang) if colour else "", size or "") if x)
    text = f"{label}到手价{m(price_)}。" if c.zh else f"{label}: {m(price_)}."
    return Reply("answer", text, ("variants.price", "promo_price"))


# "三个尺寸分别多少钱", "desk top sizes and prices pls": every size's price
_EACH_SIZE = re.compile(r"分别|各(多少|是多少|什么价)|每个(尺寸|规格|版本|配置)|几个(尺寸|规格|版本|配置).{0,4}(价|多少)|"
                        r"(尺寸|规格|版本|配置)和价格|sizes? and prices?|prices? (of|for) (each|all|every)|each (size|version)|"
                        r"all (the )?(sizes|versions)", re.I)


def _variant_list(p: Product, text: str) -> list[tuple[str, float]]:
    """(size, price) of the variants a viewer means without naming one whole: those whose size
    has the part they name ("32G的多少钱" for 32GB+1TB, "1TB" for both 1TB versions), or every
    size when they ask for each one's price."""
    sizes = list(dict.fromkeys(v.size for v in p.variants if v.size))
    chosen = sizes_by_part(p, text) or (sizes if _EACH_SIZE.search(text) else [])
    if not chosen:
        return []
    rows = [(name, price_of(p, name)) for name in chosen]
    return [(name, x) for name, x in rows if x is not None]


_STATES_DATE = re.compile(r"\d{1,2}月\d{1,2}日|valid until|until \d|\d{4}-\d{2}-\d{2}|"
                          r"\b(january|february|march|april|may|june|july|august|september|october|november|december)\b",
                          re.I)
_TOGETHER = re.compile(r"一共|总共|共多少|一起|合计|加起来|各一|total|together|one of each|both", re.I)


_GIFT_Q = re.compile(r"赠品|送什么|送啥|有送|送.{0,4}(吗|嗎|么)|送几|小样|gift|freebie|included|comes? with|\bfree\b", re.I)
# a kind of offer the viewer names: it is answered only by a promo that says it, never by the
# shop's other coupons (a neighbouring fact: "any discount for students?" got the 满减 rules);
# each is (how a viewer asks for it, how a promo's text says it)
_STUDENT = (re.compile(r"学生|student", re.I), re.compile(r"学生|student", re.I))
_LATER = (re.compile(r"双十一|双11|双十二|双12|618|年货节|黑五|black friday|下次活动|以后.{0,4}(便宜|降|优惠)|"
                     r"还会.{0,3}(便宜|降|优惠|打折)|会不会.{0,3}(降价|便宜)|flash sale|next (sale|promo)|"
                     r"(sale|promo|discount)s? (coming|later|soon)|coming (sale|promo)", re.I),
          re.compile(r"双十一|双11|双十二|双12|618|年货节|黑五|black friday|flash|下次|next", re.I))


def _stated(c: Ctx, promos, says: re.Pattern[str]) -> Optional[Reply]:
    said = [x.text.get(c.lang) for x in promos if x.kind != "none" and says.search(x.text.get(c.lang))]
    return Reply("answer", sentence(("，" if c.zh else "; ").join(said), c.lang), ("policies.promos",)) if said else None


def _named_offer(c: Ctx, pol, p: Product) -> Optional[Reply]:
    """A gift, a student discount or a later sale asked about: the catalog's own words for it, a
    plain "none today" when the shop states it has no offers, else a deferral (issue 17: "let me
    check" rather than a neighbouring fact). None for a student discount no promo states: the
    caller gives today's offers with that part left open."""
    promos = pol.promos or []
    if _GIFT_Q.search(c.text) and not re.search(r"满\d+|折|券|coupon|discount|\boff\b", c.text, re.I):
        if p.gifts:
            text = ("下单送" if c.zh else "It comes with ") + join([g.get(c.lang) for g in p.gifts], c.lang)
            return Reply("answer", sentence(text, c.lang), ("gifts",))
        said = [x.text.get(c.lang) for x in promos if x.kind == "gift"]
        if said:
            return Reply("answer", sentence(("，" if c.zh else "; ").join(said), c.lang), ("policies.promos",))
        if promos and all(x.kind == "none" for x in promos):
            return Reply("answer", "今天没有赠品。" if c.zh else "No free gifts today.", ("policies.promos",))
        return check_reply(c.lang, topic="赠品" if c.zh else "about gifts")
    if _LATER[0].search(c.text):
        return _stated(c, promos, _LATER[1]) or check_reply(c.lang, topic="之后的活动" if c.zh else "about later sales")
    if _STUDENT[0].search(c.text):
        return _stated(c, promos, _STUDENT[1])
    return None


def promo(c: Ctx, p: Product) -> Reply:
    """Saving against the list price, then the shop's coupons and their validity."""
    pol = c.catalog.policy(p)
    parts, fields = [], []
    named = _named_offer(c, pol, p)
    if named is not None:
        return named
    off = saving(p)
    if off and re.search(r"省|原价|便宜|划算|折|save|off|cheaper|discount|deal|price", c.text, re.I):
        parts.append(f"比日常价{money(p, p.price, c.lang)}省{money(p, off, c.lang)}，到手{money(p, p.sale_price, c.lang)}"
                     if c.zh else f"you save {money(p, off, c.lang)} on the regular {money(p, p.price, c.lang)}: "
                     f"{money(p, p.sale_price, c.lang)} today")
        fields += ["price", "promo_price"]
    promos = pol.promos
    if promos is not None:
        real = [x for x in promos if x.kind != "none"]
        if not real:
            parts.append("今天没有额外的优惠券" if c.zh else "there are no extra coupons today")
        for x in real:
            said = x.text.get(c.lang)
            until = f"（{x.valid_until.month}月{x.valid_until.day}日前有效）" if c.zh and x.valid_until else \
                (f" (valid until {x.valid_until.isoformat()})" if x.valid_until else "")
            if x.valid_until and _STATES_DATE.search(said):
                until = ""  # the promo's own text already says until when ("12月12日前有效")
            parts.append(said + until)
        fields.append("policies.promos")
    if not parts:
        if off:
            return price(c, p)
        return check_reply(c.lang, topic="优惠" if c.zh else "about discounts")
    text = "，".join(parts) + "。" if c.zh else cap("; ".join(parts)) + "."
    if _STUDENT[0].search(c.text):  # no promo states one (_named_offer): today's offers, that part left open
        text = ("学生专属优惠我帮您确认一下，现在的优惠是：" + text if c.zh
                else "I'll check on a student discount; today's offers: " + text[0].lower() + text[1:])
    total = _order_total(c, p, quantity(c.text), asked=True)
    if total:
        text += total.text if c.zh else " " + total.text
        fields += list(total.fields)
    return Reply("answer", text, tuple(dict.fromkeys(fields)))


# "猫粮和猫砂一起买多少钱", "跑鞋和瑜伽垫一起买满减后多少", "mouse和laptop一起拍 总共多少"
TOGETHER = re.compile(r"一起|一共|总共|合计|加起来|together|\btotal\b|\bboth\b|\bcombined\b|凑", re.I)


_AMOUNT_ASKED = re.compile(r"多少|到手|几块|how much|total|cost|price", re.I)


def _named_or_all_prices(p: Product, text: str) -> set[float]:
    """Today's price of the one variant the viewer names ("160的升降桌"), else of every variant."""
    sizes = sizes_named(p, text)
    named = price_of(p, sizes[0]) if len(sizes) == 1 else None
    if named is not None:
        return {named}
    return {v.price if v.price is not None else p.sale_price for v in p.variants} or {p.sale_price}


def together_total(c: Ctx, products: list[Product]) -> Optional[Reply]:
    """Several products bought in one order: the sum of today's prices and the store's largest
    full reduction that sum reaches (or the threshold it does not reach), from the promos every
    one of them has (a product's own deal is said on its own line). A product whose variants
    have their own prices counts at its cheapest, and the sum is said as "from"."""
    if len(products) < 2 or not TOGETHER.search(c.text) or not _AMOUNT_ASKED.search(c.text):
        return None  # "一起买有优惠吗" asks whether, not how much: the promos answer it
    prices = [_named_or_all_prices(p, c.text) for p in products]
    lows = [min(x) for x in prices]
    from_price = any(len(x) > 1 for x in prices)
    each = [tuple(c.catalog.policy(p).promos or ()) for p in products]
    promos = tuple(x for x in each[0] if all(x in other for other in each[1:]))
    t = order_total(sum(lows), 1, promos)
    p0 = products[0]
    m = lambda v: money(p0, v, c.lang)  # noqa: E731
    fulls = [x for x in promos if x.kind == "full_reduction" and x.threshold and x.amount]
    coupon = coupon_on_top(promos, t) if _COUPON_ASKED.search(c.text) else None
    if c.zh:
        text = f"{len(products)}件一起今天共{m(t.subtotal)}{'起' if from_price else ''}"
        if t.amount:
            text += f"，{_after_reduction(t, m, True)}"
        elif fulls:
            text += f"，还没到满{min(x.threshold for x in fulls):g}减的门槛"
        return Reply("answer", _with_coupon(text, t, coupon, m, True) + "。", _TOTAL_FIELDS)
    text = f"Together they {'start at' if from_price else 'come to'} {m(t.subtotal)} today"
    if t.amount:
        text += f"; {_after_reduction(t, m, False)}"
    elif fulls:
        text += f", below the {min(x.threshold for x in fulls):g} full-reduction threshold"
    return Reply("answer", _with_coupon(text, t, coupon, m, False) + ".", _TOTAL_FIELDS)
