""""有狗粮吗" / "do you have yoga blocks?": a thing the shop does not sell is told so.

Why a separate test from :func:`.intents.asks_for_unsold` (explicit "有卖…吗" / "do you sell"):
viewers mostly ask the shop whether it *has* something, in the same words they use for a
product's variant or feature ("有没有试吃装", "有NFC吗"). The engine therefore answers "we don't
sell that" only when (1) the comment is a shop-level existence question whose object is a
thing, not a variant or feature (no 的/装/款/版/功能/码/色 ending, no number, no colour, no
policy word, not a document about the product such as a test report), (2) that thing is named nowhere in the catalog (no product, category, alias or
fact contains it), and (3) the ordinary pipeline found nothing to answer (it would say "let me
check" or "which product?"). The reply lists what is sold and never repeats the viewer's words.
Pure functions over the catalog's text.
"""

from __future__ import annotations

import re
from typing import Optional

from ..catalog import Catalog
from .intents import rule_scores
from .retrieval import fact_items

_ZH = re.compile(r"^\s*(?:[^\s，,]{0,6}?[，, ]\s*)?(?:你们|你家|店里|直播间|咱家|这里|家里)?(?:还)?(?:有没有|有)(?:卖)?"
                 r"(?P<x>[^\s，,。?？!！吗么呀啊的]{2,10}?)(?:卖)?(?:吗|么|呀|啊|不|没|\s|$|[?？!！，,])")
_ZH_SELL = re.compile(r"(?:有没有|有)(?P<x>[^\s，,。?？!！]{2,12}?)卖")  # "有伸缩的长牵引绳卖吗": a thing to buy
_EN = re.compile(r"\b(?:do|does|d'?you) (?:you|u|ya|the shop)(?: guys)? (?:have|sell|carry|got)(?: any| a| an| some)? "
                 r"(?P<x>[a-z][a-z' -]{2,30}?)(?:\?|$| too\b| here\b| as well\b| for\b|[.,!])", re.I)
_NOT_A_THING = re.compile(r"的$|装|款|版|功能|码|色|号|尺|size|colou?r|pack|version|model|\d|货|优惠|券|活动|赠|"
                          r"发票|保修|运费|包邮|链接|折|报告|证书|认证|证明|说明书|检测|资质|^人|"
                          r"discount|coupon|stock|gift|warranty|link|report|certific|^(it|this|that|one|them|anyone)\b",
                          re.I)


def thing_asked(text: str) -> Optional[str]:
    """The object of "有X吗" / "do you have X" when X reads as a thing rather than a variant or
    feature of the product on screen; None otherwise."""
    if "卖" not in text and re.search(r"主播|host", text, re.I):
        return None  # "主播几岁了 有对象吗": a question to the host, not to the shop
    for rx in (_ZH_SELL, _ZH, _EN):
        m = rx.search(text)
        if m:
            x = m.group("x").strip(" '")
            if len(x) >= 2 and not _NOT_A_THING.search(x) and not _other_intent(x):
                return x
    return None


def _other_intent(x: str) -> bool:
    scores = rule_scores(x)
    return any(k not in ("spec", "safety", "usage") for k in scores)


def in_catalog(catalog: Catalog, thing: str) -> bool:
    """Whether any product name, alias, category or statement mentions ``thing`` (case-insensitive)."""
    low = thing.lower()
    for p in catalog.products:
        names = [p.name.zh, p.name.en, p.category.zh, p.category.en, *p.aliases.zh, *p.aliases.en]
        if any(low in n.lower() for n in names if n):  # "儿童手表" is not our "运动手表": only the whole thing counts
            return True
        if any(low in (i.zh + " " + i.en).lower() for i in fact_items(p)):
            return True
    return False


def not_sold_thing(catalog: Catalog, text: str) -> bool:
    """A shop-level question about a thing nowhere in the catalog."""
    thing = thing_asked(text)
    return thing is not None and not in_catalog(catalog, thing)
