"""What a comment asks: rules first (weighted keyword patterns), slots alongside.

Why rules and not a model: live-commerce questions are short and formulaic (咋卖, 多钱, 包邮吗,
"price pls"), and a wrong intent produces a wrong kind of answer. Weighted patterns are fast,
explainable and easy to extend by a shop. The multilingual embedding model is used where rules
are weak (which product, which spec/FAQ answers it: see :mod:`.retrieval`), and as a fallback
here when no rule fires (nearest intent prototype, with a threshold so that chatter stays
off-topic).
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from .lexicon import COLOURS, REGIONS
from .types import IntentResult, Slots

# Patterns compile with re.ASCII so that \b works next to Han characters ("有没有black的").
# (intent, weight, pattern). Scores add up per intent; the best wins, ties by PRIORITY order.
_RULES: list[tuple[str, float, str]] = [
    ("price", 3, r"多少钱|多钱|多少米|咋卖|怎么卖|啥价|什么价|价格|价钱|几块|多少前|几钱|贵不贵|贵吗|到手价|优惠|打折|折扣|便宜点|"
                 r"how much|how mcuh|hw much|\bprice\b|\bcosts?\b|\brmb\b|\bexpensive\b|\bdiscount\b|\bdeal\b"),
    ("size", 3, r"尺码|码数|[SMLX]码|\d+码|穿多大|穿什么码|多大码|什么码|身高|体重|\d{2,3}\s*斤|\d{3}\s*(cm|公分)|"
                r"型号|适配|安卓|iphone\s*1[0-9]|苹果\s*1[0-9]|1[0-9]\s*pro|大瓶|小瓶|"
                r"\bsize\b|\bfits? (the|my|an?|iphone|\d)|\bxx?l\b|\bxs\b|\bcm\b|\bkg\b|\bsamsung\b|\bandroid\b|pro max"),
    ("size", 2, r"有[SMLX]{1,3}吗|有没有[SMLX]{1,3}"),
    ("colour", 3, r"颜色|什么色|几个色|色号|colou?rs?\b|colur"),
    ("colour", 2, r"[黑白粉红蓝绿黄紫灰]色|有[黑白粉红蓝绿黄紫灰棕]|粉的|红的|"
                  r"\b(black|white|pink|red|blue|green|yellow|purple|grey|gray)\b"),
    ("shipping", 3, r"包邮|运费|邮费|快递|发货|几天到|多久到|能发|发不发|寄到|配送|"
                    r"ship|shiping|delivery|deliver|postage"),
    ("shipping", 2, r"发[^\s货]{1,4}吗|到[^\s]{1,4}要加钱|(明天|今天|今晚)能发"),
    ("returns", 3, r"退货|退款|能退|可以退|退吗|退换|换货|换码|保修|质保|售后|无理由|坏了|"
                   r"warrant|\breturns?\b|refund|exchange|guarantee"),
    ("stock", 3, r"有货|还有货|库存|现货|卖完|售罄|断货|还剩|剩多少|还有多少|还有吗|的货|"
                 r"\bstock\b|sold out|how many (are )?left|\bleft\?|how many .{0,10}left"),
    ("how_to_buy", 3, r"怎么买|怎么拍|怎么下单|在哪拍|在哪买|哪里买|链接|几号|拍哪|小黄车|购物车|下单|"
                      r"how (do|can|to) (i )?(buy|order|get)|how to buy|\blink\b|\bcart\b|where.{0,10}buy|paypal|pay with"),
    ("comparison", 3, r"区别|对比|哪个好|哪个更|比怎么样|比呢|比哪个|和.{1,8}比|跟.{1,8}比|"
                      r"\bvs\.?\b|versus|better than|compared|difference|which one should"),
    ("spec", 1, r"吗|怎么样|多久|多大|多重|多厚|多少克|多少度|几个|能不能|是不是|什么|咋样|有没有|会不会|"
                r"\?|？|^(is|are|does|do|can|will|what|how|which)\b"),
    ("spec", 2, r"续航|电池|降噪|防水|游泳|蓝牙|延迟|重量|重不重|容量|材质|成分|香味|香精|保质期|含绒量|充绒量|鹅绒|鸭绒|"
                r"机洗|预热|功率|温度|厚|磁吸|发黄|防摔|赠品|送.{0,3}吗|送东西|耳帽|窗口|好洗|洗碗机|碳酸|可乐|咖啡|茶|"
                r"battery|waterproof|latency|ingredient|fragrance|capacity|wattage|temperature|thick|magsafe|"
                r"yellow|goose|down|wash|preheat|freebies?|gifts?|samples?|mic\b|charging|leak|steel|skin|acne|pregnan"),
    ("greeting", 3, r"你好|主播好|晚上好|早上好|下午好|大家好|来了|刚来|辛苦|加油|支持主播|支持一下|支持支持|666|真人|机器人|数字人|漂亮|好看|哪里人|"
                    r"吃饭了吗|爱了|\bhi+\b|\bhello\b|\bhey\b|good (morning|evening)|love (this|you|it)|"
                    r"doing great|are you (an? )?(ai|real|bot|robot|human)|just joined|hello from"),
]
_OFF_TOPIC = re.compile(r"天气|股市|股票|游戏|王者|吃鸡|放假|下播|下次.{0,5}播|几点(下播|开播|了)|现在几点|歌|足球|篮球|"
                        r"football|soccer|game|song|score|weather|what time|anyone (from|watching)|卖啥|卖什么", re.I | re.A)
PRIORITY = ("comparison", "stock", "returns", "shipping", "how_to_buy", "size", "colour", "price", "spec",
            "greeting", "off_topic")
_COMPILED = [(intent, w, re.compile(p, re.I | re.A)) for intent, w, p in _RULES]
_EMOJI_ONLY = re.compile(r"^[\W\d_]*$")


def _has_emoji(text: str) -> bool:
    return any(ord(c) >= 0x1F000 or 0x2600 <= ord(c) <= 0x27BF for c in text)


def extract_slots(text: str) -> Slots:
    low = text.lower()
    region = None
    for r in REGIONS:
        if any(_contains(low, n) for n in r.names()):
            region = r.zh
            break
    colour = None
    for family, words in COLOURS.items():
        if any(_contains(low, w) for w in words):
            colour = family
            break
    size = None
    m = re.search(r"iphone\s*(1[0-9])\s*(pro\s*max|pro|plus)?|苹果\s*(1[0-9])\s*(pro\s*max|pro|plus)?|"
                  r"(?<![a-z0-9])(1[0-9])\s*(pro\s*max|pro|plus)", low)
    if m:
        num = m.group(1) or m.group(3) or m.group(5)
        tail = (m.group(2) or m.group(4) or m.group(6) or "").replace(" ", "")
        size = f"iPhone {num}" + {"promax": " Pro Max", "pro": " Pro", "plus": " Plus"}.get(tail, "")
    else:
        m = (re.search(r"(?<![a-z])(xxl|xl|xs)(?![a-z])", low) or re.search(r"(?<![A-Za-z])([SML])(?![A-Za-z'])", text)
             or re.search(r"(?<![a-z])([sml])\s*码", low))
        if m:
            size = m.group(1).upper()
    height = weight = None
    h = re.search(r"(?<!\d)(1[4-9]\d)(?:\s*(?:cm|公分|厘米))?(?!\d)", low)
    if h:
        height = float(h.group(1))
    w = re.search(r"(?<!\d)(\d{2,3})\s*(斤|kg|公斤|千克)", low)
    if w:
        weight = float(w.group(1)) / (2 if w.group(2) == "斤" else 1)
    return Slots(region=region, colour=colour, size=size, height_cm=height, weight_kg=weight)


def _contains(low: str, word: str) -> bool:
    if re.search(r"[a-z]", word):
        return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", low) is not None
    return word in low


def rule_scores(text: str) -> dict[str, float]:
    scores: dict[str, float] = {}
    for intent, weight, rx in _COMPILED:
        if rx.search(text):
            scores[intent] = scores.get(intent, 0.0) + weight
    return scores


class IntentClassifier:
    """Rules, then (optionally) nearest prototype by embedding when no rule fires."""

    def __init__(self, embed_fallback: Optional[Callable[[str], Optional[tuple[str, float]]]] = None) -> None:
        self.embed_fallback = embed_fallback

    def classify(self, text: str) -> IntentResult:
        slots = extract_slots(text)
        scores = rule_scores(text)
        if slots.region and "shipping" not in scores and re.search(r"发|寄|到|ship|send|deliver", text, re.I):
            scores["shipping"] = 3.0
        if slots.height_cm and slots.weight_kg:
            scores["size"] = scores.get("size", 0) + 3
        strong = {k: v for k, v in scores.items() if v >= 2 or k != "spec"}
        if _OFF_TOPIC.search(text) and max(strong.values(), default=0) < 3:
            return IntentResult("off_topic", 1.0, slots)
        if strong:
            best = max(strong.values())
            for intent in PRIORITY:
                if strong.get(intent) == best:
                    return IntentResult(intent, best, slots)
        if scores.get("spec"):
            return IntentResult("spec", scores["spec"], slots)
        if _EMOJI_ONLY.match(text) and _has_emoji(text):
            return IntentResult("greeting", 1.0, slots)
        if self.embed_fallback is not None:
            guess = self.embed_fallback(text)
            if guess:
                return IntentResult(guess[0], guess[1], slots, method="embedding")
        return IntentResult("off_topic", 0.0, slots)
