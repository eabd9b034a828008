"""Screen one comment for contact details, plugs, abuse and injections, in any disguise.

Why not single words: a viewer asking whether sweat will "kill" the earbuds, a "killer deal",
"this price is insane", "666" and "888" are all harmless, and a profanity list that hides them
silences real buyers. Disguises are the opposite problem: "薇❤ abc123", "q q 1 2 3 4 5 6 7",
"f***", "傻x", "nmsl" are written to slip past exact words. So each check first undoes the
disguise (:func:`unmask`: separators between letters or digits dropped, leetspeak and Chinese
numerals mapped, repeated letters collapsed), and abuse needs either a strong word or a weak
insult aimed at someone (you, the host, the shop). All functions are pure.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from .lexicon import INJECTION_RE, SPAM_RE

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
                       "€": "e"})
_CN_DIGITS = str.maketrans({"零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
                            "六": "6", "七": "7", "八": "8", "九": "9", "壹": "1", "贰": "2", "叁": "3", "肆": "4",
                            "伍": "5", "陆": "6", "柒": "7", "捌": "8", "玖": "9", "①": "1", "②": "2", "③": "3",
                            "④": "4", "⑤": "5", "⑥": "6", "⑦": "7", "⑧": "8", "⑨": "9", "⓪": "0"})
# negative squared / circled Latin letters NFKC leaves alone ("傻🅱️")
_ENCLOSED = {0x1F170 + i: chr(ord("a") + i) for i in range(26)} | {0x1F150 + i: chr(ord("a") + i) for i in range(26)}
# an emoji standing for the word it pictures ("🐶东西" is 狗东西)
_EMOJI_WORDS = str.maketrans({"🐶": "狗", "🐕": "狗", "🐷": "猪", "🐖": "猪"})
_SEP = r"[\s.\-_,，。·•*~|/\\❤♥💕💗♡☆★🌸]*"


def unmask(text: str) -> str:
    """NFKC, lowercase, separators between single characters dropped: 'f u c k' -> 'fuck',
    'q q 1 2 3' -> 'qq123', 'V❤ 1 3 8' -> 'v138'."""
    t = unicodedata.normalize("NFKC", text).translate(_ENCLOSED).translate(_EMOJI_WORDS).lower()
    t = re.sub(r"(?<=\b\w)[\s.\-_*·•|]+(?=\w\b)", "", t)  # single letters joined by separators
    return t


def _unleet(text: str) -> str:
    """'1d10t', 'm0r0n', 'l0ser' -> letters: only inside words that mix letters and digits/symbols."""
    return re.sub(r"[a-z0-9@$!€]*[a-z][a-z0-9@$!€]*", lambda m: m.group().translate(_LEET) if re.search(r"[0-9@$!€]", m.group())
                  and re.search(r"[a-z]", m.group()) else m.group(), text)


def _digits(text: str) -> str:
    """Every digit run with separators and Chinese numerals folded: '一三八 0013 8000' -> '13800138000'."""
    t = unicodedata.normalize("NFKC", text).translate(_CN_DIGITS)
    t = re.sub(r"(?<=\d)[\ufe0f\u20e3]+", "", t)  # keycap digits "1️⃣3️⃣8️⃣" are plain digits in disguise
    return re.sub(rf"(?<=\d){_SEP}(?=\d)", "", t)


_WECHAT = re.compile(r"微信|威信|薇信|维信|徽信|v信|微x|wei\s*xin|weixin|wechat|(?<![a-z0-9])(vx|wx)(?![a-z0-9])|vx\s*[:：]|"
                     r"(?<![a-z0-9])v\s*[:：]|"
                     r"加\s*[vV]|[+➕]\s*[vV]\b|[vV薇威]\s*[❤♥💕♡☆★]|卫星号|绿泡泡|whatsapp|telegram|\bline id\b|"
                     r"(?<![a-z0-9])qq(?![a-z])|扣扣|企鹅号|q\s*q\s*[:：]?\s*\d|私聊我|私信我|dm me|email me|gmail|@\w+\.(com|cn)|"
                     r"私我|私下(交易|转账|联系|买)|外面买|不走平台|绕过平台|加我[薇威vV]|绿色软件|咸鱼搜我|闲鱼搜我|"
                     r"skip the platform|off[- ]platform|pay me (on|via|with)|venmo|cash ?app|zelle|paypal\.me|"
                     r"snap(chat)? me|\bsnap(chat)?\s*[:：]|discord\s*[:：]|\bdiscord\b.{0,6}#\d|find me on|"
                     r"(blue bird|little red|green) app|dms? (are )?open|hit me up on",
                     re.I)
_NOT_CONTACT = re.compile(r"(不能|不要|不可以|别|禁止|不许|不让|don'?t|do not|never|no)\s*(私下|加|发|去|用)?\s*$", re.I)
_ORDER_NO = re.compile(r"(订单号?|单号|快递单|运单|order\s*(no\.?|number|#|id)?|tracking)\s*[:：#]?\s*$", re.I)
_LINK = re.compile(r"https?://|www\.|\b[a-z0-9-]+\s*(?:\.|dot|点|\(dot\))\s*(?:com|cn|net|org|me|io|xyz|top|ly|cc|shop)\b|"
                   r"bit\.ly|t\.me", re.I)
_HANDLE_PLUG = re.compile(r"(follow|关注|check out|check|sub(scribe)?( to)?|看看|来|去|搜)\s*@\s*\w+|"
                          r"@\s*\w+.{0,12}(follow|关注|主页|channel|店铺|直播间|shop|store|page)", re.I)


def find_contact(text: str) -> Optional[str]:
    """Links, messenger handles and phone/QQ numbers, spaced out or in Chinese numerals."""
    raw = unmask(text)
    for rx in (_LINK, _WECHAT):
        for source in (raw, text):
            for m in rx.finditer(source):
                if not _NOT_CONTACT.search(source[:m.start()][-8:]):  # "不能加微信买对吧" repeats the rule
                    return m.group()
    folded = _digits(text)
    for m in re.finditer(r"\d{7,}", folded):
        if len(set(m.group())) >= 3 and not _ORDER_NO.search(folded[:m.start()][-12:]):
            return m.group()  # 666666 and 8888888 are cheers, an order number is no phone
    return None


_PLUG = re.compile(
    r"follow\s*(我|me|back)|互关|互粉|必回|sub4sub|f4f|l4l|求关注|求粉|\b(my|our) (stream|channel|store|shop|page|live)\b|"
    r"link in (my )?bio|(click|check|see) my bio|看我主页|我主页|来我(家|直播间|店|频道)|我家店铺|我的店铺|我店里|"
    r"(某宝|淘宝|咸鱼|闲鱼|拼多多|抖音|小红书|红书|快手|b站)\s*搜|主页.{0,2}(链接|联系方式)(?![^，,。\s]{0,4}(吗|么|呢|[?？]|打不开|不|没))|我的小店|招代理|代理找我|一件代发|搜\s*[「“\"『]|\bsearch [a-z0-9]+(queen|king|shop|store|deals?)\b|"
    r"日入|日赚|躺着.{0,4}赚|在家.{0,10}赚|动动手指|赚钱|make \$?\d+|\$\d+\s*(/|per|a)\s*day|from home|win rate|胜率|"
    r"稳赚|炒币|带单|crypto|signals|网贷|贷款|征信|秒批|(my|free) giveaway|giveaway.{0,30}(follow|click|bio|dm|link)|"
    r"gift cards? (to|for) (everyone|anyone|all)|free iphone|come watch my", re.I)


def find_plug(text: str) -> Optional[str]:
    m = _HANDLE_PLUG.search(text) or SPAM_RE.search(text) or _PLUG.search(unmask(text))
    return m.group() if m else None


# strong: abusive wherever they stand (after unmasking); '*' stands for any masked letters
_STRONG_EN = (r"f+[u*v@#]+c*k+|f[*#@]+k?|f\*+ing|fk|fck|fcuk|phuck|fuk|fvck|sh[i*1!]+t|b[i*1!]+tch|a[s$*]{2}hole|"
              r"cunt|c\*nt|dick ?head|motherf\w*|stfu|retard(ed)?|nigg\w*|slut|whore|wanker|bastard|kys")
_STRONG_ZH = (r"傻[逼比b屄叉xX×币笔]|煞笔|沙比|沙壁|(?<![a-z])(?:s\s*b|sha\s*bi|nmsl|wcnm|cnm|rnm|tmd)(?![a-z])|草泥马|"
              r"操你|艹你|草你|日你|你妈[的逼死]|尼玛|他妈的|去死|死全家|狗东西|贱人|婊子|杂种|畜生|脑残|智障|弱智")
_THREAT = (r"(i'?ll|i will|gonna|going to|we'?ll) (find|get|hurt|kill|come for|track) (you|u)\b|watch (your|ur) back|"
           r"hope (your|ur|you|u)\b.{0,30}(dies?|burns?|crash|rots?)|burns? down|被车撞|出门被|不得好死|"
           r"知道你(们)?.{0,8}(在哪|住哪|地址)|等着瞧|你等着|给我等着|\bdumb ?ass\b|死胖子|肥猪|去\s*(shi|s)\s*吧|沙币|(?<![a-z])s13(?![0-9a-z])")
_STRONG = re.compile(rf"(?<![a-z])(?:{_STRONG_EN})(?![a-z])|{_STRONG_ZH}|{_THREAT}", re.I)
# weak: insults only when aimed at someone
_WEAK = re.compile(r"(?<![a-z])(idiots?|stupid|dumb|morons?|ugly|losers?|trash|garbage|scam(mer)?s?|liars?|clowns?|pathetic|"
                   r"disgusting|fake|creeps?)(?![a-z])|垃圾|骗子|丑八怪|丑死|恶心|废物|白痴|蠢货|神经病|滚(?![动筒烫])|骗人|"
                   r"low\s*b|low逼|辣鸡|拉圾|(?<![a-z])(cs|nc|zz)(?![a-z])|菜狗|蠢|智商欠费|没脑子|丢人现眼|闭嘴|丑|猪|🐷|胖子|"
                   r"(?<![a-z])(fat|pig|dumb|clueless|incompetent)(?![a-z])", re.I)
_TARGET = re.compile(r"(?<![a-z])(you|u|ur|you're|youre|host|streamer|anchor|shop|store|seller|this channel|bot)(?![a-z])|"
                     r"你|主播|商家|店家|客服|小编|你们|这店|黑店|这个号|助理|楼上|what an?|such an?|\btotal\b|是个|就是个|你个|长这么|"
                     r"looks? like|跟头|像头", re.I)


def find_abuse(text: str) -> Optional[str]:
    raw = _unleet(unmask(text))
    m = _STRONG.search(raw) or _STRONG.search(text)
    if m:
        return m.group()
    weak = list(_WEAK.finditer(raw))
    if weak and (_TARGET.search(raw) or _TARGET.search(text) or len(weak) >= 2 or len(re.sub(r"\W", "", raw)) <= len(weak[0].group()) + 2):
        return weak[0].group()
    return None


def find_injection(text: str) -> Optional[str]:
    raw = unmask(text)  # "Ign0re prev1ous instructi0ns": leetspeak undone as for abuse
    m = INJECTION_RE.search(raw) or INJECTION_RE.search(_unleet(raw)) or INJECTION_RE.search(text)
    return m.group() if m else None
