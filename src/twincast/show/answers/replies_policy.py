"""Reply pieces from the policies in force for a product: shipping, regions, delivery time,
returns, warranty, how to buy (links, instalments, invoices, limits), and the host's own lines
(AI disclosure, greetings, "we don't sell that").

Why separate from :mod:`.replies`: these read :meth:`Catalog.policy` (store policies merged with
the product's overrides), so the same store rule is stated the same way for every product, and
a product's exception (no returns once opened, a remote-region surcharge) wins where it exists.
"""

from __future__ import annotations

import re
from typing import Optional

from ..catalog import Catalog, Product
from .intents import ASKS_INSURANCE, BUY_COUNT
from .reasoners import price_of, region_rule
from .replies import Ctx, cap, check_reply, join, money, sentence
from .size_names import sizes_named
from .types import Reply

_BYE = re.compile(r"\bbye+\b|拜拜|再见|晚安|下次见|see (you|ya)|good ?night", re.I)
_THANKS = re.compile(r"辛苦|加油|支持|漂亮|好看|美|爱了|666|888|yyds|绝绝子|great|love|awesome|nice|thank|slay|killer|fire|"
                     r"insane|sick", re.I)


def _days(lo: int, hi: int, zh: bool) -> str:
    if lo == hi:
        return f"{lo}天" if zh else f"{lo} days"
    return f"{lo}到{hi}天" if zh else f"{lo} to {hi} days"


# a second shipping question in the same comment ("发什么快递 广州几天到", "几天发货 北京几天到")
_COURIER_ASKED = re.compile(r"什么快递|哪家快递|啥快递|哪个快递|快递是|发.{0,2}快递|物流是|什么物流|courier|carrier|"
                            r"which (express|delivery company)|顺丰吗|圆通吗|中通吗|京东吗|韵达吗|申通吗", re.I)
_DISPATCH_ASKED = re.compile(r"几天发|多久发|什么时候发|啥时候发|几时发|发货(时间|快|要|多久)|几天.{0,3}发货|dispatch|"
                             r"ship(ped|s)? out|leaves? the warehouse|handling time", re.I)


def _couriers(pol, zh: bool) -> str:
    return "发" + "或".join(x.zh for x in pol.couriers) if zh else "sent by " + " or ".join(x.en for x in pol.couriers)


def _also_asked(c: Ctx, pol, said_dispatch: bool) -> tuple[list[str], list[str]]:
    """The courier and the dispatch time when the comment asks for them beside a region's days."""
    parts, fields = [], []
    if pol.couriers and _COURIER_ASKED.search(c.text):
        parts.append(_couriers(pol, c.zh))
        fields.append("policies.couriers")
    if pol.dispatch_hours and not said_dispatch and _DISPATCH_ASKED.search(c.text):
        parts.append(f"下单后{pol.dispatch_hours}小时内发货" if c.zh else f"dispatched within {pol.dispatch_hours} hours of the order")
        fields.append("policies.dispatch_hours")
    return parts, fields


def shipping(c: Ctx, p: Product) -> Reply:
    pol = c.catalog.policy(p)
    zh = c.zh
    parts, fields = [], []
    if pol.free_shipping is not None:
        parts.append(("包邮" if zh else "free shipping") if pol.free_shipping else
                     (f"运费{money(p, pol.shipping_fee or 0, c.lang)}" if zh else
                      f"shipping costs {money(p, pol.shipping_fee or 0, c.lang)}"))
        fields.append("policies.free_shipping")
    if pol.couriers:
        parts.append(_couriers(pol, zh))
        fields.append("policies.couriers")
    if pol.ships_from:
        parts.append(f"从{pol.ships_from.zh}发货" if zh else f"ships from {pol.ships_from.en}")
        fields.append("policies.ships_from")
    if pol.dispatch_hours:
        parts.append(f"下单后{pol.dispatch_hours}小时内发出" if zh else f"dispatched within {pol.dispatch_hours} hours")
        fields.append("policies.dispatch_hours")
    extra = []
    for s in pol.surcharges or []:
        extra.append(f"{join([r.zh for r in s.regions], 'zh')}需补{money(p, s.fee, 'zh')}运费" if zh else
                     f"{join([r.en for r in s.regions], 'en')} add {money(p, s.fee, 'en')}")
    if pol.not_served:
        extra.append(f"{join([r.zh for r in pol.not_served], 'zh')}暂不发货" if zh else
                     f"no shipping to {join([r.en for r in pol.not_served], 'en')}")
    if not parts and not extra:
        return check_reply(c.lang, topic="发货" if zh else "about shipping")
    text = "，".join(parts + extra) + "。" if zh else cap("; ".join(parts + extra)) + "."
    return Reply("answer", text, tuple(fields + (["policies.surcharges", "policies.not_served"] if extra else [])))


