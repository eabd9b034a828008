"""Chinese text normalisation: digits, prices, units, dates and times into speakable Hanzi.

Why: the Mandarin voice only knows pinyin syllables, so every digit and symbol must become
characters first, and the reading depends on context: ``2024年`` is read digit by digit,
``199元`` as a cardinal, ``15:30`` as 十五点三十分, ``13812345678`` digit by digit with 幺.
cn2an gets times wrong (``十五:三十``) and has no unit table, so the readings are done here
with our own cardinal reader, which is small and predictable.

Latin words (iPhone, Dyson) are left in place on purpose: the voice router sends Latin runs
to the English voice, and the Mandarin engine skips whatever Latin is left.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DIGITS = "零一二三四五六七八九"
_PHONE_DIGITS = "零幺二三四五六七八九"  # 幺 for 1 when reading codes: 一 and 七 sound alike
# Measure words after which a lone 2 is read 两 (两件, 两个), not 二.
_MEASURES = "个件台只双瓶盒包袋箱次天年周位条张本支套份斤块元杯碗颗粒片把辆间层岁倍款种样段小"
_UNITS = {
    "mAh": "毫安时", "Wh": "瓦时", "kWh": "千瓦时", "ml": "毫升", "mL": "毫升", "ML": "毫升",
    "L": "升", "kg": "公斤", "KG": "公斤", "Kg": "公斤", "mg": "毫克", "g": "克", "km": "公里",
    "cm": "厘米", "mm": "毫米", "m": "米", "TB": "T", "GB": "G", "G": "G", "MB": "兆",
    "KB": "K", "kW": "千瓦", "W": "瓦", "w": "瓦", "V": "伏", "GHz": "G赫兹", "MHz": "兆赫兹",
    "kHz": "千赫兹", "Hz": "赫兹", "h": "小时", "min": "分钟", "°C": "摄氏度", "°F": "华氏度",
    "°": "度", "inch": "英寸", "pcs": "件",
}
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_LIANG_UNITS = {"小时", "分钟", "公斤", "公里", "米", "升", "克", "件"}
_CURRENCY = {"¥": "元", "$": "美元", "€": "欧元", "£": "英镑"}
_NUM = r"\d+(?:\.\d+)?"


def cardinal(n: int, leading: bool = True) -> str:
    """Read a non-negative integer: 10 -> 十, 110 -> 一百一十, 100010 -> 十万零一十."""
    if n < 10_000:
        return _small(n, leading) if n else "零"
    for unit_value, unit in ((10**8, "亿"), (10**4, "万")):
        if n >= unit_value:
            high, low = divmod(n, unit_value)
            text = cardinal(high, leading) + unit
            if low == 0:
                return text
            gap = "零" if low < unit_value // 10 else ""
            return text + gap + cardinal(low, leading=False)
    raise AssertionError("unreachable")


def _small(n: int, leading: bool) -> str:
    """0 < n < 10000, with 零 for inner gaps; a leading 一十 is said 十."""
    out, zero, started = "", False, False
    for digit, unit in zip(f"{n:04d}", ("千", "百", "十", "")):
        d = int(digit)
        if d == 0:
            zero = zero or started
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + unit
        started = True
    return out[1:] if leading and out.startswith("一十") else out


def digits(s: str, phone: bool = False) -> str:
    table = _PHONE_DIGITS if phone else _DIGITS
    return "".join(table[int(c)] for c in s if c.isdigit())


def number(s: str) -> str:
    """Integer or decimal string; trailing zeros after the point are not read (99.00 -> 九十九)."""
    whole, _, frac = s.partition(".")
    frac = frac.rstrip("0")
    text = cardinal(int(whole)) if whole else "零"
    return text + ("点" + digits(frac) if frac else "")


def _date(m: re.Match) -> str:
    y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return m.group(0)
    return f"{digits(y)}年{cardinal(mo)}月{cardinal(d)}日"


def _time(m: re.Match) -> str:
    h, mi, sec = int(m.group(1)), int(m.group(2)), m.group(3)
    text = "两点" if h == 2 else cardinal(h) + "点"
    if mi or sec:
        text += ("零" if mi < 10 else "") + cardinal(mi) + "分"
    if sec and int(sec):
        text += cardinal(int(sec)) + "秒"
    return text


def _phone(m: re.Match) -> str:
    """Hyphen/space-grouped digits: a phone number if long enough, else left for ranges."""
    s = m.group(0)
    n = sum(c.isdigit() for c in s)
    return digits(s, phone=True) if n >= 10 or (s[0] == "0" and n >= 9) else s


def _fraction(m: re.Match) -> str:
    num, den = int(m.group(1)), int(m.group(2))
    if not 0 < num < den:
        return m.group(0)  # 5/1 is more likely a date than five over one: leave it
    return cardinal(den) + "分之" + cardinal(num)


def _integer(m: re.Match) -> str:
    """A plain integer: codes and long strings digit by digit, a lone 2 before a measure 两."""
    s, before, after = m.group(0), m.string[: m.start()], m.string[m.end() :]
    if len(s) >= 7:
        return digits(s, phone=True)
    if len(s) > 1 and s.startswith("0"):
        return digits(s)
    if before[-1:].isascii() and before[-1:].isalpha() and len(s) >= 3:
        return digits(s)  # model codes glued to letters: RTX4090, X200
    if s == "2" and after[:1] and after[0] in _MEASURES and not before.endswith("第"):
        return "两"
    return cardinal(int(s))


_RULES: list[tuple[re.Pattern, object]] = [
    # thousands separators: 1,299 -> 1299
    (re.compile(r"(?<=\d),(?=\d{3}(?!\d))"), ""),
    # 2024-05-01, 2024/5/1, 2024.5.1
    (re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d.])"), _date),
    # years: 2024年, 90年代, 00后
    (re.compile(r"(?<![\d.])(\d{4})(?=年)"), lambda m: digits(m.group(1))),
    (re.compile(r"(?<![\d.])(\d{2})(?=年代|后(?![天面]))"), lambda m: digits(m.group(1))),
    # time ranges: 10:00-22:00 -> 10:00到22:00
    (re.compile(r"(?<=\d:\d\d)\s*[-~—–至]\s*(?=\d{1,2}:\d\d)"), "到"),
    # times: 15:30, 9:05, 8:00:30
    (re.compile(r"(?<![\d.:])([01]?\d|2[0-4]):([0-5]\d)(?::([0-5]\d))?(?![\d:])"), _time),
    # phone numbers: 400-820-8820, 010-12345678, 138 1234 5678
    (re.compile(r"(?<![\d.])(?:\d{3,4}[- ]){1,2}\d{4,8}(?![\d.])"), _phone),
    # ranges: 3-5天, 100~200元, 30%-50% -> 到
    (re.compile(rf"(?<![\d.])({_NUM})(%?)\s*[-~—–至]\s*(?=[¥$€£]?\d)"), r"\1\2到"),
    # negative numbers: -5 (not a hyphen between words)
    (re.compile(r"(?<![\w.])-(?=\d)"), "负"),
    # dimensions: 30x40cm, 2×3
    (re.compile(r"(?<=\d)\s*[x×*]\s*(?=\d)"), "乘"),
    # currency before: ¥199.9, ¥12.5万, $20
    (re.compile(rf"([¥$€£])\s*({_NUM})([万亿]?)"),
     lambda m: number(m.group(2)) + m.group(3) + _CURRENCY[m.group(1)]),
    # currency after: 199元, 99.00元, 12块
    (re.compile(rf"({_NUM})(?=[万亿]?[元块])"), lambda m: number(m.group(1))),
    # percentages: 30%, 12.5%
    (re.compile(rf"({_NUM})%"), lambda m: "百分之" + number(m.group(1))),
    # fractions: 1/2 -> 二分之一
    (re.compile(r"(?<![\d/])(\d+)/(\d+)(?![\d/])"), _fraction),
    # units: 500ml, 5000mAh, 256GB, 1.5kg (a Latin letter right after ends the match)
    (re.compile(rf"({_NUM})\s?({_UNIT_RE})(?![A-Za-z])"),
     lambda m: ("两" if m.group(1) == "2" and _UNITS[m.group(2)] in _LIANG_UNITS
                else number(m.group(1))) + _UNITS[m.group(2)]),
    # version strings: 5.0.1 -> 五点零点一
    (re.compile(r"\d+(?:\.\d+){2,}"),
     lambda m: "点".join(cardinal(int(p)) for p in m.group(0).split("."))),
    # decimals: 5.3 -> 五点三 (digits after the point read one by one)
    (re.compile(r"\d+\.\d+"), lambda m: number(m.group(0))),
    # plain integers
    (re.compile(r"\d+"), _integer),
]
_SYMBOLS = {"~": "到", "℃": "摄氏度", "&": "和", "+": "加", "=": "等于"}


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # opencc-python-reimplemented: pure Python, offline tables

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def normalize_zh(text: str) -> str:
    """Turn ``text`` into Hanzi the Mandarin voice can say; keep Latin words and punctuation.

    >>> normalize_zh("蓝牙5.3，续航30h，仅需¥199.9！")
    '蓝牙五点三,续航三十小时,仅需一百九十九点九元!'
    """
    text = unicodedata.normalize("NFKC", to_simplified(text))
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)  # type: ignore[arg-type]
    # "+" between numbers is 加; a trailing one (10万+) is dropped rather than read.
    text = re.sub(r"(?<=[零一二三四五六七八九十百千万亿])\+(?![零一二三四五六七八九十])", "", text)
    for sym, word in _SYMBOLS.items():
        text = text.replace(sym, word)
    text = re.sub(r"负(?=[零一二三四五六七八九十百点]+摄氏度)", "零下", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
