"""Reply templates per intent and language, filled ONLY from catalog fields.

Why: the reply is the one place where a wrong number reaches the audience. Each builder reads
the catalog, names the fields it used (``Reply.fields``; ``twincast ask --json`` shows them)
and never copies text from the comment. A fact that is not in the catalog gets an honest
"我帮您确认一下 / let me check" (kind ``check``), never a guess.
"""

from __future__ import annotations

import re
from typing import Optional

from ..catalog import Catalog, Product, format_money
from .lexicon import COLOUR_ZH, COLOURS, REGIONS
from .retrieval import FactHit, Retriever
from .types import Comment, IntentResult, Reply

_BUNDLE = re.compile(r"一起买|满减|优惠券|券|凑单|团购|批发|coupon|bundle|buy two|voucher|promo code", re.I)
_PAYMENT = re.compile(r"paypal|支付宝|微信支付|信用卡|花呗|分期|credit card|apple pay|installment|pay with", re.I)
_THANKS = re.compile(r"辛苦|加油|支持|漂亮|好看|爱了|666|great|love|awesome|nice|thank", re.I)
_AI_Q = re.compile(r"真人|机器人|数字人|\bai\b|\breal\b|\bbot\b|robot|human", re.I | re.A)


def _m(p: Product, v: float, lang: str) -> str:
    return format_money(v, p.currency, lang)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str, lang: str) -> str:
    """Catalog snippets end without punctuation: make them a spoken sentence."""
    text = text.strip()
    if lang == "en":
        text = _cap(text)
    return text if re.search(r"[。！？.!?]$", text) else text + ("。" if lang == "zh" else ".")


def _join(items: list[str], lang: str) -> str:
    return "、".join(items) if lang == "zh" else ", ".join(items)


def check_reply(lang: str, reason: str = "missing_fact", topic: str = "") -> Reply:
    text = (f"这个问题{topic}我帮您确认一下，确认好了马上回复您。" if lang == "zh"
            else f"Let me check that{(' ' + topic) if topic else ''} for you and get back to you shortly.")
    return Reply("check", text, (), reason)


def clarify_reply(catalog: Catalog, lang: str) -> Reply:
    names = _join(list(dict.fromkeys(p.category.get(lang) for p in catalog.products)), lang)
    text = (f"您问的是哪一款呢？今天有{names}，告诉我款式我来回答。" if lang == "zh"
            else f"Which product do you mean? Today we have {names}. Tell me and I'll answer.")
    return Reply("clarify", text, (), "which_product")


def price(p: Product, lang: str, comment: str) -> Reply:
    if _BUNDLE.search(comment):
        return check_reply(lang, topic="关于组合优惠" if lang == "zh" else "about bundle offers")
    name, link = p.name.get(lang), p.link
    if p.promo_price is not None:
        text = (f"{name}今天直播间到手价{_m(p, p.promo_price, lang)}，日常价{_m(p, p.price, lang)}。" if lang == "zh"
                else f"{name}: {_m(p, p.promo_price, lang)} today, regular price {_m(p, p.price, lang)}.")
        fields = ["price", "promo_price"]
    else:
        text = f"{name}价格{_m(p, p.price, lang)}。" if lang == "zh" else f"{name}: {_m(p, p.price, lang)}."
        fields = ["price"]
    if link:
        text += f"拍{link}号链接。" if lang == "zh" else f" It's link {link}."
        fields.append("link")
    return Reply("answer", text, tuple(fields))


def _fit(p: Product, h: Optional[float], w: Optional[float]):
    def ok(rng, v):
        return v is None or rng is None or rng[0] <= v <= rng[1]
    fits = [s for s in p.sizes if (s.height_cm or s.weight_kg) and ok(s.height_cm, h) and ok(s.weight_kg, w)]
    if not fits and h is not None:  # between rows: height decides
        fits = [s for s in p.sizes if s.height_cm and s.height_cm[0] <= h <= s.height_cm[1]]
    return fits[-1] if fits else None