def shipping_exception(c: Ctx, p: Product) -> Reply:
    """A region the viewer names: served or not, surcharge, days in transit."""
    pol = c.catalog.policy(p)
    if not c.slots.region:
        if re.search(r"海外|国外|overseas|abroad|international", c.text, re.I):
            where = pol.ships_to.get(c.lang) if pol.ships_to else None
            if where:
                return Reply("answer", f"抱歉，目前只发{where}。" if c.zh else f"Sorry, we only ship within {where} for now.",
                             ("policies.ships_to",))
        return shipping(c, p)
    rule = region_rule(pol, c.slots.region)
    if rule is None:
        return shipping(c, p)
    name = rule.region.zh if c.zh else rule.region.en
    if not rule.served:
        if rule.reason == "outside" and pol.ships_to:
            text = (f"抱歉，{name}暂时发不了，目前只发{pol.ships_to.zh}。" if c.zh
                    else f"Sorry, we can't ship to {name}; we only ship within {pol.ships_to.en} for now.")
        else:
            text = f"抱歉，{name}暂时不发货。" if c.zh else f"Sorry, we don't ship to {name} at the moment."
        return Reply("answer", text, ("policies.not_served", "policies.ships_to"))
    parts = [f"{name}可以发" if c.zh else f"Yes, we ship to {name}"]
    fields = ["policies.not_served"]
    if rule.surcharge:
        parts.append(f"需要补{money(p, rule.surcharge, c.lang)}运费" if c.zh else f"with a {money(p, rule.surcharge, c.lang)} surcharge")
        fields.append("policies.surcharges")
    elif pol.free_shipping:
        parts.append("包邮" if c.zh else "shipping is free")
        fields.append("policies.free_shipping")
    if rule.transit_days:
        parts.append(f"发货后大约{_days(*rule.transit_days, c.zh)}到" if c.zh else
                     f"it takes about {_days(*rule.transit_days, c.zh)} after dispatch")
        fields.append("policies.transit")
    more, more_fields = _also_asked(c, pol, said_dispatch=False)
    parts, fields = parts + more, fields + more_fields
    return Reply("answer", "，".join(parts) + "。" if c.zh else "; ".join(parts) + ".", tuple(fields))


def delivery_time(c: Ctx, p: Product) -> Reply:
    pol = c.catalog.policy(p)
    if c.slots.region:
        return shipping_exception(c, p)
    parts, fields = [], []
    if pol.dispatch_hours:
        parts.append(f"下单后{pol.dispatch_hours}小时内发货" if c.zh else f"it is dispatched within {pol.dispatch_hours} hours")
        fields.append("policies.dispatch_hours")
    default = next((t for t in pol.transit or [] if not t.regions), None)
    if default:
        parts.append(f"一般发货后{_days(*default.days, c.zh)}送到" if c.zh else
                     f"and usually arrives {_days(*default.days, c.zh)} after that")
        fields.append("policies.transit")
    named = [t for t in pol.transit or [] if t.regions]
    for t in named[:2]:
        regions = join([r.get(c.lang) for r in t.regions], c.lang)
        parts.append(f"{regions}{_days(*t.days, c.zh)}" if c.zh else f"{regions}: {_days(*t.days, c.zh)}")
    if not parts:
        return check_reply(c.lang, topic="到货时间" if c.zh else "about delivery times")
    more, more_fields = _also_asked(c, pol, said_dispatch=True)
    parts, fields = parts + more, fields + more_fields
    return Reply("answer", "，".join(parts) + "。" if c.zh else cap("; ".join(parts)) + ".", tuple(fields))


