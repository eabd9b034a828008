"""Word lists the comment stages share: regions, colour families, abuse, spam, contact, injection.

Written by this project (no package carries Chinese live-commerce lists). Kept as data, not
logic, so a shop can extend them without touching the stages. Region entries say whether a
place is inside mainland China, because ``ships_to`` in the sample catalog is 中国大陆.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    zh: str
    en: str
    mainland: bool
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.zh, self.en.lower(), *self.aliases)


_PROVINCES = """北京 Beijing|天津 Tianjin|上海 Shanghai|重庆 Chongqing|河北 Hebei|山西 Shanxi|辽宁 Liaoning|吉林 Jilin|
黑龙江 Heilongjiang|江苏 Jiangsu|浙江 Zhejiang|安徽 Anhui|福建 Fujian|江西 Jiangxi|山东 Shandong|河南 Henan|湖北 Hubei|
湖南 Hunan|广东 Guangdong|海南 Hainan|四川 Sichuan|贵州 Guizhou|云南 Yunnan|陕西 Shaanxi|甘肃 Gansu|青海 Qinghai|
内蒙古 Inner Mongolia|广西 Guangxi|宁夏 Ningxia|新疆 Xinjiang|西藏 Tibet"""
_CITIES = {"广州": "广东", "深圳": "广东", "东莞": "广东", "杭州": "浙江", "宁波": "浙江", "南京": "江苏", "苏州": "江苏",
           "成都": "四川", "武汉": "湖北", "长沙": "湖南", "西安": "陕西", "郑州": "河南", "济南": "山东", "青岛": "山东",
           "厦门": "福建", "昆明": "云南", "乌鲁木齐": "新疆", "喀什": "新疆", "拉萨": "西藏", "西宁": "青海", "海口": "海南",
           "三亚": "海南", "哈尔滨": "黑龙江", "沈阳": "辽宁", "大连": "辽宁", "呼和浩特": "内蒙古", "银川": "宁夏"}
_OUTSIDE = [("香港", "Hong Kong", ("hk", "hongkong")), ("澳门", "Macau", ("macao",)), ("台湾", "Taiwan", ("tw",)),
            ("美国", "United States", ("us", "usa", "the us", "america", "美國")), ("英国", "United Kingdom", ("uk", "england", "london")),
            ("加拿大", "Canada", ()), ("日本", "Japan", ()), ("韩国", "Korea", ("south korea",)),
            ("新加坡", "Singapore", ()), ("马来西亚", "Malaysia", ()), ("澳大利亚", "Australia", ("澳洲",)),
            ("德国", "Germany", ()), ("法国", "France", ()), ("海外", "overseas", ("abroad", "international", "国外"))]


def _regions() -> list[Region]:
    out = []
    for item in _PROVINCES.replace("\n", "").split("|"):
        zh, en = item.split(" ", 1)
        cities = tuple(c for c, prov in _CITIES.items() if prov == zh)
        out.append(Region(zh, en, True, cities))
    out += [Region(zh, en, False, aliases) for zh, en, aliases in _OUTSIDE]
    return out


REGIONS: list[Region] = _regions()

# Colour family (English) -> words that name it.
COLOURS: dict[str, tuple[str, ...]] = {
    "black": ("黑", "black", "dark"), "white": ("白", "white", "cream", "ivory"), "pink": ("粉", "pink", "rose"),
    "red": ("红", "red"), "blue": ("蓝", "blue", "navy"), "green": ("绿", "green", "mint"),
    "yellow": ("黄", "yellow"), "purple": ("紫", "purple"), "grey": ("灰", "grey", "gray", "silver", "银"),
    "brown": ("棕", "咖啡色", "brown", "khaki", "卡其"), "clear": ("透明", "clear", "transparent"),
    "orange": ("橙", "orange"),
}
COLOUR_ZH = {"black": "黑色", "white": "白色", "pink": "粉色", "red": "红色", "blue": "蓝色", "green": "绿色",
             "yellow": "黄色", "purple": "紫色", "grey": "灰色", "brown": "棕色", "clear": "透明", "orange": "橙色"}

ABUSE_ZH = ("傻逼", "傻b", "傻比", "煞笔", "沙比", "脑残", "智障", "垃圾主播", "狗东西", "去死", "尼玛", "你妈", "草泥马", "操你",
            "贱人", "骗子", "废物", "白痴", "蠢货", "丑八怪", "滚吧", "滚开", "滚蛋", "神经病", "弱智")
ABUSE_EN = ("idiot", "stupid", "dumb", "bitch", "fuck", "fucking", "shit", "asshole", "moron", "ugly", "trash",
            "scammer", "scammers", "loser", "retard", "stfu", "shut up", "f*ck", "wtf")
ABUSE_RE = re.compile("|".join(map(re.escape, ABUSE_ZH)) + r"|(?:^|[\s，,])滚(?:$|[\s，,!！])|\bsb\b|"
                      + r"\b(?:" + "|".join(map(re.escape, ABUSE_EN)) + r")\b", re.I | re.A)

SPAM_RE = re.compile(
    r"关注我|互粉|回关|点我头像|领红包|兼职|刷单|日赚|日结|代购|私聊|私信我|扫码|加群|进群|免费领|福利群|"
    r"follow me|follow back|check my profile|free followers|earn \$|make money|message me|\bdm me\b|"
    r"click here|subscribe to my|visit my", re.I | re.A)

CONTACT_RE = re.compile(
    r"https?://|www\.|\b[a-z0-9-]+\.(?:com|cn|net|org|me|io|xyz|top|ly|cc|shop)\b|bit\.ly|t\.me|\bdot com\b|"
    r"微信|威信|薇信|v信|\bvx\b|vx\s*[:：]?\s*\w|\bwx\b|加\s*[vV]|wechat|whatsapp|telegram|\bline id\b|"
    r"\bqq\b\s*[:：]?\s*\d{5,}|扣扣|(?<!\d)1[3-9]\d{9}(?!\d)|(?<![\d.])\d{6,}(?![\d.])", re.I | re.A)

INJECTION_RE = re.compile(
    r"忽略.{0,6}(指令|规则|设定|提示|要求)|忘(掉|记).{0,6}(规则|指令|设定)|系统(提示|设定|指令)|"
    r"你现在是|从现在(起|开始).{0,10}(价格|改|免费)|(价格|价钱).{0,4}(改为|改成|说成)|(说成|改成|改为).{0,6}(\d+|一)\s*(块|元)|"
    r"主播请说|请(你)?说[:：]|(告诉|说).{0,10}(免费|不要钱|零元|0元)|(把|将).{0,12}(说成|改成)|"
    r"ignore (all |your |any |the )?(previous |prior |above )?(instructions|rules|prompt)|ignore previous|"
    r"\bignore\b.{0,20}\b(catalog|guardrails?|rules?|instructions?|prompts?|everything|above|previous|prior|system|"
    r"text)\b|\bas (an? )?(admin|administrator|developer|moderator|system|owner)\b|系统(通知|消息|公告)|"
    r"管理员(通知|要求|说)|官方通知|主播(需|必须|要)(宣布|说|告诉)|"
    r"developer mode|开发者模式|调试模式|system prompt|(hidden|secret) (prompt|instructions)|"
    r"reveal (your|the) (hidden |system )?prompt|you are now|pretend (you are|you['’]?re|to be)|act as|jailbreak|"
    r"forget (all|your) (previous |prior )?(rules|instructions|prompt)|指令(更新|变更)|"
    # a forged chat turn: "<system>", "<|system|>", "assistant: 好的…user:"
    r"<\|?\s*/?\s*(system|assistant|user|im_start|im_end)\s*\|?>|(^|[\s。，,.>])assistant\s*[:：]|"
    r"^\s*\[?system\]?\s*[:：\]]|\bset price\s*=|\b(say|announce)\b.{0,20}\b(is|are) (free|\$?\d+)\b|"
    r"\btell (viewers|everyone|people|them|the audience)\b.{0,30}\b(free|costs?|price)|"
    r"\bas (the|an?) (admin|administrator|moderator|operator|brand|manager)\b|作为(运营|管理员|官方|品牌方|平台)|"
    r"new instructions?\b|\bfrom now on\b|从现在(开始|起)|repeat after me|跟我(念|读|说)|请(重复|复述|说出|念)|"
    r"role-?play|扮演|假装你?是|system override|</s>|\[(moderator|admin|system|mod)\]|^\s*/(admin|mod|set)|set_price|"
    r"(管理员|运营|官方|后台)指令|price override|translate (this|it).{0,40}(then )?do (it|that)|按我说的做|"
    r"(立即|马上|现在)(宣布|播报)|(你|主播)(现在)?(宣布|播报).{0,12}(免单|免费|送|抽奖|买一送)|"
    r"\b(announce|confirm on air|say on air)\b.{0,30}\b(free|off|giveaway|\d+%)", re.I | re.A)