def size(p: Product, lang: str, intent: IntentResult, hit: FactHit) -> Reply:
    zh, slots = lang == "zh", intent.slots
    if not p.sizes:
        if hit.sure and hit.item:
            return Reply("answer", _sentence(hit.item.get(lang), lang), (hit.item.field,))
        return check_reply(lang)
    names = [s.name for s in p.sizes]
    listing = _join(names, lang)
    if slots.height_cm or slots.weight_kg:
        s = _fit(p, slots.height_cm, slots.weight_kg)
        if s is None:
            return check_reply(lang, topic="尺码" if zh else "about the size")
        rng = []
        if s.height_cm:
            rng.append(f"{s.height_cm[0]}-{s.height_cm[1]}cm")
        if s.weight_kg:
            rng.append(f"{s.weight_kg[0]}-{s.weight_kg[1]}kg")
        text = (f"按您的身高体重，建议选{s.name}码，{s.name}码适合{'、'.join(rng)}。" if zh
                else f"For your height and weight we suggest size {s.name}, which fits {' and '.join(rng)}.")
        return Reply("answer", text, ("sizes",))
    if slots.size:
        want = slots.size.lower().replace(" ", "")
        if any(n.lower().replace(" ", "") == want for n in names):
            text = f"有的，{slots.size}有，可选：{listing}。" if zh else f"Yes, {slots.size} is available. Options: {listing}."
            return Reply("answer", text, ("sizes",))
        if not (hit.sure and hit.item and hit.item.field.startswith("faq")):
            # never echo the viewer's model/size: only catalog values are spoken
            text = (f"这个尺码或型号没有哦，目前只有{listing}。" if zh
                    else f"Sorry, that one isn't available. We only have {listing}.")
            return Reply("answer", text, ("sizes",))
    if hit.sure and hit.item and hit.item.field.startswith("faq"):
        return Reply("answer", _sentence(hit.item.get(lang), lang), (hit.item.field,))
    text = f"{p.name.get(lang)}可选：{listing}。" if zh else f"The {p.name.get(lang)} comes in: {listing}."
    return Reply("answer", text, ("sizes",))


def colour(p: Product, lang: str, intent: IntentResult) -> Reply:
    zh = lang == "zh"
    if not p.colours:
        return check_reply(lang, topic="颜色" if zh else "about colours")
    names = [c.get(lang) for c in p.colours]
    listing, n = _join(names, lang), len(names)
    fam = intent.slots.colour
    if fam:
        words = COLOURS[fam]
        hits = [c.get(lang) for c in p.colours if any(w in c.zh or w in c.en.lower() for w in words)]
        if hits:
            text = (f"有的，有{_join(hits, lang)}。一共{n}个颜色：{listing}。" if zh
                    else f"Yes, we have {_join(hits, lang)}. All {n} colours: {listing}.")
        else:
            want = COLOUR_ZH[fam] if zh else fam
            text = (f"暂时没有{want}哦，目前有{listing}。" if zh else f"Sorry, no {want} for now. We have {listing}.")
        return Reply("answer", text, ("colours",))
    text = (f"{p.name.get(lang)}有{n}个颜色：{listing}。" if zh
            else f"The {p.name.get(lang)} comes in {n} colours: {listing}.")
    return Reply("answer", text, ("colours",))


