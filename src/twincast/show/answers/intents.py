"""What a comment asks: every intent it contains, named the way viewers ask.

Why rules first: live-commerce questions are short and formulaic (咋卖, 多钱, 包邮吗, "price pls",
几天到), and a wrong intent produces a wrong kind of answer. Weighted patterns are fast and
explainable. A comment may hold several questions ("几毫安，多久充满，能上飞机吗"), so every
intent that scores is kept (:attr:`IntentResult.intents`), the main one first; the reply answers
each. Which *fact* answers a spec/usage/safety question is retrieval's job (:mod:`.factindex`),
not this module's: intents only say what kind of answer is wanted.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from . import slots as slot_rules
from .types import IntentResult

# Compiled with re.ASCII so that \b works next to Han characters ("有没有black的").
BUY_COUNT = (r"(买|拍|囤|下单)\s*(\d+|[两三四五六七八九十]+)\s*(个|件|箱|盒|罐|袋|套|瓶|包|支|台|份)?\s*(吗|嗎|可以|行|么|不)|"
             r"最多(能)?(买|拍|囤)|can i (buy|order|get) (\d+|two|three|four|five|ten)\b|(buy|order) \d+ \w+ for\b")
# the saving against the list price (原价 / 日常价 / regular price) asked as an amount
SAVING = (r"原价|日常价|(省|便宜|少|save)了?\s*多少|比原价|"
          r"how much (do|did|will|would|can|am|are) (i|you|we) (save|saving)|how much.{0,12}\b(saving|save)\b|"
          r"\bsave how much|(original|regular|list) price")
# the return-shipping insurance: a returns policy, though its name holds 运费 / shipping
INSURANCE = r"运费险|退货险|退换货险|return shipping insurance|shipping insurance|return insurance|return shipping"
_RULES: list[tuple[str, float, str]] = [
    ("ai_disclosure", 5, r"真人吗|是真人|真的人|机器人|数字人|虚拟人|假人|人工智能|是ai|ai吗|是不是ai|ai主播|真人主播|"
                         r"(are|r) (you|u) (an? )?(real|ai|bot|robot|human|person)|real (person|human)|\bis this (an? )?ai\b|"
                         r"\bu a bot\b|\bai host\b|\bbot\?|\bai\b.{0,20}(host|主播|generated|生成)|(host|主播).{0,20}\bai\b|"
                         r"\bai[- ]generated\b|real or (an? )?(ai|bot|robot)\b|🤖|\bis (it|she|he|this) (an? )?ai\b|\bai or (real|human)|virtual (host|human)"),
    ("price", 3, r"多少钱|多钱|多少米|咋卖|怎么卖|啥价|什么价|价格|价钱|几块|多少前|几钱|贵不贵|贵吗|好贵|太贵|这么贵|还是\d+吗|到手价|单价|一斤多少|"
                 r"duoshaoqian|how much|how mcuh|hw much|\bprices?\b|\bcosts?\b|\bexpensive\b|\$\$|\bhm\b|"
                 r"才\d+|不是\d+|怎么\d+了|涨价|降价|比上次|上次直播|why.{0,20}(more|higher)|was \d+ (last|before)|"
                 r"(一起|一共|总共|合计|加起来).{0,6}多少(?!\s*[斤克个件次天升度寸瓦张本页])|多少钱.{0,2}(一共|总共)|"
                 r"\btotal\b.{0,12}(how much|多少|price)|"
                 r"how much.{0,16}(together|total|both)|together.{0,10}how much|"
                 r"贵多少|便宜多少|差价|差多少钱|贵\d+|more expensive than|price difference|costs? more than"),
    # the saving against the list price is price arithmetic, not a discount offer: "比原价省多少",
    # "原价699现在359对吧", "how much do i save" ask an amount (replies_price.price says it)
    ("price", 4, SAVING),
    ("promo", 3, r"满\d+减|优惠|打折|折扣|便宜点|便宜些|划算|券|满减|活动|叠加|秒杀|福利|赠品|送什么|送啥|有送|"
                 r"coupon|discount|promo|voucher|\bdeal\b|\bsale\b|\bsave\b|\boff\b|cheaper|freebie|gift|bundle"),
    ("stock", 3, r"有货|还有货|库存|现货|卖完|售罄|断货|还剩|剩多少|剩几|还有多少|还有吗|还有没有|没货|抢光|补货|"
                 r"you ?huo|\bstock\b|sold out|how many (are )?left|how many .{0,12}left|\bleft\?|any left|still available|"
                 r"restock"),
    ("size", 3, r"尺码|码数|[SMLX]码|\d+码|穿多大|穿什么码|多大码|什么码|哪个码|几码|选码|身高|体重|\d{2,3}\s*斤|偏大|偏小|"
                r"正码|宽松吗|修身|合身|码子|(?<![a-z0-9])[2-5]?xl(?![a-z])|(?<!\d)(3[4-9]|4[0-7])\s*(码|还是|or|和|跟)|"
                r"穿(3[4-9]|4[0-7])|平时穿|脚长|脚宽|脚背|腿长|肩宽|胸围|腰围|衣长|裙长|"
                r"\bsizes?\b|\bwhat size\b|fit me|\bruns? (small|large|big)\b|true to size|"
                r"\bxx?l\b|\bxs\b|\d\s*(ft|')\s*\d|\blbs?\b|\bpounds\b|shoe size|\bus \d|\beu \d|"
                r"型号|适配|安卓|iphone\s*1[0-9]|苹果\s*1[0-9]|1[0-9]\s*pro|大瓶|小瓶|\bsamsung\b|\bandroid\b|pro max|"
                r"\bfits? (the|my|an?|iphone|\d)"),
    ("colour", 3, r"颜色|什么色|几个色|色号|哪些色|colou?rs?\b|colur|\bshades?\b|"
                  # flavours and scents are a product's options too (replies.option_words)
                  r"口味|什么味|几种味|哪些味|哪几种味|几个味|\bflavou?rs?\b|\bscents?\b"),
    ("colour", 2, r"[黑白粉红蓝绿黄紫灰棕米]色|有[黑白粉红蓝绿黄紫灰棕]|粉的|红的|黑的|白的|"
                  r"\b(black|white|pink|red|blue|green|yellow|purple|grey|gray|beige|navy|khaki)\b"),
    ("shipping", 3, r"顺丰|中通|圆通|韵达|申通|极兔|德邦|京东快递|京东物流|邮政|\bems\b|\bsf\b|\bzto\b|\byto\b|"
                    r"包邮|运费|邮费|快递|什么快递|哪家快递|发什么|从哪发|哪里发|发货地|配送|baoyou|"
                    r"\bship(ping|s)?\b|\bpostage\b|courier|\bdeliver(y|s)?\b|free shipping"),
    ("shipping_exception", 4, r"偏远|港澳台|海外|国外|出国|能寄到|能发到|寄到|发到|到[^\s]{1,4}要加钱|加运费|"
                              r"overseas|abroad|international|ship to|deliver to|ship (it )?(out )?to"),
    ("delivery_time", 4, r"几天到|多久到|多久能到|几天能到|什么时候到|什么时候发|几天发货|多久发货|发货时间|啥时候发|啥时候到|"
                         r"(今天|明天|今晚)能发|到货|几天能收到|多久收到|when (will|would|does|do|can) (it|they|i)|"
                         r"how many days|(delivery|shipping|transit) time|"
                         r"how (long|soon|fast).{0,25}(ship|deliver|arrive|get|take)|arrive|dispatch|ships? within"),
    ("returns", 3, r"退货|退款|能退|可以退|退吗|退换|换货|换码|无理由|不合适|拆封|开封.{0,4}退|"
                   r"\breturns?\b|refund|exchange|send (it )?back"),
    ("returns", 2, r"(exchange|swap|换).{0,12}(size|码)"),
    # the return-shipping insurance is a returns policy, though its name holds 运费 (shipping)
    ("returns", 4, INSURANCE),
    ("returns", 3, r"\d+\s*天.{0,2}退|只能.{0,6}退|收到.{0,6}(坏|破|烂|压|胀|漏|碎|损)|包赔|破损|坏果|arrived? (damaged|broken|crushed)"),
    # "能买5个吗", "想囤5罐 可以吗", "can i buy 10 boxes": a count to buy asks the purchase limit
    ("how_to_buy", 3, BUY_COUNT),
    # "分12期每期多少钱", "6 month installments how much per month": the amount of an instalment is a
    # question about the instalment plan (how to pay), asked first beside its "how much"
    ("how_to_buy", 1, r"分期|\d+\s*期|分几期|每期|免息|instal?l?ments?|interest[- ]free"),
    ("warranty", 3, r"保修|质保|坏了|维修|保换|包换|开胶|售后|几年保|保几年|保不保|warrant|guarantee|repair|breaks?\b|broken"),
    ("how_to_buy", 3, r"我要买|想买|要买|怎么买|怎么拍|怎么下单|在哪拍|在哪买|哪里买|链接|几号|拍哪|小黄车|购物车|下单|分期|花呗|信用卡|"
                      r"发票|专票|普票|开票|限购|能买几|买几个|付款|支付|客服|人工|customer (service|support|care)|\bsupport (team|hours)|"
                      r"how (do|can|to) (i )?(buy|order|get|pay)|how to buy|\blink\b|\bcart\b|where.{0,10}buy|paypal|"
                      r"pay with|instal?ments?|installment|credit card|invoice|receipt|purchase limit|limit per|how many can i|"
                      r"\d+\s*期|免息|分几期|每期|per (person|customer|account|id)\b|how many \w+ can i (buy|order|get)"),
    ("compare", 4, r"区别|对比|哪个好|哪个更|比怎么样|比呢|比哪个|和.{1,10}比|跟.{1,10}比|哪款好|选哪个|二选一|"
                   r"\bvs\.?\b(?!\s*(原价|日常价|the (original|regular|list) price|original|regular price|list price))|versus|"
                   r"better than|compared?|difference|which one (is|should)|which is better"),
    ("usage", 3, r"怎么用|如何用|用法|使用方法|怎么使用|怎么洗|怎么清洗|清洗|保养|怎么保存|保存|储存|存放|冷藏|怎么吃|怎么泡|"
                 r"怎么穿|多久用一次|每天用几次|说明书|开封后|开了以后|能放多久|"
                 r"how (do|should|can) (i|you) (use|wash|clean|store|apply|cook|charge)|how to (use|wash|clean|store|apply)|"
                 r"\bcare\b|machine wash|washable|dishwasher|once opened|after opening|how often"),
    ("safety", 3, r"安全|孕妇|孕期|哺乳|小孩|儿童能|宝宝能|婴儿|几岁|过敏|刺激|烫手|会烫|坐飞机|上飞机|带上飞机|高铁|有毒|"
                  r"\bsafe\b|safety|allerg|pregnan|\bkids?\b|children|toddler|baby|\bplane\b|flight|carry.?on|toxic|"
                  r"choking|\bage\b|how old|burn|sensitive skin|nuts?\b"),
    ("spec", 1, r"吗|吧|对吧|真的|是否|哪一?年|哪里产|怎么样|多久|多大|多重|多厚|多长|多宽|多高|多少克|多少度|几个|能不能|是不是|什么|咋样|有没有|会不会|\?|？|"
                r"^(is|are|does|do|can|will|what|how|which)\b|\bright\?|isn'?t it|\bis it\b"),
    ("spec", 2, r"续航|电池|毫安|充电|充满|降噪|防水|游泳|蓝牙|延迟|重量|重不重|容量|材质|面料|成分|配料|香味|香精|保质期|"
                r"尺寸|大小|功率|温度|厚|参数|规格|产地|味道|口味|甜|辣|spf|防晒|适合|含绒量|充绒量|鹅绒|鸭绒|机洗|预热|磁吸|"
                r"发黄|防摔|赠品|送.{0,3}吗|送东西|耳帽|窗口|好洗|洗碗机|碳酸|可乐|咖啡|茶|肤质|敏感肌|油皮|干皮|"
                r"latency|fragrance|thick|magsafe|yellow|goose|\bdown\b|preheat|\bmic\b|leak|steel|skin|acne|"
                r"battery|\bmah\b|charg|waterproof|capacity|wattage|\bwatts?\b|temperature|material|fabric|ingredient|"
                r"\bspecs?\b|dimension|\bweigh|how (big|heavy|long|tall|wide|thick)|shelf life|expir|taste|flavou?r|"
                r"made (of|from|in)|\bspf\b|suitable"),
    ("greeting", 3, r"你好|哈喽|主播好|晚上好|早上好|下午好|大家好|来了|刚来|辛苦|加油|支持主播|支持一下|支持支持|666|888|999|"
                    r"漂亮|好看|好美|太美|声音好听|哪里人|吃饭了吗|爱了|绝绝子|yyds|xswl|冲冲冲|冲鸭|主播太|哈哈|"
                    r"\bhi+\b|\bhello\b|\bhey\b|good (morning|evening|night)|love (this|you|it|the)|doing great|"
                    r"just joined|hello from|first time here|\bslay\b|you look|killer|insane|sick deal|fire\b|"
                    r"nice (stream|show)|great (stream|show|host)|\bwow\b|thank|签到|打卡|好听|太便宜|这么便宜|好便宜|冲了|拍了|"
                    r"已拍|已下单|下单了|买了|入手|卧槽|我靠|哇|lol|lmao|\bomg\b|holy|cheap af|so cheap|bought|"
                    r"just ordered|ordered|copped|\bgg\b|好喝|好吃|好用|回购|买过|amazing|awesome|\ba steal\b|love (it|them)|"
                    r"\bbye+\b|拜拜|再见|晚安|下次见|see (you|ya)|good ?night|\blit\b|冲\s*[!！]*\s*$|^\s*1{1,6}\s*$"),
]
_OFF_TOPIC = re.compile(r"天气|股市|股票|游戏|王者|吃鸡(?![肉蛋胸腿翅])|放假|下播|下次.{0,5}播|几点(下播|开播|了)|现在几点|唱歌|唱首|足球|篮球|"
                        r"football|soccer|\bgame\b|\bsong\b|\bsing\b|score|weather|what time is it|anyone (from|watching)|"
                        r"today'?s (match|game)", re.I | re.A)
# a question put to the other viewers ("有没有人…", "有人…吗", "anyone…", "who else…")
_TO_AUDIENCE = re.compile(r"^\s*(有人|有没有人|有谁)|[，,\s](有人|有没有人|有谁)|\banyone\b|\banybody\b|\bwho else\b", re.I | re.A)
_NOT_SOLD = re.compile(r"(有没有|有)卖.{1,8}(吗|么|不)|卖不卖|还卖.{1,6}吗|(do|does) (you|u|the shop) (sell|carry)\b|"
                       r"any (chance|plans?) (you|to) sell|you guys sell", re.I | re.A)
# main intent when two score the same: what viewers most need first
ASKS_INSURANCE = re.compile(INSURANCE, re.I)
PRIORITY = ("ai_disclosure", "compare", "stock", "shipping_exception", "delivery_time", "size", "colour", "promo",
            "price", "returns", "warranty", "how_to_buy", "safety", "usage", "shipping", "spec", "greeting",
            "off_topic")
_COMPILED = [(intent, w, re.compile(p, re.I | re.A)) for intent, w, p in _RULES]
_GREETING_RX = re.compile("|".join(p for intent, _, p in _RULES if intent == "greeting"), re.I | re.A)
# cheers and reactions ("yyds", "哈哈", "lol", "好看"): they colour a comment, they do not make a
# question small talk; greetings, thanks and farewells addressed to the host are not among them
_REACTION = re.compile(r"yyds|xswl|nsdd|绝绝子|哈哈+|卧槽|我靠|哇塞?|\blol\b|lmao|\bomg\b|holy|\bwow\b|killer|insane|"
                       r"sick deal|fire\b|\blit\b|\bslay\b|冲冲冲|冲鸭|爱了|666|888|999|漂亮|好看|好美|太美|好喝|好吃|好用|"
                       r"amazing|awesome|太便宜|这么便宜|好便宜|cheap af|so cheap|\ba steal\b", re.I | re.A)
_SIZE_RX = next(rx for intent, _, rx in _COMPILED if intent == "size")
_UNIT_WORD = re.compile(r"\b(lbs?|pounds?|inch(es)?|oz|ounces?)\b", re.I)
# the unit is what the answer is wanted in ("how many lbs is it", "weight in lbs?", "under 3 lbs?"), not a
# body measurement the viewer gives ("7 lbs, which one")
_UNIT_ASKED = re.compile(r"how many (lbs?|pounds?|inch(es)?|oz|ounces)\b|\bin (lbs?|pounds?|inch(es)?|oz|ounces)\b|"
                         r"(lbs?|pounds?|inch(es)?|oz|ounces)\s*[?？]|多少(磅|英寸|盎司)", re.I)
# with a region named: how long it takes (delivery_time) vs whether it ships there or costs extra
# (shipping_exception). "内蒙古发货几天", "how long to ship to Shanghai?" ask the time; "新疆能发吗 几天到"
# and "新疆多久到 要加钱吗" ask the exception first.
_TIME_Q = re.compile(r"几天|多少天|多久|几日|幾日|幾多日|幾耐|明天能到|两天能到|当天|how long|how many days|how soon|"
                     r"how fast|\btakes?\b|\btomorrow\b|\barriv|transit|(delivery|shipping) time|发货时间|到货时间", re.I)
_CAN_SHIP = re.compile(r"(能|可以|可唔可以|有得)(发|寄|送|到)|(发|寄|送)(吗|嗎|不|唔)|发不发|寄不寄|能不能|ok\s*[?？]|可以吗|行吗|"
                       r"\b(do|can|could|will|does|would) (you|u|it|they|the \w+)\b.{0,25}\b(ship|send|mail|deliver|go)\b|"
                       r"运费|運費|邮费|加钱|加錢|包邮|\bfee\b|\bextra\b|surcharge|cost", re.I)
_EMOJI_ONLY = re.compile(r"^[\W\d_]*$")
_QUESTION = re.compile(r"还是|几|幾|多少|多久|多大|哪|什么|啥|咋|怎|呢\s*$|吗|嗎|吧|\?|？|有没有|(?<!不)([\u4e00-\u9fff])不\1|"
                       r"\b(\w+) (or|不) \w+|^(what|whats|what's|how|which|when|where|is|are|"
                       r"does|do|can|will|should)\b", re.I | re.A)


# a question anywhere in the comment, or a claim about the product put to the host ("肯定有涂层")
_ASKS_OR_CLAIMS = re.compile(r"\b(how|what|which|when|where|why|is it|are they|does it|do they|can it|right)\b|"
                             r"肯定|一定|应该|是不是|对吧|对不对", re.I)


def asks_about(text: str) -> bool:
    """Whether a comment asks (or asserts) something, rather than reacting ("this shirt slaps fr",
    "终于等到猫粮了", "筋膜枪!! 打工人必备"): a reaction naming a product is small talk, not a spec question."""
    return bool(_QUESTION.search(text) or _ASKS_OR_CLAIMS.search(text))


def _has_emoji(text: str) -> bool:
    return any(ord(c) >= 0x1F000 or 0x2600 <= ord(c) <= 0x27BF for c in text)


_SAVING_RX = re.compile(SAVING, re.I | re.A)


def rule_scores(text: str) -> dict[str, float]:
    scores: dict[str, float] = {}
    # the words that ask the saving ("how much do i save") are no discount offer as well
    promo_text = _SAVING_RX.sub(" ", text)
    for intent, weight, rx in _COMPILED:
        if rx.search(promo_text if intent == "promo" else text):
            scores[intent] = scores.get(intent, 0.0) + weight
    return scores


def asks_for_unsold(text: str) -> bool:
    """"有卖手机吗" / "do you sell tents": the caller decides whether the thing is in the catalog."""
    return bool(_NOT_SOLD.search(text))


class IntentClassifier:
    """Rules, then (optionally) nearest prototype by embedding when no rule fires."""

    def __init__(self, embed_fallback: Optional[Callable[[str], Optional[tuple[str, float]]]] = None) -> None:
        self.embed_fallback = embed_fallback

    def classify(self, text: str) -> IntentResult:
        slots = slot_rules.extract(text)
        scores = rule_scores(ASKS_INSURANCE.sub("退货险", text))  # its 运费 / shipping is no shipping question
        if slots.region and re.search(r"发|發|寄|到|邮|郵|送|运费|運費|快递|买|下单|ship|send|deliver|post|order|buy|purchase|mail|\bgo\b|"
                                      r"\bget\b|reach|\bto\b|"
                                      r"how (long|many days) to\b", text, re.I):
            asks_time = bool(_TIME_Q.search(text)) and not _CAN_SHIP.search(text)
            boosted = "delivery_time" if asks_time else "shipping_exception"
            scores[boosted] = scores.get(boosted, 0) + 3
            if asks_time and scores.get("shipping_exception", 0) >= scores[boosted]:
                scores["delivery_time"] = scores["shipping_exception"] + 1  # "how long to ship to X" is not "ship to X?"
            if not asks_time and _CAN_SHIP.search(text) and scores.get("delivery_time", 0) >= scores[boosted]:
                scores["shipping_exception"] = scores["delivery_time"] + 1  # "新疆能发吗 几天到": whether, then how long
            scores.pop("shipping", None) if scores.get("shipping", 0) <= 3 else None
        if "size" in scores and _UNIT_ASKED.search(text) and not _SIZE_RX.search(_UNIT_WORD.sub(" ", text)):
            scores.pop("size")  # "how many lbs is it", "seat height in inches?": a unit, not a garment size
        if slots.height_cm and slots.weight_kg or (slots.height_cm and "size" in scores):
            scores["size"] = scores.get("size", 0) + 3
        if slots.gap_cm:
            scores["spec"] = scores.get("spec", 0) + 3
        if "ai_disclosure" in scores:
            scores.pop("greeting", None)
        strong = {k: v for k, v in scores.items() if v >= 2 or k != "spec"}
        small_talk = bool(_GREETING_RX.search(_REACTION.sub(" ", text)))  # to the host, not a cheer
        if (_TO_AUDIENCE.search(text) and not small_talk
                and max((v for k, v in strong.items() if k not in ("greeting", "spec")), default=0) < 3):
            # "有人玩原神吗 组队", "lol who else is here for the music": asked of the other viewers,
            # not the host (score 0: a product named in it still makes it a question about that product)
            return IntentResult("off_topic", 0.0, slots, intents=("off_topic",))
        if "greeting" in strong and not asks_about(text):  # "lmao this price is a steal 🔥", "拍了拍了 白色的": no question
            return IntentResult("greeting", strong["greeting"], slots, intents=("greeting",))
        if "greeting" in strong and any(k not in ("greeting", "spec") for k in strong):
            strong.pop("greeting")  # "主播好，这个多少钱" asks the price
        if "greeting" in strong and not small_talk:
            # "yyds 结团3秒是真的吗", "哈哈 是开过刃的吗": a cheer beside a question is no small talk
            # (a greeting to the host, "主播辛苦了 明天还播吗", still is)
            strong.pop("greeting")
        if _OFF_TOPIC.search(text) and max((v for k, v in strong.items() if k != "greeting"), default=0) < 3:
            return IntentResult("off_topic", 1.0, slots, intents=("off_topic",))
        if len(strong) > 1 and strong.get("spec", 0) <= 2:
            strong.pop("spec", None)  # a question mark beside a real topic adds nothing
        if strong:
            ordered = sorted(strong, key=lambda k: (-strong[k], PRIORITY.index(k) if k in PRIORITY else 99))
            main = ordered[0]
            if "compare" in strong:
                main = "compare"
            rest = tuple(k for k in ordered if k != main and k not in ("compare", "greeting"))
            return IntentResult(main, strong[main], slots, intents=(main, *rest))
        if scores.get("spec"):
            return IntentResult("spec", scores["spec"], slots, intents=("spec",))
        if _EMOJI_ONLY.match(text) and _has_emoji(text):
            return IntentResult("greeting", 1.0, slots, intents=("greeting",))
        if _QUESTION.search(text):  # an unlabelled question: retrieval decides whether it is answered
            return IntentResult("spec", 0.5, slots, intents=("spec",))
        if self.embed_fallback is not None:
            guess = self.embed_fallback(text)
            if guess:
                return IntentResult(guess[0], guess[1], slots, method="embedding", intents=(guess[0],))
        return IntentResult("off_topic", 0.0, slots, intents=("off_topic",))
