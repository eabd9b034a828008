"""English text normalisation: spell out everything a TTS front end would misread.

Why our own: Piper and espeak-ng read digits themselves, but badly for shop talk ("$19.99" as
"dollar nineteen point nine nine", "5000mAh" letter by letter, "2024" as "two thousand twenty
four", "Mr." as a sentence end). Writing the words out here also makes the text the engine
speaks identical to the text the subtitles and word timings refer to. Pure Python, no
dependency: number words are a few dozen lines and a package (num2words, LGPL) would add a
licence and still need every rule below.
"""

from __future__ import annotations

import re
import unicodedata

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = [(10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand")]
_ORD_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                  "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def _below_1000(n: int) -> str:
    words = []
    if n >= 100:
        words.append(f"{_ONES[n // 100]} hundred")
        n %= 100
    if n >= 20:
        words.append(_TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else ""))
    elif n or not words:
        words.append(_ONES[n])
    return " ".join(words)


def number_to_words(n: int) -> str:
    """Cardinal: 1234 -> one thousand two hundred thirty-four (US style, no 'and')."""
    if n < 0:
        return "minus " + number_to_words(-n)
    if n < 1000:
        return _below_1000(n)
    if n >= 10**15:
        return digits_to_words(str(n))
    words = []
    for value, name in _SCALES:
        if n >= value:
            words.append(f"{_below_1000(n // value)} {name}")
            n %= value
    if n:
        words.append(_below_1000(n))
    return " ".join(words)


def ordinal_to_words(n: int) -> str:
    """1 -> first, 22 -> twenty-second, 100 -> one hundredth."""
    words = number_to_words(n)
    head, sep, last = words.rpartition("-") if "-" in words.split(" ")[-1] else words.rpartition(" ")
    if last in _ORD_IRREGULAR:
        last = _ORD_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def year_to_words(n: int) -> str:
    """2024 -> twenty twenty-four, 1905 -> nineteen oh five, 2005 -> two thousand five."""
    if 2000 <= n <= 2009 or n % 1000 == 0 or not 1000 <= n <= 9999:
        return number_to_words(n)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return f"{number_to_words(hi)} hundred"
    return f"{number_to_words(hi)} {'oh ' if lo < 10 else ''}{number_to_words(lo)}"


def digits_to_words(s: str) -> str:
    """'007' -> zero zero seven: codes, phone numbers, decimals after the point."""
    return " ".join(_ONES[int(c)] for c in s if c.isdigit())


def _pluralize(words: str) -> str:
    """Year or decade words to plural: 'nineteen ninety' -> 'nineteen nineties'."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + ("es" if words.endswith("x") else "s")


def _int(s: str) -> int:
    return int(s.replace(",", ""))


def _cardinal_str(s: str) -> str:
    """A digit string (maybe with commas or a decimal part) to words."""
    s = s.replace(",", "")
    whole, _, frac = s.partition(".")
    if len(whole) > 1 and whole.startswith("0"):
        out = digits_to_words(whole)
    else:
        out = number_to_words(int(whole)) if whole else "zero"
    if frac:
        out += " point " + digits_to_words(frac)
    return out


# --- units -----------------------------------------------------------------------------------
# (regex, singular, plural). Matched right after a number; order matters (longest first).
_UNITS = [
    (r"mAh", "milliamp hour", "milliamp hours"), (r"[Ww]h", "watt hour", "watt hours"),
    (r"TB", "terabyte", "terabytes"), (r"GB", "gigabyte", "gigabytes"),
    (r"MB", "megabyte", "megabytes"), (r"KB|kB", "kilobyte", "kilobytes"),
    (r"Gbps", "gigabit per second", "gigabits per second"),
    (r"Mbps", "megabit per second", "megabits per second"),
    (r"GHz", "gigahertz", "gigahertz"), (r"MHz", "megahertz", "megahertz"),
    (r"kHz", "kilohertz", "kilohertz"), (r"Hz", "hertz", "hertz"),
    (r"km/h|kph", "kilometer per hour", "kilometers per hour"),
    (r"mph", "mile per hour", "miles per hour"),
    (r"kg", "kilogram", "kilograms"), (r"mg", "milligram", "milligrams"), (r"g", "gram", "grams"),
    (r"km", "kilometer", "kilometers"), (r"cm", "centimeter", "centimeters"),
    (r"mm", "millimeter", "millimeters"), (r"m", "meter", "meters"),
    (r"ml|mL|ML", "milliliter", "milliliters"), (r"[lL]", "liter", "liters"),
    (r"kW", "kilowatt", "kilowatts"), (r"W", "watt", "watts"), (r"V", "volt", "volts"),
    (r"°C|℃", "degree Celsius", "degrees Celsius"), (r"°F|℉", "degree Fahrenheit",
                                                      "degrees Fahrenheit"),
    (r"°", "degree", "degrees"),
    (r"inches|inch|in\.|\"|″", "inch", "inches"), (r"ft|feet|foot", "foot", "feet"),
    (r"lbs|lb", "pound", "pounds"), (r"oz", "ounce", "ounces"),
    (r"hrs|hr|h", "hour", "hours"), (r"mins|min", "minute", "minutes"),
    (r"secs|sec", "second", "seconds"), (r"fps", "frame per second", "frames per second"),
    (r"pcs", "piece", "pieces"), (r"k", "thousand", "thousand"), (r"x", "times", "times"),
]
_UNIT_ALT = "|".join(f"(?:{u})" for u, _, _ in _UNITS)
_UNIT_RE = re.compile(rf"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(\s?)({_UNIT_ALT})(?![A-Za-z0-9])")
_UNIT_ADJ_RE = re.compile(rf"(?<![\w.])(\d[\d,]*(?:\.\d+)?)-({_UNIT_ALT})(?![A-Za-z0-9])")


def _unit_words(unit: str, value: str) -> str:
    for pattern, singular, plural in _UNITS:
        if re.fullmatch(pattern, unit):
            return singular if value in ("1", "1.0") else plural
    return unit


# Words after a unit that do not make it an adjective ("500ml of water", "30 cm long").
_NOT_NOUN = set("of and or per in on for at to from with by than long wide tall high deep thick "
                "away off each ago left more less only total max min".split())


def _sub_unit(m: re.Match) -> str:
    value, space, unit = m.group(1), m.group(2), m.group(3)
    if unit in ('"', "in.", "in") and space:  # "5 in the box" is not inches
        return m.group(0)
    nxt = re.match(r"\s+([a-z]+)\b", m.string[m.end():])
    adjective = nxt is not None and nxt.group(1) not in _NOT_NOUN and unit not in ("k", "x")
    return f"{_cardinal_str(value)} {_unit_words(unit, '1' if adjective else value)}"


# --- money -----------------------------------------------------------------------------------
_CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "€": ("euro", "euros", "cent", "cents"),
               "£": ("pound", "pounds", "penny", "pence"), "¥": ("yuan", "yuan", None, None),
               "USD": ("dollar", "dollars", "cent", "cents"), "RMB": ("yuan", "yuan", None, None),
               "CNY": ("yuan", "yuan", None, None), "元": ("yuan", "yuan", None, None),
               "块": ("yuan", "yuan", None, None), "EUR": ("euro", "euros", "cent", "cents")}
_SCALE_WORDS = {"k": "thousand", "K": "thousand", "m": "million", "M": "million",
                "bn": "billion", "B": "billion", "thousand": "thousand", "million": "million",
                "billion": "billion"}
_NUM = r"(\d[\d,]*)(?:\.(\d+))?"
_SCALE = r"(?:\s?(k|K|m|M|bn|B|thousand|million|billion)\b)?"
_MONEY_PRE = re.compile(rf"(\$|€|£|¥|￥|(?:USD|RMB|CNY|EUR)\s?){_NUM}{_SCALE}")
_MONEY_POST = re.compile(rf"(?<![\w.]){_NUM}{_SCALE}\s?(元|块|USD\b|RMB\b|CNY\b|EUR\b)")


def _money(symbol: str, whole: str, frac: str | None, scale: str | None) -> str:
    one, many, sub_one, sub_many = _CURRENCIES[symbol.strip().replace("￥", "¥")]
    if scale:
        amount = _cardinal_str(whole + ("." + frac if frac else ""))
        return f"{amount} {_SCALE_WORDS[scale]} {many}"
    n = _int(whole)
    if frac is not None and sub_one and len(frac) <= 2:
        cents = int(frac.ljust(2, "0"))
        main = f"{number_to_words(n)} {one if n == 1 else many}"
        if not cents:
            return main
        sub = f"{number_to_words(cents)} {sub_one if cents == 1 else sub_many}"
        return sub if n == 0 else f"{main} and {sub}"
    amount = _cardinal_str(whole + ("." + frac if frac else ""))
    return f"{amount} {one if n == 1 and not frac else many}"


# --- dates and times -------------------------------------------------------------------------
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_MONTH_ABBR = {m[:3]: m for m in _MONTHS} | {"Sept": "September"}
_MONTH_RE = "|".join(_MONTHS + sorted(_MONTH_ABBR, key=len, reverse=True))
_DATE_RE = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)")
_ISO_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_TIME_RE = re.compile(r"\b(\d{1,2}):(\d{2})(?::\d{2})?(?:\s?([AaPp])\.?\s?[Mm]\.?(?![A-Za-z]))?")

_HOUR_RE = re.compile(r"\b(1[0-2]|[1-9])\s?([AaPp])\.?[Mm]\b\.?")


def _time(m: re.Match) -> str:
    h, mi, ampm = int(m.group(1)), int(m.group(2)), m.group(3)
    if h > 24 or mi > 59:
        return m.group(0)
    if mi == 0:
        words = number_to_words(h) + ("" if ampm else " o'clock")
    else:
        words = f"{number_to_words(h)} {'oh ' if mi < 10 else ''}{number_to_words(mi)}"
    return words + (f" {ampm.upper()} M" if ampm else "")


def _month_day(m: re.Match) -> str:
    month = _MONTH_ABBR.get(m.group(1), m.group(1))
    day = int(m.group(2))
    return f"{month} {ordinal_to_words(day)}" if 1 <= day <= 31 else m.group(0)


def _iso_date(m: re.Match) -> str:
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return m.group(0)
    return f"{_MONTHS[mo - 1]} {ordinal_to_words(d)}, {year_to_words(y)}"


# --- abbreviations and symbols ---------------------------------------------------------------
_ABBREVIATIONS = [
    (r"\bMr\.", "Mister"), (r"\bMrs\.", "Missus"), (r"\bMs\.", "Miz"), (r"\bDr\.", "Doctor"),
    (r"\bProf\.", "Professor"), (r"\bSt\.(?=\s+[A-Z])", "Saint"), (r"\bvs\.?(?=\s)", "versus"),
    (r"\be\.g\.", "for example"), (r"\bi\.e\.", "that is"), (r"\betc\.", "et cetera"),
    (r"\bapprox\.", "approximately"), (r"\bNo\.(?=\s?\d)", "number"), (r"#(?=\d)", "number "),
    (r"\bInc\.", "Incorporated"), (r"\bLtd\.", "Limited"), (r"\bCo\.(?=\s)", "Company"),
    (r"\bw/o\b", "without"), (r"\bw/(?=\s)", "with"), (r"\bqty\b", "quantity"),
    (r"\bpcs\b", "pieces"), (r"\bmins?\b", "minutes"), (r"\bhrs\b", "hours"),
    (r"\bFAQ\b", "F A Q"), (r"\bASAP\b", "as soon as possible"), (r"\bDIY\b", "D I Y"),
]
_ABBREVIATIONS_RE = [(re.compile(p), r) for p, r in _ABBREVIATIONS]
_PUNCT_MAP = str.maketrans({"。": ". ", "，": ", ", "、": ", ", "！": "! ", "？": "? ", "；": "; ",
                            "：": ": ", "“": '"', "”": '"', "‘": "'", "’": "'", "（": " (",
                            "）": ") ", "《": '"', "》": '"', "【": "(", "】": ")", "～": "~",
                            "—": ", ", "–": "-", "…": ", ", "™": "", "®": "", "©": ""})
_FRACTIONS = {"1/2": "one half", "1/3": "one third", "2/3": "two thirds", "1/4": "one quarter",
              "3/4": "three quarters", "24/7": "twenty-four seven"}


def _number(m: re.Match) -> str:
    return _number_str(m.group(0))


def _padded_number(m: re.Match) -> str:
    """A bare number, with a space where it touches a letter (H2O -> H two O)."""
    before = m.string[m.start() - 1:m.start()]
    after = m.string[m.end():m.end() + 1]
    return (" " if before.isalpha() else "") + _number(m) + (" " if after.isalpha() else "")


def _number_str(raw: str) -> str:
    """A bare number: years read as years, long digit strings digit by digit."""
    if "." in raw:
        return _cardinal_str(raw)
    digits = raw.replace(",", "")
    if "," not in raw and len(digits) == 4 and 1100 <= int(digits) <= 2099:
        return year_to_words(int(digits))
    if len(digits) > 1 and digits.startswith("0") or len(digits) > 15:
        return digits_to_words(digits)
    return number_to_words(int(digits))


def normalize_en(text: str) -> str:
    """Return ``text`` with numbers, money, units, dates, times and abbreviations in words.

    Order matters: patterns that give digits a meaning (money, times, units, ordinals, ranges)
    run before the catch-all that reads a bare number.
    """
    text = text.translate(_PUNCT_MAP)
    text = unicodedata.normalize("NFKC", text).replace("...", ", ")
    text = re.sub(r"\s*&\s*", " and ", text)
    text = re.sub(r"(?<=\w)@(?=\w)", " at ", text)
    for pattern, repl in _ABBREVIATIONS_RE:
        text = pattern.sub(repl, text)
    for frac, words in _FRACTIONS.items():
        text = re.sub(rf"(?<![\d/]){re.escape(frac)}(?![\d/])", words, text)
    text = _ISO_DATE_RE.sub(_iso_date, text)
    # versions and addresses (2.0.1, 192.168.1.1); phone numbers digit by digit
    text = re.sub(r"(?<![\d.])\d+(?:\.\d+){2,}(?![\d.])",
                  lambda m: " " + " point ".join(_number_str(g) for g in m.group().split(".")),
                  text)
    text = re.sub(r"\b(?:\d{3}-)?\d{3}-\d{4}\b",
                  lambda m: ", ".join(digits_to_words(g) for g in m.group().split("-")), text)
    text = re.sub(r"([$€£¥])\.(?=\d)", r"\g<1>0.", text)
    # ranges: 3-5 days, $10-$20, 10~20%, 3:00-5:00 -> "to" (ISO dates were handled above)
    text = re.sub(r"(?<=\d)\s?[-~]\s?(?=[$€£¥]?\d)", " to ", text)
    text = _TIME_RE.sub(_time, text)
    text = _HOUR_RE.sub(lambda m: f"{number_to_words(int(m.group(1)))} {m.group(2).upper()} M",
                        text)
    text = _DATE_RE.sub(_month_day, text)
    text = re.sub(r"(?<=\d):(?=\d)", " to ", text)  # ratios: 16:9
    text = re.sub(r"(?<![\w\d])-(?=[$€£¥]?\d)", "minus ", text)
    text = _MONEY_PRE.sub(lambda m: _money(m.group(1), m.group(2), m.group(3), m.group(4)), text)
    text = _MONEY_POST.sub(lambda m: _money(m.group(4), m.group(1), m.group(2), m.group(3)), text)
    text = re.sub(r"(\d[\d,]*(?:\.\d+)?)\s?%",
                  lambda m: _cardinal_str(m.group(1)) + " percent", text)
    text = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: ordinal_to_words(int(m.group(1))), text)
    text = re.sub(r"\b(\d{4})'?s\b", lambda m: _pluralize(year_to_words(int(m.group(1)))), text)
    text = re.sub(r"(?<![\w'])'?([2-9]0)'?s\b",
                  lambda m: _pluralize(number_to_words(int(m.group(1)))), text)
    text = _UNIT_ADJ_RE.sub(lambda m: f"{_cardinal_str(m.group(1))} "
                            f"{_unit_words(m.group(2), '1')}", text)
    text = _UNIT_RE.sub(_sub_unit, text)
    # model codes: letters glued to digits (V12, A17, S24) or digits glued to letters (4K, 6E)
    text = re.sub(r"\b([A-Za-z]+)(\d+(?:\.\d+)?)\b",
                  lambda m: f"{m.group(1)}-{_model_number(m.group(2))}", text)
    text = re.sub(r"\b(\d+)([A-Za-z]+)\b", lambda m: f"{_number_str(m.group(1))} {m.group(2)}",
                  text)
    # model numbers after an all-caps name: RTX 4090 -> forty ninety (pairs, like a year)
    text = re.sub(r"\b([A-Z]{2,4}) (\d{4})\b",
                  lambda m: f"{m.group(1)} {_model_number(m.group(2))}", text)
    text = re.sub(r"(?<!\d)\.(\d+)", lambda m: "point " + digits_to_words(m.group(1)), text)
    text = re.sub(r"\d[\d,]*\d(?:\.\d+)?|\d(?:\.\d+)?", _padded_number, text)
    text = re.sub(r"(?<=\w)\s*\+", " plus", text)
    text = re.sub(r"\s*=\s*", " equals ", text)
    text = re.sub(r"(?<=\w)/(?=\w)", " slash ", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _model_number(s: str) -> str:
    """Version/model numbers: 15 -> fifteen, 5.3 -> five point three, 4090 -> forty ninety."""
    if "." in s:
        return _cardinal_str(s)
    if len(s) == 4 and not s.startswith("0") and s[2] != "0":
        return f"{number_to_words(int(s[:2]))} {number_to_words(int(s[2:]))}"
    return _number_str(s)