def shipping(p: Product, lang: str, intent: IntentResult) -> Reply:
    zh, sh = lang == "zh", p.shipping
    base = ("包邮" if sh.free else f"运费{_m(p, sh.fee, lang)}") if zh else \
        ("free shipping" if sh.free else f"shipping costs {_m(p, sh.fee, lang)}")
    when = f"下单后{sh.ships_within_hours}小时内发货" if zh else f"ships within {sh.ships_within_hours} hours"
    fields = ["shipping.free", "shipping.ships_within_hours"] + ([] if sh.free else ["shipping.fee"])
    region = next((r for r in REGIONS if r.zh == intent.slots.region), None)
    if region is not None:
        rname = region.zh if zh else region.en
        for e in sh.exceptions:
            if any(r.zh == region.zh or r.en.lower() == region.en.lower() for r in e.regions):
                if e.rule == "no_ship":
                    text = f"抱歉，{rname}暂时不发货。" if zh else f"Sorry, we don't ship to {rname} at the moment."
                    return Reply("answer", text, ("shipping.exceptions",))
                text = (f"可以发{rname}，需要补{_m(p, e.fee, lang)}运费，{when}。" if zh
                        else f"Yes, we ship to {rname} with a {_m(p, e.fee, lang)} surcharge; it {when}.")
                return Reply("answer", text, ("shipping.exceptions", "shipping.ships_within_hours"))
        inside = region.mainland and ("中国" in sh.ships_to.zh or "china" in sh.ships_to.en.lower())
        if inside or region.zh in sh.ships_to.zh:
            text = f"{rname}可以发，{base}，{when}。" if zh else f"Yes, we ship to {rname}: {base}, and it {when}."
            return Reply("answer", text, tuple(fields + ["shipping.ships_to"]))
        text = (f"抱歉，目前只发{sh.ships_to.zh}。" if zh else f"Sorry, we only ship within {sh.ships_to.en} for now.")
        return Reply("answer", text, ("shipping.ships_to",))
    extra = []
    for e in sh.exceptions:
        regions = _join([r.get(lang) for r in e.regions], lang)
        if e.rule == "extra_fee":
            extra.append(f"{regions}需补{_m(p, e.fee, lang)}运费" if zh else f"{regions} add {_m(p, e.fee, lang)}")
        else:
            extra.append(f"{regions}暂不发货" if zh else f"no shipping to {regions}")
    carrier = (f"，{sh.carrier.zh}发货" if zh else f" by {sh.carrier.en}") if sh.carrier else ""
    if zh:
        text = f"{base}，{when}{carrier}。" + ("；".join(extra) + "。" if extra else "")
    else:
        text = f"{_cap(base)}, it {when}{carrier}." + (" " + _cap("; ".join(extra)) + "." if extra else "")
    return Reply("answer", text, tuple(fields + (["shipping.exceptions"] if extra else [])))


def returns(p: Product, lang: str) -> Reply:
    zh, af = lang == "zh", p.after_sales
    parts, fields = [], ["after_sales.returns_days"]
    if af.note:
        parts.append(af.note.get(lang))
        fields.append("after_sales.note")
    elif af.returns_days and af.no_reason_returns:
        parts.append(f"支持{af.returns_days}天无理由退货" if zh else f"{af.returns_days}-day no-questions-asked returns")
    elif af.returns_days:
        parts.append(f"{af.returns_days}天内可退货" if zh else f"returns within {af.returns_days} days")
    if af.warranty_months:
        parts.append(f"保修{af.warranty_months}个月" if zh else f"a {af.warranty_months}-month warranty")
        fields.append("after_sales.warranty_months")
    if not parts:
        return check_reply(lang, topic="售后" if zh else "about after-sales")
    text = "，".join(parts) + "。" if zh else _cap("; ".join(parts)) + "."
    return Reply("answer", text, tuple(fields))


def stock(p: Product, lang: str) -> Reply:
    zh = lang == "zh"
    if p.stock <= 0:
        return Reply("answer", "这款暂时卖完了。" if zh else "This one is sold out for now.", ("stock",))
    text = (f"{p.name.get(lang)}还有货，这一场库存{p.stock}件。" if zh
            else f"The {p.name.get(lang)} is in stock: {p.stock} units for this stream.")
    return Reply("answer", text, ("stock",))


def how_to_buy(p: Product, lang: str, comment: str) -> Reply:
    zh = lang == "zh"
    if _PAYMENT.search(comment):
        return check_reply(lang, topic="支付方式" if zh else "about payment methods")
    if not p.link:
        text = "点击下方小黄车就能下单。" if zh else "Tap the shopping cart below to order."
        return Reply("answer", text, ())
    text = (f"点击下方小黄车，{p.link}号链接就是{p.name.zh}。" if zh
            else f"Tap the shopping cart below, link {p.link} is the {p.name.en}.")
    return Reply("answer", text, ("link",))


