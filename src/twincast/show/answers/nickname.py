"""What the host calls a viewer: the nickname only when it is safe to say in the store's voice.

Why: a nickname is text a stranger chose, and reading it out makes the host say it. A viewer
named ``最后3件秒杀价9块9`` asking the price used to get "@最后3件秒杀价9块9 …到手价¥259" on air:
a false promotion in the shop's own voice. Comments are moderated and replies are filled from
the catalog, so the nickname was the one unchecked string that reached the speech.

Policy (conservative on purpose: a wrong refusal costs a "这位朋友", a wrong pass costs a false
advertisement): the nickname is spoken only when it

- passes the comment checks (contact details, abuse, spam, prompt injection; lexicon.py),
- has no ad-law finding at all, not even a rewritable one (compliance.py),
- has no digits or numerals, money, percent, URLs or promotional words (秒杀, 包邮, 免费, 折, 价 …),
- names no catalog product/brand (``avoid``) and no shop, platform or big brand (impersonation,
  competitors),
- is short (<= 8 Han characters, <= 16 characters, <= 3 words) and made of letters only.

Otherwise the host says a generic address (这位朋友 / friend). The chat may still display the
raw nickname (escaped); this module only decides what is *spoken*.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Optional

from .lexicon import ABUSE_RE, CONTACT_RE, INJECTION_RE, SPAM_RE

GENERIC = {"zh": "这位朋友", "en": "friend"}  # one token: "@friend" stays a single mention
MAX_CHARS = 16
MAX_HAN = 8
MAX_WORDS = 3

# Chinese numerals (incl. financial forms) read as numbers: 三件, 九块九, 壹佰.
_ZH_NUMERALS = "零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟"
_MONEY_RE = re.compile(r"[¥￥$€£%‰]|元|块|毛钱|角钱|rmb|usd|cny|yuan|dollars?|bucks?|cents?|euros?", re.I)
_PROMO_ZH = ("秒杀", "包邮", "免费", "免单", "折", "价", "特惠", "优惠", "促销", "限时", "限量", "抢购", "抢", "最后", "仅剩",
             "只剩", "清仓", "甩卖", "大甩", "送", "赠", "福利", "红包", "券", "团购", "爆款", "降", "便宜", "划算", "下单",
             "拍", "链接", "买", "卖", "购", "钱", "官方", "旗舰", "客服", "主播", "店", "正品", "假", "骗", "退款", "投诉",
             "直播间", "返现", "代理", "厂家", "批发", "同款", "隔壁", "别家", "他家", "全场", "半价", "打折", "活动", "中奖",
             "抽奖", "专卖", "授权", "管理员", "场控", "运营", "平台", "质量", "差评", "好评")
_PROMO_EN = ("free", "sale", "discount", "deal", "deals", "off", "cheap", "price", "prices", "promo", "coupon", "voucher",
             "buy", "sell", "selling", "shop", "store", "official", "admin", "host", "moderator", "mod", "support",
             "staff", "refund", "scam", "fake", "giveaway", "win", "winner", "bonus", "offer", "only", "last", "order",
             "link", "sold", "shipping", "clearance", "limited", "flash", "save", "gift", "cashback", "wholesale",
             "brand", "genuine", "authentic", "original", "seller", "agent", "service")
# Platforms and well-known brands: a nickname naming them reads as an endorsement or a dig.
_BRANDS = ("淘宝", "天猫", "京东", "拼多多", "抖音", "快手", "小红书", "唯品会", "亚马逊", "苹果", "华为", "小米", "三星",
           "索尼", "耐克", "阿迪", "安踏", "李宁", "oppo", "vivo", "荣耀", "taobao", "tmall", "jd", "pdd", "pinduoduo",
           "douyin", "tiktok", "kuaishou", "amazon", "apple", "huawei", "xiaomi", "samsung", "sony", "nike", "adidas",
           "airpods", "iphone", "bose", "dyson", "shein", "temu", "ebay", "walmart", "costco", "youtube", "wechat")
_PROMO_ZH_RE = re.compile("|".join(map(re.escape, _PROMO_ZH + tuple(b for b in _BRANDS if not b.isascii()))))
_WORD_RE = re.compile(r"[a-z]+")
_LATIN_BANNED = frozenset(_PROMO_EN) | frozenset(b for b in _BRANDS if b.isascii())
# Strong words that are banned inside run-together handles too (FreeStuff, TheOfficialShop).
_LATIN_STRONG_RE = re.compile(r"free|price|promo|coupon|official|admin|refund|giveaway|discount|cheap|shipping|"
                              r"taobao|tmall|douyin|tiktok|amazon|iphone|airpods")
_SEPARATORS = " _-·'"  # allowed between letters: "Lucky Cat", "bao_bao", "Mary-Jane", "O'Neil"
_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Address:
    """The spoken address and, when generic, why (for logs and tests)."""

    spoken: str
    generic: bool
    reason: Optional[str] = None


def decide_address(nickname: str, lang: str, avoid: Iterable[str] = ()) -> Address:
    """How the host addresses ``nickname`` in ``lang``; ``avoid`` holds catalog product and
    brand names that must not be read out as someone's name."""
    generic = GENERIC.get(lang, GENERIC["en"])
    name = unicodedata.normalize("NFKC", nickname or "").strip()
    reason = _refusal(name, lang, avoid)
    if reason is not None:
        return Address(generic, True, reason)
    return Address(re.sub(r"\s+", "-", name), False)  # one token: the @mention parser splits on spaces