def returns(c: Ctx, p: Product) -> Reply:
    pol = c.catalog.policy(p)
    r = pol.returns
    insured = pol.return_shipping_insurance
    asked = bool(ASKS_INSURANCE.search(c.text))
    if asked and insured is None:  # "运费险有吗": the catalog does not say; the return rule is no answer
        return check_reply(c.lang, topic="运费险" if c.zh else "about return shipping insurance")
    if r is None:
        return check_reply(c.lang, topic="退货" if c.zh else "about returns")
    parts, fields = [], ["policies.returns"]
    if asked:  # the insurance first: it is what was asked
        parts.append(("有的，送运费险" if c.zh else "yes, return shipping insurance is included") if insured
                     else ("这款没有运费险" if c.zh else "no, there is no return shipping insurance"))
        fields.append("policies.return_shipping_insurance")
    if r.note:
        parts.append(r.note.get(c.lang))
    elif r.days and r.no_reason:
        parts.append(f"支持{r.days}天无理由退货" if c.zh else f"{r.days}-day no-questions-asked returns")
    elif r.days:
        parts.append(f"{r.days}天内可退货" if c.zh else f"returns within {r.days} days")
    else:
        parts.append("这款不支持无理由退货" if c.zh else "this item cannot be returned without a reason")
    if r.conditions:
        conds = join([x.get(c.lang) for x in r.conditions], c.lang)
        parts.append(f"条件是{conds}" if c.zh else f"as long as: {conds}")
    if insured is not None and not asked:
        parts.append(("送运费险" if c.zh else "return shipping insurance included") if insured
                     else ("不含运费险" if c.zh else "no return shipping insurance"))
        fields.append("policies.return_shipping_insurance")
    return Reply("answer", "，".join(parts) + "。" if c.zh else cap("; ".join(parts)) + ".", tuple(fields))


def warranty(c: Ctx, p: Product) -> Reply:
    w = c.catalog.policy(p).warranty
    if w is None:
        return check_reply(c.lang, topic="保修" if c.zh else "about the warranty")
    if w.months == 0:
        text = "这款没有保修服务，售后按退换货规则处理。" if c.zh else "This item has no warranty; returns follow the return policy."
        return Reply("answer", text, ("policies.warranty",))
    span = (f"{w.months // 12}年" if w.months % 12 == 0 else f"{w.months}个月") if c.zh else \
        (f"{w.months // 12}-year" if w.months % 12 == 0 else f"{w.months}-month")
    text = f"保修{span}" if c.zh else f"It has a {span} warranty"
    if w.terms:
        text += ("，" if c.zh else ": ") + w.terms.get(c.lang)
    return Reply("answer", sentence(text, c.lang), ("policies.warranty",))


_SERVICE = re.compile(r"客服|人工|售后电话|customer (service|support|care)|\bcontact (you|the (shop|store|seller)|support)|"
                      r"\bsupport (team|hours)")


def _per_instalment(c: Ctx, p: Product, i) -> Optional[str]:
    """"12期每期多少", "6 interest-free instalments, how much a month?": the price the viewer pays
    (the size named, else today's) over the periods asked, interest-free plans only (with
    interest the shop's own figure is needed)."""
    m = re.search(r"(\d+)\s*(?:期|个月|months?|(?:interest[- ]free\s+)?instal\w*|分期)", c.text, re.I)
    if not (i.available and i.interest_free and m and _PER_PERIOD.search(c.text)):
        return None
    n = int(m.group(1))
    if n not in i.periods:
        return None
    named = sizes_named(p, c.text)[:1]
    paid = price_of(p, named[0]) if named else p.sale_price  # no size named: the price the show quotes
    if paid is None:
        return None
    each = money(p, paid / n, c.lang)
    label = f"{named[0]}" if named else ""
    return (f"{label}{n}期每期约{each}" if c.zh else f"about {each} a month over {n} months" + (f" for {label}" if label else ""))


_PER_PERIOD = re.compile(r"每期|一期|每月|每个月|一个月|月供|per month|a month|monthly|each", re.I)