def comparison(catalog: Catalog, retriever: Retriever, p: Product, lang: str, named: tuple[str, ...], hit: FactHit,
               text: str) -> Reply:
    zh = lang == "zh"
    others = [catalog.get(pid) for pid in named if pid != p.id]
    if others:
        for q, h in [(p, hit), *((o, retriever.best_fact(text, o)) for o in others[:1])]:
            if h.sure and h.item and h.item.field.startswith("faq"):
                where = "" if q.id == p.id else f"{q.id}:"
                return Reply("answer", _sentence(h.item.get(lang), lang), (where + h.item.field,))
        parts = []
        for q in [p, *others[:1]]:
            parts.append(f"{q.name.get(lang)}{'到手价' if zh else ' at '}{_m(q, q.sale_price, lang)}"
                         f"{'，' if zh else ': '}{q.selling_points[0].get(lang)}")
        return Reply("answer", ("；".join(parts) + "。") if zh else "; ".join(parts) + ".",
                     ("price", "promo_price", "selling_points[0]"))
    point = p.selling_points[0].get(lang)
    text = (f"别家的产品我们不方便评价，说说这款：{point}，今天到手价{_m(p, p.sale_price, lang)}。" if zh
            else f"We don't comment on other brands, but here's ours: {point}, and it's {_m(p, p.sale_price, lang)} today.")
    return Reply("answer", text, ("selling_points[0]", "promo_price" if p.promo_price is not None else "price"))


def spec(p: Product, lang: str, hit: FactHit) -> Reply:
    if hit.sure and hit.item is not None:
        return Reply("answer", _sentence(hit.item.get(lang), lang), (hit.item.field,))
    return check_reply(lang)


def greeting(catalog: Catalog, comment: Comment, lang: str) -> Reply:
    zh = lang == "zh"
    shop = catalog.shop.get(lang) if catalog.shop else ("直播间" if zh else "the stream")
    if _AI_Q.search(comment.text):
        text = (f"我是{shop}的AI数字人主播，商品信息都来自商品详情页，有问题随时问我。" if zh
                else f"I'm an AI digital host for {shop}. Product facts come from the product pages, ask me anything.")
        return Reply("answer", text, ("shop",))
    if _THANKS.search(comment.text):
        text = ("谢谢支持！有想了解的商品随时问我。" if zh else "Thank you! Ask me about any product anytime.")
        return Reply("answer", text, ())
    text = (f"欢迎来到{shop}！想了解哪款商品，直接打在评论区。" if zh
            else f"Welcome to {shop}! Ask about any product in the comments.")
    return Reply("answer", text, ("shop",))


def build_reply(catalog: Catalog, retriever: Retriever, comment: Comment, intent: IntentResult,
                product: Optional[Product], named: tuple[str, ...], lang: str) -> Reply:
    """Dispatch on intent; product-specific intents without a product ask which one."""
    if intent.intent == "greeting":
        return greeting(catalog, comment, lang)
    if product is None:
        return clarify_reply(catalog, lang)
    need_fact = intent.intent in ("spec", "size", "comparison")
    hit = retriever.best_fact(comment.text, product) if need_fact else FactHit(None, 0.0, False)
    name = intent.intent
    if name == "price":
        return price(product, lang, comment.text)
    if name == "size":
        return size(product, lang, intent, hit)
    if name == "colour":
        return colour(product, lang, intent)
    if name == "shipping":
        return shipping(product, lang, intent)
    if name == "returns":
        return returns(product, lang)
    if name == "stock":
        return stock(product, lang)
    if name == "how_to_buy":
        return how_to_buy(product, lang, comment.text)
    if name == "comparison":
        return comparison(catalog, retriever, product, lang, named, hit, comment.text)
    return spec(product, lang, hit)