def spoken_address(nickname: str, lang: str, avoid: Iterable[str] = ()) -> str:
    """Just the words to say (see :func:`decide_address`)."""
    return decide_address(nickname, lang, avoid).spoken


def _refusal(name: str, lang: str, avoid: Iterable[str]) -> Optional[str]:
    """The first reason not to read ``name`` out, or None when it may be spoken."""
    if not name:
        return "empty"
    if len(name) > MAX_CHARS or len(_HAN_RE.findall(name)) > MAX_HAN or len(re.split(r"[\s_\-·]+", name)) > MAX_WORDS:
        return "long"
    for label, pattern in (("contact", CONTACT_RE), ("abuse", ABUSE_RE), ("spam", SPAM_RE), ("injection", INJECTION_RE)):
        if pattern.search(name):
            return label
    if any(ch.isdigit() or unicodedata.category(ch) == "No" or ch in _ZH_NUMERALS for ch in name):
        return "number"
    if _MONEY_RE.search(name):
        return "money"
    if not _letters_only(name):
        return "symbols"
    low = name.lower()
    if _PROMO_ZH_RE.search(low) or _LATIN_STRONG_RE.search(low) \
            or any(w in _LATIN_BANNED for w in _WORD_RE.findall(low)):
        return "promotion"
    if _names_catalog(low, avoid):
        return "catalog"
    if not _compliant(name, lang):
        return "ad_law"
    return None


def _letters_only(name: str) -> bool:
    """Letters of any script, with single separators between them: no URLs, emoji, markup."""
    if name[0] in _SEPARATORS or name[-1] in _SEPARATORS:
        return False
    letters = sum(ch.isalpha() for ch in name)
    return all(ch.isalpha() or ch in _SEPARATORS for ch in name) and letters >= 0.8 * len(name)


def _names_catalog(low: str, avoid: Iterable[str]) -> bool:
    """True when the nickname contains a catalog name, or is part of one (whole words for
    Latin names, so "Li" is not refused for "lite")."""
    squashed = re.sub(r"[\s_\-·']+", "", low)
    latin = squashed.isascii()
    for term in avoid:
        t_low = (term or "").lower()
        t = re.sub(r"[\s_\-·']+", "", t_low)
        if len(t) >= 2 and t in squashed:
            return True
        if latin and re.search(rf"(?<![a-z]){re.escape(low)}(?![a-z])", t_low):
            return True
        if not latin and len(squashed) >= 2 and squashed in t:
            return True
    return False


def _compliant(name: str, lang: str) -> bool:
    """No ad-law finding at all; a rewrite (最好 -> 很好) would still be a claim in a name."""
    from ..compliance import default_checker  # the automaton is built once per process

    return not default_checker().check(name, lang).findings


def catalog_terms(catalog: object) -> tuple[str, ...]:
    """Product names (both languages), brands and aliases of a catalog, for ``avoid``.

    Read with ``getattr`` so the nickname policy does not depend on the catalog model's details.
    """
    terms: list[str] = []
    for p in getattr(catalog, "products", ()):
        for attr in ("name", "brand", "aliases"):
            terms += _strings(getattr(p, attr, None))
    return tuple(t for t in dict.fromkeys(terms) if t)


def _strings(value: object) -> list[str]:
    """Strings inside a str, a list of them, or a bilingual {zh, en} record of either."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    if hasattr(value, "zh") or hasattr(value, "en"):
        return _strings(getattr(value, "zh", None)) + _strings(getattr(value, "en", None))
    return []