def how_to_buy(c: Ctx, p: Product) -> Reply:
    pol = c.catalog.policy(p)
    low = c.text.lower()
    parts, fields = [], []
    if re.search(r"分期|花呗|instal|installment|credit|\d+\s*期|免息|每期|分几期|monthly", low):
        i = pol.instalments
        if i is None:
            return check_reply(c.lang, topic="分期" if c.zh else "about instalments")
        if i.note:
            parts.append(i.note.get(c.lang))
        elif i.available:
            periods = join([str(x) for x in i.periods], c.lang)
            parts.append((f"支持{periods}期分期" + ("免息" if i.interest_free else "")) if c.zh
                         else f"instalments over {periods} months" + (", interest-free" if i.interest_free else ""))
        else:
            parts.append("这款不支持分期" if c.zh else "instalments are not available")
        each = _per_instalment(c, p, i)
        if each:
            parts.append(each)
        fields.append("policies.instalments")
    if re.search(r"发票|专票|普票|开票|invoice|receipt", low):
        if pol.invoice is None:
            return check_reply(c.lang, topic="发票" if c.zh else "about invoices")
        parts.append(pol.invoice.get(c.lang))
        fields.append("policies.invoice")
    if re.search(r"限购|能买几|买几个|最多|limit|how many can|per (person|customer|account)\b|\bmax\b|how many \w+ can i", low) \
            or re.search(BUY_COUNT, low):
        lim = pol.purchase_limit
        if lim is None:
            return check_reply(c.lang, topic="限购" if c.zh else "about purchase limits")
        if lim.note:
            parts.append(lim.note.get(c.lang))
        else:
            n = lim.per_customer or lim.per_order
            parts.append(f"每人限购{n}件" if c.zh else f"limit {n} per customer")
        fields.append("policies.purchase_limit")
    if _SERVICE.search(low) and c.catalog.store and c.catalog.store.customer_service:
        reply = customer_service(c)
        parts.append(reply.text.rstrip("。."))
        fields += reply.fields
    if re.search(r"paypal|支付宝|微信支付|apple pay", low):
        return check_reply(c.lang, topic="支付方式" if c.zh else "about payment methods")
    if not parts:
        if p.link:
            parts.append(f"点击下方小黄车，{p.link}号链接就是{p.name.zh}" if c.zh
                         else f"tap the shopping cart below, link {p.link} is the {p.name.en}")
            fields.append("link")
        else:
            parts.append("点击下方小黄车就能下单" if c.zh else "tap the shopping cart below to order")
    return Reply("answer", "，".join(parts) + "。" if c.zh else cap("; ".join(parts)) + ".", tuple(fields))


def customer_service(c: Ctx) -> Reply:
    cs = c.catalog.store.customer_service if c.catalog.store else None
    if cs is None:
        return check_reply(c.lang)
    text = (f"可以联系{cs.channel.zh}，服务时间{cs.hours.zh}。" if c.zh
            else f"Contact {cs.channel.en}, {cs.hours.en}.")
    return Reply("answer", text, ("store.customer_service",))


def ai_disclosure(catalog: Catalog, lang: str) -> Reply:
    return Reply("answer", sentence(catalog.host.ai_disclosure.get(lang), lang), ("host.ai_disclosure",))


def greeting(catalog: Catalog, text: str, lang: str) -> Reply:
    zh = lang == "zh"
    shop = catalog.shop.get(lang) if catalog.shop else ("直播间" if zh else "the stream")
    if _BYE.search(text):
        return Reply("answer", "感谢陪伴，下次直播见！" if zh else "Thanks for watching, see you next time!", ())
    if _THANKS.search(text):
        return Reply("answer", "谢谢支持！有想了解的商品随时问我。" if zh else "Thank you! Ask me about any product anytime.", ())
    return Reply("answer", f"欢迎来到{shop}！想了解哪款商品，直接打在评论区。" if zh
                 else f"Welcome to {shop}! Ask about any product in the comments.", ("shop",))


def not_sold(catalog: Catalog, lang: str) -> Reply:
    """Never names what the viewer asked for (that would echo the comment): lists what we sell."""
    cats = join(list(dict.fromkeys(p.category.get(lang) for p in catalog.products)), lang)
    text = (f"这个我们店暂时没有卖哦，今天直播间有{cats}。" if lang == "zh"
            else f"We don't sell that here, sorry. Today we have {cats}.")
    return Reply("answer", text, ("products.category",), "not_sold")


# "什么时候补货", "restock when?", "会补货吗": a date the catalog does not hold; "补货了吗" / "back in
# stock?" asks about today's stock, which it does
_RESTOCK_FUTURE = re.compile(r"补货|restock|补不补|会补", re.I)
_RESTOCK_DONE = re.compile(r"补货?了|补了|restock(ed)?\s*了|restocked|back in stock|in stock (now|again)", re.I)


def restock(c: Ctx, reply: Reply) -> Reply:
    """A question about a future restock: today's stock (sold out, what is left) and an honest
    deferral for the date, as a check; the stock facts are still said."""
    if reply.kind != "answer" or not _RESTOCK_FUTURE.search(c.text) or _RESTOCK_DONE.search(c.text):
        return reply
    text = (reply.text + "补货时间我帮您确认一下，确认好了马上回复您。" if c.zh
            else reply.text + " Let me check when it will be restocked and get back to you.")
    return Reply("check", text, reply.fields, "restock")
